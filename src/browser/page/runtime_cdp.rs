//! CDP helpers for the runtime checks: cache contents, storage usage, stopping workers,
//! clearing an origin, and page loads bounded by a deadline of the check's choosing.

use std::time::{Duration, Instant};

use base64::Engine as _;
use chromiumoxide::cdp::browser_protocol::browser::{
    PermissionDescriptor, PermissionSetting, SetPermissionParams,
};
use chromiumoxide::cdp::browser_protocol::cache_storage::{
    Cache, CachedResponseType, Header, RequestCachedResponseParams,
};
use chromiumoxide::cdp::browser_protocol::page::{
    BringToFrontParams, CaptureScreenshotFormat, CaptureScreenshotParams, EventLoadEventFired,
    ReloadParams, StopLoadingParams,
};
use chromiumoxide::cdp::browser_protocol::service_worker::{
    DeliverPushMessageParams, DispatchSyncEventParams, StopAllWorkersParams,
};
use chromiumoxide::cdp::browser_protocol::storage::{
    ClearDataForOriginParams, GetUsageAndQuotaParams, OverrideQuotaForOriginParams, StorageType,
};
use chromiumoxide::cdp::browser_protocol::target::SetAutoAttachParams;
use chromiumoxide::listeners::EventStream;
use futures::StreamExt;

use super::{BrowserError, ScenarioPage};
use crate::browser::network_log::cache_label;
use crate::timeline::StorageUsage;

/// One entry of a cache, as CDP lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedEntry {
    /// The request URL (the cache key).
    pub url: String,
    /// The cached response's status.
    pub status: i64,
    /// The cached response's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The cached response's `Content-Length`, if any.
    pub content_length: Option<u64>,
    /// Whether the response is opaque (a `no-cors` cross-origin fetch): Chromium counts it
    /// against the quota far above its size (padding).
    pub opaque: bool,
}

/// A cache and every entry in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheContents {
    /// The cache name.
    pub name: String,
    /// Its entries, in CDP's order.
    pub entries: Vec<CachedEntry>,
}

impl CacheContents {
    /// The sum of the entries' `Content-Length`s (entries without one count 0).
    pub fn body_bytes(&self) -> u64 {
        self.entries.iter().filter_map(|e| e.content_length).sum()
    }
}

/// One cache entry with its stored body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedBody {
    /// The cache name, its page origin written `<origin>` (see [`cache_label`]).
    pub cache: String,
    /// The request URL (the cache key).
    pub url: String,
    /// The stored response body (empty for an opaque or bodiless response).
    pub body: Vec<u8>,
}

/// A page load in flight, subscribed to before it was started.
pub struct LoadInFlight {
    loads: EventStream<EventLoadEventFired>,
    started: Instant,
}

impl LoadInFlight {
    /// Waits up to `within` for the load event; returns how long the load took, or `None` if
    /// the page was still loading at the deadline.
    pub async fn finished_within(&mut self, within: Duration) -> Option<Duration> {
        let deadline = self.started + within;
        match tokio::time::timeout_at(deadline.into(), self.loads.next()).await {
            Ok(Some(_)) => Some(self.started.elapsed()),
            _ => None,
        }
    }
}

