//! swgate catches service-worker regressions before users do.
//!
//! It deploys version N, then N+1, of an app's real build output on a local fixture server,
//! drives real Chromium over CDP as a returning user, and checks that users recover: the page
//! reaches N+1, old caches are pruned, and so on. The entry point is [`run`]; the data flows
//! [`spec`] → [`server`] → [`browser`] → [`checks`] → [`runner`] → [`report`]; every
//! scenario records a [`timeline`] that all reports render from, and [`init`] writes a
//! starter spec from a build directory.

pub mod browser;
pub mod checks;
mod cli;
pub mod exit_codes;
pub mod init;
pub mod report;
pub mod runner;
pub mod server;
pub mod spec;
pub mod timeline;

pub use cli::exit_code;

/// Runs swgate with these command-line arguments (program name first) and returns the exit
/// code; `main` only calls this.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> std::process::ExitCode {
    let code = cli::main_with_args(args);
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}
