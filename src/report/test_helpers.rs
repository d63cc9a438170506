//! A fixed run summary for reporter tests.

use std::path::PathBuf;
use std::time::Duration;

use crate::checks::Verdict;
use crate::runner::{RunSummary, ScenarioResult};
use crate::spec::Location;

fn result(
    spec: &str,
    check: &'static str,
    line: usize,
    verdict: Verdict,
    message: &str,
) -> ScenarioResult {
    ScenarioResult {
        spec: spec.into(),
        spec_path: PathBuf::from(format!("specs/{spec}.yaml")),
        check,
        label: check.to_string(),
        location: Location {
            file: PathBuf::from(format!("specs/{spec}.yaml")),
            line,
            column: 5,
        },
        verdict,
        message: message.into(),
        duration: Duration::from_millis(1500),
        timeline: vec![
            "     0ms  deployed v1".into(),
            "   120ms  v1's worker activated".into(),
            "   130ms  deployed v2 <& \"quoted\">".into(),
        ],
    }
}

/// One spec passing both checks, one failing one check and timing out on the other.
pub(crate) fn summary() -> RunSummary {
    RunSummary {
        results: vec![
            result(
                "good",
                "update-recovers",
                8,
                Verdict::Pass,
                "reached v2 on reload 1 of 3",
            ),
            result(
                "good",
                "caches-pruned",
                9,
                Verdict::Pass,
                "v1's cache `shell-v1` was deleted",
            ),
            result(
                "stuck",
                "update-recovers",
                8,
                Verdict::Fail,
                "a returning user never reaches v2: after 3 reloads the page still shows v1",
            ),
            result(
                "stuck",
                "caches-pruned",
                9,
                Verdict::Timeout,
                "timed out after 15.0s waiting for v2's worker to install",
            ),
        ],
        duration: Duration::from_secs(12),
        interrupted: false,
    }
}
