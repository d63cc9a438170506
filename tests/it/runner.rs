//! The runner beyond single checks: isolation of concurrent scenarios, partitions, driving a
//! Chromium someone else launched, and loopback-only sockets.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use swgate::checks::CheckConfig;
use swgate::outcome::Verdict;
use swgate::runner::{run, Cancel, Partition, RunSummary};
use swgate::spec::load_spec;

use crate::util::{chromium, options, repo, run_specs, swgate};

fn verdicts(s: &RunSummary) -> Vec<(String, Verdict)> {
    s.results
        .iter()
        .map(|r| (r.label.clone(), r.verdict))
        .collect()
}

/// Each scenario has its own origin and browser context: the same app twice at once gives
/// the same verdicts as once.
#[test]
fn the_same_app_twice_at_once_gives_the_same_verdicts() {
    let once = run_specs(&["specs/cache-hoarder.yaml"]);
    let twice = run_specs(&["specs/cache-hoarder.yaml", "specs/cache-hoarder.yaml"]);
    let mut expected = verdicts(&once);
    expected.extend(verdicts(&once));
    assert_eq!(verdicts(&twice), expected);
}

#[test]
fn a_partition_runs_its_share_of_the_scenarios() {
    let spec = load_spec::<CheckConfig>(&repo().join("specs/network-first.yaml")).unwrap();
    let mut opts = options();
    opts.partition = Some(Partition { index: 2, count: 2 });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let s = runtime
        .block_on(run(&[spec], &opts, Cancel::never(), &mut |_| {}))
        .unwrap();
    let labels: Vec<_> = s.results.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, vec!["caches-pruned"]);
}

/// `--connect` drives a Chromium swgate did not launch, and leaves it running.
#[test]
fn connect_drives_an_existing_chromium_and_leaves_it_running() {
    let profile = tempfile::tempdir().unwrap();
    let mut browser = Command::new(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-gpu",
            "--disable-quic",
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        // Chromium keeps its singleton socket in `$TMPDIR/org.chromium.Chromium.*/` and removes
        // it only on a normal exit: this test kills it, so that directory goes in the profile,
        // removed with it (one was left in /tmp per integration run).
        .env("TMPDIR", profile.path())
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = browser.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("DevTools listening on ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("Chromium printed its DevTools URL");
    let output = swgate()
        .args(["run", "specs/network-first.yaml", "--connect", &url])
        .output()
        .unwrap();
    let alive = browser.try_wait().unwrap().is_none();
    let _ = browser.kill();
    let _ = browser.wait();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("2 passed, 0 failed"), "{stderr}");
    assert!(alive, "swgate closed a browser it did not launch");
}

/// Every socket swgate and its Chromium listen on is on 127.0.0.1.
#[test]
fn every_listening_socket_is_on_loopback() {
    let mut child = swgate()
        .args(["run", "specs/stuck-shell.yaml", "-v", "--chromium"])
        .arg(chromium())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let started = line.contains("fixture server on http://");
            if tx.send((started, line)).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let mut servers = 0;
    while servers < 2 {
        let (started, line) = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no fixture server started:\n{}", seen.join("\n")));
        servers += usize::from(started);
        seen.push(line);
    }
    let pids: Vec<u32> = std::iter::once(child.id())
        .chain(
            crate::util::chromium_processes_of(child.id())
                .into_iter()
                .map(|p| p as u32),
        )
        .collect();
    let listening = listening_sockets(&pids);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        listening.len() >= 3,
        "expected two fixture servers and DevTools: {listening:?}"
    );
    for (pid, addr) in &listening {
        assert!(
            addr.starts_with("127.0.0.1:"),
            "pid {pid} listens on {addr}"
        );
    }
}

/// `(pid, "ip:port")` of every TCP socket in LISTEN state the processes own.
fn listening_sockets(pids: &[u32]) -> Vec<(u32, String)> {
    let mut inodes = Vec::new();
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                let t = target.to_string_lossy().into_owned();
                if let Some(inode) = t.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')) {
                    inodes.push((*pid, inode.to_string()));
                }
            }
        }
    }
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // local_address, rem_address, st (0A = LISTEN), ..., inode at index 9.
            if f.len() > 9 && f[3] == "0A" {
                if let Some((pid, _)) = inodes.iter().find(|(_, i)| i == f[9]) {
                    out.push((*pid, decode_address(f[1])));
                }
            }
        }
    }
    out
}

