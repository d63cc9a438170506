//! The storage-trend chart: the origin's usage by storage type after each deploy, stacked, one
//! column per deploy; drawn for any scenario whose timeline records storage usage
//! (`storage-stays-bounded`).

use std::fmt::Write as _;

use crate::timeline::{human_bytes, StorageUsage, TimelineEntry, TimelineEvent};

use super::escape;
use super::lanes::DEPLOY_COLOURS;

/// One stacked column per recorded deploy.
pub(super) fn storage_trend(out: &mut String, timeline: &[TimelineEntry]) {
    let columns: Vec<(&str, StorageUsage)> = timeline
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::StorageUsage { deploy, usage, .. } => Some((deploy.as_str(), *usage)),
            _ => None,
        })
        .collect();
    if columns.is_empty() {
        return;
    }
    let max = columns
        .iter()
        .map(|(_, u)| u.total())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (w, h, left, top, bottom) = (640.0, 220.0, 70.0, 10.0, 40.0);
    let slot = (w - left - 10.0) / columns.len() as f64;
    let bar = (slot * 0.7).max(2.0);
    let scale = |b: u64| b as f64 / max * (h - top - bottom);
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"storage usage per deploy\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#999\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        h - bottom,
        left - 4.0,
        top + 10.0,
        escape(&human_bytes(max as u64)),
        left - 4.0,
        h - bottom
    );
    for (i, (deploy, usage)) in columns.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = h - bottom;
        for (k, (name, bytes)) in usage.by_type().iter().enumerate() {
            let height = scale(*bytes);
            if height <= 0.0 {
                continue;
            }
            y -= height;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{height:.1}\" fill=\"{}\"><title>{}: {name} {}</title></rect>",
                DEPLOY_COLOURS[k % DEPLOY_COLOURS.len()],
                escape(deploy),
                human_bytes(*bytes)
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{}</text>",
            x + bar / 2.0,
            h - bottom + 14.0,
            i + 1
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">deploy</text></svg>",
        left + (w - left) / 2.0,
        h - 8.0
    );
    let (first, last) = (columns[0], columns[columns.len() - 1]);
    let _ = write!(
        out,
        "<figure><figcaption>Storage after each deploy, by type: {} after {}, {} after {}</figcaption>{svg}<div class=\"legend\">",
        human_bytes(first.1.total()),
        escape(first.0),
        human_bytes(last.1.total()),
        escape(last.0)
    );
    for (k, (name, _)) in StorageUsage::default().by_type().iter().enumerate() {
        let _ = write!(
            out,
            "<span><i class=\"swatch\" style=\"background:{}\"></i>{name}</span>",
            DEPLOY_COLOURS[k % DEPLOY_COLOURS.len()]
        );
    }
    out.push_str("</div></figure>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_stacked_column_per_deploy() {
        let timeline: Vec<TimelineEntry> = (1..=3u64)
            .map(|i| TimelineEntry {
                at_ms: i * 1000,
                event: TimelineEvent::StorageUsage {
                    deploy: format!("v1+{i}"),
                    usage: StorageUsage {
                        cache_storage: 2048 * i,
                        indexeddb: 16384 * i,
                        service_workers: 1400,
                        other: 0,
                    },
                    caches: i,
                    entries: 2 * i,
                },
            })
            .collect();
        let mut out = String::new();
        storage_trend(&mut out, &timeline);
        assert_eq!(
            out.matches("<rect ").count(),
            9,
            "3 deploys × 3 non-empty types"
        );
        assert!(
            out.contains("<title>v1+3: IndexedDB 48.0 KiB</title>"),
            "{out}"
        );
        assert!(
            out.contains(
                "Storage after each deploy, by type: 19.4 KiB after v1+1, 55.4 KiB after v1+3"
            ),
            "{out}"
        );
    }
}
