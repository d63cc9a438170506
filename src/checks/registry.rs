//! The `Check` trait and the registry machinery: spec name → check, parsed from YAML.
//!
//! The list of checks is one `define_checks!` line per check in `checks/mod.rs`; the macro
//! declares each check's module and generates the enum, its name/validate/run dispatch, the
//! spec parser's name lookup, each check's parameter schema (for `swgate schema` and the
//! `swgate list` table) and `init`'s suggestions.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::scenario::{Scenario, ScenarioError};
use crate::spec::{BuildFacts, CheckParams, DeployRef, Spec, Suggestion, VisitKind, FROM_ALL};

use super::{check_schemas, CheckConfig, CHECKS};

use crate::outcome::Judgement;

/// A check drives one scenario to collect observations, then judges them without the browser.
///
/// Splitting `observe` from `judge` keeps verdict logic pure: unit tests feed hand-built
/// observations, and browser tests prove the observations are what Chromium really does.
pub(crate) trait Check {
    /// The name specs use (`update-recovers`).
    const NAME: &'static str;
    /// One line: what passing means (`swgate list`, the schema, the README's table).
    const ABOUT: &'static str;
    /// Roughly how long the check's scenario takes, so the runner starts the longest first;
    /// the medians of the bundled suite (debug build, both cores busy, Chromium 156). Required:
    /// a forgotten estimate used to be a silent 2 s (runtime-cache-bounded takes 6-9 s).
    const EXPECTED_SECONDS: u32;

    /// Whether the scenario needs storage on disk: it then runs in Chromium's default browser
    /// context (its data cleared when the scenario ends) instead of an in-memory one, whose
    /// `Storage.getUsageAndQuota` reported IndexedDB as a constant 72 KiB however much was
    /// written (docs/chromium.md, "Storage and contexts").
    const DISK_STORAGE: bool = false;

    /// How the returning user comes back, each kind judged with a fresh user (the check's
    /// `visits:` parameter). Checks without one keep the reload they always made.
    fn visits(&self) -> &[VisitKind] {
        &[VisitKind::Reload]
    }

    /// The transition's `from` (N) and `to` (N+1), for checks judged from one deploy to the
    /// next: what `from: all` expands (one scenario per earlier deploy). `None` for the others.
    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        None
    }

    /// Everything the check saw, in the order it saw it.
    type Observation: fmt::Debug;

    /// Drives the scenario (deploys, navigations, waits) and records what happened.
    async fn observe(&self, scenario: &mut Scenario) -> Result<Self::Observation, ScenarioError>;

    /// Decides pass or fail from the observation.
    fn judge(&self, observation: &Self::Observation) -> Judgement;

    /// What `swgate init` writes for a build with these facts: the check with why it applies
    /// there, a commented-out template, or nothing. Required, so a new check decides.
    fn suggest(build: &BuildFacts) -> Suggestion;
}

