//! `update-prompt`: for apps that wait for the user. After N+1 is deployed, its worker stays
//! waiting, the open page is told (postMessage, BroadcastChannel, `updatefound`: however the
//! app does it, the spec's action is what the user does in answer), and the action activates
//! N+1 so the user reaches it.
//!
//! Passes when the action becomes possible while the page stays open and leads to N+1; fails
//! when the prompt never appears (the message never arrives), or the action does not activate
//! the waiting worker.

use serde::Deserialize;

use crate::scenario::{
    ActionOutcome, PageAction, Scenario, ScenarioError, UpdateCheck, VersionStatus, WAITING_GRACE,
};
use crate::spec::{Spec, BuildFacts, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Parameters of `update-prompt`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping of the check's parameters")]
// The schema marks `action` required, as `validate` does.
#[schemars(extend("required" = ["action"]))]
pub struct UpdatePrompt {
    /// What the user does when told about the update, e.g. `click: "#reload"` (required).
    #[serde(default)]
    pub action: Option<PageAction>,
    /// Seconds the prompt may take to appear once the new worker waits (default 5).
    #[serde(
        default = "default_prompt_seconds",
        deserialize_with = "crate::spec::positive"
    )]
    #[schemars(range(min = 1))]
    pub prompt_seconds: u32,
    /// The deploy the user installed (default: the first). `all`: every deploy before `to`, one scenario each.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy that must reach the user (default: the second).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
}

fn default_prompt_seconds() -> u32 {
    5
}

impl Default for UpdatePrompt {
    fn default() -> Self {
        UpdatePrompt {
            action: None,
            prompt_seconds: default_prompt_seconds(),
            from: DeployRef::default(),
            to: DeployRef::default(),
        }
    }
}

impl UpdatePrompt {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        if self.action.is_none() {
            return Err(
                "needs an `action`, e.g. `action: { click: \"#reload\" }` (what the user does when told about the update)".into(),
            );
        }
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// Everything `update-prompt` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// What the update check after the deploy led to.
    pub update: UpdateCheck,
    /// How the action went (None when it was not tried).
    pub action: Option<ActionOutcome>,
    /// Whether N+1's worker activated after the action.
    pub activated: bool,
    /// Whether the app reloaded the page itself after the action.
    pub app_reloaded: bool,
    /// The deploy the page finally showed, if one.
    pub shown: Option<String>,
    /// What the page finally showed, in words.
    pub page: String,
    /// The bound the worker had to activate after the action, in seconds.
    pub wait_seconds: u64,
}

impl Check for UpdatePrompt {
    const NAME: &'static str = "update-prompt";
    const ABOUT: &'static str =
        "a waiting N+1 is offered to the open page, and the user's action activates and shows it";
    const EXPECTED_SECONDS: u32 = 6;

    fn suggest(build: &BuildFacts) -> Suggestion {
        if build.next.is_empty() {
            return Suggestion::Skip;
        }
        Suggestion::Template(&[
            "# If the app asks before updating, the waiting worker must be offered and the user's",
            "# action must show N+1:",
            "# - update-prompt:",
            "#     action: { click: \"#reload\" }   # the button your update banner shows",
        ])
    }

