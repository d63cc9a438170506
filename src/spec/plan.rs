//! The typed plan a spec becomes: what the runner, server and checks consume.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// A 1-based position in a spec file, kept for messages after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The spec file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One app under test and the checks to run against its deploys.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The spec file this came from.
    pub path: PathBuf,
    /// Human name (the `name:` key, or the file stem).
    pub name: String,
    /// Build directories in deploy order; the first is what a returning user installed.
    pub deploys: Vec<Deploy>,
    /// URL path of the page a user opens, e.g. `/`.
    pub start: String,
    /// URL path of the service-worker script, e.g. `/sw.js`.
    pub service_worker: String,
    /// Optional override for telling which deploy a page shows.
    pub version_marker: Option<VersionMarker>,
    /// Response headers the fixture server adds per path.
    pub headers: Vec<HeaderRule>,
    /// How old the fixture server says every file is (`Last-Modified`).
    pub last_modified_age: std::time::Duration,
    /// The host whose headers and routing the fixture server copies, and the CDN in front.
    pub host: super::Host,
    /// Spec-level routing: base path, SPA fallback, redirects.
    pub routing: super::Routing,
    /// The checks, in spec order; each runs as its own isolated scenario.
    pub checks: Vec<CheckEntry>,
}

impl Spec {
    /// The deploy with this name, if any.
    pub fn deploy(&self, name: &str) -> Option<&Deploy> {
        self.deploys.iter().find(|d| d.name == name)
    }
}

/// One deploy: a named build output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deploy {
    /// The name used in messages and check parameters (`v1`, `v2`, `kill`).
    pub name: String,
    /// Absolute path of the build directory.
    pub dir: PathBuf,
    /// What the version marker reads on a page of this deploy (defaults to `name`).
    pub marker: String,
}

/// How to read a page's version when comparing bytes with the deploys is not wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionMarker {
    /// The text content of the first element matching this CSS selector.
    Selector(String),
    /// The string value of this JS expression evaluated in the page.
    Js(String),
}

/// Response headers the fixture server sets on paths matching a glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRule {
    /// Glob over the URL path, e.g. `/sw.js` or `/assets/*`.
    pub path: String,
    /// Header name/value pairs, in spec order.
    pub set: Vec<(String, String)>,
    /// Only while this deploy is served (all deploys when `None`).
    pub deploy: Option<String>,
}

/// A check as the spec asked for it, with where it was asked.
#[derive(Debug, Clone)]
pub struct CheckEntry {
    /// The check and its parameters, typed by the layer that defines checks.
    pub config: Arc<dyn CheckParams>,
    /// How reports name this entry: the check's name, plus `@line` when the spec lists the
    /// same check more than once.
    pub label: String,
    /// Where the entry starts in the spec.
    pub location: Location,
}

/// What the spec layer needs of a check's parameters. The checks layer defines the types
/// (`checks::CheckConfig`); the spec layer parses into them through [`CheckSet`] and keeps them
/// behind this trait, so `spec` never names a check and no import runs against the flow.
pub trait CheckParams: fmt::Debug + Send + Sync + 'static {
    /// The check's spec name.
    fn name(&self) -> &'static str;
    /// Resolves, once, what depends on the rest of the spec (deploy names and their defaults),
    /// or says what is wrong; checks then read resolved values and never resolve again.
    fn resolve(&mut self, spec: &Spec) -> Result<(), String>;
    /// For the layer that defined the type, to get it back.
    fn as_any(&self) -> &dyn Any;
    /// For a transition check (one deploy to the next) given `from: all`: the `to` the spec
    /// named, if any (`Some(None)`: `to` left to its default). `None` for every other entry.
    fn expands_from_all(&self) -> Option<Option<String>> {
        None
    }
    /// A copy of this entry judging `from` → `to` (only asked of entries [`Self::expands_from_all`]
    /// answered for).
    fn with_pair(&self, from: &str, to: &str) -> Self
    where
        Self: Sized;
}

/// The `from:` value that expands a transition check into one scenario per earlier deploy.
pub const FROM_ALL: &str = "all";

/// A type the `checks:` list parses into: one list item (a bare name or a one-key mapping),
/// with a schema for `swgate schema`. Loading is generic over it; the plan is not.
pub trait CheckSet: CheckParams + DeserializeOwned + JsonSchema + Sized {}

impl<T: CheckParams + DeserializeOwned + JsonSchema> CheckSet for T {}
