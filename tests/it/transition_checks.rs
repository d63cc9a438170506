//! The deploy-transition checks proven both ways in real Chromium: kill switch, broken deploys,
//! update prompts, version skew, worker-script freshness.

use swgate::outcome::Verdict;

use crate::util::{assert_verdict, run_specs};

#[test]
fn a_real_kill_switch_leaves_the_origin_clean_on_the_second_navigation() {
    let s = run_specs(&["specs/kill-switch.yaml"]);
    assert_verdict(
        &s,
        "kill-switch",
        Verdict::Pass,
        "new-tab: the origin was clean on new-tab visit 2 of 3 after `kill` was deployed: no \
         registration (CDP and the page agree), no caches, document from network | reload: the \
         origin was clean on reload 2 of 3 after `kill` was deployed: no registration (CDP and the \
         page agree), no caches, document from network",
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
        "new-tab: the kill switch did not reach an existing client: after 3 new-tab visits with \
         `kill` deployed, registrations: 1 per CDP, 1 per the page; caches `shell-v1` (2 \
         entries); page shows v1 (document from service worker (cache \"shell-v1\"), worker v1 \
         controls the page); Chromium's update check got 404 for /sw.js, so the old worker stays \
         in control | reload: the kill switch did not reach an existing client: after 3 reloads",
    );
}

/// Measured: after the kill worker unregisters, a navigation without `Cache-Control` on the
/// HTML is answered from the HTTP cache (v1's page, heuristically fresh for hours), which
/// registers the worker again; the origin never gets clean for a user who navigates in the open
/// tab. A reload revalidates the page and passes.
#[test]
fn a_kill_switch_undone_by_cached_html_fails() {
    let s = run_specs(&["specs/kill-switch-cached-html.yaml"]);
    assert_verdict(
        &s,
        "kill-switch",
        Verdict::Fail,
        "navigate: the kill switch did not reach an existing client: after 3 navigations with \
         `kill` deployed, registrations: 1 per CDP, 1 per the page; no caches; page shows v1 \
         (document from http cache, worker kill controls the page); v1's page came back from the \
         HTTP cache and registers the worker again: / was served without Cache-Control (host \
         preset `static`: nginx, Apache and S3 send none by default; no `headers:` rule sets \
         one) and with a Last-Modified 1w old (`last_modified_age`), so Chromium treats it as \
         fresh for 16.8 h (10 % of its age); serve HTML with `Cache-Control: no-cache` (for /: \
         in the server's config, or the spec's `headers:`), or fetch navigations in the worker \
         with `cache: 'no-cache'` | reload: passes",
    );
}

/// Chromium's promise, applied to an app that cleans up only in `activate`: a syntax error, a
/// 404, a text/plain MIME type or a failing `install` in N+1 leave the user on N, and N+2
/// reaches them.
#[test]
fn four_kinds_of_broken_deploy_leave_the_user_on_n() {
    let s = run_specs(&["specs/broken-deploys.yaml"]);
    for (line, why) in [
        (19, "(v2-syntax's worker failed to install: Uncaught SyntaxError: missing ) after argument list"),
        (20, "(Chromium's update check got 404 for /sw.js, so the old worker stays in control)"),
        (21, "(Chromium's update check got /sw.js as `text/plain`, not JavaScript, so it refuses the new worker and the old one stays in control)"),
        // Chromium's own reason plus the 404 the server sent; the worker's own lines
        // ("Cache.addAll() failed ...", "Uncaught (in promise) TypeError ...") come in any
        // order or not at all, so the message never quotes them (docs/chromium.md).
        (22, "(v2-install-fails's worker failed to install: ServiceWorker failed to handle event (event.waitUntil Promise rejected); while it installed the server answered 404 for /assets/chunk.0000dead.js)"),
    ] {
        let label = format!("broken-deploy-survives @{line}");
        let kind = "new-tab: ";
        let r = crate::util::result(&s, &label);
        let broken = r.message.split('`').nth(1).unwrap_or_default().to_string();
        assert_verdict(
            &s,
            &label,
            Verdict::Pass,
            &format!("{kind}the user kept v1 while `{broken}` was broken {why}"),
        );
        assert!(
            r.message.ends_with("then reached `v3` on reload 2 of 3")
                && r.message.contains("then reached `v3` on new-tab visit 2 of 3 | reload: "),
            "{label}: {}",
            r.message
        );
    }
}

