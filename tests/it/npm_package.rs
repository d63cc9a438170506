//! The npm distribution (`npm/`): the `swgate` package's shim runs the binary of the platform
//! package `npm/assemble.mjs` builds. Packed with `npm pack`, installed offline into an empty
//! project, `npx swgate init` and `npx swgate run` work there as for a web developer. Nothing
//! is published.

use std::process::{Command, Output};

use super::util::{chromium, copy_dir, node_and_npm, repo};

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} exited {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_npm_packages_install_offline_and_run_init_and_run_in_a_project() {
    node_and_npm("the npm package test needs Node 18+ and npm").unwrap_or_else(|e| panic!("{e}"));
    chromium();
    let tmp = tempfile::tempdir().unwrap();
    let platform = tmp.path().join("platform");
    ok(Command::new("node")
        .arg(repo().join("npm/assemble.mjs"))
        .arg(env!("CARGO_BIN_EXE_swgate"))
        .arg(&platform));
    for dir in [platform.as_path(), &repo().join("npm/swgate")] {
        ok(Command::new("npm")
            .args(["pack", "--silent", "--pack-destination"])
            .arg(tmp.path())
            .arg(dir));
    }
    let version = env!("CARGO_PKG_VERSION");
    let main = tmp.path().join(format!("swgate-{version}.tgz"));
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    let binary = tmp
        .path()
        .join(format!("swgate-cli-linux-{arch}-{version}.tgz"));
    assert!(
        main.is_file() && binary.is_file(),
        "npm pack wrote no tarballs"
    );

    let project = tmp.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("package.json"),
        r#"{"name": "my-pwa", "version": "1.0.0", "private": true}"#,
    )
    .unwrap();
    // Offline: the other platforms' optional packages are not fetched, only skipped.
    ok(Command::new("npm")
        .args([
            "install",
            "--offline",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .arg(&main)
        .arg(&binary)
        .current_dir(&project));
    let npx = || {
        let mut c = Command::new("npx");
        c.arg("--no-install").arg("swgate").current_dir(&project);
        c
    };
    assert_eq!(
        ok(npx().arg("--version")).trim(),
        format!("swgate {version}")
    );

    // The user's builds, side by side as a deploy pipeline keeps them.
    copy_dir(
        &repo().join("fixtures/apps/stuck-shell/v1"),
        &project.join("builds/v1"),
    );
    copy_dir(
        &repo().join("fixtures/apps/stuck-shell/v2"),
        &project.join("builds/v2"),
    );
    let init = run(npx().args(["init", "builds/v1"]));
    assert_eq!(init.status.code(), Some(0), "{init:?}");
    assert!(project.join("swgate.yaml").is_file());
    // `swgate run` with no path runs ./swgate.yaml, with Chromium found by the documented order.
    let ran = run(npx().args(["run", "-j", "4"]));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("swgate: Chromium "), "{stderr}");
    // stuck-shell's regression, found through the npm-installed binary.
    assert!(
        stderr.contains("FAIL      builds › update-recovers"),
        "{stderr}"
    );

    // Without the platform package the shim says what to do and exits 3.
    std::fs::remove_dir_all(project.join("node_modules/@swgate")).unwrap();
    let missing = run(npx().arg("--version"));
    assert_eq!(missing.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no prebuilt binary for linux-"));
}

/// The npm packages carry Cargo.toml's version, and the main package depends on exactly that
/// version of every platform package.
#[test]
fn npm_versions_match_cargo() {
    let text = std::fs::read_to_string(repo().join("npm/swgate/package.json")).unwrap();
    let pkg: serde_json::Value = serde_json::from_str(&text).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(pkg["version"], version, "npm/swgate/package.json version");
    let deps = pkg["optionalDependencies"].as_object().unwrap();
    assert_eq!(deps.len(), 5);
    for (name, v) in deps {
        assert!(name.starts_with("@swgate/cli-"), "{name}");
        assert_eq!(v, version, "{name}");
    }
}

/// `cargo install --path .` / `cargo package` get what the binary is built from and nothing
/// only the tests need (fixtures, specs, snapshots, the npm wrapper).
#[test]
fn the_cargo_package_holds_the_sources_and_no_test_data() {
    let out = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "src/main.rs",
        "src/lib.rs",
        "src/report/html/template.html",
        "docs/chromium.md",
    ] {
        assert!(
            files.iter().any(|f| f == needed),
            "{needed} missing: {files:?}"
        );
    }
    for f in &files {
        let test_only = [
            "tests/",
            "fixtures/",
            "specs/",
            "benches/",
            "examples/",
            "npm/",
            "fuzz/",
        ]
        .iter()
        .any(|d| f.starts_with(d))
            || f.contains("/snapshots/");
        assert!(!test_only, "{f} is packaged");
    }
}
