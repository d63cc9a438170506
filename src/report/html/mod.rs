//! The HTML report: one self-contained file (no network, no external assets) a person opens
//! from a CI artifact.
//!
//! A summary table, then per scenario: the verdict and message, a picture of the timeline
//! (which deploy the server served, which worker version was active, each navigation and who
//! answered each document request), the cache-growth chart for checks that record cache limits, the
//! failure screenshot, and the whole timeline as a table. Everything is drawn from the
//! scenario's timeline; every string from the run is escaped.

//!
//! The rooms: this file is the page (summary, sections, the timeline table), `lanes.rs` the
//! timeline picture and its palette, `cache_chart.rs` the cache-growth chart,
//! `storage_chart.rs` the storage-trend chart.

mod cache_chart;
mod lanes;
mod storage_chart;

use std::fmt::Write as _;
use std::path::Path;

use base64::Engine as _;

use crate::outcome::Verdict;
use crate::runner::{RunSummary, ScenarioResult};
use crate::timeline::{active_worker_after_each, TimelineEntry, TimelineEvent};

use cache_chart::cache_growth;
use lanes::{lanes, source_class, Palette};
use storage_chart::storage_trend;

const TEMPLATE: &str = include_str!("template.html");

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The run as one HTML document.
pub fn html_report(summary: &RunSummary) -> String {
    let mut body = String::new();
    let tally = [
        (Verdict::Pass, "passed"),
        (Verdict::Fail, "failed"),
        (Verdict::Error, "could not be evaluated"),
        (Verdict::Timeout, "timed out"),
        (Verdict::Infrastructure, "infrastructure errors"),
        (Verdict::Cancelled, "cancelled"),
    ]
    .iter()
    .filter_map(|(v, word)| {
        let n = summary.count(*v);
        (n > 0 || *v == Verdict::Pass || *v == Verdict::Fail).then(|| format!("{n} {word}"))
    })
    .collect::<Vec<_>>()
    .join(", ");
    let _ = write!(
        body,
        "<header><h1>swgate report</h1><p>{} scenario{} in {} · {:.1} s · {}{}</p></header>\n<main>\n",
        summary.results.len(),
        if summary.results.len() == 1 { "" } else { "s" },
        escape(if summary.chromium.is_empty() {
            "Chromium"
        } else {
            &summary.chromium
        }),
        summary.duration.as_secs_f64(),
        escape(&tally),
        if summary.interrupted {
            " · interrupted"
        } else {
            ""
        }
    );
    let compared = summary.baseline.is_some();
    if compared {
        let section = crate::report::baseline_section(summary);
        let _ = writeln!(
            body,
            "<pre class=\"baseline\">{}</pre>",
            escape(section.trim_end())
        );
    }
    let _ = writeln!(
        body,
        "<table class=\"summary\"><thead><tr><th>Spec</th><th>Check</th><th>Verdict</th>{}<th>Time</th><th>Message</th></tr></thead><tbody>",
        if compared { "<th>Since baseline</th>" } else { "" }
    );
    for (i, r) in summary.results.iter().enumerate() {
        let change = match r.baseline {
            Some(c) if compared => format!("<td>{}</td>", c.describe()),
            _ if compared => "<td></td>".into(),
            _ => String::new(),
        };
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td><a href=\"#s{i}\">{}</a></td><td>{}</td>{change}<td class=\"num\">{:.1} s</td><td>{}</td></tr>",
            escape(&r.spec),
            escape(&r.label),
            verdict_badge(r.verdict),
            r.duration.as_secs_f64(),
            escape(&r.message)
        );
    }
    body.push_str("</tbody></table>\n");
    for (i, r) in summary.results.iter().enumerate() {
        scenario_section(&mut body, i, r);
    }
    body.push_str("</main>");
    TEMPLATE
        .replace("{{TITLE}}", &escape(&format!("swgate report: {tally}")))
        .replace("{{BODY}}", &body)
}

/// Writes the HTML report to `path`.
pub fn write_html(summary: &RunSummary, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, html_report(summary))
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Error => "error",
        Verdict::Timeout => "timeout",
        Verdict::Infrastructure => "infrastructure",
        Verdict::Cancelled => "cancelled",
    }
}

fn verdict_badge(v: Verdict) -> String {
    format!(
        "<span class=\"verdict v-{}\">{}</span>",
        verdict_class(v),
        v.label()
    )
}

