//! The event timeline every scenario records: the single source all reports render from.
//!
//! The runner and the page's CDP collector append entries as things happen (deploys,
//! navigations, worker state changes, every response and who produced it, console errors,
//! cache snapshots, the verdict); checks only add free-text steps. Human lines, JUnit
//! `system-out`, JSON, HTML and `swgate repro`'s table are all views of the same entries.
//!
//! Entries are stamped when swgate *applies* an event, not when Chromium emitted it: the
//! collector drains one channel per CDP event type, so two events a millisecond apart on
//! different channels can be recorded in either order. Stamps are for reading, not judging.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::outcome::Verdict;

/// A scenario's timeline, shared by the scenario and its pages' collectors.
#[derive(Debug)]
pub struct Timeline {
    started: Instant,
    /// The scenario's origin, stripped from recorded URLs: ports differ on every run, paths
    /// do not, so timelines compare across runs.
    origin: OnceLock<String>,
    entries: Mutex<Vec<TimelineEntry>>,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            started: Instant::now(),
            origin: OnceLock::new(),
            entries: Mutex::default(),
        }
    }
}

impl Timeline {
    /// Sets the scenario's origin (once), so later URLs are recorded as paths.
    pub fn set_origin(&self, origin: &str) {
        let _ = self.origin.set(origin.to_string());
    }

