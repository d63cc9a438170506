//! `swgate merge`: the JSON reports of a run's shards (`--partition K/N` on N machines) put
//! back together into one run, in the order a single run reports (spec, then check).
//!
//! Merging refuses what would make the merged report lie: reports of another format version,
//! a scenario present twice, shards run in different Chromium versions (unless allowed), and a
//! partition with shares missing (a shard whose job died before writing its report must not
//! turn into a green merge).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::runner::{Partition, RunSummary};

use super::json::{read_json_report, ReadReportError};

/// Why reports could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A report could not be read.
    #[error(transparent)]
    Read(#[from] ReadReportError),
    /// Nothing to merge.
    #[error("no report to merge")]
    Empty,
    /// The same scenario is in two reports.
    #[error("{spec_path} › {label} is in both {first} and {second}: the reports overlap (merge each shard once, and shards of one run only)")]
    Overlap {
        /// The scenario's spec file.
        spec_path: String,
        /// Its check label.
        label: String,
        /// The first report holding it.
        first: String,
        /// The second.
        second: String,
    },
    /// Shards ran in different Chromium versions.
    #[error("{first} ran in {first_chromium} but {second} in {second_chromium}; verdicts can differ between Chromium versions (pass --allow-mixed-chromium to merge anyway)")]
    MixedChromium {
        /// One report.
        first: String,
        /// Its Chromium.
        first_chromium: String,
        /// Another report.
        second: String,
        /// Its Chromium.
        second_chromium: String,
    },
    /// Shares of different partitions, or a whole run among shards.
    #[error("{first} is {first_share} but {second} is {second_share}: merge the shares of one partitioned run")]
    MixedPartitions {
        /// One report.
        first: String,
        /// What it is (`share 1/4 of 44 scenarios`, `a whole run`).
        first_share: String,
        /// Another report.
        second: String,
        /// What it is.
        second_share: String,
    },
    /// Two reports of the same share.
    #[error("share {share} is in both {first} and {second}: merge each shard's report once")]
    DuplicateShare {
        /// `K/N`.
        share: String,
        /// One report.
        first: String,
        /// The other.
        second: String,
    },
    /// A share of the partition is missing.
    #[error("{}", missing_shares(*count, missing))]
    MissingShares {
        /// How many shares the partition has.
        count: usize,
        /// The shares (1-based) no report holds.
        missing: Vec<usize>,
    },
}

fn missing_shares(count: usize, missing: &[usize]) -> String {
    let names: Vec<String> = missing.iter().map(|i| format!("{i}/{count}")).collect();
    format!(
        "{} {} missing: a shard whose job failed before writing its report would otherwise vanish from the merge (merge every share's --json report)",
        if missing.len() == 1 { "share" } else { "shares" },
        names.join(", ") + if missing.len() == 1 { " is" } else { " are" }
    )
}

fn share(s: &RunSummary) -> String {
    match s.partition {
        Some(p) => format!("share {}/{} of {} scenarios", p.index, p.count, s.planned),
        None => "a whole run".into(),
    }
}

/// Reads and merges the reports at `paths`. The merged run's duration is the longest shard's
/// (shards run side by side), it is interrupted if any shard was, and it is a whole run.
pub fn merge_reports(
    paths: &[PathBuf],
    allow_mixed_chromium: bool,
) -> Result<RunSummary, MergeError> {
    let reports: Vec<(String, RunSummary)> = paths
        .iter()
        .map(|p| Ok((p.display().to_string(), read_json_report(p)?)))
        .collect::<Result<_, ReadReportError>>()?;
    merge(reports, allow_mixed_chromium)
}