/// Declares every check (its module and re-export) and generates the dispatch over them;
/// invoked once, in `checks/mod.rs`.
macro_rules! define_checks {
    ($($variant:ident($module:ident),)+) => {
        $(
            mod $module;
            pub use $module::$variant;
        )+

        /// What `swgate init` writes for a build, check by check in registry order.
        pub fn suggestions(build: &BuildFacts) -> Vec<(&'static str, Suggestion)> {
            vec![$((
                <$variant as Check>::NAME,
                <$variant as Check>::suggest(build),
            )),+]
        }

        /// Name and one-line description of every check, in registry order.
        pub const CHECKS: &[(&str, &str)] = &[$((
            <crate::checks::$module::$variant as Check>::NAME,
            <crate::checks::$module::$variant as Check>::ABOUT,
        )),+];

        /// Every check's name, description and parameter schema, in registry order; the
        /// parameter schemas are references into `generator`'s definitions.
        pub(crate) fn check_schemas(generator: &mut SchemaGenerator) -> Vec<registry::CheckSchema> {
            vec![$(registry::CheckSchema {
                name: <crate::checks::$module::$variant as Check>::NAME,
                about: <crate::checks::$module::$variant as Check>::ABOUT,
                params: generator.subschema_for::<crate::checks::$module::$variant>(),
            }),+]
        }

        /// A check as configured in a spec.
        #[derive(Debug, Clone)]
        pub enum CheckConfig {
            $(
                #[doc = concat!("The `", stringify!($variant), "` check.")]
                $variant(crate::checks::$module::$variant),
            )+
        }

        impl CheckConfig {
            /// The check's spec name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(CheckConfig::$variant(_) => <crate::checks::$module::$variant as Check>::NAME,)+
                }
            }

            /// Whether the scenario runs with storage on disk (`Check::DISK_STORAGE`).
            pub fn disk_storage(&self) -> bool {
                match self {
                    $(CheckConfig::$variant(_) => {
                        <crate::checks::$module::$variant as Check>::DISK_STORAGE
                    })+
                }
            }

            /// Roughly how long the check's scenario takes, for scheduling the longest first.
            pub fn expected_seconds(&self) -> u32 {
                match self {
                    $(CheckConfig::$variant(_) => {
                        <crate::checks::$module::$variant as Check>::EXPECTED_SECONDS
                    })+
                }
            }

            /// The transition's `from` and `to`, for checks judged from one deploy to the next.
            pub fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
                match self {
                    $(CheckConfig::$variant(c) => c.transition(),)+
                }
            }

            /// Resolves what depends on the rest of the spec (deploy names, defaults), once, or
            /// says what is wrong.
            pub fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
                match self {
                    $(CheckConfig::$variant(c) => c.resolve(spec),)+
                }
            }

            /// The configuration a spec entry was loaded with: specs are loaded with this type
            /// (`load_spec::<CheckConfig>`), so anything else is a caller's bug.
            pub fn of(entry: &CheckEntry) -> &CheckConfig {
                entry
                    .config
                    .as_any()
                    .downcast_ref()
                    .expect("specs are loaded with `load_spec::<CheckConfig>`")
            }

            /// Runs the check in `scenario`: observe, then judge.
            pub(crate) async fn run(
                &self,
                scenario: &mut Scenario,
            ) -> Result<Judgement, ScenarioError> {
                match self {
                    $(CheckConfig::$variant(c) => registry::run_one(c, scenario).await,)+
                }
            }

            fn from_name<'de, A: MapAccess<'de>>(
                name: &str,
                params: Option<&mut A>,
            ) -> Result<Self, A::Error> {
                $(
                    if name == <crate::checks::$module::$variant as Check>::NAME {
                        return Ok(CheckConfig::$variant(registry::params_or_default(params)?));
                    }
                )+
                Err(de::Error::custom(registry::unknown_check(name)))
            }
        }
    };
}

/// One registry entry as `swgate schema` and `swgate list` see it.
#[derive(Debug, Clone)]
pub(crate) struct CheckSchema {
    /// The spec name.
    pub(crate) name: &'static str,
    /// The one-line description.
    pub(crate) about: &'static str,
    /// The parameter mapping's schema (a reference into the generator's definitions).
    pub(crate) params: Schema,
}

impl CheckSchema {
    /// Whether the parameter schema has required keys, so that a bare name is not enough.
    pub(crate) fn needs_params(&self, generator: &SchemaGenerator) -> bool {
        let definition = self
            .params
            .get("$ref")
            .and_then(|r| r.as_str())
            .and_then(|r| r.rsplit('/').next())
            .and_then(|name| generator.definitions().get(name));
        definition
            .and_then(|d| d.get("required"))
            .and_then(|r| r.as_array())
            .is_some_and(|r| !r.is_empty())
    }
}

/// A list item of `checks:` is a bare name (`- caches-pruned`) or a one-key mapping of name to
/// parameters (`- kill-switch: { navigations: 3 }`); a check with required parameters only
/// takes the second form, so editors flag `- version-skew` without its `action`.
impl JsonSchema for CheckConfig {
    fn schema_name() -> Cow<'static, str> {
        "Check".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let checks = check_schemas(generator);
        let bare: Vec<serde_json::Value> = checks
            .iter()
            .filter(|c| !c.needs_params(generator))
            .map(|c| serde_json::json!({ "const": c.name, "description": c.about }))
            .collect();
        let mut with_params = serde_json::Map::new();
        for c in &checks {
            let value = if c.needs_params(generator) {
                c.params.clone().to_value()
            } else {
                serde_json::json!({ "anyOf": [c.params, { "type": "null" }] })
            };
            let mut value = value;
            if let Some(object) = value.as_object_mut() {
                object.insert("description".into(), c.about.into());
            }
            with_params.insert(c.name.to_string(), value);
        }
        json_schema!({
            "description": "A check: its name (default parameters), or a one-key mapping of its name to its parameters.",
            "anyOf": [
                { "type": "string", "anyOf": bare },
                {
                    "type": "object",
                    "properties": with_params,
                    "additionalProperties": false,
                    "minProperties": 1,
                    "maxProperties": 1,
                },
            ],
        })
    }
}

impl CheckParams for CheckConfig {
    fn name(&self) -> &'static str {
        CheckConfig::name(self)
    }
    fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        CheckConfig::resolve(self, spec)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn expands_from_all(&self) -> Option<Option<String>> {
        let mut copy = self.clone();
        let (from, to) = copy.transition()?;
        (from.given() == Some(FROM_ALL)).then(|| to.given().map(str::to_owned))
    }
    fn with_pair(&self, from: &str, to: &str) -> Self {
        let mut copy = self.clone();
        if let Some((f, t)) = copy.transition() {
            *f = DeployRef::named(from);
            *t = DeployRef::named(to);
        }
        copy
    }
}

