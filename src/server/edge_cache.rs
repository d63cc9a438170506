//! An optional CDN in front of the fixture server: it keeps answering a path with the deploy
//! it cached until the response's `s-maxage` (else `max-age`) runs out, on a clock the
//! scenario moves. Browsers revalidate worker scripts whatever their headers say; CDNs do not,
//! so this is what users behind one see after a deploy.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// What the edge holds for one path.
#[derive(Debug, Clone)]
struct EdgeEntry {
    deploy: String,
    stored_at: u64,
    ttl: u64,
}

/// The edge cache: off until a scenario turns it on.
#[derive(Debug, Default)]
pub struct EdgeCache {
    enabled: AtomicBool,
    clock: AtomicU64,
    entries: Mutex<HashMap<String, EdgeEntry>>,
}

impl EdgeCache {
    /// Turns the edge on (it starts empty).
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::SeqCst);
    }

    /// Whether the edge is in front of the server.
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }

    /// Moves the edge's clock forward.
    pub fn advance(&self, seconds: u64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    /// The deploy the edge still holds fresh for `path`, if any.
    pub(crate) fn fresh(&self, path: &str) -> Option<String> {
        if !self.is_enabled() {
            return None;
        }
        let now = self.clock.load(Ordering::SeqCst);
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(path)
            .filter(|e| now < e.stored_at + e.ttl)
            .map(|e| e.deploy.clone())
    }

    /// Stores what the origin answered for `path`, if its `Cache-Control` lets a shared cache
    /// keep it.
    pub(crate) fn store(&self, path: &str, deploy: &str, cache_control: Option<&str>) {
        if !self.is_enabled() {
            return;
        }
        let Some(ttl) = shared_ttl(cache_control) else {
            return;
        };
        let stored_at = self.clock.load(Ordering::SeqCst);
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                path.to_string(),
                EdgeEntry {
                    deploy: deploy.to_string(),
                    stored_at,
                    ttl,
                },
            );
    }
}

/// Seconds a shared cache may keep a response: `s-maxage`, else `max-age`; `None` for
/// `no-store`, `no-cache`, `private`, a zero lifetime, or no lifetime at all (a CDN configured
/// to cache only what the origin allows).
pub fn shared_ttl(cache_control: Option<&str>) -> Option<u64> {
    let mut max_age = None;
    let mut s_maxage = None;
    for directive in cache_control?.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        let (name, value) = directive
            .split_once('=')
            .map_or((directive.as_str(), None), |(n, v)| {
                (n.trim(), Some(v.trim()))
            });
        match (name, value) {
            ("no-store" | "no-cache" | "private", _) => return None,
            ("max-age", Some(v)) => max_age = v.trim_matches('"').parse::<u64>().ok(),
            ("s-maxage", Some(v)) => s_maxage = v.trim_matches('"').parse::<u64>().ok(),
            _ => {}
        }
    }
    s_maxage.or(max_age).filter(|ttl| *ttl > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_follow_shared_cache_rules() {
        assert_eq!(shared_ttl(Some("max-age=86400")), Some(86400));
        assert_eq!(
            shared_ttl(Some("public, max-age=60, s-maxage=600")),
            Some(600)
        );
        assert_eq!(shared_ttl(Some("no-cache")), None);
        assert_eq!(shared_ttl(Some("max-age=0")), None);
        assert_eq!(shared_ttl(Some("private, max-age=600")), None);
        assert_eq!(shared_ttl(None), None);
    }

    #[test]
    fn entries_expire_on_the_scenario_clock() {
        let edge = EdgeCache::default();
        edge.enable();
        edge.store("/sw.js", "v1", Some("max-age=100"));
        assert_eq!(edge.fresh("/sw.js").as_deref(), Some("v1"));
        edge.advance(99);
        assert_eq!(edge.fresh("/sw.js").as_deref(), Some("v1"));
        edge.advance(1);
        assert_eq!(edge.fresh("/sw.js"), None);
    }
}
