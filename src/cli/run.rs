//! `swgate run`: specs → runner → reports, and what is shared with `repro` (loading specs,
//! options from the browser arguments, signals).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::browser::{find_chromium, kill_all_launched, BrowserError, LaunchOptions};
use crate::checks::CheckConfig;
use crate::exit_codes;
use crate::report::{
    stderr_color, write_html, write_json, write_junit, HumanReporter, Progress, Verbosity,
};
use crate::runner::{exit_code, run, Cancel, RunError, RunOptions, RunSummary};
use crate::spec::{discover_spec_files, load_spec, Spec, SpecError};

use super::args::{default_jobs, BrowserArgs, RunArgs};
use super::chain;

/// Loads every spec, printing each error; `Err` holds the exit code.
pub(super) fn load_specs(paths: &[PathBuf]) -> Result<Vec<Spec>, i32> {
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
pub(super) fn run_options(browser: &BrowserArgs, connect: Option<&str>) -> Result<RunOptions, i32> {
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

pub(super) async fn run_command(args: RunArgs) -> i32 {
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

/// First SIGINT/SIGTERM cancels the run (scenarios end as cancelled, Chromium is closed, reports
/// are written); a second kills every Chromium we launched and exits at once.
pub(super) async fn handle_signals(cancel: tokio::sync::watch::Sender<bool>) {
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

pub(super) fn bundled_specs_dir() -> PathBuf {
    let local = PathBuf::from("specs");
    if local.is_dir() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs")
    }
}
