//! One scenario's page: its own browser context, event collection, and the CDP helpers checks
//! use. Every call and wait is bounded and says what it waited for.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::cache_storage::{
    Cache, RequestCacheNamesParams, RequestEntriesParams, RequestEntriesReturns,
};
use chromiumoxide::cdp::browser_protocol::log::EnableParams as LogEnable;
use chromiumoxide::cdp::browser_protocol::network::{
    EnableParams as NetworkEnable, GetResponseBodyParams,
};
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, GetNavigationHistoryParams, NavigateParams,
    ReloadParams,
};
use chromiumoxide::cdp::browser_protocol::service_worker::{
    EnableParams as SwEnable, SkipWaitingParams, UpdateRegistrationParams,
};
use chromiumoxide::cdp::browser_protocol::target::SetAutoAttachParams;
use chromiumoxide::cdp::js_protocol::runtime::{EnableParams as RuntimeEnable, EvaluateParams};
use chromiumoxide::listeners::EventStream;
use chromiumoxide::Page;
use tokio::sync::watch;

use super::collector::{Collector, Sinks, Streams};
use super::error::BrowserError;
use super::network_log::{cache_label, NetworkLog};
use super::sw_state::SwState;
use crate::timeline::Timeline;

mod background_services;
mod runtime_cdp;
pub use background_services::{BackgroundEvent, BackgroundRecord};
pub use runtime_cdp::{CacheContents, CachedBody, CachedEntry, LoadInFlight};

/// A console error, uncaught exception or worker error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleEntry {
    /// `page` or `service worker`.
    pub origin: &'static str,
    /// The message.
    pub text: String,
}

/// One cache in Cache Storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheInfo {
    /// The cache name.
    pub name: String,
    /// How many entries it holds.
    pub entries: u64,
}

/// Attributes a worker version to a deploy when it starts installing.
pub type DeployOfScript = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// Counts the page's `navigator.serviceWorker.register()` calls and those not yet settled.
/// Whether a page registers again after a kill switch was a race with the read (a classic
/// script calls `register` before `load`, the registration appears up to seconds later on a
/// loaded machine): the settled promise is the signal, not a quiet period. The wrapper keeps
/// `register`'s arguments, `this` and outcome.
const REGISTER_HOOK: &str = r#"(() => {
  // Every `pageshow`, and whether the back/forward cache restored the page (`persisted`): a
  // restored page loads nothing, so this is the only sign that a history navigation is done.
  const shows = { count: 0, persisted: false };
  Object.defineProperty(globalThis, '__swgateShow', { value: shows });
  addEventListener('pageshow', (e) => { shows.count++; shows.persisted = e.persisted; });
  const container = globalThis.navigator && navigator.serviceWorker;
  if (!container) return;
  const proto = Object.getPrototypeOf(container);
  const register = proto.register;
  const state = { calls: 0, pending: 0, fulfilled: 0 };
  Object.defineProperty(globalThis, '__swgateRegister', { value: state });
  proto.register = function (...args) {
    state.calls++;
    state.pending++;
    // The app gets a promise that settles as register's does, and rejects unhandled when the
    // app does not handle it, so Chromium's "Uncaught (in promise)" still reaches the console.
    const registered = register.apply(this, args);
    // Counted on a branch of its own that swallows nothing the app sees: the app's promise
    // below still rejects unhandled when the call fails.
    registered.then(() => { state.fulfilled++; }, () => {});
    return registered.finally(() => { state.pending--; });
  };
})();"#;

/// The page's `register()` calls ([`ScenarioPage::register_calls`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterCalls {
    /// Calls made since the document loaded.
    pub calls: u64,
    /// Calls whose promise has not settled yet.
    pub pending: u64,
    /// Calls whose promise resolved: Chromium holds a registration for each.
    pub fulfilled: u64,
}

/// A page in its own browser context, with its service-worker, network and console state.
pub struct ScenarioPage {
    page: Page,
    /// The page's browser context; `None` for the default context.
    pub(crate) context_id: Option<BrowserContextId>,
    target_id: String,
    sw: Arc<Mutex<SwState>>,
    sw_changed: watch::Receiver<u64>,
    network: Arc<Mutex<NetworkLog>>,
    network_changed: watch::Receiver<u64>,
    console: Arc<Mutex<Vec<ConsoleEntry>>>,
    collector: Option<Collector>,
    call_timeout: Duration,
    chromium_exit: watch::Receiver<Option<String>>,
}

