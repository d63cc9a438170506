//! The exit code of a finished run: the most severe outcome wins (`exit_codes` has the table).

use crate::exit_codes;
use crate::outcome::Verdict;

use super::RunSummary;

/// The exit code for a finished run; the most severe outcome wins.
pub fn exit_code(summary: &RunSummary) -> i32 {
    let has = |v: Verdict| summary.count(v) > 0;
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
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::runner::ScenarioResult;
    use crate::spec::Location;

    fn summary(verdicts: &[Verdict]) -> RunSummary {
        RunSummary {
            results: verdicts
                .iter()
                .map(|v| ScenarioResult {
                    spec: "s".into(),
                    spec_path: "s.yaml".into(),
                    check: "update-recovers",
                    label: "update-recovers".into(),
                    location: Location {
                        file: "s.yaml".into(),
                        line: 1,
                        column: 1,
                    },
                    verdict: *v,
                    message: String::new(),
                    duration: Duration::ZERO,
                    timeline: vec![],
                    screenshot: None,
                })
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
}