    type Observation = Observation;

    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        Some((&mut self.from, &mut self.to))
    }

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        s.install(&from).await?;
        s.deploy(&to)?;
        let since = s.server().log().len();
        s.reload().await?;
        let version = s.page_version().await?;
        let update = s.await_update_check(since).await?;
        let mut observation = Observation {
            from,
            to: to.clone(),
            update: update.clone(),
            action: None,
            activated: false,
            app_reloaded: false,
            shown: version.shown().map(str::to_owned),
            page: version.describe(),
            wait_seconds: s.wait().as_secs(),
        };
        if update != UpdateCheck::Waiting {
            return Ok(observation);
        }
        let documents = s.page().network().documents();
        let action = self
            .action
            .as_ref()
            .ok_or_else(|| ScenarioError::App("update-prompt needs an `action`".into()))?;
        let appear = std::time::Duration::from_secs(self.prompt_seconds.into());
        let outcome = action.perform(s, s.page(), appear).await?;
        let done = outcome == ActionOutcome::Done;
        observation.action = Some(outcome);
        if !done {
            return Ok(observation);
        }
        observation.activated = s
            .page()
            .wait_for_sw(
                &format!("{to}'s worker to activate after the action"),
                // Activation after skipWaiting took ~1 s idle: a 2 s bound could fail a
                // correct prompt on a loaded machine. The full bound costs only the failing case.
                s.wait(),
                |st| {
                    st.versions.values().any(|v| {
                        v.deploy.as_deref() == Some(&*to) && v.status == VersionStatus::Activated
                    })
                },
            )
            .await
            .is_ok();
        if observation.activated {
            // Apps reload on `controllerchange`; give that reload a bounded chance to *start*,
            // else reload as the user would. Once it has started it finishes, so its end gets
            // the full bound (a loaded machine must not turn "the app reloaded" into "the user
            // reloaded").
            observation.app_reloaded = s
                .page()
                .wait_for_network("the app to reload the page", WAITING_GRACE, |log| {
                    log.documents() > documents
                })
                .await
                .is_ok();
            if observation.app_reloaded {
                s.page()
                    .wait_for_network("the app's reload to finish", s.wait(), |log| {
                        log.document_after(documents).is_some_and(|d| d.done)
                    })
                    .await?;
            }
            if observation.app_reloaded {
                s.note("the app reloaded the page");
                s.app_navigated(documents);
            } else {
                s.reload().await?;
            }
        }
        let version = s.page_version().await?;
        observation.shown = version.shown().map(str::to_owned);
        observation.page = version.describe();
        Ok(observation)
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let Some(action) = &self.action else {
            return Judgement::CannotJudge("update-prompt needs an `action`".into());
        };
        match &o.update {
            UpdateCheck::Waiting => {}
            UpdateCheck::Failed(msg) => {
                return Judgement::CannotJudge(format!(
                    "{}'s worker never became a waiting update: {msg}",
                    o.to
                ))
            }
            other => {
                return Judgement::CannotJudge(format!(
                    "{}'s worker did not wait for the user (update check: {other:?}); this app does not use an update prompt, judge it with update-recovers",
                    o.to
                ))
            }
        }
        match &o.action {
            Some(ActionOutcome::NotFound) => {
                return Judgement::Fail(format!(
                    "the page was never told about the update: {}'s worker is installed and waiting, but {} did not appear within {}s, so the user has no way to reach {}",
                    o.to, action.target(), self.prompt_seconds, o.to
                ))
            }
            Some(ActionOutcome::Failed(msg)) => {
                return Judgement::Fail(format!(
                    "the update action ({action}) failed: {msg}"
                ))
            }
            Some(ActionOutcome::Done) => {}
            None => return Judgement::CannotJudge("the action was not tried".into()),
        }
        if !o.activated {
            return Judgement::Fail(format!(
                "{action} did not activate {}'s waiting worker within {}s; the page still shows {}",
                o.to, o.wait_seconds, o.page
            ));
        }
        let reload = if o.app_reloaded {
            "after the app reloaded"
        } else {
            "after a reload by the user"
        };
        if o.shown.as_deref() == Some(&*o.to) {
            Judgement::Pass(format!(
                "the page offered the update while open, {action} activated {}'s worker, and {reload} the page showed {}",
                o.to, o.page
            ))
        } else {
            Judgement::Fail(format!(
                "{action} activated {}'s worker, but {reload} the page showed {}",
                o.to, o.page
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check() -> UpdatePrompt {
        UpdatePrompt {
            action: Some(PageAction::Click("#update".into())),
            ..Default::default()
        }
    }

    fn observation(action: ActionOutcome, activated: bool, shown: &str) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            update: UpdateCheck::Waiting,
            action: Some(action),
            activated,
            app_reloaded: true,
            shown: Some(shown.into()),
            page: format!("{shown} (document from network)"),
            wait_seconds: 15,
        }
    }

    #[test]
    fn passes_when_the_prompt_leads_to_n_plus_1() {
        assert_eq!(
            check().judge(&observation(ActionOutcome::Done, true, "v2")),
            Judgement::Pass("the page offered the update while open, click `#update` activated v2's worker, and after the app reloaded the page showed v2 (document from network)".into())
        );
    }

    #[test]
    fn fails_when_the_prompt_never_appears() {
        assert_eq!(
            check().judge(&observation(ActionOutcome::NotFound, false, "v1")),
            Judgement::Fail("the page was never told about the update: v2's worker is installed and waiting, but `#update` did not appear within 5s, so the user has no way to reach v2".into())
        );
    }
}
