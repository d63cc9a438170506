//! One scenario's world: its fixture server, its page in its own browser context, its step log,
//! and the deploy-aware steps checks compose (install N, deploy N+1, wait for update checks).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::browser::{
    BrowserError, BrowserSession, CacheInfo, DeployOfScript, LoadInFlight, ScenarioPage,
    VersionStatus,
};
use crate::server::{FixtureServer, WindowMix};
use crate::spec::{Spec, VisitKind};
use crate::timeline::{CacheSnapshot, NavigationAction, StorageUsage, Timeline, TimelineEvent};

/// One settled read of [`Scenario::storage_usage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageUsageRead {
    /// Bytes by storage type.
    pub usage: StorageUsage,
    /// Caches in Cache Storage.
    pub caches: u64,
    /// Entries over all caches.
    pub entries: u64,
}

use super::error::ScenarioError;

/// The scenario context checks drive.
pub struct Scenario {
    browser: Arc<BrowserSession>,
    /// Extra tabs opened in the scenario's browser context (closed with the scenario).
    pub(super) tabs: Vec<ScenarioPage>,
    deploy_of_script: DeployOfScript,
    pub(super) spec: Arc<Spec>,
    pub(super) server: FixtureServer,
    pub(super) page: ScenarioPage,
    /// Bound for each wait on a browser or server signal.
    pub(super) wait: Duration,
    timeline: Arc<Timeline>,
    /// Document requests seen before the latest navigation: the page's document is the first
    /// one after it. Reading "the last document" without this would race the event listener
    /// and could judge the previous page.
    pub(super) documents_before: AtomicUsize,
    /// For an app with its own manifest (Angular): the version it reported as latest once it
    /// settled on the installed deploy (see `app_manifest.rs`).
    pub(super) app_latest: std::sync::Mutex<Option<Vec<u8>>>,
    /// Deploys served so far in this scenario: the only ones whose bytes the page can show.
    pub(super) served: std::sync::Mutex<Vec<String>>,
    /// Whether `close` clears the origin's data (a scenario in the default browser context).
    clear_on_close: bool,
    /// How the returning user comes back ([`Self::revisit`]).
    visit: VisitKind,
    /// The tab of the latest `new-tab` visit and its number: the user's page while it exists.
    /// Tab 1 stays open (on `about:blank` once the user left it): its CDP session keeps the
    /// worker history, which a newly attached tab would attribute to the wrong deploys.
    visitor: Option<(u32, ScenarioPage)>,
    /// Tabs opened so far, tab 1 included: the next one is number `opened_tabs + 1`.
    opened_tabs: u32,
    /// What the page showed before a `back-forward` visit left it, while the back/forward
    /// cache restored that very page: [`Self::page_version`] returns it, since the restored
    /// document's body can no longer be read from CDP.
    pub(super) restored: std::sync::Mutex<Option<crate::scenario::PageVersion>>,
}

impl Scenario {
    pub(crate) fn new(
        browser: Arc<BrowserSession>,
        deploy_of_script: DeployOfScript,
        spec: Arc<Spec>,
        server: FixtureServer,
        page: ScenarioPage,
        wait: Duration,
        timeline: Arc<Timeline>,
    ) -> Self {
        Scenario {
            browser,
            tabs: Vec::new(),
            deploy_of_script,
            spec,
            server,
            page,
            wait,
            timeline,
            documents_before: AtomicUsize::new(0),
            app_latest: std::sync::Mutex::new(None),
            served: std::sync::Mutex::new(Vec::new()),
            clear_on_close: false,
            visit: VisitKind::Reload,
            visitor: None,
            opened_tabs: 1,
            restored: std::sync::Mutex::new(None),
        }
    }

    /// Ends the scenario: applies the events Chromium sent before now (they belong in the
    /// timeline), closes its tabs and page, and shuts its server down.
    /// Clears the origin's data (registrations, caches, IndexedDB, cookies) when the
    /// scenario closes: for scenarios in the default browser context, which outlives them.
    pub(crate) fn clear_origin_on_close(&mut self) {
        self.clear_on_close = true;
    }

