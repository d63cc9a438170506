//! `vary-safe`: when N+1 adds a `Vary` header to the page, the worker's offline fallback still
//! answers.
//!
//! `cache.match(request)` compares the headers a cached response varies on between the stored
//! request and the one asked about. A page precached with `cache.addAll(['/'])` is stored under a
//! request without `Accept`; a navigation carries `Accept: text/html,…`. Once the page is served
//! with `Vary: Accept` (or another header the two requests differ in), the fallback misses and a
//! user without a network gets an error page, silently (GoogleChrome/workbox#3113,
//! angular/angular#32276). The check takes the network away the deterministic way: the fixture
//! server holds the navigation open (a worker's timeout then falls back to its cache).

use std::time::Duration;

use serde::Deserialize;

use crate::scenario::{HoldRule, Scenario, ScenarioError, Stall, UpdateCheck};
use crate::spec::{BuildFacts, Spec, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Parameters of `vary-safe`.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct VarySafe {
    /// Seconds the page may take to load from the worker's fallback while the server holds the
    /// navigation (default 5).
    #[serde(deserialize_with = "crate::spec::positive_seconds")]
    #[schemars(range(min = 0.1))]
    pub within: f64,
    /// The deploy the user installed (default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy that adds `Vary` (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
}

impl Default for VarySafe {
    fn default() -> Self {
        VarySafe {
            within: 5.0,
            from: DeployRef::default(),
            to: DeployRef::default(),
        }
    }
}

impl VarySafe {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// Everything `vary-safe` saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// The start page.
    pub start: String,
    /// N's and N+1's `Vary` for the page.
    pub vary: (Option<String>, Option<String>),
    /// The deploy whose worker controlled the page when the network was held.
    pub controller: Option<String>,
    /// Seconds the held load took, if it finished within the bound.
    pub loaded_in: Option<f64>,
    /// What the page showed, or why there is none.
    pub page: String,
    /// Whether the page failed (an error page, a failed document).
    pub failed: bool,
    /// The bound.
    pub within: f64,
}

impl Check for VarySafe {
    const NAME: &'static str = "vary-safe";
    const ABOUT: &'static str =
        "when N+1 adds `Vary` to the page, the worker's offline fallback still answers";
    const EXPECTED_SECONDS: u32 = 6;

    fn suggest(build: &BuildFacts) -> Suggestion {
        let Some(next) = build.next.first() else {
            return Suggestion::Skip;
        };
        if !build.fetch_handler || !build.uses_caches || !build.host_changes.vary_added {
            return Suggestion::Skip;
        }
        Suggestion::bare(format!(
            "{next}'s `_headers` adds `Vary`: the worker's offline fallback must still find the page."
        ))
    }

    type Observation = Observation;

    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        Some((&mut self.from, &mut self.to))
    }

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        let start = s.spec().start.clone();
        let vary_of = |deploy: &str| -> Result<Option<String>, ScenarioError> {
            Ok(s.server()
                .headers_for(deploy, &start)?
                .into_iter()
                .find(|(n, _, _)| n == "vary")
                .map(|(_, v, _)| v))
        };
        let vary = (vary_of(&from)?, vary_of(&to)?);
        let mut o = Observation {
            from: from.clone(),
            to: to.clone(),
            start: start.clone(),
            vary,
            controller: None,
            loaded_in: None,
            page: String::new(),
            failed: false,
            within: self.within,
        };
        if o.vary.1.is_none() || o.vary.0 == o.vary.1 {
            return Ok(o);
        }
        s.install(&from).await?;
        s.deploy(&to)?;
        // N+1's worker installs on the update check after the next visit and stores the page
        // as N+1 serves it, `Vary` included; a second visit lets a worker that caches pages at
        // runtime store it too.
        let since = s.server().log().len();
        s.reload().await?;
        let update = s.await_update_check(since).await?;
        if update == UpdateCheck::Unchanged {
            s.note("the worker script is unchanged: the installed worker keeps its cache");
        }
        s.reload().await?;
        o.controller = s.controller().await?;
        let hooks = s.server().hooks().clone();
        let _release = hooks.release_on_drop();
        hooks.hold(HoldRule {
            path: start.clone(),
            navigations_only: true,
            stall: Stall::Headers,
        });
        s.note(format!(
            "holding the next navigation of {start} (no response headers)"
        ));
        let mut load = s.start_reload().await?;
        let within = Duration::from_secs_f64(self.within);
        let loaded_in = load.finished_within(within).await;
        if loaded_in.is_none() {
            s.page().stop_loading().await?;
        }
        hooks.release_all();
        o.loaded_in = loaded_in.map(|d| d.as_secs_f64());
        if loaded_in.is_some() {
            let version = s.page_version().await?;
            o.failed = version.load_error.is_some();
            o.page = version.describe();
        } else {
            o.page = format!("still loading after {:.1}s", self.within);
        }
        Ok(o)
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let Some(vary) = &o.vary.1 else {
            return Judgement::CannotJudge(format!(
                "{} sends no `Vary` for {}: give it one (`headers:` with `deploy: {}`, or its `_headers`) to judge the fallback under it",
                o.to, o.start, o.to
            ));
        };
        if o.vary.0 == o.vary.1 {
            return Judgement::CannotJudge(format!(
                "{} already sends `Vary: {vary}` for {}: nothing changes in {}",
                o.from, o.start, o.to
            ));
        }
        let control = o
            .controller
            .as_deref()
            .map_or_else(|| "no worker".to_string(), |c| format!("{c}'s worker"));
        let what = format!(
            "{} adds `Vary: {vary}` to {}; with {control} in control and the server holding the navigation",
            o.to, o.start
        );
        match o.loaded_in {
            Some(t) if !o.failed => Judgement::Pass(format!(
                "{what}, the worker's fallback answered in {t:.1}s: {}",
                o.page
            )),
            _ => Judgement::Fail(format!(
                "{what}, the offline fallback no longer answers: {}; `cache.match` compares the headers a response varies on, and a page stored by `cache.add`/`addAll` was requested without the navigation's `Accept`: match the fallback with `{{ ignoreVary: true }}`, or do not vary pages on request headers the worker cannot reproduce",
                o.page
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation(loaded: Option<f64>, failed: bool) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            start: "/".into(),
            vary: (None, Some("Accept".into())),
            controller: Some("v2".into()),
            loaded_in: loaded,
            page: if failed {
                "no page: the navigation ended on Chromium's error page".into()
            } else {
                "v2 (document from service worker (cache \"shell-v2\"))".into()
            },
            failed,
            within: 5.0,
        }
    }

    #[test]
    fn a_fallback_that_misses_fails_naming_the_vary_and_the_fix() {
        let check = VarySafe::default();
        assert!(matches!(check.judge(&observation(Some(1.1), false)), Judgement::Pass(ref m) if m.starts_with("v2 adds `Vary: Accept` to /; with v2's worker in control and the server holding the navigation, the worker's fallback answered in 1.1s")));
        let fail = check.judge(&observation(Some(1.1), true));
        assert!(
            matches!(fail, Judgement::Fail(ref m) if m.contains("the offline fallback no longer answers: no page: the navigation ended on Chromium's error page; `cache.match` compares")),
            "{fail:?}"
        );
    }
}
