//! `deploy-window`: a rollout that is not atomic must not leave users on a poisoned N+1.
//!
//! CDNs propagate file by file and replicas roll one by one, so for a while a returning user's
//! requests see a mix of N and N+1. A worker that precaches whatever answers stores N's bytes
//! under N+1's URL or revision and serves them until the next release
//! (GoogleChrome/workbox#3286; Angular's "Hash mismatch" degraded mode, angular/angular#23613).
//! swgate serves the mix for the visits the spec sets, then N+1 everywhere, comes back as the
//! user until the page shows N+1, and hashes every cache entry N+1's worker wrote against N+1's
//! files.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::scenario::{ReloadRun, Scenario, ScenarioError, WindowMix};
use crate::spec::{strip_query, BuildFacts, Spec, Suggestion, VisitKind};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// How the rollout window mixes N and N+1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// N+1's worker script (and the `first` paths) live while every file N also has is still
    /// N's; files only N+1 has are N+1's.
    #[default]
    WorkerFirst,
    /// Each request goes to N or N+1 by a choice seeded with `seed` (rolling replicas).
    Mixed,
}

/// Parameters of `deploy-window`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct DeployWindow {
    /// The deploy the user installed (N; default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy being rolled out (N+1; default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
    /// How the window mixes N and N+1: `worker-first` or `mixed`.
    pub mode: Mode,
    /// `worker-first`: paths N+1 answers along with the worker script (an app manifest such
    /// as `/ngsw.json`; Angular's is added by itself).
    #[serde(deserialize_with = "crate::spec::url_paths")]
    #[schemars(with = "Vec<crate::spec::UrlPath>")]
    pub first: Vec<String>,
    /// `mixed`: the seed of the per-request choice (the same seed mixes the same way).
    pub seed: u64,
    /// Visits (reloads) the returning user makes while the mix is served.
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub window: u32,
    /// Reloads after the window (N+1 everywhere) within which the page must show N+1.
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub reloads: u32,
    /// Navigations the page may make on its own (e.g. a reload on `controllerchange`) over the
    /// whole run before it counts as a reload loop.
    pub max_self_reloads: u32,
}

impl Default for DeployWindow {
    fn default() -> Self {
        DeployWindow {
            from: DeployRef::default(),
            to: DeployRef::default(),
            mode: Mode::default(),
            first: Vec::new(),
            seed: 1,
            window: 2,
            reloads: 3,
            max_self_reloads: 3,
        }
    }
}

impl DeployWindow {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        if self.mode == Mode::Mixed && !self.first.is_empty() {
            return Err(
                "`first` names what a `worker-first` window serves early; a `mixed` window mixes every path (drop `first` or use `mode: worker-first`)".into(),
            );
        }
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// A cache entry N+1's worker wrote whose bytes are not what N+1 serves at that URL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Poisoned {
    /// The cache (labelled as [`crate::browser::cache_label`] does).
    pub cache: String,
    /// The entry's URL path and query.
    pub url: String,
    /// Whose bytes it holds: N's name, or `None` for bytes neither deploy serves there.
    pub holds: Option<String>,
}

/// Everything `deploy-window` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// How the window was mixed, in words.
    pub mix: String,
    /// The visits after the window.
    pub run: ReloadRun,
    /// Entries written during or after the window holding bytes N+1 does not serve there.
    pub poisoned: Vec<Poisoned>,
    /// How many entries written during or after the window were checked against N+1's files.
    pub checked: usize,
    /// Navigations the page made on its own.
    pub self_reloads: usize,
}

impl Check for DeployWindow {
    const NAME: &'static str = "deploy-window";
    const ABOUT: &'static str =
        "a rollout that serves N and N+1 mixed for a while leaves no N bytes under N+1's URLs, and users reach N+1";
    const EXPECTED_SECONDS: u32 = 15;

    fn suggest(build: &BuildFacts) -> Suggestion {
        if build.next.is_empty() || !build.uses_caches {
            return Suggestion::Skip;
        }
        Suggestion::Template(&[
            "# A rollout that is not atomic (a CDN that propagates sw.js before index.html, replicas",
            "# that roll one by one) must not leave N's files in N+1's caches:",
            "# - deploy-window                                  # N+1's worker first",
            "# - deploy-window: { mode: mixed, seed: 1, window: 3 }  # requests mixed at random",
        ])
    }

