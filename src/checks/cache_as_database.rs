//! `cache-as-database` (a smell): Cache Storage keys that no URL of the app answers.
//!
//! Cache Storage is a cache of HTTP responses; data stored in it under made-up URLs (settings,
//! drafts, queues as JSON blobs) lives and dies with caches: the next deploy's cleanup or the
//! browser's eviction deletes it without a word. IndexedDB is the store for data. A key is
//! synthetic when no deploy has a file at its path and no fixture-server endpoint answers it.

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::scenario::{CachedEntry, Scenario, ScenarioError};
use crate::spec::{strip_query, Spec, BuildFacts, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_first, DeployRef};

/// How a finding is reported.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Synthetic keys fail the check.
    #[default]
    Fail,
    /// Synthetic keys are reported in a passing verdict's message, prefixed `warning:`.
    Warn,
}

/// Parameters of `cache-as-database`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CacheAsDatabase {
    /// The deploy to install and inspect (default: the first).
    #[schemars(with = "Option<String>")]
    pub deploy: DeployRef,
    /// `fail` (default) or `warn`.
    pub severity: Severity,
    /// URL-path globs of keys that are synthetic on purpose, e.g. `/offline-fallback`.
    pub ignore: Vec<String>,
}

impl CacheAsDatabase {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        self.ignore_set()?;
        resolve_first(&mut self.deploy, spec)
    }

    fn ignore_set(&self) -> Result<GlobSet, String> {
        let mut b = GlobSetBuilder::new();
        for g in &self.ignore {
            b.add(Glob::new(g).map_err(|e| format!("invalid `ignore` glob `{g}`: {e}"))?);
        }
        b.build().map_err(|e| e.to_string())
    }
}

/// A key no URL of the app answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticKey {
    /// The cache holding it.
    pub cache: String,
    /// The URL path of the key (with its query).
    pub path: String,
    /// The entry.
    pub entry: CachedEntry,
}

/// Everything `cache-as-database` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Caches and their entry counts.
    pub caches: Vec<(String, usize)>,
    /// Same-origin keys checked.
    pub checked: usize,
    /// Keys of other origins (not judged: their server is not ours).
    pub cross_origin: usize,
    /// Same-origin keys nothing answers.
    pub synthetic: Vec<SyntheticKey>,
    /// Caches a framework keeps its own state in (not judged), with entry counts and whose.
    pub framework: Vec<(String, usize, &'static str)>,
}

/// Whose own state a cache holds, when it is a framework's bookkeeping rather than the app's:
/// @angular/service-worker keeps its version table in `ngsw:<scope>:db:*` caches (`/latest`,
/// `/assignments`, `/manifests` in `ngsw:/:db:control`), which an app author cannot move.
fn framework_state(cache: &str) -> Option<&'static str> {
    (cache.starts_with("ngsw:") && cache.contains(":db:")).then_some("@angular/service-worker")
}

impl Check for CacheAsDatabase {
    const NAME: &'static str = "cache-as-database";
    const ABOUT: &'static str =
        "no Cache Storage key is data under a URL that no deploy file or server endpoint answers";
    const EXPECTED_SECONDS: u32 = 1;

    fn suggest(build: &BuildFacts) -> Suggestion {
        // Also the one check written when nothing else applies, so the spec runs as written.
        let nothing_else =
            build.next.is_empty() && build.kill_switch.is_none() && !build.fetch_handler;
        if !build.uses_caches && !nothing_else {
            return Suggestion::Skip;
        }
        Suggestion::bare("Every Cache Storage key must be a URL the app really serves, not data stored under a made-up URL.")
    }

