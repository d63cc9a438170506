//! `sync-completes`: the work of a background-sync event lands, even when Chromium's idle
//! termination comes around while it runs.
//!
//! A `sync` handler that sends its queued request outside `event.waitUntil` lets the event end
//! at once; Chromium ends the idle worker 30 s later with the request still in flight and the
//! work is lost (and, as the event succeeded, never retried). swgate dispatches the event
//! (CDP `ServiceWorker.dispatchSyncEvent`, as Chromium does when connectivity returns), holds
//! the handler's request at the server while Chromium decides
//! ([`crate::scenario::IDLE_TERMINATION_BOUND`]), and, when the worker lived to receive the
//! response, looks for the handler's cache write.

use serde::Deserialize;

use crate::scenario::{BackgroundRun, Scenario, ScenarioError};
use crate::spec::{BuildFacts, Spec, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_first, DeployRef};

/// Parameters of `sync-completes`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct SyncCompletes {
    /// The sync tag the app registers (`registration.sync.register(tag)`).
    pub tag: String,
    /// The request the sync handler makes (the server holds it while Chromium's idle
    /// termination decides); its response should end up in Cache Storage.
    #[serde(deserialize_with = "crate::spec::url_path")]
    #[schemars(with = "crate::spec::UrlPath")]
    pub background: String,
    /// The deploy to install (default: the first).
    #[schemars(with = "Option<String>")]
    pub deploy: DeployRef,
}

impl Default for SyncCompletes {
    fn default() -> Self {
        SyncCompletes {
            tag: "outbox".into(),
            background: "/api/sync".into(),
            deploy: DeployRef::default(),
        }
    }
}

impl SyncCompletes {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_first(&mut self.deploy, spec)
    }
}

/// Everything `sync-completes` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The tag.
    pub tag: String,
    /// The handler's request.
    pub background: String,
    /// Whether a worker was registered to dispatch the event to.
    pub registered: bool,
    /// What became of the held request.
    pub run: BackgroundRun,
    /// The cache holding the handler's response afterwards, if any.
    pub stored_in: Option<String>,
}

impl Check for SyncCompletes {
    const NAME: &'static str = "sync-completes";
    const ABOUT: &'static str =
        "a background-sync event's work lands, even when Chromium ends idle workers while it runs";
    const EXPECTED_SECONDS: u32 = 40;

    fn suggest(build: &BuildFacts) -> Suggestion {
        if !build.listens_for_sync {
            return Suggestion::Skip;
        }
        Suggestion::Template(&[
            "# The worker handles `sync`: the work of a sync event must land, also when Chromium ends",
            "# the idle worker while it runs:",
            "# - sync-completes:",
            "#     tag: outbox                # the tag your app registers",
            "#     background: /api/sync      # what the handler sends (its response should be cached)",
        ])
    }

    type Observation = Observation;

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let deploy = self.deploy.name().to_string();
        s.install(&deploy).await?;
        let origin = s.origin();
        let mut o = Observation {
            tag: self.tag.clone(),
            background: self.background.clone(),
            registered: false,
            run: BackgroundRun::default(),
            stored_in: None,
        };
        let Some(registration) = s.live_registration_id() else {
            return Ok(o);
        };
        o.registered = true;
        let what = format!("the sync event `{}` was dispatched", self.tag);
        o.run = s
            .hold_background_work(&self.background, &what, async {
                s.page()
                    .dispatch_sync(&origin, &registration, &self.tag)
                    .await?;
                s.note(format!("dispatched the sync event `{}`", self.tag));
                Ok(())
            })
            .await?;
        o.stored_in = if o.run.delivered() {
            s.wait_for_cache_entry(&self.background).await?
        } else {
            s.cache_holding(&self.background).await?
        };
        Ok(o)
    }

    fn judge(&self, o: &Observation) -> Judgement {
        if !o.registered {
            return Judgement::CannotJudge(
                "no worker was registered to dispatch a sync event to".into(),
            );
        }
        if !o.run.seen {
            return Judgement::CannotJudge(format!(
                "the sync event `{}` did not make the worker request {}, so there was no work to judge (set `tag` and `background` to what your app uses)",
                o.tag, o.background
            ));
        }
        match (o.run.ended_after, &o.stored_in) {
            (Some(after), _) => Judgement::Fail(format!(
                "the sync event's work is lost because it is not inside event.waitUntil: Chromium ended the idle worker {:.1}s after the sync event `{}` while its request for {} was still open, so the work never landed (and a sync event that resolved is not retried); return the work's promise to `event.waitUntil`",
                after.as_secs_f64(),
                o.tag,
                o.background
            )),
            (None, Some(cache)) => Judgement::Pass(format!(
                "the sync event's work landed: with its request for {} held open the worker stayed alive {:.0}s after the sync event `{}` (Chromium ends idle workers after 30s), and once released the response was stored in cache `{cache}`",
                o.background,
                o.run.alive_for.as_secs_f64(),
                o.tag
            )),
            (None, None) if !o.run.delivered() => Judgement::Fail(format!(
                "the sync event's work did not land: the worker stayed alive {:.0}s after the sync event `{}`, but its request for {} was closed before the released response reached it, and nothing was stored",
                o.run.alive_for.as_secs_f64(),
                o.tag,
                o.background
            )),
            (None, None) => Judgement::Pass(format!(
                "the sync event's work reached the server: with its request for {} held open the worker stayed alive {:.0}s after the sync event `{}` (Chromium ends idle workers after 30s) and received the response (it stores nothing in Cache Storage)",
                o.background,
                o.run.alive_for.as_secs_f64(),
                o.tag
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{HoldEnd, IDLE_TERMINATION_BOUND};
    use std::time::Duration;

    fn observation(ended: Option<u64>, cache: Option<&str>) -> Observation {
        Observation {
            tag: "outbox".into(),
            background: "/api/sync".into(),
            registered: true,
            run: BackgroundRun {
                seen: true,
                ended_after: ended.map(Duration::from_millis),
                hold_end: Some(if ended.is_some() {
                    HoldEnd::Abandoned
                } else {
                    HoldEnd::Delivered
                }),
                alive_for: IDLE_TERMINATION_BOUND,
            },
            stored_in: cache.map(str::to_owned),
        }
    }

    #[test]
    fn sync_work_lost_to_idle_termination_fails() {
        let check = SyncCompletes::default();
        assert!(matches!(check.judge(&observation(Some(30_100), None)), Judgement::Fail(ref m) if m.starts_with("the sync event's work is lost because it is not inside event.waitUntil: Chromium ended the idle worker 30.1s after the sync event `outbox`")));
        assert!(matches!(check.judge(&observation(None, Some("outbox"))), Judgement::Pass(ref m) if m.ends_with("once released the response was stored in cache `outbox`")));
    }
}
