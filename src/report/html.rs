//! The HTML report: one self-contained file (no network, no external assets) a person opens
//! from a CI artifact.
//!
//! A summary table, then per scenario: the verdict and message, a picture of the timeline
//! (which deploy the server served, which worker version was active, each navigation and who
//! answered each document request), the cache-growth chart for checks that record cache limits, the
//! failure screenshot, and the whole timeline as a table. Everything is drawn from the
//! scenario's timeline; every string from the run is escaped.

use std::fmt::Write as _;
use std::path::Path;

use base64::Engine as _;

use crate::outcome::Verdict;
use crate::runner::{RunSummary, ScenarioResult};
use crate::timeline::{
    active_worker_after_each, human_bytes, ResponseSource, TimelineEntry, TimelineEvent,
};

const TEMPLATE: &str = include_str!("html_template.html");

/// Colours for deploys, in order of first appearance in a scenario.
const DEPLOY_COLOURS: &[&str] = &[
    "#3182ce", "#38a169", "#d69e2e", "#805ad5", "#dd6b20", "#319795", "#d53f8c",
];

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
    body.push_str(
        "<table class=\"summary\"><thead><tr><th>Spec</th><th>Check</th><th>Verdict</th><th>Time</th><th>Message</th></tr></thead><tbody>\n",
    );
    for (i, r) in summary.results.iter().enumerate() {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td><a href=\"#s{i}\">{}</a></td><td>{}</td><td class=\"num\">{:.1} s</td><td>{}</td></tr>",
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

/// Deploy names in order of first appearance, each with its colour.
struct Palette(Vec<String>);

impl Palette {
    fn of(timeline: &[TimelineEntry]) -> Self {
        let mut names: Vec<String> = Vec::new();
        for e in timeline {
            let name = match &e.event {
                TimelineEvent::Deploy { deploy } => Some(deploy),
                TimelineEvent::Worker {
                    deploy: Some(d), ..
                } => Some(d),
                _ => None,
            };
            if let Some(n) = name {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        Palette(names)
    }

    fn colour(&self, deploy: &str) -> &'static str {
        let i = self.0.iter().position(|n| n == deploy).unwrap_or(0);
        DEPLOY_COLOURS[i % DEPLOY_COLOURS.len()]
    }

    fn tag(&self, deploy: &str) -> String {
        format!(
            "<span class=\"deploy-tag\" style=\"background:{}\">{}</span>",
            self.colour(deploy),
            escape(deploy)
        )
    }
}

fn source_class(source: Option<ResponseSource>, failed: bool) -> &'static str {
    if failed {
        return "failed";
    }
    match source {
        Some(ResponseSource::ServiceWorkerCache) => "service-worker-cache",
        Some(ResponseSource::ServiceWorkerNetwork) => "service-worker-network",
        Some(ResponseSource::ServiceWorkerHttpCache) => "service-worker-http-cache",
        Some(ResponseSource::ServiceWorker) => "service-worker",
        Some(ResponseSource::HttpCache) => "http-cache",
        Some(ResponseSource::Network) | None => "network",
    }
}

fn source_colour(class: &str) -> &'static str {
    match class {
        "failed" => "#e53e3e",
        "service-worker-cache" => "#dd6b20",
        "network" => "#718096",
        "http-cache" => "#805ad5",
        _ => "#3182ce",
    }
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

const LANE_WIDTH: f64 = 1000.0;
const LANE_LEFT: f64 = 130.0;

/// Three lanes over the scenario's time: the deploy served, the active worker, and the
/// navigations with who answered each document.
fn lanes(out: &mut String, timeline: &[TimelineEntry], palette: &Palette) {
    let end = timeline.iter().map(|e| e.at_ms).max().unwrap_or(0).max(1) as f64;
    let x = |ms: u64| LANE_LEFT + (ms as f64 / end) * (LANE_WIDTH - LANE_LEFT - 10.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg role=\"img\" aria-label=\"timeline\" width=\"{LANE_WIDTH}\" height=\"118\" viewBox=\"0 0 {LANE_WIDTH} 118\">"
    );
    for (row, label) in ["server serves", "active worker", "page loads"]
        .iter()
        .enumerate()
    {
        let y = 14 + row * 30;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\">{label}</text><line x1=\"{LANE_LEFT}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#e2e8f0\"/>",
            y + 12,
            LANE_WIDTH - 10.0,
            y + 8,
            y + 8
        );
    }
    let segments = |values: Vec<(u64, Option<String>)>| {
        let mut segs: Vec<(u64, u64, String)> = Vec::new();
        let mut current: Option<(u64, String)> = None;
        for (at, v) in values {
            if current.as_ref().map(|c| Some(&c.1)) != Some(v.as_ref()) {
                if let Some((start, name)) = current.take() {
                    segs.push((start, at, name));
                }
                current = v.map(|name| (at, name));
            }
        }
        if let Some((start, name)) = current {
            segs.push((start, end as u64, name));
        }
        segs
    };
    let mut served: Option<String> = None;
    let deploys = segments(
        timeline
            .iter()
            .map(|e| {
                if let TimelineEvent::Deploy { deploy } = &e.event {
                    served = Some(deploy.clone());
                }
                (e.at_ms, served.clone())
            })
            .collect(),
    );
    let active = segments(
        timeline
            .iter()
            .zip(active_worker_after_each(timeline))
            .map(|(e, a)| (e.at_ms, a))
            .collect(),
    );
    for (row, segs) in [(0, &deploys), (1, &active)] {
        let y = 14 + row * 30;
        for (start, stop, name) in segs {
            let (x0, x1) = (x(*start), x(*stop).max(x(*start) + 2.0));
            let _ = write!(
                svg,
                "<rect x=\"{x0:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"16\" rx=\"3\" fill=\"{}\"><title>{}</title></rect>",
                x1 - x0,
                palette.colour(name),
                escape(name)
            );
            if x1 - x0 > 24.0 {
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{}\" style=\"fill:#fff;font-weight:600\">{}</text>",
                    x0 + 4.0,
                    y + 12,
                    escape(name)
                );
            }
        }
    }
    for e in timeline {
        match &e.event {
            TimelineEvent::Navigation { action, path, tab } => {
                let cx = x(e.at_ms);
                let _ = write!(
                    svg,
                    "<path d=\"M{:.1} 74 l5 9 h-10 z\" fill=\"#1a202c\"><title>{} {} (tab {tab}) at {} ms</title></path>",
                    cx,
                    if matches!(action, crate::timeline::NavigationAction::Reload) {
                        "reload"
                    } else {
                        "open"
                    },
                    escape(path),
                    e.at_ms
                );
            }
            TimelineEvent::Request {
                resource_type,
                source,
                failed,
                url,
                cache_name,
                ..
            } if resource_type == "Document" => {
                let class = source_class(*source, failed.is_some());
                let by = match (failed, source) {
                    (Some(err), _) => format!("failed {err}"),
                    (None, Some(s)) => s.describe(cache_name.as_deref()),
                    (None, None) => "no response".into(),
                };
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"96\" r=\"6\" fill=\"{}\"><title>{} answered by {} at {} ms</title></circle>",
                    x(e.at_ms),
                    source_colour(class),
                    escape(url),
                    escape(&by),
                    e.at_ms
                );
            }
            _ => {}
        }
    }
    let _ = write!(
        svg,
        "<text x=\"{LANE_LEFT}\" y=\"116\">0 s</text><text x=\"{}\" y=\"116\" text-anchor=\"end\">{:.1} s</text></svg>",
        LANE_WIDTH - 10.0,
        end / 1000.0
    );
    out.push_str("<figure>");
    out.push_str(&svg);
    out.push_str("<div class=\"legend\">");
    for name in &palette.0 {
        let _ = write!(
            out,
            "<span><i class=\"swatch\" style=\"background:{}\"></i>{}</span>",
            palette.colour(name),
            escape(name)
        );
    }
    for (class, label) in [
        ("service-worker-cache", "document from the worker's cache"),
        (
            "service-worker-network",
            "document from the worker via network",
        ),
        ("network", "document from the network"),
        ("failed", "document failed"),
    ] {
        let _ = write!(
            out,
            "<span><i class=\"swatch\" style=\"background:{};border-radius:6px\"></i>{label}</span>",
            source_colour(class)
        );
    }
    out.push_str("<span>▲ navigation</span></div></figure>\n");
}

