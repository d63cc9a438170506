//! The deploy-transition checks proven both ways in real Chromium: kill switch, broken deploys,
//! update prompts, version skew, worker-script freshness.

use swgate::checks::Verdict;

use crate::util::{assert_verdict, run_specs};

#[test]
fn a_real_kill_switch_leaves_the_origin_clean_on_the_second_navigation() {
    let s = run_specs(&["specs/kill-switch.yaml"]);
    assert_verdict(
        &s,
        "kill-switch",
        Verdict::Pass,
        "the origin was clean on navigation 2 of 3 after `kill` was deployed: no registration \
         (CDP and the page agree), no caches, document from network",
    );
}

/// Deleting sw.js is not a kill switch: the update check gets 404 and Chromium keeps the old
/// worker, which keeps answering from its cache.
#[test]
fn deleting_the_worker_script_strands_existing_clients() {
    let s = run_specs(&["specs/sw-deleted.yaml"]);
    assert_verdict(
        &s,
        "kill-switch",
        Verdict::Fail,
        "the kill switch did not reach an existing client: after 3 navigations with `kill` \
         deployed, registrations: 1 per CDP, 1 per the page; caches `shell-v1` (2 entries); \
         page shows v1 (document from service worker (cache \"shell-v1\"), worker v1 controls the \
         page); Chromium's update check got 404 for /sw.js, so the old worker stays in control",
    );
}

/// Measured: after the kill worker unregisters, a navigation without `Cache-Control` on the
/// HTML is answered from the HTTP cache (v1's page, heuristically fresh for hours), which
/// registers the worker again; the origin never gets clean.
#[test]
fn a_kill_switch_undone_by_cached_html_fails() {
    let s = run_specs(&["specs/kill-switch-cached-html.yaml"]);
    assert_verdict(
        &s,
        "kill-switch",
        Verdict::Fail,
        "the kill switch did not reach an existing client: after 3 navigations with `kill` \
         deployed, registrations: 1 per CDP, 1 per the page; no caches; page shows v1 (document \
         from http cache, worker kill controls the page); v1's page came back from the HTTP cache \
         and registers the worker again (serve HTML with `Cache-Control: no-cache`)",
    );
}
