//! The checks: one trait, one file per check, and the registry that maps spec names to them.

mod broken_deploy_survives;
mod caches_pruned;
mod deploy_pair;
mod kill_switch;
mod outcome;
mod page_action;
mod registry;
mod sw_script_fresh;
mod update_prompt;
mod update_recovers;
mod version_skew;

pub use broken_deploy_survives::BrokenDeploySurvives;
pub use caches_pruned::CachesPruned;
pub use kill_switch::KillSwitch;
pub use outcome::{Judgement, Verdict};
pub use page_action::{ActionOutcome, PageAction};
pub use registry::{CheckConfig, CHECKS};
pub use sw_script_fresh::SwScriptFresh;
pub use update_prompt::UpdatePrompt;
pub use update_recovers::UpdateRecovers;
pub use version_skew::VersionSkew;
