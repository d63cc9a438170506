//! The next deploy hazards (issue 15), each proven both ways in real Chromium.
//!
//! `install-under-quota`, with the origin's quota set through CDP
//! `Storage.overrideQuotaForOrigin`: a worker that precaches every file again under a new cache
//! name needs room for a second copy of itself and fails its install on a device near its
//! quota, on every visit; one keyed by revision adds only what changed.
//!
//! `update-mode-switch`: N's page against N+1's worker when the two take updates differently.

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
