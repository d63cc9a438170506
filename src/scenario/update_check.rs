//! Chromium's natural update path, as a returning user meets it: reload, wait for the update
//! check Chromium makes ~2 s after each navigation, and follow what it leads to (a new version
//! that activates, waits or fails to install), each wait bounded; plus the forced update for
//! checks whose subject is something else.

use std::time::Duration;

use crate::browser::{SwState, VersionStatus};

use super::error::ScenarioError;
use super::kit::Scenario;

/// How long a new worker may sit in `installed` before it is judged *waiting*.
///
/// A worker that calls `skipWaiting()` during `install` moves on to `activating` within
/// milliseconds of reaching `installed`; one that does not stays there for as long as a page is
/// controlled. There is no CDP signal for "will never activate", so this bound is the one place
/// a quiet period is the signal. It is generous so a loaded machine cannot flip a verdict.
pub const WAITING_GRACE: Duration = Duration::from_secs(2);

/// What Chromium's update check after a navigation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateCheck {
    /// The script served is byte-identical to the newest version's: nothing to install.
    Unchanged,
    /// A new version of `deploy` installed and went on to activate.
    Activated,
    /// A new version of `deploy` installed and stays waiting.
    Waiting,
    /// A new version of `deploy` failed to install (became redundant).
    Failed(String),
}

/// What one visit (a reload, a new tab, ...) showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 1-based visit number.
    pub reload: u32,
    /// The deploy the page showed, if exactly one.
    pub shown: Option<String>,
    /// Human description of what the page showed and who answered.
    pub description: String,
    /// True when the files could not tell the deploys apart.
    pub ambiguous: bool,
    /// Whether the back/forward cache restored the page (nothing was loaded).
    pub restored: bool,
}

/// Visits made until the page showed a deploy, and what the update checks between them found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReloadRun {
    /// How the user came back.
    pub kind: crate::spec::VisitKind,
    /// One entry per visit, in order.
    pub attempts: Vec<Attempt>,
    /// What the last update check between reloads found.
    pub last_update: Option<UpdateCheck>,
    /// When the target was not reached and the last visit's document never reached the
    /// server while the browser's HTTP cache (or a response the worker built) answered it:
    /// what made the cached copy fresh.
    pub http_cache: Option<super::HttpCacheCause>,
}

impl ReloadRun {
    /// `; the document came from the browser's HTTP cache ...` when that explains why the
    /// target was not reached, else empty.
    pub fn http_cache_clause(&self) -> String {
        self.http_cache
            .as_ref()
            .map(super::HttpCacheCause::clause)
            .unwrap_or_default()
    }

    /// The first reload that showed `deploy`.
    pub fn reached(&self, deploy: &str) -> Option<&Attempt> {
        self.attempts
            .iter()
            .find(|a| a.shown.as_deref() == Some(deploy))
    }
}

impl Scenario {
    /// Comes back as a returning user ([`Self::revisit`]) until the page shows `target`, at
    /// most `reloads` times, following Chromium's natural update path: between visits it waits
    /// for the update check Chromium makes ~2 s after each navigation and for what it leads
    /// to, never a fixed cadence (reloading faster than the check makes a correct app look
    /// stuck).
    pub async fn reload_until(
        &mut self,
        target: &str,
        reloads: u32,
    ) -> Result<ReloadRun, ScenarioError> {
        let mut run = ReloadRun {
            kind: self.visit_kind(),
            ..ReloadRun::default()
        };
        for reload in 1..=reloads {
            let since = self.server.log().len();
            let restored = self.revisit().await?;
            let until = self.server.log().len();
            let version = self.page_version().await?;
            let shown = version.shown().map(str::to_owned);
            let reached = shown.as_deref() == Some(target);
            let start = self.spec.start.clone();
            let document_reached_server = self.server.log().snapshot()[since..until]
                .iter()
                .any(|r| r.is_page_request_for(&start));
            let mut description = version.describe();
            if restored {
                description.push_str(", restored from the back/forward cache");
            }
            let from_cache = (version.document.http_cache || version.document.worker_built)
                && !document_reached_server
                && !restored;
            run.http_cache = (!reached && from_cache)
                .then(|| self.http_cache_cause(&start, version.document.http_cache));
            run.attempts.push(Attempt {
                reload,
                ambiguous: version.candidates.len() > 1,
                shown,
                description,
                restored,
            });
            if reached || reload == reloads {
                break;
            }
            if restored {
                // Nothing was navigated, so Chromium makes no update check to wait for.
                self.note("no update check follows a page restored from the back/forward cache");
                continue;
            }
            let update = self.await_update_check(since).await?;
            if update == UpdateCheck::Unchanged {
                // The worker script cannot bring `target`; an app with its own manifest
                // (Angular) checks that on its own schedule: wait for it.
                self.await_app_update(since, target).await?;
            }
            let failed = matches!(update, UpdateCheck::Failed(_));
            run.last_update = Some(update);
            if failed {
                break;
            }
        }
        Ok(run)
    }