/// Observes and judges once per visit kind, each after a fresh start of the returning user
/// (the first uses the scenario as it was set up), and combines the verdicts.
pub(super) async fn run_one<C: Check>(c: &C, s: &mut Scenario) -> Result<Judgement, ScenarioError> {
    let kinds = c.visits();
    let mut judged = Vec::with_capacity(kinds.len());
    for (i, kind) in kinds.iter().enumerate() {
        if i > 0 {
            s.start_over().await?;
        }
        s.set_visit(*kind);
        if kinds.len() > 1 {
            s.note(format!("judging `{kind}` visits"));
        }
        let observation = c.observe(s).await?;
        tracing::debug!("observation ({kind}): {observation:?}");
        judged.push((*kind, c.judge(&observation)));
    }
    Ok(combine_visits(judged))
}

/// One verdict from one per visit kind, in the order the spec lists them. One kind keeps its
/// message as it is. With more, any failure fails the check and leads the message (so it
/// names the kind that stranded the user), then what could not be judged, then the kinds that
/// passed; each part starts with its kind.
pub(super) fn combine_visits(judged: Vec<(VisitKind, Judgement)>) -> Judgement {
    if judged.len() == 1 {
        return judged
            .into_iter()
            .next()
            .map(|(_, j)| j)
            .expect("one judgement");
    }
    let (mut fails, mut unjudged, mut passes) = (Vec::new(), Vec::new(), Vec::new());
    for (kind, j) in judged {
        match j {
            Judgement::Fail(m) => fails.push(format!("{kind}: {m}")),
            Judgement::CannotJudge(m) => unjudged.push(format!("{kind}: cannot judge: {m}")),
            Judgement::Pass(m) => passes.push(format!("{kind}: {m}")),
        }
    }
    if !fails.is_empty() {
        let passed: Vec<String> = passes
            .iter()
            .filter_map(|p| p.split_once(':').map(|(k, _)| format!("{k}: passes")))
            .collect();
        let parts: Vec<String> = fails.into_iter().chain(unjudged).chain(passed).collect();
        return Judgement::Fail(parts.join(" | "));
    }
    if !unjudged.is_empty() {
        return Judgement::CannotJudge(
            unjudged
                .into_iter()
                .chain(passes)
                .collect::<Vec<_>>()
                .join(" | "),
        );
    }
    Judgement::Pass(passes.join(" | "))
}

/// A check's parameters: the mapping given, or the defaults for a bare name (`- caches-pruned`)
/// or an empty value (`- caches-pruned:`).
pub(super) fn params_or_default<'de, A: MapAccess<'de>, T: Deserialize<'de> + Default>(
    params: Option<&mut A>,
) -> Result<T, A::Error> {
    match params {
        Some(map) => Ok(map.next_value::<Option<T>>()?.unwrap_or_default()),
        None => Ok(T::default()),
    }
}

pub(super) fn unknown_check(name: &str) -> String {
    format!(
        "unknown check `{name}`, expected one of {}",
        CHECKS
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl<'de> Deserialize<'de> for CheckConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct CheckVisitor;
        impl<'de> Visitor<'de> for CheckVisitor {
            type Value = CheckConfig;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a check name (e.g. `update-recovers`) or a one-key mapping of check name to its parameters")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CheckConfig, E> {
                struct NoParams;
                impl<'de> MapAccess<'de> for NoParams {
                    type Error = de::value::Error;
                    fn next_key_seed<K: de::DeserializeSeed<'de>>(
                        &mut self,
                        _: K,
                    ) -> Result<Option<K::Value>, Self::Error> {
                        Ok(None)
                    }
                    fn next_value_seed<V: de::DeserializeSeed<'de>>(
                        &mut self,
                        _: V,
                    ) -> Result<V::Value, Self::Error> {
                        Err(de::Error::custom("no value"))
                    }
                }
                CheckConfig::from_name::<NoParams>(v, None).map_err(|e| E::custom(e.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CheckConfig, A::Error> {
                let Some(name) = map.next_key::<String>()? else {
                    return Err(de::Error::custom("empty mapping: expected a check name"));
                };
                let config = CheckConfig::from_name(&name, Some(&mut map))?;
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "one check per list item: found `{extra}` after `{name}` (start it with its own `- `)"
                    )));
                }
                Ok(config)
            }
        }
        d.deserialize_any(CheckVisitor)
    }
}

#[cfg(test)]
mod schema_tests {
    //! The shipped schema, generated from the spec grammar and this registry's parameter types.
    use std::path::{Path, PathBuf};

