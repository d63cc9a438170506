//! The command line's shape: clap types and the value parsers they use.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Annotations;
use crate::runner::{FailOn, Partition};

/// swgate: catches service-worker regressions before users do.
#[derive(Debug, Parser)]
#[command(name = "swgate", version, about, long_about = None)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Run spec files against real Chromium (default: ./swgate.yaml, ./swgate/, then ./specs/).
    Run(RunArgs),
    /// List the available checks and their parameters.
    List,
    /// Run one scenario and print its whole timeline as a table (for bug reports).
    Repro(ReproArgs),
    /// Print the JSON Schema of the spec format (for editor completion and validation).
    Schema,
    /// Write a starter spec for a build output directory.
    Init(InitArgs),
    /// Merge the JSON reports of a partitioned run's shards into one report.
    Merge(MergeArgs),
}

/// Where the reports of a run go: shared by `run` and `merge`.
#[derive(Debug, Args)]
pub(super) struct ReportArgs {
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub(super) junit: Option<PathBuf>,
    /// Write the whole run, timelines included, as JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub(super) json: Option<PathBuf>,
    /// Write a self-contained HTML report (timelines, failure screenshots) to FILE.
    #[arg(long, value_name = "FILE")]
    pub(super) html: Option<PathBuf>,
    /// Compare with an earlier run's JSON report: every report says, per scenario, new
    /// failure, fixed, still failing, new or gone.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub(super) baseline: Option<PathBuf>,
    /// What fails the run: `any` scenario that does not pass, or only `new` failures since
    /// --baseline (Chromium trouble and interrupts always count).
    #[arg(
        long,
        value_name = "WHAT",
        default_value = "any",
        requires_if("new", "baseline")
    )]
    pub(super) fail_on: FailOn,
    /// CI annotations for scenarios that did not pass: `github` prints GitHub Actions
    /// `::error` lines pointing at the spec; `auto` does so when GITHUB_ACTIONS=true.
    #[arg(long, value_name = "KIND", default_value = "auto")]
    pub(super) annotations: Annotations,
}

#[derive(Debug, Args)]
pub(super) struct MergeArgs {
    /// The shards' JSON reports (`swgate run --partition K/N --json FILE`).
    #[arg(required = true, value_name = "REPORT.json")]
    pub(super) reports: Vec<PathBuf>,
    /// Merge shards that ran in different Chromium versions.
    #[arg(long)]
    pub(super) allow_mixed_chromium: bool,
    /// Print only what did not pass.
    #[arg(short, long)]
    pub(super) quiet: bool,
    #[command(flatten)]
    pub(super) reports_out: ReportArgs,
}

#[derive(Debug, Args)]
pub(super) struct InitArgs {
    /// The build output to look at (e.g. dist/); sibling builds become the next deploys.
    pub(super) build_dir: PathBuf,
    /// Where to write the spec; `-` prints it.
    #[arg(short, long, value_name = "FILE", default_value = "swgate.yaml")]
    pub(super) output: PathBuf,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub(super) force: bool,
}

/// How to start Chromium and bound the waits: shared by `run` and `repro`.
#[derive(Debug, Args)]
pub(super) struct BrowserArgs {
    /// The Chromium binary (default: `chromium`, `chromium-browser` or `google-chrome` on PATH).
    #[arg(long, value_name = "PATH", env = "SWGATE_CHROMIUM")]
    pub(super) chromium: Option<PathBuf>,
    /// Extra Chromium flag, with its leading `--` (repeatable).
    #[arg(long = "chromium-arg", value_name = "FLAG", allow_hyphen_values = true)]
    pub(super) chromium_args: Vec<String>,
    /// Seconds a whole scenario may take.
    #[arg(long, value_name = "SECS", default_value_t = 90)]
    pub(super) timeout: u64,
    /// Seconds any single wait may take (a page load, an update check, a worker install).
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    pub(super) wait_timeout: u64,
    /// Address the fixture servers bind; the default 127.0.0.1 serves this machine only.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub(super) bind: std::net::IpAddr,
}

#[derive(Debug, Args)]
pub(super) struct ReproArgs {
    /// The spec file.
    pub(super) spec: PathBuf,
    /// The check to run: its name, or its label (`name @line`) when the spec repeats it
    /// (default: the spec's first check).
    #[arg(long, value_name = "NAME")]
    pub(super) check: Option<String>,
    /// Keep Chromium's profile in DIR (new or empty) to inspect the worker's registration and
    /// caches afterwards; the scenario then runs in the default browser context, which is
    /// the one Chromium writes to disk.
    #[arg(long, value_name = "DIR")]
    pub(super) keep_profile: Option<PathBuf>,
    /// Show Chromium's window instead of running headless (needs a display: $DISPLAY or
    /// $WAYLAND_DISPLAY).
    #[arg(long)]
    pub(super) headful: bool,
    /// Print swgate's debug log as the scenario runs.
    #[arg(short, long)]
    pub(super) verbose: bool,
    #[command(flatten)]
    pub(super) browser: BrowserArgs,
}

#[derive(Debug, Args)]
pub(super) struct RunArgs {
    /// Spec files, or directories of `*.yaml` specs. Default: ./swgate.yaml (what `swgate
    /// init` writes), else every spec in ./swgate/, else ./specs/.
    pub(super) paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) reports: ReportArgs,
    /// Scenarios to run at once, all in one Chromium (default: 4 × the CPUs, at most 16;
    /// scenarios mostly wait on Chromium).
    #[arg(short, long, value_name = "N", value_parser = parse_jobs)]
    pub(super) jobs: Option<usize>,
    /// Run only share K of N of the scenarios (for splitting a suite across CI machines).
    #[arg(long, value_name = "K/N")]
    pub(super) partition: Option<Partition>,
    /// Drive the Chromium at this DevTools WebSocket URL (ws://HOST:PORT/devtools/browser/…)
    /// instead of launching one.
    #[arg(long, value_name = "WS_URL", conflicts_with = "chromium")]
    pub(super) connect: Option<String>,
    /// Print every scenario's step log.
    #[arg(short, long, conflicts_with = "quiet")]
    pub(super) verbose: bool,
    /// Print only what did not pass.
    #[arg(short, long)]
    pub(super) quiet: bool,
    #[command(flatten)]
    pub(super) browser: BrowserArgs,
}

/// `-j`: a positive count (0 would run nothing and say nothing).
pub(super) fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (leave -j out for the default)".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// 4 × the CPUs, at most 16: a scenario spends most of its time waiting on Chromium (update
/// checks ~2 s after each navigation, idle termination). Measured on 2 CPUs with both busy,
/// bundled suite, 5 runs each (benches/results.md): -j 4 74.9 s, -j 8 60.2 s, -j 12 57.1 s,
/// Chromium PSS 648 / 834 / 1070 MB, no verdict or message changed at any -j.
pub(super) fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(8, |n| (n.get() * 4).min(16))
}
