//! Whose bytes a cache holds: every entry of the origin's caches compared with the deploys'
//! files at the same URL path.
//!
//! Cache *names* say little across deploys: Workbox keeps one precache name
//! (`workbox-precache-v2-<origin>/`) for every version and replaces entries inside it. What a
//! user carries from N to N+1 is bytes: an entry is N's when its body is N's file at that path.

use crate::browser::CachedBody;
use crate::spec::strip_query;

use super::error::ScenarioError;
use super::kit::Scenario;

/// One cache entry and which deploys' files it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntryOrigin {
    /// The cache, its origin written `<origin>`.
    pub cache: String,
    /// The cache key as stored (a precache revision query included).
    pub url: String,
    /// The URL path the key maps to (same origin, query dropped), or `None` for another
    /// origin.
    pub path: Option<String>,
    /// Deploys whose file at `path` has exactly the stored bytes, in spec order.
    pub bytes_of: Vec<String>,
    /// Deploys that have a file at `path` at all, in spec order.
    pub present_in: Vec<String>,
}

impl CacheEntryOrigin {
    /// Whether this entry holds `old`'s bytes for a file `new` changed or dropped: what a
    /// cleanup on `new`'s activation should have removed.
    pub fn stale(&self, old: &str, new: &str) -> bool {
        self.bytes_of.iter().any(|d| d == old) && !self.bytes_of.iter().any(|d| d == new)
    }

    /// `new` has a file at this path (the entry's bytes are then another deploy's version).
    pub fn changed_in(&self, new: &str) -> bool {
        self.present_in.iter().any(|d| d == new)
    }
}

impl Scenario {
    /// Every entry of the origin's caches with the deploys whose file it holds, read until two
    /// reads agree (the worker may still be writing).
    pub async fn cache_entry_origins(&self) -> Result<Vec<CacheEntryOrigin>, ScenarioError> {
        let origin = self.origin();
        let bodies = self
            .settled("the origin's cache entries", || async {
                Ok(self.page().cache_bodies(&origin).await?)
            })
            .await?;
        let entries: Vec<CacheEntryOrigin> =
            bodies.iter().map(|b| self.origin_of_entry(b)).collect();
        self.note(format!(
            "cache entries: {}",
            if entries.is_empty() {
                "none".to_string()
            } else {
                entries
                    .iter()
                    .map(|e| {
                        format!(
                            "{} in `{}` ({})",
                            e.path.as_deref().unwrap_or(&e.url),
                            e.cache,
                            if e.bytes_of.is_empty() {
                                "no deploy's bytes".to_string()
                            } else {
                                format!("bytes of {}", e.bytes_of.join(", "))
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        ));
        Ok(entries)
    }

    fn origin_of_entry(&self, b: &CachedBody) -> CacheEntryOrigin {
        let origin = self.origin();
        let path = b
            .url
            .strip_prefix(origin.trim_end_matches('/'))
            .filter(|rest| rest.starts_with('/'))
            .map(|rest| strip_query(rest).to_string());
        let mut bytes_of = Vec::new();
        let mut present_in = Vec::new();
        if let Some(path) = &path {
            for deploy in &self.spec().deploys {
                let Ok(files) = self.server().deploys().get(&deploy.name) else {
                    continue;
                };
                if let Some(file) = files.lookup(path) {
                    present_in.push(deploy.name.clone());
                    if file.bytes.as_ref() == b.body.as_slice() {
                        bytes_of.push(deploy.name.clone());
                    }
                }
            }
        }
        CacheEntryOrigin {
            cache: b.cache.clone(),
            url: b.url.clone(),
            path,
            bytes_of,
            present_in,
        }
    }
}