    use super::CheckConfig;

    fn schema_json() -> String {
        crate::spec::schema_json::<CheckConfig>()
    }

    const SHIPPED: &str = "specs/swgate-spec.schema.json";

    fn repo() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn validator() -> jsonschema::Validator {
        let schema: serde_json::Value = serde_json::from_str(&schema_json()).unwrap();
        jsonschema::draft7::new(&schema).expect("the schema is valid draft-07")
    }

    /// The errors the schema finds in YAML `source`, one line each.
    fn schema_errors(source: &str) -> Vec<String> {
        let yaml: serde_json::Value = serde_yaml::from_str(source).expect("valid YAML");
        validator()
            .iter_errors(&yaml)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    fn bundled_specs() -> Vec<PathBuf> {
        crate::spec::discover_spec_files(&[repo().join("specs")]).unwrap()
    }

    #[test]
    fn shipped_schema_is_up_to_date() {
        let shipped = std::fs::read_to_string(repo().join(SHIPPED)).unwrap_or_default();
        assert!(
            shipped == schema_json(),
            "{SHIPPED} differs from `swgate schema`; regenerate it with\n    cargo run -- schema > {SHIPPED}"
        );
    }

    #[test]
    fn spec_discovery_skips_the_schema_file() {
        let files = bundled_specs();
        assert!(files.len() > 20, "{files:?}");
        assert!(files
            .iter()
            .all(|f| f.extension().is_some_and(|e| e == "yaml")));
    }

    #[test]
    fn every_bundled_spec_validates_and_names_the_schema() {
        for file in bundled_specs() {
            let source = std::fs::read_to_string(&file).unwrap();
            assert_eq!(
                source.lines().next(),
                Some("# yaml-language-server: $schema=./swgate-spec.schema.json"),
                "{}",
                file.display()
            );
            let errors = schema_errors(&source);
            assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
        }
    }

    #[test]
    fn schema_rejects_what_the_loader_rejects() {
        let head = "deploys: { v1: build-v1, v2: build-v2 }\n";
        for (what, checks) in [
            ("unknown check", "checks: [update-recoverz]"),
            (
                "unknown parameter",
                "checks: [{ update-recovers: { reload: 2 } }]",
            ),
            (
                "zero reloads",
                "checks: [{ update-recovers: { reloads: 0 } }]",
            ),
            (
                "negative count",
                "checks: [{ kill-switch: { navigations: -1 } }]",
            ),
            ("missing action", "checks: [version-skew]"),
            (
                "action of two keys",
                "checks: [{ update-prompt: { action: { click: a, eval: b } } }]",
            ),
            (
                "two checks in one item",
                "checks: [{ update-recovers: , caches-pruned: }]",
            ),
            ("empty checks", "checks: []"),
            (
                "bad severity",
                "checks: [{ cache-as-database: { severity: loud } }]",
            ),
            (
                "relative URL path",
                "checks: [{ no-swr-on-auth: { path: api/user } }]",
            ),
            (
                "zero timeout",
                "checks: [{ navigation-timeout: { within: 0 } }]",
            ),
        ] {
            let errors = schema_errors(&format!("{head}{checks}\n"));
            assert!(!errors.is_empty(), "{what}: `{checks}` passed the schema");
        }
        for (what, spec) in [
            (
                "unknown top-level key",
                "deploys: { v1: a }\nchekcs: [update-recovers]\n",
            ),
            (
                "deploys as a list",
                "deploys: [a, b]\nchecks: [update-recovers]\n",
            ),
            ("no deploys", "deploys: {}\nchecks: [update-recovers]\n"),
            (
                "unknown deploy key",
                "deploys: { v1: { dir: a, mark: x } }\nchecks: [update-recovers]\n",
            ),
            (
                "scheme-relative start",
                "deploys: { v1: a }\nstart: //cdn/x\nchecks: [update-recovers]\n",
            ),
        ] {
            assert!(!schema_errors(spec).is_empty(), "{what} passed the schema");
        }
    }

    #[test]
    fn schema_accepts_every_check_form() {
        let spec = "deploys: { v1: a, v2: { dir: b, marker: two } }\nversion_marker: { selector: '#v' }\nheaders:\n  - path: /assets/*\n    set: { Cache-Control: no-cache }\n    deploy: v2\nchecks:\n  - caches-pruned\n  - caches-pruned:\n  - kill-switch: { navigations: 2 }\n  - version-skew: { action: { eval: 'import(\"/a.js\")' } }\n  - worker-durable: { requests: [/api/a] }\n  - runtime-cache-bounded: { url: '/img/{i}.png', count: 5 }\n  - navigation-timeout: { within: 2.5 }\n";
        let errors = schema_errors(spec);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