    type Observation = Observation;

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let deploy = self.deploy.name().to_string();
        s.install(&deploy).await?;
        s.reload().await?;
        let caches = s.cache_contents().await?;
        let origin = s.origin();
        let ignore = self.ignore_set().unwrap_or_else(|_| GlobSet::empty());
        let deploys = s.server().deploys().clone();
        let hooks = s.server().hooks().clone();
        let mut o = Observation {
            caches: caches
                .iter()
                .map(|c| (c.name.clone(), c.entries.len()))
                .collect(),
            checked: 0,
            cross_origin: 0,
            synthetic: Vec::new(),
            framework: Vec::new(),
        };
        for cache in &caches {
            if let Some(whose) = framework_state(&cache.name) {
                o.framework
                    .push((cache.name.clone(), cache.entries.len(), whose));
                continue;
            }
            for entry in &cache.entries {
                let Some(path) = entry.url.strip_prefix(&origin) else {
                    o.cross_origin += 1;
                    continue;
                };
                let path = if path.is_empty() { "/" } else { path };
                let bare = strip_query(path);
                o.checked += 1;
                let answered = deploys.deploys.iter().any(|d| d.lookup(bare).is_some())
                    || hooks.answers(bare)
                    || ignore.is_match(bare);
                if !answered {
                    o.synthetic.push(SyntheticKey {
                        cache: cache.name.clone(),
                        path: path.to_string(),
                        entry: entry.clone(),
                    });
                }
            }
        }
        Ok(o)
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let caches = if o.caches.is_empty() {
            "none".to_string()
        } else {
            o.caches
                .iter()
                .map(|(n, c)| format!("`{n}` ({c})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let framework = if o.framework.is_empty() {
            String::new()
        } else {
            format!(
                "; not judged, a framework's own state: {}",
                o.framework
                    .iter()
                    .map(|(n, c, whose)| format!("`{n}` ({c}, {whose})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        if o.synthetic.is_empty() {
            return Judgement::Pass(format!(
                "all {} same-origin Cache Storage entr{} are URLs the app serves (caches: {caches}){framework}",
                o.checked,
                if o.checked == 1 { "y" } else { "ies" }
            ));
        }
        let n = o.synthetic.len();
        let keys = o
            .synthetic
            .iter()
            .map(|k| {
                let mut detail = vec![k.entry.status.to_string()];
                detail.extend(k.entry.content_type.clone());
                detail.extend(k.entry.content_length.map(|b| format!("{b} bytes")));
                format!("`{}` in `{}` ({})", k.path, k.cache, detail.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!(
            "{n} Cache Storage entr{} {} data under a made-up URL, not a cached response, so the user loses it when a deploy prunes caches or the browser evicts them (keep data in IndexedDB): {keys}; no deploy file or server endpoint answers {}",
            if n == 1 { "y" } else { "ies" },
            if n == 1 { "is" } else { "are" },
            if n == 1 { "it" } else { "them" },
        );
        match self.severity {
            Severity::Fail => Judgement::Fail(message),
            Severity::Warn => Judgement::Pass(format!("warning: {message}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation(synthetic: Vec<SyntheticKey>) -> Observation {
        Observation {
            caches: vec![("app-data".into(), 1), ("shell-v1".into(), 2)],
            checked: 3,
            cross_origin: 0,
            synthetic,
            framework: Vec::new(),
        }
    }

    fn settings() -> SyntheticKey {
        SyntheticKey {
            cache: "app-data".into(),
            path: "/__db/settings".into(),
            entry: CachedEntry {
                url: "http://127.0.0.1:1/__db/settings".into(),
                status: 200,
                content_type: Some("application/json".into()),
                content_length: None,
                opaque: false,
            },
        }
    }

    #[test]
    fn fails_naming_the_synthetic_key() {
        assert_eq!(
            CacheAsDatabase::default().judge(&observation(vec![settings()])),
            Judgement::Fail(
                "1 Cache Storage entry is data under a made-up URL, not a cached response, so the user loses it when a deploy prunes caches or the browser evicts them (keep data in IndexedDB): `/__db/settings` in `app-data` (200, application/json); no deploy file or server endpoint answers it".into()
            )
        );
    }

    #[test]
    fn warn_severity_passes_with_a_warning() {
        let c = CacheAsDatabase {
            severity: Severity::Warn,
            ..Default::default()
        };
        let Judgement::Pass(m) = c.judge(&observation(vec![settings()])) else {
            panic!("expected a pass")
        };
        assert!(m.starts_with("warning: 1 Cache Storage entry"), "{m}");
    }

    #[test]
    fn passes_when_every_key_is_served() {
        assert_eq!(
            CacheAsDatabase::default().judge(&observation(vec![])),
            Judgement::Pass(
                "all 3 same-origin Cache Storage entries are URLs the app serves (caches: `app-data` (1), `shell-v1` (2))".into()
            )
        );
    }
}
