//! `swgate run`: specs → runner → reports, and what is shared with `repro` (loading specs,
//! options from the browser arguments, signals).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::browser::{
    kill_all_launched, locate_chromium, BrowserError, ChromiumSearch, LaunchOptions,
};
use crate::checks::CheckConfig;
use crate::exit_codes;
use crate::report::{
    baseline_section, github_annotations, read_json_report, stderr_color, write_html, write_json,
    write_junit, HumanReporter, Progress, Verbosity,
};
use crate::runner::{compare, exit_code_for, run, Cancel, RunError, RunOptions, RunSummary};
use crate::server::{DeploySet, ServerError};
use crate::spec::{discover_spec_files, load_spec, Spec, SpecError};

use super::args::{default_jobs, BrowserArgs, ReportArgs, RunArgs};
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
    let specs: Vec<Spec> = specs.into_iter().filter_map(Result::ok).collect();
    // The host's own files (`_headers`, `firebase.json`, …) and the start page's routing are
    // input like the spec: check them before anything runs, with their file:line. The runner
    // reads the deploys again; builds are read in milliseconds.
    let host_errors: Vec<ServerError> = specs
        .iter()
        .filter_map(|s| match DeploySet::load(s) {
            Err(e @ (ServerError::HostFile(_) | ServerError::StartNotServed { .. })) => Some(e),
            _ => None,
        })
        .collect();
    if !host_errors.is_empty() {
        // Paths as the user would type them: relative to where swgate runs.
        let cwd = std::env::current_dir()
            .map(|d| format!("{}/", d.display()))
            .unwrap_or_default();
        for e in &host_errors {
            let text = e.to_string();
            let text = if cwd.len() > 1 {
                text.replace(&cwd, "")
            } else {
                text
            };
            eprintln!("error: {text}");
        }
        eprintln!(
            "{} host error{}; nothing was run",
            host_errors.len(),
            if host_errors.len() == 1 { "" } else { "s" }
        );
        return Err(exit_codes::USAGE_ERROR);
    }
    Ok(specs)
}

/// Run options from the browser arguments (one job, no partition); `Err` holds the exit code.
/// `announce` prints which Chromium was found and how (the run header's first line).
pub(super) fn run_options(
    browser: &BrowserArgs,
    connect: Option<&str>,
    announce: bool,
) -> Result<RunOptions, i32> {
    let found = connect
        .is_none()
        .then(|| locate_chromium(browser.chromium.as_deref(), &ChromiumSearch::from_env()));
    let chromium = match found {
        None => PathBuf::new(),
        Some(Ok(found)) => {
            if announce {
                eprintln!(
                    "swgate: Chromium {} (from {})",
                    found.path.display(),
                    found.how
                );
            }
            found.path
        }
        Some(Err(e)) => {
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
        match default_spec_paths(Path::new(".")) {
            Some(p) => vec![p],
            None => {
                eprintln!(
                    "error: no spec found (looked for ./swgate.yaml, specs in ./swgate/, then ./specs/); write one with `swgate init BUILD_DIR`"
                );
                return exit_codes::USAGE_ERROR;
            }
        }
    } else {
        args.paths.clone()
    };
    let specs = match load_specs(&paths) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let baseline = match load_baseline(&args.reports) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let options = match run_options(&args.browser, args.connect.as_deref(), !args.quiet) {
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
                // A host config file or the start page's routing is the user's input: like a
                // spec error, nothing was run.
                RunError::Server(ServerError::HostFile(_) | ServerError::StartNotServed { .. }) => {
                    exit_codes::USAGE_ERROR
                }
                RunError::Browser(BrowserError::NotFound { .. })
                | RunError::Browser(_)
                | RunError::Server(_) => exit_codes::INFRASTRUCTURE_ERROR,
            };
        }
    };
    finish(summary, baseline, &args.reports)
}

/// Reads `--baseline` before anything runs; `Err` holds the exit code (a usage error: the
/// file given is not a report this swgate reads).
pub(super) fn load_baseline(args: &ReportArgs) -> Result<Option<RunSummary>, i32> {
    let Some(path) = &args.baseline else {
        return Ok(None);
    };
    read_json_report(path).map(Some).map_err(|e| {
        eprintln!("error: --baseline: {e}");
        exit_codes::USAGE_ERROR
    })
}

/// What `run` and `merge` do with a finished run: compare it with the baseline, end the human
/// output with that comparison, print CI annotations, write every report asked for, and return
/// the exit code.
pub(super) fn finish(
    mut summary: RunSummary,
    baseline: Option<RunSummary>,
    args: &ReportArgs,
) -> i32 {
    if let (Some(previous), Some(path)) = (&baseline, &args.baseline) {
        compare(&mut summary, previous, path);
        eprint!("{}", baseline_section(&summary));
    }
    if args
        .annotations
        .github(std::env::var("GITHUB_ACTIONS").ok().as_deref())
    {
        let lines = github_annotations(&summary, args.fail_on);
        // GitHub reads workflow commands from either stream; stdout may be the JSON report.
        if args.json.as_deref() == Some(Path::new("-")) {
            eprint!("{lines}");
        } else {
            print!("{lines}");
        }
    }
    type Writer = fn(&RunSummary, &Path) -> std::io::Result<()>;
    let writers: [(&Option<PathBuf>, &str, Writer); 3] = [
        (&args.junit, "JUnit", write_junit),
        (&args.json, "JSON", write_json),
        (&args.html, "HTML", write_html),
    ];
    let mut code = exit_code_for(&summary, args.fail_on);
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

/// What `swgate run` without paths runs, relative to `dir` (the working directory): the spec
/// `swgate init` writes by default (`swgate.yaml`), else every spec in `swgate/`, else
/// `specs/` (this repository's bundled specs, so its quick start works from its root). Nothing
/// depends on where swgate was compiled.
pub(super) fn default_spec_paths(dir: &Path) -> Option<PathBuf> {
    let is_spec = |p: &Path| {
        p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
    };
    let has_specs = |d: &Path| {
        std::fs::read_dir(d).is_ok_and(|entries| entries.flatten().any(|e| is_spec(&e.path())))
    };
    for file in ["swgate.yaml", "swgate.yml"] {
        let path = dir.join(file);
        if is_spec(&path) {
            return Some(PathBuf::from(file));
        }
    }
    ["swgate", "specs"]
        .into_iter()
        .find(|d| has_specs(&dir.join(d)))
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_specs_are_found_in_the_documented_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert_eq!(default_spec_paths(root), None);
        std::fs::create_dir(root.join("specs")).unwrap();
        assert_eq!(default_spec_paths(root), None, "an empty specs/ is no spec");
        std::fs::write(root.join("specs/a.yaml"), "").unwrap();
        assert_eq!(default_spec_paths(root), Some("specs".into()));
        std::fs::create_dir(root.join("swgate")).unwrap();
        std::fs::write(root.join("swgate/app.yml"), "").unwrap();
        assert_eq!(default_spec_paths(root), Some("swgate".into()));
        std::fs::write(root.join("swgate.yaml"), "").unwrap();
        assert_eq!(default_spec_paths(root), Some("swgate.yaml".into()));
    }
}
