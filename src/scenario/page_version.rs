//! Which deploy a page is showing, decided from what it actually received.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use crate::browser::NetworkRequest;
use crate::browser::VersionStatus;
use crate::spec::VersionMarker;
use crate::timeline::ResponseSource;

use super::error::ScenarioError;
use super::kit::Scenario;

/// One resource the page received and the deploys whose file it is byte-identical to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceVersion {
    /// URL path.
    pub path: String,
    /// Deploys whose file at `path` has these bytes; `None` when the body was unavailable.
    pub deploys: Option<Vec<String>>,
    /// Who answered (`network`, `service worker (cache "x")`, ...).
    pub source: String,
    /// Whether the browser's HTTP cache answered, directly or through the worker's `fetch`.
    pub http_cache: bool,
    /// Whether the worker answered with a response it built (`new Response(...)`), so CDP
    /// cannot say where its body came from.
    pub worker_built: bool,
    /// Its response headers as the page got them (names lower-case): a worker's cached copy
    /// carries the headers stored with it.
    pub headers: Vec<(String, String)>,
}

/// What the page shows after a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageVersion {
    /// The main document.
    pub document: ResourceVersion,
    /// Scripts loaded by that document.
    pub scripts: Vec<ResourceVersion>,
    /// The version marker's value, when the spec sets one.
    pub marker: Option<String>,
    /// Deploys consistent with everything the page received, in deploy order.
    pub candidates: Vec<String>,
    /// The deploy of the worker controlling the page, if any.
    pub controller: Option<String>,
    /// Why there is no page, when the navigation failed (Chromium's error page, or the
    /// document's network error).
    pub load_error: Option<String>,
}

impl PageVersion {
    /// Builds the version from received resources; `deploy_order` lists every deploy.
    pub fn from_resources(
        document: ResourceVersion,
        scripts: Vec<ResourceVersion>,
        marker: Option<(String, Vec<String>)>,
        controller: Option<String>,
        deploy_order: &[String],
    ) -> Self {
        let mut candidates: Vec<String> = deploy_order.to_vec();
        let (marker, marker_deploys) = match marker {
            Some((value, deploys)) => (Some(value), Some(deploys)),
            None => (None, None),
        };
        let sets = match &marker_deploys {
            Some(d) => vec![d],
            None => std::iter::once(&document)
                .chain(&scripts)
                .filter_map(|r| r.deploys.as_ref())
                .collect(),
        };
        for set in sets {
            candidates.retain(|c| set.contains(c));
        }
        PageVersion {
            document,
            scripts,
            marker,
            candidates,
            controller,
            load_error: None,
        }
    }

