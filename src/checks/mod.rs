//! The checks: one trait, one file per check, and the registry that maps spec names to them.

mod broken_deploy_survives;
mod cache_as_database;
mod caches_pruned;
mod kill_switch;
mod navigation_network_path;
mod navigation_timeout;
mod no_swr_on_auth;
mod registry;
mod runtime_cache_bounded;
mod sw_script_fresh;
mod update_prompt;
mod update_recovers;
mod version_skew;
mod wait_until;
mod worker_durable;

pub use broken_deploy_survives::BrokenDeploySurvives;
pub use cache_as_database::CacheAsDatabase;
pub use caches_pruned::CachesPruned;
pub use kill_switch::KillSwitch;
pub use navigation_network_path::NavigationNetworkPath;
pub use navigation_timeout::NavigationTimeout;
pub use no_swr_on_auth::NoSwrOnAuth;
pub(crate) use registry::check_schemas;
pub use registry::{CheckConfig, CHECKS};
pub use runtime_cache_bounded::RuntimeCacheBounded;
pub use sw_script_fresh::SwScriptFresh;
pub use update_prompt::UpdatePrompt;
pub use update_recovers::UpdateRecovers;
pub use version_skew::VersionSkew;
pub use wait_until::WaitUntil;
pub use worker_durable::WorkerDurable;