    /// After a navigation that began when the request log had `since` entries: waits for
    /// Chromium's update check (a request for the worker script with `Service-Worker: script`,
    /// ~2 s after the navigation), then for what it leads to, each wait bounded.
    pub async fn await_update_check(&self, since: usize) -> Result<UpdateCheck, ScenarioError> {
        let sw_path = self.spec.service_worker.clone();
        let request = self
            .server
            .log()
            .wait_for(
                since,
                &format!("Chromium's update check (a request for {sw_path} with `Service-Worker: script`)"),
                self.wait,
                |r| r.is_worker_script(&sw_path),
            )
            .await?;
        let served = request.deploy.clone();
        self.note(format!(
            "update check: {sw_path} answered {} by {served}",
            request.status
        ));
        if !matches!(request.status, 200 | 304) {
            // Chromium keeps the registration and its active worker when the update check
            // fails; no new version will appear.
            return Ok(UpdateCheck::Failed(format!(
                "Chromium's update check got {} for {sw_path}, so the old worker stays in control",
                request.status
            )));
        }
        if request.status == 200 && !is_javascript(request.content_type.as_deref()) {
            // Chromium refuses a worker script with a non-JavaScript MIME type and reports it
            // nowhere CDP's page session listens (measured: no workerErrorReported, no console
            // entry), so the MIME type the server sent is the signal.
            return Ok(UpdateCheck::Failed(format!(
                "Chromium's update check got {sw_path} as `{}`, not JavaScript, so it refuses the new worker and the old one stays in control",
                request.content_type.as_deref().unwrap_or("no Content-Type")
            )));
        }
        let state = self.page.sw_state();
        let known = state
            .versions
            .values()
            .filter(|v| v.deploy.as_deref() == Some(&*served))
            .max_by_key(|v| v.seq);
        let active = state.active().and_then(|a| a.deploy.clone());
        match known {
            // An earlier install of this script failed while another script stays active: the
            // update check compares with the active worker, not the failed one, so Chromium
            // installs it again; wait for that retry (seen in a rollout window: the install
            // that fails while the rollout is on succeeds after it).
            Some(v)
                if v.status == VersionStatus::Redundant
                    && active.as_deref().is_some_and(|a| a != served)
                    && !self.same_worker_script(active.as_deref(), &served) =>
            {
                let failed = v.seq;
                self.note(format!(
                    "{served}'s worker failed before: waiting for Chromium's retry"
                ));
                let state = self
                    .await_installed(&served, Some(failed), "to be installed again")
                    .await?;
                return Ok(self.settle_new_version(&served, state, request.seq).await);
            }
            // Seen at an earlier check: this one finds it unchanged, and its state is settled.
            Some(v) if v.status >= VersionStatus::Installed => {
                return Ok(self.settled_update(&served, &state, request.seq).await)
            }
            Some(_) => {}
            None if self.worker_script_unchanged(&served, &state) => {
                self.note("update check found the worker script unchanged");
                return Ok(UpdateCheck::Unchanged);
            }
            None => {}
        }
        let state = self
            .await_installed(&served, None, "to finish installing")
            .await?;
        Ok(self.settle_new_version(&served, state, request.seq).await)
    }

