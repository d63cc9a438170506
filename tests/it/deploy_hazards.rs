//! Runtime hazards a deploy brings (issue 16), each check proven both ways in real Chromium on
//! the bundled fixtures: a header-only change, a redirect on a page the worker answers, a
//! `Vary` the offline fallback trips on, and navigation preload left on by the previous
//! worker.

use swgate::outcome::Verdict;

use crate::util::{assert_message_has, assert_verdict, run_specs};

/// Byte-identical deploys; v2 adds a CSP and COOP/COEP. Network-first navigations bring them
/// (the page becomes cross-origin isolated); a worker answering from its precache keeps v1's.
#[test]
fn header_only_changes_reach_network_first_pages_and_not_precached_ones() {
    let pass = run_specs(&["specs/header-change-network.yaml"]);
    assert_verdict(
        &pass,
        "header-change-reaches-users",
        Verdict::Pass,
        "new-tab: v2's headers reached the page on new-tab visit 1 of 3: content-security-policy: \
         `default-src 'self'`, cross-origin-embedder-policy: `require-corp`, \
         cross-origin-opener-policy: `same-origin` (the page is cross-origin isolated); document \
         from service worker (network) | reload: v2's headers reached the page on reload 1 of 3",
    );
    let fail = run_specs(&["specs/header-change-cached.yaml"]);
    assert_verdict(
        &fail,
        "header-change-reaches-users",
        Verdict::Fail,
        "new-tab: v2's headers never reached the page: after 3 new-tab visits it still gets \
         content-security-policy: (none) (v2 sends `default-src 'self'`, from the spec's \
         `headers:`); cross-origin-embedder-policy: (none) (v2 sends `require-corp`, from the \
         spec's `headers:`); cross-origin-opener-policy: (none) (v2 sends `same-origin`, from \
         the spec's `headers:`); the page is not cross-origin isolated; document from service \
         worker (cache \"shell\"); the worker answers / from Cache Storage with the headers \
         stored beside it",
    );
}

/// v2 redirects `/` to `/home.html`. A worker that hands the navigation's own request to
/// `fetch` returns the redirect to the browser; one that fetches by URL follows it and
/// Chromium refuses the redirected answer (error page, `net::ERR_FAILED`). With the network
/// held, v2's worker answers from its offline copy: a copy `cache.addAll` stored through the
/// redirect is refused the same way; a clean copy loads.
#[test]
fn a_redirect_on_a_worker_served_page_breaks_only_a_worker_that_follows_it() {
    let s = run_specs(&[
        "specs/redirect-manual.yaml",
        "specs/redirect-follow.yaml",
        "specs/redirect-precached.yaml",
    ]);
    for r in &s.results {
        let (verdict, parts): (Verdict, &[&str]) = match r.spec.as_str() {
            "redirect-manual" => (
                Verdict::Pass,
                &[
                    "new-tab: v2 redirects / (301 to /home.html, redirect-manual.yaml:15 (`/` → `/home.html`)); a returning user on v1's worker got a working page on the first new-tab visit: v2",
                    "with v2's worker in control and the network held, the page loaded in",
                    "v2 (document from service worker (cache \"pages-v2\"), worker v2 controls the page)",
                ],
            ),
            "redirect-follow" => (
                Verdict::Fail,
                &["new-tab: v2 redirects / (301 to /home.html, redirect-follow.yaml:14 (`/` → `/home.html`)); a returning user on v1's worker gets no page on the first new-tab visit: the navigation ended on Chromium's error page; a navigation's redirect mode is `manual`, and Chromium refuses a worker's answer that followed a redirect"],
            ),
            "redirect-precached" => (
                Verdict::Fail,
                &["new-tab: v2 redirects / (301 to /home.html, redirect-precached.yaml:15 (`/` → `/home.html`)); a returning user on v1's worker got a working page on the first new-tab visit: v2 (document from service worker (network), worker v1 controls the page); but with v2's worker in control and the network held, the user gets no page: the navigation ended on Chromium's error page; cache `pages-v2` holds the page, and a copy `cache.add`/`addAll` stored through the redirect stays a redirected response"],
            ),
            other => panic!("unexpected spec {other}"),
        };
        assert!(
            r.verdict == verdict && parts.iter().all(|p| r.message.contains(p)),
            "{}: {:?} {}",
            r.spec,
            r.verdict,
            r.message
        );
    }
    assert_eq!(s.results.len(), 3);
}

