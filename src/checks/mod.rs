//! The checks: one trait, one file per check, and the registry that maps spec names to them.

mod caches_pruned;
mod deploy_pair;
mod navigation_network_path;
mod cache_as_database;
mod outcome;
mod registry;
mod update_recovers;

pub use caches_pruned::CachesPruned;
pub use navigation_network_path::NavigationNetworkPath;
pub use outcome::{Judgement, Verdict};
pub use registry::{CheckConfig, CHECKS};
pub use update_recovers::UpdateRecovers;
pub use cache_as_database::CacheAsDatabase;
