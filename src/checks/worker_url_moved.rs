//! `worker-url-moved`: N+1 registers its worker at another URL (`service-worker.js` → `sw.js`
//! when an app leaves create-react-app), and a returning user on N must still reach N+1.
//!
//! A returning user's registration keeps N's script URL: Chromium's update check asks for that
//! URL, never the new one, and only a page of N+1 would register the new one. When N's worker
//! answers navigations from its cache, no page of N+1 ever loads, so the only way on is the old
//! URL: if N+1 drops it, the update check gets 404, Chromium keeps N's worker
//! (w3c/ServiceWorker#204) and the user stays on N until they clear site data. The check
//! reloads on Chromium's natural update path (as `update-recovers` does) and judges what the
//! page shows; the message says what the old URL answered.

use serde::Deserialize;

use crate::outcome::Judgement;
use crate::scenario::{ReloadRun, Scenario, ScenarioError, UpdateCheck};
use crate::spec::{
    resolve_transition, BuildFacts, DeployRef, Spec, Suggestion, VisitKind, Visits,
};

use super::registry::Check;

/// Parameters of `worker-url-moved`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct WorkerUrlMoved {
    /// Reloads a returning user may need (R, at least 1).
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub reloads: u32,
    /// The deploy the user installed, whose worker is at the spec's `service_worker` (default:
    /// the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy that registers its worker elsewhere (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
    /// How the returning user comes back (`new-tab`, `reload`, `navigate`, `back-forward`), each kind judged within R visits.
    pub visits: Visits,
}

impl Default for WorkerUrlMoved {
    fn default() -> Self {
        WorkerUrlMoved {
            reloads: 3,
            from: DeployRef::default(),
            to: DeployRef::default(),
            visits: Visits::default(),
        }
    }
}

impl WorkerUrlMoved {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// Everything `worker-url-moved` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// The URL path N's worker is registered from.
    pub old_url: String,
    /// Whether N+1's build still has a file at `old_url`.
    pub to_serves_old_url: bool,
    /// R.
    pub reloads: u32,
    /// The reloads and update checks.
    pub run: ReloadRun,
}

impl Check for WorkerUrlMoved {
    const NAME: &'static str = "worker-url-moved";
    const ABOUT: &'static str =
        "when N+1 moves the worker script, a returning user on N still reaches N+1 within R reloads";
    const EXPECTED_SECONDS: u32 = 5;

    fn suggest(build: &BuildFacts) -> Suggestion {
        let Some(moved) = &build.worker_missing_in else {
            return Suggestion::Skip;
        };
        Suggestion::Write {
            params: vec![format!("to: {}", crate::spec::yaml_string(moved))],
            why: format!(
                "`{moved}` has no `{}`: users of {} are registered at that URL, and Chromium's update check asks only there.",
                build.service_worker, build.installed
            ),
        }
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
        let old_url = s.spec().service_worker.clone();
        let to_serves_old_url = s
            .server()
            .deploys()
            .get(&to)
            .is_ok_and(|files| files.lookup(&old_url).is_some());
        s.install(&from).await?;
        s.deploy(&to)?;
        let run = s.reload_until(&to, self.reloads).await?;
        Ok(Observation {
            from,
            to,
            old_url,
            to_serves_old_url,
            reloads: self.reloads,
            run,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let old = if o.to_serves_old_url {
            format!("{} still serves {}", o.to, o.old_url)
        } else {
            format!("{} has no {}", o.to, o.old_url)
        };
        if let Some(a) = o.run.reached(&o.to) {
            return Judgement::Pass(format!(
                "reached {} on {} {} of {} ({old}): {}",
                o.to, o.run.kind.noun(), a.reload, o.reloads, a.description
            ));
        }
        let Some(last) = o.run.attempts.last() else {
            return Judgement::CannotJudge(format!("no {} was made", o.run.kind.noun()));
        };
        if last.ambiguous {
            return Judgement::CannotJudge(format!(
                "cannot tell {} from {} by the files the page received ({}); set `version_marker` in the spec",
                o.from, o.to, last.description
            ));
        }
        let why = match &o.run.last_update {
            Some(UpdateCheck::Failed(msg)) => format!("; {msg}"),
            Some(UpdateCheck::Waiting) => format!(
                "; the worker {} serves at {} installed but stays waiting",
                o.to, o.old_url
            ),
            Some(UpdateCheck::Unchanged) => format!(
                "; Chromium's update check found {} unchanged",
                o.old_url
            ),
            Some(UpdateCheck::Activated) => format!(
                "; the worker {} serves at {} activated but the page still does not show {}",
                o.to, o.old_url, o.to
            ),
            None => String::new(),
        };
        Judgement::Fail(format!(
            "{old}, the URL {}'s worker is registered from: after {} {} the page still shows {}{}{why}. Keep serving {} in {} as a worker that deletes the old caches and calls `self.registration.unregister()` (or that imports the new worker), so returning users are moved on",
            o.from,
            o.run.attempts.len(),
            o.run.kind.nouns(o.run.attempts.len()),
            last.description,
            o.run.http_cache_clause(),
            o.old_url,
            o.to,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Attempt;

    fn observation(shown: &[&str], last: Option<UpdateCheck>, serves_old: bool) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            old_url: "/service-worker.js".into(),
            to_serves_old_url: serves_old,
            reloads: 3,
            run: ReloadRun {
                kind: VisitKind::Reload,
                attempts: shown
                    .iter()
                    .enumerate()
                    .map(|(i, d)| Attempt {
                        reload: i as u32 + 1,
                        shown: Some(d.to_string()),
                        description: format!("{d} (from the worker's cache)"),
                        ambiguous: false,
                        restored: false,
                    })
                    .collect(),
                last_update: last,
                http_cache: None,
            },
        }
    }

    #[test]
    fn a_404_at_the_old_url_fails_with_the_url_and_the_fix() {
        let o = observation(
            &["v1"],
            Some(UpdateCheck::Failed(
                "Chromium's update check got 404 for /service-worker.js, so the old worker stays in control".into(),
            )),
            false,
        );
        let Judgement::Fail(msg) = WorkerUrlMoved::default().judge(&o) else {
            panic!("expected a failure");
        };
        assert!(msg.starts_with("v2 has no /service-worker.js, the URL v1's worker is registered from: after 1 reload the page still shows v1"), "{msg}");
        assert!(msg.contains("got 404 for /service-worker.js"), "{msg}");
        assert!(msg.contains("Keep serving /service-worker.js in v2"), "{msg}");
    }

    #[test]
    fn reaching_n_plus_1_passes_and_says_what_the_old_url_did() {
        let o = observation(&["v1", "v2"], Some(UpdateCheck::Activated), true);
        let Judgement::Pass(msg) = WorkerUrlMoved::default().judge(&o) else {
            panic!("expected a pass");
        };
        assert_eq!(
            msg,
            "reached v2 on reload 2 of 3 (v2 still serves /service-worker.js): v2 (from the worker's cache)"
        );
    }
}
