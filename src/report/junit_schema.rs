//! The JUnit writer's output checked against `tests/junit/junit.xsd` (Jenkins' junit-10.xsd
//! structure) with xmllint, and the fields CI dashboards read.

#[path = "../../tests/junit/xmllint.rs"]
mod xmllint;

use super::junit::{junit_report, junit_xml};
use super::test_helpers::summary;
use xmllint::assert_valid_junit;

fn write(xml: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, xml.as_bytes()).unwrap();
    file
}

#[test]
fn pass_fail_and_timeout_validate_against_the_schema() {
    let file = write(&junit_xml(&summary()).unwrap());
    assert_valid_junit(file.path());
}

/// Guards against a vacuous check (and documents why `junit_xml` drops `disabled`): the schema
/// rejects quick-junit's raw output.
#[test]
#[should_panic(expected = "attribute 'disabled': The attribute 'disabled' is not allowed")]
fn the_schema_rejects_quick_junits_disabled_attribute() {
    let file = write(&junit_report(&summary()).to_string().unwrap());
    assert_valid_junit(file.path());
}

#[test]
fn testcases_carry_spec_check_time_and_failure_type_and_message() {
    let xml = junit_xml(&summary()).unwrap();
    for needle in [
        r#"<testcase name="update-recovers" classname="good" time="1.500">"#,
        r#"<testcase name="caches-pruned" classname="stuck" time="1.500">"#,
        r#"<failure message="a returning user never reaches v2: after 3 reloads the page still shows v1" type="fail">"#,
        r#"<error message="timed out after 15.0s waiting for v2&apos;s worker to install" type="timeout">"#,
    ] {
        assert!(xml.contains(needle), "no {needle} in\n{xml}");
    }
}
