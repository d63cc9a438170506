//! The next deploy hazards (issue 15), each proven both ways in real Chromium.
//!
//! `install-under-quota`, with the origin's quota set through CDP
//! `Storage.overrideQuotaForOrigin`: a worker that precaches every file again under a new cache
//! name needs room for a second copy of itself and fails its install on a device near its
//! quota, on every visit; one keyed by revision adds only what changed.
//!
//! `update-mode-switch`: N's page against N+1's worker when the two take updates differently.
//!
//! `deploy-window`: a rollout that serves N and N+1 mixed for a while.

use swgate::outcome::Verdict;

use crate::util::{assert_message_has, assert_verdict, run_specs};

// The usage figures come from Chromium's own accounting (script and cache overheads), which
// may differ between Chromium versions: asserted by shape; the bytes an install stored are the
// files' sizes and are exact.
#[test]
fn an_install_that_refetches_everything_fails_near_the_quota_and_an_incremental_one_fits() {
    let s = run_specs(&["specs/quota-incremental.yaml"]);
    assert_verdict(
        &s,
        "install-under-quota",
        Verdict::Pass,
        "with the quota at v1's usage plus 50% of N's usage (",
    );
    assert_message_has(
        &s,
        "install-under-quota",
        "), v2's worker installed beside v1's caches: its install stored 274 B",
    );
    assert_verdict(
        &s,
        "caches-pruned",
        Verdict::Pass,
        "no cache holds v1's bytes",
    );
    let s = run_specs(&["specs/quota-refetch.yaml"]);
    assert_verdict(
        &s,
        "install-under-quota",
        Verdict::Fail,
        "with the quota at v1's usage plus 50% of N's usage (",
    );
    for part in [
        "), v2's install fails on a device near its quota (v2's worker failed to install: \
         ServiceWorker failed to handle event (event.waitUntil Promise rejected)); it failed \
         again on the next visit, and will on every visit; without the quota it installs, and \
         its install stores 266.7 KiB beside v1's ",
        "; the user stays on v1: v2 (document from service worker (network), worker v1 controls \
         the page). Precache only what changed (one cache, entries keyed by revision",
    ] {
        assert_message_has(&s, "install-under-quota", part);
    }
}

/// vite-plugin-pwa's two update modes across a release, hand-written as it builds them:
/// prompt → auto reaches v2 on the second visit of each kind with nothing clicked; auto →
/// prompt leaves v2 waiting for a `SKIP_WAITING` message v1's page never posts, so a user who
/// reloads stays on v1 (a user who left the app lets the waiting worker activate).
#[test]
fn an_update_mode_switch_strands_users_only_from_auto_to_prompt() {
    let s = run_specs(&["specs/mode-prompt-to-auto.yaml"]);
    assert_verdict(
        &s,
        "update-mode-switch",
        Verdict::Pass,
        "new-tab: a returning user on v1 (prompt) reached v2 (auto-update) on new-tab visit 2: \
         v2 (document from service worker (cache \"precache-v2\"), worker v2 controls the page) \
         | reload: a returning user on v1 (prompt) reached v2 (auto-update) on reload 2",
    );
    let s = run_specs(&["specs/mode-auto-to-prompt.yaml"]);
    assert_verdict(
        &s,
        "update-mode-switch",
        Verdict::Fail,
        "reload: a returning user on v1 (auto-update) never reaches v2 (prompt): after 3 \
         reloads the page still shows v1 (document from service worker (cache \"precache-v1\"), \
         worker v1 controls the page); v2's worker installed and waits for a `SKIP_WAITING` \
         message, and v1's page, built to update automatically, never posts one, so v2 waits \
         until every tab is closed",
    );
    assert_message_has(&s, "update-mode-switch", "| new-tab: passes");
}

/// `from: all` judges a user coming from every earlier release: an app whose v2 migrated v1's
/// cache away and whose v3 dropped that migration is clean from v2 and leaves v1's cache behind
/// for a user who skipped v2.
#[test]
fn from_all_catches_an_upgrade_that_breaks_only_from_two_releases_back() {
    let s = run_specs(&["specs/cache-scheme-changed.yaml"]);
    let verdict = |label: &str| {
        s.results
            .iter()
            .find(|r| r.label == label)
            .unwrap_or_else(|| panic!("no result labelled {label}: {:?}", s.results))
    };
    let from_v2 = verdict("caches-pruned (from v2)");
    assert_eq!(from_v2.verdict, Verdict::Pass, "{}", from_v2.message);
    let from_v1 = verdict("caches-pruned (from v1)");
    assert!(
        from_v1.verdict == Verdict::Fail
            && from_v1.message
                == "old entries pile up on users' disks: after v3's worker activated, 1 cache \
                    entry still holds v1's bytes for files v3 changed or dropped: / in \
                    `app-cache` (v1's bytes; v3 changed it)",
        "{:?}: {}",
        from_v1.verdict,
        from_v1.message
    );
    for label in ["update-recovers (from v1)", "update-recovers (from v2)"] {
        let r = verdict(label);
        assert!(
            r.verdict == Verdict::Pass && r.message.starts_with("reached v3 on reload 1 of 3"),
            "{label}: {:?} {}",
            r.verdict,
            r.message
        );
    }
    assert_eq!(s.results.len(), 4);
}

/// A rollout that is not atomic: v2's sw.js is live while v2's index.html is still v1's (and,
/// for the verified app, a seeded per-request mix of v1 and v2). A Workbox-shaped precache
/// that stores whatever answers keeps v1's page under v2's revision for good; one that checks
/// each response against its revision fails the install during the window and succeeds after.
#[test]
fn a_rollout_window_poisons_a_trusting_precache_and_not_a_verifying_one() {
    let s = run_specs(&[
        "specs/deploy-window-trusting.yaml",
        "specs/deploy-window-verified.yaml",
    ]);
    let mut seen = 0;
    for r in &s.results {
        let expected: (Verdict, &[&str]) = match (r.spec.as_str(), r.message.contains("seed 7")) {
            ("deploy-window-trusting", _) => (
                Verdict::Fail,
                &[
                    "after a rollout window of 2 visits (v2's /sw.js first, every file v1 also has still v1's), v2's caches hold what v2 does not serve: /index.html?__WB_REVISION__=3a8e6c158657a03e06da1e77dab49d75022a5f8420d9b95dd95b97e0b11861ba in cache `precache` holds v1's bytes; after 3 reloads with v2 everywhere the page still shows v1 (document from service worker (cache \"precache\"), worker v2 controls the page). The worker stored whatever answered during the rollout: check each precached response against its revision",
                ],
            ),
            ("deploy-window-verified", false) => (
                Verdict::Pass,
                &["after a rollout window of 2 visits (v2's /sw.js first, every file v1 also has still v1's), a returning user on v1 reached v2 on reload 2 with v2 everywhere, and no cache holds bytes v2 does not serve (2 entries written since the window checked against v2's files)"],
            ),
            ("deploy-window-verified", true) => (
                Verdict::Pass,
                &["after a rollout window of 3 visits (v1 and v2 mixed request by request (seed 7)), a returning user on v1 reached v2 on reload 2 with v2 everywhere"],
            ),
            other => panic!("unexpected result {other:?}"),
        };
        seen += 1;
        assert_eq!(
            r.verdict, expected.0,
            "{} › {}: {}",
            r.spec, r.check, r.message
        );
        for part in expected.1 {
            assert!(
                r.message.contains(part),
                "{} › {}: {}",
                r.spec,
                r.check,
                r.message
            );
        }
    }
    assert_eq!(seen, 3);
}
