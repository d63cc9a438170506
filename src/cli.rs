//! The command line: parsing, wiring spec → runner → reports, and the exit code.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::browser::{find_chromium, kill_all_launched, BrowserError, LaunchOptions};
use crate::checks::CheckConfig;
use crate::exit_codes;
use crate::outcome::Verdict;
use crate::report::{
    repro_table, stderr_color, write_html, write_json, write_junit, HumanReporter, Progress,
    Verbosity,
};
use crate::runner::{run, Cancel, Event, Partition, RunError, RunOptions, RunSummary};
use crate::spec::{discover_spec_files, load_spec, Spec, SpecError};

/// swgate: catches service-worker regressions before users do.
#[derive(Debug, Parser)]
#[command(name = "swgate", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run spec files against real Chromium (default: the bundled `specs/`).
    Run(RunArgs),
    /// List the available checks and their parameters.
    List,
    /// Run one scenario and print its whole timeline as a table (for bug reports).
    Repro(ReproArgs),
    /// Print the JSON Schema of the spec format (for editor completion and validation).
    Schema,
    /// Write a starter spec for a build output directory.
    Init(InitArgs),
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The build output to look at (e.g. dist/); sibling builds become the next deploys.
    build_dir: PathBuf,
    /// Where to write the spec; `-` prints it.
    #[arg(short, long, value_name = "FILE", default_value = "swgate.yaml")]
    output: PathBuf,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    force: bool,
}

/// How to start Chromium and bound the waits: shared by `run` and `repro`.
#[derive(Debug, Args)]
struct BrowserArgs {
    /// The Chromium binary (default: `chromium`, `chromium-browser` or `google-chrome` on PATH).
    #[arg(long, value_name = "PATH", env = "SWGATE_CHROMIUM")]
    chromium: Option<PathBuf>,
    /// Extra Chromium flag, with its leading `--` (repeatable).
    #[arg(long = "chromium-arg", value_name = "FLAG", allow_hyphen_values = true)]
    chromium_args: Vec<String>,
    /// Seconds a whole scenario may take.
    #[arg(long, value_name = "SECS", default_value_t = 90)]
    timeout: u64,
    /// Seconds any single wait may take (a page load, an update check, a worker install).
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    wait_timeout: u64,
    /// Address the fixture servers bind; the default 127.0.0.1 serves this machine only.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
}

#[derive(Debug, Args)]
struct ReproArgs {
    /// The spec file.
    spec: PathBuf,
    /// The check to run: its name, or its label (`name @line`) when the spec repeats it
    /// (default: the spec's first check).
    #[arg(long, value_name = "NAME")]
    check: Option<String>,
    /// Keep Chromium's profile in DIR (new or empty) to inspect the worker's registration and
    /// caches afterwards; the scenario then runs in the default browser context, which is
    /// the one Chromium writes to disk.
    #[arg(long, value_name = "DIR")]
    keep_profile: Option<PathBuf>,
    /// Show Chromium's window instead of running headless (needs a display: $DISPLAY or
    /// $WAYLAND_DISPLAY).
    #[arg(long)]
    headful: bool,
    /// Print swgate's debug log as the scenario runs.
    #[arg(short, long)]
    verbose: bool,
    #[command(flatten)]
    browser: BrowserArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Spec files, or directories of `*.yaml` specs.
    paths: Vec<PathBuf>,
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the whole run, timelines included, as JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report (timelines, failure screenshots) to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Scenarios to run at once, all in one Chromium (default: 4 × the CPUs, at most 16;
    /// scenarios mostly wait on Chromium).
    #[arg(short, long, value_name = "N", value_parser = parse_jobs)]
    jobs: Option<usize>,
    /// Run only share K of N of the scenarios (for splitting a suite across CI machines).
    #[arg(long, value_name = "K/N")]
    partition: Option<Partition>,
    /// Drive the Chromium at this DevTools WebSocket URL (ws://HOST:PORT/devtools/browser/…)
    /// instead of launching one.
    #[arg(long, value_name = "WS_URL", conflicts_with = "chromium")]
    connect: Option<String>,
    /// Print every scenario's step log.
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
    /// Print only what did not pass.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    browser: BrowserArgs,
}

/// Parses `args`, runs the command and returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit_codes::USAGE_ERROR
            } else {
                exit_codes::SUCCESS
            };
        }
    };
    match cli.command {
        Command::List => {
            print!("{}", crate::report::render_check_list());
            exit_codes::SUCCESS
        }
        Command::Init(args) => crate::init::main(&args.build_dir, Some(&args.output), args.force),
        Command::Schema => {
            print!("{}", crate::spec::schema_json::<CheckConfig>());
            exit_codes::SUCCESS
        }
        Command::Run(args) => {
            init_tracing(args.verbose);
            block_on(run_command(args))
        }
        Command::Repro(args) => {
            init_tracing(args.verbose);
            block_on(repro_command(args))
        }
    }
}

/// Runs `command` on a multi-threaded runtime and returns its exit code.
fn block_on(command: impl std::future::Future<Output = i32>) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit_codes::TIMEOUT_OR_INTERNAL;
        }
    };
    let code = runtime.block_on(command);
    runtime.shutdown_timeout(Duration::from_secs(2));
    code
}

