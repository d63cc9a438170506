//! Reports, all rendered from the runner's events and summary (each scenario's timeline):
//! human lines, live progress, JUnit XML, JSON, HTML, and the repro table.

mod annotations;
mod html;
mod human;
mod json;
mod junit;
mod list;
mod merge;
mod progress;
mod repro;
mod style;

pub use annotations::{github_annotations, Annotations};
pub use html::{escape, html_report, write_html};
pub use human::{baseline_section, HumanReporter, Verbosity};
pub use json::{json_report, read_json_report, write_json, ReadReportError, FORMAT_VERSION};
pub use junit::{junit_report, junit_xml, write_junit};
pub use list::render_check_list;
pub(crate) use list::wrap as wrap_words;
pub use merge::{merge_reports, MergeError};
pub use progress::{Progress, ProgressWriter, StderrAboveBars};
pub use repro::repro_table;
pub use style::stderr_color;

#[cfg(test)]
mod junit_schema;
#[cfg(test)]
mod test_helpers;
