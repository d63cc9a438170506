//! `update-mode-switch`: when N and N+1 disagree on how an update is taken (N built to update
//! automatically and N+1 to prompt, or the reverse), a returning user still reaches N+1 with
//! nothing but N's own page, and no same-origin request fails on the way.
//!
//! vite-plugin-pwa's `registerType` decides both halves: `autoUpdate` workers call
//! `skipWaiting()` themselves and the page reloads on `controllerchange`; `prompt` workers wait
//! for the page to post `SKIP_WAITING` from its banner. A release that switches the mode runs
//! N's page against N+1's worker: an auto page never posts the message a prompt worker waits
//! for, so N+1 waits until every tab is closed (vite-pwa/vite-plugin-pwa#721, #743, #228;
//! nolanlawson/pinafore#1257). swgate drives no DevTools `skipWaiting` and closes no tab: the
//! user only comes back, the way the spec's visit kinds say.

use serde::Deserialize;

use crate::scenario::{ReloadRun, Scenario, ScenarioError, UpdateCheck};
use crate::spec::{BuildFacts, Spec, Suggestion, VisitKind, Visits};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// What a prompt-mode worker waits for (vite-plugin-pwa's and Workbox's convention).
const SKIP_WAITING: &str = "SKIP_WAITING";

/// Parameters of `update-mode-switch`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct UpdateModeSwitch {
    /// The deploy the user installed (N; default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy that must reach the user (N+1; default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
    /// Visits (of each kind) the user may need to reach N+1.
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub reloads: u32,
    /// How the returning user comes back (`new-tab`, `reload`, `navigate`, `back-forward`), each kind judged with a fresh user.
    pub visits: Visits,
}

impl Default for UpdateModeSwitch {
    fn default() -> Self {
        UpdateModeSwitch {
            from: DeployRef::default(),
            to: DeployRef::default(),
            reloads: 3,
            visits: Visits::default(),
        }
    }
}

impl UpdateModeSwitch {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// How a deploy takes updates, read from its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The worker waits for the page to post `SKIP_WAITING`.
    Prompt,
    /// The worker calls `skipWaiting()` by itself.
    Auto,
    /// Neither: the worker waits for every tab to close.
    Wait,
}

impl Mode {
    fn describe(self) -> &'static str {
        match self {
            Mode::Prompt => "prompt (its worker waits for the page to post `SKIP_WAITING`)",
            Mode::Auto => "auto-update (its worker skips waiting by itself)",
            Mode::Wait => "wait (its worker never skips waiting)",
        }
    }
}

/// Everything `update-mode-switch` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// N's update mode.
    pub from_mode: Mode,
    /// N+1's update mode.
    pub to_mode: Mode,
    /// Whether N's page scripts post `SKIP_WAITING`.
    pub from_page_posts: bool,
    /// The visits.
    pub run: ReloadRun,
    /// Same-origin requests the server answered with an error status after N+1 was deployed.
    pub failed: Vec<String>,
    /// R.
    pub reloads: u32,
}

impl Check for UpdateModeSwitch {
    const NAME: &'static str = "update-mode-switch";
    const ABOUT: &'static str =
        "when N and N+1 take updates differently (prompt vs auto-update), N's page alone still brings N+1, with no failed request";
    const EXPECTED_SECONDS: u32 = 8;

    fn suggest(build: &BuildFacts) -> Suggestion {
        if build.next.is_empty() {
            return Suggestion::Skip;
        }
        Suggestion::Template(&[
            "# If the next release changes how updates are taken (vite-plugin-pwa `registerType`",
            "# prompt <-> autoUpdate), the old page alone must still bring the new release:",
            "# - update-mode-switch: { reloads: 3 }",
        ])
    }

    fn visits(&self) -> &[VisitKind] {
        self.visits.kinds()
    }

    type Observation = Observation;