impl ScenarioPage {
    /// Wires listeners and enables the CDP domains on a fresh `about:blank` page.
    pub(crate) async fn attach(
        page: Page,
        context_id: Option<BrowserContextId>,
        call_timeout: Duration,
        chromium_exit: watch::Receiver<Option<String>>,
        deploy_of_script: DeployOfScript,
        timeline: Arc<Timeline>,
        tab: u32,
    ) -> Result<Self, BrowserError> {
        let (sw_tx, sw_rx) = watch::channel(0u64);
        let (net_tx, net_rx) = watch::channel(0u64);
        let mut this = ScenarioPage {
            target_id: page.target_id().inner().clone(),
            page,
            context_id,
            sw: Arc::default(),
            sw_changed: sw_rx,
            network: Arc::default(),
            network_changed: net_rx,
            console: Arc::default(),
            collector: None,
            call_timeout,
            chromium_exit,
        };
        // chromiumoxide auto-attaches with "wait for debugger on start" and then detaches,
        // which leaves every service worker stuck in `starting` (docs/chromium.md, "Launch and the CDP connection"): turn the
        // wait off before anything navigates.
        this.call(
            "Target.setAutoAttach without waiting for the debugger",
            this.page.execute(SetAutoAttachParams {
                auto_attach: true,
                wait_for_debugger_on_start: false,
                flatten: Some(true),
                filter: None,
            }),
        )
        .await?;

        // Subscribe before enabling, or the first events race past us.
        let streams = Streams {
            versions: this.listen().await?,
            registrations: this.listen().await?,
            worker_errors: this.listen().await?,
            sent: this.listen().await?,
            responses: this.listen().await?,
            finished: this.listen().await?,
            failed: this.listen().await?,
            exceptions: this.listen().await?,
            console_calls: this.listen().await?,
            log_entries: this.listen().await?,
        };
        this.collector = Some(Collector::spawn(
            streams,
            Sinks {
                sw: this.sw.clone(),
                sw_changed: sw_tx,
                network: this.network.clone(),
                network_changed: net_tx,
                console: this.console.clone(),
                deploy_of_script,
                timeline,
                tab,
            },
        ));

        this.call(
            "ServiceWorker.enable",
            this.page.execute(SwEnable::default()),
        )
        .await?;
        this.call(
            "Network.enable",
            this.page.execute(NetworkEnable::default()),
        )
        .await?;
        this.call(
            "Runtime.enable",
            this.page.execute(RuntimeEnable::default()),
        )
        .await?;
        this.call("Log.enable", this.page.execute(LogEnable::default()))
            .await?;
        this.call(
            "Page.addScriptToEvaluateOnNewDocument (register calls)",
            this.page
                .execute(AddScriptToEvaluateOnNewDocumentParams::new(REGISTER_HOOK)),
        )
        .await?;
        Ok(this)
    }

    /// What the page's own `navigator.serviceWorker.register()` calls did so far, from the
    /// hook every document gets ([`REGISTER_HOOK`]); zero calls on a page without the hook.
    pub async fn register_calls(&self) -> Result<RegisterCalls, BrowserError> {
        let v = self
            .evaluate_current(
                "globalThis.__swgateRegister ? [__swgateRegister.calls, __swgateRegister.pending, __swgateRegister.fulfilled] : [0, 0, 0]",
            )
            .await?;
        let n = |i: usize| v.get(i).and_then(serde_json::Value::as_u64).unwrap_or(0);
        Ok(RegisterCalls {
            calls: n(0),
            pending: n(1),
            fulfilled: n(2),
        })
    }

    async fn listen<T: chromiumoxide::cdp::IntoEventKind + Unpin>(
        &self,
    ) -> Result<EventStream<T>, BrowserError> {
        self.call(
            "subscribing to a CDP event",
            self.page.event_listener::<T>(),
        )
        .await
    }

