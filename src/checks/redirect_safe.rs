//! `redirect-safe`: when N+1 redirects a page N's worker answers, a returning user still gets
//! a working page.
//!
//! A navigation's request has redirect mode `manual`; a worker that fetches the page by URL
//! (`fetch(event.request.url)`, `new Request(url)`) follows the redirect itself and answers
//! with a *redirected* response, which Chromium refuses for a navigation: "a redirected
//! response was used for a request whose redirect mode is not 'follow'", and the user sees an
//! error page until a hard reload (shadowwalker/next-pwa#201, w3c/ServiceWorker#1177). Handing
//! the navigation's own request to `fetch` returns the redirect for the browser to follow.
//! The redirect is a per-deploy rule of the host (`redirects:` with `deploy:`, `_redirects`).

use serde::Deserialize;

use crate::scenario::{Routed, Scenario, ScenarioError};
use crate::spec::{BuildFacts, Spec, Suggestion, VisitKind, Visits};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Parameters of `redirect-safe`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct RedirectSafe {
    /// How the returning user comes back to the start page, which N+1 redirects (`new-tab`, `reload`, `navigate`, `back-forward`).
    pub visits: Visits,
    /// The deploy the user installed (default: the first).
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy that adds the redirect (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
}

impl RedirectSafe {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// Everything `redirect-safe` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// The start page.
    pub start: String,
    /// How the user came back.
    pub kind: VisitKind,
    /// N+1's redirect of the start page (status, location, rule), if it has one.
    pub redirect: Option<(u16, String, String)>,
    /// Whether N already redirected it (then nothing changes across the deploy).
    pub already: bool,
    /// What the page showed, or why there is none.
    pub page: String,
    /// Why the navigation failed, if it did.
    pub load_error: Option<String>,
}

impl Check for RedirectSafe {
    const NAME: &'static str = "redirect-safe";
    const ABOUT: &'static str =
        "when N+1 redirects a page N's worker answers, a returning user still gets a working page";
    const EXPECTED_SECONDS: u32 = 2;

    fn suggest(build: &BuildFacts) -> Suggestion {
        let Some(next) = build.next.first() else {
            return Suggestion::Skip;
        };
        if !build.fetch_handler || !build.host_changes.redirects {
            return Suggestion::Skip;
        }
        Suggestion::bare(format!(
            "{next}'s `_redirects` differs from {}'s: a page the worker answers may now redirect, and must still load (the check judges the start page).",
            build.installed
        ))
    }

    fn visits(&self) -> &[VisitKind] {
        self.visits.kinds()
    }

    type Observation = Observation;

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        let start = s.spec().start.clone();
        let deploys = s.server().deploys().clone();
        let redirect_of = |deploy: &str| match deploys.get(deploy).map(|d| d.route(&start, true)) {
            Ok(Routed::Redirect {
                status,
                location,
                via,
            }) => Some((status, location, via)),
            _ => None,
        };
        let redirect = redirect_of(&to);
        let already = redirect_of(&from).is_some();
        let mut observation = Observation {
            from: from.clone(),
            to: to.clone(),
            start,
            kind: s.visit_kind(),
            redirect,
            already,
            page: String::new(),
            load_error: None,
        };
        if observation.redirect.is_none() || already {
            return Ok(observation);
        }
        s.install(&from).await?;
        s.deploy(&to)?;
        s.revisit().await?;
        let version = s.page_version().await?;
        observation.page = version.describe();
        observation.load_error = version.load_error.clone();
        Ok(observation)
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let Some((status, location, via)) = &o.redirect else {
            return Judgement::CannotJudge(format!(
                "{} does not redirect {}: give it a redirect (`redirects:` with `deploy: {}`, or its `_redirects`) to judge one",
                o.to, o.start, o.to
            ));
        };
        if o.already {
            return Judgement::CannotJudge(format!(
                "{} already redirects {}: the redirect is not new in {}",
                o.from, o.start, o.to
            ));
        }
        let what = format!(
            "{} redirects {} ({status} to {location}, {via})",
            o.to, o.start
        );
        match &o.load_error {
            None => Judgement::Pass(format!(
                "{what}; a returning user on {}'s worker got a working page on the first {}: {}",
                o.from,
                o.kind.noun(),
                o.page
            )),
            // Measured (Chromium 156): the refused answer fails the document with
            // `net::ERR_FAILED` and logs nothing to the page's console.
            Some(error) => Judgement::Fail(format!(
                "{what}; a returning user on {}'s worker gets no page on the first {}: {error}; a navigation's redirect mode is `manual`, and Chromium refuses a worker's answer that followed a redirect: hand navigations' own request to `fetch` (`fetch(event.request)`) so the browser follows the redirect, or answer with a copy of the redirected response",
                o.from,
                o.kind.noun(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation(error: Option<&str>) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            start: "/".into(),
            kind: VisitKind::Reload,
            redirect: Some((301, "/home.html".into(), "t.yaml:9 (`/` → `/home.html`)".into())),
            already: false,
            page: "v2 (document from service worker (network))".into(),
            load_error: error.map(str::to_owned),
        }
    }

    #[test]
    fn a_refused_redirect_fails_naming_the_rule_and_the_fix() {
        let check = RedirectSafe::default();
        assert!(matches!(check.judge(&observation(None)), Judgement::Pass(_)));
        let fail = check.judge(&observation(Some("the navigation ended on Chromium's error page")));
        assert!(
            matches!(fail, Judgement::Fail(ref m) if m.starts_with("v2 redirects / (301 to /home.html, t.yaml:9 (`/` → `/home.html`)); a returning user on v1's worker gets no page on the first reload: the navigation ended on Chromium's error page; a navigation's redirect mode is `manual`")),
            "{fail:?}"
        );
    }
}