    fn transition(&mut self) -> Option<(&mut DeployRef, &mut DeployRef)> {
        Some((&mut self.from, &mut self.to))
    }

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let (from, to) = (self.from.name().to_string(), self.to.name().to_string());
        let sw = s.spec().service_worker.clone();
        let deploys = s.server().deploys().clone();
        let mode_of = |deploy: &str| {
            deploys
                .get(deploy)
                .ok()
                .and_then(|d| d.lookup(&sw).map(|f| worker_mode(&String::from_utf8_lossy(&f.bytes))))
                .unwrap_or(Mode::Wait)
        };
        let from_page_posts = deploys.get(&from).is_ok_and(|d| {
            d.files.iter().any(|(path, f)| {
                path != &sw
                    && (path.ends_with(".js") || path.ends_with(".mjs") || path.ends_with(".html"))
                    && posts_skip_waiting(&String::from_utf8_lossy(&f.bytes))
            })
        });
        let (from_mode, to_mode) = (mode_of(&from), mode_of(&to));
        s.note(format!(
            "update modes: {from} {}, {to} {}",
            from_mode.describe(),
            to_mode.describe()
        ));
        s.install(&from).await?;
        s.deploy(&to)?;
        let since = s.server().log().len();
        let run = s.reload_until(&to, self.reloads).await?;
        // Each failure once, sorted: how often a visit repeats a request is not the point.
        let failed = s
            .server()
            .log()
            .errors_since(since)
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(Observation {
            from,
            to,
            from_mode,
            to_mode,
            from_page_posts,
            run,
            failed,
            reloads: self.reloads,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let noun = o.run.kind.noun();
        let reached = o.run.reached(&o.to);
        let failed = if o.failed.is_empty() {
            String::new()
        } else {
            format!("; the server answered {}", o.failed.join(", "))
        };
        match reached {
            Some(a) if o.failed.is_empty() => Judgement::Pass(format!(
                "a returning user on {} ({}) reached {} ({}) on {noun} {}: {}",
                o.from,
                mode_word(o.from_mode),
                o.to,
                mode_word(o.to_mode),
                a.reload,
                a.description
            )),
            Some(a) => Judgement::Fail(format!(
                "a returning user on {} ({}) reached {} ({}) on {noun} {}, but requests failed on the way{failed}: the switch broke files a page still needed",
                o.from,
                mode_word(o.from_mode),
                o.to,
                mode_word(o.to_mode),
                a.reload
            )),
            None => {
                let last = o
                    .run
                    .attempts
                    .last()
                    .map_or("nothing", |a| a.description.as_str());
                let why = match (&o.run.last_update, o.to_mode, o.from_page_posts) {
                    (Some(UpdateCheck::Waiting), Mode::Prompt, false) => format!(
                        "; {}'s worker installed and waits for a `{SKIP_WAITING}` message, and {}'s page, built to {}, never posts one, so {} waits until every tab is closed: ship the mode switch with a worker that still calls `self.skipWaiting()` on its own for one release, or keep {}'s mode",
                        o.to,
                        o.from,
                        if o.from_mode == Mode::Auto { "update automatically" } else { "wait" },
                        o.to,
                        o.from
                    ),
                    (Some(UpdateCheck::Waiting), _, _) => format!(
                        "; {}'s worker installed and waits, and nothing on {}'s page makes it take over",
                        o.to, o.from
                    ),
                    _ => String::new(),
                };
                Judgement::Fail(format!(
                    "a returning user on {} ({}) never reaches {} ({}): after {} {} the page still shows {last}{why}{failed}{}",
                    o.from,
                    mode_word(o.from_mode),
                    o.to,
                    mode_word(o.to_mode),
                    o.reloads,
                    o.run.kind.nouns(o.reloads as usize),
                    o.run.http_cache_clause()
                ))
            }
        }
    }
}

fn mode_word(mode: Mode) -> &'static str {
    match mode {
        Mode::Prompt => "prompt",
        Mode::Auto => "auto-update",
        Mode::Wait => "waits for tabs to close",
    }
}

/// A worker's update mode from its source: `SKIP_WAITING` handled → prompt; `skipWaiting()`
/// called otherwise → auto; neither → wait.
fn worker_mode(source: &str) -> Mode {
    if source.contains(SKIP_WAITING) {
        Mode::Prompt
    } else if source.contains("skipWaiting(") {
        Mode::Auto
    } else {
        Mode::Wait
    }
}

/// Whether a page script posts `SKIP_WAITING` to a worker.
fn posts_skip_waiting(source: &str) -> bool {
    source.contains(SKIP_WAITING) && source.contains("postMessage")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Attempt;

    fn attempt(reload: u32, shown: &str) -> Attempt {
        Attempt {
            reload,
            shown: Some(shown.into()),
            description: format!("{shown} (document from service worker (cache \"precache-v1\"))"),
            ambiguous: false,
            restored: false,
        }
    }

    #[test]
    fn modes_are_read_from_the_sources() {
        assert_eq!(
            worker_mode("addEventListener('message', e => { if (e.data.type === 'SKIP_WAITING') self.skipWaiting() })"),
            Mode::Prompt
        );
        assert_eq!(worker_mode("self.skipWaiting();"), Mode::Auto);
        assert_eq!(worker_mode("caches.open('x')"), Mode::Wait);
        assert!(posts_skip_waiting("w.postMessage({ type: 'SKIP_WAITING' })"));
        assert!(!posts_skip_waiting("location.reload()"));
    }

    #[test]
    fn an_auto_page_under_a_prompt_worker_fails_naming_the_missing_message() {
        let check = UpdateModeSwitch::default();
        let o = Observation {
            from: "v1".into(),
            to: "v2".into(),
            from_mode: Mode::Auto,
            to_mode: Mode::Prompt,
            from_page_posts: false,
            run: ReloadRun {
                kind: VisitKind::Reload,
                attempts: (1..=3).map(|i| attempt(i, "v1")).collect(),
                last_update: Some(UpdateCheck::Waiting),
                http_cache: None,
            },
            failed: vec![],
            reloads: 3,
        };
        let fail = check.judge(&o);
        assert!(
            matches!(fail, Judgement::Fail(ref m) if m.starts_with("a returning user on v1 (auto-update) never reaches v2 (prompt): after 3 reloads the page still shows v1 (document from service worker (cache \"precache-v1\")); v2's worker installed and waits for a `SKIP_WAITING` message, and v1's page, built to update automatically, never posts one")),
            "{fail:?}"
        );
        let mut passing = o.clone();
        passing.run.attempts = vec![attempt(1, "v1"), attempt(2, "v2")];
        assert!(matches!(check.judge(&passing), Judgement::Pass(ref m) if m.starts_with("a returning user on v1 (auto-update) reached v2 (prompt) on reload 2")));
        passing.failed = vec!["404 for /assets/old.js".into()];
        assert!(matches!(check.judge(&passing), Judgement::Fail(ref m) if m.contains("the server answered 404 for /assets/old.js")));
    }
}
