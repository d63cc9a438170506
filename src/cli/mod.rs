//! The command line: parsing and dispatch. `args.rs` is the clap shape, `run.rs` wires
//! spec → runner → reports for `run` (and what `repro` shares), `repro.rs` is `repro`; the exit
//! code of a run is the runner's (`runner::exit_code`).

mod args;
mod merge;
mod repro;
mod run;

use std::ffi::OsString;
use std::time::Duration;

use clap::Parser;

use crate::checks::CheckConfig;
use crate::exit_codes;
use crate::report::stderr_color;

use args::{Cli, Command};
use merge::merge_command;
use repro::repro_command;
use run::run_command;

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
        Command::Merge(args) => merge_command(args),
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

pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