/// `0100007F:1F90` → `127.0.0.1:8080` (IPv4; IPv6 shown as hex).
fn decode_address(hex: &str) -> String {
    let (ip, port) = hex.split_once(':').unwrap_or((hex, "0"));
    let port = u16::from_str_radix(port, 16).unwrap_or(0);
    if ip.len() == 8 {
        let n = u32::from_str_radix(ip, 16).unwrap_or(0);
        let [a, b, c, d] = n.to_le_bytes();
        format!("{a}.{b}.{c}.{d}:{port}")
    } else {
        format!("[{ip}]:{port}")
    }
}

/// A build whose worker cannot install is a clear "could not evaluate" error, not a hang.
#[test]
fn a_worker_that_never_installs_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let app = repo().join("fixtures/apps/broken-deploys");
    let spec = dir.path().join("never-installs.yaml");
    std::fs::write(
        &spec,
        format!(
            "deploys:\n  v1: {}\n  v2: {}\nchecks:\n  - update-recovers\n",
            app.join("v2-syntax").display(),
            app.join("v3").display()
        ),
    )
    .unwrap();
    let s = run_specs(&[spec.to_str().unwrap()]);
    let r = &s.results[0];
    assert_eq!(r.verdict, Verdict::Error, "{}", r.message);
    assert!(
        r.message.starts_with(
            "v1's service worker failed to install: Uncaught SyntaxError: missing ) after argument list (/sw.js:4:72)"
        ),
        "{}",
        r.message
    );
}

/// A JavaScript project's CI has Playwright's Chromium and no system one: with nothing on PATH,
/// swgate takes the newest `chromium-*` build in Playwright's cache (a temporary HOME whose
/// `chrome` links to the real Chromium; an older, empty build beside it) and says so.
#[test]
fn chromium_is_found_in_playwrights_cache_when_path_has_none() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join(".cache/ms-playwright");
    for build in ["chromium-999", "chromium-1200"] {
        std::fs::create_dir_all(cache.join(build).join("chrome-linux")).unwrap();
    }
    std::os::unix::fs::symlink(
        std::fs::canonicalize(chromium()).unwrap(),
        cache.join("chromium-1200/chrome-linux/chrome"),
    )
    .unwrap();
    std::fs::write(
        cache.join("chromium-999/chrome-linux/chrome"),
        "not a browser",
    )
    .unwrap();
    let out = swgate()
        .args(["run", "specs/network-first.yaml", "-j", "2"])
        .env("PATH", "/nonexistent")
        .env("HOME", home.path())
        .env_remove("SWGATE_CHROMIUM")
        .env_remove("PLAYWRIGHT_BROWSERS_PATH")
        .env_remove("PUPPETEER_CACHE_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "swgate: Chromium {} (from Playwright's browsers)",
            cache.join("chromium-1200/chrome-linux/chrome").display()
        )),
        "{stderr}"
    );
}

/// In a project directory, `swgate run` with no path runs the `swgate.yaml` that `swgate init`
/// wrote there, not this repository's bundled specs.
#[test]
fn run_without_paths_runs_the_projects_swgate_yaml() {
    let project = tempfile::tempdir().unwrap();
    let build = repo().join("fixtures/apps/network-first/v1");
    let init = swgate()
        .arg("init")
        .arg(&build)
        .current_dir(project.path())
        .output()
        .unwrap();
    assert_eq!(
        init.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    assert!(project.path().join("swgate.yaml").is_file());
    let run = swgate()
        .args(["run", "-j", "4", "--chromium"])
        .arg(chromium())
        .current_dir(project.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(matches!(run.status.code(), Some(0 | 1)), "{stderr}");
    assert!(
        stderr.contains("network-first › update-recovers"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("stuck-shell"),
        "ran the bundled specs:\n{stderr}"
    );
}
