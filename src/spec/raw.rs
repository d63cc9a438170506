//! Stage one: serde types mirroring the YAML, raising semantic errors while deserializing.
//!
//! serde_yaml attaches line:col only to errors raised *during* deserialization, so checks that
//! need the spec's directory (does this deploy directory exist?) run inside `Deserialize` impls.
//! The directory reaches them through [`with_base_dir`], a thread-local set for the duration of
//! one parse: the smallest addition that keeps positions without threading a `DeserializeSeed`
//! through every type.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

thread_local! {
    static BASE_DIR: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// Runs `f` with `dir` as the directory relative deploy paths resolve against.
pub(super) fn with_base_dir<T>(dir: &Path, f: impl FnOnce() -> T) -> T {
    struct Reset(Option<PathBuf>);
    impl Drop for Reset {
        fn drop(&mut self) {
            BASE_DIR.with(|b| *b.borrow_mut() = self.0.take());
        }
    }
    let previous = BASE_DIR.with(|b| b.borrow_mut().replace(dir.to_path_buf()));
    let _reset = Reset(previous);
    f()
}

/// A file named in the spec (a host config file), resolved against the spec's directory.
pub(super) fn resolve_existing_file(raw: &str) -> Result<PathBuf, String> {
    let path = resolve(raw);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "file `{raw}` does not exist (resolved to {})",
            path.display()
        ))
    }
}

fn resolve(path: &str) -> PathBuf {
    let base = BASE_DIR.with(|b| b.borrow().clone()).unwrap_or_default();
    let joined = base.join(path);
    joined.canonicalize().unwrap_or_else(|_| normalize(&joined))
}

/// Resolves `.` and `..` lexically, for paths that do not exist (so messages show a clean
/// absolute path).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The top level of a spec file.
///
/// The field docs double as the descriptions of `swgate schema`, which editors show on hover.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `deploys` and `checks` (and optionally `name`, `start`, `service_worker`, `version_marker`, `headers`, `last_modified_age`, `host`, `spa_fallback`, `redirects`, `base`)"
)]
#[schemars(
    title = "swgate spec",
    description = "One app under test: its deploys (build directories, in order) and the checks to run against them."
)]
#[serde(bound(deserialize = "C: DeserializeOwned"))]
#[schemars(rename = "RawSpec", bound = "C: JsonSchema")]
pub(super) struct RawSpec<C> {
    /// Human name used in reports (default: the file name without `.yaml`).
    pub(super) name: Option<String>,
    /// Build directories in deploy order, relative to the spec file: the first is what a
    /// returning user installed (N), the next is N+1.
    pub(super) deploys: RawDeploys,
    /// URL path of the page a user opens (default: `/`, or `base`).
    pub(super) start: Option<UrlPath>,
    /// URL path of the service-worker script the page registers (default: `/sw.js` under
    /// `base`).
    pub(super) service_worker: Option<UrlPath>,
    /// How to tell which deploy a page shows, when comparing its bytes with the deploys is not
    /// wanted.
    pub(super) version_marker: Option<RawVersionMarker>,
    /// Response headers the fixture server adds, as production would (e.g. `Cache-Control`).
    #[serde(default)]
    pub(super) headers: Vec<RawHeaderRule>,
    /// How old the host says the deployed files are (`Last-Modified`), e.g. `7d`, `36h`
    /// (default `7d`, the typical time between deploys). Chromium treats a response without
    /// `Cache-Control` as fresh for 10 % of this age, so it decides what a user who opens a new
    /// tab gets from the HTTP cache.
    pub(super) last_modified_age: Option<RawAge>,
    /// Where the app is hosted: a preset (`static`, the default; `bare`, `netlify`, `vercel`,
    /// `cloudflare-pages`, `firebase`, `github-pages`) whose default headers and routing the
    /// fixture server copies, or `{ preset, cdn, config }` with the CDN in front and the
    /// host's config file (`firebase.json`, `vercel.json`).
    pub(super) host: Option<super::host::RawHost>,
    /// The file unknown paths answer with, as an SPA host is configured (e.g. `/index.html`).
    pub(super) spa_fallback: Option<super::host::RawSpaFallback>,
    /// Redirects the host answers, per deploy if wanted, e.g. `{ from: /old, to: /new }`.
    #[serde(default)]
    pub(super) redirects: Vec<super::host::RawRedirect>,
    /// The path prefix the app is served under (e.g. `/app/`); `start` and `service_worker`
    /// default to paths under it.
    pub(super) base: Option<super::host::RawBase>,
    /// The checks to run, each in its own fresh browser profile: a check name, or a one-key
    /// mapping of check name to its parameters.
    #[serde(deserialize_with = "non_empty_checks")]
    #[schemars(length(min = 1))]
    pub(super) checks: Vec<C>,
}

