//! The `Check` trait and the registry: spec name → check, parsed from YAML.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::runner::{Scenario, ScenarioError};
use crate::spec::Spec;

use super::cache_as_database::CacheAsDatabase;
use super::caches_pruned::CachesPruned;
use super::navigation_network_path::NavigationNetworkPath;
use super::navigation_timeout::NavigationTimeout;
use super::no_swr_on_auth::NoSwrOnAuth;
use super::outcome::Judgement;
use super::runtime_cache_bounded::RuntimeCacheBounded;
use super::update_recovers::UpdateRecovers;
use super::wait_until::WaitUntil;
use super::worker_durable::WorkerDurable;

/// A check drives one scenario to collect observations, then judges them without the browser.
///
/// Splitting `observe` from `judge` keeps verdict logic pure: unit tests feed hand-built
/// observations, and browser tests prove the observations are what Chromium really does.
pub(crate) trait Check {
    /// Everything the check saw, in the order it saw it.
    type Observation: fmt::Debug;

    /// Drives the scenario (deploys, navigations, waits) and records what happened.
    async fn observe(&self, scenario: &mut Scenario) -> Result<Self::Observation, ScenarioError>;

    /// Decides pass or fail from the observation.
    fn judge(&self, observation: &Self::Observation) -> Judgement;
}

/// Name and one-line description of every check, in registry order.
pub const CHECKS: &[(&str, &str)] = &[
    (
        "update-recovers",
        "a returning user on N reaches N+1 within R reloads of N+1 being deployed",
    ),
    (
        "caches-pruned",
        "after N+1's worker activates, no cache created by N's worker remains",
    ),
    (
        "navigation-network-path",
        "with N cached and N+1 deployed, the next navigation reaches the server and shows N+1",
    ),
    (
        "cache-as-database",
        "no Cache Storage key is data under a URL that no deploy file or server endpoint answers",
    ),
    (
        "runtime-cache-bounded",
        "K distinct runtime requests later, every cache and the origin's Cache Storage usage stay within limits",
    ),
    (
        "navigation-timeout",
        "with the start page's network stalled (no headers, or a stalled body), the page loads from cache within T",
    ),
    (
        "no-swr-on-auth",
        "per-user responses follow the signed-in user and are never stale (no shared stale-while-revalidate)",
    ),
    (
        "worker-durable",
        "the page's requests get the same answers when the worker is stopped between them",
    ),
    (
        "wait-until",
        "work the worker does after answering survives Chromium ending idle workers",
    ),
];

/// A check as configured in a spec.
#[derive(Debug, Clone)]
pub enum CheckConfig {
    /// `update-recovers`.
    UpdateRecovers(UpdateRecovers),
    /// `caches-pruned`.
    CachesPruned(CachesPruned),
    /// `navigation-network-path`.
    NavigationNetworkPath(NavigationNetworkPath),
    /// `cache-as-database`.
    CacheAsDatabase(CacheAsDatabase),
    /// `runtime-cache-bounded`.
    RuntimeCacheBounded(RuntimeCacheBounded),
    /// `navigation-timeout`.
    NavigationTimeout(NavigationTimeout),
    /// `no-swr-on-auth`.
    NoSwrOnAuth(NoSwrOnAuth),
    /// `worker-durable`.
    WorkerDurable(WorkerDurable),
    /// `wait-until`.
    WaitUntil(WaitUntil),
}

