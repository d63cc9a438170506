//! The fixture server: serves one deploy of the app at a time on a loopback port, switches
//! deploys atomically, sets per-path headers, and logs every request for checks to wait on.

mod deploy_set;
mod deploy_window;
mod edge_cache;
mod error;
mod fixture_server;
mod host;
mod request_log;
mod runtime_hooks;

pub use deploy_set::{DeployFiles, DeploySet};
pub use deploy_window::{seeded_choice, WindowMix};
pub use edge_cache::{shared_ttl, CdnDefault, EdgeCache};
pub use error::ServerError;
pub use fixture_server::FixtureServer;
pub use host::{cdn_default, preset_facts, HostFileError, HostRules, Origin, PresetFacts, Routed};
pub use request_log::{RequestLog, RequestRecord};
pub use runtime_hooks::{
    HeldRequest, HoldEnd, HoldRule, RuntimeHooks, Stall, UrlPattern, UserFrom, SESSION_COOKIE,
};
