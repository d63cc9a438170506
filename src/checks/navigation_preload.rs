//! `navigation-preload`: after N+1's worker takes over, the registration's navigation preload
//! agrees with what that worker does, so each navigation reaches the server once.
//!
//! Navigation preload belongs to the registration, not the worker: when N enabled it and N+1
//! no longer reads `event.preloadResponse` (nor disables it), Chromium still sends the preload
//! request beside the worker's own fetch, so every navigation is fetched twice and the preload
//! is cancelled (GoogleChrome/workbox#1648, #2178). The fixture server tells the two requests
//! apart by the `Service-Worker-Navigation-Preload` header Chromium puts on the preload.

use serde::Deserialize;

use crate::scenario::{RequestRecord, Scenario, ScenarioError, UpdateCheck};
use crate::spec::{BuildFacts, Spec, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, strip_query, DeployRef};

/// Parameters of `navigation-preload`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct NavigationPreload {
    /// The deploy the user installed (default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy whose worker takes over (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
}

impl NavigationPreload {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// Everything `navigation-preload` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// The start page.
    pub start: String,
    /// The deploy whose worker controlled the navigation.
    pub controller: Option<String>,
    /// `registration.navigationPreload.getState()`: enabled, and the header value.
    pub state: Option<(bool, String)>,
    /// Requests for the start page the navigation made, in order.
    pub requests: Vec<RequestRecord>,
    /// What the page showed.
    pub page: String,
}

impl Observation {
    fn preloads(&self) -> usize {
        self.requests.iter().filter(|r| r.navigation_preload).count()
    }
}

/// Reads the registration's preload state through the page (`null` without a registration).
const PRELOAD_STATE: &str = "navigator.serviceWorker.getRegistration().then(r => r && r.navigationPreload ? r.navigationPreload.getState() : null)";

impl Check for NavigationPreload {
    const NAME: &'static str = "navigation-preload";
    const ABOUT: &'static str =
        "after N+1's worker takes over, navigation preload agrees with it: each navigation reaches the server once";
    const EXPECTED_SECONDS: u32 = 4;

    fn suggest(build: &BuildFacts) -> Suggestion {
        if build.next.is_empty() || !build.uses_navigation_preload {
            return Suggestion::Skip;
        }
        Suggestion::bare(format!(
            "The worker enables navigation preload: after {}'s worker takes over, each navigation must reach the server once.",
            build.next[0]
        ))
    }

