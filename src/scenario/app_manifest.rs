//! Apps that update through a manifest of their own instead of the worker script: Angular's
//! worker (`ngsw-worker.js`, byte-identical in every app version) reads `ngsw.json`.
//!
//! Measured in tests/real (Chromium 156, @angular/service-worker 21.2): the worker fetches
//! `ngsw.json` on the first fetch event after it activated, downloads the `prefetch` asset
//! groups, and later checks for a new manifest as an idle task ~5 s after the last fetch event
//! (`IDLE_DELAY`). Without waiting for those requests, swgate deployed N+1 before N's worker
//! had ever read N's manifest (the "returning user on N" never had N), and reloads every ~2 s
//! never let the idle task run. These requests are the app's own signals: the server sees each
//! one, so waiting for them is bounded and never a fixed pause.

use std::time::{Duration, Instant};

use crate::server::RequestRecord;
use crate::spec::strip_query;

use super::cache_entries::CacheEntryOrigin;
use super::error::ScenarioError;
use super::kit::Scenario;
use super::update_check::WAITING_GRACE;
use crate::browser::VersionStatus;

impl Scenario {
    /// The URL path of the app's own update manifest, when the app has one: `ngsw.json` beside
    /// an Angular worker (`…/ngsw-worker.js`) that the first deploy serves.
    pub fn app_manifest(&self) -> Option<String> {
        let worker = &self.spec().service_worker;
        let dir = worker.strip_suffix("ngsw-worker.js")?;
        let path = format!("{dir}ngsw.json");
        let first = self.spec().deploys.first()?;
        let files = self.server().deploys().get(&first.name).ok()?;
        files.lookup(&path).map(|_| path)
    }

    /// After N's worker took control: lets an app with its own manifest settle on N before
    /// anything else happens. Reloads once when the worker has not yet seen a fetch event (the
    /// manifest is read on the first one), then waits for the manifest request and the
    /// downloads of its `prefetch` files, each bounded.
    pub(super) async fn settle_app(&self, deploy: &str, since: usize) -> Result<(), ScenarioError> {
        let Some(manifest) = self.app_manifest() else {
            return Ok(());
        };
        let fetched = |from: usize| {
            self.server()
                .log()
                .snapshot()
                .iter()
                .skip(from)
                .any(|r| strip_query(&r.path) == manifest)
        };
        if !fetched(since) {
            // The page loaded before the worker controlled it: no fetch event reached the
            // worker yet, so it has not read its manifest. A returning user's next visit does.
            self.note(format!(
                "{deploy}'s worker has not read {manifest} yet (it does on its first fetch event): reloading once"
            ));
            self.reload().await?;
        }
        let request = self
            .manifest_request(
                &manifest,
                since,
                &format!("the app's worker to read its manifest {manifest}"),
            )
            .await?;
        self.note(format!(
            "the app's worker read {manifest} (answered {} by {})",
            request.status, request.deploy
        ));
        // The worker then downloads the version's `prefetch` files, through the HTTP cache
        // (an `immutable` file never reaches the server), and records the version in its
        // control cache once all are in: that record is the signal.
        let latest = self
            .await_latest(|_| true, "the app's worker to record its version")
            .await?;
        *self.app_latest.lock().unwrap_or_else(|p| p.into_inner()) = Some(latest);
        self.note(format!(
            "{deploy} settled: the app's worker downloaded its files and recorded its version"
        ));
        Ok(())
    }

    /// After a navigation that began when the request log had `since` entries, for an app
    /// with its own manifest: waits for the app's update check (its manifest request, which
    /// Angular makes ~5 s after the last fetch event) and, when it found `target`'s manifest,
    /// for the worker to make that version its latest (after downloading it). Returns whether
    /// the app saw `target`'s manifest.
    pub(super) async fn await_app_update(
        &self,
        since: usize,
        target: &str,
    ) -> Result<bool, ScenarioError> {
        let Some(request) = self.app_update_check(since).await? else {
            return Ok(false);
        };
        if request.status != 200 || request.deploy != target {
            return Ok(false);
        }
        let before = self.recorded_latest();
        self.await_latest(
            |latest| Some(latest) != before.as_deref(),
            &format!("the app's worker to make {target} its latest version"),
        )
        .await?;
        self.note(format!(
            "the app's worker downloaded {target} and made it its latest version"
        ));
        Ok(true)
    }

