//! `install-under-quota`: on a device near its storage quota, N+1's worker still installs, and
//! a user whose install fails keeps a working N.
//!
//! N+1's install writes its precache while N's is still stored (N's caches may go only once
//! N+1 activates). An app that downloads every file again under a new cache name needs room
//! for a second copy of itself; on a device near its quota `cache.addAll` rejects with
//! `QuotaExceededError`, the install fails, and it fails again on every visit while the user
//! stays on N (GoogleChrome/workbox#1312). Nothing tells the developer.
//!
//! swgate installs N, reads the origin's usage (CDP `Storage.getUsageAndQuota`), sets the
//! quota to that plus `headroom` (CDP `Storage.overrideQuotaForOrigin`), deploys N+1 and
//! follows Chromium's update check. When the install fails, it visits again (the failure
//! repeats), checks that N still answers, then lifts the quota and lets the install succeed to
//! measure how much room N+1's install really needed.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::scenario::{CacheContents, CachedEntry, Scenario, ScenarioError, SwState, UpdateCheck, VersionStatus};
use crate::spec::{BuildFacts, Spec, Suggestion};

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_transition, DeployRef};
use crate::timeline::human_bytes;

/// How much room the device has left beyond N's usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headroom {
    /// A share of N's own usage, in percent.
    Percent(u32),
    /// A fixed number of bytes.
    Bytes(u64),
}

impl Headroom {
    /// The bytes left for an origin that uses `usage`.
    pub fn bytes(self, usage: u64) -> u64 {
        match self {
            Headroom::Percent(p) => usage * u64::from(p) / 100,
            Headroom::Bytes(b) => b,
        }
    }

    /// Parses `50%`, `300 KiB`, `2MiB`, `65536`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let bad = || {
            format!("`headroom` must be a share of N's usage such as `50%` or a size such as `256 KiB`, found `{raw}`")
        };
        if let Some(p) = raw.strip_suffix('%') {
            return p.trim().parse().map(Headroom::Percent).map_err(|_| bad());
        }
        let split = raw
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(raw.len());
        let (number, unit) = raw.split_at(split);
        let n: u64 = number.parse().map_err(|_| bad())?;
        let scale = match unit.trim() {
            "" | "B" => 1,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            _ => return Err(bad()),
        };
        Ok(Headroom::Bytes(n * scale))
    }
}

impl std::fmt::Display for Headroom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Headroom::Percent(p) => write!(f, "{p}% of N's usage"),
            Headroom::Bytes(b) => f.write_str(&human_bytes(*b)),
        }
    }
}

impl serde::Serialize for Headroom {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Headroom::Percent(p) => s.serialize_str(&format!("{p}%")),
            Headroom::Bytes(b) => s.serialize_u64(*b),
        }
    }
}

impl<'de> Deserialize<'de> for Headroom {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Headroom;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a share of N's usage such as `50%` or a size such as `256 KiB`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Headroom, E> {
                Headroom::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Headroom, E> {
                Ok(Headroom::Bytes(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl schemars::JsonSchema for Headroom {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Headroom".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "title": "share|size",
            "description": "Room left beyond N's usage: a share of it (`50%`) or a size (`256 KiB`, `2 MiB`, bytes).",
            "oneOf": [
                { "type": "string", "pattern": "^\\s*([0-9]+\\s*%|[0-9]+\\s*(B|KiB|MiB|GiB)?)\\s*$" },
                { "type": "integer", "minimum": 0 }
            ]
        })
    }
}

/// Parameters of `install-under-quota`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct InstallUnderQuota {
    /// The deploy the user installed (N; default: the first). `all`: every deploy before `to`, one scenario each.
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
    /// The deploy whose install must fit (N+1; default: the second).
    #[schemars(with = "Option<String>")]
    pub to: DeployRef,
    /// Room the device has left beyond N's usage (default `50%` of it).
    pub headroom: Headroom,
}

impl Default for InstallUnderQuota {
    fn default() -> Self {
        InstallUnderQuota {
            from: DeployRef::default(),
            to: DeployRef::default(),
            headroom: Headroom::Percent(50),
        }
    }
}

