//! The command line without a browser: bad specs exit 2 with file:line:col, a missing
//! Chromium exits 3 with the install hint, `list` and `schema` come from the registry.

use crate::util::{redact, repo, swgate};

fn output_of(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("swgate runs");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().map_or("signal".into(), |c| c.to_string()),
        redact(&String::from_utf8_lossy(&out.stdout)),
        redact(&String::from_utf8_lossy(&out.stderr)),
    )
}

/// Every malformed spec in `tests/specs/invalid` exits 2 with a positioned message; one
/// snapshot per file.
#[test]
fn invalid_specs_exit_2_with_positions() {
    let dir = repo().join("tests/specs/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 30, "the corpus shrank: {files:?}");
    for file in files {
        let rel = file.strip_prefix(repo()).unwrap();
        let output = output_of(swgate().arg("run").arg(rel));
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(output.starts_with("exit: 2\n"), "{name}: {output}");
        insta::assert_snapshot!(format!("invalid_spec__{name}"), output);
    }
}

#[test]
fn every_error_in_a_run_is_reported_before_exiting() {
    let output = output_of(swgate().args([
        "run",
        "tests/specs/invalid/unknown-key.yaml",
        "tests/specs/invalid/wrong-type.yaml",
    ]));
    assert!(output.contains("unknown-key.yaml:4:1"), "{output}");
    assert!(output.contains("wrong-type.yaml:6:16"), "{output}");
    assert!(
        output.contains("2 spec errors; nothing was run"),
        "{output}"
    );
}

#[test]
fn missing_spec_path_exits_2() {
    insta::assert_snapshot!(output_of(swgate().args(["run", "specs/nope.yaml"])), @r"
    exit: 2
    --- stdout
    --- stderr
    error: spec path specs/nope.yaml does not exist
    ");
}

#[test]
fn missing_chromium_exits_3_with_the_install_hint() {
    insta::assert_snapshot!(output_of(
        swgate().args(["run", "specs/network-first.yaml", "--chromium", "/nonexistent/chromium"])
    ), @r"
    exit: 3
    --- stdout
    --- stderr
    error: Chromium not found (/nonexistent/chromium does not exist); install it with `apt-get install chromium` (Debian/Ubuntu) or `npx playwright install chromium` (any OS), or pass --chromium PATH / set SWGATE_CHROMIUM
    ");
}

#[test]
fn chromium_absent_from_path_exits_3_with_the_install_hint() {
    let output = output_of(
        swgate()
            .args(["run", "specs/network-first.yaml"])
            .env("PATH", "/nonexistent")
            .env("HOME", "/nonexistent")
            .env_remove("PLAYWRIGHT_BROWSERS_PATH")
            .env_remove("PUPPETEER_CACHE_DIR")
            .env_remove("SWGATE_CHROMIUM"),
    );
    assert!(output.starts_with("exit: 3\n"), "{output}");
    assert!(output.contains("apt-get install chromium"), "{output}");
    assert!(
        output.contains("no Chromium in Playwright's /nonexistent/.cache/ms-playwright or Puppeteer's /nonexistent/.cache/puppeteer"),
        "{output}"
    );
    assert!(
        output.contains("npx playwright install chromium"),
        "{output}"
    );
}

/// `swgate run` without paths in a directory with no spec: exit 2, and how to write one.
#[test]
fn no_spec_in_the_working_directory_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = output_of(swgate().arg("run").current_dir(dir.path()));
    assert!(output.starts_with("exit: 2\n"), "{output}");
    assert!(
        output.contains("no spec found (looked for ./swgate.yaml, specs in ./swgate/, then ./specs/); write one with `swgate init BUILD_DIR`"),
        "{output}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let output = output_of(swgate().args(["run", "--jobs", "many"]));
    assert!(output.starts_with("exit: 2\n"), "{output}");
}

/// `-j 0` would run nothing and say nothing: it is a usage error.
#[test]
fn zero_jobs_is_a_usage_error() {
    let output = output_of(swgate().args(["run", "specs/network-first.yaml", "-j", "0"]));
    assert!(output.starts_with("exit: 2\n"), "{output}");
    assert!(output.contains("must be at least 1"), "{output}");
}

/// A closed DevTools port is said once, with the URL (chromiumoxide repeats its cause at every
/// level of its error chain). Port 9 on loopback: nothing listens there.
#[test]
fn connect_to_a_closed_port_says_so_once() {
    let url = "ws://127.0.0.1:9/devtools/browser/none";
    let output = output_of(swgate().args(["run", "specs/network-first.yaml", "--connect", url]));
    assert!(output.starts_with("exit: 3\n"), "{output}");
    assert!(
        output.contains(&format!(
            "failed to connect to Chromium's DevTools at {url}: "
        )),
        "{output}"
    );
    assert_eq!(output.matches("Connection refused").count(), 1, "{output}");
}

/// `list` comes from the registry and the parameter schemas; the snapshot is the whole table.
#[test]
fn list_shows_every_check_and_its_parameters() {
    insta::assert_snapshot!(output_of(swgate().arg("list")));
}

/// `schema` prints the shipped schema (the unit tests compare bytes and validate specs).
#[test]
fn schema_prints_the_shipped_file() {
    let out = swgate().arg("schema").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let shipped = std::fs::read_to_string(repo().join("specs/swgate-spec.schema.json")).unwrap();
    assert!(
        out.stdout == shipped.as_bytes(),
        "regenerate with `cargo run -- schema > specs/swgate-spec.schema.json`"
    );
}
