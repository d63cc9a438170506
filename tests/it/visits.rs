//! How a returning user comes back (`visits:`), proven in real Chromium: the table
//! (a network-first worker, HTML without `Cache-Control`, v1 installed, v2 deployed) reproduced
//! visit kind by visit kind, the HTTP-cache cause named in the failure, `last_modified_age`
//! deciding it, and a page the back/forward cache restores.

use swgate::outcome::Verdict;

use crate::util::{assert_message_has, assert_verdict, repo, result, run_specs};

/// Writes a spec for a bundled fixture app (absolute deploy paths) into `dir`.
fn spec(dir: &tempfile::TempDir, app: &str, extra: &str, checks: &str) -> String {
    let root = repo().join("fixtures/apps").join(app);
    let path = dir.path().join(format!("{app}.yaml"));
    std::fs::write(
        &path,
        format!(
            "name: {app}\ndeploys:\n  v1: {}\n  v2: {}\n{extra}checks:\n{checks}",
            root.join("v1").display(),
            root.join("v2").display()
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// The table: a navigation in the open tab and a new tab show v1 and the server sees no
/// request for the page; a reload revalidates it and shows v2. The worker's
/// `fetch(event.request)` inherits the navigation's cache mode.
#[test]
fn new_tab_and_navigate_take_the_http_cache_reload_revalidates() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_specs(&[&spec(
        &dir,
        "network-first-http-cache",
        "",
        "  - navigation-network-path:\n      visits: [navigate, new-tab, reload]\n",
    )]);
    let cause = "/ was served without Cache-Control (host preset `static`: nginx, Apache and \
                 S3 send none by default; no `headers:` rule sets one) and with a Last-Modified \
                 1w old (`last_modified_age`), so Chromium treats it as fresh for 16.8 h (10 % \
                 of its age); serve HTML with `Cache-Control: no-cache` (for /: in the server's \
                 config, or the spec's `headers:`), or fetch navigations in the worker with \
                 `cache: 'no-cache'`";
    assert_verdict(
        &s,
        "navigation-network-path",
        Verdict::Fail,
        &format!(
            "navigate: the first navigation after v2 was deployed never reached the server: the \
             browser's HTTP cache answered / (no request for it between the navigation and its \
             load event) and the page showed v1 (document from service worker (http cache), \
             worker v1 controls the page); {cause} | new-tab: the first new-tab visit after v2 \
             was deployed never reached the server: the browser's HTTP cache answered / (no \
             request for it between the new-tab visit and its load event) and the page showed \
             v1 (document from service worker (http cache), worker v1 controls the page); \
             {cause} | reload: passes"
        ),
    );
}

/// The default visits on the trap: `new-tab` strands the user for as long as the cached page
/// is fresh, `reload` reaches v2 at once; the failure names the header and the fix.
#[test]
fn update_recovers_fails_on_new_tab_and_says_why() {
    let s = run_specs(&["specs/network-first-http-cache.yaml"]);
    assert_verdict(
        &s,
        "update-recovers",
        Verdict::Fail,
        "new-tab: a returning user who opens the app in a new tab never reaches v2: after 3 \
         new-tab visits the page still shows v1 (document from service worker (http cache), \
         worker v2 controls the page); the document came from the browser's HTTP cache and \
         never reached the server: / was served without Cache-Control",
    );
    assert_message_has(&s, "update-recovers", "fresh for 16.8 h (10 % of its age)");
    assert!(result(&s, "update-recovers")
        .message
        .ends_with(" | reload: passes"));
    assert_verdict(
        &s,
        "navigation-network-path",
        Verdict::Fail,
        "new-tab: the first new-tab visit after v2 was deployed never reached the server",
    );
}

/// The passing twin: the same worker with HTML served `no-cache` (the bundled network-first
/// spec), and the trap with `last_modified_age: 0s` (no heuristic freshness left): every kind
/// reaches v2 on its first visit.
#[test]
fn no_cache_html_or_a_fresh_last_modified_reach_new_tab_users() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_specs(&[
        "specs/network-first.yaml",
        &spec(
            &dir,
            "network-first-http-cache",
            "last_modified_age: 0s\n",
            "  - update-recovers:\n      visits: [new-tab, navigate, reload]\n",
        ),
    ]);
    let nf = s
        .results
        .iter()
        .find(|r| r.spec == "network-first" && r.label == "update-recovers")
        .unwrap();
    assert!(
        nf.verdict == Verdict::Pass
            && nf
                .message
                .starts_with("new-tab: reached v2 on new-tab visit 1 of 3"),
        "{}",
        nf.message
    );
    let trap = s
        .results
        .iter()
        .find(|r| r.spec == "network-first-http-cache")
        .unwrap();
    assert_eq!(
        trap.message,
        "new-tab: reached v2 on new-tab visit 1 of 3: v2 (document from service worker \
         (network), worker v1 controls the page) | navigate: reached v2 on navigation 1 of 3: v2 \
         (document from service worker (network), worker v1 controls the page) | reload: reached \
         v2 on reload 1 of 3: v2 (document from service worker (network), worker v1 controls the \
         page)"
    );
}

/// Measured (Chromium 156): leaving for `about:blank` and going back restores the controlled
/// page from the back/forward cache, whatever the HTML's `Cache-Control` (`no-cache` here;
/// `no-store` too): nothing is loaded and no update check follows, so update-recovers fails
/// saying so (without waiting for a check that cannot come), and navigation-network-path has
/// no navigation to judge.
#[test]
fn back_forward_restores_the_page_and_no_update_check_follows() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_specs(&[&spec(
        &dir,
        "network-first",
        "headers:\n  - path: \"{/,/index.html}\"\n    set:\n      Cache-Control: no-cache\n",
        "  - update-recovers:\n      visits: [back-forward]\n  - navigation-network-path:\n      visits: [back-forward]\n",
    )]);
    assert_verdict(
        &s,
        "update-recovers",
        Verdict::Fail,
        "a returning user who comes back with the back button never reaches v2: after 3 \
         back/forward visits the page still shows v1 (document from network, worker v1 controls \
         the page), restored from the back/forward cache; the back/forward cache restored the \
         page each time, so nothing was loaded and Chromium made no update check",
    );
    assert_verdict(
        &s,
        "navigation-network-path",
        Verdict::Error,
        "the first back/forward visit after v2 was deployed loaded nothing: the back/forward \
         cache restored the page as it was (v1 (document from network, worker v1 controls the \
         page)), so there was no navigation to judge",
    );
    let steps = swgate::timeline::detail_log(&result(&s, "update-recovers").timeline).join("\n");
    assert!(
        steps.contains("no update check follows a page restored from the back/forward cache"),
        "{steps}"
    );
}

/// A worker with no fetch handler leaves navigations to the browser, as if there were none:
/// the new tab and the navigation take the HTTP cache's copy directly (`http cache`), the
/// reload reaches the server.
#[test]
fn without_a_fetch_handler_the_http_cache_answers_new_tabs_directly() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_specs(&[&spec(
        &dir,
        "no-fetch-handler",
        "",
        "  - navigation-network-path:\n      visits: [new-tab, navigate, reload]\n",
    )]);
    assert_verdict(
        &s,
        "navigation-network-path",
        Verdict::Fail,
        "new-tab: the first new-tab visit after v2 was deployed never reached the server: the \
         browser's HTTP cache answered / (no request for it between the new-tab visit and its \
         load event) and the page showed v1 (document from http cache, worker v1 controls the \
         page)",
    );
    assert_message_has(
        &s,
        "navigation-network-path",
        " | navigate: the first navigation after v2 was deployed never reached the server",
    );
    assert!(result(&s, "navigation-network-path")
        .message
        .ends_with(" | reload: passes"));
}
