//! `header-change-reaches-users`: when N+1 changes only a response header of the page (a new
//! `Content-Security-Policy`, COOP/COEP for cross-origin isolation), a returning user gets the
//! new headers within R visits.
//!
//! A worker that answers navigations from Cache Storage serves the document with the headers
//! stored beside it, and precache revisions hash bodies only, so a header-only deploy changes
//! nothing the worker sees: the old policy stays in force (angular/angular#37390,
//! GoogleChrome/workbox#3258). The headers N and N+1 send come from the fixture server's rules
//! (per-deploy `headers:`, the host's `_headers`); the headers the page got come from CDP's
//! response for its document, which for a worker's answer are the stored response's.

use serde::Deserialize;

use crate::scenario::{Scenario, ScenarioError, UpdateCheck};
use crate::spec::{BuildFacts, Spec, Suggestion, VisitKind, Visits};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};

/// Headers whose change is the deploy's business, not the page's policy: validators and the
/// fixture server's own note.
const IGNORED: &[&str] = &["etag", "last-modified", "x-swgate-rule", "date"];

/// Parameters of `header-change-reaches-users`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct HeaderChangeReachesUsers {
    /// How many visits a user may need (R, at least 1).
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 1))]
    pub reloads: u32,
    /// How the returning user comes back (`new-tab`, `reload`, `navigate`, `back-forward`), each kind judged within R visits.
    pub visits: Visits,
    /// The deploy the user installed (default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy whose headers must reach the user (default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
}

impl Default for HeaderChangeReachesUsers {
    fn default() -> Self {
        HeaderChangeReachesUsers {
            reloads: 3,
            visits: Visits::default(),
            from: DeployRef::default(),
            to: DeployRef::default(),
        }
    }
}

impl HeaderChangeReachesUsers {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// A page header N+1 changed: N's value, N+1's value (`None` when that deploy sends none),
/// and where N+1's comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// Lower-case name.
    pub name: String,
    /// What N sends.
    pub from: Option<String>,
    /// What N+1 sends.
    pub to: Option<String>,
    /// The rule behind N+1's value (or N's, when N+1 drops the header).
    pub rule: String,
}

/// One visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// 1-based.
    pub number: u32,
    /// Who answered the document (`network`, `service worker (cache "x")`).
    pub source: String,
    /// For each changed header, the value the page got.
    pub got: Vec<(String, Option<String>)>,
    /// `self.crossOriginIsolated` in the page, when COOP or COEP changed.
    pub isolated: Option<bool>,
}

/// Everything `header-change-reaches-users` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// The page's path.
    pub start: String,
    /// R.
    pub reloads: u32,
    /// How the user came back.
    pub kind: VisitKind,
    /// The headers N+1 changed on the page.
    pub changed: Vec<Changed>,
    /// The visits made (none when nothing changed).
    pub visits: Vec<Visit>,
}

impl Visit {
    fn matches(&self, changed: &[Changed]) -> bool {
        changed.iter().all(|c| {
            self.got
                .iter()
                .find(|(n, _)| *n == c.name)
                .is_some_and(|(_, v)| *v == c.to)
        })
    }
}

fn shown(v: &Option<String>) -> String {
    v.as_deref()
        .map_or_else(|| "(none)".to_string(), |v| format!("`{v}`"))
}

impl Check for HeaderChangeReachesUsers {
    const NAME: &'static str = "header-change-reaches-users";
    const ABOUT: &'static str =
        "when N+1 changes only a page header (CSP, COOP/COEP), a returning user gets it within R visits";
    const EXPECTED_SECONDS: u32 = 3;