fn init_tracing(verbose: bool) {
    let default = if verbose {
        "swgate=debug"
    } else {
        "swgate=warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SWGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(stderr_color())
        .with_writer(|| crate::report::StderrAboveBars)
        .try_init();
}

/// Loads every spec, printing each error; `Err` holds the exit code.
fn load_specs(paths: &[PathBuf]) -> Result<Vec<Spec>, i32> {
    let files = discover_spec_files(paths).map_err(|e| {
        eprint!("{}", e.render());
        exit_codes::USAGE_ERROR
    })?;
    let (specs, errors): (Vec<_>, Vec<_>) = files
        .iter()
        .map(|f| load_spec::<CheckConfig>(f))
        .partition(Result::is_ok);
    if !errors.is_empty() {
        let errors: Vec<SpecError> = errors.into_iter().filter_map(Result::err).collect();
        for e in &errors {
            eprint!("{}", e.render());
        }
        eprintln!(
            "{} spec error{}; nothing was run",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        return Err(exit_codes::USAGE_ERROR);
    }
    Ok(specs.into_iter().filter_map(Result::ok).collect())
}

/// Run options from the browser arguments (one job, no partition); `Err` holds the exit code.
fn run_options(browser: &BrowserArgs, connect: Option<&str>) -> Result<RunOptions, i32> {
    let chromium = match (connect, find_chromium(browser.chromium.as_deref())) {
        (Some(_), _) => PathBuf::new(),
        (None, Ok(p)) => p,
        (None, Err(e)) => {
            eprintln!("error: {e}");
            return Err(exit_codes::INFRASTRUCTURE_ERROR);
        }
    };
    Ok(RunOptions {
        chromium,
        launch: LaunchOptions {
            extra_args: browser.chromium_args.clone(),
            ..Default::default()
        },
        jobs: 1,
        scenario_timeout: Duration::from_secs(browser.timeout.max(1)),
        wait_timeout: Duration::from_secs(browser.wait_timeout.max(1)),
        bind: Some(browser.bind),
        connect: connect.map(str::to_owned),
        partition: None,
    })
}

async fn run_command(args: RunArgs) -> i32 {
    let paths = if args.paths.is_empty() {
        vec![bundled_specs_dir()]
    } else {
        args.paths.clone()
    };
    let specs = match load_specs(&paths) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let options = match run_options(&args.browser, args.connect.as_deref()) {
        Ok(o) => RunOptions {
            jobs: args.jobs.unwrap_or_else(default_jobs).max(1),
            partition: args.partition,
            ..o
        },
        Err(code) => return code,
    };
    let (cancel_tx, cancel) = Cancel::new();
    let signals = tokio::spawn(handle_signals(cancel_tx));
    let verbosity = if args.quiet {
        Verbosity::Quiet
    } else if args.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let is_tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut progress = Progress::new(verbosity, is_tty, stderr_color());
    let mut human =
        HumanReporter::new(progress.writer(), verbosity, true).with_color(stderr_color());
    let result = run(&specs, &options, cancel, &mut |e| {
        human.event(&e);
        progress.event(&e);
    })
    .await;
    drop(human);
    progress.finish();
    signals.abort();
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", chain(&e));
            return match e {
                RunError::Browser(BrowserError::NotFound { .. })
                | RunError::Browser(_)
                | RunError::Server(_) => exit_codes::INFRASTRUCTURE_ERROR,
            };
        }
    };
    type Writer = fn(&RunSummary, &Path) -> std::io::Result<()>;
    let writers: [(&Option<PathBuf>, &str, Writer); 3] = [
        (&args.junit, "JUnit", write_junit),
        (&args.json, "JSON", write_json),
        (&args.html, "HTML", write_html),
    ];
    let mut code = exit_code(&summary);
    for (path, format, write) in writers {
        if let Some(path) = path {
            if let Err(e) = write(&summary, path) {
                eprintln!(
                    "error: cannot write {format} report {}: {e}",
                    path.display()
                );
                // Every report is still attempted; an interrupt stays the more severe outcome.
                if code != exit_codes::INTERRUPTED {
                    code = exit_codes::INFRASTRUCTURE_ERROR;
                }
            }
        }
    }
    code
}

