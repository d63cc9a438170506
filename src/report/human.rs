//! Human output: a line per scenario as it ends, then a one-line tally.

use std::io::Write;

use super::style::verdict_label;
use crate::outcome::Verdict;
use crate::runner::{Change, Event, RunSummary, ScenarioResult};

/// How much the human reporter prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Only non-passing scenarios and the tally.
    Quiet,
    /// Every scenario; the step log of those that did not pass.
    Normal,
    /// Every scenario with its step log.
    Verbose,
}

/// Writes human-readable progress and results to a writer (stderr in the CLI).
pub struct HumanReporter<W: Write> {
    out: W,
    verbosity: Verbosity,
    show_durations: bool,
    color: bool,
}

impl<W: Write> HumanReporter<W> {
    /// A reporter; `show_durations` is off in snapshot tests.
    pub fn new(out: W, verbosity: Verbosity, show_durations: bool) -> Self {
        HumanReporter {
            out,
            verbosity,
            show_durations,
            color: false,
        }
    }

    /// Colours verdict labels (off by default; see `style::stderr_color`).
    pub fn with_color(mut self, color: bool) -> Self {
        self.color = color;
        self
    }

    /// Handles one runner event. Write errors are ignored: output is best-effort, and the exit
    /// code and machine reports carry the verdict.
    pub fn event(&mut self, event: &Event<'_>) {
        let _ = match event {
            Event::RunStarted {
                scenarios,
                chromium,
            } if self.verbosity > Verbosity::Quiet => writeln!(
                self.out,
                "swgate: {scenarios} scenario{} in {chromium}",
                if *scenarios == 1 { "" } else { "s" }
            ),
            Event::ScenarioFinished(result) => self.scenario(result),
            Event::RunFinished(summary) => self.tally(summary),
            _ => Ok(()),
        };
    }

    fn scenario(&mut self, r: &ScenarioResult) -> std::io::Result<()> {
        let passed = r.verdict == Verdict::Pass;
        if passed && self.verbosity == Verbosity::Quiet {
            return Ok(());
        }
        let time = if self.show_durations {
            format!(" [{:.1}s]", r.duration.as_secs_f64())
        } else {
            String::new()
        };
        writeln!(
            self.out,
            "{} {} › {}{time}: {}",
            verdict_label(r.verdict, self.color),
            r.spec,
            r.label,
            r.message
        )?;
        if !passed {
            writeln!(self.out, "          --> {}", r.location)?;
        }
        if self.verbosity == Verbosity::Verbose || (!passed && self.verbosity == Verbosity::Normal)
        {
            for line in r.step_log() {
                let line = if self.show_durations {
                    line.as_str()
                } else {
                    line.trim_start()
                        .split_once("ms  ")
                        .map_or(line.as_str(), |(_, t)| t)
                };
                writeln!(self.out, "          | {line}")?;
            }
        }
        Ok(())
    }

    fn tally(&mut self, s: &RunSummary) -> std::io::Result<()> {
        let mut parts = vec![
            format!("{} passed", s.count(Verdict::Pass)),
            format!("{} failed", s.count(Verdict::Fail)),
        ];
        for (v, word) in [
            (Verdict::Error, "could not be evaluated"),
            (Verdict::Timeout, "timed out"),
            (Verdict::Infrastructure, "infrastructure errors"),
            (Verdict::Cancelled, "cancelled"),
        ] {
            let n = s.count(v);
            if n > 0 {
                parts.push(format!("{n} {word}"));
            }
        }
        let time = if self.show_durations {
            format!(" in {:.1}s", s.duration.as_secs_f64())
        } else {
            String::new()
        };
        writeln!(self.out, "{}{time}", parts.join(", "))
    }
}

/// How the run compares with its baseline, for the end of the human output: the counts, then
/// each scenario whose outcome changed (new failures first) and each one that is gone. Empty
/// without a baseline.
pub fn baseline_section(s: &RunSummary) -> String {
    let Some(b) = &s.baseline else {
        return String::new();
    };
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut counts = vec![
        plural(
            s.count_change(Change::NewFailure),
            "new failure",
            "new failures",
        ),
        format!("{} fixed", s.count_change(Change::Fixed)),
        format!("{} still failing", s.count_change(Change::StillFailing)),
        format!("{} still passing", s.count_change(Change::StillPassing)),
        plural(s.count_change(Change::New), "new scenario", "new scenarios"),
    ];
    counts.push(if b.gone_judged {
        format!("{} gone", b.gone.len())
    } else {
        "gone not judged on one share of a partition".into()
    });
    let mut out = format!(
        "against baseline {}: {}\n",
        b.path.display(),
        counts.join(", ")
    );
    for change in [Change::NewFailure, Change::Fixed, Change::New] {
        for r in s.results.iter().filter(|r| r.baseline == Some(change)) {
            out.push_str(&format!(
                "  {}: {} › {} now {} ({})\n",
                change.describe(),
                r.spec,
                r.label,
                r.verdict.label(),
                r.location
            ));
        }
    }
    for g in &b.gone {
        out.push_str(&format!(
            "  gone: {} › {} ({}), was {}\n",
            g.spec,
            g.label,
            g.spec_path.display(),
            g.verdict.label()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_helpers::summary;

    fn render(verbosity: Verbosity) -> String {
        let s = summary();
        let mut out = Vec::new();
        let mut r = HumanReporter::new(&mut out, verbosity, false);
        r.event(&Event::RunStarted {
            scenarios: s.results.len(),
            chromium: "Chrome/156",
        });
        for result in &s.results {
            r.event(&Event::ScenarioFinished(result));
        }
        r.event(&Event::RunFinished(&s));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn normal_output_shows_every_scenario_and_the_log_of_failures() {
        insta::assert_snapshot!(render(Verbosity::Normal));
    }

    #[test]
    fn quiet_output_shows_only_what_did_not_pass() {
        insta::assert_snapshot!(render(Verbosity::Quiet));
    }

    #[test]
    fn the_baseline_section_counts_and_names_what_changed() {
        let now = summary();
        let mut previous = summary();
        previous.results[0].verdict = Verdict::Fail;
        previous.results[3].verdict = Verdict::Pass;
        previous.results.remove(1);
        previous.results.push(ScenarioResult {
            label: "kill-switch".into(),
            ..previous.results[0].clone()
        });
        let mut now = now;
        crate::runner::compare(&mut now, &previous, std::path::Path::new("last.json"));
        insta::assert_snapshot!(baseline_section(&now), @r"
        against baseline last.json: 1 new failure, 1 fixed, 1 still failing, 0 still passing, 1 new scenario, 1 gone
          new failure: stuck › caches-pruned now TIMEOUT (specs/stuck.yaml:9:5)
          fixed: good › update-recovers now PASS (specs/good.yaml:8:5)
          new scenario: good › caches-pruned now PASS (specs/good.yaml:9:5)
          gone: good › kill-switch (specs/good.yaml), was FAIL
        ");
        assert_eq!(baseline_section(&summary()), "");
    }
}
