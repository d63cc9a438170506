//! The GitHub Action (`action.yml`): its composite steps' scripts run here as the runner runs
//! them (`bash --noprofile --norc -eo pipefail`, each step's `env:` with the inputs filled in,
//! `RUNNER_TEMP`, `GITHUB_PATH`, `GITHUB_ACTIONS=true`), against bundled specs.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_yaml::Value;

use super::util::{chromium, repo};

/// Fills `${{ inputs.NAME }}` and `${{ github.action_path }}` as the runner would.
fn expand(text: &str, inputs: &HashMap<&str, String>, defaults: &Value) -> String {
    let mut out = text.to_owned();
    while let Some(start) = out.find("${{") {
        let end = start + out[start..].find("}}").expect("closed expression") + 2;
        let expr = out[start + 3..end - 2].trim();
        let value = if expr == "github.action_path" {
            repo().display().to_string()
        } else if let Some(name) = expr.strip_prefix("inputs.") {
            inputs.get(name).cloned().unwrap_or_else(|| {
                defaults[name]["default"]
                    .as_str()
                    .unwrap_or_else(|| panic!("input {name} has no default"))
                    .to_owned()
            })
        } else {
            panic!("the test does not know the expression {expr}");
        };
        out.replace_range(start..end, &value);
    }
    out
}

#[test]
fn the_actions_steps_install_nothing_twice_and_run_a_share_with_reports() {
    chromium();
    let action: Value =
        serde_yaml::from_str(&std::fs::read_to_string(repo().join("action.yml")).unwrap()).unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("share.json");
    let junit = tmp.path().join("share.xml");
    let inputs: HashMap<&str, String> = [
        (
            "specs",
            "specs/stuck-shell.yaml specs/network-first.yaml".to_owned(),
        ),
        ("partition", "1/2".to_owned()),
        ("json", json.display().to_string()),
        ("junit", junit.display().to_string()),
        ("args", "-j 4".to_owned()),
    ]
    .into();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_swgate")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let github_path = tmp.path().join("github_path");
    let mut outputs: Vec<(String, Output)> = Vec::new();
    for step in action["runs"]["steps"].as_sequence().unwrap() {
        let name = step["name"].as_str().unwrap().to_owned();
        assert_eq!(step["shell"], "bash", "{name}");
        let script = step["run"].as_str().unwrap();
        assert!(
            !script.contains("${{"),
            "{name}: inputs reach scripts through env only"
        );
        let file = tmp.path().join("step.sh");
        std::fs::write(&file, script).unwrap();
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(repo())
            .env("PATH", &path)
            .env("RUNNER_TEMP", tmp.path())
            .env("GITHUB_PATH", &github_path)
            .env("GITHUB_ACTIONS", "true");
        if let Some(env) = step["env"].as_mapping() {
            for (k, v) in env {
                cmd.env(
                    k.as_str().unwrap(),
                    expand(v.as_str().unwrap(), &inputs, &action["inputs"]),
                );
            }
        }
        outputs.push((name, cmd.output().unwrap()));
    }
    let text = |o: &Output| {
        format!(
            "exit {:?}\n{}{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let [(_, install), (_, browser), (_, run)] = &outputs[..] else {
        panic!(
            "three steps expected: {:?}",
            outputs.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
    };
    // swgate and Chromium on PATH: nothing is installed.
    assert!(install.status.success(), "{}", text(install));
    assert!(String::from_utf8_lossy(&install.stdout).starts_with("swgate: using "));
    assert!(!github_path.exists(), "nothing added to PATH");
    assert!(browser.status.success(), "{}", text(browser));
    assert!(String::from_utf8_lossy(&browser.stdout).contains("swgate: Chromium on PATH"));
    // Share 1/2: stuck-shell › update-recovers (fails) and network-first › update-recovers.
    assert_eq!(run.status.code(), Some(1), "{}", text(run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains(
            "+ swgate run specs/stuck-shell.yaml specs/network-first.yaml --partition 1/2 --junit "
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("::error file=specs/stuck-shell.yaml,line="),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["partition"]["index"], 1);
    assert_eq!(report["scenarios"].as_array().unwrap().len(), 2);
    super::util::assert_valid_junit(&junit);
}
