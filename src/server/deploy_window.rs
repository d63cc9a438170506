//! A non-atomic rollout: for a while the server answers some requests from N and others from
//! N+1, the way a CDN that propagates file by file or replicas that roll one by one do
//! (GoogleChrome/workbox#3286, angular/angular#23613).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::deploy_set::DeployFiles;

/// How the window mixes N and N+1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowMix {
    /// N+1's worker script and the named manifests are live while every file N also has is
    /// still N's: a CDN that propagated the small, uncached files first. Files only N+1 has
    /// (new hashed assets) are N+1's, as every rollout uploads new files before it overwrites
    /// old ones.
    WorkerFirst {
        /// The paths N+1 answers (the worker script first, then manifests such as `/ngsw.json`).
        first: Vec<String>,
    },
    /// Each request goes to N or N+1 by a choice seeded with `seed`, keyed by the path and how
    /// many times that path was asked for in the window: rolling replicas behind a balancer.
    /// Keying by path keeps a path's answers reproducible however Chromium interleaves paths.
    Seeded {
        /// The seed (printed in the scenario's notes).
        seed: u64,
    },
}

/// The deploys of a window and the per-path request counts the seeded choice keys on.
pub struct DeployWindow {
    from: Arc<DeployFiles>,
    to: Arc<DeployFiles>,
    mix: WindowMix,
    asked: Mutex<HashMap<String, u64>>,
}

impl DeployWindow {
    pub(crate) fn new(from: Arc<DeployFiles>, to: Arc<DeployFiles>, mix: WindowMix) -> Self {
        DeployWindow {
            from,
            to,
            mix,
            asked: Mutex::default(),
        }
    }

    /// The deploy that answers a request for `path` (no query).
    pub(crate) fn pick(&self, path: &str) -> Arc<DeployFiles> {
        let to = match &self.mix {
            WindowMix::WorkerFirst { first } => {
                first.iter().any(|p| p == path)
                    || (self.from.served(path).is_none() && self.to.served(path).is_some())
            }
            WindowMix::Seeded { seed } => {
                let mut asked = self.asked.lock().unwrap_or_else(|p| p.into_inner());
                let n = asked.entry(path.to_string()).or_insert(0);
                let choice = seeded_choice(*seed, path, *n);
                *n += 1;
                choice
            }
        };
        if to {
            self.to.clone()
        } else {
            self.from.clone()
        }
    }
}

/// Whether the `n`th request for `path` in a window seeded with `seed` goes to N+1: FNV-1a over
/// the path, mixed with the seed and `n` by SplitMix64's finaliser. Stable across platforms and
/// releases (no `std` hasher, whose output may change).
pub fn seeded_choice(seed: u64, path: &str, n: u64) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z =
        h ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ n.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    z & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_choice_is_reproducible_and_mixes() {
        let a: Vec<bool> = (0..64).map(|n| seeded_choice(7, "/sw.js", n)).collect();
        let b: Vec<bool> = (0..64).map(|n| seeded_choice(7, "/sw.js", n)).collect();
        assert_eq!(a, b);
        let to = a.iter().filter(|t| **t).count();
        assert!((16..=48).contains(&to), "{to} of 64 went to N+1");
        let other: Vec<bool> = (0..64).map(|n| seeded_choice(8, "/sw.js", n)).collect();
        assert_ne!(a, other, "another seed mixes differently");
        // Pinned: a change here changes every seeded spec's verdicts.
        assert_eq!(
            (0..8)
                .map(|n| if seeded_choice(1, "/index.html", n) {
                    '1'
                } else {
                    '0'
                })
                .collect::<String>(),
            PINNED
        );
    }

    const PINNED: &str = "10010011";
}
