//! `storage-stays-bounded`: a returning user lives through K deploys, and the origin's storage
//! (Cache Storage, IndexedDB, service worker scripts, the rest) stays within a bound of what it
//! was after the second deploy, with no storage type growing on every deploy.
//!
//! Real apps deploy weekly for years; a cache renamed every deploy and never deleted, or an
//! IndexedDB log appended on every activation, passes every one-transition check and still
//! fills the quota. Deploy 1 is installed as usual; each later deploy is served with a
//! deploy-numbered comment appended to the worker script (so every deploy installs a new worker
//! and swgate tells them apart, even when the builds repeat), and is reached on CDP's worker
//! states (the update forced, as `caches-pruned` does: storage is the subject, not the update
//! path). After each activation Chromium's usage breakdown (`Storage.getUsageAndQuota`) is read
//! until two reads agree.

use serde::Deserialize;

use crate::scenario::{Scenario, ScenarioError, StorageUsageRead};
use crate::spec::{BuildFacts, Spec, Suggestion};
use crate::timeline::human_bytes;

use super::registry::Check;
use crate::outcome::Judgement;
use crate::spec::{resolve_first, DeployRef};

/// Parameters of `storage-stays-bounded`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a mapping of the check's parameters"
)]
pub struct StorageStaysBounded {
    /// How many deploys the returning user lives through (K, at least 3).
    #[serde(deserialize_with = "crate::spec::positive")]
    #[schemars(range(min = 3))]
    pub deploys: u32,
    /// Redeploy the `from` build every time (a new worker each deploy over the same assets)
    /// instead of cycling through the spec's deploys in order.
    pub mutate: bool,
    /// Growth allowed from deploy 2 to deploy K, in percent of the usage after deploy 2.
    pub max_growth_percent: u32,
    /// Growth allowed from deploy 2 to deploy K, in bytes (the larger of the two bounds
    /// applies).
    pub max_growth_bytes: u64,
    /// The first deploy (default: the spec's first).
    #[schemars(with = "Option<String>")]
    pub from: DeployRef,
}

impl Default for StorageStaysBounded {
    fn default() -> Self {
        StorageStaysBounded {
            deploys: 10,
            mutate: false,
            max_growth_percent: 10,
            max_growth_bytes: 64 * 1024,
            from: DeployRef::default(),
        }
    }
}

impl StorageStaysBounded {
    pub(crate) fn resolve(&mut self, spec: &Spec) -> Result<(), String> {
        if self.deploys < 3 {
            return Err(format!(
                "`deploys` must be at least 3 (the trend is judged from deploy 2 on), found {}",
                self.deploys
            ));
        }
        resolve_first(&mut self.from, spec)
    }
}

/// Growth per deploy below which a type growing at every deploy is not called a leak: 1 KiB,
/// 52 KiB over a year of weekly deploys.
const MIN_STEADY_GROWTH: u64 = 1024;

/// `n` rounded to two significant digits in the unit reports use (B, KiB, MiB). Growth is
/// reported roughly because it is measured roughly: the same hoarder's IndexedDB grew 149.6 or
/// 149.8 KiB over 8 deploys in two runs (the storage engine's own records), and a message must
/// read the same in both.
fn rounded(n: u64) -> u64 {
    let unit = [1u64 << 20, 1 << 10, 1].into_iter().find(|u| n >= *u).unwrap_or(1);
    let value = n as f64 / unit as f64;
    let step = if value >= 100.0 {
        10.0
    } else if value >= 10.0 {
        1.0
    } else {
        0.1
    };
    ((value / step).round() * step * unit as f64) as u64
}

/// [`rounded`], written as reports write bytes.
fn rough_bytes(n: u64) -> String {
    let r = rounded(n);
    if (10 << 10..1 << 20).contains(&r) {
        format!("{} KiB", r >> 10)
    } else {
        human_bytes(r)
    }
}

/// Everything `storage-stays-bounded` saw: the usage after each deploy, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// `(deploy served, usage after it)`, deploy 1 first.
    pub series: Vec<(String, StorageUsageRead)>,
}

impl Check for StorageStaysBounded {
    const NAME: &'static str = "storage-stays-bounded";
    const ABOUT: &'static str =
        "over K deploys the origin's storage stays within a bound of deploy 2's, no type growing every deploy";
    const EXPECTED_SECONDS: u32 = 25;
    const DISK_STORAGE: bool = true;

    fn suggest(_: &BuildFacts) -> Suggestion {
        // Every build init accepts has a worker, and every worker can hoard.
        Suggestion::Write {
            params: vec!["mutate: true".into()],
            why: "Storage must not grow with every deploy: 10 deploys of this build, each a new worker.".into(),
        }
    }

    type Observation = Observation;

    async fn observe(&self, s: &mut Scenario) -> Result<Observation, ScenarioError> {
        let first = self.from.name().to_string();
        let cycle: Vec<String> = if self.mutate {
            vec![first.clone()]
        } else {
            let names = &s.spec().deploys;
            let start = names.iter().position(|d| d.name == first).unwrap_or(0);
            names[start..]
                .iter()
                .chain(&names[..start])
                .map(|d| d.name.clone())
                .collect()
        };
        s.install(&first).await?;
        let mut series = vec![(first.clone(), s.storage_usage(&first).await?)];
        for generation in 2..=self.deploys {
            let base = &cycle[(generation as usize - 1) % cycle.len()];
            let label = s.deploy_mutated(base, generation)?;
            // No reload: the new worker's install and activate wrote what it keeps, and an app
            // that reloads itself on `controllerchange` (vite-plugin-pwa autoUpdate) detached
            // the page under a reload of swgate's (1 full integration run in 3).
            s.force_activate(&label).await?;
            series.push((label.clone(), s.storage_usage(&label).await?));
        }
        Ok(Observation { series })
    }

