//! The checks: one trait, one file per check, and the registry that maps spec names to them.

mod cache_as_database;
mod caches_pruned;
mod deploy_pair;
mod navigation_network_path;
mod navigation_timeout;
mod no_swr_on_auth;
mod outcome;
mod params;
mod registry;
mod runtime_cache_bounded;
mod update_recovers;
mod wait_until;
mod worker_durable;

pub use cache_as_database::CacheAsDatabase;
pub use caches_pruned::CachesPruned;
pub use navigation_network_path::NavigationNetworkPath;
pub use navigation_timeout::NavigationTimeout;
pub use no_swr_on_auth::NoSwrOnAuth;
pub use outcome::{Judgement, Verdict};
pub use registry::{CheckConfig, CHECKS};
pub use runtime_cache_bounded::RuntimeCacheBounded;
pub use update_recovers::UpdateRecovers;
pub use wait_until::WaitUntil;
pub use worker_durable::WorkerDurable;
