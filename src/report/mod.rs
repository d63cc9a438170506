//! Reports, all rendered from the runner's events and summary: human lines and JUnit XML.

mod human;
mod junit;

pub use human::{HumanReporter, Verbosity};
pub use junit::{junit_report, junit_xml, write_junit};

#[cfg(test)]
mod junit_schema;
#[cfg(test)]
mod test_helpers;