    /// Runs one CDP call with the call timeout; fails fast if Chromium has exited.
    pub(crate) async fn call<T>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, chromiumoxide::error::CdpError>>,
    ) -> Result<T, BrowserError> {
        let mut exit = self.chromium_exit.clone();
        tokio::select! {
            r = tokio::time::timeout(self.call_timeout, fut) => match r {
                Ok(r) => r.map_err(BrowserError::cdp(what)),
                Err(_) => Err(self.timeout_or_exit(what, self.call_timeout)),
            },
            _ = exit.wait_for(|s| s.is_some()) => Err(self.exited()),
        }
    }

    fn exited(&self) -> BrowserError {
        BrowserError::Exited {
            status: self
                .chromium_exit
                .borrow()
                .clone()
                .unwrap_or_else(|| "unknown status".into()),
        }
    }

    fn timeout_or_exit(&self, what: &str, after: Duration) -> BrowserError {
        if self.chromium_exit.borrow().is_some() {
            return self.exited();
        }
        BrowserError::Timeout {
            what: what.to_string(),
            after,
        }
    }

    /// The page's CDP target id (what `controlledClients` lists).
    pub fn target_id(&self) -> &str {
        &self.target_id
    }

    /// Navigates and waits for the load event. A navigation that fails at the network level
    /// (`net::ERR_*`) is not an error here: the network log records it for the checks to judge.
    pub async fn navigate(&self, url: &str) -> Result<(), BrowserError> {
        match self
            .call(
                &format!("navigation to {url} to load"),
                self.page.goto(NavigateParams::new(url)),
            )
            .await
        {
            Err(BrowserError::Cdp {
                source: chromiumoxide::error::CdpError::ChromeMessage(text),
                ..
            }) if text.starts_with("net::") => {
                tracing::debug!("navigation to {url} failed: {text}");
                Ok(())
            }
            other => other.map(|_| ()),
        }
    }

    /// Reloads (as a user does: no cache bypass) and waits for the load event.
    pub async fn reload(&self) -> Result<(), BrowserError> {
        self.call("the reloaded page to load", async {
            self.page.execute(ReloadParams::default()).await?;
            self.page.wait_for_navigation().await
        })
        .await
        .map(|_| ())
    }

    /// Goes back one entry in the tab's history and waits (bounded by `within`) until the
    /// previous page shows at `url`. Returns whether the back/forward cache restored it (no
    /// load at all) rather than loading it again.
    ///
    /// Neither CDP's load events nor chromiumoxide's navigation wait cover a restore from the
    /// back/forward cache, so the page's own `pageshow` (recorded by [`REGISTER_HOOK`]) is the
    /// signal, polled (one round trip each) until it has fired at `url`.
    pub async fn go_back(&self, url: &str, within: Duration) -> Result<bool, BrowserError> {
        const POLL: Duration = Duration::from_millis(50);
        // The navigation `history.back()` starts may tear the document down before the call
        // answers ("Inspected target navigated or closed": 1 fresh-clone CI run in 4, both cores
        // busy, Chromium 148): the navigation has started, which is what was asked; the poll
        // below says where it ends.
        match self.evaluate("history.back()").await {
            Err(e) if !e.is_navigation_race() => return Err(e),
            _ => {}
        }
        let expr = format!(
            "location.href === {} && document.readyState === 'complete' && globalThis.__swgateShow && __swgateShow.count > 0 ? __swgateShow.persisted : null",
            serde_json::to_string(url).unwrap_or_default()
        );
        let started = std::time::Instant::now();
        loop {
            // While the navigation commits, the old context may be gone: not an answer yet.
            if let Ok(serde_json::Value::Bool(persisted)) = self.evaluate(&expr).await {
                return Ok(persisted);
            }
            if started.elapsed() >= within {
                return Err(BrowserError::Timeout {
                    what: format!("the history navigation back to {url} to show the page"),
                    after: started.elapsed(),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// [`Self::evaluate`] in the page's current document: when the page navigated while the
    /// call ran (the app navigated its own tab), evaluates again in the new document, for at
    /// most the call timeout. Measured: a kill worker's `client.navigate()` destroyed the
    /// context of a `getRegistrations()` call on a loaded machine (Chromium 156).
    pub async fn evaluate_current(
        &self,
        expression: &str,
    ) -> Result<serde_json::Value, BrowserError> {
        const POLL: Duration = Duration::from_millis(50);
        let started = std::time::Instant::now();
        loop {
            match self.evaluate(expression).await {
                Err(e) if e.is_navigation_race() && started.elapsed() < self.call_timeout => {
                    // A bounded poll until the new document can answer.
                    tokio::time::sleep(POLL).await;
                }
                other => return other,
            }
        }
    }

    /// Evaluates a JS expression (promises awaited) and returns its JSON value.
    pub async fn evaluate(&self, expression: &str) -> Result<serde_json::Value, BrowserError> {
        let params = EvaluateParams::builder()
            .expression(expression)
            .return_by_value(true)
            .await_promise(true)
            .build()
            .map_err(BrowserError::Page)?;
        let result = self
            .call(
                &format!("evaluating `{expression}`"),
                self.page.execute(params),
            )
            .await?;
        if let Some(ex) = &result.result.exception_details {
            let detail = ex
                .exception
                .as_ref()
                .and_then(|e| e.description.clone())
                .unwrap_or_else(|| ex.text.clone());
            return Err(BrowserError::Page(format!(
                "`{expression}` threw: {detail}"
            )));
        }
        Ok(result.result.result.value.clone().unwrap_or_default())
    }

    /// The body of a response the page received, as bytes.
    pub async fn response_body(&self, request_id: &str) -> Result<Vec<u8>, BrowserError> {
        let r = self
            .call(
                "Network.getResponseBody",
                self.page
                    .execute(GetResponseBodyParams::new(request_id.to_string())),
            )
            .await?;
        if r.result.base64_encoded {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(&r.result.body)
                .map_err(|e| BrowserError::Page(format!("response body is not base64: {e}")))
        } else {
            Ok(r.result.body.clone().into_bytes())
        }
    }

    /// The caches of `origin` (e.g. `http://127.0.0.1:8080`) with entry counts, by name.
    pub async fn caches(&self, origin: &str) -> Result<Vec<CacheInfo>, BrowserError> {
        let mut out = Vec::new();
        for cache in self.cache_list(origin).await? {
            // A cache deleted after the listing is not there: skip it.
            if let Some(entries) = self.cache_entries(origin, cache.clone(), 0, 1).await? {
                out.push(CacheInfo {
                    name: cache_label(&cache.cache_name, origin),
                    entries: entries.return_count as u64,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// One page of `CacheStorage.requestEntries` for `cache`, which the worker may delete or
    /// replace between the listing and the read: under load at -j 12 a read failed with "not
    /// found" while a worker rewrote its caches. A failed read is retried against a fresh
    /// listing (a cache recreated under the same name has a new id); `None` when the cache is
    /// gone, the error when the read keeps failing on a listed cache.
    pub(crate) async fn cache_entries(
        &self,
        origin: &str,
        mut cache: Cache,
        skip: i64,
        page_size: i64,
    ) -> Result<Option<RequestEntriesReturns>, BrowserError> {
        const ATTEMPTS: u32 = 3;
        let mut attempt = 1;
        loop {
            let read = self
                .call(
                    &format!("CacheStorage.requestEntries for cache {}", cache.cache_name),
                    self.page.execute(
                        RequestEntriesParams::builder()
                            .cache_id(cache.cache_id.clone())
                            .skip_count(skip)
                            .page_size(page_size)
                            .build()
                            .map_err(BrowserError::Page)?,
                    ),
                )
                .await;
            let error = match read {
                Ok(r) => return Ok(Some(r.result)),
                Err(e @ BrowserError::Cdp { .. }) => e,
                Err(other) => return Err(other),
            };
            match self
                .cache_list(origin)
                .await?
                .into_iter()
                .find(|c| c.cache_name == cache.cache_name)
            {
                None => return Ok(None),
                Some(_) if attempt >= ATTEMPTS => return Err(error),
                Some(listed) => cache = listed,
            }
            attempt += 1;
        }
    }

    /// The caches of `origin` as CDP lists them.
    pub(crate) async fn cache_list(&self, origin: &str) -> Result<Vec<Cache>, BrowserError> {
        // CacheStorage wants the storage key, which is the origin *with* a trailing slash.
        let params = RequestCacheNamesParams {
            security_origin: None,
            storage_key: Some(format!("{origin}/")),
            storage_bucket: None,
        };
        let names = self
            .call("CacheStorage.requestCacheNames", self.page.execute(params))
            .await?;
        Ok(names.result.caches.clone())
    }

    /// Forces an update check of the registration at `scope` (CDP `updateRegistration`).
    pub async fn force_update(&self, scope: &str) -> Result<(), BrowserError> {
        self.call(
            "ServiceWorker.updateRegistration",
            self.page.execute(UpdateRegistrationParams::new(scope)),
        )
        .await
        .map(|_| ())
    }

    /// Promotes the waiting version of the registration at `scope` (CDP `skipWaiting`).
    pub async fn skip_waiting(&self, scope: &str) -> Result<(), BrowserError> {
        self.call(
            "ServiceWorker.skipWaiting",
            self.page.execute(SkipWaitingParams::new(scope)),
        )
        .await
        .map(|_| ())
    }

    /// A copy of the current service-worker state.
    pub fn sw_state(&self) -> SwState {
        self.sw.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A copy of the network log.
    pub fn network(&self) -> NetworkLog {
        self.network
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Console errors, exceptions and worker errors seen so far.
    pub fn console(&self) -> Vec<ConsoleEntry> {
        self.console
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until `done` holds for the service-worker state; `what` names the condition.
    pub async fn wait_for_sw(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&SwState) -> bool,
    ) -> Result<SwState, BrowserError> {
        self.wait_on(&self.sw, &self.sw_changed, timeout, done)
            .await
            .map_err(|e| match e {
                BrowserError::Timeout { after, .. } => BrowserError::Timeout {
                    what: format!("{what} (service workers: {})", self.sw_state().describe()),
                    after,
                },
                other => other,
            })
    }

    /// Waits until `done` holds for the network log; `what` names the condition.
    pub async fn wait_for_network(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&NetworkLog) -> bool,
    ) -> Result<NetworkLog, BrowserError> {
        self.wait_on(&self.network, &self.network_changed, timeout, done)
            .await
            .map_err(|e| match e {
                BrowserError::Timeout { after, .. } => BrowserError::Timeout {
                    what: what.to_string(),
                    after,
                },
                other => other,
            })
    }

    /// Waits, bounded, until `done` holds for `state`, re-checking whenever its listener
    /// signals a change; fails fast if Chromium exits.
    async fn wait_on<T: Clone>(
        &self,
        state: &Mutex<T>,
        changed: &watch::Receiver<u64>,
        timeout: Duration,
        done: impl Fn(&T) -> bool,
    ) -> Result<T, BrowserError> {
        let mut changed = changed.clone();
        let mut exit = self.chromium_exit.clone();
        let wait = async {
            loop {
                changed.borrow_and_update();
                {
                    let state = state.lock().unwrap_or_else(|p| p.into_inner());
                    if done(&state) {
                        return Ok(state.clone());
                    }
                }
                if changed.changed().await.is_err() {
                    return Err(BrowserError::Page("the page's event stream ended".into()));
                }
            }
        };
        tokio::select! {
            r = tokio::time::timeout(timeout, wait) => match r {
                Ok(r) => r,
                Err(_) => Err(BrowserError::Timeout { what: String::new(), after: timeout }),
            },
            _ = exit.wait_for(|s| s.is_some()) => Err(self.exited()),
        }
    }

    /// Makes the page's state include every event Chromium sent before now: a CDP round trip
    /// (its answer comes after those events on the socket), then [`Self::flush`]. Errors of
    /// the round trip are ignored (a page mid-navigation still answers this one).
    pub async fn sync_events(&self) {
        let _ = self
            .call(
                "Page.getNavigationHistory (event barrier)",
                self.page.execute(GetNavigationHistoryParams::default()),
            )
            .await;
        self.flush().await;
    }

    /// Waits until every CDP event received so far is reflected in the page's state: call it
    /// before reading the console or network log after an action.
    pub async fn flush(&self) {
        if let Some(c) = &self.collector {
            c.flush(self.call_timeout).await;
        }
    }

    /// Stops event collection; the browser context is disposed by the session.
    pub(crate) fn stop_listening(&mut self) {
        if let Some(c) = self.collector.take() {
            c.stop();
        }
    }

    /// The underlying chromiumoxide page, for closing.
    pub(crate) fn into_page(mut self) -> Page {
        self.stop_listening();
        self.page.clone()
    }
}

impl Drop for ScenarioPage {
    fn drop(&mut self) {
        self.stop_listening();
    }
}
