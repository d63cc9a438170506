#!/usr/bin/env python3
"""swgate's benchmark: wall time, per-scenario time and peak memory of real runs.

Usage: python3 benches/bench.py [--quick] [--out benches/results.md]

Builds nothing: run `cargo build --release` (or debug) first; uses target/release/swgate if
present, else target/debug/swgate. Measures, on this machine:
  - the floor: Chromium cold start to a loaded page (`chromium --headless --dump-dom`);
  - the bundled suite (specs/) at -j 1, 2, 4: wall time, per-scenario min/median/max,
    swgate's peak RSS, and the Chromium tree's peak RSS and PSS (sampled every 100 ms from
    /proc; RSS double-counts shared pages, PSS does not);
  - scaling: 1, 8 and 32 copies of specs/network-first.yaml at -j 2.
Prints a markdown table and writes it to --out. Asserts nothing: numbers vary by machine.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def swgate_binary():
    for profile in ("release", "debug"):
        path = os.path.join(ROOT, "target", profile, "swgate")
        if os.path.exists(path):
            return path, profile
    sys.exit("build swgate first: cargo build --release")


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("Chromium not found: apt-get install chromium")


def tree_memory(swgate_pid):
    """(rss_kb, pss_kb) summed over the Chromium processes of one swgate run."""
    needle = f"swgate-profile-{swgate_pid}-".encode()
    rss = pss = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if needle not in f.read():
                    continue
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def own_peak_rss(pid):
    """swgate's own peak RSS so far (VmHWM), in KB. /usr/bin/time's %M is not it: getrusage
    over children reports the largest reaped descendant, here a Chromium process."""
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_swgate(binary, args):
    """Runs swgate; returns wall s, swgate peak RSS KB, Chromium tree peaks, stderr."""
    cmd = [binary, "run", *args]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peaks = {"rss": 0, "pss": 0, "own": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            peaks["own"] = max(peaks["own"], own_peak_rss(proc.pid))
            rss, pss = tree_memory(proc.pid)
            peaks["rss"] = max(peaks["rss"], rss)
            peaks["pss"] = max(peaks["pss"], pss)
            done.wait(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, stderr = proc.communicate()
    done.set()
    sampler.join()
    wall = time.monotonic() - started
    return wall, peaks["own"], peaks, stderr


def scenario_times(stderr):
    return [float(t) for t in re.findall(r"^\S+\s+.+? \[(\d+\.\d)s\]", stderr, re.M)]


def floor(chromium, runs):
    page = os.path.join(ROOT, "fixtures/apps/network-first/v1/index.html")
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="swgate-bench-") as profile:
            started = time.monotonic()
            subprocess.run(
                [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", f"--user-data-dir={profile}", "--dump-dom", f"file://{page}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times.append(time.monotonic() - started)
    return statistics.median(times)


def copies_dir(n):
    d = tempfile.mkdtemp(prefix="swgate-bench-specs-")
    src = open(os.path.join(ROOT, "specs/network-first.yaml")).read()
    src = src.replace("../fixtures", os.path.join(ROOT, "fixtures"))
    for i in range(n):
        with open(os.path.join(d, f"copy-{i:02}.yaml"), "w") as f:
            f.write(src.replace("name: network-first", f"name: network-first-{i:02}"))
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="-j 2 and 1/8 copies only")
    ap.add_argument("--out", default=os.path.join(ROOT, "benches/results.md"))
    args = ap.parse_args()
    binary, profile = swgate_binary()
    chromium = chromium_binary()
    rows = []
    fl = floor(chromium, 3)
    rows.append(("floor: Chromium cold start to a loaded page", f"{fl:.2f} s", "", "", "", ""))
    for jobs in ([2] if args.quick else [1, 2, 4]):
        wall, maxrss, peaks, stderr = run_swgate(binary, ["specs", "-j", str(jobs)])
        times = scenario_times(stderr)
        per = (f"{min(times):.1f} / {statistics.median(times):.1f} / {max(times):.1f} s"
               if times else "")
        rows.append((f"bundled suite ({len(times)} scenarios), -j {jobs}", f"{wall:.1f} s", per,
                     f"{maxrss // 1024} MB", f"{peaks['rss'] // 1024} MB", f"{peaks['pss'] // 1024} MB"))
    for n in ([1, 8] if args.quick else [1, 8, 32]):
        d = copies_dir(n)
        try:
            wall, maxrss, peaks, stderr = run_swgate(binary, [d, "-j", "2"])
        finally:
            shutil.rmtree(d)
        times = scenario_times(stderr)
        per = f"{statistics.median(times):.1f} s median" if times else ""
        rows.append((f"{n} cop{'y' if n == 1 else 'ies'} of network-first ({2 * n} scenarios), -j 2",
                     f"{wall:.1f} s", per, f"{maxrss // 1024} MB", f"{peaks['rss'] // 1024} MB",
                     f"{peaks['pss'] // 1024} MB"))
    cpus = os.cpu_count()
    head = (f"swgate benchmark, {profile} build, {cpus} CPUs, "
            f"{subprocess.run([chromium, '--version'], capture_output=True, text=True).stdout.strip()}\n\n"
            "| run | wall | per scenario (min / median / max) | swgate peak RSS | Chromium peak RSS | Chromium peak PSS |\n"
            "| --- | --- | --- | --- | --- | --- |\n")
    table = head + "".join("| " + " | ".join(r) + " |\n" for r in rows)
    print(table)
    with open(args.out, "w") as f:
        f.write(table)


if __name__ == "__main__":
    main()
