//! JUnit XML via quick-junit: a testsuite per spec, a testcase per check.
//!
//! A failed assertion about the app is a `<failure>`; a check that could not be evaluated
//! (timeout, infrastructure, cancelled) is an `<error>`, so CI dashboards tell "the app
//! regressed" from "the gate itself had trouble".
//!
//! The XML validates against the Jenkins-style schema in `tests/junit/junit.xsd`
//! (see `junit_schema.rs`).

use std::path::Path;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::outcome::Verdict;
use crate::runner::RunSummary;

/// Builds the JUnit report for a run.
pub fn junit_report(summary: &RunSummary) -> Report {
    let mut report = Report::new("swgate");
    report.set_time(summary.duration);
    let mut suites: Vec<TestSuite> = Vec::new();
    for r in &summary.results {
        let suite_name = r.spec.as_str();
        if suites.last().is_none_or(|s| s.name.as_str() != suite_name) {
            suites.push(TestSuite::new(suite_name));
        }
        let mut status = match r.verdict {
            Verdict::Pass => TestCaseStatus::success(),
            Verdict::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
            _ => TestCaseStatus::non_success(NonSuccessKind::Error),
        };
        if r.verdict != Verdict::Pass {
            status
                .set_message(r.message.as_str())
                .set_type(format!("{:?}", r.verdict).to_lowercase())
                .set_description(failure_body(r));
        }
        let mut out = r.step_log().join("\n");
        if let Some(change) = r.baseline {
            out.insert_str(0, &format!("baseline: {}\n", change.describe()));
        }
        let mut case = TestCase::new(r.label.as_str(), status);
        case.set_classname(r.spec.as_str())
            .set_time(r.duration)
            .set_system_out(out);
        suites
            .last_mut()
            .expect("a suite was pushed above")
            .add_test_case(case);
    }
    report.add_test_suites(suites);
    report
}

/// How many step-log lines a failure body quotes: the last steps before the verdict are where
/// a reader starts; the whole log is in `system-out`.
const EXCERPT_LINES: usize = 8;

/// The failure text: message, location, and the end of the step log.
fn failure_body(r: &crate::runner::ScenarioResult) -> String {
    let log = r.step_log();
    let excerpt = &log[log.len().saturating_sub(EXCERPT_LINES)..];
    let mut body = format!("{}\n--> {}", r.message, r.location);
    if let Some(change) = r.baseline {
        body.push_str(&format!("\nbaseline: {}", change.describe()));
    }
    if !excerpt.is_empty() {
        body.push_str("\n\nlast steps:\n");
        body.push_str(&excerpt.join("\n"));
    }
    body
}

/// The JUnit report for a run as XML, as `--junit` writes it.
pub fn junit_xml(summary: &RunSummary) -> Result<String, quick_junit::SerializeError> {
    let xml = junit_report(summary).to_string()?;
    // quick-junit writes `disabled="N"` on every testsuite, an attribute the Jenkins/Ant
    // schema (junit-10.xsd) does not allow, and Jenkins' xUnit plugin validates against it.
    // swgate never disables a scenario, so it is always 0. Replacing the text is safe:
    // quick-xml escapes `"` in attribute values and in text, so `disabled="0"` with bare
    // quotes occurs only as that attribute.
    Ok(xml.replace(r#" disabled="0""#, ""))
}

/// Writes the JUnit report to `path`.
pub fn write_junit(summary: &RunSummary, path: &Path) -> std::io::Result<()> {
    let xml = junit_xml(summary).map_err(std::io::Error::other)?;
    std::fs::write(path, xml)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_helpers::summary;

    #[test]
    fn one_suite_per_spec_failure_vs_error() {
        let xml = junit_xml(&summary()).unwrap();
        insta::assert_snapshot!(xml);
    }
}
