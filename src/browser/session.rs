//! One Chromium per run: launch, CDP connection, per-scenario browser contexts, clean close.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, CreateTargetParams,
};
use chromiumoxide::Browser;
use futures::StreamExt;
use tokio::task::JoinHandle;

use super::error::BrowserError;
use super::launch::{ChromiumProcess, LaunchOptions};
use super::page::{DeployOfScript, ScenarioPage};
use crate::timeline::Timeline;

/// Owns the Chromium process, the CDP connection and the task driving it.
pub struct BrowserSession {
    browser: Browser,
    handler: JoinHandle<()>,
    /// The Chromium we launched; `None` when connected to one someone else runs.
    process: Option<ChromiumProcess>,
    /// Turns `Some(reason)` when the browser is gone (process exit, or a lost connection).
    exit: tokio::sync::watch::Receiver<Option<String>>,
    call_timeout: Duration,
}

impl BrowserSession {
    /// Launches Chromium and connects to it; every CDP call made through this session is
    /// bounded by `call_timeout`.
    pub async fn launch(
        exe: &Path,
        options: &LaunchOptions,
        call_timeout: Duration,
    ) -> Result<Self, BrowserError> {
        let started = std::time::Instant::now();
        let process = ChromiumProcess::launch(exe, options, Duration::from_secs(20)).await?;
        let url = process.ws_url.clone();
        let exit = process.exit_watch();
        match Self::connect_to(&url, call_timeout).await {
            Ok((browser, handler, _lost)) => {
                tracing::debug!("Chromium ready in {:?}", started.elapsed());
                Ok(BrowserSession {
                    browser,
                    handler,
                    process: Some(process),
                    exit,
                    call_timeout,
                })
            }
            Err(e) => {
                process.shutdown(Duration::ZERO).await;
                Err(e)
            }
        }
    }

    /// Connects to a Chromium someone else runs (`--connect ws://…`). swgate then owns only
    /// its browser contexts: closing the session leaves that browser running.
    pub async fn connect(url: &str, call_timeout: Duration) -> Result<Self, BrowserError> {
        let (browser, handler, lost) = Self::connect_to(url, call_timeout).await?;
        Ok(BrowserSession {
            browser,
            handler,
            process: None,
            exit: lost,
            call_timeout,
        })
    }