fn non_empty_checks<'de, D: Deserializer<'de>, C: Deserialize<'de>>(
    d: D,
) -> Result<Vec<C>, D::Error> {
    struct ChecksVisitor<C>(std::marker::PhantomData<C>);
    impl<'de, C: Deserialize<'de>> Visitor<'de> for ChecksVisitor<C> {
        type Value = Vec<C>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of checks, e.g. `- update-recovers`")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(c) = seq.next_element()? {
                out.push(c);
            }
            if out.is_empty() {
                return Err(de::Error::custom(
                    "`checks` is empty: list at least one check, e.g. `- update-recovers`",
                ));
            }
            Ok(out)
        }
    }
    d.deserialize_seq(ChecksVisitor(std::marker::PhantomData))
}

/// Deserializes a string and validates it *inside* the visitor: serde_yaml pins an error to
/// the scalar only while that scalar is being visited; raised after `String::deserialize`
/// returns, it would point at the enclosing mapping instead.
pub(super) fn validated_str<'de, D: Deserializer<'de>, T>(
    d: D,
    expecting: &'static str,
    check: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error> {
    struct StrVisitor<F>(&'static str, F);
    impl<'de, T, F: FnOnce(&str) -> Result<T, String>> Visitor<'de> for StrVisitor<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.1)(v).map_err(E::custom)
        }
    }
    d.deserialize_str(StrVisitor(expecting, check))
}

/// Deploys in the order written: a YAML mapping of name → directory.
#[derive(Debug)]
pub(super) struct RawDeploys(pub(super) Vec<RawDeploy>);

/// One deploy entry.
#[derive(Debug)]
pub(super) struct RawDeploy {
    pub(super) name: String,
    pub(super) dir: PathBuf,
    pub(super) marker: Option<String>,
}

impl<'de> Deserialize<'de> for RawDeploys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct DeploysVisitor;
        impl<'de> Visitor<'de> for DeploysVisitor {
            type Value = RawDeploys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of deploy name to build directory, e.g. `v1: build-v1`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDeploys, A::Error> {
                let mut out: Vec<RawDeploy> = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    if out.iter().any(|d| d.name == name) {
                        return Err(de::Error::custom(format!(
                            "deploy `{name}` is listed twice"
                        )));
                    }
                    let value: DeployValue = map.next_value()?;
                    out.push(RawDeploy {
                        name,
                        dir: value.dir.0,
                        marker: value.marker,
                    });
                }
                if out.is_empty() {
                    return Err(de::Error::custom(
                        "`deploys` is empty: name at least one build directory, e.g. `v1: build-v1`",
                    ));
                }
                Ok(RawDeploys(out))
            }
        }
        d.deserialize_map(DeploysVisitor)
    }
}

impl JsonSchema for RawDeploys {
    fn schema_name() -> Cow<'static, str> {
        "Deploys".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<DeployValue>();
        json_schema!({
            "description": "A mapping of deploy name to build directory, in deploy order, e.g. `v1: build-v1`.",
            "type": "object",
            "minProperties": 1,
            "additionalProperties": value,
        })
    }
}

/// A deploy's value: a directory string, or `{ dir, marker }`.
struct DeployValue {
    dir: DeployDir,
    marker: Option<String>,
}

impl<'de> Deserialize<'de> for DeployValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            dir: DeployDir,
            marker: Option<String>,
        }
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = DeployValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a build directory, or a mapping with `dir` and optional `marker`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DeployValue, E> {
                Ok(DeployValue {
                    dir: DeployDir::check(v)?,
                    marker: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DeployValue, A::Error> {
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(DeployValue {
                    dir: full.dir,
                    marker: full.marker,
                })
            }
        }
        d.deserialize_any(ValueVisitor)
    }
}

impl JsonSchema for DeployValue {
    fn schema_name() -> Cow<'static, str> {
        "Deploy".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A build directory (relative to the spec file), or a mapping with `dir` and an optional `marker`.",
            "anyOf": [
                { "type": "string", "minLength": 1 },
                {
                    "type": "object",
                    "properties": {
                        "dir": {
                            "description": "The build directory, relative to the spec file.",
                            "type": "string",
                            "minLength": 1,
                        },
                        "marker": {
                            "description": "What `version_marker` reads on a page of this deploy (default: the deploy's name).",
                            "type": "string",
                        },
                    },
                    "required": ["dir"],
                    "additionalProperties": false,
                },
            ],
        })
    }
}

/// A build directory that exists, resolved against the spec's directory.
struct DeployDir(PathBuf);