    /// Whether `url` belongs to the scenario's origin (true while the origin is unset).
    pub fn is_own(&self, url: &str) -> bool {
        self.origin.get().is_none_or(|origin| {
            url.strip_prefix(origin.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }

    /// Appends `event`, stamped with the time since the scenario began.
    pub fn push(&self, mut event: TimelineEvent) {
        if let Some(origin) = self.origin.get() {
            match &mut event {
                TimelineEvent::Request { url, .. }
                | TimelineEvent::Registration { scope: url, .. } => {
                    if let Some(path) = url.strip_prefix(origin.as_str()) {
                        *url = path.to_string();
                    }
                }
                TimelineEvent::Console { text, .. } => *text = text.replace(origin.as_str(), ""),
                _ => {}
            }
        }
        let at_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let entry = TimelineEntry { at_ms, event };
        if let Some(line) = entry.step_line() {
            tracing::debug!(target: "swgate::scenario", "{}ms {line}", entry.at_ms);
        }
        self.lock().push(entry);
    }

    /// A copy of the entries so far.
    pub fn entries(&self) -> Vec<TimelineEntry> {
        self.lock().clone()
    }

    /// Takes the entries out (the scenario is over).
    pub fn take(&self) -> Vec<TimelineEntry> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<TimelineEntry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One stamped event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Milliseconds since the scenario began.
    pub at_ms: u64,
    /// What happened.
    #[serde(flatten)]
    pub event: TimelineEvent,
}

/// What happened; serialized with a `kind` tag (the JSON report's timeline items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TimelineEvent {
    /// The fixture server now serves this deploy.
    Deploy {
        /// Deploy name.
        deploy: String,
    },
    /// A navigation swgate made finished loading (or failed at the network level).
    Navigation {
        /// Tab number, 1 for the scenario's page.
        tab: u32,
        /// Open a URL or reload.
        action: NavigationAction,
        /// The path opened (empty for reloads).
        path: String,
    },
    /// A worker version changed status or started/stopped (CDP `workerVersionUpdated`).
    Worker {
        /// CDP version id.
        version_id: String,
        /// The deploy whose script the version runs, once it began installing.
        deploy: Option<String>,
        /// Lifecycle status (`installing`, `installed`, `activated`, `redundant`, ...).
        status: String,
        /// Whether the worker thread runs.
        running: bool,
    },
    /// A registration appeared or was deleted (CDP `workerRegistrationUpdated`).
    Registration {
        /// Scope URL.
        scope: String,
        /// Whether it was deleted (unregistered).
        deleted: bool,
    },
    /// A page request got its response headers, or failed.
    Request {
        /// Tab number.
        tab: u32,
        /// URL (the scenario's origin is stripped when the scenario ends).
        url: String,
        /// CDP resource type (`Document`, `Script`, `Fetch`, ...).
        resource_type: String,
        /// HTTP status, if a response arrived.
        status: Option<i64>,
        /// Who answered, if a response arrived.
        source: Option<ResponseSource>,
        /// The Cache Storage cache the worker answered from, when Chromium names it.
        cache_name: Option<String>,
        /// The network error, for a failed request.
        failed: Option<String>,
        /// Response headers that decide caching and routing, and `x-swgate-rule` (which host
        /// rule or preset produced them), when a response arrived.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        headers: std::collections::BTreeMap<String, String>,
    },
    /// A console error, uncaught exception or worker error.
    Console {
        /// `page` or `service worker`.
        origin: String,
        /// The message.
        text: String,
    },
    /// The origin's Cache Storage at this moment.
    Caches {
        /// Every cache, by name.
        caches: Vec<CacheSnapshot>,
        /// Bytes the quota system charges for Cache Storage, when read.
        usage_bytes: Option<u64>,
    },
    /// The limits a bounded-cache check judges against (the HTML report draws them on the
    /// cache-growth chart).
    CacheLimits {
        /// Entries allowed in each cache.
        max_entries: u64,
        /// Cache Storage usage allowed, in bytes.
        max_bytes: u64,
    },
    /// The origin's storage usage by type after a deploy was reached
    /// (`storage-stays-bounded`; the HTML report stacks them, one column per deploy).
    StorageUsage {
        /// The deploy reached (`v1+3` for the third deploy of a mutated build).
        deploy: String,
        /// Bytes by storage type.
        #[serde(flatten)]
        usage: StorageUsage,
        /// Caches in Cache Storage.
        caches: u64,
        /// Entries over all caches.
        entries: u64,
    },
    /// A step a check or the runner describes in words.
    Step {
        /// The description.
        text: String,
    },
    /// The scenario's verdict.
    Verdict {
        /// The verdict.
        verdict: Verdict,
        /// Its message.
        message: String,
    },
    /// A kind this version does not know, read from a newer swgate's JSON report (`merge`,
    /// `--baseline`): readers ignore new kinds, as the README promises. Dropped when read;
    /// never recorded or written.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// How a navigation was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NavigationAction {
    /// Opened a URL (typed it, or a new tab).
    Open,
    /// Reloaded as a user does.
    Reload,
    /// Navigated the open tab to a URL, as a link or a typed URL does (not a reload).
    Navigate,
    /// Left the app (navigated the tab to `about:blank`).
    Leave,
    /// Went back in history to `path`.
    Back,
}

/// Who produced a response, from CDP's `Network.Response` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResponseSource {
    /// The server, with no service worker involved.
    Network,
    /// The browser's HTTP cache, with no service worker involved.
    HttpCache,
    /// The service worker, from Cache Storage.
    ServiceWorkerCache,
    /// The service worker, through its own `fetch()` to the network.
    ServiceWorkerNetwork,
    /// The service worker, through its own `fetch()` answered by the HTTP cache.
    ServiceWorkerHttpCache,
    /// The service worker, origin unknown (e.g. a constructed `Response`).
    ServiceWorker,
}

impl ResponseSource {
    /// `service worker (cache "shell-v1")`, `network`, ...: how messages name the source.
    pub fn describe(self, cache_name: Option<&str>) -> String {
        match (self, cache_name) {
            (ResponseSource::ServiceWorkerCache, Some(name)) => {
                format!("service worker (cache \"{name}\")")
            }
            (ResponseSource::ServiceWorkerCache, None) => "service worker (cache)".into(),
            (ResponseSource::ServiceWorkerNetwork, _) => "service worker (network)".into(),
            (ResponseSource::ServiceWorkerHttpCache, _) => "service worker (http cache)".into(),
            (ResponseSource::ServiceWorker, _) => "service worker".into(),
            (ResponseSource::HttpCache, _) => "http cache".into(),
            (ResponseSource::Network, _) => "network".into(),
        }
    }
}

/// Bytes Chromium's quota system charges an origin, by storage type
/// (`Storage.getUsageAndQuota`'s breakdown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageUsage {
    /// Cache Storage.
    pub cache_storage: u64,
    /// IndexedDB.
    pub indexeddb: u64,
    /// Service worker scripts (the registrations' script cache).
    pub service_workers: u64,
    /// Every other type, summed.
    pub other: u64,
}

impl StorageUsage {
    /// Every type together.
    pub fn total(&self) -> u64 {
        self.cache_storage + self.indexeddb + self.service_workers + self.other
    }

    /// Each type with the name reports use, in a fixed order.
    pub fn by_type(&self) -> [(&'static str, u64); 4] {
        [
            ("Cache Storage", self.cache_storage),
            ("IndexedDB", self.indexeddb),
            ("service worker scripts", self.service_workers),
            ("other storage", self.other),
        ]
    }
}

/// One cache in a [`TimelineEvent::Caches`] snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheSnapshot {
    /// Cache name.
    pub name: String,
    /// Entry count.
    pub entries: u64,
}