    pub(crate) async fn close(self) {
        if self.clear_on_close {
            if let Err(e) = self.page.clear_origin(&self.origin()).await {
                tracing::debug!("clearing the origin's data failed: {e}");
            }
        }
        self.page.flush().await;
        for tab in &self.tabs {
            tab.flush().await;
        }
        if let Some((_, visitor)) = self.visitor {
            visitor.flush().await;
            self.browser.close_tab(visitor).await;
        }
        for tab in self.tabs {
            self.browser.close_tab(tab).await;
        }
        self.browser.close_scenario_page(self.page).await;
        self.server.shutdown().await;
    }

    /// The page the user looks at: the tab of the latest `new-tab` visit, else tab 1.
    pub fn page(&self) -> &ScenarioPage {
        self.visitor.as_ref().map_or(&self.page, |(_, p)| p)
    }

    /// The tab number of [`Self::page`]: it changes when a `new-tab` visit opens a tab.
    pub fn page_tab(&self) -> u32 {
        self.visitor.as_ref().map_or(1, |(n, _)| *n)
    }

    /// The service workers, registrations and their history, as tab 1's CDP session saw them
    /// (the only session that saw every version from its first event).
    pub fn sw_state(&self) -> crate::browser::SwState {
        self.page.sw_state()
    }

    /// Waits (bounded) until the service-worker state satisfies `ready`, as tab 1 sees it.
    pub async fn wait_for_sw(
        &self,
        what: &str,
        ready: impl Fn(&crate::browser::SwState) -> bool,
    ) -> Result<crate::browser::SwState, ScenarioError> {
        Ok(self.page.wait_for_sw(what, self.wait, ready).await?)
    }

    /// The extra tabs opened with [`Self::open_tab`], in order.
    pub fn tabs(&self) -> &[ScenarioPage] {
        &self.tabs
    }

    /// The scenario's fixture server.
    pub fn server(&self) -> &FixtureServer {
        &self.server
    }

    /// The spec the scenario runs.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The bound for each wait on a browser or server signal.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// Adds a step, in words, to the scenario's timeline.
    pub fn note(&self, text: impl AsRef<str>) {
        self.record(TimelineEvent::Step {
            text: text.as_ref().to_string(),
        });
    }

    /// Adds an event to the scenario's timeline.
    pub(crate) fn record(&self, event: TimelineEvent) {
        self.timeline.push(event);
    }

    /// The origin of this scenario's fixture server.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// Records that deploy `name` has been served: only those can be on the page.
    fn mark_served(&self, name: &str) {
        let mut served = self.served.lock().unwrap_or_else(|p| p.into_inner());
        if !served.iter().any(|d| d == name) {
            served.push(name.to_string());
        }
    }

    /// Switches the fixture server to deploy `name`.
    pub fn deploy(&self, name: &str) -> Result<(), ScenarioError> {
        self.server.deploy(name)?;
        self.mark_served(name);
        self.record(TimelineEvent::Deploy {
            deploy: name.to_string(),
        });
        Ok(())
    }

    /// Starts a non-atomic rollout from `from` to `to` (see [`WindowMix`]); the next
    /// [`Self::deploy`] ends it.
    pub fn deploy_window(&self, from: &str, to: &str, mix: WindowMix) -> Result<(), ScenarioError> {
        self.server.deploy_window(from, to, mix)?;
        self.mark_served(to);
        self.record(TimelineEvent::Deploy {
            deploy: format!("{from} and {to} mixed"),
        });
        Ok(())
    }

    /// Opens the spec's start page and waits for it to load.
    pub async fn open_start(&self) -> Result<(), ScenarioError> {
        let url = self.server.url(&self.spec.start);
        self.mark_navigation().await;
        self.page().navigate(&url).await?;
        self.navigated(self.page_tab(), NavigationAction::Open, &self.spec.start)
            .await;
        Ok(())
    }

    /// Reloads as a user does and waits for the load.
    pub async fn reload(&self) -> Result<(), ScenarioError> {
        self.mark_navigation().await;
        self.page().reload().await?;
        self.navigated(self.page_tab(), NavigationAction::Reload, "")
            .await;
        Ok(())
    }

    /// The way the returning user comes back from now on ([`Self::revisit`]).
    pub fn set_visit(&mut self, kind: VisitKind) {
        self.visit = kind;
    }

