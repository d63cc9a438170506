//! Nothing left behind: no Chromium process and no profile after a pass, a failure, a
//! timeout, SIGINT or SIGTERM sent to swgate alone, and Chromium killed from outside.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::{assert_valid_junit, chromium, chromium_processes_of, profiles_of, swgate};

/// A running `swgate run` whose stderr is read line by line on a thread.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = swgate()
            .arg("run")
            .args(args)
            .arg("--chromium")
            .arg(chromium())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (bounded) for a stderr line containing `needle`.
    fn wait_for_line(&mut self, needle: &str) {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    let hit = line.contains(needle);
                    self.seen.push(line);
                    if hit {
                        return;
                    }
                }
                Err(_) => panic!(
                    "no stderr line containing {needle:?} within 60s; saw:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Waits (bounded) for exit; returns the code and all of stderr.
    fn finish(mut self) -> (Option<i32>, String) {
        let pid = self.child.id();
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => self.seen.push(line),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("swgate did not exit within 120s:\n{}", self.seen.join("\n"));
                }
            }
        }
        // The stderr pipe closed: the process is exiting.
        let status = self.child.wait().unwrap();
        let stderr = self.seen.join("\n");
        assert_nothing_left(pid, &stderr);
        (status.code(), stderr)
    }

    fn signal(&self, sig: i32) {
        // SAFETY: signalling our own child process.
        unsafe {
            libc::kill(self.child.id() as i32, sig);
        }
    }
}

fn assert_nothing_left(pid: u32, stderr: &str) {
    let procs = chromium_processes_of(pid);
    assert!(
        procs.is_empty(),
        "Chromium processes of swgate {pid} survive: {procs:?}\n{stderr}"
    );
    let profiles = profiles_of(pid);
    assert!(
        profiles.is_empty(),
        "profiles of swgate {pid} remain: {profiles:?}\n{stderr}"
    );
}

#[test]
fn passing_run_leaves_nothing() {
    let (code, stderr) = Running::start(&["specs/network-first.yaml"]).finish();
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn failing_run_leaves_nothing_and_writes_junit() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let junit_arg = junit.to_str().unwrap();
    let (code, stderr) =
        Running::start(&["specs/cache-hoarder.yaml", "--junit", junit_arg]).finish();
    assert_eq!(code, Some(1), "{stderr}");
    // Piped stderr with NO_COLOR (as `swgate()` sets): plain progress lines, no escapes.
    assert!(
        stderr.contains("START     cache-hoarder › caches-pruned"),
        "{stderr}"
    );
    assert!(!stderr.contains('\x1b'), "{stderr:?}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<testsuite name="cache-hoarder" tests="2" errors="0" failures="1">"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<failure message="old entries pile up on users&apos; disks: after v2&apos;s worker activated, 2 cache entries still hold v1&apos;s bytes for files v2 changed or dropped: / in `shell-v1` (v1&apos;s bytes; v2 changed it), /assets/app.9e4c7a02.js in `shell-v1` (v1&apos;s bytes; v2 dropped it)" type="fail">"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="caches-pruned" classname="cache-hoarder" time=""#),
        "{xml}"
    );
    assert_valid_junit(&junit);
}

#[test]
fn timed_out_scenario_exits_4_and_leaves_nothing() {
    let (code, stderr) =
        Running::start(&["specs/stuck-shell.yaml", "--timeout", "2", "-j", "1"]).finish();
    assert_eq!(code, Some(4), "{stderr}");
    assert!(stderr.contains("scenario timed out after 2s"), "{stderr}");
}

/// CI runners and `kill PID` signal swgate alone, not its process group: Chromium must still go.
#[test]
fn sigterm_to_swgate_alone_exits_130_and_leaves_nothing() {
    let mut run = Running::start(&["specs/stuck-shell.yaml"]);
    run.wait_for_line("scenarios in");
    run.signal(libc::SIGTERM);
    let (code, stderr) = run.finish();
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("CANCELLED"), "{stderr}");
}

#[test]
fn sigint_to_swgate_alone_exits_130_and_leaves_nothing() {
    let mut run = Running::start(&["specs/stuck-shell.yaml"]);
    run.wait_for_line("scenarios in");
    run.signal(libc::SIGINT);
    let (code, stderr) = run.finish();
    assert_eq!(code, Some(130), "{stderr}");
}

#[test]
fn chromium_killed_from_outside_exits_3_and_leaves_nothing() {
    let mut run = Running::start(&["specs/stuck-shell.yaml"]);
    run.wait_for_line("scenarios in");
    let pid = run.child.id();
    let main = chromium_processes_of(pid)
        .into_iter()
        .find(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .is_ok_and(|c| !String::from_utf8_lossy(&c).contains("--type="))
        })
        .expect("the main Chromium process is running");
    // SAFETY: killing the Chromium our child launched.
    unsafe {
        libc::kill(main, libc::SIGKILL);
    }
    let (code, stderr) = run.finish();
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("Chromium exited unexpectedly"), "{stderr}");
}
