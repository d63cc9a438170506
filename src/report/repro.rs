//! `swgate repro`'s table: one scenario's whole timeline as plain text a developer pastes into
//! a bug report.
//!
//! One row per event: when, which tab, which worker version was active (folded from the
//! worker events), what kind of event, and what happened, including who answered each
//! request. A stuck shell reads as a `Document` answered by the old worker's cache after the
//! new deploy.

use crate::runner::ScenarioResult;
use crate::timeline::{active_worker_after_each, TimelineEvent};

/// The scenario's timeline as an aligned text table, headed by the scenario and closed by
/// its verdict. The `active` column is the deploy of the active worker version: the one
/// that answers the page's requests.
pub fn repro_table(r: &ScenarioResult) -> String {
    let active = active_worker_after_each(&r.timeline);
    let rows: Vec<[String; 5]> = r
        .timeline
        .iter()
        .zip(active)
        .map(|(e, active)| {
            let tab = match &e.event {
                TimelineEvent::Request { tab, .. } | TimelineEvent::Navigation { tab, .. } => {
                    tab.to_string()
                }
                _ => String::new(),
            };
            [
                format!("{:.3}s", e.at_ms as f64 / 1000.0),
                tab,
                active.unwrap_or_else(|| "-".into()),
                e.kind().to_string(),
                e.detail_line(),
            ]
        })
        .collect();
    let header = ["time", "tab", "active", "event", "what"].map(str::to_string);
    let widths: Vec<usize> = (0..4)
        .map(|c| {
            rows.iter()
                .chain(std::iter::once(&header))
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!("{} › {} ({})\n", r.spec, r.label, r.location);
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:>w0$}  {:>w1$}  {:<w2$}  {:<w3$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !matches!(
        r.timeline.last().map(|e| &e.event),
        Some(TimelineEvent::Verdict { .. })
    ) {
        out.push_str(&format!("{}: {}\n", r.verdict.label(), r.message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_helpers::summary;

    #[test]
    fn the_stuck_scenario_reads_as_the_old_worker_answering_from_cache() {
        let s = summary();
        let stuck = s
            .results
            .iter()
            .find(|r| r.spec == "stuck" && r.check == "update-recovers")
            .unwrap();
        insta::assert_snapshot!(repro_table(stuck));
    }
}
