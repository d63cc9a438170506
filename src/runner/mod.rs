//! Running scenarios: one per (spec, check), isolated, bounded in time, reported by events.

mod error;
mod event;
mod page_version;
mod run;
mod runtime_steps;
mod scenario;

pub use error::{RunError, ScenarioError};
pub use event::{Event, RunSummary, ScenarioResult};
pub use page_version::{PageVersion, ResourceVersion};
pub use run::{run, Cancel, Partition, RunOptions};
pub use runtime_steps::PageFetch;
pub use scenario::{Attempt, ReloadRun, Scenario, UpdateCheck, WAITING_GRACE};
