//! Reports, all rendered from the runner's events and summary (each scenario's timeline):
//! human lines, live progress, JUnit XML, JSON, HTML, and the repro table.

mod html;
mod human;
mod json;
mod junit;
mod list;
mod progress;
mod repro;
mod style;

pub use html::{escape, html_report, write_html};
pub use human::{HumanReporter, Verbosity};
pub use json::{json_report, write_json, FORMAT_VERSION};
pub use junit::{junit_report, junit_xml, write_junit};
pub use list::render_check_list;
pub(crate) use list::wrap as wrap_words;
pub use progress::{Progress, ProgressWriter, StderrAboveBars};
pub use repro::repro_table;
pub use style::stderr_color;

#[cfg(test)]
mod junit_schema;
#[cfg(test)]
mod test_helpers;
