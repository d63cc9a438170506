//! `caches-pruned`: once N+1 is in charge, no cache still holds N's bytes for a file N+1
//! changed or dropped.
//!
//! Judged by entries, not cache names: Workbox keeps one precache name for every version
//! (`workbox-precache-v2-<origin>/`) and replaces the entries inside it, so a reused name is
//! fine and an old name is not proof of a leak. Each entry's body is compared with the deploys'
//! files at its URL path (a precache revision query dropped); an entry holding N's bytes where
//! N+1's file differs or is gone is stale. `keep` exempts caches meant to outlive deploys.
//!
//! The subject is cleanup, not the update path, so the update is forced (CDP
//! `updateRegistration`, and `skipWaiting` if the new worker waits): `activated` is reported
//! only after the `activate` handler's `waitUntil` promise settled, so cleanup done properly is
//! finished when the caches are read. When N+1's worker scripts are byte-identical to N's no
//! new worker can come (Angular updates through `ngsw.json`): the check then follows the app's
//! own update path, reloading as a returning user until the page shows N+1.

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::scenario::{CacheEntryOrigin, CacheInfo, ReloadRun, Scenario, ScenarioError};
use crate::spec::{Spec, BuildFacts, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Parameters of `caches-pruned`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct CachesPruned {
    /// The deploy whose caches must go (default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy whose activation must remove them (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
    /// Cache names (globs) meant to outlive deploys, e.g. `images-*`; an origin inside a name
    /// is written `<origin>` (`workbox-precache-v2-<origin>/`).
    pub keep: Vec<String>,
}

impl CachesPruned {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        self.keep_set()?;
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }

    fn keep_set(&self) -> Result<GlobSet, String> {
        let mut b = GlobSetBuilder::new();
        for k in &self.keep {
            b.add(Glob::new(k).map_err(|e| format!("invalid `keep` glob `{k}`: {e}"))?);
        }
        b.build().map_err(|e| e.to_string())
    }
}

/// Everything `caches-pruned` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// Caches once N's worker controlled the page.
    pub before: Vec<CacheInfo>,
    /// Caches once N+1's worker activated (or the app updated itself).
    pub after: Vec<CacheInfo>,
    /// Every entry then, with the deploys whose bytes it holds.
    pub entries: Vec<CacheEntryOrigin>,
    /// When N+1's worker scripts are identical to N's: the reloads made to let the app update
    /// itself.
    pub app_update: Option<ReloadRun>,
}

impl Check for CachesPruned {
    const NAME: &'static str = "caches-pruned";
    const ABOUT: &'static str =
        "once N+1 is in charge, no cache holds N's bytes for a file N+1 changed or dropped";
    const EXPECTED_SECONDS: u32 = 3;

    fn suggest(build: &BuildFacts) -> Suggestion {
        let (installed, Some(next)) = (&build.installed, build.next.first()) else {
            return Suggestion::Skip;
        };
        Suggestion::bare(if build.uses_caches {
            format!("The worker uses Cache Storage: {installed}'s caches must be gone once {next}'s worker activates.")
        } else {
            format!("Whatever {installed}'s worker caches must be gone once {next}'s worker activates.")
        })
    }

