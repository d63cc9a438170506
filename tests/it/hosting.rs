//! Faithful hosting, proven in real Chromium: the same app judged under each host preset, the
//! CDN in front, the user's own `_headers`/`_redirects`, `firebase.json` and `vercel.json`, an
//! SPA deep link under a worker, a redirect N+1 adds on a worker-served navigation, and an app
//! under a base path.

use std::path::{Path, PathBuf};

use swgate::outcome::Verdict;

use crate::util::{assert_message_has, assert_verdict, copy_dir, repo, result, run_specs};

/// Writes `name.yaml` into `dir` with `body` (absolute paths inside) and returns its path.
fn write_spec(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, format!("name: {name}\n{body}")).unwrap();
    path.to_str().unwrap().to_string()
}

fn app(name: &str, deploy: &str) -> PathBuf {
    repo().join("fixtures/apps").join(name).join(deploy)
}

/// A copy of a fixture deploy with extra files (a host's `_headers`, `_redirects`).
fn build_with(dir: &Path, name: &str, from: &Path, extra: &[(&str, &str)]) -> PathBuf {
    let to = dir.join(name);
    copy_dir(from, &to);
    for (file, text) in extra {
        std::fs::write(to.join(file), text).unwrap();
    }
    to
}

/// The kill switch of a worker-cached app whose page has no `Cache-Control` of its own, for a
/// user who navigates in the open tab: whether v1's page comes back from the HTTP cache (and
/// registers the worker again) is decided by the host's default headers. Measured in Chromium
/// 156: `static` (Last-Modified a week old, fresh 16.8 h), `firebase` (`max-age=3600`) and
/// `github-pages` (`max-age=600`) fail; `bare` (no validators, nothing heuristic), `netlify`,
/// `vercel` and `cloudflare-pages` (`max-age=0, must-revalidate`) pass.
#[test]
fn the_kill_switch_verdict_follows_the_host_preset() {
    let dir = tempfile::tempdir().unwrap();
    let presets = [
        "static",
        "bare",
        "netlify",
        "vercel",
        "cloudflare-pages",
        "firebase",
        "github-pages",
    ];
    let specs: Vec<String> = presets
        .iter()
        .map(|p| {
            write_spec(
                dir.path(),
                &format!("kill-{p}"),
                &format!(
                    "deploys:\n  v1: {}\n  kill: {}\nhost: {p}\nchecks:\n  - kill-switch:\n      visits: [navigate]\n",
                    app("kill-switch", "v1").display(),
                    app("kill-switch", "kill").display()
                ),
            )
        })
        .collect();
    let s = run_specs(&specs.iter().map(String::as_str).collect::<Vec<_>>());
    for r in &s.results {
        let preset = r.spec.strip_prefix("kill-").unwrap_or(&r.spec);
        let expected = match preset {
            "static" | "firebase" | "github-pages" => Verdict::Fail,
            _ => Verdict::Pass,
        };
        assert_eq!(r.verdict, expected, "{preset}: {}", r.message);
        let why = match preset {
            "static" => "/ was served without Cache-Control (host preset `static`: nginx, Apache and S3 send none by default; no `headers:` rule sets one) and with a Last-Modified 1w old",
            "firebase" => "/ was served with `Cache-Control: max-age=3600` (from preset `firebase`), fresh for 1 h; serve HTML with `Cache-Control: no-cache` (for /: in `firebase.json` `hosting.headers`)",
            "github-pages" => "/ was served with `Cache-Control: max-age=600` (from preset `github-pages`), fresh for 10 min; serve HTML with `Cache-Control: no-cache` (for /: GitHub Pages cannot set headers; put a CDN in front that can)",
            _ => "the origin was clean on navigation",
        };
        assert!(r.message.contains(why), "{preset}: {}", r.message);
    }
    assert_eq!(s.results.len(), presets.len());
}