impl TimelineEntry {
    /// The entry as one line of a step log (human output, JUnit), or `None` for the detail
    /// only the full views show (requests, worker and registration changes, the verdict).
    pub fn step_line(&self) -> Option<String> {
        match &self.event {
            TimelineEvent::Deploy { deploy } => Some(format!("deployed {deploy}")),
            TimelineEvent::Navigation { tab, action, path } => Some(match (action, tab) {
                (NavigationAction::Open, 1) => format!("opened {path}"),
                (NavigationAction::Open, t) => format!("opened {path} in tab {t}"),
                (NavigationAction::Reload, 1) => "reloaded".into(),
                (NavigationAction::Reload, t) => format!("reloaded tab {t}"),
                (NavigationAction::Navigate, 1) => format!("navigated to {path}"),
                (NavigationAction::Navigate, t) => format!("navigated tab {t} to {path}"),
                (NavigationAction::Leave, 1) => "left the app (about:blank)".into(),
                (NavigationAction::Leave, t) => format!("left the app in tab {t} (about:blank)"),
                (NavigationAction::Back, 1) => format!("went back to {path}"),
                (NavigationAction::Back, t) => format!("went back to {path} in tab {t}"),
            }),
            TimelineEvent::Console { origin, text } => {
                Some(format!("console error ({origin}): {text}"))
            }
            TimelineEvent::Caches {
                caches,
                usage_bytes,
            } => Some(describe_caches(caches, *usage_bytes)),
            TimelineEvent::CacheLimits {
                max_entries,
                max_bytes,
            } => Some(format!(
                "limits: {max_entries} entries per cache, {} of Cache Storage",
                human_bytes(*max_bytes)
            )),
            TimelineEvent::StorageUsage {
                deploy,
                usage,
                caches,
                entries,
            } => Some(format!(
                "storage after {deploy}: {} ({}); {caches} cache{}, {entries} entr{}",
                human_bytes(usage.total()),
                usage
                    .by_type()
                    .iter()
                    .map(|(name, b)| format!("{name} {}", human_bytes(*b)))
                    .collect::<Vec<_>>()
                    .join(", "),
                if *caches == 1 { "" } else { "s" },
                if *entries == 1 { "y" } else { "ies" }
            )),
            TimelineEvent::Step { text } => Some(text.clone()),
            TimelineEvent::Worker { .. }
            | TimelineEvent::Registration { .. }
            | TimelineEvent::Request { .. }
            | TimelineEvent::Verdict { .. }
            | TimelineEvent::Unknown => None,
        }
    }

    /// The entry as one line of the full view (`swgate repro`, HTML), detail included.
    pub fn detail_line(&self) -> String {
        match &self.event {
            TimelineEvent::Worker {
                version_id,
                deploy,
                status,
                running,
            } => format!(
                "worker {}version {version_id}: {status}, {}",
                deploy
                    .as_deref()
                    .map(|d| format!("{d} "))
                    .unwrap_or_default(),
                if *running { "running" } else { "stopped" }
            ),
            TimelineEvent::Registration { scope, deleted } => {
                if *deleted {
                    format!("registration {scope} deleted")
                } else {
                    format!("registration {scope}")
                }
            }
            TimelineEvent::Request {
                source, cache_name, ..
            } => {
                let by = source
                    .map(|s| format!(" from {}", s.describe(cache_name.as_deref())))
                    .unwrap_or_default();
                format!("{}{by}", self.request_line().unwrap_or_default())
            }
            TimelineEvent::Verdict { verdict, message } => {
                format!("{}: {message}", verdict.label())
            }
            _ => self.step_line().unwrap_or_default(),
        }
    }

    /// A request as `Document / 200` or `Script /app.js failed net::ERR_FAILED`, without who
    /// answered; `None` for other events.
    pub fn request_line(&self) -> Option<String> {
        let TimelineEvent::Request {
            url,
            resource_type,
            status,
            failed,
            ..
        } = &self.event
        else {
            return None;
        };
        let outcome = match (status, failed) {
            (_, Some(err)) => format!("failed {err}"),
            (Some(s), None) => s.to_string(),
            (None, None) => "no response".into(),
        };
        Some(format!("{resource_type} {url} {outcome}"))
    }

    /// Short name of the event kind, for tables.
    pub fn kind(&self) -> &'static str {
        match &self.event {
            TimelineEvent::Deploy { .. } => "deploy",
            TimelineEvent::Navigation { .. } => "navigate",
            TimelineEvent::Worker { .. } => "worker",
            TimelineEvent::Registration { .. } => "register",
            TimelineEvent::Request { .. } => "request",
            TimelineEvent::Console { .. } => "console",
            TimelineEvent::Caches { .. } => "caches",
            TimelineEvent::CacheLimits { .. } => "limits",
            TimelineEvent::StorageUsage { .. } => "storage",
            TimelineEvent::Step { .. } => "step",
            TimelineEvent::Verdict { .. } => "verdict",
            TimelineEvent::Unknown => "unknown",
        }
    }
}

