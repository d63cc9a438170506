//! Scenario steps the runtime checks share: requests made by the page, cache contents, stopping
//! workers, and starting over from a fresh install.

use crate::browser::{CacheContents, VersionStatus};

use super::error::ScenarioError;
use super::kit::Scenario;

/// What a `fetch()` made by the page got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFetch {
    /// The URL path requested.
    pub path: String,
    /// The response status (0 when the fetch itself failed).
    pub status: u16,
    /// The response body as text, or the error when the fetch failed.
    pub body: String,
    /// Who answered, as the Network domain saw it (`service worker (cache "api")`, ...).
    pub source: String,
}

impl Scenario {
    /// Makes the page `fetch(path)` with extra request `headers`, and reads the whole body.
    pub async fn page_fetch(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<PageFetch, ScenarioError> {
        let headers: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect();
        let expr = format!(
            "fetch({}, {{ headers: {} }}).then(async (r) => ({{ status: r.status, body: await r.text() }}), (e) => ({{ status: 0, body: String(e) }}))",
            serde_json::to_string(path).unwrap_or_default(),
            serde_json::Value::Object(headers)
        );
        let before = self.page().network().requests.len();
        let value = self.page().evaluate(&expr).await?;
        let url = self.server.url(path);
        // The response event can trail the page's promise (they come from different parts of
        // Chromium). It always comes once the promise has settled, so wait for it (or for the
        // request's failure) with the scenario's full bound: a short bound made "who answered"
        // depend on the machine's load. "unknown" only if it never comes.
        let source = self
            .page
            .wait_for_network(
                &format!("the Network event for the response to {path}"),
                self.wait,
                |log| {
                    log.requests
                        .iter()
                        .skip(before)
                        .any(|r| r.url == url && (r.status.is_some() || r.failed.is_some()))
                },
            )
            .await
            .ok()
            .and_then(|log| {
                log.requests
                    .iter()
                    .skip(before)
                    .rev()
                    .find(|r| r.url == url && r.status.is_some())
                    .map(|r| r.source())
            })
            .unwrap_or_else(|| "unknown".to_string());
        let fetched = PageFetch {
            path: path.to_string(),
            status: value["status"].as_u64().unwrap_or(0) as u16,
            body: value["body"].as_str().unwrap_or_default().to_string(),
            source,
        };
        self.note(format!(
            "page fetched {path}: {} from {} ({})",
            fetched.status,
            fetched.source,
            abbreviate(&fetched.body, 80)
        ));
        Ok(fetched)
    }

    /// Every cache of the origin with its entries, read until two reads agree.
    pub async fn cache_contents(&self) -> Result<Vec<CacheContents>, ScenarioError> {
        let origin = self.origin();
        let caches = self
            .settled("the origin's cache contents", || async {
                Ok(self.page().cache_contents(&origin).await?)
            })
            .await?;
        self.note(format!(
            "cache contents: {}",
            if caches.is_empty() {
                "none".to_string()
            } else {
                caches
                    .iter()
                    .map(|c| format!("{} ({} entries)", c.name, c.entries.len()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
        Ok(caches)
    }

    /// Stops every worker the way Chromium ends one, and waits until CDP reports none running.
    pub async fn stop_workers(&self) -> Result<(), ScenarioError> {
        self.page.stop_all_workers().await?;
        self.page
            .wait_for_sw("every service worker to stop", self.wait, |s| {
                s.versions.values().all(|v| !v.running)
            })
            .await?;
        self.note("stopped the service worker");
        Ok(())
    }

    /// Deletes everything the origin stored (registration, caches, IndexedDB, cookies) and
    /// installs deploy `name` again from scratch, as a first-time visitor.
    pub async fn reinstall(&self, name: &str) -> Result<(), ScenarioError> {
        let seen = self.page.sw_state().versions.len();
        self.page.clear_origin(&self.origin()).await?;
        self.page
            .wait_for_sw("the old registration to be deleted", self.wait, |s| {
                s.live_registrations().next().is_none()
            })
            .await?;
        self.page.navigate("about:blank").await?;
        self.note("cleared the origin's data");
        self.deploy(name)?;
        self.open_start().await?;
        let fresh = |s: &crate::browser::SwState| {
            s.versions
                .values()
                .any(|v| v.seq >= seen && v.status == VersionStatus::Activated)
        };
        self.page
            .wait_for_sw(
                &format!("{name}'s service worker to activate again"),
                self.wait,
                fresh,
            )
            .await?;
        if self.controller().await?.is_none() {
            self.reload().await?;
        }
        if self.controller().await?.is_none() {
            return Err(ScenarioError::App(format!(
                "{name}'s worker does not control {} after a fresh install and a reload",
                self.spec.start
            )));
        }
        self.note(format!("{name} installed again from scratch"));
        Ok(())
    }
}

/// `text` cut to `max` characters with an ellipsis.
pub(crate) fn abbreviate(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    }
}
