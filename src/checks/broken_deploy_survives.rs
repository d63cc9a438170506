//! `broken-deploy-survives`: when N+1 ships a worker that cannot install (a syntax error, a
//! 404, a wrong MIME type, a failing `install`), a returning user keeps a working app on N, and
//! reaches the fixed N+2 once it is deployed.
//!
//! Chromium keeps the old worker when an update fails (the Service Worker spec's promise);
//! what breaks users is app code that acts before the new worker is proven, e.g. an `install`
//! handler that deletes the old caches and then fails. Both phases use the natural update path.

use serde::Deserialize;

use crate::scenario::{
    is_javascript, ConsoleEntry, ReloadRun, Scenario, ScenarioError, UpdateCheck, VersionStatus,
};
use crate::spec::{BuildFacts, Spec, Suggestion, VisitKind, Visits};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Parameters of `broken-deploy-survives`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct BrokenDeploySurvives {
    /// The deploy the user installed (N; default: the first).
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The broken deploy (N+1; default: the second).
    #[schemars(with = "Option<String>")]
    pub broken: DeployRef,
    /// The fixed deploy (N+2; default: the third).
    #[schemars(with = "Option<String>")]
    pub fixed: DeployRef,
    /// Visits (of each kind) the user may need to reach the fixed deploy.
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub reloads: u32,
    /// How the returning user comes back (`new-tab`, `reload`, `navigate`, `back-forward`), each kind judged with a fresh user.
    pub visits: Visits,
}

impl Default for BrokenDeploySurvives {
    fn default() -> Self {
        BrokenDeploySurvives {
            from: DeployRef::default(),
            broken: DeployRef::default(),
            fixed: DeployRef::default(),
            reloads: 3,
            visits: Visits::default(),
        }
    }
}

impl BrokenDeploySurvives {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.broken, "broken", spec)?;
        if self.fixed.given().is_some() {
            let mut from = self.from.clone();
            resolve_transition(&mut from, &mut self.fixed, "fixed", spec)?;
        } else {
            let third = spec.deploys.get(2).ok_or_else(|| {
                format!(
                    "needs three deploys (N, a broken N+1, a fixed N+2) but the spec lists {}",
                    spec.deploys.len()
                )
            })?;
            self.fixed = DeployRef::named(third.name.clone());
        }
        if self.fixed == self.broken {
            return Err(format!("`broken` and `fixed` are both `{}`", self.fixed.name()));
        }
        Ok(())
    }
}

/// Everything `broken-deploy-survives` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1 (broken).
    pub broken: String,
    /// N+2 (fixed).
    pub fixed: String,
    /// What Chromium's update check made of the broken deploy.
    pub update: UpdateCheck,
    /// The deploy the page showed on the reload after that update check, if exactly one.
    pub shown: Option<String>,
    /// What that reload showed, in words.
    pub page: String,
    /// The deploy of the active worker after the broken update.
    pub active: Option<String>,
    /// Page errors while the broken deploy was served.
    pub page_errors: Vec<String>,
    /// Reloads after the fixed deploy.
    pub recovery: ReloadRun,
    /// R for the recovery.
    pub reloads: u32,
}

impl Check for BrokenDeploySurvives {
    const NAME: &'static str = "broken-deploy-survives";
    const ABOUT: &'static str =
        "a broken N+1 worker leaves the user working on N, and the fixed N+2 reaches them";
    const EXPECTED_SECONDS: u32 = 5;

    fn suggest(build: &BuildFacts) -> Suggestion {
        if build.next.len() < 2 {
            return Suggestion::Skip;
        }
        Suggestion::Template(&[
            "# If a deploy in the middle is broken on purpose (its worker fails to install), the user",
            "# must stay on the first, and the fixed one after it must reach them:",
            "# - broken-deploy-survives: { from: FIRST, broken: BROKEN, fixed: FIXED }",
        ])
    }

    fn visits(&self) -> &[VisitKind] {
        self.visits.kinds()
    }