    fn judge(&self, o: &Observation) -> Judgement {
        let k = o.series.len();
        let Some(((_, second), (_, last))) = o.series.get(1).zip(o.series.last()) else {
            return Judgement::CannotJudge("fewer than two deploys were reached".into());
        };
        // Messages carry growth, never absolute usage: the same build's IndexedDB usage after
        // deploy 2 differed by 365 B between runs (the storage engine's log), while the growth
        // of each deploy was the same in every run (docs/chromium.md, "Storage and contexts").
        let base = second.usage.total();
        let bound = (base * u64::from(self.max_growth_percent) / 100).max(self.max_growth_bytes);
        let growth = last.usage.total().saturating_sub(base);
        // A type that grows at every deploy from deploy 2 on grows without end, even while the
        // total is still under the bound; below MIN_STEADY_GROWTH per deploy it is noise of the
        // storage engine (an overwritten 60-byte IndexedDB record still grew Chromium's on-disk
        // usage by ~550 B per deploy).
        let steps = &o.series[1..];
        let mut growing: Vec<String> = Vec::new();
        for (i, (name, _)) in second.usage.by_type().iter().enumerate() {
            let values: Vec<u64> = steps.iter().map(|(_, r)| r.usage.by_type()[i].1).collect();
            let mut deltas: Vec<u64> = values
                .windows(2)
                .map(|w| w[1].saturating_sub(w[0]))
                .collect();
            deltas.sort_unstable();
            let Some(&median) = deltas.get(deltas.len() / 2) else {
                return Judgement::CannotJudge(format!(
                    "only {k} deploys were reached; the trend needs at least 3"
                ));
            };
            if values.windows(2).all(|w| w[1] > w[0]) && median >= MIN_STEADY_GROWTH {
                growing.push(format!(
                    "{name} grew at each of the {} deploys after deploy 2, by about {} per deploy (median): a year of weekly deploys would add about {}",
                    deltas.len(),
                    rough_bytes(median),
                    rough_bytes(rounded(median) * 52)
                ));
            }
        }
        let caches = format!(
            "caches {} → {}, entries {} → {}",
            second.caches, last.caches, second.entries, last.entries
        );
        if growth > bound || !growing.is_empty() {
            let mut why = vec![if growth > bound {
                format!(
                    "storage grew by about {} from deploy 2 to deploy {k}, over the bound of +{}",
                    rough_bytes(growth),
                    human_bytes(bound)
                )
            } else {
                format!(
                    "storage keeps growing over {k} deploys (still within +{} of deploy 2's usage)",
                    human_bytes(bound)
                )
            }];
            why.extend(growing);
            why.push(caches);
            return Judgement::Fail(why.join("; "));
        }
        Judgement::Pass(format!(
            "storage stayed bounded over {k} deploys: within +{} of deploy 2's usage, and no storage type grew at every deploy; {caches}",
            human_bytes(bound)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::StorageUsage;

    fn read(cache: u64, idb: u64, caches: u64) -> StorageUsageRead {
        StorageUsageRead {
            usage: StorageUsage {
                cache_storage: cache,
                indexeddb: idb,
                service_workers: 4096,
                other: 0,
            },
            caches,
            entries: caches * 2,
        }
    }

    fn series(reads: Vec<StorageUsageRead>) -> Observation {
        Observation {
            series: reads
                .into_iter()
                .enumerate()
                .map(|(i, r)| (format!("v1+{}", i + 1), r))
                .collect(),
        }
    }

    #[test]
    fn a_flat_series_passes() {
        let o = series(vec![read(10_000, 20_000, 1); 10]);
        assert_eq!(
            StorageStaysBounded::default().judge(&o),
            Judgement::Pass("storage stayed bounded over 10 deploys: within +64.0 KiB of deploy 2's usage, and no storage type grew at every deploy; caches 1 → 1, entries 2 → 2".into())
        );
    }

    #[test]
    fn a_type_growing_every_deploy_fails_under_the_bound_too() {
        let o = series((0..10).map(|i| read(10_000, 20_000 + 1024 * i, 1)).collect());
        let Judgement::Fail(m) = StorageStaysBounded::default().judge(&o) else {
            panic!("expected a failure");
        };
        assert_eq!(
            m,
            "storage keeps growing over 10 deploys (still within +64.0 KiB of deploy 2's usage); IndexedDB grew at each of the 8 deploys after deploy 2, by about 1.0 KiB per deploy (median): a year of weekly deploys would add about 52 KiB; caches 1 → 1, entries 2 → 2"
        );
    }

    #[test]
    fn growth_is_reported_to_two_significant_digits() {
        assert_eq!(rough_bytes(149_600 / 1000 * 1024 + 600), "150 KiB");
        assert_eq!(rough_bytes(153_190), "150 KiB");
        assert_eq!(rough_bytes(16_853), "16 KiB");
        assert_eq!(rough_bytes(2304), "2.3 KiB");
        assert_eq!(rough_bytes(16 * 1024 * 52), "830 KiB");
        assert_eq!(rough_bytes(700), "700 B");
    }

    #[test]
    fn growth_over_the_bound_fails_even_in_steps() {
        let mut reads = vec![read(10_000, 0, 1); 10];
        reads[5] = read(200_000, 0, 5);
        reads[9] = read(200_000, 0, 5);
        let Judgement::Fail(m) = StorageStaysBounded::default().judge(&series(reads)) else {
            panic!("expected a failure");
        };
        assert_eq!(
            m,
            "storage grew by about 190 KiB from deploy 2 to deploy 10, over the bound of +64.0 KiB; caches 1 → 5, entries 2 → 10"
        );
    }
}
