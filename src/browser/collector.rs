//! One task per page that turns CDP events into the page's state (service workers, network,
//! console), with a flush barrier.
//!
//! chromiumoxide puts each event into its listener's channel as soon as it reads it from the
//! socket, in socket order. So once the response to a command has arrived, every event Chromium
//! sent before it is already queued; [`Collector::flush`] drains every queue, and after it the
//! state includes all of them. Without the barrier, reading the console right after an action
//! could miss the exception or the 404 the action caused (seen: a lazy chunk's 404 missing from
//! a failure message one run in three).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::log::{EventEntryAdded, LogEntryLevel};
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent, EventResponseReceived,
};
use chromiumoxide::cdp::browser_protocol::service_worker::{
    EventWorkerErrorReported, EventWorkerRegistrationUpdated, EventWorkerVersionUpdated,
};
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EventConsoleApiCalled, EventExceptionThrown,
};
use chromiumoxide::listeners::EventStream;
use futures::{FutureExt, StreamExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::network_log::{NetworkLog, NetworkRequest, EVIDENCE_HEADERS};
use super::page::{ConsoleEntry, DeployOfScript};
use super::sw_state::{SwState, WorkerError};
use crate::timeline::{Timeline, TimelineEvent};

/// The event streams of one page, subscribed before the domains are enabled.
pub(crate) struct Streams {
    pub(crate) versions: EventStream<EventWorkerVersionUpdated>,
    pub(crate) registrations: EventStream<EventWorkerRegistrationUpdated>,
    pub(crate) worker_errors: EventStream<EventWorkerErrorReported>,
    pub(crate) sent: EventStream<EventRequestWillBeSent>,
    pub(crate) responses: EventStream<EventResponseReceived>,
    pub(crate) finished: EventStream<EventLoadingFinished>,
    pub(crate) failed: EventStream<EventLoadingFailed>,
    pub(crate) exceptions: EventStream<EventExceptionThrown>,
    pub(crate) console_calls: EventStream<EventConsoleApiCalled>,
    pub(crate) log_entries: EventStream<EventEntryAdded>,
}

/// Where the events go.
pub(crate) struct Sinks {
    pub(crate) sw: Arc<Mutex<SwState>>,
    pub(crate) sw_changed: watch::Sender<u64>,
    pub(crate) network: Arc<Mutex<NetworkLog>>,
    pub(crate) network_changed: watch::Sender<u64>,
    pub(crate) console: Arc<Mutex<Vec<ConsoleEntry>>>,
    pub(crate) deploy_of_script: DeployOfScript,
    /// The scenario's timeline: worker changes, responses and console errors go there too.
    pub(crate) timeline: Arc<Timeline>,
    /// This page's tab number in the scenario (1 = the scenario's page).
    pub(crate) tab: u32,
}

/// The running collector task and its flush channel.
pub(crate) struct Collector {
    task: JoinHandle<()>,
    flush: mpsc::UnboundedSender<oneshot::Sender<()>>,
}

impl Collector {
    pub(crate) fn spawn(mut streams: Streams, sinks: Sinks) -> Self {
        let (flush, mut flush_rx) = mpsc::unbounded_channel::<oneshot::Sender<()>>();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    Some(e) = streams.versions.next() => sinks.versions(&e),
                    Some(e) = streams.registrations.next() => sinks.registrations(&e),
                    Some(e) = streams.worker_errors.next() => sinks.worker_error(&e),
                    Some(e) = streams.sent.next() => sinks.network(|n| n.sent(&e)),
                    Some(e) = streams.responses.next() => sinks.received(&e),
                    Some(e) = streams.finished.next() => sinks.network(|n| n.finished(&e)),
                    Some(e) = streams.failed.next() => sinks.failed(&e),
                    Some(e) = streams.exceptions.next() => sinks.exception(&e),
                    Some(e) = streams.console_calls.next() => sinks.console_call(&e),
                    Some(e) = streams.log_entries.next() => sinks.log_entry(&e),
                    Some(reply) = flush_rx.recv() => {
                        streams.drain(&sinks);
                        let _ = reply.send(());
                    }
                    else => break,
                }
            }
        });
        Collector { task, flush }
    }

    /// Waits until every event queued so far has been applied (bounded by `timeout`).
    pub(crate) async fn flush(&self, timeout: Duration) {
        let (tx, rx) = oneshot::channel();
        if self.flush.send(tx).is_ok() {
            let _ = tokio::time::timeout(timeout, rx).await;
        }
    }

    pub(crate) fn stop(&self) {
        self.task.abort();
    }
}

impl Streams {
    /// Applies every event already queued, without waiting for new ones.
    fn drain(&mut self, sinks: &Sinks) {
        macro_rules! drain {
            ($stream:expr, |$e:ident| $apply:expr) => {
                while let Some(Some($e)) = $stream.next().now_or_never() {
                    $apply;
                }
            };
        }
        // Network before console: a console line about a failed load follows its request.
        drain!(self.versions, |e| sinks.versions(&e));
        drain!(self.registrations, |e| sinks.registrations(&e));
        drain!(self.worker_errors, |e| sinks.worker_error(&e));
        drain!(self.sent, |e| sinks.network(|n| n.sent(&e)));
        drain!(self.responses, |e| sinks.received(&e));
        drain!(self.finished, |e| sinks.network(|n| n.finished(&e)));
        drain!(self.failed, |e| sinks.failed(&e));
        drain!(self.exceptions, |e| sinks.exception(&e));
        drain!(self.console_calls, |e| sinks.console_call(&e));
        drain!(self.log_entries, |e| sinks.log_entry(&e));
    }
}