    /// How the returning user comes back.
    pub fn visit_kind(&self) -> VisitKind {
        self.visit
    }

    /// The returning user comes back once, the way [`Self::set_visit`] chose, and the page
    /// loads; the next [`Self::page_version`] judges what it shows. Returns whether the
    /// back/forward cache restored the page (only a `back-forward` visit can).
    ///
    /// - `reload`: the open tab reloads.
    /// - `navigate`: the open tab navigates to the start URL (a typed URL or a link).
    /// - `new-tab`: the user left (the open tab closes, or tab 1 goes to `about:blank`) and
    ///   opens the start URL in a new tab of the same browser.
    /// - `back-forward`: the open tab navigates to `about:blank`, then goes back.
    pub async fn revisit(&mut self) -> Result<bool, ScenarioError> {
        let start = self.spec.start.clone();
        let url = self.server.url(&start);
        match self.visit {
            VisitKind::Reload => self.reload().await?,
            VisitKind::Navigate => {
                self.mark_navigation().await;
                self.page().navigate(&url).await?;
                self.navigated(self.page_tab(), NavigationAction::Navigate, &start)
                    .await;
            }
            VisitKind::NewTab => {
                // The user left: the page they had goes away before the new tab opens, so a
                // waiting worker may activate as it does for a user who closed the app.
                match self.visitor.take() {
                    Some((_, old)) => {
                        old.flush().await;
                        self.browser.close_tab(old).await;
                    }
                    None => {
                        self.page.navigate("about:blank").await?;
                        self.record(TimelineEvent::Navigation {
                            tab: 1,
                            action: NavigationAction::Leave,
                            path: String::new(),
                        });
                    }
                }
                let (number, tab) = self.new_tab().await?;
                // A new tab's first document is the visit's.
                self.documents_before.store(0, Ordering::SeqCst);
                let opened = tab.navigate(&url).await;
                self.visitor = Some((number, tab));
                opened?;
                self.navigated(number, NavigationAction::Open, &start).await;
            }
            VisitKind::BackForward => {
                let tab = self.page_tab();
                let before = self.page_version().await?;
                self.page().navigate("about:blank").await?;
                self.record(TimelineEvent::Navigation {
                    tab,
                    action: NavigationAction::Leave,
                    path: String::new(),
                });
                self.mark_navigation().await;
                let documents = self.page().network().documents();
                let restored = self.page().go_back(&url, self.wait).await?;
                if restored {
                    // Nothing was loaded: the page is the document it showed before leaving.
                    self.documents_before
                        .store(documents.saturating_sub(1), Ordering::SeqCst);
                    *self.restored.lock().unwrap_or_else(|p| p.into_inner()) = Some(before);
                    self.note("the back/forward cache restored the page (nothing was loaded)");
                }
                self.navigated(tab, NavigationAction::Back, &start).await;
                return Ok(restored);
            }
        }
        Ok(false)
    }

    /// Starts over with a new returning user: a fresh browser context (no registration, no
    /// caches, an empty HTTP cache) on the same fixture server, so a check can judge another
    /// visit kind from the same starting point. Tabs of the old user are closed.
    pub async fn start_over(&mut self) -> Result<(), ScenarioError> {
        if let Some((_, visitor)) = self.visitor.take() {
            visitor.flush().await;
            self.browser.close_tab(visitor).await;
        }
        for tab in std::mem::take(&mut self.tabs) {
            tab.flush().await;
            self.browser.close_tab(tab).await;
        }
        let fresh = self
            .browser
            .new_scenario_page(self.deploy_of_script.clone(), self.timeline.clone(), true)
            .await?;
        let old = std::mem::replace(&mut self.page, fresh);
        old.flush().await;
        if self.clear_on_close {
            // The default context outlives the scenario: leave nothing of the first user. (A
            // kept profile keeps the first user's data for inspection; the next users live in
            // in-memory contexts.)
            if let Err(e) = old.clear_origin(&self.origin()).await {
                tracing::debug!("clearing the origin's data failed: {e}");
            }
        }
        self.browser.close_scenario_page(old).await;
        self.documents_before.store(0, Ordering::SeqCst);
        *self.app_latest.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.opened_tabs = 1;
        self.note("a new returning user: a fresh browser context");
        Ok(())
    }

