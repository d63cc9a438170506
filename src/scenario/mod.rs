//! The kit checks drive: one scenario's world (its fixture server, its page in its own browser
//! context, its timeline) and the deploy-aware steps checks compose: install N, deploy N+1,
//! navigate, wait for Chromium's update checks, read the page's version, fetch from the page,
//! stop workers, read caches.
//!
//! Checks import only this module, `spec` (their parameter types) and `outcome`; the value
//! types they need from the server and the browser are re-exported here.

mod app_manifest;
mod background_work;
mod cache_entries;
mod error;
mod http_cache;
mod kit;
mod page_action;
mod page_version;
mod runtime_steps;
mod update_check;

pub use background_work::{BackgroundRun, IDLE_TERMINATION_BOUND, POLL};
pub use cache_entries::CacheEntryOrigin;
pub use error::ScenarioError;
pub use http_cache::HttpCacheCause;
pub use kit::{Scenario, StorageUsageRead};
pub use page_action::{ActionOutcome, PageAction};
pub use page_version::{PageVersion, ResourceVersion};
pub use runtime_steps::PageFetch;
pub use update_check::{
    imported_scripts, is_javascript, Attempt, ReloadRun, UpdateCheck, WAITING_GRACE,
};

pub use crate::browser::{
    CacheContents, CacheInfo, CachedEntry, ConsoleEntry, NetworkLog, NetworkRequest, ScenarioPage,
    SwState, VersionStatus,
};
pub use crate::server::{
    preset_facts, shared_ttl, HoldEnd, HoldRule, RequestRecord, Routed, Stall, UrlPattern,
    UserFrom, WindowMix, SESSION_COOKIE,
};