    async fn connect_to(
        url: &str,
        call_timeout: Duration,
    ) -> Result<
        (
            Browser,
            JoinHandle<()>,
            tokio::sync::watch::Receiver<Option<String>>,
        ),
        BrowserError,
    > {
        let (browser, mut handler) =
            match tokio::time::timeout(call_timeout, Browser::connect(url.to_string())).await {
                Ok(Ok(pair)) => pair,
                Ok(Err(source)) => {
                    let mut innermost: &dyn std::error::Error = &source;
                    while let Some(next) = innermost.source() {
                        innermost = next;
                    }
                    return Err(BrowserError::Connect {
                        url: url.to_string(),
                        reason: innermost.to_string(),
                    });
                }
                Err(_) => {
                    return Err(BrowserError::Timeout {
                        what: format!("the CDP connection to {url}"),
                        after: call_timeout,
                    })
                }
            };
        let (lost_tx, lost) = tokio::sync::watch::channel(None);
        let url = url.to_string();
        // The handler must be polled for anything to happen; it ends (and must stop) on the
        // first error, or it spins once the connection is gone.
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if let Err(e) = event {
                    tracing::debug!("CDP handler stopped: {e}");
                    break;
                }
            }
            let _ = lost_tx.send(Some(format!("the CDP connection to {url} closed")));
        });
        Ok((browser, handler, lost))
    }

    /// Chromium's version string.
    pub async fn version(&self) -> Result<String, BrowserError> {
        let v = tokio::time::timeout(self.call_timeout, self.browser.version())
            .await
            .map_err(|_| BrowserError::Timeout {
                what: "Browser.getVersion".into(),
                after: self.call_timeout,
            })?
            .map_err(BrowserError::cdp("Browser.getVersion"))?;
        Ok(v.product)
    }

    /// Opens an `about:blank` page in a fresh browser context (own registrations, caches and
    /// cookies: measured isolated even for the same origin), or in the default context when
    /// `own_context` is false. A non-default context keeps its data in memory only, so a
    /// profile kept for inspection (`swgate repro --keep-profile`) holds the scenario's
    /// registrations and caches only if the scenario ran in the default context.
    pub(crate) async fn new_scenario_page(
        &self,
        deploy_of_script: DeployOfScript,
        timeline: Arc<Timeline>,
        own_context: bool,
    ) -> Result<ScenarioPage, BrowserError> {
        if !own_context {
            return self
                .new_page_in_context(None, deploy_of_script, timeline, 1)
                .await;
        }
        let bounded = |what: &'static str| {
            let after = self.call_timeout;
            move |_| BrowserError::Timeout {
                what: what.into(),
                after,
            }
        };
        let context_id = tokio::time::timeout(
            self.call_timeout,
            self.browser
                .create_browser_context(CreateBrowserContextParams::default()),
        )
        .await
        .map_err(bounded("Target.createBrowserContext"))?
        .map_err(BrowserError::cdp("Target.createBrowserContext"))?;
        self.new_page_in_context(Some(&context_id), deploy_of_script, timeline, 1)
            .await
    }

    /// Opens another `about:blank` page in an existing browser context (a second tab of the
    /// same user).
    pub(crate) async fn new_page_in_context(
        &self,
        context_id: Option<&BrowserContextId>,
        deploy_of_script: DeployOfScript,
        timeline: Arc<Timeline>,
        tab: u32,
    ) -> Result<ScenarioPage, BrowserError> {
        let mut params = CreateTargetParams::builder().url("about:blank");
        if let Some(id) = context_id {
            params = params.browser_context_id(id.clone());
        }
        let params = params.build().map_err(BrowserError::Page)?;
        let page = tokio::time::timeout(self.call_timeout, self.browser.new_page(params))
            .await
            .map_err(|_| BrowserError::Timeout {
                what: "a new page (Target.createTarget)".into(),
                after: self.call_timeout,
            })?
            .map_err(BrowserError::cdp("Target.createTarget"))?;
        ScenarioPage::attach(
            page,
            context_id.cloned(),
            self.call_timeout,
            self.exit.clone(),
            deploy_of_script,
            timeline,
            tab,
        )
        .await
    }

    /// Closes a tab opened with [`Self::new_page_in_context`] (bounded; errors ignored).
    pub(crate) async fn close_tab(&self, page: ScenarioPage) {
        let page = page.into_page();
        let _ = tokio::time::timeout(self.call_timeout, page.close()).await;
    }

    /// Closes the scenario's page and disposes its browser context (bounded; errors logged).
    pub(crate) async fn close_scenario_page(&self, page: ScenarioPage) {
        let context_id = page.context_id.clone();
        let page = page.into_page();
        let _ = tokio::time::timeout(self.call_timeout, page.close()).await;
        let Some(context_id) = context_id else {
            return;
        };
        match tokio::time::timeout(
            self.call_timeout,
            self.browser.dispose_browser_context(context_id),
        )
        .await
        {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!("disposing a browser context failed: {e}"),
            Err(_) => tracing::debug!("disposing a browser context timed out"),
        }
    }

    /// A receiver that turns `Some(status)` when Chromium exits.
    pub fn exit_watch(&self) -> tokio::sync::watch::Receiver<Option<String>> {
        self.exit.clone()
    }

    /// The tail of Chromium's stderr, for crash reports.
    pub fn stderr_tail(&self) -> String {
        self.process
            .as_ref()
            .map(|p| p.stderr_tail())
            .unwrap_or_default()
    }

    /// Closes a launched Chromium politely (bounded), then kills its process group and removes
    /// the profile; a connected browser is left running (its contexts are already disposed).
    pub async fn close(mut self) {
        if let Some(process) = self.process.take() {
            let _ = tokio::time::timeout(Duration::from_secs(3), self.browser.close()).await;
            process.shutdown(Duration::from_secs(3)).await;
            let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.handler).await;
        }
        self.handler.abort();
    }
}