    /// Starts a reload without waiting for it, for checks that judge how long the load takes;
    /// the next [`Self::page_version`] judges this reload's document.
    pub async fn start_reload(&self) -> Result<LoadInFlight, ScenarioError> {
        self.mark_navigation().await;
        Ok(self.page().start_reload().await?)
    }

    /// Records a finished navigation and what Cache Storage holds after it: each step of the
    /// timeline then shows how the caches changed. The snapshot is best-effort (a failed read
    /// is logged, not judged): it is for reports, and the checks read caches themselves.
    async fn navigated(&self, tab: u32, action: NavigationAction, path: &str) {
        self.record(TimelineEvent::Navigation {
            tab,
            action,
            path: path.to_string(),
        });
        if let Err(e) = self.caches().await {
            tracing::debug!("cache snapshot after a navigation failed: {e}");
        }
    }

    /// Records that the page navigated on its own (e.g. the app reloaded on
    /// `controllerchange`) after `documents_before` document requests, so the next
    /// [`Self::page_version`] judges that navigation's document.
    pub fn app_navigated(&self, documents_before: usize) {
        self.documents_before
            .store(documents_before, Ordering::SeqCst);
    }

    /// Records where the next navigation's document will be in the page's network log. The
    /// count comes after a CDP round trip and a flush, so it includes a document the app asked
    /// for just before (vite-plugin-pwa's reload on `controlling`, 160 ms before swgate's own
    /// reload): counted without the barrier, that document was judged as the visit's, and
    /// its page read as "one of v1, v2" (1 of 8 loaded runs).
    pub(super) async fn mark_navigation(&self) {
        *self.restored.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.page().sync_events().await;
        self.documents_before
            .store(self.page().network().documents(), Ordering::SeqCst);
    }

    /// Makes the page a returning user of deploy `name`: serves it, opens the start page,
    /// waits for its worker to activate, and reloads once if the worker does not yet control
    /// the page (no `clients.claim()`), waiting for it to take control.
    pub async fn install(&self, name: &str) -> Result<(), ScenarioError> {
        self.deploy(name)?;
        let since = self.server.log().len();
        self.open_start().await?;
        let state = self
            .page
            .wait_for_sw(
                &format!("{name}'s service worker to activate"),
                self.wait,
                |s| {
                    s.versions.values().any(|v| {
                        v.deploy.as_deref() == Some(name)
                            && matches!(
                                v.status,
                                VersionStatus::Activated | VersionStatus::Redundant
                            )
                    })
                },
            )
            .await?;
        if !state
            .versions
            .values()
            .any(|v| v.deploy.as_deref() == Some(name) && v.status == VersionStatus::Activated)
        {
            let why = self.reason_of_failed(name, &state, since).await;
            return Err(ScenarioError::App(format!(
                "{name}'s service worker failed to install{why}"
            )));
        }
        self.note(format!("{name}'s worker activated"));
        if self.controller().await?.as_deref() != Some(name) {
            let before_reload = self.server.log().len();
            self.reload().await?;
            let controller = self.controller().await?;
            if controller.as_deref() != Some(name) {
                return Err(ScenarioError::App(format!(
                    "{name}'s worker is active but does not control {} after a reload (controller: {}); is the start page inside its scope?",
                    self.spec.start,
                    controller.as_deref().unwrap_or("none")
                )));
            }
            self.await_pending_update_check(name, before_reload).await?;
        }
        self.note(format!("{name}'s worker controls the page"));
        // An app that updates through its own manifest (Angular) reads it only now: wait until
        // it has, so the returning user really is on `name` before anything is deployed.
        self.settle_app(name, since).await?;
        Ok(())
    }

