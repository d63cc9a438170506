//! `wait-until`: work a worker does after answering survives Chromium ending idle workers.
//!
//! Chromium ends a worker 30 s after its last event finished, and an event lasts as long as the
//! promises given to `event.waitUntil` (and `respondWith`). Work the worker starts after
//! answering but outside `waitUntil` (a background cache fill, an analytics request, a
//! revalidation) dies with it. A forced `ServiceWorker.stopAllWorkers` kills the worker inside
//! `waitUntil` too, so it cannot tell the two apart (docs/chromium.md, "Worker lifetime"); the browser's own idle
//! termination can, with nothing attached to the worker.
//!
//! The scenario makes the loss deterministic: the fixture server holds the worker's background
//! request open; the page makes the trigger request; then swgate waits for Chromium to end the
//! idle worker (measured at 30.0 s after the trigger was answered), bounded by
//! [`crate::scenario::IDLE_TERMINATION_BOUND`]. If the worker ends, Chromium closes the held connection and the
//! work is provably lost. If it is still running at the bound, `waitUntil` kept it alive: the
//! response is released and must land in Cache Storage.
//!
//! Cost: ~30 s for a failing app, ~40 s for a passing one (run it beside other scenarios).
//! Limit: only work that goes through the held request is judged, by its cache entry.

use std::time::Duration;

use serde::Deserialize;

use crate::scenario::{HoldEnd, Scenario, ScenarioError};
use crate::spec::{Spec, BuildFacts, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_first, DeployRef};



/// Parameters of `wait-until`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WaitUntil {
    /// The request the page makes that starts the background work.
    #[serde(deserialize_with = "crate::spec::url_path")]
    #[schemars(with = "crate::spec::UrlPath")]
    pub trigger: String,
    /// The request the worker then makes in the background; the server holds it, and its
    /// response must end up in Cache Storage.
    #[serde(deserialize_with = "crate::spec::url_path")]
    #[schemars(with = "crate::spec::UrlPath")]
    pub background: String,
    /// The deploy to install (default: the first).
    #[schemars(with = "Option<String>")]
    pub deploy: DeployRef,
}

impl Default for WaitUntil {
    fn default() -> Self {
        WaitUntil {
            trigger: "/api/refresh".into(),
            background: "/data/feed.json".into(),
            deploy: DeployRef::default(),
        }
    }
}

impl WaitUntil {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_first(&mut self.deploy, spec)
    }
}

/// Everything `wait-until` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The trigger path.
    pub trigger: String,
    /// The background path.
    pub background: String,
    /// Whether the worker made the background request.
    pub background_seen: bool,
    /// How long after the trigger was answered Chromium ended the worker, if it did within
    /// the bound.
    pub ended_after: Option<Duration>,
    /// How the held background request ended.
    pub hold_end: Option<HoldEnd>,
    /// How long the worker was kept alive (the bound) when it was.
    pub alive_for: Duration,
    /// The cache holding the background response afterwards, if any.
    pub stored_in: Option<String>,
}

impl Check for WaitUntil {
    const NAME: &'static str = "wait-until";
    const ABOUT: &'static str =
        "work the worker does after answering survives Chromium ending idle workers";
    const EXPECTED_SECONDS: u32 = 40;

    fn suggest(_: &BuildFacts) -> Suggestion {
        Suggestion::Template(&[
            "# Work the worker does after answering (inside `event.waitUntil`) must survive Chromium",
            "# ending idle workers:",
            "# - wait-until:",
            "#     trigger: /api/refresh         # a request the page makes that starts background work",
            "#     background: /data/feed.json   # what the worker then fetches and caches",
        ])
    }

