//! What the page received, from CDP Network events: which responses, from where.

use chromiumoxide::cdp::browser_protocol::network::{
    EventResponseReceived, ResourceType, ServiceWorkerResponseSource,
};

/// One response the page received.
#[derive(Debug, Clone)]
pub struct Response {
    /// CDP request id (for `Network.getResponseBody`).
    pub request_id: String,
    /// CDP loader id: ties subresources to the document load that requested them.
    pub loader_id: String,
    /// Full URL.
    pub url: String,
    /// Resource type as CDP names it (`Document`, `Script`, ...).
    pub resource_type: String,
    /// HTTP status.
    pub status: i64,
    /// Who answered: `network`, `service worker (cache "x")`, `service worker (network)`,
    /// `http cache`.
    pub source: String,
    /// Whether a service worker produced the response.
    pub from_service_worker: bool,
}

/// Responses in arrival order.
#[derive(Debug, Clone, Default)]
pub struct NetworkLog {
    /// Every response seen, oldest first.
    pub responses: Vec<Response>,
}

impl NetworkLog {
    pub(crate) fn record(&mut self, e: &EventResponseReceived) {
        let r = &e.response;
        let from_sw = r.from_service_worker.unwrap_or(false);
        let source = if from_sw {
            match (
                &r.service_worker_response_source,
                &r.cache_storage_cache_name,
            ) {
                (Some(ServiceWorkerResponseSource::CacheStorage), Some(name)) => {
                    format!("service worker (cache \"{name}\")")
                }
                (Some(ServiceWorkerResponseSource::CacheStorage), None) => {
                    "service worker (cache)".into()
                }
                (Some(ServiceWorkerResponseSource::HttpCache), _) => {
                    "service worker (http cache)".into()
                }
                (Some(ServiceWorkerResponseSource::Network), _) => {
                    "service worker (network)".into()
                }
                _ => "service worker".into(),
            }
        } else if r.from_disk_cache.unwrap_or(false) {
            "http cache".into()
        } else {
            "network".into()
        };
        self.responses.push(Response {
            request_id: e.request_id.inner().clone(),
            loader_id: e.loader_id.inner().clone(),
            url: r.url.clone(),
            resource_type: resource_type_name(&e.r#type).into(),
            status: r.status,
            source,
            from_service_worker: from_sw,
        });
    }

    /// The newest main-document response.
    pub fn last_document(&self) -> Option<&Response> {
        self.responses
            .iter()
            .rev()
            .find(|r| r.resource_type == "Document")
    }

    /// Responses belonging to the document load `loader_id`, document excluded.
    pub fn subresources_of<'a>(&'a self, loader_id: &'a str) -> impl Iterator<Item = &'a Response> {
        self.responses
            .iter()
            .filter(move |r| r.loader_id == loader_id && r.resource_type != "Document")
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
