#!/usr/bin/env python3
"""swgate's benchmark: wall time, per-scenario time and peak memory of real runs.

Usage: python3 benches/bench.py [--quick] [--out benches/results.md]
       python3 benches/bench.py --jobs-table 4,6,8,12 [--runs 20] [--out benches/results.md]

Builds nothing: run `cargo build --release` (or debug) first; uses target/release/swgate if
present, else target/debug/swgate. Measures, on this machine:
  - the floor: Chromium cold start to a loaded page (`chromium --headless --dump-dom`);
  - the bundled suite (specs/) at -j 1, 2, 4: wall time, per-scenario min/median/max,
    swgate's peak RSS, and the Chromium tree's peak RSS and PSS (sampled every 100 ms from
    /proc; RSS double-counts shared pages, PSS does not);
  - scaling: 1, 8 and 32 copies of specs/network-first.yaml at -j 2.
Prints a markdown table and writes it to --out. Asserts nothing: numbers vary by machine.

--jobs-table picks the default -j: for each -j it runs the bundled suite --runs times with every
core kept busy by spinning loops, and reports wall time (median and max), the Chromium tree's
peak PSS (max over runs), and how many runs changed a verdict or a message against the first
run at the first -j (durations in messages normalised, as benches/determinism.sh does). The
table replaces the section between the `jobs-table` markers of --out.
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
    if os.environ.get("SWGATE_BIN"):
        return os.environ["SWGATE_BIN"], "given"
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


def outcome_lines(stderr):
    """One normalised line per scenario (verdict, name, message), as determinism.sh compares."""
    lines = []
    for line in stderr.splitlines():
        if re.match(r"^(PASS|FAIL|ERROR|TIMEOUT|INFRA|CANCELLED) ", line):
            line = re.sub(r" \[[0-9.]+s\]", "", line)
            lines.append(re.sub(r"\b[0-9]+\.[0-9]+s\b", "N.Ns", line))
    return sorted(lines)


def jobs_table(binary, profile, chromium, jobs_list, runs, out):
    loads = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(os.cpu_count())]
    rows = []
    reference = None
    try:
        for jobs in jobs_list:
            walls, pss, verdicts, messages, errors = [], 0, 0, 0, 0
            for i in range(runs):
                wall, _, peaks, stderr = run_swgate(binary, ["specs", "-j", str(jobs)])
                lines = outcome_lines(stderr)
                walls.append(wall)
                pss = max(pss, peaks["pss"])
                errors += sum(1 for l in lines if not l.startswith(("PASS", "FAIL")))
                if reference is None:
                    reference = lines
                elif [l.split(":")[0] for l in lines] != [l.split(":")[0] for l in reference]:
                    verdicts += 1
                elif lines != reference:
                    messages += 1
                    for a, b in zip(reference, lines):
                        if a != b:
                            print(f"  -j {jobs} run {i + 1}:\n    was: {a}\n    now: {b}",
                                  file=sys.stderr)
                print(f"-j {jobs} run {i + 1}: {wall:.1f} s, PSS {peaks['pss'] // 1024} MB",
                      file=sys.stderr)
            rows.append((f"-j {jobs}", f"{statistics.median(walls):.1f} s", f"{max(walls):.1f} s",
                         f"{pss // 1024} MB", str(verdicts), str(messages), str(errors)))
    finally:
        for p in loads:
            p.kill()
    version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip()
    table = (f"Default -j: bundled suite, {profile} build, {os.cpu_count()} CPUs each kept busy by a "
             f"spinning loop, {version}, {runs} runs per -j; changes counted against the first run "
             f"at -j {jobs_list[0]}\n\n"
             "| -j | wall (median) | wall (max) | Chromium peak PSS | runs with changed verdicts "
             "| runs with changed messages only | ERROR/TIMEOUT/INFRA scenarios |\n"
             "| --- | --- | --- | --- | --- | --- | --- |\n"
             + "".join("| " + " | ".join(r) + " |\n" for r in rows))
    print(table)
    start, end = "<!-- jobs-table -->\n", "<!-- /jobs-table -->\n"
    text = open(out).read() if os.path.exists(out) else ""
    if start in text and end in text:
        text = text[:text.index(start)] + start + table + end + text[text.index(end) + len(end):]
    else:
        text += "\n" + start + table + end
    with open(out, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="-j 2 and 1/8 copies only")
    ap.add_argument("--out", default=os.path.join(ROOT, "benches/results.md"))
    ap.add_argument("--jobs-table", help="comma-separated -j values: the loaded default -j table")
    ap.add_argument("--runs", type=int, default=20, help="runs per -j for --jobs-table")
    args = ap.parse_args()
    binary, profile = swgate_binary()
    chromium = chromium_binary()
    if args.jobs_table:
        jobs_table(binary, profile, chromium, [int(j) for j in args.jobs_table.split(",")],
                   args.runs, args.out)
        return
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
