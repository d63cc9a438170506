//! The CI examples in `examples/ci/` are run, not just shown: every `swgate` command line in
//! them runs here against bundled specs (a subset, for time), with the variables set as each CI sets them, and
//! the merged report must hold every scenario of a plain run once, with its verdict.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_yaml::Value;

use super::util::{chromium, repo};

/// The `swgate` lines of a shell script (one command per line).
fn swgate_lines(script: &str) -> Vec<String> {
    script
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("swgate "))
        .map(str::to_owned)
        .collect()
}

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// GitHub Actions: each job's `run:` lines, once per matrix `shard` (as `$SHARD`, which the
/// job's env sets from the matrix).
fn github_commands() -> (Vec<String>, Vec<String>) {
    let workflow = yaml("examples/ci/github-actions.yml");
    let shard_job = &workflow["jobs"]["shard"];
    assert_eq!(shard_job["env"]["SHARD"], "${{ matrix.shard }}");
    let shards: Vec<u64> = shard_job["strategy"]["matrix"]["shard"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let lines_of = |job: &Value| -> Vec<String> {
        job["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str())
            .flat_map(swgate_lines)
            .collect()
    };
    let shard_lines: Vec<String> = shards
        .iter()
        .flat_map(|k| {
            lines_of(shard_job)
                .into_iter()
                .map(move |l| l.replace("$SHARD", &k.to_string()))
        })
        .collect();
    (shard_lines, lines_of(&workflow["jobs"]["merge"]))
}

/// GitLab CI: each job's `script:` lines, once per `parallel:` node (as `$CI_NODE_INDEX` and
/// `$CI_NODE_TOTAL`).
fn gitlab_commands() -> (Vec<String>, Vec<String>) {
    let pipeline = yaml("examples/ci/gitlab-ci.yml");
    let lines_of = |job: &Value| -> Vec<String> {
        job["script"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .flat_map(swgate_lines)
            .collect()
    };
    let job = &pipeline["swgate"];
    let total = job["parallel"].as_u64().unwrap();
    let shard_lines = (1..=total)
        .flat_map(|k| {
            lines_of(job).into_iter().map(move |l| {
                l.replace("$CI_NODE_INDEX", &k.to_string())
                    .replace("$CI_NODE_TOTAL", &total.to_string())
            })
        })
        .collect();
    (shard_lines, lines_of(&pipeline["swgate-merge"]))
}

fn bash(line: &str, dir: &Path, github: bool) -> std::process::Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_swgate")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.args(["-c", line]).current_dir(dir).env("PATH", path);
    if github {
        cmd.env("GITHUB_ACTIONS", "true");
    } else {
        cmd.env_remove("GITHUB_ACTIONS");
    }
    cmd.output().unwrap()
}

fn scenarios(path: &Path) -> Vec<(String, String, String)> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["spec_path"].as_str().unwrap().to_owned(),
                s["label"].as_str().unwrap().to_owned(),
                s["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_ci_examples_shard_and_merge_the_bundled_suite_like_a_plain_run() {
    chromium();
    let (github_shards, github_merge) = github_commands();
    let (gitlab_shards, gitlab_merge) = gitlab_commands();
    assert_eq!(github_shards.len(), 4, "{github_shards:?}");
    assert_eq!(github_merge.len(), 1, "{github_merge:?}");
    // Both examples run the same commands once their variables are set, so running them once
    // runs both files' lines.
    assert_eq!(github_shards, gitlab_shards);
    assert_eq!(github_merge, gitlab_merge);

    let dir = tempfile::tempdir().unwrap();
    // A subset of the bundled specs, passing and failing, in the `specs` the commands name: the
    // whole suite as 4 shards plus a plain run cost ~150 s of a CI run that must stay short,
    // and .ci/run's determinism step already runs the whole suite twice.
    let specs = dir.path().join("specs");
    std::fs::create_dir(&specs).unwrap();
    for spec in [
        "stuck-shell.yaml",
        "network-first.yaml",
        "cache-hoarder.yaml",
        "sw-fresh.yaml",
        "kill-switch-cached-html.yaml",
    ] {
        std::os::unix::fs::symlink(repo().join("specs").join(spec), specs.join(spec)).unwrap();
    }
    // The specs name their fixtures relative to themselves.
    std::os::unix::fs::symlink(repo().join("fixtures"), dir.path().join("fixtures")).unwrap();
    // The shards one after another beside a plain run for comparison: at most two swgate
    // processes at once, so this test loads the machine no more than a CI job does. (Five at
    // once is how a kill-switch race was found: docs/chromium.md, "Update checks pending
    // from install".)
    let outputs: Vec<std::process::Output> = std::thread::scope(|s| {
        let plain = s.spawn(|| bash("swgate run specs --json plain.json -q", dir.path(), false));
        let mut outputs: Vec<_> = github_shards
            .iter()
            .map(|line| bash(line, dir.path(), true))
            .collect();
        outputs.push(plain.join().unwrap());
        outputs
    });
    let (plain, shards) = outputs.split_last().unwrap();
    let plain_code = plain.status.code();
    assert!(
        matches!(plain_code, Some(0 | 1)),
        "plain run: {}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let mut annotated = 0;
    for (line, out) in github_shards.iter().zip(shards) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{line}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        for l in stdout.lines() {
            assert!(l.starts_with("::error file=specs/"), "{line}: {l}");
            annotated += 1;
        }
    }

    let merged = bash(&github_merge[0], dir.path(), false);
    let stderr = String::from_utf8_lossy(&merged.stderr);
    assert_eq!(merged.status.code(), plain_code, "{stderr}");
    for f in ["swgate.html", "swgate.xml", "swgate.json"] {
        assert!(dir.path().join(f).is_file(), "{f} missing: {stderr}");
    }
    let merged = scenarios(&dir.path().join("swgate.json"));
    let plain = scenarios(&dir.path().join("plain.json"));
    let unique: BTreeSet<_> = merged.iter().map(|(p, l, _)| (p, l)).collect();
    assert_eq!(unique.len(), merged.len(), "a scenario twice: {merged:?}");
    assert_eq!(merged, plain, "merged shards differ from the plain run");
    let failing = plain.iter().filter(|(_, _, v)| v != "pass").count();
    assert_eq!(
        annotated, failing,
        "one annotation per scenario that did not pass"
    );

    super::util::assert_valid_junit(&dir.path().join("swgate.xml"));
    // The merged HTML, parsed by Chromium itself, has a section for every scenario.
    let profile = tempfile::tempdir().unwrap();
    let dom = Command::new(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!(
            "file://{}",
            dir.path().join("swgate.html").display()
        ))
        .output()
        .unwrap();
    assert!(dom.status.success(), "{dom:?}");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        dom.matches("<section class=\"scenario ").count(),
        plain.len(),
        "scenario sections in the merged HTML"
    );

    // The merge refuses when a shard's report is missing.
    std::fs::remove_file(dir.path().join("swgate-3.json")).unwrap();
    let out = bash(&github_merge[0], dir.path(), false);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error: cannot read swgate-3.json"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn merge_and_baseline_refusals_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("old.json");
    std::fs::write(&report, "{\"format_version\": 9}").unwrap();
    let out = super::util::swgate()
        .args(["merge"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("has JSON report format version 9; this swgate reads version 1"));
    let out = super::util::swgate()
        .args(["run", "specs/network-first.yaml", "--baseline"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: --baseline: "));
    let out = super::util::swgate()
        .args(["run", "specs/network-first.yaml", "--fail-on", "new"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--baseline"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
