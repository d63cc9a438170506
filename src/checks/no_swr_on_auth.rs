//! `no-swr-on-auth`: per-user responses follow the signed-in user and are never stale.
//!
//! The fixture server serves a per-user JSON document at the spec's path, the user read from a
//! `session` cookie or an `Authorization: Bearer` header. The page loads it as user A, then as
//! user B, then again as B after the data changed. A worker that answers it
//! stale-while-revalidate keys the cache by URL alone: B is shown A's data, then stale data.

use serde::Deserialize;

use crate::scenario::{PageFetch, Scenario, ScenarioError, UserFrom, SESSION_COOKIE};
use crate::spec::{Spec, BuildFacts, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_first, DeployRef};

/// How the scenario signs a user in.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// A `session=<user>` cookie.
    #[default]
    Cookie,
    /// An `Authorization: Bearer <user>` header on the page's request.
    Authorization,
}

/// Parameters of `no-swr-on-auth`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NoSwrOnAuth {
    /// The per-user endpoint's URL path.
    #[serde(deserialize_with = "crate::spec::url_path")]
    #[schemars(with = "crate::spec::UrlPath")]
    pub path: String,
    /// `cookie` (default) or `authorization`.
    pub auth: Auth,
    /// The deploy to install (default: the first).
    #[schemars(with = "Option<String>")]
    pub deploy: DeployRef,
}

impl Default for NoSwrOnAuth {
    fn default() -> Self {
        NoSwrOnAuth {
            path: "/api/user".into(),
            auth: Auth::Cookie,
            deploy: DeployRef::default(),
        }
    }
}

impl NoSwrOnAuth {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_first(&mut self.deploy, spec)
    }
}

/// The users the scenario signs in, in order.
const USERS: [&str; 2] = ["alice", "bob"];

/// One load of the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    /// Who was signed in.
    pub user: String,
    /// The data generation the server held at the time.
    pub generation: u64,
    /// What the page got.
    pub fetch: PageFetch,
}

impl Load {
    fn got(&self) -> (Option<String>, Option<u64>) {
        let v: serde_json::Value = serde_json::from_str(&self.fetch.body).unwrap_or_default();
        (
            v["user"].as_str().map(str::to_owned),
            v["generation"].as_u64(),
        )
    }

    fn describe(&self) -> String {
        format!("`{}` from {}", self.fetch.body.trim(), self.fetch.source)
    }
}

/// Everything `no-swr-on-auth` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The endpoint.
    pub path: String,
    /// As A, as B, as B after the data changed.
    pub loads: Vec<Load>,
}

impl Check for NoSwrOnAuth {
    const NAME: &'static str = "no-swr-on-auth";
    const ABOUT: &'static str =
        "per-user responses follow the signed-in user and are never stale (no shared stale-while-revalidate)";
    const EXPECTED_SECONDS: u32 = 2;

    fn suggest(_: &BuildFacts) -> Suggestion {
        Suggestion::Template(&[
            "# Per-user responses must follow the signed-in user and never be served stale:",
            "# - no-swr-on-auth:",
            "#     path: /api/user               # an endpoint whose answer depends on who is signed in",
            "#     auth: cookie                  # or: authorization",
        ])
    }

