//! Running scenarios: one per (spec, check), isolated, bounded in time, reported by events.

mod error;
mod event;
mod exit_code;
mod run;

pub use error::RunError;
pub use event::{Event, RunSummary, ScenarioResult};
pub use exit_code::exit_code;
pub use run::{run, Cancel, Partition, RunOptions};
