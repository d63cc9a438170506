//! One integration-test binary: CLI behaviour, checks proven both ways in real Chromium, and
//! cleanup on every exit path.

mod action;
mod browser_checks;
mod ci_examples;
mod cleanup;
mod cli;
mod deploy_hazards;
mod hosting;
mod init;
mod next_hazards;
mod npm_package;
mod real_apps;
mod reports;
mod runner;
mod runtime_checks;
mod transition_checks;
mod util;
mod visits;
