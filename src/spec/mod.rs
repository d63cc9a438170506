//! Spec files: YAML → typed [`Spec`] plan, with file:line:col on every error.
//!
//! Parsing is two-staged: [`raw`] deserializes with serde_yaml and raises semantic errors *while*
//! deserializing (so serde_yaml attaches positions), then [`load`] converts into the plan types
//! the runner uses, which keep plain [`Location`]s and no YAML types.

mod error;
mod host;
mod load;
mod params;
mod plan;
mod raw;
mod schema;
mod suggest;
mod url;
mod visits;

pub use error::SpecError;
pub use host::{Cdn, Host, HostConfigFile, HostPreset, Redirect, Routing, SpaFallback};
pub use load::{discover_spec_files, load_spec, parse_spec};
pub use params::{
    positive, positive_seconds, resolve_first, resolve_transition, url_path, url_paths, DeployRef,
};
pub use plan::{
    CheckEntry, CheckParams, CheckSet, Deploy, HeaderRule, Location, Spec, VersionMarker, FROM_ALL,
};
pub(crate) use raw::{one_key_of, one_key_schema, unknown_name_hint, UrlPath};
pub(crate) use schema::schema_generator;
pub use schema::schema_json;
pub use suggest::{yaml_string, BuildFacts, HostChanges, Suggestion};
pub use url::{files_for_url_path, strip_query};
pub use visits::{
    format_age, heuristic_lifetime, human_duration, parse_age, VisitKind, Visits,
    DEFAULT_LAST_MODIFIED_AGE,
};
