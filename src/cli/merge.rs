//! `swgate merge`: the shards' JSON reports → one run → every report, the baseline comparison,
//! annotations and the exit code, exactly as `run` ends.

use crate::exit_codes;
use crate::report::{merge_reports, stderr_color, HumanReporter, Verbosity};
use crate::runner::Event;

use super::args::MergeArgs;
use super::run::{finish, load_baseline};

pub(super) fn merge_command(args: MergeArgs) -> i32 {
    let baseline = match load_baseline(&args.reports_out) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let summary = match merge_reports(&args.reports, args.allow_mixed_chromium) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_codes::USAGE_ERROR;
        }
    };
    let verbosity = if args.quiet {
        Verbosity::Quiet
    } else {
        Verbosity::Normal
    };
    let mut human =
        HumanReporter::new(std::io::stderr(), verbosity, true).with_color(stderr_color());
    human.event(&Event::RunStarted {
        scenarios: summary.results.len(),
        chromium: &summary.chromium,
    });
    for r in &summary.results {
        human.event(&Event::ScenarioFinished(r));
    }
    human.event(&Event::RunFinished(&summary));
    finish(summary, baseline, &args.reports_out)
}
