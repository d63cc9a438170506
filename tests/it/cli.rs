//! The command line without a browser: bad specs exit 2 with file:line:col, a missing
//! Chromium exits 3 with the install hint, `list` comes from the registry.

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
    error: Chromium not found (/nonexistent/chromium does not exist); install it with `apt-get install chromium` (Debian/Ubuntu), or pass --chromium PATH / set SWGATE_CHROMIUM
    ");
}

#[test]
fn chromium_absent_from_path_exits_3_with_the_install_hint() {
    let output = output_of(
        swgate()
            .args(["run", "specs/network-first.yaml"])
            .env("PATH", "/nonexistent")
            .env_remove("SWGATE_CHROMIUM"),
    );
    assert!(output.starts_with("exit: 3\n"), "{output}");
    assert!(output.contains("apt-get install chromium"), "{output}");
}

#[test]
fn usage_errors_exit_2() {
    let output = output_of(swgate().args(["run", "--jobs", "many"]));
    assert!(output.starts_with("exit: 2\n"), "{output}");
}

#[test]
fn list_shows_the_registry() {
    insta::assert_snapshot!(output_of(swgate().arg("list")), @r"
    exit: 0
    --- stdout
    update-recovers          a returning user on N reaches N+1 within R reloads of N+1 being deployed
    caches-pruned            after N+1's worker activates, no cache created by N's worker remains
    kill-switch              after the kill-switch deploy, an existing client's origin is clean within R navigations
    broken-deploy-survives   a broken N+1 worker leaves the user working on N, and the fixed N+2 reaches them
    update-prompt            a waiting N+1 is offered to the open page, and the user's action activates and shows it
    version-skew             around a deploy, reloads never mix N and N+1, and a page left open under N keeps working
    sw-script-fresh          the worker script and its imports reach the next navigation after a deploy, also behind a CDN
    navigation-network-path  with N cached and N+1 deployed, the next navigation reaches the server and shows N+1
    navigation-timeout       with the start page's network stalled (no headers, or a stalled body), the page loads from cache within T
    runtime-cache-bounded    K distinct runtime requests later, every cache and the origin's Cache Storage usage stay within limits
    no-swr-on-auth           per-user responses follow the signed-in user and are never stale (no shared stale-while-revalidate)
    worker-durable           the page's requests get the same answers when the worker is stopped between them
    wait-until               work the worker does after answering survives Chromium ending idle workers
    cache-as-database        no Cache Storage key is data under a URL that no deploy file or server endpoint answers
    --- stderr
    ");
}
