//! `worker-durable`: the app's answers do not depend on the worker staying alive.
//!
//! Chromium stops a worker with nothing to do within seconds (about 30 s idle), and the next
//! event starts a fresh one: module-level variables (counters, a pending-request `Map`) start
//! over. The page makes the spec's requests twice, each time from a fresh install: once
//! normally, once with the worker stopped before every request (CDP `stopAllWorkers`, waiting
//! for the stopped state). The responses must be the same.

use serde::Deserialize;

use crate::scenario::{PageFetch, Scenario, ScenarioError};
use crate::spec::{Spec, BuildFacts, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_first, DeployRef};

/// Parameters of `worker-durable`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
// The schema marks `requests` required, as `validate` does.
#[schemars(extend("required" = ["requests"]))]
pub struct WorkerDurable {
    /// The URL paths the page requests, in order (the app's interaction).
    #[serde(deserialize_with = "crate::spec::url_paths")]
    #[schemars(with = "Vec<crate::spec::UrlPath>", length(min = 1))]
    pub requests: Vec<String>,
    /// The deploy to install (default: the first).
    #[schemars(with = "Option<String>")]
    pub deploy: DeployRef,
}

impl WorkerDurable {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        if self.requests.is_empty() {
            return Err(
                "`requests` is required: the URL paths the page requests, in order, e.g. `requests: [/api/visits, /api/visits]`"
                    .into(),
            );
        }
        resolve_first(&mut self.deploy, spec)
    }
}

/// Everything `worker-durable` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Responses with the worker left alone.
    pub normal: Vec<PageFetch>,
    /// Responses with the worker stopped before each request.
    pub stopped: Vec<PageFetch>,
}

impl Check for WorkerDurable {
    const NAME: &'static str = "worker-durable";
    const ABOUT: &'static str =
        "the page's requests get the same answers when the worker is stopped between them";
    const EXPECTED_SECONDS: u32 = 3;

    fn suggest(_: &BuildFacts) -> Suggestion {
        Suggestion::Template(&[
            "# The page's requests must get the same answers when the worker is stopped between them",
            "# (no state kept in worker globals):",
            "# - worker-durable:",
            "#     requests: [/api/visits, /api/visits]",
        ])
    }

    type Observation = Observation;

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let deploy = self.deploy.name().to_string();
        s.install(&deploy).await?;
        let mut normal = Vec::new();
        for path in &self.requests {
            normal.push(s.page_fetch(path, &[]).await?);
        }
        s.reinstall(&deploy).await?;
        let mut stopped = Vec::new();
        for path in &self.requests {
            s.stop_workers().await?;
            stopped.push(s.page_fetch(path, &[]).await?);
        }
        Ok(Observation { normal, stopped })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let show = |f: &PageFetch| format!("{} `{}`", f.status, f.body.trim());
        let differences: Vec<String> = o
            .normal
            .iter()
            .zip(&o.stopped)
            .enumerate()
            .filter(|(_, (a, b))| a.status != b.status || a.body != b.body)
            .map(|(i, (a, b))| {
                format!(
                    "request {} ({}) got {} normally but {} with the worker stopped",
                    i + 1,
                    a.path,
                    show(a),
                    show(b)
                )
            })
            .collect();
        if differences.is_empty() {
            return Judgement::Pass(format!(
                "the page got the same {} response{} whether or not the worker was stopped before each request: {}",
                o.normal.len(),
                if o.normal.len() == 1 { "" } else { "s" },
                o.normal
                    .iter()
                    .map(|f| format!("{} {}", f.path, show(f)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Judgement::Fail(format!(
            "the worker's answers depend on it staying alive, but Chromium stops idle workers within seconds and module-level state starts over: {}",
            differences.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetch(body: &str) -> PageFetch {
        PageFetch {
            path: "/api/visits".into(),
            status: 200,
            body: body.into(),
            source: "service worker".into(),
        }
    }

    #[test]
    fn fails_naming_each_request_that_differs() {
        let o = Observation {
            normal: vec![fetch(r#"{"visits":1}"#), fetch(r#"{"visits":2}"#)],
            stopped: vec![fetch(r#"{"visits":1}"#), fetch(r#"{"visits":1}"#)],
        };
        assert_eq!(
            WorkerDurable::default().judge(&o),
            Judgement::Fail(
                "the worker's answers depend on it staying alive, but Chromium stops idle workers within seconds and module-level state starts over: request 2 (/api/visits) got 200 `{\"visits\":2}` normally but 200 `{\"visits\":1}` with the worker stopped".into()
            )
        );
    }

    #[test]
    fn passes_when_the_responses_match() {
        let o = Observation {
            normal: vec![fetch(r#"{"visits":1}"#)],
            stopped: vec![fetch(r#"{"visits":1}"#)],
        };
        assert_eq!(
            WorkerDurable::default().judge(&o),
            Judgement::Pass(
                "the page got the same 1 response whether or not the worker was stopped before each request: /api/visits 200 `{\"visits\":1}`".into()
            )
        );
    }
}
