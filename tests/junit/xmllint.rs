//! Validation against `tests/junit/junit.xsd` with xmllint, shared by the unit test of the
//! JUnit writer (`src/report/junit_schema.rs`) and the browser test of a real run's report
//! (both include this file with `#[path]`).
//!
//! A missing xmllint fails the test with the install hint rather than skipping it: a skipped
//! schema check is a silent pass.

use std::path::Path;
use std::process::Command;

/// Panics unless `report` (a JUnit XML file) is valid against `tests/junit/junit.xsd`; the
/// panic carries xmllint's diagnostics and the report.
pub fn assert_valid_junit(report: &Path) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/junit/junit.xsd");
    let out = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(report)
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "the JUnit schema test needs xmllint: install it with `apt-get install libxml2-utils` \
             (Debian/Ubuntu); .ci/run installs it when missing"
        ),
        Err(e) => panic!("cannot run xmllint: {e}"),
    };
    assert!(
        out.status.success(),
        "{} does not validate against {}:\n{}\n--- report\n{}",
        report.display(),
        schema.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(report).unwrap_or_default()
    );
}
