//! Work a worker does in the background (after answering a fetch, for a push message, for a
//! sync event) held at the server while Chromium's idle termination decides its fate: the kit
//! `wait-until`, `push-handled` and `sync-completes` share.
//!
//! Chromium ends a worker 30 s after its last event finished, and an event lasts as long as
//! the promises given to `event.waitUntil`. The fixture server holds the worker's background
//! request open; swgate then waits, with nothing attached to the worker, for Chromium to end it
//! (measured at 30.0 s after the trigger), bounded by [`IDLE_TERMINATION_BOUND`]. Ended: the
//! work is provably lost (Chromium closes the held connection). Still running at the bound:
//! `waitUntil` kept it alive, and the response is released for the work to finish.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::server::{HoldEnd, HoldRule, Stall};

use super::error::ScenarioError;
use super::kit::Scenario;

/// How long after the trigger an idle worker must have been ended by Chromium.
///
/// Chromium's idle delay is 30 s; measured from the trigger's answer to the `stopped` state:
/// 29.8-30.0 s on a quiet 2-core machine, 30.0-31.5 s over 20 runs with both cores busy. The
/// margin keeps a loaded machine from turning a late termination into a pass.
pub const IDLE_TERMINATION_BOUND: Duration = Duration::from_secs(40);

/// How often Cache Storage (or the page's notifications) is read while waiting for released
/// work to land: CDP pushes no event when a worker's `cache.put` lands without tracking the
/// origin's storage, so the entry itself is the signal, read at this interval within the
/// scenario's wait bound.
pub const POLL: Duration = Duration::from_millis(100);

/// What became of the held background request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackgroundRun {
    /// Whether the worker made the background request after the trigger.
    pub seen: bool,
    /// How long after the trigger Chromium ended the worker, if it did within the bound.
    pub ended_after: Option<Duration>,
    /// How the held request ended.
    pub hold_end: Option<HoldEnd>,
    /// The bound the worker outlived, when it did.
    pub alive_for: Duration,
}

impl Default for BackgroundRun {
    fn default() -> Self {
        BackgroundRun {
            seen: false,
            ended_after: None,
            hold_end: None,
            alive_for: IDLE_TERMINATION_BOUND,
        }
    }
}

impl BackgroundRun {
    /// Whether the released response reached the worker (it stayed alive to receive it).
    pub fn delivered(&self) -> bool {
        self.ended_after.is_none() && self.hold_end == Some(HoldEnd::Delivered)
    }
}

impl Scenario {
    /// Holds requests for `background`, detaches from the workers, runs `trigger` (what makes
    /// the worker start its background work: a page fetch, a push message, a sync event) and
    /// waits for Chromium to end the idle worker or for the bound, then releases the hold
    /// (after Chromium closed it, when the worker ended). `what` names the trigger in notes.
    pub async fn hold_background_work<F>(
        &self,
        background: &str,
        what: &str,
        trigger: F,
    ) -> Result<BackgroundRun, ScenarioError>
    where
        F: Future<Output = Result<(), ScenarioError>>,
    {
        let hooks = self.server().hooks().clone();
        let _release = hooks.release_on_drop();
        hooks.hold(HoldRule {
            path: background.to_string(),
            navigations_only: false,
            stall: Stall::Headers,
        });
        self.page().detach_from_workers().await?;
        self.note("detached from workers: nothing may keep the worker alive but its events");
        let held_before = hooks.held().len();
        trigger.await?;
        let triggered = Instant::now();
        let mut run = BackgroundRun::default();
        let held = hooks
            .wait_held(
                held_before,
                &format!("the worker's background request for {background}"),
                self.wait(),
                |_| true,
            )
            .await;
        if held.is_err() {
            hooks.release_all();
            return Ok(run);
        }
        run.seen = true;
        self.note(format!(
            "holding the worker's background request for {background}"
        ));
        let remaining = IDLE_TERMINATION_BOUND.saturating_sub(triggered.elapsed());
        let ended = self
            .page()
            .wait_for_sw("Chromium to end the idle worker", remaining, |st| {
                st.versions.values().all(|v| !v.running)
            })
            .await;
        if ended.is_ok() {
            let after = triggered.elapsed();
            run.ended_after = Some(after);
            self.note(format!(
                "Chromium ended the worker {:.1}s after {what}",
                after.as_secs_f64()
            ));
            // Chromium closes the held connection as it ends the worker: wait for that before
            // releasing, so the release cannot race a response into a dying worker.
            let end = hooks
                .wait_held(
                    held_before,
                    &format!("Chromium to close the held request for {background}"),
                    self.wait(),
                    |h| h.ended.is_some(),
                )
                .await?;
            run.hold_end = end.ended.map(|(e, _)| e);
            hooks.release_all();
        } else {
            self.note(format!(
                "the worker is still running {:.1}s after {what}: releasing {background}",
                triggered.elapsed().as_secs_f64()
            ));
            hooks.release_all();
            let end = hooks
                .wait_held(
                    held_before,
                    &format!("the held response for {background} to be delivered"),
                    self.wait(),
                    |h| h.ended.is_some(),
                )
                .await?;
            run.hold_end = end.ended.map(|(e, _)| e);
        }
        Ok(run)
    }

    /// The cache holding an entry for `path`, if any.
    pub async fn cache_holding(&self, path: &str) -> Result<Option<String>, ScenarioError> {
        let url = self.server().url(path);
        Ok(self
            .page()
            .cache_contents(&self.origin())
            .await?
            .into_iter()
            .find(|c| c.entries.iter().any(|e| e.url == url))
            .map(|c| c.name))
    }

    /// Waits (bounded by the scenario's wait) for an entry for `path` to land in Cache Storage,
    /// as a released background response is stored: the cache holding it, or `None`.
    pub async fn wait_for_cache_entry(&self, path: &str) -> Result<Option<String>, ScenarioError> {
        let deadline = Instant::now() + self.wait();
        loop {
            if let Some(cache) = self.cache_holding(path).await? {
                self.note(format!("{path} stored in cache {cache}"));
                return Ok(Some(cache));
            }
            if Instant::now() >= deadline {
                self.note(format!(
                    "{path} not in Cache Storage {:.0}s after it was released",
                    self.wait().as_secs_f64()
                ));
                return Ok(None);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The id of the origin's live registration (CDP), for events delivered to its worker.
    pub fn live_registration_id(&self) -> Option<String> {
        self.sw_state()
            .registrations
            .iter()
            .find(|(_, (_, deleted))| !deleted)
            .map(|(id, _)| id.clone())
    }
}
