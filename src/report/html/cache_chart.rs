//! The cache-growth chart, drawn for any scenario whose timeline records cache limits.

use std::fmt::Write as _;

use crate::timeline::{human_bytes, TimelineEntry, TimelineEvent};

use super::escape;
use super::lanes::DEPLOY_COLOURS;

/// Entries per cache over the scenario's cache snapshots, with Cache Storage usage.
pub(super) fn cache_growth(out: &mut String, timeline: &[TimelineEntry]) {
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
