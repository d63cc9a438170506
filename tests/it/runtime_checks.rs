//! The runtime checks proven both ways against real Chromium and the real fixture server:
//! `runtime-good` passes every one of them, and each failing fixture is `runtime-good` with one
//! defect, failing its check for the right reason (verdict and message).

use swgate::outcome::Verdict;

use crate::util::{assert_verdict, run_specs};

#[test]
fn runtime_good_passes_every_runtime_check_and_a_cache_only_shell_fails_navigation_network_path() {
    let s = run_specs(&["specs/runtime-good.yaml", "specs/nav-cache-only.yaml"]);
    let good = only(&s, "runtime-good");
    assert_verdict(
        &good,
        "navigation-network-path",
        Verdict::Pass,
        "new-tab: the first new-tab visit after v2 was deployed reached the server (GET / answered 200 by v2) and showed v2 (document from service worker",
    );
    assert_verdict(
        &only(&s, "nav-cache-only"),
        "navigation-network-path",
        Verdict::Fail,
        "new-tab: the first new-tab visit after v2 was deployed never reached the server, so no deploy can reach a returning user through the page: no request for / between the new-tab visit and its load event; the page showed v1 (document from service worker (cache \"shell-v1\"), worker v1 controls the page) | reload: the first reload after v2 was deployed never reached the server",
    );
    for (check, message) in [
        (
            "cache-as-database",
            "all 2 same-origin Cache Storage entries are URLs the app serves (caches: `shell-v1` (2))",
        ),
        (
            "runtime-cache-bounded",
            "after 200 requests for /img/{i}.png every cache stays within 100 entries and Cache Storage within 5.0 MiB: `images` holds 50 entries (500.0 KiB of bodies), `shell-v1` holds 2 entries",
        ),
        (
            "navigation-timeout",
            "with the server holding / open the page still loaded within 4.0s: no response headers: loaded in ",
        ),
        (
            "no-swr-on-auth",
            "/api/user followed the signed-in user and the server's latest data: as alice: `{\"generation\":1,\"user\":\"alice\"}` from service worker (network); as bob: `{\"generation\":1,\"user\":\"bob\"}` from service worker (network); as bob: `{\"generation\":2,\"user\":\"bob\"}`",
        ),
        (
            "worker-durable",
            "the page got the same 3 responses whether or not the worker was stopped before each request: /api/visits 200 `{\"visits\":1}`, /api/visits 200 `{\"visits\":2}`, /api/visits 200 `{\"visits\":3}`",
        ),
        (
            "wait-until",
            "the worker's background work survived: with its request for /data/feed.json held open it stayed alive 40s after answering /api/refresh (Chromium ends idle workers after 30s), and once released the response was stored in cache `feed`",
        ),
    ] {
        assert_verdict(&good, check, Verdict::Pass, message);
    }
    let timeout = &crate::util::result(&good, "navigation-timeout").message;
    assert!(
        timeout.contains("headers sent, body stalled half-way: loaded in ")
            && timeout.contains("(document from service worker (cache \"shell-v1\")"),
        "{timeout}"
    );
}

#[test]
fn cache_as_database_fails_naming_the_synthetic_key() {
    let s = run_specs(&["specs/cache-db.yaml"]);
    assert_verdict(
        &s,
        "cache-as-database",
        Verdict::Fail,
        "1 Cache Storage entry is data under a made-up URL, not a cached response, so the user loses it when a deploy prunes caches or the browser evicts them (keep data in IndexedDB): `/__db/settings` in `app-data` (200, application/json); no deploy file or server endpoint answers it",
    );
}

#[test]
fn runtime_cache_bounded_fails_naming_the_cache_count_and_bytes() {
    let s = run_specs(&["specs/unbounded-images.yaml"]);
    assert_verdict(
        &s,
        "runtime-cache-bounded",
        Verdict::Fail,
        "the runtime cache grows with every new URL, so the browser will eventually evict the whole origin, offline shell included: after 200 requests for /img/{i}.png, `images` holds 200 entries (2.0 MiB of bodies) (limit 100); Cache Storage uses 2.0 MiB (limit 5.0 MiB)",
    );
}

/// Both stalls users meet: no headers at all (a headers-only timeout handles it) and a body
/// stalled after the headers (it does not).
#[test]
fn navigation_timeout_fails_without_a_whole_response_timeout() {
    let s = run_specs(&["specs/nav-no-timeout.yaml", "specs/nav-ttfb-timeout.yaml"]);
    assert_verdict(
        &only(&s, "nav-no-timeout"),
        "navigation-timeout",
        Verdict::Fail,
        "the page hangs with the network instead of falling back to the worker's cache: with the server holding / open (no response headers / headers sent, body stalled half-way) it was still loading after 4.0s; no response headers: still loading after 4.0s; headers sent, body stalled half-way: still loading after 4.0s",
    );
    let ttfb = only(&s, "nav-ttfb-timeout");
    assert_verdict(
        &ttfb,
        "navigation-timeout",
        Verdict::Fail,
        "the page hangs with the network instead of falling back to the worker's cache: with the server holding / open (headers sent, body stalled half-way) it was still loading after 4.0s; no response headers: loaded in ",
    );
    let m = &crate::util::result(&ttfb, "navigation-timeout").message;
    assert!(
        m.ends_with(
            "headers sent, body stalled half-way: still loading after 4.0s; the fallback covers \
             only the wait for response headers (as Workbox's `networkTimeoutSeconds` does, \
             workbox#1301): time out the whole response, body included, or answer from the \
             cache and update in the background"
        ),
        "{m}"
    );
}

