//! Every request the fixture server answered, in order, with a way to wait for one.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::error::ServerError;

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// Position in the log (0-based).
    pub seq: usize,
    /// Time since the server started.
    pub at: Duration,
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Status sent.
    pub status: u16,
    /// The deploy that answered.
    pub deploy: String,
    /// Whether the request carried `Service-Worker: script` (a worker script fetch).
    pub service_worker_script: bool,
    /// Whether it carried `Service-Worker-Navigation-Preload` (Chromium's navigation preload
    /// request, sent beside the worker's own handling when preload is enabled).
    pub navigation_preload: bool,
    /// The `Content-Type` sent, if any.
    pub content_type: Option<String>,
    /// The `Cache-Control` sent, if any.
    pub cache_control: Option<String>,
    /// Whether the edge cache answered (with the deploy it had cached) instead of the origin.
    pub edge_hit: bool,
    /// The host rules and preset defaults behind the response (what `x-swgate-rule` says).
    pub rules: Option<String>,
}

impl RequestRecord {
    /// Whether this is a worker-script fetch (`Service-Worker: script`) of `path`, its query
    /// ignored: a registration's update check or install, never a page's own request.
    pub fn is_worker_script(&self, path: &str) -> bool {
        self.service_worker_script && crate::spec::strip_query(&self.path) == path
    }

    /// Whether this is a request for `path` (query ignored) that is not a worker-script fetch:
    /// what a page or a worker's `fetch` asked for.
    pub fn is_page_request_for(&self, path: &str) -> bool {
        !self.service_worker_script && crate::spec::strip_query(&self.path) == path
    }
}

/// The request log, shared by the server and the scenario.
#[derive(Debug)]
pub struct RequestLog {
    started: Instant,
    records: Mutex<Vec<RequestRecord>>,
    len: watch::Sender<usize>,
}

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog {
            started: Instant::now(),
            records: Mutex::new(Vec::new()),
            len: watch::channel(0).0,
        }
    }
}

impl RequestLog {
    pub(crate) fn push(&self, mut record: RequestRecord) {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        record.seq = records.len();
        record.at = self.started.elapsed();
        records.push(record);
        let len = records.len();
        drop(records);
        self.len.send_replace(len);
    }

    /// A copy of every record so far.
    pub fn snapshot(&self) -> Vec<RequestRecord> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// How many requests have been logged (the `seq` the next one gets).
    pub fn len(&self) -> usize {
        *self.len.borrow()
    }

    /// True when nothing was requested yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `404 for /x` for each request from position `since` on that the server answered with
    /// an error status, in order.
    pub fn errors_since(&self, since: usize) -> Vec<String> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .skip(since)
            .filter(|r| r.status >= 400)
            .map(|r| format!("{} for {}", r.status, r.path))
            .collect()
    }

    /// The newest record matching `pred`.
    pub fn last_matching(&self, pred: impl Fn(&RequestRecord) -> bool) -> Option<RequestRecord> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .rev()
            .find(|r| pred(r))
            .cloned()
    }

    /// Waits for a record with `seq >= from` matching `pred`; `what` names it for the timeout.
    pub async fn wait_for(
        &self,
        from: usize,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&RequestRecord) -> bool,
    ) -> Result<RequestRecord, ServerError> {
        wait_for_item(&self.records, &self.len, from, what, timeout, pred).await
    }
}

/// Waits, bounded, for an item at index `>= from` of a growing list matching `pred`,
/// re-checking whenever `changed` is signalled; the timeout error names `what`.
pub(crate) async fn wait_for_item<T: Clone>(
    list: &Mutex<Vec<T>>,
    changed: &watch::Sender<usize>,
    from: usize,
    what: &str,
    timeout: Duration,
    pred: impl Fn(&T) -> bool,
) -> Result<T, ServerError> {
    let mut rx = changed.subscribe();
    let wait = async {
        loop {
            rx.borrow_and_update();
            let found = list
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .skip(from)
                .find(|item| pred(item))
                .cloned();
            if let Some(item) = found {
                return item;
            }
            // The sender outlives this borrow, so `changed` cannot fail here.
            let _ = rx.changed().await;
        }
    };
    tokio::time::timeout(timeout, wait)
        .await
        .map_err(|_| ServerError::Timeout {
            what: what.to_string(),
            after: timeout,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(path: &str) -> RequestRecord {
        RequestRecord {
            seq: 0,
            at: Duration::ZERO,
            method: "GET".into(),
            path: path.into(),
            status: 200,
            deploy: "v1".into(),
            service_worker_script: false,
            navigation_preload: false,
            content_type: None,
            cache_control: None,
            edge_hit: false,
            rules: None,
        }
    }

    #[tokio::test]
    async fn wait_sees_a_request_logged_later() {
        let log = std::sync::Arc::new(RequestLog::default());
        log.push(record("/"));
        let l2 = log.clone();
        let waiter = tokio::spawn(async move {
            l2.wait_for(1, "/sw.js", Duration::from_secs(5), |r| r.path == "/sw.js")
                .await
        });
        log.push(record("/sw.js"));
        let got = waiter.await.unwrap().unwrap();
        assert_eq!(got.seq, 1);
    }

    #[tokio::test]
    async fn wait_times_out_naming_what_it_waited_for() {
        let log = RequestLog::default();
        let err = log
            .wait_for(0, "a request for /sw.js", Duration::from_millis(20), |_| {
                true
            })
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "timed out after 0.0s waiting for a request for /sw.js"
        );
    }
}