impl CheckConfig {
    /// The check's spec name.
    pub fn name(&self) -> &'static str {
        match self {
            CheckConfig::UpdateRecovers(_) => "update-recovers",
            CheckConfig::CachesPruned(_) => "caches-pruned",
            CheckConfig::NavigationNetworkPath(_) => "navigation-network-path",
            CheckConfig::CacheAsDatabase(_) => "cache-as-database",
            CheckConfig::RuntimeCacheBounded(_) => "runtime-cache-bounded",
            CheckConfig::NavigationTimeout(_) => "navigation-timeout",
            CheckConfig::NoSwrOnAuth(_) => "no-swr-on-auth",
            CheckConfig::WorkerDurable(_) => "worker-durable",
            CheckConfig::WaitUntil(_) => "wait-until",
        }
    }

    /// Validates parameters that depend on the rest of the spec (deploy names).
    pub fn validate(&self, spec: &Spec) -> Result<(), String> {
        match self {
            CheckConfig::UpdateRecovers(c) => c.validate(spec),
            CheckConfig::CachesPruned(c) => c.validate(spec),
            CheckConfig::NavigationNetworkPath(c) => c.validate(spec),
            CheckConfig::CacheAsDatabase(c) => c.validate(spec),
            CheckConfig::RuntimeCacheBounded(c) => c.validate(spec),
            CheckConfig::NavigationTimeout(c) => c.validate(spec),
            CheckConfig::NoSwrOnAuth(c) => c.validate(spec),
            CheckConfig::WorkerDurable(c) => c.validate(spec),
            CheckConfig::WaitUntil(c) => c.validate(spec),
        }
    }

    /// Runs the check in `scenario`: observe, then judge.
    pub(crate) async fn run(&self, scenario: &mut Scenario) -> Result<Judgement, ScenarioError> {
        async fn run_one<C: Check>(c: &C, s: &mut Scenario) -> Result<Judgement, ScenarioError> {
            let observation = c.observe(s).await?;
            tracing::debug!("observation: {observation:?}");
            Ok(c.judge(&observation))
        }
        match self {
            CheckConfig::UpdateRecovers(c) => run_one(c, scenario).await,
            CheckConfig::CachesPruned(c) => run_one(c, scenario).await,
            CheckConfig::NavigationNetworkPath(c) => run_one(c, scenario).await,
            CheckConfig::CacheAsDatabase(c) => run_one(c, scenario).await,
            CheckConfig::RuntimeCacheBounded(c) => run_one(c, scenario).await,
            CheckConfig::NavigationTimeout(c) => run_one(c, scenario).await,
            CheckConfig::NoSwrOnAuth(c) => run_one(c, scenario).await,
            CheckConfig::WorkerDurable(c) => run_one(c, scenario).await,
            CheckConfig::WaitUntil(c) => run_one(c, scenario).await,
        }
    }

    fn from_name<'de, A: MapAccess<'de>>(
        name: &str,
        params: Option<&mut A>,
    ) -> Result<Self, A::Error> {
        fn params_or_default<'de, A: MapAccess<'de>, T: Deserialize<'de> + Default>(
            params: Option<&mut A>,
        ) -> Result<T, A::Error> {
            match params {
                Some(map) => Ok(map.next_value::<Option<T>>()?.unwrap_or_default()),
                None => Ok(T::default()),
            }
        }
        match name {
            "update-recovers" => Ok(CheckConfig::UpdateRecovers(params_or_default(params)?)),
            "caches-pruned" => Ok(CheckConfig::CachesPruned(params_or_default(params)?)),
            "navigation-network-path" => Ok(CheckConfig::NavigationNetworkPath(params_or_default(
                params,
            )?)),
            "cache-as-database" => Ok(CheckConfig::CacheAsDatabase(params_or_default(params)?)),
            "runtime-cache-bounded" => {
                Ok(CheckConfig::RuntimeCacheBounded(params_or_default(params)?))
            }
            "navigation-timeout" => Ok(CheckConfig::NavigationTimeout(params_or_default(params)?)),
            "no-swr-on-auth" => Ok(CheckConfig::NoSwrOnAuth(params_or_default(params)?)),
            "worker-durable" => Ok(CheckConfig::WorkerDurable(params_or_default(params)?)),
            "wait-until" => Ok(CheckConfig::WaitUntil(params_or_default(params)?)),
            other => Err(de::Error::custom(unknown_check(other))),
        }
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
