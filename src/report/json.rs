//! The JSON report: the whole run, timelines included, in a documented, versioned format.
//!
//! The format is described in the README ("JSON report"). [`FORMAT_VERSION`] changes when a
//! field is removed, renamed or changes meaning; adding a field does not change it, so
//! readers must ignore fields they do not know.

use std::path::Path;

use base64::Engine as _;
use serde::Serialize;

use crate::outcome::Verdict;
use crate::runner::{RunSummary, ScenarioResult};
use crate::timeline::TimelineEntry;

/// Version of the JSON report format (the `format_version` field).
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    format_version: u32,
    swgate_version: &'static str,
    chromium: &'a str,
    duration_ms: u64,
    interrupted: bool,
    totals: Totals,
    scenarios: Vec<JsonScenario<'a>>,
}

#[derive(Serialize)]
struct Totals {
    scenarios: usize,
    pass: usize,
    fail: usize,
    error: usize,
    timeout: usize,
    infrastructure: usize,
    cancelled: usize,
}

#[derive(Serialize)]
struct JsonScenario<'a> {
    spec: &'a str,
    spec_path: String,
    check: &'a str,
    label: &'a str,
    location: JsonLocation,
    verdict: Verdict,
    message: &'a str,
    duration_ms: u64,
    screenshot_png_base64: Option<String>,
    timeline: &'a [TimelineEntry],
}

#[derive(Serialize)]
struct JsonLocation {
    file: String,
    line: usize,
    column: usize,
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn scenario(r: &ScenarioResult) -> JsonScenario<'_> {
    JsonScenario {
        spec: &r.spec,
        spec_path: r.spec_path.display().to_string(),
        check: r.check,
        label: &r.label,
        location: JsonLocation {
            file: r.location.file.display().to_string(),
            line: r.location.line,
            column: r.location.column,
        },
        verdict: r.verdict,
        message: &r.message,
        duration_ms: millis(r.duration),
        screenshot_png_base64: r
            .screenshot
            .as_ref()
            .map(|png| base64::engine::general_purpose::STANDARD.encode(png)),
        timeline: &r.timeline,
    }
}

/// The run as pretty-printed JSON.
pub fn json_report(summary: &RunSummary) -> String {
    let report = JsonReport {
        format_version: FORMAT_VERSION,
        swgate_version: env!("CARGO_PKG_VERSION"),
        chromium: &summary.chromium,
        duration_ms: millis(summary.duration),
        interrupted: summary.interrupted,
        totals: Totals {
            scenarios: summary.results.len(),
            pass: summary.count(Verdict::Pass),
            fail: summary.count(Verdict::Fail),
            error: summary.count(Verdict::Error),
            timeout: summary.count(Verdict::Timeout),
            infrastructure: summary.count(Verdict::Infrastructure),
            cancelled: summary.count(Verdict::Cancelled),
        },
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
}