impl InstallUnderQuota {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        resolve_transition(&mut self.from, &mut self.to, "to", spec)
    }
}

/// What became of N+1's install under the quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnderQuota {
    /// The worker script did not change: nothing installs.
    Unchanged,
    /// N+1's worker installed (and activated or waits).
    Installed {
        /// The bytes of the cache entries its install stored (by `Content-Length`).
        added: u64,
        /// Opaque responses among them.
        opaque_added: usize,
        /// Whether the origin's usage ended above the quota (padded opaque responses are
        /// checked at their own size when written, then counted padded).
        over_quota: bool,
    },
    /// N+1's install failed.
    Failed {
        /// Chromium's reason.
        reason: String,
        /// Whether the next visit's install attempt failed again.
        repeated: bool,
        /// What that next visit showed.
        page: String,
        /// Whether that visit loaded a page under N's worker.
        kept_n: bool,
        /// Once N+1 installed without the quota override (if it did): the bytes of the cache
        /// entries its install stored (by `Content-Length`).
        added: Option<u64>,
    },
}

/// Everything `install-under-quota` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// N.
    pub from: String,
    /// N+1.
    pub to: String,
    /// N's usage, all storage types (bytes).
    pub usage: u64,
    /// The headroom asked for.
    pub headroom: Headroom,
    /// The quota set: usage + headroom.
    pub quota: u64,
    /// Opaque responses in Cache Storage once N was installed.
    pub opaque: usize,
    /// What happened.
    pub outcome: UnderQuota,
}

impl Check for InstallUnderQuota {
    const NAME: &'static str = "install-under-quota";
    const ABOUT: &'static str =
        "on a device near its storage quota N+1's worker still installs, and a user whose install fails keeps N";
    const EXPECTED_SECONDS: u32 = 6;