    type Observation = Observation;

    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        Some((&mut self.from, &mut self.to))
    }

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        s.install(&from).await?;
        let before = s.caches().await?;
        s.deploy(&to)?;
        let app_update = if s.worker_unchanged(&from, &to) {
            s.note(format!(
                "{to}'s worker scripts are byte-identical to {from}'s: no new worker can install, so the app's own update path is followed"
            ));
            Some(s.reload_until(&to, APP_UPDATE_RELOADS).await?)
        } else {
            s.force_activate(&to).await?;
            None
        };
        let app_updated = app_update.as_ref().is_some_and(|run| run.reached(&to).is_some());
        let entries = if app_updated && s.app_manifest().is_some() {
            let keep = self.keep_set().unwrap_or_else(|_| GlobSet::empty());
            s.await_app_cleanup(|entries| {
                !entries
                    .iter()
                    .any(|e| !keep.is_match(&e.cache) && e.stale(&from, &to))
            })
            .await?
        } else {
            s.cache_entry_origins().await?
        };
        let after = s.caches().await?;
        Ok(Observation {
            from,
            to,
            before,
            after,
            entries,
            app_update,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let keep = self.keep_set().unwrap_or_else(|_| GlobSet::empty());
        if let Some(run) = &o.app_update {
            if run.reached(&o.to).is_none() {
                let shown = run
                    .attempts
                    .last()
                    .map_or("nothing".to_string(), |a| a.description.clone());
                return Judgement::CannotJudge(format!(
                    "{}'s worker scripts are identical to {}'s, so only the app's own update path can bring {} in, and after {} reload{} the page still shows {shown}; pruning cannot be judged before the app updates (update-recovers says why)",
                    o.to,
                    o.from,
                    o.to,
                    run.attempts.len(),
                    if run.attempts.len() == 1 { "" } else { "s" },
                ));
            }
        }
        let in_charge = match &o.app_update {
            Some(_) => format!("the app updated itself to {}", o.to),
            None => format!("{}'s worker activated", o.to),
        };
        let stale: Vec<&CacheEntryOrigin> = o
            .entries
            .iter()
            .filter(|e| !keep.is_match(&e.cache) && e.stale(&o.from, &o.to))
            .collect();
        if !stale.is_empty() {
            const SHOWN: usize = 8;
            let mut listed: Vec<String> = stale
                .iter()
                .take(SHOWN)
                .map(|e| {
                    format!(
                        "{} in `{}` ({}'s bytes; {} {})",
                        e.path.as_deref().unwrap_or(&e.url),
                        e.cache,
                        o.from,
                        o.to,
                        if e.changed_in(&o.to) { "changed it" } else { "dropped it" }
                    )
                })
                .collect();
            if stale.len() > SHOWN {
                listed.push(format!("and {} more", stale.len() - SHOWN));
            }
            return Judgement::Fail(format!(
                "old entries pile up on users' disks: after {in_charge}, {} cache entr{} still hold{} {}'s bytes for files {} changed or dropped: {}{}",
                stale.len(),
                if stale.len() == 1 { "y" } else { "ies" },
                if stale.len() == 1 { "s" } else { "" },
                o.from,
                o.to,
                listed.join(", "),
                generator_hint(&stale, &o.after)
            ));
        }
        let list = |caches: &[&CacheInfo]| {
            caches
                .iter()
                .map(|c| format!("`{}` ({} entries)", c.name, c.entries))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Pruning is about bytes on users' disks: an empty cache holds none, and whether one
        // exists when the caches are listed is a race with the app (Angular's worker deletes
        // an old version's caches and a still-loaded copy of that version opens them again,
        // empty: listed in 17 of 18 loaded runs, absent in 1). Empty caches are left out of
        // the list, and a cache emptied since N counts as gone.
        let live: Vec<&CacheInfo> = o.after.iter().filter(|c| c.entries > 0).collect();
        let now = if live.is_empty() {
            "none".to_string()
        } else {
            list(&live)
        };
        if o.before.is_empty() {
            return Judgement::Pass(format!(
                "{}'s worker created no caches, so none can go stale; caches after {in_charge}: {now}",
                o.from
            ));
        }
        let gone: Vec<&CacheInfo> = o
            .before
            .iter()
            .filter(|b| b.entries > 0 && !live.iter().any(|a| a.name == b.name))
            .collect();
        if gone.is_empty() {
            return Judgement::Pass(format!(
                "no cache holds {}'s bytes for a file {} changed or dropped once {in_charge}; the cache names were kept and their entries replaced; caches now: {now}",
                o.from, o.to
            ));
        }
        Judgement::Pass(format!(
            "{}'s cache{} {} {} deleted when {in_charge}; no cache holds its bytes for a file {} changed or dropped; caches now: {now}",
            o.from,
            if gone.len() == 1 { "" } else { "s" },
            list(&gone),
            if gone.len() == 1 { "was" } else { "were" },
            o.to,
        ))
    }
}

/// What to change, when the stale entries sit in a cache a generator names: Workbox's
/// precache is `<cacheId>-precache-v2-<scope>`, and a cache of another `cacheId` (a release
/// in the id) is deleted on activation only with `cleanupOutdatedCaches: true` (generateSW's
/// default is false; measured with workbox-build 7.4.1 in tests/real).
fn generator_hint(stale: &[&CacheEntryOrigin], now: &[CacheInfo]) -> String {
    let mut old: Vec<&str> = stale
        .iter()
        .map(|e| e.cache.as_str())
        .filter(|c| c.contains("-precache-v2-"))
        .collect();
    old.dedup();
    let current = now
        .iter()
        .any(|c| c.name.contains("-precache-v2-") && !old.contains(&c.name.as_str()));
    match old.as_slice() {
        [first, ..] if current => format!(
            "; `{first}` is a Workbox precache of an earlier `cacheId`: `cleanupOutdatedCaches: true` (workbox-build, vite-plugin-pwa's `workbox` options) deletes it when the new worker activates"
        ),
        _ => String::new(),
    }
}

/// Reloads allowed for an app that updates itself (an unchanged worker script), as
/// `update-recovers` allows by default.
const APP_UPDATE_RELOADS: u32 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(name: &str, entries: u64) -> CacheInfo {
        CacheInfo {
            name: name.into(),
            entries,
        }
    }

    fn entry(cache: &str, path: &str, bytes_of: &[&str], present_in: &[&str]) -> CacheEntryOrigin {
        CacheEntryOrigin {
            cache: cache.into(),
            url: format!("http://127.0.0.1:1{path}"),
            path: Some(path.into()),
            bytes_of: bytes_of.iter().map(|d| d.to_string()).collect(),
            present_in: present_in.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn observation(
        before: Vec<CacheInfo>,
        after: Vec<CacheInfo>,
        entries: Vec<CacheEntryOrigin>,
    ) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            before,
            after,
            entries,
            app_update: None,
        }
    }

    #[test]
    fn fails_naming_each_stale_entry_and_what_n_plus_1_did_to_it() {
        let o = observation(
            vec![cache("shell-v1", 2)],
            vec![cache("shell-v1", 2), cache("shell-v2", 2)],
            vec![
                entry("shell-v1", "/", &["v1"], &["v1", "v2"]),
                entry("shell-v1", "/app.1.js", &["v1"], &["v1"]),
                entry("shell-v2", "/", &["v2"], &["v1", "v2"]),
            ],
        );
        assert_eq!(
            CachesPruned::default().judge(&o),
            Judgement::Fail(
                "old entries pile up on users' disks: after v2's worker activated, 2 cache entries still hold v1's bytes for files v2 changed or dropped: / in `shell-v1` (v1's bytes; v2 changed it), /app.1.js in `shell-v1` (v1's bytes; v2 dropped it)"
                    .into()
            )
        );
    }

    /// Workbox: one precache name for every version, entries replaced on activation.
    #[test]
    fn a_reused_cache_name_with_replaced_entries_passes() {
        let name = "workbox-precache-v2-<origin>/";
        let o = observation(
            vec![cache(name, 4)],
            vec![cache(name, 4)],
            vec![
                entry(name, "/index.html", &["v2"], &["v1", "v2"]),
                entry(name, "/unchanged.css", &["v1", "v2"], &["v1", "v2"]),
            ],
        );
        assert_eq!(
            CachesPruned::default().judge(&o),
            Judgement::Pass(format!(
                "no cache holds v1's bytes for a file v2 changed or dropped once v2's worker activated; the cache names were kept and their entries replaced; caches now: `{name}` (4 entries)"
            ))
        );
    }

    #[test]
    fn passes_when_old_caches_are_gone() {
        let o = observation(vec![cache("shell-v1", 3)], vec![cache("shell-v2", 3)], vec![]);
        assert_eq!(
            CachesPruned::default().judge(&o),
            Judgement::Pass(
                "v1's cache `shell-v1` (3 entries) was deleted when v2's worker activated; no cache holds its bytes for a file v2 changed or dropped; caches now: `shell-v2` (3 entries)"
                    .into()
            )
        );
    }

    #[test]
    fn kept_caches_are_not_stale() {
        let c = CachesPruned {
            keep: vec!["pages".into()],
            ..Default::default()
        };
        let o = observation(
            vec![cache("pages", 1)],
            vec![cache("pages", 1)],
            vec![entry("pages", "/", &["v1"], &["v1", "v2"])],
        );
        assert!(matches!(c.judge(&o), Judgement::Pass(_)));
        assert!(matches!(
            CachesPruned::default().judge(&o),
            Judgement::Fail(_)
        ));
    }

    /// An unchanged worker that never brought N+1 in: nothing to judge yet, said plainly.
    #[test]
    fn an_app_that_did_not_update_itself_cannot_be_judged() {
        let mut o = observation(vec![cache("a", 1)], vec![cache("a", 1)], vec![]);
        o.app_update = Some(ReloadRun::default());
        assert!(matches!(
            CachesPruned::default().judge(&o),
            Judgement::CannotJudge(m) if m.contains("worker scripts are identical")
        ));
    }
}