impl ScenarioPage {
    /// Every cache of `origin` with all its entries, by name.
    pub async fn cache_contents(&self, origin: &str) -> Result<Vec<CacheContents>, BrowserError> {
        const PAGE: i64 = 500;
        let mut out = Vec::new();
        'caches: for cache in self.cache_list(origin).await? {
            let mut entries = Vec::new();
            loop {
                let Some(page) = self
                    .cache_entries(origin, cache.clone(), entries.len() as i64, PAGE)
                    .await?
                else {
                    // Deleted after the listing: not there.
                    continue 'caches;
                };
                let got = page.cache_data_entries.len();
                entries.extend(page.cache_data_entries.iter().map(|e| {
                    let header = |name: &str| {
                        e.response_headers
                            .iter()
                            .find(|h| h.name.eq_ignore_ascii_case(name))
                            .map(|h| h.value.clone())
                    };
                    CachedEntry {
                        url: e.request_url.clone(),
                        status: e.response_status,
                        content_type: header("content-type"),
                        content_length: header("content-length").and_then(|v| v.parse().ok()),
                        opaque: matches!(
                            e.response_type,
                            CachedResponseType::OpaqueResponse | CachedResponseType::OpaqueRedirect
                        ),
                    }
                }));
                if got == 0 || entries.len() as f64 >= page.return_count {
                    break;
                }
            }
            out.push(CacheContents {
                name: cache_label(&cache.cache_name, origin),
                entries,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Every entry of every cache of `origin` with its stored body (CDP
    /// `CacheStorage.requestCachedResponse`), by cache label then URL. An entry that vanishes
    /// between the listing and the read is left out: the worker may be replacing it.
    pub async fn cache_bodies(&self, origin: &str) -> Result<Vec<CachedBody>, BrowserError> {
        let mut out = Vec::new();
        for cache in self.cache_list(origin).await? {
            let Some(urls) = self.cache_keys(origin, &cache).await? else {
                continue;
            };
            for (url, mut headers) in urls {
                // CDP requires `requestHeaders` and rejects the call without it ("Invalid
                // parameters", measured on 156), and chromiumoxide leaves an empty list out.
                // The entry's own request headers match it even under `Vary`.
                if headers.is_empty() {
                    headers.push(Header::new("X-Swgate", "cache-read"));
                }
                let read = self
                    .call(
                        &format!("CacheStorage.requestCachedResponse for {url}"),
                        self.page.execute(RequestCachedResponseParams::new(
                            cache.cache_id.clone(),
                            url.clone(),
                            headers,
                        )),
                    )
                    .await;
                let body = match read {
                    Ok(r) => base64::engine::general_purpose::STANDARD
                        .decode(AsRef::<str>::as_ref(&r.result.response.body))
                        .map_err(|e| {
                            BrowserError::Page(format!("cached body is not base64: {e}"))
                        })?,
                    // Deleted since the listing (the worker may be replacing it): left out, and
                    // the caller re-reads until two reads agree. Still listed: a real failure,
                    // never a silently missing entry.
                    Err(e @ BrowserError::Cdp { .. }) => {
                        let still = self.cache_keys(origin, &cache).await?;
                        if still.is_some_and(|keys| keys.iter().any(|(u, _)| *u == url)) {
                            return Err(e);
                        }
                        continue;
                    }
                    Err(other) => return Err(other),
                };
                out.push(CachedBody {
                    cache: cache_label(&cache.cache_name, origin),
                    url,
                    body,
                });
            }
        }
        out.sort_by(|a, b| (&a.cache, &a.url).cmp(&(&b.cache, &b.url)));
        Ok(out)
    }

    /// Every key of `cache` with its request headers, or `None` when the cache is gone.
    async fn cache_keys(
        &self,
        origin: &str,
        cache: &Cache,
    ) -> Result<Option<Vec<(String, Vec<Header>)>>, BrowserError> {
        const PAGE: i64 = 500;
        let mut keys: Vec<(String, Vec<Header>)> = Vec::new();
        loop {
            let Some(page) = self
                .cache_entries(origin, cache.clone(), keys.len() as i64, PAGE)
                .await?
            else {
                return Ok(None);
            };
            let got = page.cache_data_entries.len();
            keys.extend(
                page.cache_data_entries
                    .iter()
                    .map(|e| (e.request_url.clone(), e.request_headers.clone())),
            );
            if got == 0 || keys.len() as f64 >= page.return_count {
                return Ok(Some(keys));
            }
        }
    }

    /// Bytes Chromium's quota system charges `origin` for Cache Storage.
    pub async fn cache_storage_usage(&self, origin: &str) -> Result<u64, BrowserError> {
        let r = self
            .call(
                "Storage.getUsageAndQuota",
                self.page.execute(GetUsageAndQuotaParams::new(origin)),
            )
            .await?;
        Ok(r.result
            .usage_breakdown
            .iter()
            .filter(|u| u.storage_type == StorageType::CacheStorage)
            .map(|u| u.usage as u64)
            .sum())
    }

    /// Bytes Chromium's quota system charges `origin`, by storage type: Cache Storage,
    /// IndexedDB, service worker scripts, and everything else summed as `other`.
    pub async fn storage_usage(&self, origin: &str) -> Result<StorageUsage, BrowserError> {
        let r = self
            .call(
                "Storage.getUsageAndQuota",
                self.page.execute(GetUsageAndQuotaParams::new(origin)),
            )
            .await?;
        let mut usage = StorageUsage::default();
        for u in &r.result.usage_breakdown {
            let bytes = u.usage.max(0.0) as u64;
            match u.storage_type {
                StorageType::CacheStorage => usage.cache_storage += bytes,
                StorageType::Indexeddb => usage.indexeddb += bytes,
                StorageType::ServiceWorkers => usage.service_workers += bytes,
                StorageType::All => {}
                _ => usage.other += bytes,
            }
        }
        Ok(usage)
    }

    /// Sets `origin`'s storage quota to `bytes` (CDP `Storage.overrideQuotaForOrigin`, held by
    /// this page's DevTools session), or back to Chromium's default with `None`: a device near
    /// its quota, without filling a disk.
    pub async fn override_quota(
        &self,
        origin: &str,
        bytes: Option<u64>,
    ) -> Result<(), BrowserError> {
        let mut params = OverrideQuotaForOriginParams::new(origin);
        params.quota_size = bytes.map(|b| b as f64);
        self.call("Storage.overrideQuotaForOrigin", self.page.execute(params))
            .await
            .map(|_| ())
    }

    /// Stops every running worker of the browser (CDP `ServiceWorker.stopAllWorkers`), the way
    /// Chromium ends a worker; callers wait for the `stopped` state themselves.
    pub async fn stop_all_workers(&self) -> Result<(), BrowserError> {
        self.call(
            "ServiceWorker.stopAllWorkers",
            self.page.execute(StopAllWorkersParams::default()),
        )
        .await
        .map(|_| ())
    }

    /// Deletes everything `origin` stored: registrations, caches, IndexedDB, cookies.
    pub async fn clear_origin(&self, origin: &str) -> Result<(), BrowserError> {
        self.call(
            "Storage.clearDataForOrigin",
            self.page
                .execute(ClearDataForOriginParams::new(origin, "all")),
        )
        .await
        .map(|_| ())
    }

    /// Starts a reload (as a user does) without waiting for it; the returned handle waits for
    /// its load event with a deadline the caller picks.
    pub async fn start_reload(&self) -> Result<LoadInFlight, BrowserError> {
        let loads = self.listen::<EventLoadEventFired>().await?;
        let started = Instant::now();
        self.call("Page.reload", self.page.execute(ReloadParams::default()))
            .await?;
        Ok(LoadInFlight { loads, started })
    }

    /// A PNG of what the page shows now (CDP `Page.captureScreenshot`, the viewport).
    ///
    /// The page is brought to the front first: a tab hidden behind a later tab of its
    /// context produces no frames, and the capture then never answered (measured: both
    /// failing `version-skew` scenarios, which open a second tab, hit the 5 s bound).
    pub async fn screenshot(&self) -> Result<Vec<u8>, BrowserError> {
        self.call(
            "Page.bringToFront",
            self.page.execute(BringToFrontParams::default()),
        )
        .await?;
        let params = CaptureScreenshotParams {
            format: Some(CaptureScreenshotFormat::Png),
            ..Default::default()
        };
        let shot = self
            .call("Page.captureScreenshot", self.page.execute(params))
            .await?;
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(AsRef::<str>::as_ref(&shot.result.data))
            .map_err(|e| BrowserError::Page(format!("screenshot is not base64: {e}")))
    }

    /// Stops a load in progress (CDP `Page.stopLoading`), as a user pressing Esc.
    pub async fn stop_loading(&self) -> Result<(), BrowserError> {
        self.call(
            "Page.stopLoading",
            self.page.execute(StopLoadingParams::default()),
        )
        .await
        .map(|_| ())
    }

    /// Grants `origin` the notifications permission in this page's browser context (CDP
    /// `Browser.setPermission`), as a user who accepted the prompt: headless Chromium 156
    /// then shows a worker's notifications (and logs them, see `record_background_services`).
    pub async fn grant_notifications(&self, origin: &str) -> Result<(), BrowserError> {
        let mut params = SetPermissionParams::new(
            PermissionDescriptor {
                name: "notifications".into(),
                sysex: None,
                user_visible_only: None,
                allow_without_sanitization: None,
                allow_without_gesture: None,
                pan_tilt_zoom: None,
            },
            PermissionSetting::Granted,
        );
        params.origin = Some(origin.to_string());
        params.browser_context_id = self.context_id.clone();
        self.call("Browser.setPermission", self.page.execute(params))
            .await
            .map(|_| ())
    }

    /// Delivers a push message to registration `registration_id`'s active worker (CDP
    /// `ServiceWorker.deliverPushMessage`): no push subscription or push service is needed.
    pub async fn deliver_push(
        &self,
        origin: &str,
        registration_id: &str,
        data: &str,
    ) -> Result<(), BrowserError> {
        self.call(
            "ServiceWorker.deliverPushMessage",
            self.page.execute(DeliverPushMessageParams::new(
                origin,
                registration_id.to_string(),
                data,
            )),
        )
        .await
        .map(|_| ())
    }

    /// Dispatches a background-sync event with `tag` to registration `registration_id`'s
    /// active worker (CDP `ServiceWorker.dispatchSyncEvent`, not the last chance).
    pub async fn dispatch_sync(
        &self,
        origin: &str,
        registration_id: &str,
        tag: &str,
    ) -> Result<(), BrowserError> {
        self.call(
            "ServiceWorker.dispatchSyncEvent",
            self.page.execute(DispatchSyncEventParams::new(
                origin,
                registration_id.to_string(),
                tag,
                false,
            )),
        )
        .await
        .map(|_| ())
    }

    /// Turns the page's auto-attach off, detaching from its workers: an attached DevTools
    /// session keeps a worker alive, and a check about Chromium ending idle workers needs
    /// nothing attached to them (docs/chromium.md, "Worker lifetime").
    pub async fn detach_from_workers(&self) -> Result<(), BrowserError> {
        self.call(
            "Target.setAutoAttach off",
            self.page.execute(SetAutoAttachParams {
                auto_attach: false,
                wait_for_debugger_on_start: false,
                flatten: Some(true),
                filter: None,
            }),
        )
        .await
        .map(|_| ())
    }
}
