//! `sw-script-fresh`: the worker script and the scripts it imports must not be cacheable for
//! long where that delays updates. Reports the `Cache-Control` each one was served with, and
//! measures whether the next navigation after N+1's deploy finds the new worker.
//!
//! Measured in Chromium (see `docs/chromium.md`): with the default `updateViaCache:
//! 'imports'` the browser revalidates the main script whatever its `max-age`, but imported
//! scripts go through its HTTP cache; a CDN honours the headers for both. By default the check
//! puts the fixture server's edge cache in front (`edge: true`), so it sees what users behind a
//! CDN see; `edge: false` judges the browser alone.

use serde::Deserialize;

use crate::scenario::{
    imported_scripts, shared_ttl, Scenario, ScenarioError, VersionStatus, WAITING_GRACE,
};
use crate::spec::{strip_query, Spec, BuildFacts, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Parameters of `sw-script-fresh`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct SwScriptFresh {
    /// Put a CDN-like edge cache in front of the server (default true).
    pub edge: bool,
    /// Seconds between N+1's deploy and the user's next visit, on the edge's clock (default 60).
    pub after_seconds: u64,
    /// The deploy the user installed (default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy that follows (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
}

impl Default for SwScriptFresh {
    fn default() -> Self {
        SwScriptFresh {
            edge: true,
            after_seconds: 60,
            from: DeployRef::default(),
            to: DeployRef::default(),
        }
    }
}

impl SwScriptFresh {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// How one worker script reached the browser at the update check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptServed {
    /// URL path.
    pub path: String,
    /// `Cache-Control` it was served with.
    pub cache_control: Option<String>,
    /// Who answered: `origin`, `edge`, or `browser cache` (no request reached the server).
    pub answered_by: &'static str,
    /// The deploy whose bytes were served (None when the request never reached the server).
    pub deploy: Option<String>,
    /// Whether the served bytes differ from what the installed worker runs.
    pub new_bytes: bool,
    /// Whether what the browser got differs from N+1's file (an outdated copy).
    pub stale: bool,
    /// Seconds the edge keeps it: its shared lifetime, or the CDN's default without one.
    pub edge_ttl: Option<u64>,
}

/// Everything `sw-script-fresh` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// Whether N+1 changes the worker script or an imported script at all.
    pub to_differs: bool,
    /// The scripts of the update check, main script first.
    pub scripts: Vec<ScriptServed>,
    /// Whether a new worker version installed after the navigation.
    pub update_seen: bool,
    /// The CDN whose defaults the edge followed (`host.cdn`), with its default TTL.
    pub cdn: Option<(String, u64)>,
    /// Where the host takes headers (the preset's advice).
    pub headers_advice: &'static str,
}

impl Check for SwScriptFresh {
    const NAME: &'static str = "sw-script-fresh";
    const ABOUT: &'static str =
        "the worker script and its imports reach the next navigation after a deploy, also behind a CDN";
    const EXPECTED_SECONDS: u32 = 5;

    fn suggest(build: &BuildFacts) -> Suggestion {
        // An unchanged worker script (Angular's) has no update of its own to judge.
        if build.next.is_empty() || !build.worker_changes {
            return Suggestion::Skip;
        }
        Suggestion::bare(format!(
            "`{}` and its imports must reach the next visit after a deploy, also behind a CDN.",
            build.service_worker
        ))
    }

