//! Chromium: launch in its own process group, connect over CDP, and the session helpers checks
//! share (service-worker state, caches, navigation, console errors, what the page loaded).

mod collector;
mod error;
mod launch;
mod network_log;
mod page;
mod session;
mod sw_state;

pub use error::BrowserError;
pub use launch::{
    find_chromium, kill_all_launched, locate_chromium, sweep_stale_profiles, ChromiumSearch,
    FoundChromium, LaunchOptions, INSTALL_HINT,
};
pub use network_log::{cache_label, NetworkLog, NetworkRequest};
pub use page::{
    BackgroundEvent, BackgroundRecord, CacheContents, CacheInfo, CachedBody, CachedEntry,
    ConsoleEntry, DeployOfScript, LoadInFlight, RegisterCalls, ScenarioPage,
};
pub use session::BrowserSession;
pub use sw_state::{SwState, SwVersion, VersionStatus, WorkerError};