/// v2 serves its pages with `Vary: Accept`: with the navigation held, a fallback that
/// matches the navigation's own request misses the page precached without `Accept`; one that
/// ignores `Vary` answers in about a second (the worker's 1 s timeout).
#[test]
fn a_vary_added_by_the_next_deploy_breaks_a_strict_offline_fallback() {
    let s = run_specs(&["specs/vary-ignored.yaml", "specs/vary-strict.yaml"]);
    for r in &s.results {
        let (verdict, part) = match r.spec.as_str() {
            "vary-ignored" => (Verdict::Pass, "v2 adds `Vary: Accept` to /; with v2's worker in control and the server holding the navigation, the worker's fallback answered in"),
            "vary-strict" => (Verdict::Fail, "v2 adds `Vary: Accept` to /; with v2's worker in control and the server holding the navigation, the offline fallback no longer answers: no page: the navigation ended on Chromium's error page; `cache.match` compares the headers a response varies on"),
            other => panic!("unexpected spec {other}"),
        };
        assert!(
            r.verdict == verdict && r.message.starts_with(part),
            "{}: {:?} {}",
            r.spec,
            r.verdict,
            r.message
        );
    }
}

/// v1 enables navigation preload; v2's worker fetches navigations itself. Left on, the
/// preload doubles every navigation at the server; disabled in v2's `activate`, one request.
#[test]
fn navigation_preload_left_on_doubles_every_navigation() {
    let s = run_specs(&["specs/preload-disabled.yaml"]);
    assert_verdict(
        &s,
        "navigation-preload",
        Verdict::Pass,
        "with v2's worker in control, a navigation reached the server once (0 with \
         Service-Worker-Navigation-Preload, 1 without) (navigation preload disabled)",
    );
    let s = run_specs(&["specs/preload-kept.yaml"]);
    assert_verdict(
        &s,
        "navigation-preload",
        Verdict::Fail,
        "with v2's worker in control, each navigation reaches the server 2 times (1 with \
         Service-Worker-Navigation-Preload, 1 without): navigation preload is still enabled \
         (header `true`) on the registration (v1 enabled it)",
    );
    assert_message_has(
        &s,
        "navigation-preload",
        "`self.registration.navigationPreload.disable()`",
    );
}

/// Push and background sync, proven in Chromium with its real idle termination: handlers whose
/// work is inside `event.waitUntil` outlive the 30 s idle delay (the notification shows, the
/// sync reply is cached); handlers outside it are ended at 30 s with their request open.
#[test]
fn push_and_sync_work_survives_only_inside_wait_until() {
    let s = run_specs(&[
        "specs/background-events.yaml",
        "specs/background-events-lost.yaml",
    ]);
    for r in &s.results {
        let (verdict, part) = match (r.spec.as_str(), r.check.as_str()) {
            ("background-events", "push-handled") => (Verdict::Pass, "the push message ended in a notification (\"New message\"): with its request for /api/push held open the worker stayed alive 40s (Chromium ends idle workers after 30s), and once released the handler showed it"),
            ("background-events", "sync-completes") => (Verdict::Pass, "the sync event's work landed: with its request for /api/sync held open the worker stayed alive 40s after the sync event `outbox` (Chromium ends idle workers after 30s), and once released the response was stored in cache `outbox`"),
            ("background-events-lost", "push-handled") => (Verdict::Fail, "the push message's notification is lost because the handler's work is not inside event.waitUntil: Chromium ended the idle worker"),
            ("background-events-lost", "sync-completes") => (Verdict::Fail, "the sync event's work is lost because it is not inside event.waitUntil: Chromium ended the idle worker"),
            other => panic!("unexpected result {other:?}"),
        };
        assert!(
            r.verdict == verdict && r.message.starts_with(part),
            "{} › {}: {:?} {}",
            r.spec,
            r.check,
            r.verdict,
            r.message
        );
    }
    assert_eq!(s.results.len(), 4);
}
