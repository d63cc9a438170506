//! Reports, all rendered from the runner's events and summary (each scenario's timeline):
//! human lines, JUnit XML, JSON, HTML, and the repro table.

mod html;
mod human;
mod json;
mod junit;
mod repro;

pub use html::{escape, html_report, write_html};
pub use human::{HumanReporter, Verbosity};
pub use json::{json_report, write_json, FORMAT_VERSION};
pub use junit::{junit_report, write_junit};
pub use repro::repro_table;

#[cfg(test)]
mod test_helpers;
