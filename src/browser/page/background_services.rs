//! Chromium's own record of push messages and notifications (CDP `BackgroundService`, what
//! DevTools shows under Application → Background services).
//!
//! The record is the race-free evidence that a notification was shown: reading
//! `registration.getNotifications()` while a `showNotification` is in flight makes Chromium drop
//! that notification from the list for good (57 of 60 raced reads, Chromium 148;
//! docs/chromium.md, "Push and notifications"), and a shown notification leaves the list on its
//! own 20-35 s later in headless Chromium. The record has neither problem: Chromium logs
//! "Notification displayed" (with the title) as it shows one, and "Push event completed" (with
//! a status) once the push event's `waitUntil` promises settled.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::background_service::{
    EventBackgroundServiceEventReceived, ServiceName, SetRecordingParams, StartObservingParams,
};
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{BrowserError, ScenarioPage};

/// One event Chromium logged for a background service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackgroundEvent {
    /// `pushMessaging` or `notifications`.
    pub service: &'static str,
    /// Chromium's name for it, e.g. "Push event completed", "Notification displayed".
    pub name: String,
    /// Its metadata (e.g. `Title`, `Status`), in Chromium's order.
    pub metadata: Vec<(String, String)>,
}

impl BackgroundEvent {
    /// The value of metadata `key`, if logged.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The push and notification events Chromium logged for one origin since recording started;
/// recording ends (the listener with it) when this is dropped.
pub struct BackgroundRecord {
    events: Arc<Mutex<Vec<BackgroundEvent>>>,
    changed: watch::Receiver<u64>,
    task: JoinHandle<()>,
}

impl Drop for BackgroundRecord {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl BackgroundRecord {
    /// The events logged so far, in order.
    pub fn events(&self) -> Vec<BackgroundEvent> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

const SERVICES: [(ServiceName, &str); 2] = [
    (ServiceName::PushMessaging, "pushMessaging"),
    (ServiceName::Notifications, "notifications"),
];

impl ScenarioPage {
    /// Starts recording the push and notification events Chromium logs for `origin` in this
    /// page's browser context (CDP `BackgroundService.startObserving` + `setRecording`).
    pub async fn record_background_services(
        &self,
        origin: &str,
    ) -> Result<BackgroundRecord, BrowserError> {
        let mut stream = self.listen::<EventBackgroundServiceEventReceived>().await?;
        let events: Arc<Mutex<Vec<BackgroundEvent>>> = Arc::default();
        let (tx, changed) = watch::channel(0u64);
        let sink = events.clone();
        // Chromium reports the origin with a trailing slash ("http://127.0.0.1:8080/").
        let own = origin.trim_end_matches('/').to_string();
        let task = tokio::spawn(async move {
            while let Some(e) = stream.next().await {
                let e = &e.background_service_event;
                if e.origin.trim_end_matches('/') != own {
                    continue;
                }
                let Some((_, service)) = SERVICES.iter().find(|(s, _)| *s == e.service) else {
                    continue;
                };
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(BackgroundEvent {
                        service,
                        name: e.event_name.clone(),
                        metadata: e
                            .event_metadata
                            .iter()
                            .map(|m| (m.key.clone(), m.value.clone()))
                            .collect(),
                    });
                tx.send_modify(|n| *n += 1);
            }
        });
        let record = BackgroundRecord {
            events,
            changed,
            task,
        };
        for (service, name) in SERVICES {
            self.call(
                &format!("BackgroundService.startObserving {name}"),
                self.page
                    .execute(StartObservingParams::new(service.clone())),
            )
            .await?;
            self.call(
                &format!("BackgroundService.setRecording {name}"),
                self.page.execute(SetRecordingParams::new(true, service)),
            )
            .await?;
        }
        Ok(record)
    }

    /// Waits (bounded by `timeout`) until `done` holds for `record`'s events; `what` names the
    /// condition in the timeout.
    pub async fn wait_for_background(
        &self,
        record: &BackgroundRecord,
        what: &str,
        timeout: Duration,
        done: impl Fn(&[BackgroundEvent]) -> bool,
    ) -> Result<Vec<BackgroundEvent>, BrowserError> {
        self.wait_on(&record.events, &record.changed, timeout, |e| done(e))
            .await
            .map_err(|e| match e {
                BrowserError::Timeout { after, .. } => BrowserError::Timeout {
                    what: what.to_string(),
                    after,
                },
                other => other,
            })
    }
}
