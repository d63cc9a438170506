//! The timeline picture: three lanes over the scenario's time (the deploy served, the active
//! worker, the navigations and who answered each document), and the deploy palette.

use std::fmt::Write as _;

use crate::timeline::{active_worker_after_each, ResponseSource, TimelineEntry, TimelineEvent};

use super::escape;

/// Colours for deploys, in order of first appearance in a scenario.
pub(super) const DEPLOY_COLOURS: &[&str] = &[
    "#3182ce", "#38a169", "#d69e2e", "#805ad5", "#dd6b20", "#319795", "#d53f8c",
];

/// Deploy names in order of first appearance, each with its colour.
pub(super) struct Palette(Vec<String>);

impl Palette {
    pub(super) fn of(timeline: &[TimelineEntry]) -> Self {
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

    pub(super) fn colour(&self, deploy: &str) -> &'static str {
        let i = self.0.iter().position(|n| n == deploy).unwrap_or(0);
        DEPLOY_COLOURS[i % DEPLOY_COLOURS.len()]
    }

    pub(super) fn tag(&self, deploy: &str) -> String {
        format!(
            "<span class=\"deploy-tag\" style=\"background:{}\">{}</span>",
            self.colour(deploy),
            escape(deploy)
        )
    }
}

pub(super) fn source_class(source: Option<ResponseSource>, failed: bool) -> &'static str {
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

pub(super) fn source_colour(class: &str) -> &'static str {
    match class {
        "failed" => "#e53e3e",
        "service-worker-cache" => "#dd6b20",
        "network" => "#718096",
        "http-cache" => "#805ad5",
        _ => "#3182ce",
    }
}

const LANE_WIDTH: f64 = 1000.0;
const LANE_LEFT: f64 = 130.0;

/// Three lanes over the scenario's time: the deploy served, the active worker, and the
/// navigations with who answered each document.
pub(super) fn lanes(out: &mut String, timeline: &[TimelineEntry], palette: &Palette) {
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