impl DeployDir {
    fn check<E: de::Error>(raw: &str) -> Result<Self, E> {
        let path = resolve(raw);
        match std::fs::metadata(&path) {
            Err(_) => Err(E::custom(format!(
                "deploy directory `{raw}` does not exist (resolved to {})",
                path.display()
            ))),
            Ok(m) if !m.is_dir() => Err(E::custom(format!(
                "deploy `{raw}` is not a directory (resolved to {})",
                path.display()
            ))),
            Ok(_) => match std::fs::read_dir(&path) {
                Err(e) => Err(E::custom(format!(
                    "deploy directory {} cannot be read: {e}",
                    path.display()
                ))),
                Ok(mut entries) => match entries.next() {
                    None => Err(E::custom(format!(
                        "deploy directory {} is empty",
                        path.display()
                    ))),
                    Some(_) => Ok(DeployDir(path)),
                },
            },
        }
    }
}

impl<'de> Deserialize<'de> for DeployDir {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated_str(d, "a build directory", |raw| {
            DeployDir::check::<de::value::Error>(raw).map_err(|e| e.to_string())
        })
    }
}

/// An absolute URL path such as `/sw.js`.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub(crate) struct UrlPath(pub(super) String);

/// An age such as `7d` (see [`super::visits::parse_age`]).
#[derive(Debug)]
pub(super) struct RawAge(pub(super) std::time::Duration);

impl JsonSchema for RawAge {
    fn schema_name() -> Cow<'static, str> {
        "Age".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "title": "Age",
            "description": "A whole number and a unit: `s`, `m`, `h`, `d` or `w` (e.g. `7d`, `36h`).",
            "type": "string",
            "pattern": "^[0-9]+[smhdw]$",
        })
    }
}

impl<'de> Deserialize<'de> for RawAge {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated_str(d, "an age such as `7d` or `36h`", |raw| {
            super::visits::parse_age(raw).map(RawAge)
        })
    }
}

impl JsonSchema for UrlPath {
    fn schema_name() -> Cow<'static, str> {
        "UrlPath".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // The same rule as the visitors': one leading `/` (not `//`, a scheme-relative URL),
        // no whitespace.
        json_schema!({
            "title": "URL path",
            "description": "An absolute URL path such as `/sw.js` or `/api/user`.",
            "type": "string",
            "pattern": "^/([^/\\s]\\S*)?$",
        })
    }
}

impl<'de> Deserialize<'de> for UrlPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated_str(d, "a URL path such as `/sw.js`", |raw| {
            if !raw.starts_with('/') || raw.starts_with("//") || raw.contains(char::is_whitespace) {
                return Err(format!(
                    "expected a URL path starting with `/` (e.g. `/sw.js`), found `{raw}`"
                ));
            }
            Ok(UrlPath(raw.to_string()))
        })
    }
}

/// `version_marker: { selector: "#version" }` or `{ js: "window.APP_VERSION" }`.
#[derive(Debug)]
pub(super) enum RawVersionMarker {
    Selector(String),
    Js(String),
}

impl JsonSchema for RawVersionMarker {
    fn schema_name() -> Cow<'static, str> {
        "VersionMarker".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        one_key_schema(
            None,
            "`selector: CSS` (the text of the first matching element) or `js: EXPRESSION` (its string value in the page).",
            &[
                ("selector", "A CSS selector; the element's text is the version."),
                ("js", "A JS expression evaluated in the page; its string value is the version."),
            ],
        )
    }
}

impl<'de> Deserialize<'de> for RawVersionMarker {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MarkerVisitor;
        impl<'de> Visitor<'de> for MarkerVisitor {
            type Value = RawVersionMarker;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`selector: CSS` or `js: EXPRESSION`")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ok(match one_key_of(map, &["selector", "js"])? {
                    ("selector", value) => RawVersionMarker::Selector(value),
                    (_, value) => RawVersionMarker::Js(value),
                })
            }
        }
        d.deserialize_map(MarkerVisitor)
    }
}

/// `- path: /sw.js` + `set: { Cache-Control: max-age=86400 }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "HeaderRule")]
pub(super) struct RawHeaderRule {
    /// A glob over URL paths, e.g. `/assets/*` or `{/,/*.html}`.
    pub(super) path: PathGlob,
    /// Header name → value, e.g. `Cache-Control: no-cache`.
    pub(super) set: HeaderSet,
    /// Only while this deploy is served (default: every deploy).
    pub(super) deploy: Option<String>,
}

/// A glob over URL paths, validated when read.
#[derive(Debug)]
pub(super) struct PathGlob(pub(super) String);

impl<'de> Deserialize<'de> for PathGlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated_str(d, "a URL path glob such as `/assets/*`", |raw| {
            if !raw.starts_with(['/', '*', '{']) {
                return Err(format!(
                    "expected a URL path glob starting with `/` or `*` (e.g. `/assets/*`), found `{raw}`"
                ));
            }
            globset::Glob::new(raw).map_err(|e| format!("invalid path glob `{raw}`: {e}"))?;
            Ok(PathGlob(raw.to_string()))
        })
    }
}

