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

/// What a CDN does with a response that carries no lifetime of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CdnDefault {
    /// The CDN's name for messages (`CloudFront`).
    pub name: &'static str,
    /// Seconds it keeps such a response.
    pub ttl: u64,
    /// Only for static file types (Cloudflare caches `.js`, `.css`, images, not HTML).
    pub static_types_only: bool,
    /// The documentation the default comes from.
    pub source: &'static str,
}

/// The edge cache: off until a scenario turns it on.
#[derive(Debug, Default)]
pub struct EdgeCache {
    enabled: AtomicBool,
    clock: AtomicU64,
    entries: Mutex<HashMap<String, EdgeEntry>>,
    default: Mutex<Option<CdnDefault>>,
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

    /// Sets the CDN's default lifetime for responses without one (`host.cdn`).
    pub fn set_default(&self, default: Option<CdnDefault>) {
        *self.default.lock().unwrap_or_else(|p| p.into_inner()) = default;
    }

    /// The CDN whose defaults the edge follows, if one is set.
    pub fn cdn(&self) -> Option<CdnDefault> {
        *self.default.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Seconds the edge keeps a response for `path` with this `Cache-Control`: the header's
    /// shared lifetime, else the CDN's default when the header sets no lifetime and forbids
    /// nothing.
    pub fn ttl_for(&self, path: &str, cache_control: Option<&str>) -> Option<u64> {
        if let Some(ttl) = shared_ttl(cache_control) {
            return Some(ttl);
        }
        let default = self.cdn()?;
        let forbids = cache_control.is_some_and(|cc| {
            cc.split(',').any(|d| {
                let d = d.trim().to_ascii_lowercase();
                d == "no-store"
                    || d == "no-cache"
                    || d == "private"
                    || d.starts_with("max-age")
                    || d.starts_with("s-maxage")
            })
        });
        let cached_type = !default.static_types_only || is_static_type(path);
        (!forbids && cached_type).then_some(default.ttl)
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
        let Some(ttl) = self.ttl_for(path, cache_control) else {
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

/// Whether Cloudflare's default cache list has this path's extension (scripts, styles, images,
/// fonts, media, archives; not HTML, JSON or `.mjs`):
/// https://developers.cloudflare.com/cache/concepts/default-cache-behavior/
fn is_static_type(path: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        "js", "css", "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "svgz", "ico", "bmp",
        "tif", "tiff", "woff", "woff2", "ttf", "otf", "eot", "mp3", "mp4", "webm", "ogg", "flac",
        "avi", "mkv", "pdf", "zip", "gz", "tar", "7z", "rar", "wasm", "csv", "txt",
    ];
    let name = path.rsplit('/').next().unwrap_or("");
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
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
    fn a_cdn_default_applies_only_without_a_lifetime() {
        let edge = EdgeCache::default();
        assert_eq!(edge.ttl_for("/sw.js", None), None);
        edge.set_default(Some(CdnDefault {
            name: "Cloudflare",
            ttl: 7200,
            static_types_only: true,
            source: "",
        }));
        assert_eq!(edge.ttl_for("/sw.js", None), Some(7200));
        assert_eq!(edge.ttl_for("/", None), None);
        assert_eq!(edge.ttl_for("/sw.js", Some("no-cache")), None);
        assert_eq!(
            edge.ttl_for("/sw.js", Some("public, max-age=0, must-revalidate")),
            None
        );
        assert_eq!(edge.ttl_for("/sw.js", Some("max-age=60")), Some(60));
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