    /// After a controlled reload: waits for the update check Chromium makes ~2 s later. Left
    /// pending, that check raced the next deploy: on a loaded machine it fetched N+1's script
    /// before the check's own first navigation (kill-switch-cached-html passed instead of
    /// failing in 8 of 24 runs at 5 swgate processes at once), so every deploy now starts after
    /// the returning user's last check of N. With `updateViaCache: 'all'` the check may be
    /// answered by the HTTP cache and never reach the server: nothing to wait for then.
    async fn await_pending_update_check(
        &self,
        name: &str,
        since: usize,
    ) -> Result<(), ScenarioError> {
        let via_cache = self
            .page()
            .evaluate(
                "navigator.serviceWorker.getRegistration().then(r => r ? r.updateViaCache : null)",
            )
            .await?;
        if via_cache.as_str() == Some("all") {
            self.note(format!(
                "{name}'s registration uses updateViaCache 'all': its update check may never reach the server, so it is not awaited"
            ));
            return Ok(());
        }
        let sw_path = self.spec.service_worker.clone();
        self.server
            .log()
            .wait_for(
                since,
                &format!("Chromium's update check after {name}'s controlled reload (a request for {sw_path})"),
                self.wait,
                |r| r.is_worker_script(&sw_path),
            )
            .await?;
        Ok(())
    }

    /// The deploy of the worker controlling the page, if any.
    ///
    /// CDP's `controlledClients` lags behind reloads (after a reload of a controlled page it
    /// often lists no client), so control is read from the page itself
    /// (`navigator.serviceWorker.controller`); the controller is then the registration's
    /// active worker, since activation moves every controlled client to the new active worker.
    pub async fn controller(&self) -> Result<Option<String>, ScenarioError> {
        let controlled = self
            .page()
            .evaluate_current("!!(navigator.serviceWorker && navigator.serviceWorker.controller)")
            .await?;
        if controlled != serde_json::Value::Bool(true) {
            return Ok(None);
        }
        let state = self
            .page
            .wait_for_sw("CDP to report the active worker", self.wait, |s| {
                s.active().is_some()
            })
            .await?;
        Ok(state.active().and_then(|v| v.deploy.clone()))
    }

    /// A new `about:blank` tab in the user's browser context, with its tab number.
    async fn new_tab(&mut self) -> Result<(u32, ScenarioPage), ScenarioError> {
        self.opened_tabs += 1;
        let number = self.opened_tabs;
        let tab = self
            .browser
            .new_page_in_context(
                self.page.context_id.as_ref(),
                self.deploy_of_script.clone(),
                self.timeline.clone(),
                number,
            )
            .await?;
        Ok((number, tab))
    }

    /// Opens another tab in the scenario's browser context (same origin, same registration),
    /// at the start page, and returns its index in `tabs`.
    pub async fn open_tab(&mut self) -> Result<usize, ScenarioError> {
        let (number, tab) = self.new_tab().await?;
        let since = self.server.log().len();
        tab.navigate(&self.server.url(&self.spec.start)).await?;
        self.tabs.push(tab);
        self.navigated(number, NavigationAction::Open, &self.spec.start)
            .await;
        // A controlled navigation makes Chromium check for a new worker ~2 s later: left
        // pending, that check raced the next deploy and installed N+1 before the first visit
        // (module-skew, new tab: the mix showed on visit 1 in 1 run of 3, on visit 2 in the
        // others). As after install's controlled reload, it is awaited when it can come.
        let controlled = self.tabs[self.tabs.len() - 1]
            .evaluate("!!(navigator.serviceWorker && navigator.serviceWorker.controller)")
            .await?;
        if controlled == serde_json::Value::Bool(true) {
            let installed = self.server.active_deploy();
            self.await_pending_update_check(&installed, since).await?;
        }
        Ok(self.tabs.len() - 1)
    }

    /// The caches of this scenario's origin, by name; recorded in the timeline with the
    /// origin's Cache Storage usage. Read until two reads agree (see [`Self::settled`]).
    pub async fn caches(&self) -> Result<Vec<CacheInfo>, ScenarioError> {
        let origin = self.origin();
        let caches = self
            .settled("the origin's caches", || async {
                Ok(self.page().caches(&origin).await?)
            })
            .await?;
        let usage_bytes = self.page().cache_storage_usage(&origin).await.ok();
        self.record(TimelineEvent::Caches {
            caches: caches
                .iter()
                .map(|c| CacheSnapshot {
                    name: c.name.clone(),
                    entries: c.entries,
                })
                .collect(),
            usage_bytes,
        });
        Ok(caches)
    }