    type Observation = Observation;

    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        Some((&mut self.from, &mut self.to))
    }

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        let origin = s.origin();
        s.install(&from).await?;
        let before: BTreeSet<(String, String)> = s
            .page()
            .cache_bodies(&origin)
            .await?
            .into_iter()
            .map(|b| (b.cache, b.url))
            .collect();
        let (mix, described) = match self.mode {
            Mode::WorkerFirst => {
                let mut first = vec![s.spec().service_worker.clone()];
                first.extend(s.app_manifest());
                for p in &self.first {
                    if !first.contains(p) {
                        first.push(p.clone());
                    }
                }
                let described = format!(
                    "{to}'s {} first, every file {from} also has still {from}'s",
                    first.join(" and ")
                );
                (WindowMix::WorkerFirst { first }, described)
            }
            Mode::Mixed => (
                WindowMix::Seeded { seed: self.seed },
                format!(
                    "{from} and {to} mixed request by request (seed {})",
                    self.seed
                ),
            ),
        };
        s.deploy_window(&from, &to, mix)?;
        s.note(format!("rollout window: {described}"));
        s.set_visit(VisitKind::Reload);
        let documents = s.page().network().documents();
        for visit in 1..=self.window {
            let since = s.server().log().len();
            s.revisit().await?;
            let shown = s.page_version().await?.describe();
            s.note(format!("window visit {visit}: the page shows {shown}"));
            // The install this check starts must end before the rollout does (see
            // docs/chromium.md, "Rollout windows"); its outcome is in the timeline.
            s.await_update_check(since).await?;
        }
        s.deploy(&to)?;
        s.note(format!("the rollout is done: {to} everywhere"));
        let run = s.reload_until(&to, self.reloads).await?;
        let visits = self.window as usize + run.attempts.len();
        let self_reloads = s
            .page()
            .network()
            .documents()
            .saturating_sub(documents + visits);

        let deploys = s.server().deploys().clone();
        let (from_files, to_files) = (deploys.get(&from)?, deploys.get(&to)?);
        let mut poisoned = Vec::new();
        let mut checked = 0;
        for b in s.page().cache_bodies(&origin).await? {
            if before.contains(&(b.cache.clone(), b.url.clone())) {
                continue;
            }
            let Some(url) = b.url.strip_prefix(&origin) else {
                continue;
            };
            let Some(file) = to_files.served(strip_query(url)) else {
                continue;
            };
            checked += 1;
            if file.bytes == b.body {
                continue;
            }
            let from_bytes = from_files
                .served(strip_query(url))
                .is_some_and(|f| f.bytes == b.body);
            poisoned.push(Poisoned {
                cache: b.cache,
                url: url.to_string(),
                holds: from_bytes.then(|| from.clone()),
            });
        }
        poisoned.sort();
        Ok(Observation {
            from,
            to,
            mix: described,
            run,
            poisoned,
            checked,
            self_reloads,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let window = format!(
            "a rollout window of {} {} ({})",
            self.window,
            if self.window == 1 { "visit" } else { "visits" },
            o.mix
        );
        let reached = o.run.reached(&o.to);
        let outcome = match reached {
            Some(a) => format!("the page reached {} on reload {}", o.to, a.reload),
            None => format!(
                "after {} {} with {} everywhere the page still shows {}",
                self.reloads,
                if self.reloads == 1 { "reload" } else { "reloads" },
                o.to,
                o.run
                    .attempts
                    .last()
                    .map_or("nothing", |a| a.description.as_str())
            ),
        };
        if !o.poisoned.is_empty() {
            let entries = o
                .poisoned
                .iter()
                .map(|p| {
                    format!(
                        "{} in cache `{}` holds {}",
                        p.url,
                        p.cache,
                        p.holds
                            .as_ref()
                            .map_or("bytes neither deploy serves there".to_string(), |d| format!(
                                "{d}'s bytes"
                            ))
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            return Judgement::Fail(format!(
                "after {window}, {}'s caches hold what {} does not serve: {entries}; {outcome}. The worker stored whatever answered during the rollout: check each precached response against its revision and fail the install on a mismatch (it is retried once the rollout is done), or make the rollout atomic (upload new files first, switch the worker script last)",
                o.to, o.to
            ));
        }
        if reached.is_none() {
            return Judgement::Fail(format!(
                "after {window}, a returning user on {} never reaches {}: {outcome}{}",
                o.from,
                o.to,
                o.run.http_cache_clause()
            ));
        }
        if o.self_reloads > self.max_self_reloads as usize {
            return Judgement::Fail(format!(
                "after {window}, the page navigated {} times on its own (at most {} allowed): it reloads between versions while the rollout mixes them",
                o.self_reloads, self.max_self_reloads
            ));
        }
        Judgement::Pass(format!(
            "after {window}, a returning user on {} reached {} on reload {} with {} everywhere, and no cache holds bytes {} does not serve ({} {} written since the window checked against {}'s files)",
            o.from,
            o.to,
            reached.map_or(0, |a| a.reload),
            o.to,
            o.to,
            o.checked,
            if o.checked == 1 { "entry" } else { "entries" },
            o.to
        ))
    }
}
