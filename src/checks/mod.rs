//! The checks: one file per check, listed once below, and the registry that maps spec names to
//! them (`registry.rs`: the `Check` trait and what the list generates).

#[macro_use]
mod registry;

pub(crate) use registry::Check;

// What the generated dispatch names.
use crate::outcome::Judgement;
use crate::scenario::{Scenario, ScenarioError};
use crate::spec::{BuildFacts, CheckEntry, DeployRef, Spec, Suggestion};
use schemars::SchemaGenerator;
use serde::de::{self, MapAccess};

// The registry: one line per check, in the order `swgate list`, `init` and reports show them.
// Each check's name, description, expected duration and `init` suggestion live in its file.
define_checks! {
    UpdateRecovers(update_recovers),
    CachesPruned(caches_pruned),
    KillSwitch(kill_switch),
    BrokenDeploySurvives(broken_deploy_survives),
    UpdatePrompt(update_prompt),
    VersionSkew(version_skew),
    SwScriptFresh(sw_script_fresh),
    NavigationNetworkPath(navigation_network_path),
    NavigationTimeout(navigation_timeout),
    RuntimeCacheBounded(runtime_cache_bounded),
    NoSwrOnAuth(no_swr_on_auth),
    WorkerDurable(worker_durable),
    WaitUntil(wait_until),
    CacheAsDatabase(cache_as_database),
    WorkerUrlMoved(worker_url_moved),
    StorageStaysBounded(storage_stays_bounded),
    HeaderChangeReachesUsers(header_change_reaches_users),
    RedirectSafe(redirect_safe),
    VarySafe(vary_safe),
    NavigationPreload(navigation_preload),
    PushHandled(push_handled),
    SyncCompletes(sync_completes),
    InstallUnderQuota(install_under_quota),
    UpdateModeSwitch(update_mode_switch),
    DeployWindow(deploy_window),
}
