//! `version-skew`: the moment of a deploy must not mix versions. Two situations, both judged:
//!
//! - *reload*: a returning user on N reloads after N+1 is deployed (natural update path, the
//!   old worker still answering the first reload): every reload must show one deploy (document
//!   and scripts), with no uncaught exception and no same-origin request that fails or 404s;
//! - *open page*: a second tab opened under N stays open while N+1's worker installs (and takes
//!   over, if the app makes it); the spec's action (e.g. loading a lazy chunk) must still work.

use serde::Deserialize;

use crate::scenario::{
    ActionOutcome, NetworkLog, NetworkRequest, PageAction, Scenario, ScenarioError, ScenarioPage,
};
use crate::spec::{yaml_string, BuildFacts, Spec, Suggestion, VisitKind, Visits};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Parameters of `version-skew`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
// The schema marks `action` required, as `validate` does; serde cannot (it is `Option` so the
// error can carry an example).
#[schemars(extend("required" = ["action"]))]
pub struct VersionSkew {
    /// What the app does later in a session, done in the tab left open under N (required),
    /// e.g. `eval: "window.loadSettings()"`.
    pub action: Option<PageAction>,
    /// Visits (of each kind) after N+1 is deployed (at least 1; between them, Chromium's update check).
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub reloads: u32,
    /// The deploy the user installed (default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy that follows (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
    /// How the returning user comes back (`new-tab`, `reload`, `navigate`, `back-forward`), each kind judged with a fresh user.
    pub visits: Visits,
}

impl Default for VersionSkew {
    fn default() -> Self {
        VersionSkew {
            action: None,
            reloads: 2,
            from: DeployRef::default(),
            to: DeployRef::default(),
            visits: Visits::default(),
        }
    }
}

impl VersionSkew {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        if self.action.is_none() {
            return Err("needs an `action` for the page left open under N, e.g. `action: { eval: \"import('/assets/lazy.js')\" }`".into());
        }
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// One reload after the deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadSeen {
    /// 1-based.
    pub reload: u32,
    /// What the page showed, in words.
    pub page: String,
    /// Whether the document and scripts came from different deploys.
    pub mixed: bool,
    /// Exceptions, console errors and failed same-origin requests during the load.
    pub problems: Vec<String>,
}

/// The tab left open under N.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPageSeen {
    /// How the action went.
    pub outcome: ActionOutcome,
    /// Exceptions, console errors and failed same-origin requests during the action.
    pub problems: Vec<String>,
}

/// Everything `version-skew` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// How the user came back.
    pub kind: VisitKind,
    /// The visits, in order.
    pub reloads: Vec<ReloadSeen>,
    /// The open tab's action.
    pub open_page: OpenPageSeen,
}

impl Check for VersionSkew {
    const NAME: &'static str = "version-skew";
    const ABOUT: &'static str =
        "around a deploy, reloads never mix N and N+1, and a page left open under N keeps working";
    const EXPECTED_SECONDS: u32 = 5;

