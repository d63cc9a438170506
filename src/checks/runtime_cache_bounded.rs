//! `runtime-cache-bounded`: K distinct runtime requests later, every cache and the origin's
//! Cache Storage usage stay within the spec's limits.
//!
//! A runtime cache that keeps every response grows until Chromium evicts the whole origin,
//! offline shell included. The fixture server answers the spec's URL pattern with generated
//! responses of a given size; the page requests K distinct URLs through the worker; then every
//! cache's entries and the quota system's Cache Storage usage are read (CDP `CacheStorage`,
//! `Storage.getUsageAndQuota`).

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::scenario::{Scenario, ScenarioError, UrlPattern};
use crate::spec::{Spec, BuildFacts, Suggestion};
use crate::timeline::{human_bytes, TimelineEvent};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_first, DeployRef};

/// A `{i}` URL pattern, validated while the spec is read (so errors carry a position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternParam(pub UrlPattern);

/// As written in a spec, so the schema can show the default.
impl serde::Serialize for PatternParam {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl schemars::JsonSchema for PatternParam {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "UrlPattern".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "title": "URL pattern",
            "description": "A URL path with one `{i}`, e.g. `/img/{i}.png`.",
            "type": "string",
            "pattern": "^/[^{]*\\{i\\}",
        })
    }
}

impl<'de> Deserialize<'de> for PatternParam {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PatternVisitor;
        impl<'de> Visitor<'de> for PatternVisitor {
            type Value = PatternParam;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a URL path with one `{i}`, e.g. `/img/{i}.png`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PatternParam, E> {
                UrlPattern::parse(v).map(PatternParam).map_err(E::custom)
            }
        }
        d.deserialize_str(PatternVisitor)
    }
}

/// Parameters of `runtime-cache-bounded`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeCacheBounded {
    /// The runtime URLs, e.g. `/img/{i}.png` (the fixture server generates the responses).
    pub url: PatternParam,
    /// How many distinct URLs the page requests (K).
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub count: u32,
    /// Size of each generated response body, in bytes.
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub bytes: u64,
    /// Most entries any one cache may hold.
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub max_entries: u64,
    /// Most bytes the origin's Cache Storage may use, as Chromium's quota system counts them.
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub max_bytes: u64,
    /// The deploy to install (default: the first).
    #[schemars(with = "Option<String>")]
    pub deploy: DeployRef,
}

impl Default for RuntimeCacheBounded {
    fn default() -> Self {
        RuntimeCacheBounded {
            url: PatternParam(UrlPattern::parse("/img/{i}.png").expect("valid pattern")),
            count: 200,
            bytes: 10 * 1024,
            max_entries: 100,
            max_bytes: 5 * 1024 * 1024,
            deploy: DeployRef::default(),
        }
    }
}

impl RuntimeCacheBounded {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_first(&mut self.deploy, spec)
    }
}

/// One cache after the requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSize {
    /// The cache name.
    pub name: String,
    /// Entries.
    pub entries: u64,
    /// Sum of the entries' `Content-Length`s.
    pub body_bytes: u64,
}

/// Everything `runtime-cache-bounded` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The pattern requested.
    pub pattern: String,
    /// How many URLs were requested.
    pub requested: u32,
    /// How many of those requests failed (network error or non-2xx).
    pub failed: u32,
    /// Every cache afterwards.
    pub caches: Vec<CacheSize>,
    /// Cache Storage usage afterwards (bytes).
    pub usage: u64,
}

/// How long cache writes get to settle between two reads that must agree.
///
/// Workers usually write the cache inside `waitUntil` after answering, and CDP has no event
/// for "the worker's writes are done": the contents are read until two reads this far apart
/// agree, within the scenario's wait bound.
const SETTLE_POLL: Duration = Duration::from_millis(250);

/// How many cache snapshots the requests are split by (the growth picture's resolution).
const GROWTH_STEPS: usize = 10;

impl Check for RuntimeCacheBounded {
    const NAME: &'static str = "runtime-cache-bounded";
    const ABOUT: &'static str =
        "K distinct runtime requests later, every cache and the origin's Cache Storage usage stay within limits";
    const EXPECTED_SECONDS: u32 = 7;

    fn suggest(_: &BuildFacts) -> Suggestion {
        Suggestion::Template(&[
            "# Runtime caches must stay bounded, K distinct requests later:",
            "# - runtime-cache-bounded:",
            "#     url: /img/{i}.png             # a URL family the worker caches at runtime",
            "#     count: 200",
        ])
    }

