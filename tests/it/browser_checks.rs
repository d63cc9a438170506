//! Every check proven both ways against real Chromium and the real fixture server: a fixture
//! app that passes it and one that fails it for the right reason, verdict and message.

use swgate::outcome::Verdict;

use crate::util::{assert_message_has, assert_verdict, repo, run_specs};

#[test]
fn network_first_app_passes_both_checks() {
    let s = run_specs(&["specs/network-first.yaml"]);
    assert_verdict(
        &s,
        "update-recovers",
        Verdict::Pass,
        "new-tab: reached v2 on new-tab visit 1 of 3: v2 (document from service worker (network)",
    );
    assert_message_has(
        &s,
        "update-recovers",
        " | reload: reached v2 on reload 1 of 3: v2 (document from service worker (network)",
    );
    assert_verdict(
        &s,
        "caches-pruned",
        Verdict::Pass,
        "v1's cache `shell-v1` (2 entries) was deleted when v2's worker activated; no cache holds \
         its bytes for a file v2 changed or dropped; caches now: `shell-v2` (2 entries)",
    );
}

/// Measured (Chromium 156): a user who reloads never gets v2, which waits behind the open page;
/// one who leaves and opens a new tab does, since no page holds v1's worker any more.
#[test]
fn stuck_shell_fails_update_recovers_because_v2_waits_behind_the_cached_shell() {
    let s = run_specs(&["specs/stuck-shell.yaml"]);
    assert_verdict(
        &s,
        "update-recovers",
        Verdict::Fail,
        "reload: a returning user who reloads never reaches v2: after 3 reloads the page still \
         shows v1 (document from service worker (cache \"shell-v1\"), worker v1 controls the \
         page); v2's worker installed but stays waiting (no skipWaiting, and the open page keeps \
         v1's worker in control) | new-tab: passes",
    );
    assert_verdict(
        &s,
        "caches-pruned",
        Verdict::Pass,
        "v1's cache `shell-v1` (2 entries) was deleted when v2's worker activated",
    );
}

/// The timing trap: Chromium's update check runs ~2 s after a navigation, and with
/// cache-first navigations the first reload after the update is still v1's. Waiting on the real
/// signals between reloads makes this correct app pass on reload 2, every time.
#[test]
fn cache_first_with_skip_waiting_reaches_v2_on_the_second_reload() {
    let s = run_specs(&["specs/cache-first-skip-waiting.yaml"]);
    assert_verdict(
        &s,
        "update-recovers",
        Verdict::Pass,
        "new-tab: reached v2 on new-tab visit 2 of 3: v2 (document from service worker (cache \
         \"shell-v2\"), worker v2 controls the page) | reload: reached v2 on reload 2 of 3: v2 \
         (document from service worker (cache \"shell-v2\"), worker v2 controls the page)",
    );
    assert_verdict(&s, "caches-pruned", Verdict::Pass, "v1's cache `shell-v1`");
}

#[test]
fn cache_hoarder_fails_caches_pruned_naming_the_stale_entries() {
    let s = run_specs(&["specs/cache-hoarder.yaml"]);
    assert_verdict(
        &s,
        "caches-pruned",
        Verdict::Fail,
        "old entries pile up on users' disks: after v2's worker activated, 2 cache entries still \
         hold v1's bytes for files v2 changed or dropped: / in `shell-v1` (v1's bytes; v2 changed \
         it), /assets/app.9e4c7a02.js in `shell-v1` (v1's bytes; v2 dropped it)",
    );
    assert_verdict(
        &s,
        "update-recovers",
        Verdict::Pass,
        "new-tab: reached v2 on new-tab visit 2 of 3",
    );
    assert_message_has(
        &s,
        "update-recovers",
        " | reload: reached v2 on reload 1 of 3",
    );
}

/// The spec's version marker overrides byte comparison: here the page's `#version` text.
#[test]
fn version_marker_names_the_deploy_the_page_shows() {
    let dir = tempfile::tempdir().unwrap();
    let app = repo().join("fixtures/apps/stuck-shell");
    let spec = dir.path().join("marker.yaml");
    std::fs::write(
        &spec,
        format!(
            "deploys:\n  one: {{ dir: {}, marker: v1 }}\n  two: {{ dir: {}, marker: v2 }}\n\
             version_marker:\n  selector: '#version'\nchecks:\n  - update-recovers:\n      reloads: 1\n",
            app.join("v1").display(),
            app.join("v2").display()
        ),
    )
    .unwrap();
    let s = run_specs(&[spec.to_str().unwrap()]);
    assert_verdict(
        &s,
        "update-recovers",
        Verdict::Fail,
        "new-tab: a returning user who opens the app in a new tab never reaches two: after 1 \
         new-tab visit the page still shows one (document from service worker (cache \"shell-v1\")",
    );
}

/// The same app as cache-first-skip-waiting but precaching through the HTTP cache: v2's install
/// gets v1's page (heuristically fresh: no Cache-Control, Last-Modified a day old), and v2's
/// own cache serves it. cache-first-skip-waiting (`cache: 'reload'`) is the passing twin.
#[test]
fn a_precache_filled_from_the_http_cache_keeps_users_on_v1_and_says_why() {
    let s = run_specs(&["specs/polluted-precache.yaml"]);
    assert_verdict(
        &s,
        "update-recovers",
        Verdict::Fail,
        "new-tab: a returning user who opens the app in a new tab never reaches v2: after 3 \
         new-tab visits the page still shows v1 (document from service worker (cache \
         \"shell-v2\"), worker v2 controls the page); v2's worker activated but the page still \
         does not show v2; v2's own cache holds v1's bytes for / in `shell-v2` (its install \
         fetched them through the browser's HTTP cache, which still had v1's copy): precache \
         with `new Request(url, { cache: 'reload' })`, or serve HTML with `Cache-Control: \
         no-cache` | reload: a returning user who reloads never reaches v2: after 3 reloads",
    );
}
