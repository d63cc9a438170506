//! `update-recovers`: a returning user on N reaches N+1 within R reloads after N+1 is deployed.
//!
//! The reloads follow Chromium's natural update path, never a forced one: Chromium checks for
//! a new worker script ~2 s *after* a navigation, so reloading on a fixed cadence makes a
//! correct app look stuck (reloads faster than the check) or a stuck one look slow. Between
//! reloads the check waits for the real signals: the server seeing the script request, then the
//! new version installing and activating, or staying waiting, or the script being unchanged.

use serde::Deserialize;

use crate::scenario::{
    CacheEntryOrigin, ReloadRun, Scenario, ScenarioError, UpdateCheck,
};
use crate::spec::{BuildFacts, Spec, Suggestion, VisitKind, Visits};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Parameters of `update-recovers`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct UpdateRecovers {
    /// How many visits (reloads, new tabs, ...) a user may need (R, at least 1).
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub reloads: u32,
    /// How the returning user comes back (`new-tab`, `reload`, `navigate`, `back-forward`), each kind judged within R visits.
    pub visits: Visits,
    /// The deploy the user installed (default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy that must reach the user (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
}

impl Default for UpdateRecovers {
    fn default() -> Self {
        UpdateRecovers {
            reloads: 3,
            visits: Visits::default(),
            from: DeployRef::default(),
            to: DeployRef::default(),
        }
    }
}

impl UpdateRecovers {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// Everything `update-recovers` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// R.
    pub reloads: u32,
    /// The reloads and update checks.
    pub run: ReloadRun,
    /// When N+1 was not reached: entries of N+1's caches (caches holding N+1's bytes for some
    /// file) that hold N's bytes for a file N+1 changed. Its install fetched them through the
    /// browser's HTTP cache, which still had N's copy.
    pub polluted: Vec<CacheEntryOrigin>,
}

/// Entries of N+1's caches that hold N's bytes for a file N+1 changed.
fn polluted_entries(entries: &[CacheEntryOrigin], from: &str, to: &str) -> Vec<CacheEntryOrigin> {
    let holds_new = |cache: &str| {
        entries
            .iter()
            .any(|e| e.cache == cache && e.bytes_of.iter().any(|d| d == to))
    };
    entries
        .iter()
        .filter(|e| e.stale(from, to) && e.changed_in(to) && holds_new(&e.cache))
        .cloned()
        .collect()
}

impl Check for UpdateRecovers {
    const NAME: &'static str = "update-recovers";
    const ABOUT: &'static str =
        "a returning user on N reaches N+1 within R visits (new tab and reload) of N+1 being deployed";
    const EXPECTED_SECONDS: u32 = 6;

    fn suggest(build: &BuildFacts) -> Suggestion {
        let (installed, Some(next)) = (&build.installed, build.next.first()) else {
            return Suggestion::Skip;
        };
        Suggestion::bare(format!("`{next}` follows `{installed}`: a returning user on {installed} must reach {next} within a few reloads."))
    }

    fn visits(&self) -> &[VisitKind] {
        self.visits.kinds()
    }