    fn suggest(build: &BuildFacts) -> Suggestion {
        let (installed, Some(next)) = (&build.installed, build.next.first()) else {
            return Suggestion::Skip;
        };
        let (why, target) = match &build.skew_asset {
            Some(asset) => (
                format!("Hashed assets (e.g. `{asset}`) change name per deploy: a tab left open under {installed} must still get {installed}'s files after {next} is deployed. Replace the action with what your app loads later in a session (a lazy `import()`, a route change)."),
                asset.clone(),
            ),
            None => (
                format!("A tab left open under {installed} must keep working after {next} is deployed. Replace the action with what your app does later in a session (a lazy `import()`, a route change)."),
                build.start.clone(),
            ),
        };
        let js = format!(
            "fetch('{target}').then((r) => {{ if (!r.ok) throw new Error('HTTP ' + r.status) }})"
        );
        Suggestion::Write {
            params: vec!["action:".into(), format!("  eval: {}", yaml_string(&js))],
            why,
        }
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
        let action = self
            .action
            .clone()
            .ok_or_else(|| ScenarioError::App("version-skew needs an `action`".into()))?;
        s.install(&from).await?;
        let tab = s.open_tab().await?;
        s.deploy(&to)?;
        let mut reloads = Vec::new();
        for reload in 1..=self.reloads {
            let tab_before = s.page_tab();
            let (mut console_from, mut requests_from) = marks(s.page());
            let since = s.server().log().len();
            s.revisit().await?;
            if s.page_tab() != tab_before {
                // A `new-tab` visit: everything the new tab saw is the visit's.
                (console_from, requests_from) = (0, 0);
            }
            let version = s.page_version().await?;
            reloads.push(ReloadSeen {
                reload,
                page: version.describe(),
                mixed: version.candidates.is_empty() && version.marker.is_none(),
                problems: problems(
                    s.page(),
                    s.wait(),
                    &s.origin(),
                    console_from,
                    requests_from,
                    &[],
                )
                .await,
            });
            if reload < self.reloads || self.reloads == 1 {
                // The open tab must meet N+1's worker installed, so the last reload's update
                // check is awaited too when there is only one reload.
                s.await_update_check(since).await?;
            }
        }
        let page = &s.tabs()[tab];
        let (console_from, requests_from) = marks(page);
        let mut outcome = action.perform(s, page, s.wait()).await;
        // An app that reloads its tabs when the new worker takes control (vite-plugin-pwa's
        // `autoUpdate`) can do so while the action runs: the action then meets a document whose
        // scripts have not run yet ("window.loadSettings is not a function", 1 of 12 loaded
        // runs) or a navigation. That tab is on N+1, no longer a tab left under N: the action
        // is done again once its newest document has loaded. The tab opened with one document,
        // so a second one is the app's own navigation.
        if !matches!(outcome, Ok(ActionOutcome::Done)) {
            page.sync_events().await;
            let documents = page.network().documents();
            if documents > 1 {
                page.wait_for_network(
                    "the reloaded tab's document to finish loading",
                    s.wait(),
                    |log| log.settled_document_after(documents - 1).is_some(),
                )
                .await?;
                // Its scripts run before `load`; the action needs them.
                page.evaluate(
                    "document.readyState === 'complete' || new Promise((r) => addEventListener('load', () => r(true), { once: true }))",
                )
                .await?;
                s.note("the app reloaded the tab left open under the old deploy: doing the action again on the reloaded page");
                outcome = action.perform(s, page, s.wait()).await;
            }
        }
        let outcome = outcome?;

        let origin = s.origin();
        // URLs the failure names ("Failed to fetch dynamically imported module: URL"): their
        // Network events can arrive after the rejection, so they are waited for.
        let named: Vec<String> = match &outcome {
            ActionOutcome::Failed(msg) => urls_in(msg, &origin),
            _ => Vec::new(),
        };
        let outcome = match outcome {
            ActionOutcome::Failed(msg) => ActionOutcome::Failed(msg.replace(&origin, "")),
            other => other,
        };
        let open_page = OpenPageSeen {
            outcome,
            problems: problems(
                page,
                s.wait(),
                &s.origin(),
                console_from,
                requests_from,
                &named,
            )
            .await,
        };
        Ok(Observation {
            from,
            to,
            kind: s.visit_kind(),
            reloads,
            open_page,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let action = self
            .action
            .as_ref()
            .map_or_else(|| "the action".to_string(), ToString::to_string);
        let mut failures = Vec::new();
        if let Some(r) = o.reloads.iter().find(|r| r.mixed || !r.problems.is_empty()) {
            let what = if r.mixed {
                "a page built from two deploys"
            } else {
                "a broken page"
            };
            let problems = if r.problems.is_empty() {
                String::new()
            } else {
                format!("; {}", r.problems.join("; "))
            };
            failures.push(format!(
                "{} {} after {} was deployed showed {what}: {}{problems}",
                o.kind.noun(),
                r.reload,
                o.to,
                r.page
            ));
        }
        let p = &o.open_page;
        if p.outcome != ActionOutcome::Done || !p.problems.is_empty() {
            let outcome = match &p.outcome {
                ActionOutcome::Done => "ran".to_string(),
                ActionOutcome::NotFound => "found nothing to click".to_string(),
                ActionOutcome::Failed(msg) => format!("failed ({msg})"),
            };
            let problems = if p.problems.is_empty() {
                String::new()
            } else {
                format!("; {}", p.problems.join("; "))
            };
            failures.push(format!(
                "a tab left open under {} broke once {}'s worker installed: {action} {outcome}{problems}",
                o.from, o.to
            ));
        }
        if failures.is_empty() {
            Judgement::Pass(format!(
                "every {} after {} was deployed showed one deploy without errors ({}), and a tab left open under {} could still {action}",
                o.kind.noun(),
                o.to,
                o.reloads
                    .iter()
                    .map(|r| format!("{} {}: {}", o.kind.noun(), r.reload, r.page))
                    .collect::<Vec<_>>()
                    .join("; "),
                o.from
            ))
        } else {
            Judgement::Fail(failures.join("; and "))
        }
    }
}

/// Where the console and network logs of `page` stand now.
fn marks(page: &ScenarioPage) -> (usize, usize) {
    (page.console().len(), page.network().requests.len())
}

/// Page errors and failed same-origin requests since the marks, once every event received so
/// far is applied. "Failed to load resource" console lines repeat what the network log says,
/// so they are left to it.
async fn problems(
    page: &ScenarioPage,
    wait: std::time::Duration,
    origin: &str,
    console_from: usize,
    requests_from: usize,
    named: &[String],
) -> Vec<String> {
    page.flush().await;
    // Network events can trail the page's own signals (a rejected import, the load event):
    // wait until the URLs the failure names and every request seen since the mark have an
    // outcome: a status or a failure, which is all the message reports. Not "finished": a
    // chunk a worker answered 200 from its cache sometimes never reports `loadingFinished`
    // when the module graph fails to link (seen under load at -j 4). Every request gets its
    // status, so the bound is the scenario's full one: a 2 s bound let a loaded machine drop a
    // 404 from the message.
    let has_outcome = |r: &&NetworkRequest| r.status.is_some() || r.failed.is_some();
    // A document request the app's own navigation superseded (vite-plugin-pwa reloads the tab
    // on `controlling`) never reports an outcome once a later document finished: not waited
    // for (docs/chromium.md, "Real generators").
    // The same for the requests of that superseded document's load.
    let superseded = |log: &NetworkLog, r: &NetworkRequest| {
        let document = log
            .requests
            .iter()
            .find(|d| d.resource_type == "Document" && d.loader_id == r.loader_id);
        document.is_some_and(|d| {
            log.requests
                .iter()
                .any(|later| later.seq > d.seq && later.resource_type == "Document" && later.done)
        })
    };
    let settled = page
        .wait_for_network("the requests to have an outcome", wait, |log| {
            let since: Vec<_> = log.requests.iter().skip(requests_from).collect();
            named
                .iter()
                .all(|url| since.iter().any(|r| &r.url == url && has_outcome(r)))
                && since
                    .iter()
                    .all(|r| has_outcome(r) || superseded(log, r))
        })
        .await;
    let mut out: Vec<String> = page
        .console()
        .into_iter()
        .skip(console_from)
        .filter(|e| e.origin == "page" && !e.text.starts_with("Failed to load resource"))
        .map(|e| e.text.replace(origin, ""))
        .collect();
    out.extend(failed_requests(&page.network(), origin, requests_from));
    if settled.is_err() {
        out.push(format!(
            "some requests had no outcome after {}s",
            wait.as_secs()
        ));
    }
    out
}

/// Same-origin URLs mentioned in a message.
fn urls_in(message: &str, origin: &str) -> Vec<String> {
    message
        .split(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '(' | ')' | ','))
        .filter(|w| w.starts_with(origin))
        .map(|w| w.trim_end_matches(['.', ';', ':']).to_string())
        .collect()
}

fn failed_requests(log: &NetworkLog, origin: &str, from: usize) -> Vec<String> {
    log.requests
        .iter()
        .skip(from)
        .filter(|r| r.url.starts_with(origin) && !r.url.ends_with("/favicon.ico"))
        .filter_map(|r| {
            let path = r.url.strip_prefix(origin).unwrap_or(&r.url);
            match (r.status, &r.failed) {
                // Chromium aborts a script whose response has an error status: the status is
                // what matters.
                (Some(status), _) if status >= 400 => {
                    Some(format!("{path} answered {status} by {}", r.source()))
                }
                // A navigation or reload cancels what the old document had in flight.
                (_, Some(e)) if e == "net::ERR_ABORTED" => None,
                (_, Some(e)) => Some(format!("{path} failed ({e})")),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check() -> VersionSkew {
        VersionSkew {
            action: Some(PageAction::Eval("window.loadSettings()".into())),
            ..Default::default()
        }
    }

    fn observation(mixed: bool, outcome: ActionOutcome, problems: Vec<String>) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            kind: VisitKind::Reload,
            reloads: vec![ReloadSeen {
                reload: 1,
                page: "v2 (document from network)".into(),
                mixed,
                problems: vec![],
            }],
            open_page: OpenPageSeen { outcome, problems },
        }
    }

    #[test]
    fn urls_named_in_errors_are_found() {
        assert_eq!(
            urls_in(
                "TypeError: Failed to fetch dynamically imported module: http://127.0.0.1:9/assets/a.js",
                "http://127.0.0.1:9"
            ),
            vec!["http://127.0.0.1:9/assets/a.js"]
        );
    }

    #[test]
    fn passes_when_consistent_and_the_open_tab_works() {
        assert_eq!(
            check().judge(&observation(false, ActionOutcome::Done, vec![])),
            Judgement::Pass("every reload after v2 was deployed showed one deploy without errors (reload 1: v2 (document from network)), and a tab left open under v1 could still eval `window.loadSettings()`".into())
        );
    }

    #[test]
    fn fails_naming_both_situations() {
        let j = check().judge(&observation(
            true,
            ActionOutcome::Failed("TypeError: Failed to fetch dynamically imported module".into()),
            vec!["/assets/lazy.1.js answered 404 by service worker (network)".into()],
        ));
        assert_eq!(
            j,
            Judgement::Fail("reload 1 after v2 was deployed showed a page built from two deploys: v2 (document from network); and a tab left open under v1 broke once v2's worker installed: eval `window.loadSettings()` failed (TypeError: Failed to fetch dynamically imported module); /assets/lazy.1.js answered 404 by service worker (network)".into())
        );
    }
}
