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
//!
//! Then with the network held: N+1's worker, installed on the update check after that visit,
//! may have precached the page *through* the redirect (`cache.addAll` follows it and stores a
//! redirected response); answering a navigation from that copy when the network is gone fails
//! the same way. The fixture server holds the next navigation, and the page must load from the
//! worker within `within` seconds.

use std::time::Duration;

use serde::Deserialize;

use crate::scenario::{HoldRule, Routed, Scenario, ScenarioError, Stall, UpdateCheck};
use crate::spec::{BuildFacts, Spec, Suggestion, VisitKind, Visits};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Parameters of `redirect-safe`.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct RedirectSafe {
    /// Seconds the page may take to load from N+1's worker while the server holds the
    /// navigation (default 5).
    #[serde(deserialize_with = "crate::spec::positive_seconds")]
    #[schemars(range(min = 0.1))]
    pub within: f64,
    /// How the returning user comes back to the start page, which N+1 redirects (`new-tab`, `reload`, `navigate`, `back-forward`).
    pub visits: Visits,
    /// The deploy the user installed (default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy that adds the redirect (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
}

impl Default for RedirectSafe {
    fn default() -> Self {
        RedirectSafe {
            within: 5.0,
            visits: Visits::default(),
            from: DeployRef::default(),
            to: DeployRef::default(),
        }
    }
}

impl RedirectSafe {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// The visit with the network held.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// The deploy whose worker controlled the page.
    pub controller: Option<String>,
    /// Seconds the load took, if it finished within the bound.
    pub loaded_in: Option<f64>,
    /// What the page showed, or why there is none.
    pub page: String,
    /// Whether the page failed.
    pub failed: bool,
    /// The cache holding an entry for the start page or the redirect's target, if any.
    pub cached_in: Option<String>,
}

/// Everything `redirect-safe` saw.
#[derive(Debug, Clone, PartialEq)]
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
    /// The visit with the network held, once N+1's worker took over (none when the first
    /// visit already failed).
    pub held: Option<Held>,
    /// The bound for it.
    pub within: f64,
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

    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        Some((&mut self.from, &mut self.to))
    }

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
            held: None,
            within: self.within,
        };
        if observation.redirect.is_none() || already {
            return Ok(observation);
        }
        s.install(&from).await?;
        s.deploy(&to)?;
        let since = s.server().log().len();
        let restored = s.revisit().await?;
        let version = s.page_version().await?;
        observation.page = version.describe();
        observation.load_error = version.load_error.clone();
        if observation.load_error.is_some() || restored {
            return Ok(observation);
        }
        // N+1's worker installs on this visit's update check; the next page load is its.
        if s.await_update_check(since).await? == UpdateCheck::Unchanged {
            s.note("the worker script is unchanged: the installed worker keeps answering");
        }
        s.reload().await?;
        let controller = s.controller().await?;
        // The page now sits at the redirect's target: hold navigations of both.
        let hooks = s.server().hooks().clone();
        let _release = hooks.release_on_drop();
        let mut held_paths = vec![observation.start.clone()];
        if let Some((_, location, _)) = &observation.redirect {
            if location.starts_with('/') {
                held_paths.push(crate::spec::strip_query(location).to_string());
            }
        }
        for path in &held_paths {
            hooks.hold(HoldRule {
                path: path.clone(),
                navigations_only: true,
                stall: Stall::Headers,
            });
        }
        s.note(format!(
            "holding the next navigation of {} (no response headers)",
            held_paths.join(" and ")
        ));
        // Read through the page while it is on the origin: after a failed load it shows
        // Chromium's error page, which has no storage to read.
        let mut cached_in = None;
        for path in &held_paths {
            if cached_in.is_none() {
                cached_in = s.cache_holding(path).await?;
            }
        }
        let mut load = s.start_reload().await?;
        let loaded_in = load
            .finished_within(Duration::from_secs_f64(self.within))
            .await;
        if loaded_in.is_none() {
            s.page().stop_loading().await?;
        }
        hooks.release_all();
        let mut held = Held {
            controller,
            loaded_in: loaded_in.map(|d| d.as_secs_f64()),
            page: format!("still loading after {:.1}s", self.within),
            failed: true,
            cached_in,
        };
        if loaded_in.is_some() {
            let version = s.page_version().await?;
            held.failed = version.load_error.is_some();
            held.page = version.describe();
        }
        observation.held = Some(held);
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
        if let Some(error) = &o.load_error {
            // Measured (Chromium 156): the refused answer fails the document with
            // `net::ERR_FAILED` and logs nothing to the page's console.
            return Judgement::Fail(format!(
                "{what}; a returning user on {}'s worker gets no page on the first {}: {error}; a navigation's redirect mode is `manual`, and Chromium refuses a worker's answer that followed a redirect: hand navigations' own request to `fetch` (`fetch(event.request)`) so the browser follows the redirect, or answer with a copy of the redirected response",
                o.from,
                o.kind.noun(),
            ));
        }
        let online = format!(
            "a returning user on {}'s worker got a working page on the first {}: {}",
            o.from,
            o.kind.noun(),
            o.page
        );
        let Some(held) = &o.held else {
            // A restore loads nothing: no request, no redirect, nothing of N's worker judged.
            return Judgement::CannotJudge(format!(
                "{what}; the {} was restored from the back/forward cache, so nothing was loaded and no redirect reached {}'s worker: judge it with `reload` or `new-tab` visits",
                o.kind.noun(),
                o.from
            ));
        };
        let control = held
            .controller
            .as_deref()
            .map_or_else(|| "no worker".to_string(), |c| format!("{c}'s worker"));
        match held.loaded_in {
            Some(t) if !held.failed => Judgement::Pass(format!(
                "{what}; {online}; with {control} in control and the network held, the page loaded in {t:.1}s: {}",
                held.page
            )),
            _ => {
                let page = held.page.strip_prefix("no page: ").unwrap_or(&held.page);
                let why = match &held.cached_in {
                    Some(cache) => format!(
                        "cache `{cache}` holds the page, and a copy `cache.add`/`addAll` stored through the redirect stays a redirected response, which Chromium refuses for a navigation: store a copy (`new Response(response.body, response)`) or the redirect's target"
                    ),
                    None => format!(
                        "no cache holds {} or its redirect's target for the worker to fall back to",
                        o.start
                    ),
                };
                Judgement::Fail(format!(
                    "{what}; {online}; but with {control} in control and the network held, the user gets no page: {page}; {why}"
                ))
            }
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
            held: Some(Held {
                controller: Some("v2".into()),
                loaded_in: Some(1.1),
                page: "v2 (document from service worker (cache \"pages-v2\"))".into(),
                failed: false,
                cached_in: Some("pages-v2".into()),
            }),
            within: 5.0,
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