    /// Waits (bounded) for a version of `deploy`'s worker, newer than version `after` when
    /// given, to finish installing (or fail); `what` ends the timeout's description.
    async fn await_installed(
        &self,
        deploy: &str,
        after: Option<usize>,
        what: &str,
    ) -> Result<SwState, ScenarioError> {
        Ok(self
            .page
            .wait_for_sw(&format!("{deploy}'s worker {what}"), self.wait, |s| {
                s.versions.values().any(|v| {
                    v.deploy.as_deref() == Some(deploy)
                        && after.is_none_or(|seq| v.seq > seq)
                        && v.status >= VersionStatus::Installed
                })
            })
            .await?)
    }

    /// Whether `to` serves the worker script and every script it imports (by literal path)
    /// byte-identical to `from`: Chromium's update check then installs nothing, so no new
    /// worker can be waited for. Angular's `ngsw-worker.js` is identical in every app version
    /// (the app updates through `ngsw.json`); measured in tests/real.
    pub fn worker_unchanged(&self, from: &str, to: &str) -> bool {
        let deploys = self.server.deploys();
        let bytes = |deploy: &str, path: &str| {
            deploys
                .get(deploy)
                .ok()
                .and_then(|d| d.lookup(path).map(|f| f.bytes.clone()))
        };
        let main = &self.spec.service_worker;
        let Some(source) = bytes(from, main) else {
            return false;
        };
        std::iter::once(main.clone())
            .chain(imported_scripts(&String::from_utf8_lossy(&source)))
            .all(|path| bytes(from, &path) == bytes(to, &path))
    }

    /// Whether deploys `a` and `b` serve the same worker script bytes.
    /// The bytes deploy `name` serves at `path`, if it has that file.
    pub(super) fn deploy_file(&self, name: &str, path: &str) -> Option<bytes::Bytes> {
        self.server
            .deploys()
            .get(name)
            .ok()
            .and_then(|d| d.lookup(path).map(|f| f.bytes.clone()))
    }

    /// The bytes deploy `name` serves at the worker's URL, if it serves one.
    pub(super) fn worker_script(&self, name: &str) -> Option<bytes::Bytes> {
        self.deploy_file(name, &self.spec.service_worker)
    }

    fn same_worker_script(&self, a: Option<&str>, b: &str) -> bool {
        a.is_some_and(|a| {
            let script = self.worker_script(a);
            script.is_some() && script == self.worker_script(b)
        })
    }

    fn worker_script_unchanged(&self, served: &str, state: &SwState) -> bool {
        match state.newest().and_then(|v| v.deploy.as_deref()) {
            Some(newest) => self.worker_script(newest) == self.worker_script(served),
            None => false,
        }
    }

    /// `script_request` is the server log position of the worker script request that began
    /// the new version (see [`Self::failure_reason`]).
    async fn settle_new_version(
        &self,
        deploy: &str,
        state: SwState,
        script_request: usize,
    ) -> UpdateCheck {
        let is_new = |s: &SwState| {
            s.versions
                .values()
                .filter(|v| v.deploy.as_deref() == Some(deploy))
                .max_by_key(|v| v.seq)
                .map(|v| v.status)
        };
        if is_new(&state) == Some(VersionStatus::Installed) {
            let moved_on = self
                .page
                .wait_for_sw(
                    &format!("{deploy}'s worker to leave `installed`"),
                    WAITING_GRACE,
                    |s| is_new(s).is_some_and(|st| st > VersionStatus::Installed),
                )
                .await;
            if moved_on.is_err() {
                self.note(format!(
                    "{deploy}'s worker installed and is still waiting after {}s",
                    WAITING_GRACE.as_secs()
                ));
                return UpdateCheck::Waiting;
            }
        }
        self.settled_update(deploy, &self.page.sw_state(), script_request)
            .await
    }

    async fn settled_update(
        &self,
        deploy: &str,
        state: &SwState,
        script_request: usize,
    ) -> UpdateCheck {
        let newest = state
            .versions
            .values()
            .filter(|v| v.deploy.as_deref() == Some(deploy))
            .max_by_key(|v| v.seq);
        let outcome = match newest {
            Some(v)
                if v.status == VersionStatus::Redundant
                    && state.active().and_then(|a| a.deploy.as_deref()) != Some(deploy) =>
            {
                let why = self.failure_reason(&v.version_id, script_request).await;
                UpdateCheck::Failed(format!("{deploy}'s worker failed to install{why}"))
            }
            Some(v) if v.status == VersionStatus::Installed => UpdateCheck::Waiting,
            _ => UpdateCheck::Activated,
        };
        self.note(format!("{deploy}'s worker: {outcome:?}"));
        outcome
    }