/// An `install` that deletes the old caches before it fails leaves the old worker with nothing
/// to answer navigations from: the returning user gets an error page.
#[test]
fn cleanup_in_install_breaks_users_when_the_install_fails() {
    let s = run_specs(&["specs/broken-deploy-wipes-cache.yaml"]);
    assert_verdict(
        &s,
        "broken-deploy-survives",
        Verdict::Fail,
        "new-tab: a returning user lost the working app when the broken `v2` was deployed: the \
         new-tab visit after its worker failed showed no page: the navigation ended on Chromium's error page \
         (active worker: v1); v2's worker failed to install: ServiceWorker failed to handle \
         event (event.waitUntil Promise rejected); while it installed the server answered 404 \
         for /assets/chunk.0000dead.js | reload: a returning user lost the working app",
    );
}

#[test]
fn an_update_prompt_that_reaches_the_page_leads_to_n_plus_1() {
    let s = run_specs(&["specs/update-prompt.yaml"]);
    assert_verdict(
        &s,
        "update-prompt",
        Verdict::Pass,
        "the page offered the update while open, click `#update` activated v2's worker, and after \
         the app reloaded the page showed v2 (document from service worker (cache \"shell-v2\"), \
         worker v2 controls the page)",
    );
}

/// The worker announces on `sw-update`, the page listens on `sw-updates`: the message never
/// arrives, the button never shows, the user is stuck behind a waiting worker.
#[test]
fn an_update_prompt_that_never_arrives_fails() {
    let s = run_specs(&["specs/update-prompt-silent.yaml"]);
    assert_verdict(
        &s,
        "update-prompt",
        Verdict::Fail,
        "the page was never told about the update: v2's worker is installed and waiting, but \
         `#update` did not appear within 5s, so the user has no way to reach v2",
    );
}

/// Hashed assets, network-first navigations and a new worker that waits for old tabs to close:
/// consistent reloads, and the tab left open under v1 still loads its lazy chunk.
#[test]
fn kept_assets_keep_reloads_consistent_and_open_tabs_working() {
    let s = run_specs(&["specs/lazy-chunks-kept.yaml"]);
    assert_verdict(
        &s,
        "version-skew",
        Verdict::Pass,
        "new-tab: every new-tab visit after v2 was deployed showed one deploy without errors \
         (new-tab visit 1: v1 (document from service worker (http cache), worker v1 controls the \
         page); new-tab visit 2: v2 (document from service worker (http cache), worker v1 \
         controls the page)), and a tab left open under v1 could still eval \
         `window.loadSettings()` | reload: every reload after v2 was deployed showed one deploy \
         without errors (reload 1: v2 (document from service worker (network), worker v1 controls \
         the page); reload 2: v2 (document from service worker (network), worker v1 controls the \
         page)), and a tab left open under v1 could still eval `window.loadSettings()`",
    );
}

/// skipWaiting + clients.claim + deleting v1's cache pulls the lazy chunk out from under the
/// tab still running v1.
#[test]
fn a_takeover_that_deletes_old_caches_breaks_open_tabs() {
    let s = run_specs(&["specs/lazy-chunks-deleted.yaml"]);
    assert_verdict(
        &s,
        "version-skew",
        Verdict::Fail,
        "new-tab: a tab left open under v1 broke once v2's worker installed: eval \
         `window.loadSettings()` failed (TypeError: Failed to fetch dynamically imported module: \
         /assets/settings.6bcd9f45.js); /assets/settings.6bcd9f45.js answered 404 by service \
         worker (network)",
    );
}

/// The old worker serves its cached `/app.js` (fixed name) to v2's HTML, which imports an
/// export v1's module does not have.
#[test]
fn an_old_worker_serving_old_modules_to_new_html_fails_on_reload() {
    let s = run_specs(&["specs/module-skew.yaml"]);
    assert_verdict(
        &s,
        "version-skew",
        Verdict::Fail,
        "new-tab: new-tab visit 2 after v2 was deployed showed a page built from two deploys: a \
         mix (/ from v2, /app.js from v1) (document from service worker (http cache), worker v1 \
         controls the page); Uncaught SyntaxError: The requested module '/app.js' does not \
         provide an export named 'boot' | reload: reload 1 after v2 was deployed showed a page \
         built from two deploys: a mix (/ from v2, /app.js from v1) (document from service worker \
         (network), worker v1 controls the page); Uncaught SyntaxError: The requested module \
         '/app.js' does not provide an export named 'boot'",
    );
}