    type Observation = Observation;

    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        Some((&mut self.from, &mut self.to))
    }

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        let start = s.spec().start.clone();
        s.install(&from).await?;
        s.deploy(&to)?;
        // N+1's worker installs on the update check after the next visit.
        let since = s.server().log().len();
        s.reload().await?;
        let update = s.await_update_check(since).await?;
        if update == UpdateCheck::Unchanged {
            s.note("the worker script is unchanged: the installed worker stays");
        }
        let since = s.server().log().len();
        s.reload().await?;
        let path = strip_query(&start).to_string();
        let version = s.page_version().await?;
        let state = s.page().evaluate_current(PRELOAD_STATE).await?;
        let state = state.as_object().map(|o| {
            (
                o.get("enabled").and_then(|v| v.as_bool()).unwrap_or(false),
                o.get("headerValue")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
            )
        });
        // With preload enabled Chromium sends the preload request as the navigation starts;
        // the page can finish loading from the worker's own fetch before the server has
        // logged it, so wait for it (bounded) to count the same requests every run.
        if matches!(state, Some((true, _))) {
            let waited = s
                .server()
                .log()
                .wait_for(
                    since,
                    &format!("the navigation preload request for {path}"),
                    s.wait(),
                    |r| r.is_page_request_for(&path) && r.navigation_preload,
                )
                .await;
            if let Err(e) = waited {
                s.note(format!("{e}"));
            }
        }
        let requests: Vec<RequestRecord> = s
            .server()
            .log()
            .snapshot()
            .into_iter()
            .skip(since)
            .filter(|r| r.is_page_request_for(&path))
            .collect();
        s.note(format!(
            "the navigation made {} request{} for {start} ({} with Service-Worker-Navigation-Preload); preload {}",
            requests.len(),
            if requests.len() == 1 { "" } else { "s" },
            requests.iter().filter(|r| r.navigation_preload).count(),
            match &state {
                Some((true, _)) => "enabled",
                Some((false, _)) => "disabled",
                None => "unknown",
            }
        ));
        Ok(Observation {
            from,
            to,
            start,
            controller: version.controller.clone(),
            state,
            requests,
            page: version.describe(),
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        if o.controller.as_deref() != Some(&*o.to) {
            return Judgement::CannotJudge(format!(
                "{}'s worker never took over (the page is controlled by {}): nothing of its preload to judge; see update-recovers",
                o.to,
                o.controller.as_deref().unwrap_or("no worker")
            ));
        }
        let state = match &o.state {
            Some((true, header)) => format!("enabled (header `{header}`)"),
            Some((false, _)) => "disabled".to_string(),
            None => "unreadable".to_string(),
        };
        // Counts, not order: the preload and the worker's own fetch race to the server.
        let preloads = o.preloads();
        let list = format!(
            "{} with Service-Worker-Navigation-Preload, {} without",
            preloads,
            o.requests.len() - preloads
        );
        match (o.requests.len(), o.preloads()) {
            (1, _) | (0, 0) => Judgement::Pass(format!(
                "with {}'s worker in control, a navigation reached the server {} (navigation preload {state}): {}",
                o.to,
                if o.requests.is_empty() { "not at all (answered from the worker's cache)".to_string() } else { format!("once ({list})") },
                o.page
            )),
            (n, p) if p > 0 => Judgement::Fail(format!(
                "with {}'s worker in control, each navigation reaches the server {n} times ({list}): navigation preload is still {state} on the registration ({} enabled it), but {}'s worker fetches the page itself and never uses `event.preloadResponse`; disable it in {}'s `activate` (`self.registration.navigationPreload.disable()`), or answer navigations with the preload response",
                o.to, o.from, o.to, o.to
            )),
            (n, _) => Judgement::Fail(format!(
                "with {}'s worker in control, a navigation reached the server {n} times ({list}) with no preload among them: the worker fetches the page more than once",
                o.to
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn request(preload: bool) -> RequestRecord {
        RequestRecord {
            seq: 0,
            at: Duration::ZERO,
            method: "GET".into(),
            path: "/".into(),
            status: 200,
            deploy: "v2".into(),
            service_worker_script: false,
            navigation_preload: preload,
            content_type: None,
            cache_control: None,
            edge_hit: false,
            rules: None,
        }
    }

    fn observation(requests: Vec<RequestRecord>, enabled: bool) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            start: "/".into(),
            controller: Some("v2".into()),
            state: Some((enabled, "true".into())),
            requests,
            page: "v2 (document from service worker (network))".into(),
        }
    }

    #[test]
    fn a_preload_nobody_uses_fails_and_one_request_passes() {
        let check = NavigationPreload::default();
        let fail = check.judge(&observation(vec![request(true), request(false)], true));
        assert!(matches!(fail, Judgement::Fail(ref m) if m.starts_with("with v2's worker in control, each navigation reaches the server 2 times (1 with Service-Worker-Navigation-Preload, 1 without): navigation preload is still enabled (header `true`)")), "{fail:?}");
        let pass = check.judge(&observation(vec![request(false)], false));
        assert!(matches!(pass, Judgement::Pass(ref m) if m.starts_with("with v2's worker in control, a navigation reached the server once (0 with Service-Worker-Navigation-Preload, 1 without) (navigation preload disabled)")), "{pass:?}");
    }
}