    /// [`Self::failure_reason`] for the newest version of `deploy`.
    pub(super) async fn reason_of_failed(
        &self,
        deploy: &str,
        state: &SwState,
        since: usize,
    ) -> String {
        match state
            .versions
            .values()
            .filter(|v| v.deploy.as_deref() == Some(deploy))
            .max_by_key(|v| v.seq)
        {
            Some(v) => self.failure_reason(&v.version_id, since).await,
            None => String::new(),
        }
    }

    /// `: <why>` for a version that failed to install, built only from reports whose order is
    /// fixed, so the message is the same on every run (docs/chromium.md, "Why an install
    /// failed").
    ///
    /// Chromium reports a failed install in two places. The browser process reports a summary
    /// ("Failed to update a ServiceWorker for scope (...) with script (...): REASON") when it
    /// makes the version redundant, so it always comes. The worker thread reports its own lines
    /// ("Uncaught (in promise) TypeError: Failed to execute 'addAll' ...", "Cache.addAll()
    /// failed ..."), and those may come before or after the summary, late under load, or not
    /// at all (Chromium 148 on a loaded machine: not within 2 s). So:
    /// - the summary's REASON when it has one (an `install` whose `waitUntil` rejected);
    /// - when REASON is empty (the script did not evaluate), the worker's error reported
    ///   *before* the summary: the evaluation error, which the worker reports before it tells
    ///   the browser that evaluation failed;
    /// - plus what the fixture server answered with an error status since `since` (the
    ///   request log position where the worker script was requested): a response the install
    ///   depended on is logged before it is sent, so before the failure it caused.
    ///
    /// The worker's other lines stay in the timeline.
    async fn failure_reason(&self, version_id: &str, since: usize) -> String {
        let summary_of = |s: &SwState| {
            s.errors
                .iter()
                .position(|e| e.version_id == version_id && is_failure_summary(&e.text))
        };
        let chromium = match self
            .page
            .wait_for_sw(
                "Chromium's report of why the worker failed to install",
                self.wait,
                |s| summary_of(s).is_some(),
            )
            .await
        {
            Ok(state) => {
                let at = summary_of(&state).unwrap_or_default();
                let reason = failure_summary_reason(&state.errors[at].text);
                if reason.is_empty() {
                    state.errors[..at]
                        .iter()
                        .find(|e| e.version_id == version_id)
                        .map(|e| e.text.replace(&self.origin(), ""))
                } else {
                    Some(reason.to_string())
                }
            }
            Err(_) => Some(format!(
                "Chromium reported no reason within {}s",
                self.wait.as_secs()
            )),
        };
        let answered = self.server.log().errors_since(since);
        let server = (!answered.is_empty()).then(|| {
            format!(
                "while it installed the server answered {}",
                answered.join(", ")
            )
        });
        let parts: Vec<String> = chromium.into_iter().chain(server).collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join("; "))
        }
    }

    /// Forces the update to `deploy` (CDP `updateRegistration`, then `skipWaiting` if the new
    /// worker waits) and waits for it to activate. For checks whose subject is not the
    /// natural update path.
    pub async fn force_activate(&self, deploy: &str) -> Result<(), ScenarioError> {
        let scope = self.scope();
        let since = self.server.log().len();
        let sw_path = self.spec.service_worker.clone();
        // Chromium merges an update with one still in flight: right after `install` saw its
        // check's request, a forced update never reached the server (workbox-window-prompt,
        // 1 full integration run in 3). The request is the signal; without it in a quiet
        // period the update is forced again, a bounded number of times.
        for attempt in 1..=3 {
            let asked = self.server.log().len();
            self.page.force_update(&scope).await?;
            self.note(format!("forced an update check of {scope}"));
            let reached = self
                .server
                .log()
                .wait_for(
                    asked,
                    &format!("the forced update check's request for {sw_path}"),
                    WAITING_GRACE,
                    |r| r.is_worker_script(&sw_path),
                )
                .await
                .is_ok();
            if reached {
                break;
            }
            if attempt < 3 {
                self.note("the forced update check never reached the server (merged with one in flight): forcing it again");
            }
        }
        let installed = |s: &SwState| {
            s.versions.values().any(|v| {
                v.deploy.as_deref() == Some(deploy) && v.status >= VersionStatus::Installed
            })
        };
        let state = self
            .page
            .wait_for_sw(
                &format!("{deploy}'s worker to install"),
                self.wait,
                installed,
            )
            .await?;
        let activated = |s: &SwState| {
            s.versions.values().any(|v| {
                v.deploy.as_deref() == Some(deploy) && v.status == VersionStatus::Activated
            })
        };
        if !activated(&state)
            && state.versions.values().all(|v| {
                v.deploy.as_deref() != Some(deploy) || v.status == VersionStatus::Redundant
            })
        {
            let why = self.reason_of_failed(deploy, &state, since).await;
            return Err(ScenarioError::App(format!(
                "{deploy}'s worker failed to install{why}"
            )));
        }
        if state
            .versions
            .values()
            .any(|v| v.deploy.as_deref() == Some(deploy) && v.status == VersionStatus::Installed)
        {
            self.page.skip_waiting(&scope).await?;
            self.note(format!(
                "{deploy}'s worker installed: sent CDP skipWaiting in case it waits"
            ));
        }
        self.page
            .wait_for_sw(
                &format!("{deploy}'s worker to activate"),
                self.wait,
                activated,
            )
            .await?;
        self.note(format!("{deploy}'s worker activated"));
        Ok(())
    }
}