impl Sinks {
    fn versions(&self, e: &EventWorkerVersionUpdated) {
        let mut changed = Vec::new();
        {
            let mut state = self.sw.lock().unwrap_or_else(|p| p.into_inner());
            // Scenarios in the default browser context (storage on disk) see each other's
            // workers: only this scenario's origin counts.
            for v in e
                .versions
                .iter()
                .filter(|v| self.timeline.is_own(&v.script_url))
            {
                let before = state
                    .versions
                    .get(&v.version_id)
                    .map(|x| (x.status, x.running, x.deploy.clone()));
                let deploy_of_script = self.deploy_of_script.clone();
                state.apply_version(v, move || deploy_of_script());
                let now = &state.versions[&v.version_id];
                if before != Some((now.status, now.running, now.deploy.clone())) {
                    changed.push(TimelineEvent::Worker {
                        version_id: now.version_id.clone(),
                        deploy: now.deploy.clone(),
                        status: now.status.as_str().into(),
                        running: now.running,
                    });
                }
            }
        }
        // Every tab of a scenario sees the same workers: the first tab speaks for them.
        if self.tab == 1 {
            for event in changed {
                self.timeline.push(event);
            }
        }
        self.sw_changed.send_modify(|n| *n += 1);
    }

    fn registrations(&self, e: &EventWorkerRegistrationUpdated) {
        let mut changed = Vec::new();
        {
            let mut state = self.sw.lock().unwrap_or_else(|p| p.into_inner());
            for r in e
                .registrations
                .iter()
                .filter(|r| self.timeline.is_own(&r.scope_url))
            {
                let now = (r.scope_url.clone(), r.is_deleted);
                if state.registrations.get(r.registration_id.inner()) != Some(&now) {
                    changed.push(TimelineEvent::Registration {
                        scope: r.scope_url.clone(),
                        deleted: r.is_deleted,
                    });
                }
                state
                    .registrations
                    .insert(r.registration_id.inner().clone(), now);
            }
        }
        // Every tab of a scenario sees the same workers: the first tab speaks for them.
        if self.tab == 1 {
            for event in changed {
                self.timeline.push(event);
            }
        }
        self.sw_changed.send_modify(|n| *n += 1);
    }

    fn worker_error(&self, e: &EventWorkerErrorReported) {
        let m = &e.error_message;
        let text = if m.source_url.is_empty() {
            m.error_message.clone()
        } else {
            format!(
                "{} ({}:{}:{})",
                m.error_message, m.source_url, m.line_number, m.column_number
            )
        };
        self.sw
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .errors
            .push(WorkerError {
                version_id: m.version_id.clone(),
                text: text.clone(),
            });
        self.push_console("service worker", text);
        self.sw_changed.send_modify(|n| *n += 1);
    }

    fn network(&self, apply: impl FnOnce(&mut NetworkLog)) {
        apply(&mut self.network.lock().unwrap_or_else(|p| p.into_inner()));
        self.network_changed.send_modify(|n| *n += 1);
    }

    fn received(&self, e: &EventResponseReceived) {
        self.request_changed(e.request_id.inner(), |n| n.received(e));
    }

    fn failed(&self, e: &EventLoadingFailed) {
        self.request_changed(e.request_id.inner(), |n| n.failed(e));
    }

    /// Applies an event that settles a request's outcome, then records the request.
    fn request_changed(&self, request_id: &str, apply: impl FnOnce(&mut NetworkLog)) {
        let mut request = None;
        self.network(|n| {
            apply(n);
            request = n.get(request_id).cloned();
        });
        if let Some(r) = request {
            self.push_request(&r);
        }
    }

    fn push_request(&self, r: &NetworkRequest) {
        self.timeline.push(TimelineEvent::Request {
            tab: self.tab,
            url: r.url.clone(),
            resource_type: r.resource_type.clone(),
            status: r.status,
            source: r.source_kind,
            cache_name: r.cache_name.clone(),
            failed: r.failed.clone(),
            headers: r
                .headers
                .iter()
                .filter(|(name, _)| EVIDENCE_HEADERS.contains(&name.as_str()))
                .cloned()
                .collect(),
        });
    }

    fn exception(&self, e: &EventExceptionThrown) {
        let d = &e.exception_details;
        let detail = d
            .exception
            .as_ref()
            .and_then(|x| x.description.clone())
            .unwrap_or_default();
        let text = if detail.is_empty() {
            d.text.clone()
        } else {
            format!("{} {}", d.text, detail.lines().next().unwrap_or_default())
        };
        self.push_console("page", text);
    }

    fn console_call(&self, e: &EventConsoleApiCalled) {
        if e.r#type != ConsoleApiCalledType::Error {
            return;
        }
        let text = e
            .args
            .iter()
            .map(|a| match &a.value {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => a.description.clone().unwrap_or_default(),
            })
            .collect::<Vec<_>>()
            .join(" ");
        self.push_console("page", format!("console.error: {text}"));
    }

    fn log_entry(&self, e: &EventEntryAdded) {
        if e.entry.level == LogEntryLevel::Error {
            let url = e.entry.url.clone().unwrap_or_default();
            self.push_console("page", format!("{} {url}", e.entry.text).trim().into());
        }
    }

    fn push_console(&self, origin: &'static str, text: String) {
        self.timeline.push(TimelineEvent::Console {
            origin: origin.into(),
            text: text.clone(),
        });
        self.console
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(ConsoleEntry { origin, text });
    }
}
