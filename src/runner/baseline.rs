//! A run compared with an earlier one (`--baseline PREVIOUS.json`): per scenario, new failure,
//! fixed, still failing, still passing, new, and the scenarios that are gone.
//!
//! A scenario is the same scenario when its spec file (as given on the command line) and its
//! check label (`check`, or `check @line` for repeats) match: what a nightly job keeps stable
//! from one night to the next. "Failing" is every verdict but PASS, so a scenario that timed
//! out last night and passes tonight is fixed.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::outcome::Verdict;

use super::RunSummary;

/// How a scenario's verdict compares with the baseline's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Passed in the baseline, does not pass now: a regression.
    NewFailure,
    /// Did not pass in the baseline, passes now.
    Fixed,
    /// Did not pass in the baseline and does not pass now.
    StillFailing,
    /// Passed in both.
    StillPassing,
    /// Not in the baseline (or cancelled or an infrastructure error there, which says
    /// nothing about the app).
    New,
}

impl Change {
    /// How reports name the change.
    pub fn describe(self) -> &'static str {
        match self {
            Change::NewFailure => "new failure",
            Change::Fixed => "fixed",
            Change::StillFailing => "still failing",
            Change::StillPassing => "still passing",
            Change::New => "new scenario",
        }
    }
}

/// A scenario the baseline has and this run does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoneScenario {
    /// Spec name.
    pub spec: String,
    /// Spec file.
    pub spec_path: PathBuf,
    /// Check label.
    pub label: String,
    /// Its verdict in the baseline.
    pub verdict: Verdict,
}

/// The comparison of a whole run with its baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineSummary {
    /// The baseline report.
    pub path: PathBuf,
    /// Scenarios the baseline has and this run does not, in the baseline's order. Empty and
    /// not judged (`gone_judged` false) when this run is one share of a partition: the other
    /// shares hold the rest.
    pub gone: Vec<GoneScenario>,
    /// Whether `gone` was judged (a whole run or a merge).
    pub gone_judged: bool,
}

impl RunSummary {
    /// How many scenarios have `change` (0 without a baseline).
    pub fn count_change(&self, change: Change) -> usize {
        self.results
            .iter()
            .filter(|r| r.baseline == Some(change))
            .count()
    }
}

/// Marks every result of `summary` with how it compares with `previous` (read from `path`),
/// and records what is gone.
pub fn compare(summary: &mut RunSummary, previous: &RunSummary, path: &Path) {
    // The same spec may be run twice in one run: match repeats in order.
    let mut before: HashMap<(&Path, &str), VecDeque<usize>> = HashMap::new();
    for (i, r) in previous.results.iter().enumerate() {
        before
            .entry((r.spec_path.as_path(), r.label.as_str()))
            .or_default()
            .push_back(i);
    }
    for r in &mut summary.results {
        let earlier = before
            .get_mut(&(r.spec_path.as_path(), r.label.as_str()))
            .and_then(VecDeque::pop_front)
            .map(|i| previous.results[i].verdict);
        let passes = r.verdict == Verdict::Pass;
        r.baseline = Some(match earlier {
            // Cancelled or broken infrastructure in the baseline said nothing about the app.
            None | Some(Verdict::Cancelled | Verdict::Infrastructure) => Change::New,
            Some(Verdict::Pass) if passes => Change::StillPassing,
            Some(Verdict::Pass) => Change::NewFailure,
            Some(_) if passes => Change::Fixed,
            Some(_) => Change::StillFailing,
        });
    }
    let gone_judged = summary.partition.is_none();
    let mut left: Vec<usize> = if gone_judged {
        before.into_values().flatten().collect()
    } else {
        Vec::new()
    };
    left.sort_unstable();
    summary.baseline = Some(BaselineSummary {
        path: path.to_path_buf(),
        gone: left
            .into_iter()
            .map(|i| {
                let r = &previous.results[i];
                GoneScenario {
                    spec: r.spec.clone(),
                    spec_path: r.spec_path.clone(),
                    label: r.label.clone(),
                    verdict: r.verdict,
                }
            })
            .collect(),
        gone_judged,
    });
}

/// What makes a run's exit code non-zero (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Every scenario that does not pass (the default).
    #[default]
    Any,
    /// Only scenarios that do not pass and passed in the baseline or are not in it; Chromium
    /// and fixture-server failures and interrupts still count, since they say nothing about
    /// the app.
    New,
}

impl std::str::FromStr for FailOn {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "any" => Ok(FailOn::Any),
            "new" => Ok(FailOn::New),
            _ => Err(format!("expected `any` or `new`, found `{s}`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::exit_code::tests::result;

    fn run(results: &[(&str, Verdict)]) -> RunSummary {
        RunSummary {
            results: results.iter().map(|(label, v)| result(label, *v)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn every_change_is_classified() {
        use Verdict::*;
        let previous = run(&[
            ("a", Pass),
            ("b", Fail),
            ("c", Timeout),
            ("d", Pass),
            ("e", Cancelled),
            ("f", Infrastructure),
            ("gone", Fail),
        ]);
        let mut now = run(&[
            ("a", Fail),
            ("b", Pass),
            ("c", Fail),
            ("d", Pass),
            ("e", Fail),
            ("f", Fail),
            ("new", Pass),
        ]);
        compare(&mut now, &previous, Path::new("last.json"));
        let changes: Vec<_> = now.results.iter().map(|r| r.baseline.unwrap()).collect();
        assert_eq!(
            changes,
            [
                Change::NewFailure,
                Change::Fixed,
                Change::StillFailing,
                Change::StillPassing,
                Change::New,
                Change::New,
                Change::New
            ]
        );
        let b = now.baseline.unwrap();
        assert!(b.gone_judged);
        assert_eq!(b.gone.len(), 1);
        assert_eq!(
            (b.gone[0].label.as_str(), b.gone[0].verdict),
            ("gone", Fail)
        );
    }

    #[test]
    fn repeats_of_one_scenario_match_in_order() {
        use Verdict::*;
        let previous = run(&[("a", Pass), ("a", Fail)]);
        let mut now = run(&[("a", Pass), ("a", Pass), ("a", Pass)]);
        compare(&mut now, &previous, Path::new("last.json"));
        let changes: Vec<_> = now.results.iter().map(|r| r.baseline.unwrap()).collect();
        assert_eq!(changes, [Change::StillPassing, Change::Fixed, Change::New]);
    }

    #[test]
    fn a_share_of_a_partition_does_not_call_the_other_shares_gone() {
        let previous = run(&[("a", Verdict::Pass), ("b", Verdict::Pass)]);
        let mut now = run(&[("a", Verdict::Pass)]);
        now.partition = Some(crate::runner::Partition { index: 1, count: 2 });
        compare(&mut now, &previous, Path::new("last.json"));
        let b = now.baseline.unwrap();
        assert!(!b.gone_judged);
        assert!(b.gone.is_empty());
    }
}