    type Observation = Observation;

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, broken, fixed) = (
            self.from.name().to_string(),
            self.broken.name().to_string(),
            self.fixed.name().to_string(),
        );
        s.install(&from).await?;
        let (tab_before, errors_before) = (s.page_tab(), s.page().console().len());
        s.deploy(&broken)?;
        let since = s.server().log().len();
        s.revisit().await?;
        s.page_version().await?;
        let update = s.await_update_check(since).await?;
        let since_second = s.server().log().len();
        let versions_before = s.sw_state().versions.len();
        s.revisit().await?;
        let version = s.page_version().await?;
        s.page().flush().await;
        // A `new-tab` visit reads the new tab's console, all of it.
        let errors_from = if s.page_tab() == tab_before { errors_before } else { 0 };
        let page_errors = page_errors(s.page().console().get(errors_from..).unwrap_or_default());
        let active = s.sw_state().active().and_then(|v| v.deploy.clone());
        // The second visit's own update check tries the broken worker again. Left pending, it
        // raced the fixed deploy and sometimes fetched it first (new tab: the fix showed on
        // visit 1 in one run, visit 2 in the other, v2-install-fails under load), so it is
        // awaited, with the install attempt it starts, before the fix is deployed.
        let sw = s.spec().service_worker.clone();
        let check = s
            .server()
            .log()
            .wait_for(
                since_second,
                &format!("Chromium's update check after the second visit (a request for {sw})"),
                s.wait(),
                |r| r.is_worker_script(&sw),
            )
            .await?;
        // Only a JavaScript script is installed (a `text/plain` one is refused, a 404 ends the
        // check). A 304 carries no type unless a `headers:` rule set one: the file's then.
        let served_type = check.content_type.clone().or_else(|| {
            let files = s.server().deploys().get(&broken).ok()?;
            files.lookup(&sw).map(|f| f.content_type.clone())
        });
        let javascript = is_javascript(served_type.as_deref());
        if javascript && matches!(check.status, 200 | 304) {
            // A JavaScript answer starts a new install attempt: wait until it has ended.
            s.wait_for_sw(&format!("{broken}'s new install attempt to end"), |st| {
                st.versions.values().any(|v| {
                    v.seq >= versions_before
                        && matches!(
                            v.status,
                            VersionStatus::Redundant | VersionStatus::Activated
                        )
                })
            })
            .await?;
        }
        s.deploy(&fixed)?;
        let recovery = s.reload_until(&fixed, self.reloads).await?;
        Ok(Observation {
            from,
            broken,
            fixed,
            update,
            shown: version.shown().map(str::to_owned),
            page: version.describe(),
            active,
            page_errors,
            recovery,
            reloads: self.reloads,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let why_broken = match &o.update {
            UpdateCheck::Failed(msg) => msg.clone(),
            UpdateCheck::Activated | UpdateCheck::Waiting | UpdateCheck::Unchanged => {
                return Judgement::CannotJudge(format!(
                    "`{}` is not a broken deploy: Chromium's update check found its worker {}; this check needs a worker that fails to install",
                    o.broken,
                    match o.update {
                        UpdateCheck::Unchanged => "unchanged",
                        UpdateCheck::Waiting => "installed (waiting)",
                        _ => "installed and activated",
                    }
                ));
            }
        };
        if o.shown.as_deref() != Some(&*o.from) || !o.page_errors.is_empty() {
            let errors = if o.page_errors.is_empty() {
                String::new()
            } else {
                format!("; page errors: {}", o.page_errors.join("; "))
            };
            return Judgement::Fail(format!(
                "a returning user lost the working app when the broken `{}` was deployed: the {} after its worker failed showed {} (active worker: {}); {why_broken}{errors}",
                o.broken,
                o.recovery.kind.noun(),
                o.page,
                o.active.as_deref().unwrap_or("none"),
            ));
        }
        match o.recovery.reached(&o.fixed) {
            Some(a) => Judgement::Pass(format!(
                "the user kept {} while `{}` was broken ({why_broken}), then reached `{}` on {} {} of {}",
                o.from, o.broken, o.fixed, o.recovery.kind.noun(), a.reload, o.reloads
            )),
            None => Judgement::Fail(format!(
                "the user kept {} through the broken `{}`, but never reached the fixed `{}` in {} {}: the last showed {}{}",
                o.from,
                o.broken,
                o.fixed,
                o.reloads,
                o.recovery.kind.nouns(o.reloads as usize),
                o.recovery
                    .attempts
                    .last()
                    .map_or("nothing", |a| a.description.as_str()),
                o.recovery.http_cache_clause()
            )),
        }
    }
}

fn page_errors(entries: &[ConsoleEntry]) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e.origin == "page")
        .map(|e| e.text.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Attempt;

    fn observation(shown: &str, errors: Vec<String>, reached: bool) -> Observation {
        Observation {
            from: "v1".into(),
            broken: "v2".into(),
            fixed: "v3".into(),
            update: UpdateCheck::Failed("v2's worker failed to install".into()),
            shown: Some(shown.into()),
            page: format!("{shown} (document from service worker (cache \"shell-v1\"))"),
            active: Some("v1".into()),
            page_errors: errors,
            recovery: ReloadRun {
                kind: VisitKind::Reload,
                attempts: vec![Attempt {
                    reload: 2,
                    shown: Some(if reached { "v3" } else { "v1" }.into()),
                    description: "v3 (document from network)".into(),
                    ambiguous: false,
                    restored: false,
                }],
                last_update: None,
                http_cache: None,
            },
            reloads: 3,
        }
    }

    #[test]
    fn passes_when_the_user_keeps_n_and_reaches_the_fix() {
        assert_eq!(
            BrokenDeploySurvives::default().judge(&observation("v1", vec![], true)),
            Judgement::Pass("the user kept v1 while `v2` was broken (v2's worker failed to install), then reached `v3` on reload 2 of 3".into())
        );
    }

    #[test]
    fn page_errors_on_n_fail() {
        let j = BrokenDeploySurvives::default().judge(&observation(
            "v1",
            vec!["Uncaught TypeError".into()],
            true,
        ));
        assert!(matches!(j, Judgement::Fail(m) if m.contains("page errors: Uncaught TypeError")));
    }

    #[test]
    fn a_deploy_that_installs_is_not_judged() {
        let mut o = observation("v1", vec![], true);
        o.update = UpdateCheck::Activated;
        assert!(matches!(
            BrokenDeploySurvives::default().judge(&o),
            Judgement::CannotJudge(_)
        ));
    }
}