/// `swgate repro`: one scenario, its timeline printed as a table on stdout.
async fn repro_command(args: ReproArgs) -> i32 {
    let mut spec = match load_specs(std::slice::from_ref(&args.spec)) {
        Ok(mut specs) if specs.len() == 1 => specs.remove(0),
        Ok(_) => {
            eprintln!(
                "error: repro takes one spec file, and {} is a directory",
                args.spec.display()
            );
            return exit_codes::USAGE_ERROR;
        }
        Err(code) => return code,
    };
    let available = || {
        spec.checks
            .iter()
            .map(|c| format!("`{}`", c.label))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match &args.check {
        None => 0,
        Some(name) => match spec
            .checks
            .iter()
            .position(|c| c.label == *name)
            .or_else(|| spec.checks.iter().position(|c| c.config.name() == name))
        {
            Some(i) => i,
            None => {
                eprintln!(
                    "error: {} has no check `{name}`; it has {}",
                    args.spec.display(),
                    available()
                );
                return exit_codes::USAGE_ERROR;
            }
        },
    };
    if args.headful
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        eprintln!("error: --headful needs a display, and neither $DISPLAY nor $WAYLAND_DISPLAY is set (run under `xvfb-run`, or drop --headful)");
        return exit_codes::USAGE_ERROR;
    }
    if let Some(dir) = &args.keep_profile {
        if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
            eprintln!(
                "error: --keep-profile {} is not empty; give a new or empty directory (Chromium's profile is written there)",
                dir.display()
            );
            return exit_codes::USAGE_ERROR;
        }
    }
    if args.check.is_none() && spec.checks.len() > 1 {
        eprintln!(
            "swgate repro: running `{}`, the first of {} (--check NAME picks another)",
            spec.checks[0].label,
            available()
        );
    }
    spec.checks = vec![spec.checks.swap_remove(chosen)];
    let mut options = match run_options(&args.browser, None) {
        Ok(o) => o,
        Err(code) => return code,
    };
    options.launch.keep_profile = args.keep_profile.clone();
    options.launch.headful = args.headful;
    let (cancel_tx, cancel) = Cancel::new();
    let signals = tokio::spawn(handle_signals(cancel_tx));
    let result = run(std::slice::from_ref(&spec), &options, cancel, &mut |e| {
        if let Event::RunStarted { chromium, .. } = e {
            eprintln!(
                "swgate repro: {} › {} in {chromium}",
                spec.name, spec.checks[0].label
            );
        }
    })
    .await;
    signals.abort();
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", chain(&e));
            return exit_codes::INFRASTRUCTURE_ERROR;
        }
    };
    for r in &summary.results {
        print!("{}", repro_table(r));
    }
    if let Some(dir) = &args.keep_profile {
        eprintln!(
            "swgate repro: Chromium's profile is kept in {} (open it with `chromium --user-data-dir={}` and chrome://serviceworker-internals; the fixture server is gone)",
            dir.display(),
            dir.display()
        );
    }
    exit_code(&summary)
}

/// The exit code for a finished run; the most severe outcome wins.
pub fn exit_code(summary: &RunSummary) -> i32 {
    let has = |v: Verdict| summary.count(v) > 0;
    if summary.interrupted || has(Verdict::Cancelled) {
        exit_codes::INTERRUPTED
    } else if has(Verdict::Infrastructure) {
        exit_codes::INFRASTRUCTURE_ERROR
    } else if has(Verdict::Timeout) || has(Verdict::Error) {
        exit_codes::TIMEOUT_OR_INTERNAL
    } else if has(Verdict::Fail) {
        exit_codes::CHECK_FAILED
    } else {
        exit_codes::SUCCESS
    }
}

/// First SIGINT/SIGTERM cancels the run (scenarios end as cancelled, Chromium is closed, reports
/// are written); a second kills every Chromium we launched and exits at once.
async fn handle_signals(cancel: tokio::sync::watch::Sender<bool>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
    let _ = writeln!(
        crate::report::StderrAboveBars,
        "swgate: interrupted; closing Chromium (interrupt again to kill it now)"
    );
    let _ = cancel.send(true);
    tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
    kill_all_launched();
    std::process::exit(exit_codes::INTERRUPTED);
}

/// `-j`: a positive count (0 would run nothing and say nothing).
fn parse_jobs(text: &str) -> Result<usize, String> {
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
fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(8, |n| (n.get() * 4).min(16))
}

fn bundled_specs_dir() -> PathBuf {
    let local = PathBuf::from("specs");
    if local.is_dir() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs")
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::ScenarioResult;
    use crate::spec::Location;

    fn summary(verdicts: &[Verdict]) -> RunSummary {
        RunSummary {
            results: verdicts
                .iter()
                .map(|v| ScenarioResult {
                    spec: "s".into(),
                    spec_path: "s.yaml".into(),
                    check: "update-recovers",
                    label: "update-recovers".into(),
                    location: Location {
                        file: "s.yaml".into(),
                        line: 1,
                        column: 1,
                    },
                    verdict: *v,
                    message: String::new(),
                    duration: Duration::ZERO,
                    timeline: vec![],
                    screenshot: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn exit_codes_follow_the_most_severe_verdict() {
        assert_eq!(exit_code(&summary(&[Verdict::Pass])), 0);
        assert_eq!(exit_code(&summary(&[Verdict::Pass, Verdict::Fail])), 1);
        assert_eq!(exit_code(&summary(&[Verdict::Fail, Verdict::Timeout])), 4);
        assert_eq!(exit_code(&summary(&[Verdict::Error])), 4);
        assert_eq!(
            exit_code(&summary(&[Verdict::Timeout, Verdict::Infrastructure])),
            3
        );
        assert_eq!(
            exit_code(&summary(&[Verdict::Infrastructure, Verdict::Cancelled])),
            130
        );
    }
}