fn scenario_section(out: &mut String, i: usize, r: &ScenarioResult) {
    let palette = Palette::of(&r.timeline);
    let _ = write!(
        out,
        "<section class=\"scenario {}\" id=\"s{i}\">\n<h2>{} › {} {}</h2>\n<p class=\"message\">{}</p>\n<p class=\"loc\">--&gt; {} · {:.1} s</p>\n",
        verdict_class(r.verdict),
        escape(&r.spec),
        escape(&r.label),
        verdict_badge(r.verdict),
        escape(&r.message),
        escape(&r.location.to_string()),
        r.duration.as_secs_f64()
    );
    if !r.timeline.is_empty() {
        lanes(out, &r.timeline, &palette);
    }
    // Any check that records its cache limits gets the growth chart (today
    // runtime-cache-bounded); keyed on the timeline, not on a check name.
    if r.timeline
        .iter()
        .any(|e| matches!(e.event, TimelineEvent::CacheLimits { .. }))
    {
        cache_growth(out, &r.timeline);
    }
    storage_trend(out, &r.timeline);
    if let Some(png) = &r.screenshot {
        let _ = writeln!(
            out,
            "<figure><figcaption>The page when the check ended</figcaption><img class=\"screenshot\" alt=\"screenshot of the page when {} ended\" src=\"data:image/png;base64,{}\"></figure>",
            escape(&r.label),
            base64::engine::general_purpose::STANDARD.encode(png)
        );
    }
    let open = if r.verdict == Verdict::Pass {
        ""
    } else {
        " open"
    };
    let _ = writeln!(
        out,
        "<details{open}><summary>Timeline: {} events</summary>",
        r.timeline.len()
    );
    timeline_table(out, &r.timeline, &palette);
    out.push_str("</details>\n</section>\n");
}

fn timeline_table(out: &mut String, timeline: &[TimelineEntry], palette: &Palette) {
    out.push_str("<table class=\"timeline\"><thead><tr><th>ms</th><th>active worker</th><th>event</th><th>what</th></tr></thead><tbody>\n");
    for (e, active) in timeline.iter().zip(active_worker_after_each(timeline)) {
        let what = match &e.event {
            TimelineEvent::Request {
                source,
                failed,
                cache_name,
                ..
            } => {
                let class = source_class(*source, failed.is_some());
                let badge = match (failed, source) {
                    (Some(_), _) => "failed".to_string(),
                    (None, Some(s)) => s.describe(cache_name.as_deref()),
                    (None, None) => "no response".into(),
                };
                format!(
                    "{}<span class=\"src src-{class}\">{}</span>",
                    escape(&e.request_line().unwrap_or_default()),
                    escape(&badge)
                )
            }
            TimelineEvent::Deploy { deploy } => format!("deployed {}", palette.tag(deploy)),
            _ => escape(&e.detail_line()),
        };
        let _ = writeln!(
            out,
            "<tr class=\"k-{}\"><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"what\">{what}</td></tr>",
            e.kind(),
            e.at_ms,
            active.as_deref().map(|a| palette.tag(a)).unwrap_or_default(),
            e.kind()
        );
    }
    out.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_helpers::summary;

    #[test]
    fn escapes_everything_from_the_run() {
        let html = html_report(&summary());
        assert!(
            html.contains("v2 &lt;&amp; &quot;quoted&quot;&gt;"),
            "{html}"
        );
        assert!(!html.contains("<& \"quoted\">"));
    }

    #[test]
    fn is_self_contained() {
        let html = html_report(&summary());
        for external in [
            "src=\"http",
            "href=\"http",
            "<script src",
            "<link",
            "@import",
            "url(",
        ] {
            assert!(!html.contains(external), "found {external}");
        }
        assert!(
            html.contains("data:image/png;base64,"),
            "the failure screenshot is embedded"
        );
    }

    #[test]
    fn shows_who_answered_and_which_worker_was_active() {
        let html = html_report(&summary());
        assert!(html.contains("src-service-worker-cache"));
        assert!(html.contains("answered by service worker (cache &quot;shell-v1&quot;)"));
        assert!(html.contains(">active worker</text>"));
    }

    #[test]
    fn cache_growth_draws_the_checks_limit() {
        use crate::timeline::CacheSnapshot;
        let caches = |entries| TimelineEvent::Caches {
            caches: vec![CacheSnapshot {
                name: "images".into(),
                entries,
            }],
            usage_bytes: None,
        };
        let timeline: Vec<TimelineEntry> = [
            TimelineEvent::CacheLimits {
                max_entries: 150,
                max_bytes: 1 << 20,
            },
            caches(20),
            caches(40),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, event)| TimelineEntry {
            at_ms: i as u64 * 100,
            event,
        })
        .collect();
        let mut out = String::new();
        cache_growth(&mut out, &timeline);
        assert!(out.contains(">limit 150</text>"), "{out}");
        // The axis reaches the limit, not just the largest cache.
        assert!(out.contains(">150</text>"), "{out}");
    }
}