/// With the user in a cookie and in an `Authorization` header alike.
#[test]
fn no_swr_on_auth_fails_when_the_next_user_sees_the_previous_users_data() {
    let s = run_specs(&["specs/swr-everything.yaml"]);
    let results: Vec<_> = s
        .results
        .iter()
        .filter(|r| r.check == "no-swr-on-auth")
        .collect();
    assert_eq!(results.len(), 2);
    for r in results {
        assert!(
            r.verdict == Verdict::Fail
                && r.message.starts_with(
                    "/api/user is answered from a cache shared by every user, so the next person on the device sees the previous user's data: signed in as bob the page got alice's response `{\"generation\":1,\"user\":\"alice\"}` from service worker (cache \"api\")"
                ),
            "{:?}: {}\n{}",
            r.verdict,
            r.message,
            swgate::timeline::detail_log(&r.timeline).join("\n")
        );
    }
}

#[test]
fn worker_durable_fails_for_module_level_state() {
    let s = run_specs(&["specs/module-state.yaml"]);
    assert_verdict(
        &s,
        "worker-durable",
        Verdict::Fail,
        "the worker's answers depend on it staying alive, but Chromium stops idle workers within seconds and module-level state starts over: request 2 (/api/visits) got 200 `{\"visits\":2}` normally but 200 `{\"visits\":1}` with the worker stopped; request 3 (/api/visits) got 200 `{\"visits\":3}` normally but 200 `{\"visits\":1}` with the worker stopped",
    );
}

/// `no-wait-until` differs from `runtime-good` only in the `event.waitUntil` wrapper around its
/// background refresh; Chromium's own idle termination (30 s) tells them apart.
#[test]
fn wait_until_fails_when_background_work_is_outside_wait_until() {
    let s = run_specs(&["specs/no-wait-until.yaml"]);
    assert_verdict(
        &s,
        "wait-until",
        Verdict::Fail,
        "work the worker started after answering is lost because it is not inside event.waitUntil: Chromium ended the idle worker ",
    );
    let m = &crate::util::result(&s, "wait-until").message;
    assert!(
        m.ends_with("after it answered /api/refresh while its request for /data/feed.json was still open (Chromium closed the connection), so the response never reached Cache Storage"),
        "{m}"
    );
}

/// The results of one spec.
fn only(s: &swgate::runner::RunSummary, spec: &str) -> swgate::runner::RunSummary {
    swgate::runner::RunSummary {
        results: s
            .results
            .iter()
            .filter(|r| r.spec == spec)
            .cloned()
            .collect(),
        ..s.clone()
    }
}

/// Ten deploys of one build (`mutate`): storage-bounded prunes renamed caches and overwrites a
/// small IndexedDB record, so it passes; storage-hoarder keeps every cache and appends 16 KiB
/// to an IndexedDB log per activation, so it fails naming both types and their growth.
#[test]
fn storage_stays_bounded_over_ten_deploys_and_a_hoarder_fails_naming_what_grows() {
    let s = run_specs(&["specs/storage-bounded.yaml", "specs/storage-hoarder.yaml"]);
    assert_verdict(
        &only(&s, "storage-bounded"),
        "storage-stays-bounded",
        Verdict::Pass,
        "storage stayed bounded over 10 deploys: within +64.0 KiB of deploy 2's usage, and no storage type grew at every deploy; caches 1 → 1, entries 2 → 2",
    );
    let hoarder = only(&s, "storage-hoarder");
    assert_verdict(
        &hoarder,
        "storage-stays-bounded",
        Verdict::Fail,
        "storage grew by about 150 KiB from deploy 2 to deploy 10, over the bound of +64.0 KiB; ",
    );
    let m = &crate::util::result(&hoarder, "storage-stays-bounded").message;
    for part in [
        "Cache Storage grew at each of the 8 deploys after deploy 2, by about 2.3 KiB per deploy (median): a year of weekly deploys would add about 120 KiB; ",
        "IndexedDB grew at each of the 8 deploys after deploy 2, by about 16 KiB per deploy (median): a year of weekly deploys would add about 830 KiB; ",
    ] {
        assert!(m.contains(part), "{part}\nnot in\n{m}");
    }
    assert!(m.ends_with("caches 2 → 10, entries 4 → 20"), "{m}");
    // Every deploy's usage is in the timeline (what the JSON series and the HTML chart show).
    let points = crate::util::result(&hoarder, "storage-stays-bounded")
        .timeline
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                swgate::timeline::TimelineEvent::StorageUsage { .. }
            )
        })
        .count();
    assert_eq!(points, 10);
}
