//! A fixed run summary for reporter tests.

use std::path::PathBuf;
use std::time::Duration;

use crate::outcome::Verdict;
use crate::runner::{RunSummary, ScenarioResult};
use crate::spec::Location;
use crate::timeline::{
    CacheSnapshot, NavigationAction, ResponseSource, TimelineEntry, TimelineEvent,
};

fn at(at_ms: u64, event: TimelineEvent) -> TimelineEntry {
    TimelineEntry { at_ms, event }
}

/// A stuck-shell-like timeline: v1 installs, v2 is deployed, v1's cache answers the reload.
fn timeline(verdict: Verdict, message: &str) -> Vec<TimelineEntry> {
    let worker = |id: &str, deploy: &str, status: &str| TimelineEvent::Worker {
        version_id: id.into(),
        deploy: Some(deploy.into()),
        status: status.into(),
        running: true,
    };
    let document = |status, source, cache: Option<&str>| TimelineEvent::Request {
        tab: 1,
        url: "/".into(),
        resource_type: "Document".into(),
        status: Some(status),
        source: Some(source),
        cache_name: cache.map(str::to_owned),
        failed: None,
        headers: Default::default(),
    };
    let caches = |entries| TimelineEvent::Caches {
        caches: vec![CacheSnapshot {
            name: "shell-v1".into(),
            entries,
        }],
        usage_bytes: Some(2048 * entries),
    };
    vec![
        at(
            0,
            TimelineEvent::Deploy {
                deploy: "v1".into(),
            },
        ),
        at(40, document(200, ResponseSource::Network, None)),
        at(
            60,
            TimelineEvent::Navigation {
                tab: 1,
                action: NavigationAction::Open,
                path: "/".into(),
            },
        ),
        at(70, worker("0", "v1", "installing")),
        at(110, worker("0", "v1", "activated")),
        at(115, caches(3)),
        at(
            120,
            TimelineEvent::Step {
                text: "v1's worker activated".into(),
            },
        ),
        at(
            130,
            TimelineEvent::Deploy {
                deploy: "v2 <& \"quoted\">".into(),
            },
        ),
        at(
            150,
            document(200, ResponseSource::ServiceWorkerCache, Some("shell-v1")),
        ),
        at(
            160,
            TimelineEvent::Navigation {
                tab: 1,
                action: NavigationAction::Reload,
                path: String::new(),
            },
        ),
        at(170, caches(4)),
        at(
            180,
            TimelineEvent::Request {
                tab: 1,
                url: "/assets/app.js".into(),
                resource_type: "Script".into(),
                status: None,
                source: None,
                cache_name: None,
                failed: Some("net::ERR_FAILED".into()),
                headers: Default::default(),
            },
        ),
        at(
            190,
            TimelineEvent::Console {
                origin: "page".into(),
                text: "Failed to load resource: net::ERR_FAILED /assets/app.js".into(),
            },
        ),
        at(2100, worker("1", "v2", "installed")),
        at(
            2200,
            TimelineEvent::Verdict {
                verdict,
                message: message.into(),
            },
        ),
    ]
}

fn result(
    spec: &str,
    check: &'static str,
    line: usize,
    verdict: Verdict,
    message: &str,
) -> ScenarioResult {
    ScenarioResult {
        spec: spec.into(),
        spec_path: PathBuf::from(format!("specs/{spec}.yaml")),
        check: check.to_owned(),
        ordinal: 0,
        label: check.to_string(),
        location: Location {
            file: PathBuf::from(format!("specs/{spec}.yaml")),
            line,
            column: 5,
        },
        verdict,
        message: message.into(),
        duration: Duration::from_millis(1500),
        timeline: timeline(verdict, message),
        screenshot: (verdict == Verdict::Fail).then(|| PNG_1X1.to_vec()),
        baseline: None,
    }
}

/// A 1×1 transparent PNG, standing in for a failure screenshot.
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// One spec passing both checks, one failing one check and timing out on the other.
pub(crate) fn summary() -> RunSummary {
    let mut summary = RunSummary {
        results: vec![
            result(
                "good",
                "update-recovers",
                8,
                Verdict::Pass,
                "reached v2 on reload 1 of 3",
            ),
            result(
                "good",
                "caches-pruned",
                9,
                Verdict::Pass,
                "v1's cache `shell-v1` was deleted",
            ),
            result(
                "stuck",
                "update-recovers",
                8,
                Verdict::Fail,
                "a returning user never reaches v2: after 3 reloads the page still shows v1",
            ),
            result(
                "stuck",
                "caches-pruned",
                9,
                Verdict::Timeout,
                "timed out after 15.0s waiting for v2's worker to install",
            ),
        ],
        chromium: "Chrome/156.0.8078.79".into(),
        duration: Duration::from_secs(12),
        interrupted: false,
        partition: None,
        planned: 4,
        baseline: None,
    };
    for (i, r) in summary.results.iter_mut().enumerate() {
        r.ordinal = i;
    }
    summary
}