/// Whether a `Content-Type` is one Chromium accepts for a worker script.
pub fn is_javascript(content_type: Option<&str>) -> bool {
    let essence = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "text/javascript"
            | "application/javascript"
            | "application/x-javascript"
            | "text/ecmascript"
            | "application/ecmascript"
            | "text/jscript"
            | "text/livescript"
            | "text/x-javascript"
            | "text/x-ecmascript"
            | "text/javascript1.0"
            | "text/javascript1.1"
            | "text/javascript1.2"
            | "text/javascript1.3"
            | "text/javascript1.4"
            | "text/javascript1.5"
            | "application/x-ecmascript"
    )
}

/// Whether a worker error is Chromium's own summary of a failed register or update job.
fn is_failure_summary(text: &str) -> bool {
    text.starts_with("Failed to update a ServiceWorker")
        || text.starts_with("Failed to register a ServiceWorker")
}

/// The REASON of "Failed to update a ServiceWorker for scope ('/') with script ('/sw.js'):
/// REASON", without the "ServiceWorker failed to install: " that repeats what the message says
/// (empty when Chromium gives none, as for a script that did not evaluate).
fn failure_summary_reason(summary: &str) -> &str {
    let reason = summary.split_once("'):").map_or("", |(_, r)| r).trim();
    reason
        .strip_prefix("ServiceWorker failed to install: ")
        .unwrap_or(reason)
}

/// Paths of the scripts a worker imports with `importScripts('...')` string literals.
pub fn imported_scripts(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(i) = rest.find("importScripts(") {
        rest = &rest[i + "importScripts(".len()..];
        let end = rest.find(')').unwrap_or(rest.len());
        for arg in rest[..end].split(',') {
            let arg = arg
                .trim()
                .trim_matches(|c| c == '\'' || c == '"' || c == '`');
            if arg.starts_with('/') {
                out.push(arg.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_summary_gives_its_reason_or_nothing() {
        let rejected = "Failed to update a ServiceWorker for scope ('/') with script ('/sw.js'): ServiceWorker failed to install: ServiceWorker failed to handle event (event.waitUntil Promise rejected)";
        assert!(is_failure_summary(rejected));
        assert_eq!(
            failure_summary_reason(rejected),
            "ServiceWorker failed to handle event (event.waitUntil Promise rejected)"
        );
        let evaluation =
            "Failed to register a ServiceWorker for scope ('/') with script ('/sw.js'): ";
        assert!(is_failure_summary(evaluation));
        assert_eq!(failure_summary_reason(evaluation), "");
        assert!(!is_failure_summary(
            "Uncaught (in promise) TypeError: Failed to execute 'addAll' on 'Cache'"
        ));
    }
}