/// `sw-script-fresh` behind each CDN preset: a worker script served without `Cache-Control`
/// passes behind an edge that keeps only what the origin allows, and fails behind CloudFront
/// (default TTL 1 d), Cloudflare (2 h for `.js`) and Fastly (1 h), naming the default.
#[test]
fn sw_script_fresh_follows_the_cdns_default_ttl() {
    let dir = tempfile::tempdir().unwrap();
    let specs: Vec<String> = ["none", "cloudfront", "cloudflare", "fastly"]
        .iter()
        .map(|cdn| {
            write_spec(
                dir.path(),
                &format!("cdn-{cdn}"),
                &format!(
                    "deploys:\n  v1: {}\n  v2: {}\nhost: {{ preset: static, cdn: {cdn} }}\nchecks:\n  - sw-script-fresh\n",
                    app("sw-update", "v1").display(),
                    app("sw-update", "v2").display()
                ),
            )
        })
        .collect();
    let s = run_specs(&specs.iter().map(String::as_str).collect::<Vec<_>>());
    for r in &s.results {
        let (verdict, part) = match r.spec.as_str() {
            "cdn-none" => (Verdict::Pass, "found the new worker (behind a CDN): /sw.js got v2's bytes from the origin (no Cache-Control)"),
            "cdn-cloudfront" => (Verdict::Fail, "users behind CloudFront keep v1's worker after v2 is deployed: the next navigation's update check got stale /sw.js, /sw-lib.js and saw nothing new; /sw.js got v1's bytes from the edge (no Cache-Control, which CloudFront keeps for its default 1d)"),
            "cdn-cloudflare" => (Verdict::Fail, "/sw.js got v1's bytes from the edge (no Cache-Control, which Cloudflare keeps for its default 2h)"),
            "cdn-fastly" => (Verdict::Fail, "/sw.js got v1's bytes from the edge (no Cache-Control, which Fastly keeps for its default 1h)"),
            other => panic!("unexpected spec {other}"),
        };
        assert!(
            r.verdict == verdict && r.message.contains(part),
            "{}: {:?} {}",
            r.spec,
            r.verdict,
            r.message
        );
    }
}

/// The user's own host files decide the verdict, and the failure names the line to change.
/// The tutorial network-first worker (`fetch(event.request)`, HTML without `Cache-Control`)
/// for a returning user who opens a new tab: `static` fails (heuristic freshness) and
/// `netlify` passes (`max-age=0, must-revalidate`); a `_headers` line that gives HTML
/// `max-age=600` fails it again on Netlify; `firebase` fails on its one-hour default and
/// passes once `firebase.json` says `no-cache`; a `vercel.json` header fails it on Vercel.
#[test]
fn update_recovers_follows_the_hosts_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let v1 = app("network-first-http-cache", "v1");
    let v2 = app("network-first-http-cache", "v2");
    let headers = "# HTML for ten minutes\n/*\n  Cache-Control: max-age=600\n";
    let n1 = build_with(d, "n1", &v1, &[("_headers", headers)]);
    let n2 = build_with(d, "n2", &v2, &[("_headers", headers)]);
    let firebase = d.join("firebase.json");
    std::fs::write(
        &firebase,
        r#"{
  "hosting": {
    "public": "dist",
    "headers": [
      { "source": "/", "headers": [{ "key": "Cache-Control", "value": "no-cache" }] }
    ]
  }
}
"#,
    )
    .unwrap();
    let vercel = d.join("vercel.json");
    std::fs::write(
        &vercel,
        r#"{
  "headers": [
    { "source": "/(.*)", "headers": [{ "key": "Cache-Control", "value": "max-age=900" }] }
  ]
}
"#,
    )
    .unwrap();
    let check = "checks:\n  - update-recovers:\n      visits: [new-tab]\n";
    let plain = |name: &str, host: &str| {
        write_spec(
            d,
            name,
            &format!(
                "deploys:\n  v1: {}\n  v2: {}\nhost: {host}\n{check}",
                v1.display(),
                v2.display()
            ),
        )
    };
    let specs = [
        plain("static", "static"),
        plain("netlify", "netlify"),
        write_spec(
            d,
            "netlify-headers",
            &format!(
                "deploys:\n  v1: {}\n  v2: {}\nhost: netlify\n{check}",
                n1.display(),
                n2.display()
            ),
        ),
        plain("firebase", "firebase"),
        plain(
            "firebase-json",
            &format!("{{ preset: firebase, config: {} }}", firebase.display()),
        ),
        plain(
            "vercel-json",
            &format!("{{ preset: vercel, config: {} }}", vercel.display()),
        ),
    ];
    let s = run_specs(&specs.iter().map(String::as_str).collect::<Vec<_>>());
    for r in &s.results {
        let (verdict, part) = match r.spec.as_str() {
            "static" => (Verdict::Fail, "/ was served without Cache-Control (host preset `static`"),
            "netlify" => (Verdict::Pass, "reached v2 on new-tab visit 1 of 3"),
            "netlify-headers" => (Verdict::Fail, "/ was served with `Cache-Control: max-age=600` (from _headers:2), fresh for 10 min; serve HTML with `Cache-Control: no-cache` (for /: in the build's `_headers`)"),
            "firebase" => (Verdict::Fail, "/ was served with `Cache-Control: max-age=3600` (from preset `firebase`), fresh for 1 h"),
            "firebase-json" => (Verdict::Pass, "reached v2 on new-tab visit 1 of 3"),
            "vercel-json" => (Verdict::Fail, "/ was served with `Cache-Control: max-age=900` (from vercel.json:3:5), fresh for 15 min; serve HTML with `Cache-Control: no-cache` (for /: in `vercel.json` `headers`)"),
            other => panic!("unexpected spec {other}"),
        };
        assert!(
            r.verdict == verdict && r.message.contains(part),
            "{}: {:?} {}\n{}",
            r.spec,
            r.verdict,
            r.message,
            swgate::timeline::detail_log(&r.timeline).join("\n")
        );
    }
    // The evidence: the timeline's requests carry the caching headers and the rule behind
    // them.
    let r = s
        .results
        .iter()
        .find(|r| r.spec == "netlify-headers")
        .unwrap();
    let json = serde_json::to_string(&r.timeline).unwrap();
    assert!(
        json.contains(r#""cache-control":"max-age=600""#)
            && json.contains(r#""x-swgate-rule":"cache-control from _headers:2""#),
        "{json}"
    );
}

/// An SPA deep link under a worker: `/settings` is no file, the host's fallback answers it,
/// and a network-first worker takes the user to v2 from there. The fallback comes from the
/// spec (`spa_fallback`) or from the build's `_redirects` (`/* /index.html 200`, which Netlify
/// applies only where no file exists, so `sw.js` stays JavaScript). Without a fallback the
/// spec is refused before anything runs (tests/specs/invalid/host-start-not-served.yaml).
#[test]
fn an_spa_deep_link_loads_under_the_worker_and_updates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let v1 = app("network-first", "v1");
    let v2 = app("network-first", "v2");
    let redirects = "/*  /index.html  200\n";
    let r1 = build_with(d, "r1", &v1, &[("_redirects", redirects)]);
    let r2 = build_with(d, "r2", &v2, &[("_redirects", redirects)]);
    let checks = "checks:\n  - update-recovers\n  - navigation-network-path\n";
    let specs = [
        write_spec(
            d,
            "spa-fallback",
            &format!(
                "deploys:\n  v1: {}\n  v2: {}\nspa_fallback: /index.html\nstart: /settings\nheaders:\n  - path: \"{{/,/settings,/*.html}}\"\n    set: {{ Cache-Control: no-cache }}\n{checks}",
                v1.display(),
                v2.display()
            ),
        ),
        write_spec(
            d,
            "spa-redirects",
            &format!(
                "deploys:\n  v1: {}\n  v2: {}\nhost: netlify\nstart: /settings\n{checks}",
                r1.display(),
                r2.display()
            ),
        ),
    ];
    let s = run_specs(&specs.iter().map(String::as_str).collect::<Vec<_>>());
    for r in &s.results {
        assert_eq!(
            r.verdict,
            Verdict::Pass,
            "{} {}: {}",
            r.spec,
            r.label,
            r.message
        );
    }
    let nav = s
        .results
        .iter()
        .find(|r| r.spec == "spa-redirects" && r.label == "navigation-network-path")
        .unwrap();
    assert!(
        nav.message
            .contains("reached the server (GET /settings answered 200 by v2)"),
        "{}",
        nav.message
    );
    let json = serde_json::to_string(&nav.timeline).unwrap();
    assert!(
        json.contains("200 /index.html by _redirects:1 (`/*` → `/index.html`)"),
        "{json}"
    );
}