    fn suggest(build: &BuildFacts) -> Suggestion {
        if build.next.is_empty() || !build.uses_caches {
            return Suggestion::Skip;
        }
        // A template, not an active check: on an app that keeps a release per cache name it
        // fails by design, and a team decides what headroom its users have.
        Suggestion::Template(&[
            "# The worker uses Cache Storage: on a device near its quota the next release's install",
            "# must fit beside this one's caches (room for half of the current usage by default):",
            "# - install-under-quota: { headroom: 50% }",
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
        let usage = s.storage_usage(&from).await?.usage.total();
        let before = s.page().cache_contents(&origin).await?;
        let opaque = before
            .iter()
            .flat_map(|c| &c.entries)
            .filter(|e| e.opaque)
            .count();
        let quota = usage + self.headroom.bytes(usage);
        s.page().override_quota(&origin, Some(quota)).await?;
        s.note(format!(
            "quota set to {} ({from}'s usage {} + headroom {})",
            human_bytes(quota),
            human_bytes(usage),
            human_bytes(quota - usage)
        ));
        let mut o = Observation {
            from: from.clone(),
            to: to.clone(),
            usage,
            headroom: self.headroom,
            quota,
            opaque,
            outcome: UnderQuota::Unchanged,
        };
        s.deploy(&to)?;
        let since = s.server().log().len();
        s.reload().await?;
        o.outcome = match s.await_update_check(since).await? {
            UpdateCheck::Unchanged => UnderQuota::Unchanged,
            UpdateCheck::Activated | UpdateCheck::Waiting => {
                // What the install stored is complete once it installed: entries not there
                // before, by cache and URL (activation may still be deleting N's).
                let after = s.page().cache_contents(&origin).await?;
                let opaque_added = new_entries(&before, &after).filter(|e| e.opaque).count();
                UnderQuota::Installed {
                    added: added_bytes(&before, &after),
                    opaque_added,
                    over_quota: s.storage_usage(&to).await?.usage.total() > quota,
                }
            }
            UpdateCheck::Failed(reason) => {
                // The next visit: N must still answer, and Chromium tries the install again
                // (a failed worker is retried on every update check, docs/chromium.md).
                let versions = s.sw_state().versions.len();
                let since = s.server().log().len();
                s.reload().await?;
                let version = s.page_version().await?;
                s.await_update_check(since).await?;
                let repeated = !next_install(s, versions, &to, "the next visit's").await?;
                // Lifted, the same install shows how much it stores.
                s.page().override_quota(&origin, None).await?;
                s.note("quota back to Chromium's default");
                let versions = s.sw_state().versions.len();
                let since = s.server().log().len();
                s.reload().await?;
                s.await_update_check(since).await?;
                let added = if next_install(s, versions, &to, "the unlimited").await? {
                    Some(added_bytes(&before, &s.page().cache_contents(&origin).await?))
                } else {
                    None
                };
                UnderQuota::Failed {
                    reason,
                    repeated,
                    page: version.describe(),
                    kept_n: version.load_error.is_none()
                        && version.controller.as_deref() == Some(from.as_str()),
                    added,
                }
            }
        };
        Ok(o)
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let setting = format!(
            "with the quota at {}'s usage plus {} ({} + {})",
            o.from,
            o.headroom,
            human_bytes(o.usage),
            human_bytes(o.quota - o.usage)
        );
        let opaque = if o.opaque > 0 {
            format!(
                "; {} opaque response{} in Cache Storage (Chromium counts each far above its size: cache them with CORS, or not at all)",
                o.opaque,
                if o.opaque == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        match &o.outcome {
            UnderQuota::Unchanged => Judgement::CannotJudge(format!(
                "{}'s worker script is identical to {}'s, so no new worker installs: nothing to judge under a quota",
                o.to, o.from
            )),
            UnderQuota::Installed {
                added,
                opaque_added,
                over_quota: true,
            } => Judgement::Fail(format!(
                "{setting}, {}'s worker installed, but it left the origin above its quota: its install stored {} and {opaque_added} opaque response{}, which Chromium checks at their own size when written and then counts padded, by megabytes (5.7 and 22.3 MiB measured for one 44-byte response); every later write fails, the next release's install included. Cache cross-origin responses with CORS, or not at all",
                o.to,
                human_bytes(*added),
                if *opaque_added == 1 { "" } else { "s" }
            )),
            UnderQuota::Installed { added, .. } => Judgement::Pass(format!(
                "{setting}, {}'s worker installed beside {}'s caches: its install stored {}{opaque}",
                o.to,
                o.from,
                human_bytes(*added)
            )),
            UnderQuota::Failed {
                reason,
                repeated,
                page,
                kept_n,
                added,
            } => {
                let needed = added.map_or_else(
                    || "it did not install without the quota either, so the quota is not all that fails it".to_string(),
                    |added| {
                        format!(
                            "without the quota it installs, and its install stores {} beside {}'s {}: more than the {} left",
                            human_bytes(added),
                            o.from,
                            human_bytes(o.usage),
                            human_bytes(o.quota - o.usage)
                        )
                    },
                );
                let again = if *repeated {
                    "; it failed again on the next visit, and will on every visit"
                } else {
                    "; the next visit's attempt installed"
                };
                let user = if *kept_n {
                    format!("the user stays on {}: {page}", o.from)
                } else {
                    format!("and the user did not keep a working {}: {page}", o.from)
                };
                Judgement::Fail(format!(
                    "{setting}, {}'s install fails on a device near its quota ({reason}){again}; {needed}{opaque}; {user}. Precache only what changed (one cache, entries keyed by revision, as Workbox's precache does), so an update needs room for the changed files only",
                    o.to
                ))
            }
        }
    }
}

/// Waits for the install attempt Chromium starts after an update check (a version newer than
/// the first `versions_before`) to end, activating it if it waits; `true` when it installed.
async fn next_install(
    s: &Scenario,
    versions_before: usize,
    to: &str,
    which: &str,
) -> Result<bool, ScenarioError> {
    let newer = move |st: &SwState| {
        st.versions
            .values()
            .filter(|v| v.seq >= versions_before)
            .map(|v| v.status)
            .max()
    };
    let state = s
        .wait_for_sw(&format!("{which} install attempt of {to}'s worker to end"), |st| {
            newer(st).is_some_and(|status| status >= VersionStatus::Installed)
        })
        .await?;
    match newer(&state) {
        Some(VersionStatus::Redundant) => {
            s.note(format!("{which} install attempt of {to}'s worker failed"));
            Ok(false)
        }
        Some(VersionStatus::Activated) => {
            s.note(format!("{which} install attempt of {to}'s worker installed and activated"));
            Ok(true)
        }
        _ => {
            // Installed and waiting, or activating: let it take over, so what it stores once
            // active is read, not a moment of its activation.
            s.page().skip_waiting(&s.scope()).await?;
            s.wait_for_sw(&format!("{to}'s worker to activate"), |st| {
                newer(st).is_some_and(|status| status >= VersionStatus::Activated)
            })
            .await?;
            s.note(format!("{which} install attempt of {to}'s worker installed; activated with CDP skipWaiting"));
            Ok(true)
        }
    }
}

/// The entries of `after` that were not in `before` (by cache name and URL): what an install
/// stored.
fn new_entries<'a>(
    before: &'a [CacheContents],
    after: &'a [CacheContents],
) -> impl Iterator<Item = &'a CachedEntry> + 'a {
    let known: std::collections::BTreeSet<(&str, &str)> = before
        .iter()
        .flat_map(|c| c.entries.iter().map(move |e| (c.name.as_str(), e.url.as_str())))
        .collect();
    after
        .iter()
        .flat_map(|c| c.entries.iter().map(move |e| (c.name.as_str(), e)))
        .filter(move |(name, e)| !known.contains(&(*name, e.url.as_str())))
        .map(|(_, e)| e)
}

/// The `Content-Length` bytes of [`new_entries`].
fn added_bytes(before: &[CacheContents], after: &[CacheContents]) -> u64 {
    new_entries(before, after).filter_map(|e| e.content_length).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_parses_shares_and_sizes() {
        assert_eq!(Headroom::parse("50%"), Ok(Headroom::Percent(50)));
        assert_eq!(Headroom::parse("256 KiB"), Ok(Headroom::Bytes(256 << 10)));
        assert_eq!(Headroom::parse("2MiB"), Ok(Headroom::Bytes(2 << 20)));
        assert_eq!(Headroom::parse("65536"), Ok(Headroom::Bytes(65536)));
        assert!(Headroom::parse("lots").is_err());
        assert!(Headroom::parse("5 MB").is_err());
        assert_eq!(Headroom::Percent(50).bytes(1000), 500);
    }

    fn observation(outcome: UnderQuota) -> Observation {
        Observation {
            from: "v1".into(),
            to: "v2".into(),
            usage: 300 << 10,
            headroom: Headroom::Percent(50),
            quota: 450 << 10,
            opaque: 0,
            outcome,
        }
    }

    #[test]
    fn a_failed_install_fails_with_the_room_it_needs() {
        let check = InstallUnderQuota::default();
        let fail = check.judge(&observation(UnderQuota::Failed {
            reason: "v2's worker failed to install: QuotaExceededError".into(),
            repeated: true,
            page: "v1 (document from network)".into(),
            kept_n: true,
            added: Some(300 << 10),
        }));
        assert!(
            matches!(fail, Judgement::Fail(ref m) if m.starts_with("with the quota at v1's usage plus 50% of N's usage (300.0 KiB + 150.0 KiB), v2's install fails on a device near its quota (v2's worker failed to install: QuotaExceededError); it failed again on the next visit, and will on every visit; without the quota it installs, and its install stores 300.0 KiB beside v1's 300.0 KiB: more than the 150.0 KiB left; the user stays on v1")),
            "{fail:?}"
        );
        let pass = check.judge(&observation(UnderQuota::Installed {
            added: 1 << 10,
            opaque_added: 0,
            over_quota: false,
        }));
        assert!(
            matches!(pass, Judgement::Pass(ref m) if m.ends_with("v2's worker installed beside v1's caches: its install stored 1.0 KiB")),
            "{pass:?}"
        );
        let over = check.judge(&observation(UnderQuota::Installed {
            added: 1 << 10,
            opaque_added: 1,
            over_quota: true,
        }));
        assert!(
            matches!(over, Judgement::Fail(ref m) if m.contains("v2's worker installed, but it left the origin above its quota: its install stored 1.0 KiB and 1 opaque response, which Chromium checks at their own size")),
            "{over:?}"
        );
    }
}