    /// The one deploy the page shows, or `None` when ambiguous or mixed.
    pub fn shown(&self) -> Option<&str> {
        if self.load_error.is_some() {
            return None;
        }
        match self.candidates.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// A short human description: `v1 (document from service worker (cache "shell-v1"))`.
    pub fn describe(&self) -> String {
        if let Some(error) = &self.load_error {
            return format!("no page: {error}");
        }
        let mut out = match (self.candidates.as_slice(), &self.marker) {
            ([one], _) => one.clone(),
            ([], Some(m)) => format!("marker `{m}` (matches no deploy)"),
            ([], None) => self.describe_mix(),
            (many, _) => format!("one of {} (identical files)", many.join(", ")),
        };
        let _ = write!(out, " (document from {}", self.document.source);
        if let Some(c) = &self.controller {
            let _ = write!(out, ", worker {c} controls the page");
        } else {
            out.push_str(", no worker controls the page");
        }
        out.push(')');
        out
    }

    fn describe_mix(&self) -> String {
        let name = |r: &ResourceVersion| match &r.deploys {
            Some(d) if d.is_empty() => format!("{} matches no deploy", r.path),
            Some(d) => format!("{} from {}", r.path, d.join("/")),
            None => format!("{} unreadable", r.path),
        };
        let parts: Vec<String> = std::iter::once(&self.document)
            .chain(&self.scripts)
            .map(name)
            .collect();
        format!("a mix ({})", parts.join(", "))
    }
}

impl Scenario {
    /// What the page shows now: which deploy its document and scripts came from, and which
    /// worker controls it.
    pub async fn page_version(&self) -> Result<PageVersion, ScenarioError> {
        let restored = self
            .restored
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(mut version) = restored {
            // The back/forward cache gave back the page as it was; only control may differ.
            version.controller = self.controller().await?;
            self.note(format!(
                "page shows {} (restored from the back/forward cache)",
                version.describe()
            ));
            return Ok(version);
        }
        let before = self.documents_before.load(Ordering::SeqCst);
        self.page()
            .wait_for_network("the page's document to finish loading", self.wait, |log| {
                log.settled_document_after(before).is_some()
            })
            .await?;
        // The document is complete; apply every event received up to now (its scripts').
        self.page().flush().await;
        let network = self.page().network();
        let doc = network
            .settled_document_after(before)
            .cloned()
            .expect("waited for a document above");
        let deploys = self.server.deploys();
        let origin = self.server.origin();
        let resource = |r: &NetworkRequest, body: Option<Vec<u8>>| {
            let path = r.url.strip_prefix(&origin).unwrap_or(&r.url).to_string();
            ResourceVersion {
                deploys: body.map(|b| {
                    deploys
                        .all_matching(&path, &b)
                        .into_iter()
                        .map(str::to_owned)
                        .collect()
                }),
                path,
                source: r.source(),
                http_cache: matches!(
                    r.source_kind,
                    Some(ResponseSource::HttpCache | ResponseSource::ServiceWorkerHttpCache)
                ),
                worker_built: r.source_kind == Some(ResponseSource::ServiceWorker),
                headers: r.headers.clone(),
            }
        };
        // Only deploys served so far can be on the page (each scenario has its own browser
        // context and server): Angular's kill-switch deploys share v2's page byte for byte,
        // and v2 must not read as ambiguous before they were ever deployed.
        let served = self
            .served
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let order: Vec<String> = self
            .spec
            .deploys
            .iter()
            .map(|d| d.name.clone())
            .filter(|d| served.contains(d))
            .collect();
        // A failed navigation ends on Chromium's error page. Which document requests report
        // what (`net::ERR_FAILED`, a second one `net::ERR_ABORTED`, one with neither) and in
        // which order varied under load, so the page itself is the signal and the message
        // names no network error (docs/chromium.md, "Events and their order").
        let on_error_page = self.page().evaluate("location.protocol").await?
            == serde_json::Value::String("chrome-error:".into());
        if on_error_page {
            let mut version =
                PageVersion::from_resources(resource(&doc, None), Vec::new(), None, None, &order);
            version.load_error = Some("the navigation ended on Chromium's error page".into());
            self.note(format!("page shows {}", version.describe()));
            return Ok(version);
        }
        let doc_body = match doc.failed {
            Some(_) => None,
            None => self.page().response_body(&doc.request_id).await.ok(),
        };
        let document = resource(&doc, doc_body);
        let mut scripts = Vec::new();
        let mut seen_scripts = std::collections::BTreeSet::new();
        for r in network.subresources_of(&doc.loader_id) {
            // Under load Chromium sometimes requests a module script twice for one document
            // (preload scanner, then module loader): judge each URL once.
            if r.resource_type == "Script"
                && r.url.starts_with(&origin)
                && seen_scripts.insert(r.url.clone())
            {
                let body = self.page().response_body(&r.request_id).await.ok();
                scripts.push(resource(r, body));
            }
        }
        let marker = match &self.spec.version_marker {
            None => None,
            Some(m) => {
                let expr = match m {
                    VersionMarker::Selector(sel) => format!(
                        "(() => {{ const e = document.querySelector({}); return e ? e.textContent.trim() : null; }})()",
                        serde_json::to_string(sel).unwrap_or_default()
                    ),
                    VersionMarker::Js(js) => format!("String({js})"),
                };
                let value = match self.page().evaluate(&expr).await? {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => "(no element)".into(),
                    other => other.to_string(),
                };
                let matching = self
                    .spec
                    .deploys
                    .iter()
                    .filter(|d| d.marker == value)
                    .map(|d| d.name.clone())
                    .collect();
                Some((value, matching))
            }
        };
        self.settle_workers().await?;
        let controller = self.controller().await?;
        let mut version =
            PageVersion::from_resources(document, scripts, marker, controller, &order);
        version.load_error = doc
            .failed
            .as_ref()
            .map(|e| format!("the document failed to load ({e})"));
        self.note(format!("page shows {}", version.describe()));
        Ok(version)
    }
}

impl Scenario {
    /// Before control is read: waits until the page's own `register()` calls settled and no
    /// version is between states it leaves on its own (`new`, `installing`, `activating`),
    /// bounded. A page loaded from the network that registers a new worker was read as
    /// controlled or not depending on how far that worker had got (worker-moved-retired, new
    /// tab: "no worker" in 2 of 3 runs), so the message named a race. A version that never leaves those states
    /// (an `install` that hangs) ends the wait at the bound and is read as it is.
    pub async fn settle_workers(&self) -> Result<(), ScenarioError> {
        self.await_page_register().await?;
        let transient = |s: &crate::browser::SwState| {
            s.versions.values().any(|v| {
                matches!(
                    v.status,
                    VersionStatus::New | VersionStatus::Installing | VersionStatus::Activating
                )
            })
        };
        if transient(&self.sw_state()) {
            let _ = self
                .wait_for_sw(
                    "the page's new worker to finish installing or activating",
                    |s| !transient(s),
                )
                .await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(path: &str, deploys: &[&str]) -> ResourceVersion {
        ResourceVersion {
            path: path.into(),
            deploys: Some(deploys.iter().map(|s| s.to_string()).collect()),
            source: "network".into(),
            http_cache: false,
            worker_built: false,
            headers: Vec::new(),
        }
    }

    fn order() -> Vec<String> {
        vec!["v1".into(), "v2".into()]
    }

    #[test]
    fn unchanged_html_is_decided_by_its_scripts() {
        let v = PageVersion::from_resources(
            res("/", &["v1", "v2"]),
            vec![res("/app.2.js", &["v2"])],
            None,
            Some("v2".into()),
            &order(),
        );
        assert_eq!(v.shown(), Some("v2"));
    }

    #[test]
    fn mixed_deploys_show_nothing_and_say_so() {
        let v = PageVersion::from_resources(
            res("/", &["v2"]),
            vec![res("/app.js", &["v1"])],
            None,
            None,
            &order(),
        );
        assert_eq!(v.shown(), None);
        assert_eq!(
            v.describe(),
            "a mix (/ from v2, /app.js from v1) (document from network, no worker controls the page)"
        );
    }

    #[test]
    fn marker_overrides_bytes() {
        let v = PageVersion::from_resources(
            res("/", &[]),
            vec![],
            Some(("2.0".into(), vec!["v2".into()])),
            None,
            &order(),
        );
        assert_eq!(v.shown(), Some("v2"));
    }
}
