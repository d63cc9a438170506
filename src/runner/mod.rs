//! Running scenarios: one per (spec, check), isolated, bounded in time, reported by events;
//! a finished run's exit code and its comparison with a baseline run.

mod baseline;
mod error;
mod event;
mod exit_code;
mod run;

pub use baseline::{compare, BaselineSummary, Change, FailOn, GoneScenario};
pub use error::RunError;
pub use event::{Event, RunSummary, ScenarioResult};
pub use exit_code::{exit_code, exit_code_for};
pub use run::{run, Cancel, Partition, RunOptions};