    type Observation = Observation;

    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        Some((&mut self.from, &mut self.to))
    }

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        if self.edge {
            s.server().edge().enable();
            s.note("edge cache in front of the server");
        }
        s.install(&from).await?;
        let deploys = s.server().deploys().clone();
        let bytes = |deploy: &str, path: &str| {
            deploys
                .get(deploy)
                .ok()
                .and_then(|d| d.lookup(path).map(|f| f.bytes.clone()))
        };
        let sw_path = s.spec().service_worker.clone();
        let main_source = bytes(&from, &sw_path).unwrap_or_default();
        let imports = imported_scripts(&String::from_utf8_lossy(&main_source));
        let all: Vec<String> = std::iter::once(sw_path.clone()).chain(imports).collect();
        let to_differs = all.iter().any(|p| bytes(&from, p) != bytes(&to, p));
        let versions_before = s.sw_state().versions.len();

        s.deploy(&to)?;
        s.server().edge().advance(self.after_seconds);
        let since = s.server().log().len();
        s.open_start().await?;
        let mut scripts = Vec::new();
        for (i, path) in all.iter().enumerate() {
            // The main script is always fetched; Chromium compares imported scripts only when
            // the main one is unchanged, and may answer them from its own HTTP cache.
            let main_changed = scripts.first().is_some_and(|m: &ScriptServed| m.new_bytes);
            if i > 0 && main_changed {
                break;
            }
            let bound = if i == 0 { s.wait() } else { WAITING_GRACE };
            let what = format!("Chromium's update check to request {path}");
            let record = s
                .server()
                .log()
                .wait_for(since, &what, bound, |r| {
                    // Measured: the update check's fetch of an imported script carries no
                    // `Service-Worker: script` header (the main script's does).
                    (i > 0 || r.service_worker_script) && strip_query(&r.path) == path
                })
                .await;
            let served = match record {
                Ok(r) => ScriptServed {
                    path: path.clone(),
                    edge_ttl: s.server().edge().ttl_for(path, r.cache_control.as_deref()),
                    cache_control: r.cache_control.clone(),
                    answered_by: if r.edge_hit { "edge" } else { "origin" },
                    new_bytes: bytes(&r.deploy, path) != bytes(&from, path),
                    stale: bytes(&r.deploy, path) != bytes(&to, path),
                    deploy: Some(r.deploy),
                },
                Err(e) if i == 0 => return Err(e.into()),
                Err(_) => {
                    let cache_control = s
                        .server()
                        .log()
                        .last_matching(|r| strip_query(&r.path) == path)
                        .and_then(|r| r.cache_control);
                    ScriptServed {
                    path: path.clone(),
                    edge_ttl: s.server().edge().ttl_for(path, cache_control.as_deref()),
                    cache_control,
                    answered_by: "browser cache",
                    deploy: None,
                    new_bytes: false,
                    stale: bytes(&from, path) != bytes(&to, path),
                }},
            };
            s.note(format!(
                "update check: {path} from the {} ({})",
                served.answered_by,
                served.deploy.as_deref().unwrap_or("not requested")
            ));
            scripts.push(served);
        }
        let changed = scripts.iter().any(|x| x.new_bytes);
        let update_seen = changed
            && s.page()
                .wait_for_sw("the new worker to install", s.wait(), |st| {
                    st.versions
                        .values()
                        .any(|v| v.seq >= versions_before && v.status >= VersionStatus::Installed)
                })
                .await
                .is_ok();
        let cdn = s
            .server()
            .edge()
            .cdn()
            .map(|c| (c.name.to_string(), c.ttl));
        Ok(Observation {
            from,
            to,
            to_differs,
            scripts,
            update_seen,
            cdn,
            headers_advice: crate::scenario::preset_facts(s.spec().host.preset).headers_advice,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        if !o.to_differs {
            return Judgement::CannotJudge(format!(
                "{} and {} have identical worker scripts, so there is no worker update to see; an app that updates through a manifest of its own (Angular's ngsw.json) depends on that file being served fresh instead: give it `Cache-Control: no-cache` under `headers:` and leave this check out",
                o.from, o.to
            ));
        }
        let describe = |x: &ScriptServed| {
            let cc = x.cache_control.as_deref().unwrap_or("no Cache-Control");
            let edge_ttl = x.edge_ttl.filter(|_| x.answered_by != "browser cache");
            let lifetime = match (edge_ttl, shared_ttl(x.cache_control.as_deref())) {
                (Some(ttl), Some(_)) => format!(", cacheable for {}", human_duration(ttl)),
                (Some(ttl), None) => format!(
                    ", which {} keeps for its default {}",
                    o.cdn.as_ref().map_or("the CDN", |c| c.0.as_str()),
                    human_duration(ttl)
                ),
                (None, Some(ttl)) => format!(", cacheable for {}", human_duration(ttl)),
                (None, None) => String::new(),
            };
            let what = match (&x.deploy, x.answered_by) {
                (_, "browser cache") => format!("{}'s copy from the browser's HTTP cache", o.from),
                (Some(d), by) => format!("{d}'s bytes from the {by}"),
                (None, by) => format!("from the {by}"),
            };
            format!("{} got {what} ({cc}{lifetime})", x.path)
        };
        let evidence = o
            .scripts
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join("; ");
        let place = match (&o.cdn, self.edge) {
            (Some((name, _)), true) => format!("behind {name}"),
            (None, true) => "behind a CDN".to_string(),
            (_, false) => "in the browser".to_string(),
        };
        if o.update_seen {
            Judgement::Pass(format!(
                "the next navigation {}s after {} was deployed found the new worker ({place}): {evidence}",
                self.after_seconds, o.to
            ))
        } else {
            let stale: Vec<&str> = o
                .scripts
                .iter()
                .filter(|x| x.stale)
                .map(|x| x.path.as_str())
                .collect();
            Judgement::Fail(format!(
                "users {place} keep {}'s worker after {} is deployed: the next navigation's update check got stale {} and saw nothing new; {evidence}; serve worker scripts with `Cache-Control: no-cache` ({})",
                o.from,
                o.to,
                stale.join(", "),
                o.headers_advice
            ))
        }
    }
}

fn human_duration(seconds: u64) -> String {
    match seconds {
        s if s % 86400 == 0 => format!("{}d", s / 86400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}min", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_scripts_are_read_from_string_literals() {
        let src = "importScripts('/sw-lib.js', \"/vendor/x.js\");\nimportScripts(`/y.js`); // importScripts(foo)";
        assert_eq!(
            imported_scripts(src),
            vec!["/sw-lib.js", "/vendor/x.js", "/y.js"]
        );
    }

    fn served(
        path: &str,
        by: &'static str,
        deploy: &str,
        new_bytes: bool,
        cc: &str,
    ) -> ScriptServed {
        ScriptServed {
            path: path.into(),
            cache_control: Some(cc.into()),
            answered_by: by,
            deploy: Some(deploy.into()),
            new_bytes,
            stale: !new_bytes,
            edge_ttl: shared_ttl(Some(cc)),
        }
    }

    #[test]
    fn fails_naming_the_stale_scripts_and_their_lifetime() {
        let o = Observation {
            from: "v1".into(),
            to: "v2".into(),
            to_differs: true,
            scripts: vec![
                served("/sw.js", "edge", "v1", false, "max-age=86400"),
                served("/sw-lib.js", "edge", "v1", false, "max-age=86400"),
            ],
            update_seen: false,
            cdn: None,
            headers_advice: "in the server's config, or the spec's `headers:`",
        };
        assert_eq!(
            SwScriptFresh::default().judge(&o),
            Judgement::Fail("users behind a CDN keep v1's worker after v2 is deployed: the next navigation's update check got stale /sw.js, /sw-lib.js and saw nothing new; /sw.js got v1's bytes from the edge (max-age=86400, cacheable for 1d); /sw-lib.js got v1's bytes from the edge (max-age=86400, cacheable for 1d); serve worker scripts with `Cache-Control: no-cache` (in the server's config, or the spec's `headers:`)".into())
        );
    }
}