    /// The origin's storage usage by type, read until two reads agree, with its caches and
    /// entries; recorded in the timeline as what `deploy` left behind.
    pub async fn storage_usage(&self, deploy: &str) -> Result<StorageUsageRead, ScenarioError> {
        let origin = self.origin();
        let read = self
            .settled("the origin's storage usage", || async {
                let usage = self.page().storage_usage(&origin).await?;
                let caches = self.page().caches(&origin).await?;
                Ok(StorageUsageRead {
                    usage,
                    caches: caches.len() as u64,
                    entries: caches.iter().map(|c| c.entries).sum(),
                })
            })
            .await?;
        self.record(TimelineEvent::StorageUsage {
            deploy: deploy.to_string(),
            usage: read.usage,
            caches: read.caches,
            entries: read.entries,
        });
        Ok(read)
    }

    /// Serves deploy `name` again as deploy number `generation`, its worker script changed by
    /// a comment so Chromium installs it as a new worker; returns the name it is served under
    /// (`NAME+N`), which the worker versions it installs are attributed to.
    pub fn deploy_mutated(&self, name: &str, generation: u32) -> Result<String, ScenarioError> {
        let label = self
            .server
            .deploy_mutated(name, &self.spec.service_worker, generation)?;
        self.mark_served(name);
        self.record(TimelineEvent::Deploy {
            deploy: label.clone(),
        });
        Ok(label)
    }

    /// Reads `read` until two consecutive reads agree, within the scenario's wait bound.
    ///
    /// A worker may write or expire cache entries while swgate reads them (Workbox's expiration
    /// deletes entries after the response it cached is served; a cache can vanish between the
    /// listing and the read), and a verdict must not depend on where a read fell. Each read is
    /// a CDP round trip, so this is a bounded poll on the state itself, never a fixed pause.
    pub(super) async fn settled<T, F, Fut>(
        &self,
        what: &str,
        mut read: F,
    ) -> Result<T, ScenarioError>
    where
        T: PartialEq,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ScenarioError>>,
    {
        let started = std::time::Instant::now();
        let mut last = read().await?;
        loop {
            let next = read().await?;
            if next == last {
                return Ok(next);
            }
            if started.elapsed() >= self.wait {
                return Err(BrowserError::Timeout {
                    what: format!("{what} to stop changing (two equal reads in a row)"),
                    after: started.elapsed(),
                }
                .into());
            }
            last = next;
        }
    }

    /// Waits until every `navigator.serviceWorker.register()` call the page made so far has
    /// settled (bounded by the wait), and returns what the calls were. A page that registers
    /// from a classic script calls `register` before `load`, but the registration exists only
    /// once the call settles: reading registrations before that was a race that a 2 s quiet
    /// period only bounded, and a loaded machine can exceed it.
    pub async fn await_page_register(
        &self,
    ) -> Result<crate::browser::RegisterCalls, ScenarioError> {
        const POLL: std::time::Duration = std::time::Duration::from_millis(50);
        let started = std::time::Instant::now();
        loop {
            let calls = self.page().register_calls().await?;
            if calls.pending == 0 {
                return Ok(calls);
            }
            if started.elapsed() >= self.wait {
                return Err(BrowserError::Timeout {
                    what: format!(
                        "the page's navigator.serviceWorker.register() call{} to settle",
                        if calls.pending == 1 { "" } else { "s" }
                    ),
                    after: started.elapsed(),
                }
                .into());
            }
            // A bounded poll of the page's own state (one CDP round trip each).
            tokio::time::sleep(POLL).await;
        }
    }

    /// How many registrations the page itself sees (`navigator.serviceWorker.getRegistrations()`).
    pub async fn page_registrations(&self) -> Result<u64, ScenarioError> {
        let n = self
            .page()
            .evaluate_current(
                "navigator.serviceWorker ? navigator.serviceWorker.getRegistrations().then(r => r.length) : 0",
            )
            .await?;
        Ok(n.as_u64().unwrap_or(0))
    }

    /// The scope URL of the app's registration (the first live one), or the origin root.
    pub fn scope(&self) -> String {
        self.page
            .sw_state()
            .live_registrations()
            .next()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{}/", self.origin()))
    }
}