impl JsonSchema for PathGlob {
    fn schema_name() -> Cow<'static, str> {
        "PathGlob".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "title": "path glob",
            "description": "A glob over URL paths starting with `/`, `*` or `{`, e.g. `/assets/*`.",
            "type": "string",
            "pattern": "^[/*{]",
        })
    }
}

/// Header name → value pairs, in order, each validated as HTTP.
#[derive(Debug)]
pub(super) struct HeaderSet(pub(super) Vec<(String, String)>);

impl JsonSchema for HeaderSet {
    fn schema_name() -> Cow<'static, str> {
        "HeaderSet".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // RFC 9110 token characters, the names `HeaderName` accepts.
        json_schema!({
            "description": "A mapping of header name to value, e.g. `Cache-Control: no-cache`.",
            "type": "object",
            "propertyNames": { "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
            "additionalProperties": { "type": "string" },
        })
    }
}

impl<'de> Deserialize<'de> for HeaderSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SetVisitor;
        impl<'de> Visitor<'de> for SetVisitor {
            type Value = HeaderSet;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of header name to value, e.g. `Cache-Control: no-cache`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HeaderSet, A::Error> {
                let mut out = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let value: String = map.next_value()?;
                    axum::http::HeaderName::try_from(name.as_str()).map_err(|_| {
                        de::Error::custom(format!("`{name}` is not a valid HTTP header name"))
                    })?;
                    axum::http::HeaderValue::try_from(value.as_str()).map_err(|_| {
                        de::Error::custom(format!("`{value}` is not a valid HTTP header value"))
                    })?;
                    out.push((name, value));
                }
                Ok(HeaderSet(out))
            }
        }
        d.deserialize_map(SetVisitor)
    }
}

/// Reads a mapping that must hold exactly one of `keys`, with a string value: the shape of
/// `version_marker: { selector: ... }` and `action: { click: ... }`. serde_yaml 0.9 reads
/// enums only from YAML tags, which nobody writes by hand.
/// The schema of a one-key mapping whose value is a string (what [`one_key_of`] parses):
/// exactly one of `keys`, each `(name, description)`.
pub(crate) fn one_key_schema(
    title: Option<&str>,
    description: &str,
    keys: &[(&str, &str)],
) -> Schema {
    let properties: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .map(|(k, d)| {
            (
                (*k).to_string(),
                serde_json::json!({ "description": d, "type": "string" }),
            )
        })
        .collect();
    let mut schema = json_schema!({
        "description": description,
        "type": "object",
        "properties": properties,
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": false,
    });
    if let Some(title) = title {
        schema.insert("title".into(), title.into());
    }
    schema
}

pub(crate) fn one_key_of<'de, A: MapAccess<'de>>(
    mut map: A,
    keys: &[&'static str],
) -> Result<(&'static str, String), A::Error> {
    let expected = keys
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    let Some(key) = map.next_key::<String>()? else {
        return Err(de::Error::custom(format!(
            "expected one of {expected}, found an empty mapping"
        )));
    };
    let Some(known) = keys.iter().find(|k| **k == key) else {
        return Err(de::Error::custom(format!(
            "unknown field `{key}`, expected {expected}"
        )));
    };
    let value: String = map.next_value()?;
    if let Some(extra) = map.next_key::<String>()? {
        return Err(de::Error::custom(format!(
            "give one of {expected}, not several (found `{extra}` too)"
        )));
    }
    Ok((known, value))
}

/// For serde's "unknown field/variant `x`, expected one of `a`, `b`" messages: the closest
/// valid name, as a "did you mean" hint.
pub(crate) fn unknown_name_hint(message: &str) -> Option<String> {
    let rest = message
        .split_once("unknown field ")
        .or_else(|| message.split_once("unknown variant "))
        .or_else(|| message.split_once("unknown check "))?
        .1;
    let mut names = rest.split('`').skip(1).step_by(2);
    let unknown = names.next()?;
    let best = names
        .map(|n| (strsim::jaro_winkler(unknown, n), n))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(format!("did you mean `{}`?", best.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_for_close_field() {
        let msg = "unknown field `chekcs`, expected one of `name`, `deploys`, `checks`";
        assert_eq!(
            unknown_name_hint(msg).as_deref(),
            Some("did you mean `checks`?")
        );
    }

    #[test]
    fn no_hint_when_nothing_is_close() {
        let msg = "unknown field `zzz`, expected one of `name`, `deploys`, `checks`";
        assert_eq!(unknown_name_hint(msg), None);
    }
}
