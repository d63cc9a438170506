//! What each host sends and how it routes when the user configured nothing, taken from the
//! host's own documentation (the URL is on each preset). `static` is today's fixture server.

use crate::spec::{Cdn, HostPreset};

use crate::server::CdnDefault;

/// One host's defaults.
#[derive(Debug, Clone, Copy)]
pub struct PresetFacts {
    /// Sends a strong `ETag` and answers `If-None-Match` with 304.
    pub etag: bool,
    /// Sends `Last-Modified` (then HTTP heuristic freshness applies when no `Cache-Control`).
    pub last_modified: bool,
    /// The default `Cache-Control` for a path of a content type.
    pub cache_control: fn(&str, &str) -> Option<&'static str>,
    /// Redirects `/x.html` to `/x` and `/index.html` to `/`.
    pub strips_html: bool,
    /// The status of those redirects.
    pub clean_url_status: u16,
    /// Serves `/x` from `x.html` when there is no file `x`.
    pub serves_html_extension: bool,
    /// Answers unknown paths with the build's `/404.html` (status 404) when it has one.
    pub custom_404: bool,
    /// Without a `404.html`, answers unknown paths with `/` (status 200).
    pub spa_without_404: bool,
    /// Where a user changes this host's headers, for failure messages.
    pub headers_advice: &'static str,
    /// The documentation the defaults come from.
    pub source: &'static str,
}

fn none(_: &str, _: &str) -> Option<&'static str> {
    None
}

/// Every response revalidates: the hosts that invalidate their CDN on each deploy.
fn revalidate(_: &str, _: &str) -> Option<&'static str> {
    Some("public, max-age=0, must-revalidate")
}

fn firebase(_: &str, _: &str) -> Option<&'static str> {
    Some("max-age=3600")
}

fn github_pages(_: &str, _: &str) -> Option<&'static str> {
    Some("max-age=600")
}

/// The defaults of `preset`.
pub fn preset_facts(preset: HostPreset) -> PresetFacts {
    let base = PresetFacts {
        etag: true,
        last_modified: true,
        cache_control: none,
        strips_html: false,
        clean_url_status: 301,
        serves_html_extension: false,
        custom_404: false,
        spa_without_404: false,
        headers_advice: "in the server's config, or the spec's `headers:`",
        source: "https://nginx.org/en/docs/http/ngx_http_core_module.html#etag",
    };
    match preset {
        // nginx sends `ETag` (on by default) and `Last-Modified`, no `Cache-Control`; Apache
        // and S3 websites do the same unless configured.
        HostPreset::Static => base,
        // The "minimal dev server": neither validator, so every request is a full 200.
        // (Python's http.server still sends Last-Modified and `npx serve` an ETag:
        // https://github.com/python/cpython/blob/main/Doc/library/http.server.rst,
        // https://github.com/vercel/serve-handler/blob/main/src/index.js.)
        HostPreset::Bare => PresetFacts {
            etag: false,
            last_modified: false,
            source: "https://github.com/python/cpython/blob/main/Doc/library/http.server.rst",
            ..base
        },
        // `public, max-age=0, must-revalidate` on every file type with ETag revalidation
        // (Netlify's own caching guide and its caching skill; the CDN keeps files until the
        // next deploy). Last-Modified is not documented: not sent here. `/x` serves `x.html`
        // ("pretty URLs"); `404.html` is the not-found page.
        HostPreset::Netlify => PresetFacts {
            last_modified: false,
            cache_control: revalidate,
            serves_html_extension: true,
            custom_404: true,
            headers_advice: "in the build's `_headers`",
            source: "https://docs.netlify.com/build/caching/caching-overview.md",
            ..base
        },
        // "the default Cache-Control header … is public, max-age=0, must-revalidate".
        HostPreset::Vercel => PresetFacts {
            last_modified: false,
            cache_control: revalidate,
            clean_url_status: 308,
            custom_404: true,
            headers_advice: "in `vercel.json` `headers`",
            source: "https://vercel.com/docs/caching/cache-control-headers",
            ..base
        },
        // `public, max-age=0, must-revalidate` and an ETag on 200s, no Last-Modified (the
        // open-source asset handler); `/x.html` and `/d/index.html` 308 to `/x` and `/d/`;
        // without a top-level `404.html` every unknown path gets `/index.html` with 200 (an
        // SPA), a missing `sw.js` included.
        HostPreset::CloudflarePages => PresetFacts {
            last_modified: false,
            cache_control: revalidate,
            strips_html: true,
            clean_url_status: 308,
            custom_404: true,
            spa_without_404: true,
            headers_advice: "in the build's `_headers`",
            source: "https://developers.cloudflare.com/pages/configuration/serving-pages/",
            ..base
        },
        // Not in Firebase's docs: `max-age=3600` is what secondary sources measured
        // (https://github.com/firebase/firebase-tools/issues/534); manage-cache documents the
        // CDN side.
        HostPreset::Firebase => PresetFacts {
            last_modified: false,
            cache_control: firebase,
            custom_404: true,
            headers_advice: "in `firebase.json` `hosting.headers`",
            source: "https://firebase.google.com/docs/hosting/manage-cache",
            ..base
        },
        // `max-age=600` plus ETag and Last-Modified, as GitHub Support told users
        // (https://github.com/layer5io/layer5/issues/3627); no header config exists.
        HostPreset::GithubPages => PresetFacts {
            cache_control: github_pages,
            serves_html_extension: true,
            custom_404: true,
            headers_advice: "GitHub Pages cannot set headers; put a CDN in front that can",
            source: "https://docs.github.com/en/pages/getting-started-with-github-pages/creating-a-custom-404-page-for-your-github-pages-site",
            ..base
        },
    }
}

/// What the CDN in front keeps when the origin sends no lifetime.
pub fn cdn_default(cdn: Cdn) -> Option<CdnDefault> {
    match cdn {
        Cdn::None => None,
        // "If the origin doesn't add a Cache-Control … CloudFront uses the default TTL"
        // (86400 s unless changed).
        Cdn::Cloudfront => Some(CdnDefault {
            name: "CloudFront",
            ttl: 86_400,
            static_types_only: false,
            source: "https://github.com/awsdocs/amazon-cloudfront-developer-guide/blob/main/doc_source/Expiration.md",
        }),
        // Cloudflare caches only the extensions on its default list (`.js`, `.css`, images,
        // fonts; not HTML, JSON or `.mjs`) and, without origin cache headers, keeps a 200 for
        // 120 minutes (https://developers.cloudflare.com/cache/concepts/default-cache-behavior/).
        Cdn::Cloudflare => Some(CdnDefault {
            name: "Cloudflare",
            ttl: 7_200,
            static_types_only: true,
            source: "https://developers.cloudflare.com/cache/concepts/default-cache-behavior/",
        }),
        // Fastly's default TTL without cache headers is 3600 s.
        Cdn::Fastly => Some(CdnDefault {
            name: "Fastly",
            ttl: 3_600,
            static_types_only: false,
            source: "https://docs.fastly.com/en/guides/controlling-caching",
        }),
        Cdn::DefaultTtl(d) => Some(CdnDefault {
            name: "the CDN",
            ttl: d.as_secs(),
            static_types_only: false,
            source: "",
        }),
    }
}