/// `caches: shell-v1 (3 entries), img (2 entries); Cache Storage usage 12.0 KiB`.
fn describe_caches(caches: &[CacheSnapshot], usage_bytes: Option<u64>) -> String {
    let list = if caches.is_empty() {
        "none".to_string()
    } else {
        caches
            .iter()
            .map(|c| format!("{} ({} entries)", c.name, c.entries))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match usage_bytes {
        Some(b) => format!("caches: {list}; Cache Storage usage {}", human_bytes(b)),
        None => format!("caches: {list}"),
    }
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let f = n as f64;
    if f < KIB {
        format!("{n} B")
    } else if f < KIB * KIB {
        format!("{:.1} KiB", f / KIB)
    } else {
        format!("{:.1} MiB", f / KIB / KIB)
    }
}

/// The step log of `entries` as text lines stamped `    12ms  text` (JUnit system-out, test
/// failure messages). Repeated identical cache snapshots are shown once.
pub fn step_log(entries: &[TimelineEntry]) -> Vec<String> {
    let mut last_caches: Option<&TimelineEvent> = None;
    entries
        .iter()
        .filter(|e| {
            if let TimelineEvent::Caches { .. } = e.event {
                if last_caches == Some(&e.event) {
                    return false;
                }
                last_caches = Some(&e.event);
            }
            true
        })
        .filter_map(|e| e.step_line().map(|l| format!("{:>6}ms  {l}", e.at_ms)))
        .collect()
}

/// Every entry as a stamped detail line (test failure messages, debugging).
pub fn detail_log(entries: &[TimelineEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| format!("{:>6}ms  {:<8} {}", e.at_ms, e.kind(), e.detail_line()))
        .collect()
}

/// The deploy of the active worker after each entry (`None` before any activates): what
/// answered requests in the full views. Folded from the worker events.
pub fn active_worker_after_each(entries: &[TimelineEntry]) -> Vec<Option<String>> {
    let mut active: Option<(String, Option<String>)> = None;
    entries
        .iter()
        .map(|e| {
            if let TimelineEvent::Worker {
                version_id,
                deploy,
                status,
                ..
            } = &e.event
            {
                match status.as_str() {
                    "activated" | "activating" => {
                        active = Some((version_id.clone(), deploy.clone()))
                    }
                    "redundant" if active.as_ref().is_some_and(|(v, _)| v == version_id) => {
                        active = None
                    }
                    _ => {}
                }
            }
            active.as_ref().and_then(|(_, d)| d.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at_ms: u64, event: TimelineEvent) -> TimelineEntry {
        TimelineEntry { at_ms, event }
    }

    fn worker(id: &str, deploy: &str, status: &str) -> TimelineEvent {
        TimelineEvent::Worker {
            version_id: id.into(),
            deploy: Some(deploy.into()),
            status: status.into(),
            running: true,
        }
    }

    #[test]
    fn step_log_skips_detail_and_repeated_cache_snapshots() {
        let caches = TimelineEvent::Caches {
            caches: vec![CacheSnapshot {
                name: "shell-v1".into(),
                entries: 3,
            }],
            usage_bytes: Some(1536),
        };
        let log = step_log(&[
            entry(
                0,
                TimelineEvent::Deploy {
                    deploy: "v1".into(),
                },
            ),
            entry(5, worker("0", "v1", "activated")),
            entry(9, caches.clone()),
            entry(12, caches),
        ]);
        assert_eq!(
            log,
            vec![
                "     0ms  deployed v1",
                "     9ms  caches: shell-v1 (3 entries); Cache Storage usage 1.5 KiB"
            ]
        );
    }

    #[test]
    fn the_active_worker_follows_activation_not_installation() {
        let entries = [
            entry(0, worker("0", "v1", "installing")),
            entry(1, worker("0", "v1", "activated")),
            entry(2, worker("1", "v2", "installed")),
            entry(3, worker("1", "v2", "activating")),
            entry(4, worker("0", "v1", "redundant")),
        ];
        let active = active_worker_after_each(&entries);
        assert_eq!(
            active,
            vec![
                None,
                Some("v1".into()),
                Some("v1".into()),
                Some("v2".into()),
                Some("v2".into())
            ]
        );
    }

    #[test]
    fn requests_read_as_who_answered() {
        let e = entry(
            7,
            TimelineEvent::Request {
                tab: 1,
                url: "/".into(),
                resource_type: "Document".into(),
                status: Some(200),
                source: Some(ResponseSource::ServiceWorkerCache),
                cache_name: Some("shell-v1".into()),
                failed: None,
                headers: Default::default(),
            },
        );
        assert_eq!(
            e.detail_line(),
            "Document / 200 from service worker (cache \"shell-v1\")"
        );
        assert_eq!(e.step_line(), None);
    }
}
