//! What the page requested and received, from CDP Network events: which requests, answered
//! by whom, with which status, or how they failed.

use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent, EventResponseReceived,
    ResourceType, Response, ServiceWorkerResponseSource,
};

use crate::timeline::ResponseSource;

/// One request the page made, and its outcome so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRequest {
    /// Position in the log (0-based).
    pub seq: usize,
    /// CDP request id (for `Network.getResponseBody`).
    pub request_id: String,
    /// CDP loader id: ties subresources to the document load that requested them.
    pub loader_id: String,
    /// Full URL.
    pub url: String,
    /// Resource type as CDP names it (`Document`, `Script`, ...).
    pub resource_type: String,
    /// HTTP status, once a response arrived.
    pub status: Option<i64>,
    /// Who answered, once a response arrived.
    pub source_kind: Option<ResponseSource>,
    /// The Cache Storage cache a worker answered from, when Chromium names it.
    pub cache_name: Option<String>,
    /// The network error, when the request failed (`net::ERR_FAILED`, ...).
    pub failed: Option<String>,
    /// Whether the body has been received completely (or the request failed).
    pub done: bool,
    /// Every response header, names lower-case, sorted by name (the timeline keeps
    /// [`EVIDENCE_HEADERS`]).
    pub headers: Vec<(String, String)>,
}

/// Response headers kept as evidence: what decides how long a response is reused and where a
/// request was routed, and `x-swgate-rule`, the fixture server's note of which host rule or
/// preset produced the response.
pub const EVIDENCE_HEADERS: &[&str] = &[
    "cache-control",
    "expires",
    "etag",
    "last-modified",
    "vary",
    "location",
    "content-type",
    "x-swgate-rule",
];

/// Requests in the order they were sent.
#[derive(Debug, Clone, Default)]
pub struct NetworkLog {
    /// Every request seen, oldest first.
    pub requests: Vec<NetworkRequest>,
}

/// A CDP header object as (lower-case name, value) pairs, sorted by name.
fn all_headers(headers: &serde_json::Value) -> Vec<(String, String)> {
    let Some(map) = headers.as_object() else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = map
        .iter()
        .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_string())))
        .collect();
    out.sort();
    out
}

impl NetworkRequest {
    /// Who answered, in words: `network`, `service worker (cache "x")`,
    /// `service worker (network)`, `http cache`; empty until a response arrived.
    pub fn source(&self) -> String {
        self.source_kind
            .map(|k| k.describe(self.cache_name.as_deref()))
            .unwrap_or_default()
    }
}

impl NetworkLog {
    fn entry(&mut self, request_id: &str) -> Option<&mut NetworkRequest> {
        self.requests
            .iter_mut()
            .rev()
            .find(|r| r.request_id == request_id)
    }

    pub(crate) fn sent(&mut self, e: &EventRequestWillBeSent) {
        // One entry per request id: a redirect reuses the id (keep the final URL), and the
        // collector may apply `responseReceived` before `requestWillBeSent` (they arrive on
        // different channels), in which case the entry already exists.
        if let Some(r) = self.entry(e.request_id.inner()) {
            r.url = e.request.url.clone();
            return;
        }
        let seq = self.requests.len();
        self.requests.push(NetworkRequest {
            seq,
            request_id: e.request_id.inner().clone(),
            loader_id: e.loader_id.inner().clone(),
            url: e.request.url.clone(),
            resource_type: e.r#type.as_ref().map_or("Other", resource_type_name).into(),
            status: None,
            source_kind: None,
            cache_name: None,
            failed: None,
            done: false,
            headers: Vec::new(),
        });
    }

