//! `swgate repro`: one scenario, its whole timeline printed as a table.

use crate::exit_codes;
use crate::report::repro_table;
use crate::runner::{exit_code, run, Cancel, Event};

use super::args::ReproArgs;
use super::chain;
use super::run::{handle_signals, load_specs, run_options};

/// `swgate repro`: one scenario, its timeline printed as a table on stdout.
pub(super) async fn repro_command(args: ReproArgs) -> i32 {
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
    let mut options = match run_options(&args.browser, None, false) {
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