/// A redirect N+1 adds on a navigation the worker serves: v2 answers `/` with a 302 to
/// `/index.html`. A worker that passes the navigation's own request to `fetch` gets the
/// redirect back as an opaque redirect, which Chromium follows; the user reaches v2.
#[test]
fn a_redirect_added_by_the_next_deploy_is_followed_through_the_worker() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "redirect-added",
        &format!(
            "deploys:\n  v1: {}\n  v2: {}\nheaders:\n  - path: \"{{/,/*.html}}\"\n    set: {{ Cache-Control: no-cache }}\nredirects:\n  - {{ from: /, to: /index.html, status: 302, deploy: v2 }}\nchecks:\n  - update-recovers:\n      visits: [reload]\n",
            app("network-first", "v1").display(),
            app("network-first", "v2").display()
        ),
    );
    let s = run_specs(&[&spec]);
    assert_verdict(
        &s,
        "update-recovers",
        Verdict::Pass,
        "reached v2 on reload 1 of 3",
    );
    // The page the user got is the redirect's target, through the worker.
    let r = result(&s, "update-recovers");
    let json = serde_json::to_string(&r.timeline).unwrap();
    assert!(
        json.contains(r#""url":"/index.html","resource_type":"Document","status":200,"source":"service-worker-network""#),
        "{json}"
    );
}

/// An app served under `/app/` (relative URLs, worker scope `/app/`): it installs, updates and
/// prunes like any other, on Netlify's headers.
#[test]
fn an_app_under_a_base_path_installs_updates_and_prunes() {
    let s = run_specs(&["specs/base-path.yaml"]);
    assert_verdict(
        &s,
        "update-recovers",
        Verdict::Pass,
        "new-tab: reached v2 on new-tab visit",
    );
    assert_message_has(
        &s,
        "caches-pruned",
        "v1's cache `base-path-v1` (2 entries) was deleted",
    );
    assert_eq!(result(&s, "caches-pruned").verdict, Verdict::Pass);
}