    fn suggest(build: &BuildFacts) -> Suggestion {
        let Some(next) = build.next.first() else {
            return Suggestion::Skip;
        };
        if !build.fetch_handler || !build.host_changes.headers {
            return Suggestion::Skip;
        }
        Suggestion::bare(format!(
            "{next}'s `_headers` differs from {}'s: a returning user must get the new headers, also from the worker.",
            build.installed
        ))
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
        let start = s.spec().start.clone();
        let changed = changed_headers(s, &from, &to, &start)?;
        let mut visits = Vec::new();
        if !changed.is_empty() {
            s.note(format!(
                "{to} changes {} on {start}",
                changed
                    .iter()
                    .map(|c| format!("{}: {} → {}", c.name, shown(&c.from), shown(&c.to)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            s.install(&from).await?;
            s.deploy(&to)?;
            let isolation = changed.iter().any(|c| c.name.starts_with("cross-origin-"));
            for number in 1..=self.reloads {
                let since = s.server().log().len();
                let restored = s.revisit().await?;
                let version = s.page_version().await?;
                let got = changed
                    .iter()
                    .map(|c| {
                        let value = version
                            .document
                            .headers
                            .iter()
                            .find(|(n, _)| *n == c.name)
                            .map(|(_, v)| v.clone());
                        (c.name.clone(), value)
                    })
                    .collect();
                let isolated = if isolation {
                    s.page()
                        .evaluate_current("self.crossOriginIsolated === true")
                        .await?
                        .as_bool()
                } else {
                    None
                };
                let visit = Visit {
                    number,
                    source: version.document.source.clone(),
                    got,
                    isolated,
                };
                s.note(format!(
                    "visit {number}: document from {}; {}",
                    visit.source,
                    visit
                        .got
                        .iter()
                        .map(|(n, v)| format!("{n}: {}", shown(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                let done = visit.matches(&changed) || number == self.reloads;
                visits.push(visit);
                if done {
                    break;
                }
                if restored {
                    continue;
                }
                // A worker update may be what brings the new headers: wait for Chromium's
                // update check as update-recovers does, never a fixed pause.
                let update = s.await_update_check(since).await?;
                if update == UpdateCheck::Unchanged {
                    s.note("the worker script is unchanged: no worker update follows");
                }
            }
        }
        Ok(Observation {
            from,
            to,
            start,
            reloads: self.reloads,
            kind: s.visit_kind(),
            changed,
            visits,
        })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        if o.changed.is_empty() {
            return Judgement::CannotJudge(format!(
                "{} and {} send the same headers for {}: give {} its own (`headers:` with `deploy: {}`, or its `_headers`) to judge a header-only deploy",
                o.from, o.to, o.start, o.to, o.to
            ));
        }
        let kind = o.kind;
        if let Some(v) = o.visits.iter().find(|v| v.matches(&o.changed)) {
            let isolated = match v.isolated {
                Some(true) => " (the page is cross-origin isolated)",
                _ => "",
            };
            return Judgement::Pass(format!(
                "{}'s headers reached the page on {} {} of {}: {}{isolated}; document from {}",
                o.to,
                kind.noun(),
                v.number,
                o.reloads,
                o.changed
                    .iter()
                    .map(|c| format!("{}: {}", c.name, shown(&c.to)))
                    .collect::<Vec<_>>()
                    .join(", "),
                v.source
            ));
        }
        let Some(last) = o.visits.last() else {
            return Judgement::CannotJudge(format!("no {} was made", kind.noun()));
        };
        let stale = o
            .changed
            .iter()
            .filter_map(|c| {
                let got = last.got.iter().find(|(n, _)| *n == c.name)?.1.clone();
                (got != c.to).then(|| {
                    format!(
                        "{}: {} ({} sends {}, {})",
                        c.name,
                        shown(&got),
                        o.to,
                        shown(&c.to),
                        c.rule
                    )
                })
            })
            .collect::<Vec<_>>()
            .join("; ");
        let isolated = match last.isolated {
            Some(false) => "; the page is not cross-origin isolated",
            _ => "",
        };
        let why = if last.source.starts_with("service worker (cache") {
            format!(
                "; the worker answers {} from Cache Storage with the headers stored beside it, and a header-only deploy changes no bytes it compares: fetch navigations from the network first, or change the cached document's revision when its headers change",
                o.start
            )
        } else {
            String::new()
        };
        Judgement::Fail(format!(
            "{}'s headers never reached the page: after {} {} it still gets {stale}{isolated}; document from {}{why}",
            o.to,
            o.visits.len(),
            kind.nouns(o.visits.len()),
            last.source
        ))
    }
}

/// The page headers that differ between `from` and `to` for `path`.
fn changed_headers(
    s: &Scenario,
    from: &str,
    to: &str,
    path: &str,
) -> Result<Vec<Changed>, ScenarioError> {
    let before = s.server().headers_for(from, path)?;
    let after = s.server().headers_for(to, path)?;
    let mut names: Vec<&str> = before
        .iter()
        .chain(&after)
        .map(|(n, _, _)| n.as_str())
        .filter(|n| !IGNORED.contains(n))
        .collect();
    names.sort_unstable();
    names.dedup();
    let value = |list: &[(String, String, String)], name: &str| {
        list.iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, v, o)| (v.clone(), o.clone()))
    };
    Ok(names
        .into_iter()
        .filter_map(|name| {
            let (b, a) = (value(&before, name), value(&after, name));
            if b.as_ref().map(|x| &x.0) == a.as_ref().map(|x| &x.0) {
                return None;
            }
            let rule = a
                .as_ref()
                .or(b.as_ref())
                .map(|x| format!("from {}", x.1))
                .unwrap_or_default();
            Some(Changed {
                name: name.to_string(),
                from: b.map(|x| x.0),
                to: a.map(|x| x.0),
                rule,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation(got: Option<&str>, source: &str) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            start: "/".into(),
            reloads: 3,
            kind: VisitKind::Reload,
            changed: vec![Changed {
                name: "content-security-policy".into(),
                from: None,
                to: Some("default-src 'self'".into()),
                rule: "from the spec's `headers:`".into(),
            }],
            visits: (1..=3)
                .map(|number| Visit {
                    number,
                    source: source.into(),
                    got: vec![(
                        "content-security-policy".into(),
                        got.map(str::to_owned),
                    )],
                    isolated: None,
                })
                .collect(),
        }
    }

    #[test]
    fn passes_when_the_new_header_arrives_and_fails_naming_the_stale_one() {
        let check = HeaderChangeReachesUsers::default();
        let pass = check.judge(&observation(Some("default-src 'self'"), "network"));
        assert!(matches!(pass, Judgement::Pass(ref m) if m.starts_with("v2's headers reached the page on reload 1 of 3: content-security-policy: `default-src 'self'`")), "{pass:?}");
        let fail = check.judge(&observation(None, "service worker (cache \"shell\")"));
        assert!(matches!(fail, Judgement::Fail(ref m) if m.starts_with("v2's headers never reached the page: after 3 reloads it still gets content-security-policy: (none) (v2 sends `default-src 'self'`, from the spec's `headers:`)")), "{fail:?}");
    }
}