    type Observation = Observation;

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let deploy = self.deploy.name().to_string();
        let from = match self.auth {
            Auth::Cookie => UserFrom::Cookie,
            Auth::Authorization => UserFrom::Authorization,
        };
        s.server().hooks().per_user(&self.path, from);
        s.install(&deploy).await?;
        let mut loads = Vec::new();
        for (user, generation) in [(USERS[0], 1), (USERS[1], 1), (USERS[1], 2)] {
            if generation == 2 {
                s.server().hooks().change_user_data();
                s.note(format!("changed {user}'s data on the server"));
            }
            let bearer = format!("Bearer {user}");
            let headers: Vec<(&str, &str)> = match self.auth {
                Auth::Cookie => {
                    s.page()
                        .evaluate(&format!(
                            "document.cookie = '{SESSION_COOKIE}={user}; path=/'"
                        ))
                        .await?;
                    vec![]
                }
                Auth::Authorization => vec![("Authorization", bearer.as_str())],
            };
            s.note(format!("signed in as {user}"));
            let fetch = s.page_fetch(&self.path, &headers).await?;
            loads.push(Load {
                user: user.into(),
                generation,
                fetch,
            });
        }
        Ok(Observation {
            path: self.path.clone(),
            loads,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let Some(first) = o.loads.first() else {
            return Judgement::CannotJudge("the endpoint was never loaded".into());
        };
        if first.got().0.as_deref() != Some(&*first.user) {
            return Judgement::CannotJudge(format!(
                "{} as {} did not return {}'s data, so the endpoint is not reached as swgate serves it: got {}",
                o.path,
                first.user,
                first.user,
                first.describe()
            ));
        }
        // The first problem only: whether a later load sees a background revalidation depends
        // on when the worker's cache write lands, which no signal tells, so later loads would
        // make the message vary between runs while the verdict does not.
        let problem = o.loads[1..].iter().find_map(|load| {
            let (user, generation) = load.got();
            if user.as_deref() != Some(&*load.user) {
                Some(format!(
                    "{} is answered from a cache shared by every user, so the next person on the device sees the previous user's data: signed in as {} the page got {}'s response {}",
                    o.path,
                    load.user,
                    user.as_deref().unwrap_or("nobody"),
                    load.describe()
                ))
            } else if generation != Some(load.generation) {
                Some(format!(
                    "{} is answered from a stale cache, so changes show up late: after {}'s data changed on the server (generation {}) the page still got {}",
                    o.path,
                    load.user,
                    load.generation,
                    load.describe()
                ))
            } else {
                None
            }
        });
        match problem {
            Some(p) => Judgement::Fail(p),
            None => {
                let all = o
                    .loads
                    .iter()
                    .map(|l| format!("as {}: {}", l.user, l.describe()))
                    .collect::<Vec<_>>()
                    .join("; ");
                Judgement::Pass(format!(
                    "{} followed the signed-in user and the server's latest data: {all}",
                    o.path
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(user: &str, generation: u64, body_user: &str, body_gen: u64, source: &str) -> Load {
        Load {
            user: user.into(),
            generation,
            fetch: PageFetch {
                path: "/api/user".into(),
                status: 200,
                body: format!(r#"{{"generation":{body_gen},"user":"{body_user}"}}"#),
                source: source.into(),
            },
        }
    }

    fn observation(loads: Vec<Load>) -> Observation {
        Observation {
            path: "/api/user".into(),
            loads,
        }
    }

    #[test]
    fn fails_when_the_next_user_sees_the_previous_users_data() {
        let o = observation(vec![
            load("alice", 1, "alice", 1, "service worker (network)"),
            load("bob", 1, "alice", 1, "service worker (cache \"api\")"),
            load("bob", 2, "bob", 1, "service worker (cache \"api\")"),
        ]);
        assert_eq!(
            NoSwrOnAuth::default().judge(&o),
            Judgement::Fail(
                "/api/user is answered from a cache shared by every user, so the next person on the device sees the previous user's data: signed in as bob the page got alice's response `{\"generation\":1,\"user\":\"alice\"}` from service worker (cache \"api\")".into()
            )
        );
    }

    #[test]
    fn a_stale_response_for_the_right_user_fails_as_late() {
        let o = observation(vec![
            load("alice", 1, "alice", 1, "service worker (network)"),
            load("bob", 1, "bob", 1, "service worker (network)"),
            load("bob", 2, "bob", 1, "service worker (cache \"api\")"),
        ]);
        assert!(matches!(
            NoSwrOnAuth::default().judge(&o),
            Judgement::Fail(m) if m.starts_with("/api/user is answered from a stale cache, so changes show up late: after bob's data changed")
        ));
    }

    #[test]
    fn passes_when_every_load_is_the_users_latest() {
        let o = observation(vec![
            load("alice", 1, "alice", 1, "service worker (network)"),
            load("bob", 1, "bob", 1, "service worker (network)"),
            load("bob", 2, "bob", 2, "service worker (network)"),
        ]);
        let Judgement::Pass(m) = NoSwrOnAuth::default().judge(&o) else {
            panic!("expected a pass")
        };
        assert!(
            m.starts_with("/api/user followed the signed-in user and the server's latest data: as alice: `{\"generation\":1,\"user\":\"alice\"}` from service worker (network)"),
            "{m}"
        );
    }
}