    pub(crate) fn received(&mut self, e: &EventResponseReceived) {
        let r = &e.response;
        let (kind, cache_name) = response_source(r);
        if self.entry(e.request_id.inner()).is_none() {
            let seq = self.requests.len();
            self.requests.push(NetworkRequest {
                seq,
                request_id: e.request_id.inner().clone(),
                loader_id: e.loader_id.inner().clone(),
                url: r.url.clone(),
                resource_type: resource_type_name(&e.r#type).into(),
                status: None,
                source_kind: None,
                cache_name: None,
                failed: None,
                done: false,
                headers: Vec::new(),
            });
        }
        let entry = self.entry(e.request_id.inner()).expect("inserted above");
        entry.url = r.url.clone();
        entry.status = Some(r.status);
        entry.source_kind = Some(kind);
        entry.cache_name = cache_name;
        entry.headers = all_headers(r.headers.inner());
    }

    pub(crate) fn finished(&mut self, e: &EventLoadingFinished) {
        if let Some(r) = self.entry(e.request_id.inner()) {
            r.done = true;
        }
    }

    pub(crate) fn failed(&mut self, e: &EventLoadingFailed) {
        if let Some(r) = self.entry(e.request_id.inner()) {
            r.failed = Some(e.error_text.clone());
            r.done = true;
        }
    }

    /// The request with CDP id `request_id` (the newest, should an id repeat).
    pub fn get(&self, request_id: &str) -> Option<&NetworkRequest> {
        self.requests
            .iter()
            .rev()
            .find(|r| r.request_id == request_id)
    }

    /// How many document requests were sent so far.
    pub fn documents(&self) -> usize {
        self.requests
            .iter()
            .filter(|r| r.resource_type == "Document")
            .count()
    }

    /// The first document request after the first `before` ones: a navigation's own document.
    /// Not the newest: when a worker answers a navigation with a network error, Chromium may
    /// send a second document request for the same URL that ends `net::ERR_ABORTED`, and
    /// whether it has arrived when the page is read depends on load (docs/chromium.md,
    /// "Events and their order").
    pub fn document_after(&self, before: usize) -> Option<&NetworkRequest> {
        self.requests
            .iter()
            .filter(|r| r.resource_type == "Document")
            .nth(before)
    }

    /// The page's document after the first `before` ones, once it can be read: the first one
    /// when it finished (see [`Self::document_after`]), else the newest finished one after it.
    /// An app that navigates itself (a kill switch's `client.navigate()`, vite-plugin-pwa's
    /// reload on `controlling`) can supersede a navigation whose document then never finishes:
    /// waiting for that one timed out (measured in tests/real, Chromium 156).
    pub fn settled_document_after(&self, before: usize) -> Option<&NetworkRequest> {
        let first = self.document_after(before)?;
        if first.done {
            return Some(first);
        }
        self.requests
            .iter()
            .filter(|r| r.resource_type == "Document")
            .skip(before + 1)
            .filter(|r| r.done && r.failed.is_none())
            .last()
    }

    /// Requests belonging to the document load `loader_id`, document excluded.
    pub fn subresources_of<'a>(
        &'a self,
        loader_id: &'a str,
    ) -> impl Iterator<Item = &'a NetworkRequest> {
        self.requests
            .iter()
            .filter(move |r| r.loader_id == loader_id && r.resource_type != "Document")
    }
}

/// Who produced `r`, and the cache a worker answered from.
fn response_source(r: &Response) -> (ResponseSource, Option<String>) {
    if !r.from_service_worker.unwrap_or(false) {
        return if r.from_disk_cache.unwrap_or(false) {
            (ResponseSource::HttpCache, None)
        } else {
            (ResponseSource::Network, None)
        };
    }
    let kind = match r.service_worker_response_source {
        Some(ServiceWorkerResponseSource::CacheStorage) => ResponseSource::ServiceWorkerCache,
        Some(ServiceWorkerResponseSource::HttpCache) => ResponseSource::ServiceWorkerHttpCache,
        Some(ServiceWorkerResponseSource::Network) => ResponseSource::ServiceWorkerNetwork,
        _ => ResponseSource::ServiceWorker,
    };
    let cache_name = match kind {
        ResponseSource::ServiceWorkerCache => r
            .cache_storage_cache_name
            .as_deref()
            .map(|name| cache_label(name, origin_of(&r.url))),
        _ => None,
    };
    (kind, cache_name)
}

/// A cache name as messages show it: the scenario's origin (a fresh port every run) written
/// `<origin>`, so Workbox's `workbox-precache-v2-http://127.0.0.1:41547/` reads the same in
/// every run (`workbox-precache-v2-<origin>/`).
pub fn cache_label(name: &str, origin: &str) -> String {
    name.replace(origin.trim_end_matches('/'), "<origin>")
}

/// `scheme://host:port` of an absolute URL (the whole URL when it has no path).
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

fn resource_type_name(t: &ResourceType) -> &'static str {
    match t {
        ResourceType::Document => "Document",
        ResourceType::Script => "Script",
        ResourceType::Stylesheet => "Stylesheet",
        ResourceType::Image => "Image",
        ResourceType::Fetch => "Fetch",
        ResourceType::Xhr => "XHR",
        _ => "Other",
    }
}
