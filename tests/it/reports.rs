//! Reports from real runs in Chromium: the JSON timeline shows who answered, the HTML report is
//! self-contained with a failure screenshot and renders in Chromium, and `swgate repro` shows
//! a stuck shell as the old worker answering from its cache after the new deploy.

use std::path::Path;

use crate::util::{chromium, swgate};

fn json_of(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The stuck-shell run, once, with every machine report.
#[test]
fn stuck_shell_reports_show_the_old_worker_answering_from_cache() {
    let dir = tempfile::tempdir().unwrap();
    let (json, html, junit) = (
        dir.path().join("run.json"),
        dir.path().join("run.html"),
        dir.path().join("run.xml"),
    );
    let out = swgate()
        .args(["run", "specs/stuck-shell.yaml", "--json"])
        .arg(&json)
        .arg("--html")
        .arg(&html)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");

    let report = json_of(&json);
    assert_eq!(report["format_version"], 1);
    assert_eq!(report["totals"]["fail"], 1, "{report:#}");
    let scenarios = report["scenarios"].as_array().unwrap();
    let stuck = scenarios
        .iter()
        .find(|s| s["check"] == "update-recovers")
        .unwrap();
    assert_eq!(stuck["verdict"], "fail");
    let timeline = stuck["timeline"].as_array().unwrap();
    let v2_deployed = timeline
        .iter()
        .position(|e| e["kind"] == "deploy" && e["deploy"] == "v2")
        .expect("a deploy of v2");
    let cached_after = timeline[v2_deployed..].iter().find(|e| {
        e["kind"] == "request"
            && e["resource_type"] == "Document"
            && e["source"] == "service-worker-cache"
            && e["cache_name"] == "shell-v1"
    });
    assert!(
        cached_after.is_some(),
        "no document from v1's cache after v2: {timeline:#?}"
    );
    assert!(timeline
        .iter()
        .any(|e| e["kind"] == "worker" && e["deploy"] == "v2" && e["status"] == "installed"));
    assert_eq!(timeline.last().unwrap()["kind"], "verdict");
    let png = stuck["screenshot_png_base64"]
        .as_str()
        .expect("a failure screenshot");
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(png)
        .unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let pruned = scenarios
        .iter()
        .find(|s| s["check"] == "caches-pruned")
        .unwrap();
    assert!(pruned["screenshot_png_base64"].is_null(), "passes get none");

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("data:image/png;base64,"));
    assert!(page.contains("stuck-shell › update-recovers"));
    for external in ["src=\"http", "href=\"http", "<link", "<script src"] {
        assert!(!page.contains(external), "external asset {external}");
    }
    crate::util::assert_valid_junit(&junit);

    // The report renders in Chromium itself: a headless screenshot of the page.
    let shot = dir.path().join("report.png");
    let profile = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--window-size=1300,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let rendered = std::fs::read(&shot).unwrap();
    assert!(
        rendered.starts_with(b"\x89PNG") && rendered.len() > 20_000,
        "the report rendered to {} bytes",
        rendered.len()
    );
}

#[test]
fn repro_prints_the_stuck_shell_timeline() {
    let out = swgate()
        .args(["repro", "specs/stuck-shell.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr
            .contains("running `update-recovers`, the first of `update-recovers`, `caches-pruned`"),
        "{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("stuck-shell › update-recovers (specs/stuck-shell.yaml:"));
    assert!(lines[1].contains("time") && lines[1].contains("active") && lines[1].contains("what"));
    let deployed = lines
        .iter()
        .position(|l| l.contains("deploy") && l.ends_with("deployed v2"))
        .unwrap_or_else(|| panic!("no deploy of v2:\n{stdout}"));
    let cached = lines[deployed..].iter().find(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        cols.get(2) == Some(&"v1")
            && cols.get(3) == Some(&"request")
            && l.ends_with("Document / 200 from service worker (cache \"shell-v1\")")
    });
    assert!(
        cached.is_some(),
        "no row with v1 active answering the document from its cache after v2:\n{stdout}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .contains("verdict   FAIL: reload: a returning user who reloads never reaches v2"),
        "{stdout}"
    );
}

#[test]
fn repro_keeps_the_profile_with_the_workers_storage() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    let out = swgate()
        .args(["repro", "specs/sw-fresh.yaml", "--keep-profile"])
        .arg(&profile)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("profile is kept in"), "{stderr}");
    // The default browser context writes the registration and its scripts to disk.
    assert!(
        profile.join("Default/Service Worker/Database").is_dir(),
        "no service-worker database in the kept profile"
    );
    assert!(
        crate::util::chromium_processes_of_path(&profile).is_empty(),
        "Chromium still runs on the kept profile"
    );
}

#[test]
fn repro_rejects_bad_arguments_before_starting_chromium() {
    let out = swgate()
        .args(["repro", "specs/stuck-shell.yaml", "--check", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: specs/stuck-shell.yaml has no check `nope`; it has `update-recovers`, `caches-pruned`\n"
    );
    let busy = tempfile::tempdir().unwrap();
    std::fs::write(busy.path().join("x"), "").unwrap();
    let out = swgate()
        .args(["repro", "specs/stuck-shell.yaml", "--keep-profile"])
        .arg(busy.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    let out = swgate()
        .args(["repro", "specs/stuck-shell.yaml", "--headful"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--headful needs a display"));
}
