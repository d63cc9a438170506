//! The exit code of a finished run: the most severe outcome wins (`exit_codes` has the table);
//! with `--fail-on new`, only new failures (and trouble with the gate itself) count.

use crate::exit_codes;
use crate::outcome::Verdict;

use super::baseline::{Change, FailOn};
use super::{RunSummary, ScenarioResult};

/// The exit code for a finished run; the most severe outcome wins.
pub fn exit_code(summary: &RunSummary) -> i32 {
    exit_code_for(summary, FailOn::Any)
}

/// The exit code for a finished run under `fail_on`. `FailOn::New` without a baseline counts
/// every scenario as new, so it never passes a failure silently.
pub fn exit_code_for(summary: &RunSummary, fail_on: FailOn) -> i32 {
    let counts = |r: &ScenarioResult| match fail_on {
        FailOn::Any => true,
        FailOn::New => {
            matches!(r.verdict, Verdict::Infrastructure | Verdict::Cancelled)
                || !matches!(r.baseline, Some(Change::StillFailing))
        }
    };
    let has = |v: Verdict| summary.results.iter().any(|r| r.verdict == v && counts(r));
    if summary.interrupted || has(Verdict::Cancelled) {
        exit_codes::INTERRUPTED
    } else if has(Verdict::Infrastructure) {
        exit_codes::INFRASTRUCTURE_ERROR
    } else if has(Verdict::Timeout) || has(Verdict::Error) {
        exit_codes::TIMEOUT_OR_INTERNAL
    } else if has(Verdict::Fail) {
        exit_codes::CHECK_FAILED
    } else {
        exit_codes::SUCCESS
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::time::Duration;

    use crate::spec::Location;

    /// A result of spec `s.yaml` labelled `label`.
    pub(in crate::runner) fn result(label: &str, verdict: Verdict) -> ScenarioResult {
        ScenarioResult {
            spec: "s".into(),
            spec_path: "s.yaml".into(),
            check: "update-recovers".into(),
            ordinal: 0,
            label: label.into(),
            location: Location {
                file: "s.yaml".into(),
                line: 1,
                column: 1,
            },
            verdict,
            message: String::new(),
            duration: Duration::ZERO,
            timeline: vec![],
            screenshot: None,
            baseline: None,
        }
    }

    fn summary(verdicts: &[Verdict]) -> RunSummary {
        RunSummary {
            results: verdicts
                .iter()
                .map(|v| result("update-recovers", *v))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn exit_codes_follow_the_most_severe_verdict() {
        assert_eq!(exit_code(&summary(&[Verdict::Pass])), 0);
        assert_eq!(exit_code(&summary(&[Verdict::Pass, Verdict::Fail])), 1);
        assert_eq!(exit_code(&summary(&[Verdict::Fail, Verdict::Timeout])), 4);
        assert_eq!(exit_code(&summary(&[Verdict::Error])), 4);
        assert_eq!(
            exit_code(&summary(&[Verdict::Timeout, Verdict::Infrastructure])),
            3
        );
        assert_eq!(
            exit_code(&summary(&[Verdict::Infrastructure, Verdict::Cancelled])),
            130
        );
    }

    #[test]
    fn fail_on_new_ignores_known_failures_only() {
        let with = |pairs: &[(Verdict, Change)]| RunSummary {
            results: pairs
                .iter()
                .map(|(v, c)| ScenarioResult {
                    baseline: Some(*c),
                    ..result("x", *v)
                })
                .collect(),
            ..Default::default()
        };
        let known = with(&[
            (Verdict::Fail, Change::StillFailing),
            (Verdict::Timeout, Change::StillFailing),
            (Verdict::Pass, Change::Fixed),
        ]);
        assert_eq!(exit_code(&known), 4);
        assert_eq!(exit_code_for(&known, FailOn::New), 0);
        let regressed = with(&[
            (Verdict::Timeout, Change::StillFailing),
            (Verdict::Fail, Change::NewFailure),
        ]);
        assert_eq!(exit_code_for(&regressed, FailOn::New), 1);
        let new_scenario = with(&[(Verdict::Fail, Change::New)]);
        assert_eq!(exit_code_for(&new_scenario, FailOn::New), 1);
        let gate_trouble = with(&[(Verdict::Infrastructure, Change::StillFailing)]);
        assert_eq!(exit_code_for(&gate_trouble, FailOn::New), 3);
        let no_baseline = summary(&[Verdict::Fail]);
        assert_eq!(exit_code_for(&no_baseline, FailOn::New), 1);
    }
}
