//! The JSON report: the whole run, timelines included, in a documented, versioned format.
//!
//! The format is described in the README ("JSON report"). [`FORMAT_VERSION`] changes when a
//! field is removed, renamed or changes meaning; adding a field does not change it, so
//! readers must ignore fields they do not know.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::outcome::Verdict;
use crate::runner::{BaselineSummary, Change, GoneScenario, Partition, RunSummary, ScenarioResult};
use crate::spec::Location;
use crate::timeline::{TimelineEntry, TimelineEvent};

/// Version of the JSON report format (the `format_version` field).
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct JsonReport {
    format_version: u32,
    swgate_version: String,
    chromium: String,
    duration_ms: u64,
    interrupted: bool,
    /// The share of the plan this run ran (`--partition K/N`), absent for a whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    partition: Option<JsonPartition>,
    /// Scenarios in the whole plan (absent in reports written before swgate 0.2).
    #[serde(default)]
    planned_scenarios: Option<usize>,
    totals: Totals,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline>,
    scenarios: Vec<JsonScenario>,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
struct JsonPartition {
    index: usize,
    count: usize,
}

#[derive(Serialize, Deserialize)]
struct Totals {
    scenarios: usize,
    pass: usize,
    fail: usize,
    error: usize,
    timeout: usize,
    infrastructure: usize,
    cancelled: usize,
}

#[derive(Serialize, Deserialize)]
struct JsonBaseline {
    path: String,
    new_failure: usize,
    fixed: usize,
    still_failing: usize,
    still_passing: usize,
    new: usize,
    /// `null` when the run was one share of a partition (the other shares hold the rest).
    gone: Option<usize>,
    gone_scenarios: Vec<GoneScenario>,
}

#[derive(Serialize, Deserialize)]
struct JsonScenario {
    spec: String,
    spec_path: String,
    check: String,
    label: String,
    /// Position in the whole plan (every spec's checks in order), whatever share ran it.
    #[serde(default)]
    ordinal: Option<usize>,
    location: JsonLocation,
    verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    baseline: Option<Change>,
    message: String,
    duration_ms: u64,
    screenshot_png_base64: Option<String>,
    timeline: Vec<TimelineEntry>,
}

#[derive(Serialize, Deserialize)]
struct JsonLocation {
    file: String,
    line: usize,
    column: usize,
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn scenario(r: &ScenarioResult) -> JsonScenario {
    JsonScenario {
        spec: r.spec.clone(),
        spec_path: r.spec_path.display().to_string(),
        check: r.check.clone(),
        label: r.label.clone(),
        ordinal: Some(r.ordinal),
        location: JsonLocation {
            file: r.location.file.display().to_string(),
            line: r.location.line,
            column: r.location.column,
        },
        verdict: r.verdict,
        baseline: r.baseline,
        message: r.message.clone(),
        duration_ms: millis(r.duration),
        screenshot_png_base64: r
            .screenshot
            .as_ref()
            .map(|png| base64::engine::general_purpose::STANDARD.encode(png)),
        timeline: r.timeline.clone(),
    }
}

fn baseline(summary: &RunSummary, b: &BaselineSummary) -> JsonBaseline {
    JsonBaseline {
        path: b.path.display().to_string(),
        new_failure: summary.count_change(Change::NewFailure),
        fixed: summary.count_change(Change::Fixed),
        still_failing: summary.count_change(Change::StillFailing),
        still_passing: summary.count_change(Change::StillPassing),
        new: summary.count_change(Change::New),
        gone: b.gone_judged.then_some(b.gone.len()),
        gone_scenarios: b.gone.clone(),
    }
}

/// The run as pretty-printed JSON.
pub fn json_report(summary: &RunSummary) -> String {
    let report = JsonReport {
        format_version: FORMAT_VERSION,
        swgate_version: env!("CARGO_PKG_VERSION").into(),
        chromium: summary.chromium.clone(),
        duration_ms: millis(summary.duration),
        interrupted: summary.interrupted,
        partition: summary.partition.map(|p| JsonPartition {
            index: p.index,
            count: p.count,
        }),
        planned_scenarios: Some(summary.planned),
        totals: Totals {
            scenarios: summary.results.len(),
            pass: summary.count(Verdict::Pass),
            fail: summary.count(Verdict::Fail),
            error: summary.count(Verdict::Error),
            timeout: summary.count(Verdict::Timeout),
            infrastructure: summary.count(Verdict::Infrastructure),
            cancelled: summary.count(Verdict::Cancelled),
        },
        baseline: summary.baseline.as_ref().map(|b| baseline(summary, b)),
        scenarios: summary.results.iter().map(scenario).collect(),
    };
    let mut out = serde_json::to_string_pretty(&report).expect("the report serializes");
    out.push('\n');
    out
}

/// Writes the JSON report to `path` (`-` for standard output).
pub fn write_json(summary: &RunSummary, path: &Path) -> std::io::Result<()> {
    let json = json_report(summary);
    if path == Path::new("-") {
        use std::io::Write as _;
        return std::io::stdout().lock().write_all(json.as_bytes());
    }
    std::fs::write(path, json)
}

/// Why a JSON report could not be read back (`merge`, `--baseline`).
#[derive(Debug, thiserror::Error)]
pub enum ReadReportError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The report.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a swgate JSON report.
    #[error("{path}:{line}:{column}: not a swgate JSON report: {message}")]
    Invalid {
        /// The report.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde_json found.
        message: String,
    },
    /// A report of another format version.
    #[error("{path} has JSON report format version {found}; this swgate reads version {FORMAT_VERSION} (run both with the same swgate version)")]
    Version {
        /// The report.
        path: PathBuf,
        /// Its `format_version`.
        found: u64,
    },
}

/// Reads a JSON report written by `--json` back into a run summary (timelines, screenshots and
/// all); a baseline comparison recorded in it is dropped, since it was against another run.
pub fn read_json_report(path: &Path) -> Result<RunSummary, ReadReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let invalid = |e: serde_json::Error| ReadReportError::Invalid {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .rsplit_once(" at line ")
            .map_or_else(|| e.to_string(), |(m, _)| m.to_owned()),
    };
    // The version first, so a report of another version is named as such rather than as
    // whatever field of it this version cannot parse.
    #[derive(Deserialize)]
    struct Versioned {
        format_version: u64,
    }
    let version: Versioned = serde_json::from_str(&text).map_err(invalid)?;
    if version.format_version != u64::from(FORMAT_VERSION) {
        return Err(ReadReportError::Version {
            path: path.to_path_buf(),
            found: version.format_version,
        });
    }
    let report: JsonReport = serde_json::from_str(&text).map_err(invalid)?;
    let planned = report.planned_scenarios.unwrap_or(report.scenarios.len());
    let results = report
        .scenarios
        .into_iter()
        .enumerate()
        .map(|(i, s)| ScenarioResult {
            spec: s.spec,
            spec_path: s.spec_path.into(),
            check: s.check,
            ordinal: s.ordinal.unwrap_or(i),
            label: s.label,
            location: Location {
                file: s.location.file.into(),
                line: s.location.line,
                column: s.location.column,
            },
            verdict: s.verdict,
            message: s.message,
            duration: Duration::from_millis(s.duration_ms),
            timeline: s
                .timeline
                .into_iter()
                .filter(|e| e.event != TimelineEvent::Unknown)
                .collect(),
            // A screenshot that does not decode is dropped, not fatal: it only illustrates.
            screenshot: s
                .screenshot_png_base64
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok()),
            baseline: None,
        })
        .collect();
    Ok(RunSummary {
        results,
        chromium: report.chromium,
        duration: Duration::from_millis(report.duration_ms),
        interrupted: report.interrupted,
        partition: report.partition.map(|p| Partition {
            index: p.index,
            count: p.count,
        }),
        planned,
        baseline: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_helpers::summary;

    #[test]
    fn the_whole_run_with_timelines() {
        insta::assert_snapshot!(json_report(&summary()));
    }

    #[test]
    fn every_timeline_entry_has_a_stamp_and_a_kind() {
        let v: serde_json::Value = serde_json::from_str(&json_report(&summary())).unwrap();
        assert_eq!(v["format_version"], FORMAT_VERSION);
        for s in v["scenarios"].as_array().unwrap() {
            for e in s["timeline"].as_array().unwrap() {
                assert!(e["at_ms"].is_u64(), "{e}");
                assert!(e["kind"].is_string(), "{e}");
            }
        }
    }

    #[test]
    fn a_written_report_reads_back_as_the_same_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        let original = summary();
        write_json(&original, &path).unwrap();
        let read = read_json_report(&path).unwrap();
        assert_eq!(json_report(&read), json_report(&original));
        assert_eq!(read.results[3].ordinal, 3);
        assert!(read.results[2].screenshot.is_some());
    }

    #[test]
    fn unreadable_reports_say_where_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\n  \"format_version\": 1,\n  \"chromium\": 3\n}\n").unwrap();
        let e = read_json_report(&bad).unwrap_err().to_string();
        assert!(e.contains("bad.json:3:15: not a swgate JSON report: invalid type: integer `3`, expected a string"), "{e}");
        let newer = dir.path().join("newer.json");
        std::fs::write(&newer, "{\"format_version\": 2, \"whatever\": []}").unwrap();
        let e = read_json_report(&newer).unwrap_err().to_string();
        assert!(e.ends_with("newer.json has JSON report format version 2; this swgate reads version 1 (run both with the same swgate version)"), "{e}");
        // A timeline kind from a newer swgate is ignored, not an error.
        let newer_kind = dir.path().join("kind.json");
        let mut v: serde_json::Value = serde_json::from_str(&json_report(&summary())).unwrap();
        v["scenarios"][0]["timeline"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"at_ms": 1, "kind": "from-the-future", "x": 1}));
        std::fs::write(&newer_kind, v.to_string()).unwrap();
        let read = read_json_report(&newer_kind).unwrap();
        assert_eq!(read.results[0].timeline, summary().results[0].timeline);
        let e = read_json_report(&dir.path().join("none.json"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("cannot read "), "{e}");
    }
}