    type Observation = Observation;

    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        Some((&mut self.from, &mut self.to))
    }

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        s.install(&from).await?;
        s.deploy(&to)?;
        let run = s.reload_until(&to, self.reloads).await?;
        let polluted = if run.reached(&to).is_none() {
            polluted_entries(&s.cache_entry_origins().await?, &from, &to)
        } else {
            Vec::new()
        };
        Ok(Observation {
            from,
            to,
            reloads: self.reloads,
            run,
            polluted,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let kind = o.run.kind;
        if let Some(a) = o.run.reached(&o.to) {
            return Judgement::Pass(format!(
                "reached {} on {} {} of {}: {}",
                o.to,
                kind.noun(),
                a.reload,
                o.reloads,
                a.description
            ));
        }
        let Some(last) = o.run.attempts.last() else {
            return Judgement::CannotJudge(format!("no {} was made", kind.noun()));
        };
        if last.ambiguous {
            return Judgement::CannotJudge(format!(
                "cannot tell {} from {} by the files the page received ({}); set `version_marker` in the spec",
                o.from, o.to, last.description
            ));
        }
        let why = match &o.run.last_update {
            Some(UpdateCheck::Waiting) => format!(
                "; {}'s worker installed but stays waiting (no skipWaiting, and the open page keeps {}'s worker in control)",
                o.to, o.from
            ),
            Some(UpdateCheck::Unchanged) => {
                "; Chromium's update check found the worker script unchanged".to_string()
            }
            Some(UpdateCheck::Failed(msg)) => format!("; {msg}"),
            Some(UpdateCheck::Activated) => format!(
                "; {}'s worker activated but the page still does not show {}",
                o.to, o.to
            ),
            None => String::new(),
        };
        let polluted = if o.polluted.is_empty() {
            String::new()
        } else {
            format!(
                "; {}'s own cache holds {}'s bytes for {} (its install fetched them through the browser's HTTP cache, which still had {}'s copy): precache with `new Request(url, {{ cache: 'reload' }})`, or serve HTML with `Cache-Control: no-cache`",
                o.to,
                o.from,
                o.polluted
                    .iter()
                    .map(|e| format!(
                        "{} in `{}`",
                        e.path.as_deref().unwrap_or(&e.url),
                        e.cache
                    ))
                    .collect::<Vec<_>>()
                    .join(", "),
                o.from
            )
        };
        let restored = if o.run.attempts.iter().all(|a| a.restored) {
            "; the back/forward cache restored the page each time, so nothing was loaded and Chromium made no update check (a page can listen for `pageshow` with `event.persisted` and check for a new version)"
        } else {
            ""
        };
        let http_cache = o.run.http_cache_clause();
        Judgement::Fail(format!(
            "{} never reaches {}: after {} {} the page still shows {}{restored}{http_cache}{why}{polluted}",
            kind.user(),
            o.to,
            o.run.attempts.len(),
            kind.nouns(o.run.attempts.len()),
            last.description
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Attempt;

    fn attempt(reload: u32, shown: &str) -> Attempt {
        Attempt {
            reload,
            shown: Some(shown.into()),
            description: format!("{shown} (document from network)"),
            ambiguous: false,
            restored: false,
        }
    }

    fn observation(attempts: Vec<Attempt>, last_update: Option<UpdateCheck>) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            reloads: 3,
            run: ReloadRun {
                kind: VisitKind::Reload,
                attempts,
                last_update,
                http_cache: None,
            },
            polluted: Vec::new(),
        }
    }

    fn entry(cache: &str, path: &str, bytes_of: &[&str]) -> CacheEntryOrigin {
        CacheEntryOrigin {
            cache: cache.into(),
            url: format!("http://127.0.0.1:1{path}"),
            path: Some(path.into()),
            bytes_of: bytes_of.iter().map(|d| d.to_string()).collect(),
            present_in: vec!["v1".into(), "v2".into()],
        }
    }

    /// N+1's cache holding N's page: the message says which entry and the two fixes. An old
    /// cache of N's is not N+1's and is not named.
    #[test]
    fn names_n_bytes_in_n_plus_1s_cache() {
        let entries = vec![
            entry("shell-v2", "/", &["v1"]),
            entry("shell-v2", "/app.js", &["v2"]),
            entry("shell-v1", "/", &["v1"]),
        ];
        let polluted = polluted_entries(&entries, "v1", "v2");
        assert_eq!(polluted, vec![entries[0].clone()]);
        let mut o = observation(vec![attempt(1, "v1")], Some(UpdateCheck::Activated));
        o.reloads = 1;
        o.polluted = polluted;
        let Judgement::Fail(m) = UpdateRecovers::default().judge(&o) else {
            panic!("expected a failure");
        };
        assert!(
            m.ends_with("; v2's own cache holds v1's bytes for / in `shell-v2` (its install fetched them through the browser's HTTP cache, which still had v1's copy): precache with `new Request(url, { cache: 'reload' })`, or serve HTML with `Cache-Control: no-cache`"),
            "{m}"
        );
    }

    #[test]
    fn passes_on_the_reload_that_shows_the_new_deploy() {
        let o = observation(vec![attempt(1, "v1"), attempt(2, "v2")], None);
        assert_eq!(
            UpdateRecovers::default().judge(&o),
            Judgement::Pass("reached v2 on reload 2 of 3: v2 (document from network)".into())
        );
    }

    #[test]
    fn fails_naming_the_version_seen_reloads_tried_and_the_waiting_worker() {
        let o = observation(
            vec![attempt(1, "v1"), attempt(2, "v1"), attempt(3, "v1")],
            Some(UpdateCheck::Waiting),
        );
        let Judgement::Fail(msg) = UpdateRecovers::default().judge(&o) else {
            panic!("expected a failure");
        };
        assert_eq!(
            msg,
            "a returning user who reloads never reaches v2: after 3 reloads the page still shows v1 (document from network); \
             v2's worker installed but stays waiting (no skipWaiting, and the open page keeps \
             v1's worker in control)"
        );
    }

    #[test]
    fn identical_deploys_cannot_be_judged() {
        let mut a = attempt(1, "v1");
        a.shown = None;
        a.ambiguous = true;
        let o = observation(vec![a], None);
        assert!(matches!(
            UpdateRecovers::default().judge(&o),
            Judgement::CannotJudge(_)
        ));
    }
}