/// Entries per cache over the scenario's cache snapshots, with Cache Storage usage.
fn cache_growth(out: &mut String, timeline: &[TimelineEntry]) {
    let snapshots: Vec<(u64, &Vec<crate::timeline::CacheSnapshot>, Option<u64>)> = timeline
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::Caches {
                caches,
                usage_bytes,
            } => Some((e.at_ms, caches, *usage_bytes)),
            _ => None,
        })
        .collect();
    if snapshots.len() < 2 {
        return;
    }
    let mut names: Vec<&str> = Vec::new();
    for (_, caches, _) in &snapshots {
        for c in caches.iter() {
            if !names.contains(&c.name.as_str()) {
                names.push(&c.name);
            }
        }
    }
    let limit = timeline.iter().find_map(|e| match &e.event {
        TimelineEvent::CacheLimits { max_entries, .. } => Some(*max_entries),
        _ => None,
    });
    // The axis reaches the limit too, so a cache well inside it is seen to be.
    let max_entries = snapshots
        .iter()
        .flat_map(|(_, c, _)| c.iter().map(|c| c.entries))
        .chain(limit)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (t0, t1) = (snapshots[0].0, snapshots[snapshots.len() - 1].0.max(1));
    let (w, h, left, top) = (640.0, 200.0, 50.0, 10.0);
    let px = |t: u64| {
        left + (t.saturating_sub(t0) as f64 / (t1.saturating_sub(t0)).max(1) as f64)
            * (w - left - 10.0)
    };
    let py = |n: u64| top + (1.0 - n as f64 / max_entries) * (h - top - 30.0);
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"cache growth\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#999\"/><line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max_entries}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        h - 30.0,
        h - 30.0,
        w - 10.0,
        h - 30.0,
        left - 4.0,
        top + 10.0,
        left - 4.0,
        h - 30.0
    );
    for (k, name) in names.iter().enumerate() {
        let colour = DEPLOY_COLOURS[k % DEPLOY_COLOURS.len()];
        let points: Vec<String> = snapshots
            .iter()
            .map(|(t, caches, _)| {
                let n = caches
                    .iter()
                    .find(|c| c.name == *name)
                    .map_or(0, |c| c.entries);
                format!("{:.1},{:.1}", px(*t), py(n))
            })
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            points.join(" "),
            escape(name)
        );
    }
    if let Some(limit) = limit {
        let y = py(limit);
        // Under the line when the limit tops the axis, where a label above would be clipped.
        let label_y = if y < top + 14.0 { y + 14.0 } else { y - 4.0 };
        let _ = write!(
            svg,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#c0392b\">limit {limit}</text>",
            w - 10.0,
            w - 12.0,
            label_y
        );
    }
    let last_usage = snapshots.iter().rev().find_map(|(_, _, u)| *u);
    let _ = write!(
        svg,
        "<text x=\"{left}\" y=\"{}\">{:.1} s</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.1} s</text></svg>",
        h - 14.0,
        t0 as f64 / 1000.0,
        w - 10.0,
        h - 14.0,
        t1 as f64 / 1000.0
    );
    let _ = write!(
        out,
        "<figure><figcaption>Cache growth: entries per cache at each snapshot{}</figcaption>{svg}<div class=\"legend\">",
        last_usage
            .map(|u| format!("; Cache Storage usage at the end {}", human_bytes(u)))
            .unwrap_or_default()
    );
    for (k, name) in names.iter().enumerate() {
        let _ = write!(
            out,
            "<span><i class=\"swatch\" style=\"background:{}\"></i>{}</span>",
            DEPLOY_COLOURS[k % DEPLOY_COLOURS.len()],
            escape(name)
        );
    }
    out.push_str("</div></figure>\n");
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
