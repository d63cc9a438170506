//! Events the runner emits and the summary it returns; reporters read only these.

use std::path::PathBuf;
use std::time::Duration;

use crate::outcome::Verdict;

use super::baseline::{BaselineSummary, Change};
use super::Partition;
use crate::spec::Location;
use crate::timeline::{step_log, TimelineEntry};

/// What happened, in order; the runner never prints.
#[derive(Debug)]
pub enum Event<'a> {
    /// The browser is up and `scenarios` scenarios will run.
    RunStarted {
        /// How many scenarios.
        scenarios: usize,
        /// Chromium's product string.
        chromium: &'a str,
    },
    /// A scenario began.
    ScenarioStarted {
        /// Spec name.
        spec: &'a str,
        /// Check label.
        check: &'a str,
    },
    /// A scenario ended.
    ScenarioFinished(&'a ScenarioResult),
    /// All scenarios ended.
    RunFinished(&'a RunSummary),
}

/// The outcome of one scenario (one check against one spec).
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// Spec name.
    pub spec: String,
    /// Spec file.
    pub spec_path: PathBuf,
    /// Check name (from the registry).
    pub check: String,
    /// Position in the whole plan (every spec's checks in order, 0-based), whatever share of
    /// it this run ran: how `merge` puts shards back in the order of a single run.
    pub ordinal: usize,
    /// How reports name this scenario's check (`check`, or `check @line` when a spec lists
    /// the same check more than once).
    pub label: String,
    /// Where the check is configured.
    pub location: Location,
    /// The verdict.
    pub verdict: Verdict,
    /// Why: what was seen, or what could not be done.
    pub message: String,
    /// Wall time of the scenario.
    pub duration: Duration,
    /// Everything that happened in the scenario, in order: what every report renders.
    pub timeline: Vec<TimelineEntry>,
    /// A PNG of the page when the check did not pass (and the page could be captured).
    pub screenshot: Option<Vec<u8>>,
    /// How the verdict compares with a baseline report, when one was given.
    pub baseline: Option<Change>,
}

impl ScenarioResult {
    /// The timeline's step log as stamped text lines.
    pub fn step_log(&self) -> Vec<String> {
        step_log(&self.timeline)
    }
}

/// Every scenario's result, in spec and check order.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Results in a fixed order (spec order, then check order).
    pub results: Vec<ScenarioResult>,
    /// Chromium's product string (`Chrome/156.0.8078.79`), empty if it never started.
    pub chromium: String,
    /// Wall time of the run.
    pub duration: Duration,
    /// Whether the run was interrupted.
    pub interrupted: bool,
    /// The share of the plan this run ran (`--partition`), or `None` for all of it.
    pub partition: Option<Partition>,
    /// Scenarios in the whole plan (more than `results` when this run is one share).
    pub planned: usize,
    /// The comparison with a baseline report, when one was given.
    pub baseline: Option<BaselineSummary>,
}

impl RunSummary {
    /// How many scenarios ended with `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.results.iter().filter(|r| r.verdict == verdict).count()
    }
}
