//! `caches-pruned`: after N+1's worker activates, no cache created by N's worker remains.
//!
//! The subject is cache cleanup, not the update path, so the update is forced (CDP
//! `updateRegistration`, and `skipWaiting` if the new worker waits): `activated` is reported
//! only after the `activate` handler's `waitUntil` promise settled, so cleanup done properly is
//! finished when the caches are read.

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::scenario::{CacheInfo, Scenario, ScenarioError};
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
    /// The deploy whose caches must go (default: the first).
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy whose activation must remove them (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
    /// Cache names (globs) meant to outlive deploys, e.g. `images-*`.
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
    /// Caches once N+1's worker activated.
    pub after: Vec<CacheInfo>,
}

impl Check for CachesPruned {
    const NAME: &'static str = "caches-pruned";
    const ABOUT: &'static str =
        "after N+1's worker activates, no cache created by N's worker remains";
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

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        s.install(&from).await?;
        let before = s.caches().await?;
        s.deploy(&to)?;
        s.force_activate(&to).await?;
        let after = s.caches().await?;
        Ok(Observation {
            from,
            to,
            before,
            after,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let keep = self.keep_set().unwrap_or_else(|_| GlobSet::empty());
        let list = |caches: &[&CacheInfo]| {
            caches
                .iter()
                .map(|c| format!("`{}` ({} entries)", c.name, c.entries))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let stale: Vec<&CacheInfo> = o
            .after
            .iter()
            .filter(|c| o.before.iter().any(|b| b.name == c.name) && !keep.is_match(&c.name))
            .collect();
        if !stale.is_empty() {
            return Judgement::Fail(format!(
                "old caches pile up on users' disks: after {}'s worker activated, {} cache{} created under {} remain{}: {}",
                o.to,
                stale.len(),
                if stale.len() == 1 { "" } else { "s" },
                o.from,
                if stale.len() == 1 { "s" } else { "" },
                list(&stale)
            ));
        }
        let now: Vec<&CacheInfo> = o.after.iter().collect();
        let now = if now.is_empty() {
            "none".to_string()
        } else {
            list(&now)
        };
        if o.before.is_empty() {
            return Judgement::Pass(format!(
                "{}'s worker created no caches, so none can go stale; caches after {} activated: {now}",
                o.from, o.to
            ));
        }
        let gone: Vec<&CacheInfo> = o
            .before
            .iter()
            .filter(|b| !o.after.iter().any(|a| a.name == b.name))
            .collect();
        Judgement::Pass(format!(
            "{}'s cache{} {} deleted when {} activated; caches now: {now}",
            o.from,
            if gone.len() == 1 { "" } else { "s" },
            if gone.is_empty() {
                "(all kept by `keep`) were".to_string()
            } else {
                format!(
                    "{} {}",
                    list(&gone),
                    if gone.len() == 1 { "was" } else { "were" }
                )
            },
            o.to,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(name: &str, entries: u64) -> CacheInfo {
        CacheInfo {
            name: name.into(),
            entries,
        }
    }

    fn observation(before: Vec<CacheInfo>, after: Vec<CacheInfo>) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            before,
            after,
        }
    }

    #[test]
    fn fails_naming_the_stale_cache() {
        let o = observation(
            vec![cache("shell-v1", 3)],
            vec![cache("shell-v1", 3), cache("shell-v2", 3)],
        );
        assert_eq!(
            CachesPruned::default().judge(&o),
            Judgement::Fail(
                "old caches pile up on users' disks: after v2's worker activated, 1 cache created under v1 remains: `shell-v1` (3 entries)"
                    .into()
            )
        );
    }

    #[test]
    fn passes_when_old_caches_are_gone() {
        let o = observation(vec![cache("shell-v1", 3)], vec![cache("shell-v2", 3)]);
        assert_eq!(
            CachesPruned::default().judge(&o),
            Judgement::Pass(
                "v1's cache `shell-v1` (3 entries) was deleted when v2 activated; caches now: `shell-v2` (3 entries)"
                    .into()
            )
        );
    }

    #[test]
    fn kept_caches_are_not_stale() {
        let c = CachesPruned {
            keep: vec!["images-*".into()],
            ..Default::default()
        };
        let o = observation(
            vec![cache("images-a", 1), cache("shell-v1", 1)],
            vec![cache("images-a", 2), cache("shell-v2", 1)],
        );
        assert!(matches!(c.judge(&o), Judgement::Pass(_)));
    }
}