    /// The version the app's worker last recorded as its latest, as swgate last read it.
    fn recorded_latest(&self) -> Option<Vec<u8>> {
        self.app_latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits (bounded) until Angular's control cache records a latest version (`/latest` in
    /// `ngsw:/:db:control`, written after a version's downloads complete) that satisfies `ok`.
    /// No CDP event or request announces that write, so this polls Cache Storage.
    async fn await_latest(
        &self,
        ok: impl Fn(&[u8]) -> bool,
        what: &str,
    ) -> Result<Vec<u8>, ScenarioError> {
        /// Between Cache Storage reads; the write lands within ~100 ms of the last download
        /// (measured in tests/real).
        const POLL: Duration = Duration::from_millis(50);
        let origin = self.origin();
        let started = Instant::now();
        loop {
            let latest = self
                .page()
                .cache_bodies(&origin)
                .await?
                .into_iter()
                .find(|b| b.cache.ends_with(":db:control") && b.url.ends_with("/latest"))
                .map(|b| b.body);
            if let Some(latest) = latest.filter(|l| ok(l)) {
                return Ok(latest);
            }
            if started.elapsed() >= self.wait() {
                return Err(crate::browser::BrowserError::Timeout {
                    what: what.to_string(),
                    after: started.elapsed(),
                }
                .into());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// For an app with its own manifest, after it updated: lets it clean up as it does in the
    /// field. Angular deletes an old version's caches only when its worker starts again (the
    /// `init post-load (cleanup)` idle task in ngsw-worker.js), so the worker is stopped as
    /// Chromium stops an idle one, the page reloaded (which starts it), and the app's idle batch
    /// awaited: its manifest request, then its caches until `done` holds, each bounded.
    /// Returns the last read of the entries.
    pub async fn await_app_cleanup(
        &self,
        done: impl Fn(&[CacheEntryOrigin]) -> bool,
    ) -> Result<Vec<CacheEntryOrigin>, ScenarioError> {
        /// Between Cache Storage reads while the app deletes its caches.
        const POLL: Duration = Duration::from_millis(100);
        let Some(manifest) = self.app_manifest() else {
            return self.cache_entry_origins().await;
        };
        self.note(
            "the app deletes old versions' caches when its worker starts again: stopping the worker as Chromium does when idle, then reloading",
        );
        self.stop_workers().await?;
        let since = self.server().log().len();
        self.reload().await?;
        self.manifest_request(
            &manifest,
            since,
            &format!("the restarted worker's idle tasks (its request for {manifest})"),
        )
        .await?;
        let started = Instant::now();
        loop {
            let entries = self.cache_entry_origins().await?;
            if done(&entries) || started.elapsed() >= self.wait() {
                return Ok(entries);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// For an app with its own manifest, after a navigation that began when the request log
    /// had `since` entries and an update check that found the worker script unchanged: waits
    /// for the app's update check (its manifest request) and, when the manifest is gone
    /// (Angular's kill switch: `ngsw.json` answering 404), for the worker to unregister itself
    /// as Angular does (CDP reports no live registration). No-op for other apps.
    pub async fn await_app_retirement(&self, since: usize) -> Result<(), ScenarioError> {
        let Some(request) = self.app_update_check(since).await? else {
            return Ok(());
        };
        if request.status == 404 {
            self.wait_for_sw(
                &format!(
                    "the app's worker to unregister itself after {} answered 404",
                    strip_query(&request.path)
                ),
                |s| s.live_registrations().next().is_none(),
            )
            .await?;
            self.note("the app's worker unregistered itself");
        }
        Ok(())
    }

    /// For an app with its own manifest, after an update check left `deploy`'s worker waiting
    /// (the app installed on `from`): whether it activates once the app's worker is idle.
    ///
    /// Angular's worker extends every fetch event until its idle queue has run (~5 s after the
    /// last fetch event), and Chromium activates even a worker that called `skipWaiting()` only
    /// once the active worker has no event in flight (measured in tests/real: Angular's
    /// `safety-worker.js` stayed `installed` through every visit made 2 s apart, and activated
    /// once the queue had run). The queue begins with the app's update check (its
    /// manifest request); when that found a manifest other than `from`'s, the queue downloads
    /// that version first, and the control cache's record of it is the signal that the download
    /// is through. Then the waiting worker gets the bound below to activate: one without
    /// `skipWaiting()` never does while a page is open, and that is the answer, not a timeout.
    /// Another app: `false` at once.
    pub async fn await_activation_after_app_idle(
        &self,
        since: usize,
        from: &str,
        deploy: &str,
    ) -> Result<bool, ScenarioError> {
        let Some(manifest) = self.app_manifest() else {
            return Ok(false);
        };
        let before = self.recorded_latest();
        let Some(request) = self.app_update_check(since).await? else {
            return Ok(false);
        };
        if request.status == 200
            && self.deploy_file(&request.deploy, &manifest) != self.deploy_file(from, &manifest)
        {
            self.await_latest(
                |latest| Some(latest) != before.as_deref(),
                &format!(
                    "the app's worker to download the version {} announced",
                    request.deploy
                ),
            )
            .await?;
            self.note(format!(
                "the app's worker downloaded {}'s version; its idle queue is through",
                request.deploy
            ));
        }
        let left = |s: &crate::browser::SwState| {
            s.versions
                .values()
                .filter(|v| v.deploy.as_deref() == Some(deploy))
                .max_by_key(|v| v.seq)
                .is_some_and(|v| v.status >= VersionStatus::Activated)
        };
        // The safety worker activated 1.1-1.6 s after the manifest request, from 0.4 s before
        // to 0.9 s after the record (48 runs, both cores busy): both are awaited, so the order
        // does not matter. A worker that calls
        // `skipWaiting()` will activate, so it gets the scenario's bound; one that does not
        // cannot while a page is open, so it gets only the grace.
        let skips = self
            .worker_script(deploy)
            .is_some_and(|b| String::from_utf8_lossy(&b).contains("skipWaiting("));
        let bound = if skips { self.wait() } else { WAITING_GRACE };
        let activated = self
            .page
            .wait_for_sw(
                &format!("{deploy}'s waiting worker to activate once the app's worker is idle"),
                bound,
                left,
            )
            .await
            .is_ok();
        self.note(if activated {
            format!("{deploy}'s waiting worker activated once the app's worker was idle")
        } else {
            format!(
                "{deploy}'s worker still waits {:.0}s after the app's worker went idle",
                bound.as_secs_f64()
            )
        });
        Ok(activated)
    }

    /// The first request for `manifest` (any query) at or after log position `since`, waited
    /// for with the scenario's bound; `what` names it for the timeout.
    async fn manifest_request(
        &self,
        manifest: &str,
        since: usize,
        what: &str,
    ) -> Result<RequestRecord, ScenarioError> {
        Ok(self
            .server()
            .log()
            .wait_for(since, what, self.wait(), |r| {
                strip_query(&r.path) == manifest
            })
            .await?)
    }

    /// The app's own update check after log position `since` (its manifest request, which
    /// Angular makes ~5 s after the last fetch event), noted in the timeline; `None` for an app
    /// without a manifest.
    async fn app_update_check(&self, since: usize) -> Result<Option<RequestRecord>, ScenarioError> {
        let Some(manifest) = self.app_manifest() else {
            return Ok(None);
        };
        let request = self
            .manifest_request(
                &manifest,
                since,
                &format!("the app's update check (its worker reading {manifest})"),
            )
            .await?;
        self.note(format!(
            "the app's update check: {manifest} answered {} by {}",
            request.status, request.deploy
        ));
        Ok(Some(request))
    }
}