    type Observation = Observation;

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let deploy = self.deploy.name().to_string();
        s.install(&deploy).await?;
        let what = format!("it answered {}", self.trigger);
        let run = s
            .hold_background_work(&self.background, &what, async {
                s.page_fetch(&self.trigger, &[]).await.map(|_| ())
            })
            .await?;
        let mut o = Observation {
            trigger: self.trigger.clone(),
            background: self.background.clone(),
            background_seen: run.seen,
            ended_after: run.ended_after,
            hold_end: run.hold_end,
            alive_for: run.alive_for,
            stored_in: None,
        };
        if !run.seen {
            return Ok(o);
        }
        o.stored_in = if run.delivered() {
            s.wait_for_cache_entry(&self.background).await?
        } else {
            s.cache_holding(&self.background).await?
        };
        Ok(o)
    }

    fn judge(&self, o: &Observation) -> Judgement {
        if !o.background_seen {
            return Judgement::CannotJudge(format!(
                "the page's request for {} did not make the worker request {}, so there was no background work to judge",
                o.trigger, o.background
            ));
        }
        match (o.ended_after, &o.stored_in) {
            (Some(after), None) => Judgement::Fail(format!(
                "work the worker started after answering is lost because it is not inside event.waitUntil: Chromium ended the idle worker {:.1}s after it answered {} while its request for {} was still open ({}), so the response never reached Cache Storage",
                after.as_secs_f64(),
                o.trigger,
                o.background,
                match o.hold_end {
                    Some(HoldEnd::Abandoned) => "Chromium closed the connection",
                    _ => "the connection was still held",
                }
            )),
            (None, Some(cache)) => Judgement::Pass(format!(
                "the worker's background work survived: with its request for {} held open it stayed alive {:.0}s after answering {} (Chromium ends idle workers after 30s), and once released the response was stored in cache `{cache}`",
                o.background,
                o.alive_for.as_secs_f64(),
                o.trigger
            )),
            (None, None) => Judgement::CannotJudge(format!(
                "the worker stayed alive with its request for {} open, but after the response was released it never appeared in Cache Storage",
                o.background
            )),
            (Some(after), Some(cache)) => Judgement::CannotJudge(format!(
                "Chromium ended the worker {:.1}s after it answered {}, yet {} is in cache `{cache}`: the background request did not stay held",
                after.as_secs_f64(),
                o.trigger,
                o.background
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::IDLE_TERMINATION_BOUND;

    fn observation(ended_after: Option<u64>, stored_in: Option<&str>) -> Observation {
        Observation {
            trigger: "/api/refresh".into(),
            background: "/data/feed.json".into(),
            background_seen: true,
            ended_after: ended_after.map(Duration::from_millis),
            hold_end: Some(if ended_after.is_some() {
                HoldEnd::Abandoned
            } else {
                HoldEnd::Delivered
            }),
            alive_for: IDLE_TERMINATION_BOUND,
            stored_in: stored_in.map(str::to_owned),
        }
    }

    #[test]
    fn fails_when_chromium_ends_the_worker_mid_work() {
        assert_eq!(
            WaitUntil::default().judge(&observation(Some(30_010), None)),
            Judgement::Fail(
                "work the worker started after answering is lost because it is not inside event.waitUntil: Chromium ended the idle worker 30.0s after it answered /api/refresh while its request for /data/feed.json was still open (Chromium closed the connection), so the response never reached Cache Storage".into()
            )
        );
    }

    #[test]
    fn passes_when_the_worker_outlives_the_idle_delay_and_stores_the_response() {
        assert_eq!(
            WaitUntil::default().judge(&observation(None, Some("feed"))),
            Judgement::Pass(
                "the worker's background work survived: with its request for /data/feed.json held open it stayed alive 40s after answering /api/refresh (Chromium ends idle workers after 30s), and once released the response was stored in cache `feed`".into()
            )
        );
    }

    #[test]
    fn no_background_request_cannot_be_judged() {
        let mut o = observation(None, None);
        o.background_seen = false;
        assert!(matches!(
            WaitUntil::default().judge(&o),
            Judgement::CannotJudge(_)
        ));
    }
}
