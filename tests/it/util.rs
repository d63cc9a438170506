//! Shared helpers: the repo, Chromium (never skipped: missing means failing with the hint),
//! running specs in-process and the binary as a subprocess.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use swgate::checks::CheckConfig;
use swgate::outcome::Verdict;
use swgate::runner::{run, Cancel, RunOptions, RunSummary, ScenarioResult};
use swgate::spec::load_spec;

#[path = "../junit/xmllint.rs"]
mod xmllint;
pub use xmllint::assert_valid_junit;

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Chromium binary; panics with the install hint when missing, so a machine without
/// Chromium fails these tests instead of passing them silently.
pub fn chromium() -> PathBuf {
    let explicit = std::env::var_os("SWGATE_CHROMIUM").map(PathBuf::from);
    swgate::browser::find_chromium(explicit.as_deref())
        .unwrap_or_else(|e| panic!("browser tests need Chromium: {e}"))
}

pub fn options() -> RunOptions {
    RunOptions {
        chromium: chromium(),
        launch: Default::default(),
        jobs: 2,
        scenario_timeout: Duration::from_secs(90),
        wait_timeout: Duration::from_secs(15),
        bind: None,
        connect: None,
        partition: None,
    }
}

/// Runs bundled spec files (paths relative to the repo) through the library in real Chromium.
pub fn run_specs(paths: &[&str]) -> RunSummary {
    let specs: Vec<_> = paths
        .iter()
        .map(|p| {
            load_spec::<CheckConfig>(&repo().join(p)).unwrap_or_else(|e| panic!("{}", e.render()))
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(run(&specs, &options(), Cancel::never(), &mut |_| {}))
        .unwrap_or_else(|e| panic!("run failed: {e}"))
}

/// The result labelled `check` (the check name, or `name @line` for repeats) in `summary`, with its whole timeline in the panic message if absent.
pub fn result<'a>(summary: &'a RunSummary, check: &str) -> &'a ScenarioResult {
    summary
        .results
        .iter()
        .find(|r| r.label == check)
        .unwrap_or_else(|| panic!("no result for {check}: {summary:#?}"))
}

/// Asserts the verdict of every scenario the run had: `expected` names each by spec name and
/// label (`check`, or `check @line`). A scenario the list does not name fails the test too, so
/// a check added to a real spec gets its verdict asserted (tests/real: every app × check).
pub fn assert_every_verdict(summary: &RunSummary, expected: &[(&str, &str, Verdict)]) {
    let mut got: Vec<(&str, &str, Verdict)> = summary
        .results
        .iter()
        .map(|r| (r.spec.as_str(), r.label.as_str(), r.verdict))
        .collect();
    let mut want = expected.to_vec();
    got.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    want.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    if got != want {
        let messages: Vec<String> = summary
            .results
            .iter()
            .map(|r| format!("{} › {}: {:?}: {}", r.spec, r.label, r.verdict, r.message))
            .collect();
        panic!(
            "verdicts differ\nexpected {want:?}\ngot      {got:?}\n{}",
            messages.join("\n")
        );
    }
}

/// Asserts a verdict and that the message starts with `message` (the rest may name ports or
/// timings); shows the scenario's timeline when it does not hold.
pub fn assert_verdict(summary: &RunSummary, check: &str, verdict: Verdict, message: &str) {
    let r = result(summary, check);
    assert!(
        r.verdict == verdict && r.message.starts_with(message),
        "{check}: expected {verdict:?} with a message starting\n  {message}\ngot {:?}:\n  {}\ntimeline:\n{}",
        r.verdict,
        r.message,
        swgate::timeline::detail_log(&r.timeline).join("\n")
    );
}

/// Asserts that the message of `check` contains `part` (e.g. what one visit kind saw).
pub fn assert_message_has(summary: &RunSummary, check: &str, part: &str) {
    let r = result(summary, check);
    assert!(
        r.message.contains(part),
        "{check}: expected the message to contain\n  {part}\ngot:\n  {}",
        r.message
    );
}

/// Copies a directory tree (a fixture build, a package) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `swgate` as a subprocess, run from the repo root.
pub fn swgate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_swgate"));
    cmd.current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("SWGATE_LOG");
    cmd
}

/// Replaces machine-specific parts of output with stable placeholders.
pub fn redact(text: &str) -> String {
    text.replace(&repo().display().to_string(), "[ROOT]")
}

/// Pids of processes whose command line mentions a profile of swgate process `pid`.
pub fn chromium_processes_of(pid: u32) -> Vec<i32> {
    processes_mentioning(&format!("swgate-profile-{pid}-"))
}

/// Pids of Chromium processes started with `--user-data-dir=<profile>`.
pub fn chromium_processes_of_path(profile: &Path) -> Vec<i32> {
    processes_mentioning(&format!("--user-data-dir={}", profile.display()))
}

fn processes_mentioning(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
        })
        .collect()
}

/// Profile directories swgate process `pid` left in the temp dir.
pub fn profiles_of(pid: u32) -> Vec<PathBuf> {
    let prefix = format!("swgate-profile-{pid}-");
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

/// `Err` with the install hint when `node` or `npm` is missing; `why` says who needs them.
pub fn node_and_npm(why: &str) -> Result<(), String> {
    for tool in ["node", "npm"] {
        let found = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Err(format!(
                "{why} (`{tool}` not found; Debian: apt-get install nodejs npm)"
            ));
        }
    }
    Ok(())
}

/// Builds the real-generator corpus (`tests/real/build.sh`: pinned npm packages installed once
/// per lockfile into target/real-npm, then each app's deploys into tests/real/out) once per
/// test process. Fails with the hint when Node or npm is missing, never skips.
pub fn real_corpus() {
    static BUILT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let built = BUILT.get_or_init(|| {
        node_and_npm("the real-generator tests need Node 20+ and npm to build tests/real")?;
        let out = Command::new("bash")
            .arg("tests/real/build.sh")
            .current_dir(repo())
            .output()
            .map_err(|e| format!("cannot run tests/real/build.sh: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
            Err(format!(
                "tests/real/build.sh failed ({}); is the npm registry reachable?\n{}",
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ))
        }
    });
    if let Err(e) = built {
        panic!("{e}");
    }
}