    type Observation = Observation;

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let deploy = self.deploy.name().to_string();
        let pattern = &self.url.0;
        s.server()
            .hooks()
            .generate(pattern.clone(), self.bytes as usize);
        s.record(TimelineEvent::CacheLimits {
            max_entries: self.max_entries,
            max_bytes: self.max_bytes,
        });
        s.install(&deploy).await?;
        let urls: Vec<String> = (0..self.count).map(|i| pattern.path(i)).collect();
        // In batches, with a cache snapshot after each, so reports can draw how the caches
        // grow with the requests; the page fetches one URL at a time either way.
        let batch = urls.len().div_ceil(GROWTH_STEPS).max(1);
        let mut failed = 0;
        for chunk in urls.chunks(batch) {
            let expr = format!(
                "(async () => {{ let failed = 0; for (const url of {}) {{ try {{ const r = await fetch(url); await r.arrayBuffer(); if (!r.ok) failed++; }} catch (e) {{ failed++; }} }} return failed; }})()",
                serde_json::to_string(chunk).unwrap_or_default()
            );
            failed += s.page().evaluate(&expr).await?.as_u64().unwrap_or(0) as u32;
            s.caches().await?;
        }
        s.note(format!(
            "page requested {} URLs {pattern} ({failed} failed)",
            self.count
        ));
        let deadline = tokio::time::Instant::now() + s.wait();
        let mut last = read_sizes(s).await?;
        loop {
            tokio::time::sleep(SETTLE_POLL).await;
            let next = read_sizes(s).await?;
            if next == last || tokio::time::Instant::now() >= deadline {
                last = next;
                break;
            }
            last = next;
        }
        let (caches, usage) = last;
        // The settled state, in the timeline too.
        s.caches().await?;
        Ok(Observation {
            pattern: pattern.to_string(),
            requested: self.count,
            failed,
            caches,
            usage,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        if o.failed > 0 {
            return Judgement::CannotJudge(format!(
                "{} of {} requests for {} failed in the page, so the cache was not exercised",
                o.failed, o.requested, o.pattern
            ));
        }
        let over: Vec<&CacheSize> = o
            .caches
            .iter()
            .filter(|c| c.entries > self.max_entries)
            .collect();
        let usage_over = o.usage > self.max_bytes;
        let describe = |c: &CacheSize| {
            format!(
                "`{}` holds {} entries ({} of bodies)",
                c.name,
                c.entries,
                human_bytes(c.body_bytes)
            )
        };
        if over.is_empty() && !usage_over {
            let all = o.caches.iter().map(describe).collect::<Vec<_>>().join(", ");
            return Judgement::Pass(format!(
                "after {} requests for {} every cache stays within {} entries and Cache Storage within {}: {}; Cache Storage uses {}",
                o.requested,
                o.pattern,
                self.max_entries,
                human_bytes(self.max_bytes),
                if all.is_empty() { "no caches".into() } else { all },
                human_bytes(o.usage)
            ));
        }
        let mut evidence: Vec<String> = over
            .iter()
            .map(|c| format!("{} (limit {})", describe(c), self.max_entries))
            .collect();
        evidence.push(format!(
            "Cache Storage uses {} (limit {})",
            human_bytes(o.usage),
            human_bytes(self.max_bytes)
        ));
        Judgement::Fail(format!(
            "the runtime cache grows with every new URL, so the browser will eventually evict the whole origin, offline shell included: after {} requests for {}, {}",
            o.requested,
            o.pattern,
            evidence.join("; ")
        ))
    }
}

async fn read_sizes(s: &Scenario) -> Result<(Vec<CacheSize>, u64), ScenarioError> {
    let origin = s.origin();
    // Read until two reads agree: the worker's expiration may be deleting entries right now.
    let caches = s.cache_contents().await?;
    let usage = s.page().cache_storage_usage(&origin).await?;
    let sizes = caches
        .iter()
        .map(|c| CacheSize {
            name: c.name.clone(),
            entries: c.entries.len() as u64,
            body_bytes: c.body_bytes(),
        })
        .collect();
    Ok((sizes, usage))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(name: &str, entries: u64, body_bytes: u64) -> CacheSize {
        CacheSize {
            name: name.into(),
            entries,
            body_bytes,
        }
    }

    fn observation(caches: Vec<CacheSize>, usage: u64) -> Observation {
        Observation {
            pattern: "/img/{i}.png".into(),
            requested: 200,
            failed: 0,
            caches,
            usage,
        }
    }

    #[test]
    fn fails_naming_the_cache_its_count_and_bytes() {
        let o = observation(
            vec![cache("images", 200, 200 * 10240), cache("shell-v1", 2, 600)],
            2_300_000,
        );
        assert_eq!(
            RuntimeCacheBounded::default().judge(&o),
            Judgement::Fail(
                "the runtime cache grows with every new URL, so the browser will eventually evict the whole origin, offline shell included: after 200 requests for /img/{i}.png, `images` holds 200 entries (2.0 MiB of bodies) (limit 100); Cache Storage uses 2.2 MiB (limit 5.0 MiB)".into()
            )
        );
    }

    #[test]
    fn fails_on_usage_alone() {
        let c = RuntimeCacheBounded {
            max_bytes: 1_000_000,
            ..Default::default()
        };
        let Judgement::Fail(m) =
            c.judge(&observation(vec![cache("images", 50, 512_000)], 1_200_000))
        else {
            panic!("expected a failure")
        };
        assert!(
            m.ends_with("Cache Storage uses 1.1 MiB (limit 976.6 KiB)"),
            "{m}"
        );
    }

    #[test]
    fn passes_within_limits() {
        let o = observation(vec![cache("images", 50, 512_000)], 600_000);
        assert_eq!(
            RuntimeCacheBounded::default().judge(&o),
            Judgement::Pass(
                "after 200 requests for /img/{i}.png every cache stays within 100 entries and Cache Storage within 5.0 MiB: `images` holds 50 entries (500.0 KiB of bodies); Cache Storage uses 585.9 KiB".into()
            )
        );
    }

    #[test]
    fn failed_requests_cannot_be_judged() {
        let mut o = observation(vec![], 0);
        o.failed = 3;
        assert!(matches!(
            RuntimeCacheBounded::default().judge(&o),
            Judgement::CannotJudge(_)
        ));
    }
}
