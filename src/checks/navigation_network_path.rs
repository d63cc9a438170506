//! `navigation-network-path`: with N cached and N+1 deployed, the next navigation reaches the
//! server and shows N+1.
//!
//! A navigation handler that answers from Cache Storage without ever asking the network
//! (cache-only, or cache-first with no revalidation) strands users: a fix can only arrive
//! through Chromium's update check, never through the page itself. The evidence is the fixture
//! server's request log between the reload and its load event, plus what the page showed.

use serde::Deserialize;

use crate::scenario::{HttpCacheCause, RequestRecord, Scenario, ScenarioError};
use crate::spec::{BuildFacts, Spec, Suggestion, VisitKind, Visits};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Parameters of `navigation-network-path`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NavigationNetworkPath {
    /// The deploy the user has cached (default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy the navigation must show (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
    /// How the returning user comes back (`new-tab`, `reload`, `navigate`, `back-forward`), each kind judged on its first visit.
    pub visits: Visits,
}

impl NavigationNetworkPath {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// Everything `navigation-network-path` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// The start page's path.
    pub start: String,
    /// How the user came back.
    pub kind: VisitKind,
    /// Whether the back/forward cache restored the page (nothing was navigated).
    pub restored: bool,
    /// When no request reached the server and the browser's HTTP cache answered the
    /// document: what made it fresh.
    pub http_cache: Option<HttpCacheCause>,
    /// Requests for the start page the server answered between the reload and its load.
    pub navigation_requests: Vec<RequestRecord>,
    /// The deploy the page showed, if exactly one.
    pub shown: Option<String>,
    /// What the page showed and who answered.
    pub description: String,
    /// True when the files could not tell the deploys apart.
    pub ambiguous: bool,
}

impl Check for NavigationNetworkPath {
    const NAME: &'static str = "navigation-network-path";
    const ABOUT: &'static str =
        "with N cached and N+1 deployed, the next navigation reaches the server and shows N+1";
    const EXPECTED_SECONDS: u32 = 2;

    fn suggest(build: &BuildFacts) -> Suggestion {
        let (installed, Some(next)) = (&build.installed, build.next.first()) else {
            return Suggestion::Skip;
        };
        if !build.fetch_handler {
            return Suggestion::Skip;
        }
        Suggestion::bare(format!("The worker handles `fetch`: with {installed} cached, the next navigation must still reach the server and show {next}."))
    }

    fn visits(&self) -> &[VisitKind] {
        self.visits.kinds()
    }

    type Observation = Observation;

    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        Some((&mut self.from, &mut self.to))
    }

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        s.install(&from).await?;
        s.deploy(&to)?;
        let since = s.server().log().len();
        let restored = s.revisit().await?;
        // Cut the log at the load event: Chromium's update check (~2 s later) may precache the
        // start page, which is not the navigation reaching the network.
        let until = s.server().log().len();
        let start = s.spec().start.clone();
        let navigation_requests: Vec<RequestRecord> = s
            .server()
            .log()
            .snapshot()
            .into_iter()
            .skip(since)
            .take(until - since)
            .filter(|r| r.is_page_request_for(&start))
            .collect();
        let version = s.page_version().await?;
        let http_cache = (navigation_requests.is_empty()
            && (version.document.http_cache || version.document.worker_built))
            .then(|| s.http_cache_cause(&start, version.document.http_cache));
        Ok(Observation {
            from,
            to,
            kind: s.visit_kind(),
            restored,
            http_cache,
            start,
            navigation_requests,
            shown: version.shown().map(str::to_owned),
            ambiguous: version.candidates.len() > 1,
            description: version.describe(),
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        if o.ambiguous {
            return Judgement::CannotJudge(format!(
                "cannot tell {} from {} by the files the page received ({}); set `version_marker` in the spec",
                o.from, o.to, o.description
            ));
        }
        let requests = o
            .navigation_requests
            .iter()
            .map(|r| {
                format!(
                    "{} {} answered {} by {}",
                    r.method, r.path, r.status, r.deploy
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let reached_new = o.shown.as_deref() == Some(o.to.as_str());
        let visit = o.kind.noun();
        if o.restored {
            // No navigation happened: there is no path to the network to judge.
            return Judgement::CannotJudge(format!(
                "the first {visit} after {} was deployed loaded nothing: the back/forward cache restored the page as it was ({}), so there was no navigation to judge",
                o.to, o.description
            ));
        }
        match (o.navigation_requests.is_empty(), reached_new, &o.http_cache) {
            (true, _, Some(cause)) => Judgement::Fail(format!(
                "the first {visit} after {} was deployed never reached the server: {} answered {} (no request for it between the {visit} and its load event) and the page showed {}; {}",
                o.to,
                if cause.certain {
                    "the browser's HTTP cache"
                } else {
                    "the worker, with a response it built from a fetch that most likely the browser's HTTP cache"
                },
                o.start,
                o.description,
                cause.describe()
            )),
            (true, _, None) => Judgement::Fail(format!(
                "the first {visit} after {} was deployed never reached the server, so no deploy can reach a returning user through the page: no request for {} between the {visit} and its load event; the page showed {}",
                o.to, o.start, o.description
            )),
            (false, true, _) => Judgement::Pass(format!(
                "the first {visit} after {} was deployed reached the server ({requests}) and showed {}",
                o.to, o.description
            )),
            (false, false, _) => Judgement::Fail(format!(
                "the first {visit} after {} was deployed reached the server ({requests}) but the page showed {}, not {}",
                o.to, o.description, o.to
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn request(deploy: &str) -> RequestRecord {
        RequestRecord {
            seq: 7,
            at: Duration::ZERO,
            method: "GET".into(),
            path: "/".into(),
            status: 200,
            deploy: deploy.into(),
            service_worker_script: false,
            navigation_preload: false,
            content_type: Some("text/html; charset=utf-8".into()),
            cache_control: None,
            edge_hit: false,
            rules: None,
        }
    }

    fn observation(requests: Vec<RequestRecord>, shown: &str, description: &str) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            start: "/".into(),
            kind: VisitKind::Reload,
            restored: false,
            http_cache: None,
            navigation_requests: requests,
            shown: Some(shown.into()),
            description: description.into(),
            ambiguous: false,
        }
    }

    #[test]
    fn passes_when_the_navigation_reached_the_server_and_showed_n_plus_1() {
        let o = observation(
            vec![request("v2")],
            "v2",
            "v2 (document from service worker (network))",
        );
        assert_eq!(
            NavigationNetworkPath::default().judge(&o),
            Judgement::Pass(
                "the first reload after v2 was deployed reached the server (GET / answered 200 by v2) and showed v2 (document from service worker (network))".into()
            )
        );
    }

    #[test]
    fn fails_when_the_navigation_never_left_the_cache() {
        let o = observation(
            vec![],
            "v1",
            "v1 (document from service worker (cache \"shell-v1\"))",
        );
        assert_eq!(
            NavigationNetworkPath::default().judge(&o),
            Judgement::Fail(
                "the first reload after v2 was deployed never reached the server, so no deploy can reach a returning user through the page: no request for / between the reload and its load event; the page showed v1 (document from service worker (cache \"shell-v1\"))".into()
            )
        );
    }

    #[test]
    fn fails_when_the_network_answer_was_not_shown() {
        let o = observation(
            vec![request("v2")],
            "v1",
            "v1 (document from service worker (cache \"shell-v1\"))",
        );
        let Judgement::Fail(m) = NavigationNetworkPath::default().judge(&o) else {
            panic!("expected a failure")
        };
        assert!(m.contains("but the page showed v1"), "{m}");
    }
}
