//! Reports, all rendered from the runner's events and summary: human lines, live progress and
//! JUnit XML.

mod human;
mod junit;
mod progress;
mod style;

pub use human::{HumanReporter, Verbosity};
pub use junit::{junit_report, junit_xml, write_junit};
pub use progress::{Progress, ProgressWriter};
pub use style::stderr_color;

#[cfg(test)]
mod junit_schema;
#[cfg(test)]
mod test_helpers;
