//! The `Check` trait and the registry: spec name → check, parsed from YAML.
//!
//! Every check is listed once, in [`define_checks!`] below, which generates the enum, its
//! name/validate/run dispatch, the spec parser's name lookup, and each check's parameter
//! schema (for `swgate schema` and the `swgate list` table).

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::scenario::{Scenario, ScenarioError};
use crate::spec::Spec;

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

    /// Everything the check saw, in the order it saw it.
    type Observation: fmt::Debug;

    /// Drives the scenario (deploys, navigations, waits) and records what happened.
    async fn observe(&self, scenario: &mut Scenario) -> Result<Self::Observation, ScenarioError>;

    /// Decides pass or fail from the observation.
    fn judge(&self, observation: &Self::Observation) -> Judgement;
}

macro_rules! define_checks {
    ($($variant:ident($module:ident),)+) => {
        /// Name and one-line description of every check, in registry order.
        pub const CHECKS: &[(&str, &str)] = &[$((
            <super::$module::$variant as Check>::NAME,
            <super::$module::$variant as Check>::ABOUT,
        )),+];

        /// Every check's name, description and parameter schema, in registry order; the
        /// parameter schemas are references into `generator`'s definitions.
        pub(crate) fn check_schemas(generator: &mut SchemaGenerator) -> Vec<CheckSchema> {
            vec![$(CheckSchema {
                name: <super::$module::$variant as Check>::NAME,
                about: <super::$module::$variant as Check>::ABOUT,
                params: generator.subschema_for::<super::$module::$variant>(),
            }),+]
        }

        /// A check as configured in a spec.
        #[derive(Debug, Clone)]
        pub enum CheckConfig {
            $(
                #[doc = concat!("The `", stringify!($variant), "` check.")]
                $variant(super::$module::$variant),
            )+
        }

        impl CheckConfig {
            /// The check's spec name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(CheckConfig::$variant(_) => <super::$module::$variant as Check>::NAME,)+
                }
            }

            /// Roughly how long the check's scenario takes, for scheduling the longest first.
            pub fn expected_seconds(&self) -> u32 {
                match self {
                    $(CheckConfig::$variant(_) => {
                        <super::$module::$variant as Check>::EXPECTED_SECONDS
                    })+
                }
            }

            /// Validates parameters that depend on the rest of the spec (deploy names).
            pub fn validate(&self, spec: &Spec) -> Result<(), String> {
                match self {
                    $(CheckConfig::$variant(c) => c.validate(spec),)+
                }
            }

            /// Runs the check in `scenario`: observe, then judge.
            pub(crate) async fn run(
                &self,
                scenario: &mut Scenario,
            ) -> Result<Judgement, ScenarioError> {
                match self {
                    $(CheckConfig::$variant(c) => run_one(c, scenario).await,)+
                }
            }

            fn from_name<'de, A: MapAccess<'de>>(
                name: &str,
                params: Option<&mut A>,
            ) -> Result<Self, A::Error> {
                $(
                    if name == <super::$module::$variant as Check>::NAME {
                        return Ok(CheckConfig::$variant(params_or_default(params)?));
                    }
                )+
                Err(de::Error::custom(unknown_check(name)))
            }
        }
    };
}

// The registry: one line per check, in the order `swgate list` and reports show them. Each
// check's name, description and expected duration live in its own file.
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

async fn run_one<C: Check>(c: &C, s: &mut Scenario) -> Result<Judgement, ScenarioError> {
    let observation = c.observe(s).await?;
    tracing::debug!("observation: {observation:?}");
    Ok(c.judge(&observation))
}

/// A check's parameters: the mapping given, or the defaults for a bare name (`- caches-pruned`)
/// or an empty value (`- caches-pruned:`).
fn params_or_default<'de, A: MapAccess<'de>, T: Deserialize<'de> + Default>(
    params: Option<&mut A>,
) -> Result<T, A::Error> {
    match params {
        Some(map) => Ok(map.next_value::<Option<T>>()?.unwrap_or_default()),
        None => Ok(T::default()),
    }
}

fn unknown_check(name: &str) -> String {
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