fn merge(
    reports: Vec<(String, RunSummary)>,
    allow_mixed_chromium: bool,
) -> Result<RunSummary, MergeError> {
    let (first_name, first) = reports.first().ok_or(MergeError::Empty)?;
    if !allow_mixed_chromium {
        if let Some((name, other)) = reports.iter().find(|(_, r)| r.chromium != first.chromium) {
            return Err(MergeError::MixedChromium {
                first: first_name.clone(),
                first_chromium: first.chromium.clone(),
                second: name.clone(),
                second_chromium: other.chromium.clone(),
            });
        }
    }
    let partitioned = first.partition.is_some();
    let same_plan = |r: &RunSummary| match (first.partition, r.partition) {
        (Some(a), Some(b)) => a.count == b.count && first.planned == r.planned,
        (None, None) => true,
        _ => false,
    };
    if let Some((name, other)) = reports.iter().find(|(_, r)| !same_plan(r)) {
        return Err(MergeError::MixedPartitions {
            first: first_name.clone(),
            first_share: share(first),
            second: name.clone(),
            second_share: share(other),
        });
    }
    if let Some(Partition { count, .. }) = first.partition {
        let mut seen: HashMap<usize, &str> = HashMap::new();
        for (name, r) in &reports {
            let index = r.partition.expect("checked above").index;
            if index == 0 || index > count {
                return Err(MergeError::MixedPartitions {
                    first: first_name.clone(),
                    first_share: share(first),
                    second: name.clone(),
                    second_share: format!("share {index}/{count}, which no partition has"),
                });
            }
            if let Some(earlier) = seen.insert(index, name) {
                return Err(MergeError::DuplicateShare {
                    share: format!("{index}/{count}"),
                    first: earlier.to_owned(),
                    second: name.clone(),
                });
            }
        }
        let missing: Vec<usize> = (1..=count).filter(|i| !seen.contains_key(i)).collect();
        if !missing.is_empty() {
            return Err(MergeError::MissingShares { count, missing });
        }
    }
    // A scenario is the same when its spec file and label match; within one report a spec
    // given twice repeats them legitimately, and shares of one plan split such repeats by
    // their position in the plan.
    let mut owner: HashMap<(&Path, &str), (usize, BTreeSet<usize>)> = HashMap::new();
    for (n, (name, r)) in reports.iter().enumerate() {
        for s in &r.results {
            let key = (s.spec_path.as_path(), s.label.as_str());
            let entry = owner.entry(key).or_insert((n, BTreeSet::new()));
            let overlaps = entry.0 != n && (!partitioned || entry.1.contains(&s.ordinal));
            if overlaps {
                return Err(MergeError::Overlap {
                    spec_path: s.spec_path.display().to_string(),
                    label: s.label.clone(),
                    first: reports[entry.0].0.clone(),
                    second: name.clone(),
                });
            }
            entry.1.insert(s.ordinal);
        }
    }

    let mut chromium: Vec<&str> = Vec::new();
    for (_, r) in &reports {
        if !chromium.contains(&r.chromium.as_str()) {
            chromium.push(&r.chromium);
        }
    }
    let chromium = chromium.join(", ");
    let duration = reports
        .iter()
        .map(|(_, r)| r.duration)
        .max()
        .unwrap_or_default();
    let interrupted = reports.iter().any(|(_, r)| r.interrupted);
    let planned = if partitioned {
        first.planned
    } else {
        reports.iter().map(|(_, r)| r.results.len()).sum()
    };
    let mut results: Vec<_> = reports.into_iter().flat_map(|(_, r)| r.results).collect();
    if partitioned {
        results.sort_by_key(|r| r.ordinal);
    } else {
        // Whole runs keep the order given: each one's own, one after the other.
        for (i, r) in results.iter_mut().enumerate() {
            r.ordinal = i;
        }
    }
    Ok(RunSummary {
        results,
        chromium,
        duration,
        interrupted,
        partition: None,
        planned,
        baseline: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Verdict;
    use crate::report::json_report;
    use crate::report::test_helpers::summary;

    /// `whole` split as `--partition K/N` would have run it.
    fn shares(whole: &RunSummary, count: usize) -> Vec<(String, RunSummary)> {
        (1..=count)
            .map(|index| {
                let p = Partition { index, count };
                let mut s = whole.clone();
                s.results.retain(|r| p.contains(r.ordinal));
                s.partition = Some(p);
                (format!("shard-{index}.json"), s)
            })
            .collect()
    }

    /// The parts of a report that must not change by sharding: verdicts, order, totals.
    fn comparable(s: &RunSummary) -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(&json_report(s)).unwrap();
        v.as_object_mut().unwrap().remove("duration_ms");
        v
    }

    #[test]
    fn merging_1_2_or_4_shares_gives_the_single_run() {
        let whole = summary();
        for count in [1, 2, 4] {
            let mut parts = shares(&whole, count);
            parts.reverse();
            let merged = merge(parts, false).unwrap();
            assert_eq!(comparable(&merged), comparable(&whole), "{count} shares");
        }
    }

    #[test]
    fn refuses_overlaps_missing_shares_and_mixed_chromium() {
        let whole = summary();
        let e = merge(
            vec![
                ("a.json".into(), whole.clone()),
                ("b.json".into(), whole.clone()),
            ],
            false,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "specs/good.yaml › update-recovers is in both a.json and b.json: the reports overlap (merge each shard once, and shards of one run only)"
        );
        let mut parts = shares(&whole, 4);
        parts.remove(1);
        parts.remove(1);
        assert_eq!(
            merge(parts, false).unwrap_err().to_string(),
            "shares 2/4, 3/4 are missing: a shard whose job failed before writing its report would otherwise vanish from the merge (merge every share's --json report)"
        );
        let mut parts = shares(&whole, 2);
        parts[1].1.chromium = "Chrome/148.0.1".into();
        let e = merge(parts.clone(), false).unwrap_err().to_string();
        assert_eq!(
            e,
            "shard-1.json ran in Chrome/156.0.8078.79 but shard-2.json in Chrome/148.0.1; verdicts can differ between Chromium versions (pass --allow-mixed-chromium to merge anyway)"
        );
        let merged = merge(parts, true).unwrap();
        assert_eq!(merged.chromium, "Chrome/156.0.8078.79, Chrome/148.0.1");
        let mut parts = shares(&whole, 2);
        parts.push(("whole.json".into(), whole.clone()));
        assert_eq!(
            merge(parts, false).unwrap_err().to_string(),
            "shard-1.json is share 1/2 of 4 scenarios but whole.json is a whole run: merge the shares of one partitioned run"
        );
        assert!(matches!(merge(vec![], false), Err(MergeError::Empty)));
        let mut parts = shares(&whole, 2);
        parts.push(parts[0].clone());
        assert_eq!(
            merge(parts, false).unwrap_err().to_string(),
            "share 1/2 is in both shard-1.json and shard-1.json: merge each shard's report once"
        );
    }

    #[test]
    fn whole_runs_of_different_specs_merge_in_the_order_given() {
        let whole = summary();
        let mut good = whole.clone();
        good.results.retain(|r| r.spec == "good");
        let mut stuck = whole.clone();
        stuck.results.retain(|r| r.spec == "stuck");
        stuck.interrupted = true;
        let merged = merge(
            vec![("s.json".into(), stuck), ("g.json".into(), good)],
            false,
        )
        .unwrap();
        let order: Vec<_> = merged
            .results
            .iter()
            .map(|r| (r.spec.as_str(), r.verdict))
            .collect();
        assert_eq!(
            order,
            [
                ("stuck", Verdict::Fail),
                ("stuck", Verdict::Timeout),
                ("good", Verdict::Pass),
                ("good", Verdict::Pass)
            ]
        );
        assert!(merged.interrupted);
        assert_eq!(merged.planned, 4);
    }
}