/// `no-cache` worker scripts behind the edge cache: v2 changes only the imported script, and
/// the next navigation finds it.
#[test]
fn fresh_worker_scripts_reach_users_behind_a_cdn() {
    let s = run_specs(&["specs/sw-fresh.yaml"]);
    assert_verdict(
        &s,
        "sw-script-fresh",
        Verdict::Pass,
        "the next navigation 60s after v2 was deployed found the new worker (behind a CDN): \
         /sw.js got v2's bytes from the origin (no-cache); /sw-lib.js got v2's bytes from the \
         origin (no-cache)",
    );
}

#[test]
fn day_long_caching_at_the_edge_strands_users_on_the_old_worker() {
    let s = run_specs(&["specs/sw-cached-at-edge.yaml"]);
    assert_verdict(
        &s,
        "sw-script-fresh",
        Verdict::Fail,
        "users behind a CDN keep v1's worker after v2 is deployed: the next navigation's update \
         check got stale /sw.js, /sw-lib.js and saw nothing new; /sw.js got v1's bytes from the \
         edge (max-age=86400, cacheable for 1d); /sw-lib.js got v1's copy from the browser's HTTP \
         cache (max-age=86400, cacheable for 1d)",
    );
}

/// Measured: with the default `updateViaCache: 'imports'`, Chromium answers an imported
/// script from its HTTP cache during the update check.
#[test]
fn a_cached_import_hides_the_update_from_the_browser() {
    let s = run_specs(&["specs/sw-import-cached.yaml"]);
    assert_verdict(
        &s,
        "sw-script-fresh",
        Verdict::Fail,
        "users in the browser keep v1's worker after v2 is deployed: the next navigation's update \
         check got stale /sw-lib.js and saw nothing new; /sw.js got v2's bytes from the origin \
         (no-cache); /sw-lib.js got v1's copy from the browser's HTTP cache (max-age=86400, \
         cacheable for 1d)",
    );
}

/// Measured: the same `max-age` on the main script does not stop the browser itself.
#[test]
fn the_browser_revalidates_the_main_worker_script_whatever_its_max_age() {
    let s = run_specs(&["specs/sw-cached-browser-only.yaml"]);
    assert_verdict(
        &s,
        "sw-script-fresh",
        Verdict::Pass,
        "the next navigation 60s after v2 was deployed found the new worker (in the browser): \
         /sw.js got v2's bytes from the origin (max-age=86400, cacheable for 1d)",
    );
}

/// N+1 moves the worker (`service-worker.js` → `sw.js`) and drops the old file: the update check
/// of v1's registration gets 404, Chromium keeps v1's worker, and its cache-first shell never
/// loads the v2 page that would register `sw.js`.
#[test]
fn a_moved_worker_without_the_old_url_strands_returning_users() {
    let s = run_specs(&["specs/worker-moved-404.yaml"]);
    assert_verdict(
        &s,
        "worker-url-moved",
        Verdict::Fail,
        "new-tab: v2 has no /service-worker.js, the URL v1's worker is registered from: after 1 \
         new-tab visit the page still shows v1 (document from service worker (cache \"shell-v1\"), worker v1 \
         controls the page); Chromium's update check got 404 for /service-worker.js, so the old \
         worker stays in control. Keep serving /service-worker.js in v2 as a worker that deletes \
         the old caches and calls `self.registration.unregister()` (or that imports the new \
         worker), so returning users are moved on | reload: v2 has no /service-worker.js",
    );
}

/// The fix: the old URL serves a worker that deletes the caches and unregisters; measured on
/// Chromium 156, the next reload reaches the network and shows v2.
#[test]
fn a_moved_worker_that_retires_the_old_url_reaches_returning_users() {
    let s = run_specs(&["specs/worker-moved-retired.yaml"]);
    assert_verdict(
        &s,
        "worker-url-moved",
        Verdict::Pass,
        "new-tab: reached v2 on new-tab visit 2 of 3 (v2 still serves /service-worker.js): v2 \
         (document from network, worker v2 controls the page) | reload: reached v2 on reload 2 of \
         3 (v2 still serves /service-worker.js): v2 (document from network, worker v2 controls \
         the page)",
    );
}
