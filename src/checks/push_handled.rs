//! `push-handled`: a push message delivered to the active worker ends in a notification, even
//! when the handler must fetch something first and Chromium's idle termination comes around.
//!
//! A push handler that shows its notification after a fetch outside `event.waitUntil` lets
//! the event end at once; Chromium ends the idle worker 30 s later and the notification never
//! appears. swgate grants the notifications permission (CDP `Browser.setPermission`, as a user
//! who accepted the prompt), delivers the message (CDP `ServiceWorker.deliverPushMessage`: no
//! push service or subscription needed), holds the handler's request at the server while
//! Chromium decides ([`crate::scenario::IDLE_TERMINATION_BOUND`]), and reads the notifications
//! in Chromium's background-service record (CDP `BackgroundService`: "Notification displayed",
//! "Push event completed"), not through `registration.getNotifications()`, whose read races
//! the handler's `showNotification` (see [`crate::browser::BackgroundRecord`]).

use serde::Deserialize;

use crate::browser::BackgroundEvent;
use crate::scenario::{BackgroundRun, Scenario, ScenarioError};
use crate::spec::{BuildFacts, Spec, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_first, DeployRef};

/// Parameters of `push-handled`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct PushHandled {
    /// The request the push handler makes before it shows its notification (the server holds
    /// it while Chromium's idle termination decides).
    #[serde(deserialize_with = "crate::spec::url_path")]
    #[schemars(with = "crate::spec::UrlPath")]
    pub background: String,
    /// The push message's text.
    pub data: String,
    /// The deploy to install (default: the first).
    #[schemars(with = "Option<String>")]
    pub deploy: DeployRef,
}

impl Default for PushHandled {
    fn default() -> Self {
        PushHandled {
            background: "/api/push".into(),
            data: "swgate push".into(),
            deploy: DeployRef::default(),
        }
    }
}

impl PushHandled {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_first(&mut self.deploy, spec)
    }
}

/// Everything `push-handled` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The handler's request.
    pub background: String,
    /// Whether a worker was registered to deliver the message to.
    pub registered: bool,
    /// What became of the held request.
    pub run: BackgroundRun,
    /// The titles of the notifications Chromium displayed after the message was delivered.
    pub notifications: Vec<String>,
    /// The status Chromium logged when the push event completed, if it did.
    pub completed: Option<String>,
    /// Whether the push event was still running the scenario's wait after the release.
    pub unfinished: bool,
}

/// Chromium's record of a finished push event.
fn is_push_completed(e: &BackgroundEvent) -> bool {
    e.service == "pushMessaging" && e.name == "Push event completed"
}

impl Check for PushHandled {
    const NAME: &'static str = "push-handled";
    const ABOUT: &'static str =
        "a push message ends in a notification, even when the handler fetches first and Chromium ends idle workers";
    const EXPECTED_SECONDS: u32 = 40;

    fn suggest(build: &BuildFacts) -> Suggestion {
        if !build.listens_for_push {
            return Suggestion::Skip;
        }
        Suggestion::Template(&[
            "# The worker handles `push`: a push message must end in a notification, also when the",
            "# handler fetches something first and Chromium ends the idle worker:",
            "# - push-handled:",
            "#     background: /api/push      # what the handler fetches before it shows its notification",
        ])
    }

    type Observation = Observation;

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let deploy = self.deploy.name().to_string();
        s.install(&deploy).await?;
        let origin = s.origin();
        s.page().grant_notifications(&origin).await?;
        s.note("granted the notifications permission, as a user who accepted the prompt");
        let mut o = Observation {
            background: self.background.clone(),
            registered: false,
            run: BackgroundRun::default(),
            notifications: Vec::new(),
            completed: None,
            unfinished: false,
        };
        let Some(registration) = s.live_registration_id() else {
            return Ok(o);
        };
        o.registered = true;
        // Chromium's own record of the push event and the notifications it showed: reading
        // `getNotifications()` instead races the handler's `showNotification` and can lose the
        // notification for good (see `browser::BackgroundRecord`).
        let record = s.page().record_background_services(&origin).await?;
        o.run = s
            .hold_background_work(&self.background, "the push message was delivered", async {
                s.page()
                    .deliver_push(&origin, &registration, &self.data)
                    .await?;
                s.note(format!("delivered a push message: {:?}", self.data));
                Ok(())
            })
            .await?;
        let events = if o.run.ended_after.is_some() {
            // The worker is gone: whatever it showed was logged long before.
            record.events()
        } else {
            // The handler has its response (or made no request): its push event completes once
            // its `waitUntil` promises settle, after the notification it shows there.
            match s
                .page()
                .wait_for_background(
                    &record,
                    "the push event to complete",
                    s.wait(),
                    |ev| ev.iter().any(is_push_completed),
                )
                .await
            {
                Ok(events) => events,
                Err(crate::browser::BrowserError::Timeout { .. }) => {
                    o.unfinished = true;
                    record.events()
                }
                Err(e) => return Err(e.into()),
            }
        };
        o.completed = events
            .iter()
            .find(|e| is_push_completed(e))
            .map(|e| e.get("Status").unwrap_or("no status").to_string());
        o.notifications = events
            .iter()
            .filter(|e| e.service == "notifications" && e.name == "Notification displayed")
            .map(|e| e.get("Title").unwrap_or_default().to_string())
            .collect();
        match &o.completed {
            Some(status) => s.note(format!("Chromium: push event completed ({status})")),
            None if o.unfinished => s.note(format!(
                "Chromium: the push event had not completed {:.0}s after the release",
                s.wait().as_secs_f64()
            )),
            None => s.note("Chromium logged no completed push event"),
        }
        s.note(format!(
            "notifications Chromium displayed: {}",
            if o.notifications.is_empty() {
                "none".to_string()
            } else {
                o.notifications.join(", ")
            }
        ));
        Ok(o)
    }

    fn judge(&self, o: &Observation) -> Judgement {
        if !o.registered {
            return Judgement::CannotJudge(
                "no worker was registered to deliver a push message to".into(),
            );
        }
        let shown = o
            .notifications
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(", ");
        match (o.run.seen, o.run.ended_after, o.notifications.is_empty()) {
            (false, _, false) => Judgement::Pass(format!(
                "the push message ended in a notification ({shown}); the handler made no request for {} to hold",
                o.background
            )),
            (false, _, true) => Judgement::Fail(format!(
                "the push message showed no notification, and the handler made no request for {}",
                o.background
            )),
            (true, Some(after), true) => Judgement::Fail(format!(
                "the push message's notification is lost because the handler's work is not inside event.waitUntil: Chromium ended the idle worker {:.1}s after the message was delivered while its request for {} was still open, so no notification was shown; return the fetch-then-showNotification promise to `event.waitUntil`",
                after.as_secs_f64(),
                o.background
            )),
            (true, Some(after), false) => Judgement::Fail(format!(
                "the push handler's work is not inside event.waitUntil: Chromium ended the idle worker {:.1}s after the message was delivered while its request for {} was still open, so that work was lost; Chromium displayed notifications ({shown}), but not from the handler's finished work; return the fetch-then-showNotification promise to `event.waitUntil`",
                after.as_secs_f64(),
                o.background
            )),
            (true, None, false) => Judgement::Pass(format!(
                "the push message ended in a notification ({shown}): with its request for {} held open the worker stayed alive {:.0}s (Chromium ends idle workers after 30s), and once released the handler showed it",
                o.background,
                o.run.alive_for.as_secs_f64()
            )),
            (true, None, true) => Judgement::Fail(format!(
                "the worker stayed alive with its request for {} open, but after the response was released ({}) {}: the handler does not show one for this response, or `showNotification` rejected",
                o.background,
                o.run.hold_end.map_or("its end unknown", |e| e.describe()),
                match &o.completed {
                    Some(status) => format!("its push event completed ({status}) and Chromium displayed no notification"),
                    None => "its push event had not completed within the scenario's wait and Chromium displayed no notification".to_string(),
                }
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{HoldEnd, IDLE_TERMINATION_BOUND};
    use std::time::Duration;

    fn observation(ended: Option<u64>, titles: &[&str]) -> Observation {
        Observation {
            background: "/api/push".into(),
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
            notifications: titles.iter().map(|t| t.to_string()).collect(),
            completed: Some("Success".into()),
            unfinished: false,
        }
    }

    #[test]
    fn a_notification_lost_to_idle_termination_fails() {
        let check = PushHandled::default();
        assert!(matches!(check.judge(&observation(Some(30_020), &[])), Judgement::Fail(ref m) if m.starts_with("the push message's notification is lost because the handler's work is not inside event.waitUntil: Chromium ended the idle worker 30.0s after")));
        assert!(matches!(check.judge(&observation(None, &["New message"])), Judgement::Pass(ref m) if m.starts_with("the push message ended in a notification (\"New message\"): with its request for /api/push held open the worker stayed alive 40s")));
    }
}
