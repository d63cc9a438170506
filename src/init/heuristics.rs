//! Guesses made on file names and source text, never by executing anything: which file is the
//! worker and how it was found, what it listens for, which names carry a content hash.

use std::path::Path;

use super::files::{read_small, BuildFiles};
use super::{InitError, SwEvidence};

/// The worker script: the one a page registers if that file exists, else the best-named file
/// whose source looks like worker code.
pub(super) fn find_service_worker(
    build: &BuildFiles,
    dir: &Path,
) -> Result<(String, SwEvidence), InitError> {
    let sources: Vec<(String, String)> = build
        .with_ext(&["html", "htm", "js", "mjs"])
        .filter_map(|(u, f)| Some((u.clone(), read_small(f)?)))
        .collect();
    for (url, text) in &sources {
        for registered in registered_scripts(text) {
            let base = if url.ends_with(".html") || url.ends_with(".htm") {
                &url[..url.rfind('/').map_or(0, |i| i + 1)]
            } else {
                // A script's relative URL resolves against the page, which is usually `/`.
                "/"
            };
            let resolved = resolve_url(base, &registered);
            if build.has(&resolved) {
                return Ok((
                    resolved,
                    SwEvidence::Registered {
                        by: url.trim_start_matches('/').to_string(),
                    },
                ));
            }
        }
    }
    let best = sources
        .iter()
        .filter(|(u, _)| u.ends_with(".js") || u.ends_with(".mjs"))
        .filter(|(_, text)| looks_like_worker(text))
        .max_by_key(|(u, _)| {
            let file = u.rsplit('/').next().unwrap_or_default();
            let preferred = matches!(
                file,
                "sw.js" | "service-worker.js" | "serviceworker.js" | "sw.mjs" | "worker.js"
            );
            (
                preferred,
                std::cmp::Reverse(u.matches('/').count()),
                std::cmp::Reverse(u.clone()),
            )
        });
    match best {
        Some((url, _)) => Ok((url.clone(), SwEvidence::WorkerCode)),
        None => Err(InitError::NoServiceWorker {
            dir: dir.to_path_buf(),
            searched: format!(
                "no `navigator.serviceWorker.register('…')` naming an existing file in {} HTML/JS \
                 files, and no .js file with worker code (`addEventListener('install'|'activate'|'fetch')`, \
                 `skipWaiting()`, `clients.claim()`)",
                sources.len()
            ),
        }),
    }
}

/// The string literals passed to `serviceWorker.register(`.
pub(super) fn registered_scripts(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("serviceWorker.register(") {
        let rest = text[i + "serviceWorker.register(".len()..].trim_start();
        let Some(quote) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '\'' | '"' | '`'))
        else {
            continue;
        };
        if let Some(end) = rest[1..].find(quote) {
            out.push(rest[1..1 + end].to_string());
        }
    }
    out
}

/// Resolves a script URL against a directory URL (`/` or `/app/`), dropping query and fragment.
pub(super) fn resolve_url(base: &str, url: &str) -> String {
    let url = crate::spec::strip_query(url);
    let url = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .map_or(url, |rest| rest.find('/').map_or("/", |i| &rest[i..]));
    let joined = if url.starts_with('/') {
        url.to_string()
    } else {
        format!("{base}{url}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

pub(super) fn looks_like_worker(text: &str) -> bool {
    ["install", "activate", "fetch"]
        .iter()
        .any(|event| listens_for(text, event))
        || text.contains("skipWaiting(")
        || text.contains("clients.claim(")
}

/// Whether `text` registers a listener for `event` (`addEventListener('fetch'` or `onfetch =`).
pub(super) fn listens_for(text: &str, event: &str) -> bool {
    let compact: String = text.split_whitespace().collect();
    ['\'', '"', '`']
        .iter()
        .any(|q| compact.contains(&format!("addEventListener({q}{event}{q}")))
        || compact.contains(&format!("on{event}="))
}

/// The worker's source plus the scripts it pulls in with `importScripts` (libraries such as
/// Workbox keep the handlers there).
pub(super) fn worker_sources(build: &BuildFiles, worker: &str) -> String {
    let mut text = build.text(worker).unwrap_or_default();
    let base = &worker[..worker.rfind('/').map_or(0, |i| i + 1)];
    let imports: Vec<String> = text
        .match_indices("importScripts(")
        .flat_map(|(i, _)| {
            let args = &text[i + "importScripts(".len()..];
            let args = &args[..args.find(')').unwrap_or(args.len())];
            args.split(',')
                .map(|a| a.trim().trim_matches(['\'', '"', '`']).to_string())
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>()
        })
        .collect();
    // workbox-build's generateSW loads its runtime with an AMD-style loader instead:
    // `define(["./workbox-0bb07689"], …)`, the `.js` added by the loader. The fetch handler and
    // the caching live there (measured on workbox-build 7.4.1 and vite-plugin-pwa 2.0.0).
    let defined: Vec<String> = text
        .match_indices("define([")
        .flat_map(|(i, _)| {
            let args = &text[i + "define([".len()..];
            let args = &args[..args.find(']').unwrap_or(args.len())];
            args.split(',')
                .map(|a| a.trim().trim_matches(['\'', '"', '`']).to_string())
                .filter(|a| a.starts_with("./") || a.starts_with('/'))
                .map(|a| {
                    if a.ends_with(".js") {
                        a
                    } else {
                        format!("{a}.js")
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for import in imports.into_iter().chain(defined) {
        if let Some(more) = build.text(&resolve_url(base, &import)) {
            text.push('\n');
            text.push_str(&more);
        }
    }
    text
}

/// Whether a file name carries a content hash: `app.3f9a1c2b.js`, `index-BxY7zq1A.js`.
pub fn looks_hashed(url: &str) -> bool {
    let file = url.rsplit('/').next().unwrap_or_default();
    let Some((stem, _ext)) = file.rsplit_once('.') else {
        return false;
    };
    if stem.split(['.', '-', '_']).skip(1).any(is_hash) {
        return true;
    }
    // Vite 8 (rolldown) and Rollup end the stem with `-` and an 8-character base64url hash,
    // which may itself hold `_` or `-`: `settings-Ctad_W5J.js`, `index-3elQTE-R.js`.
    let bytes = stem.as_bytes();
    bytes.len() > 9
        && matches!(bytes[bytes.len() - 9], b'-' | b'.')
        && is_hash(&stem[stem.len() - 8..].replace(['_', '-'], "0"))
}

/// A hash segment: 8 to 64 letters and digits with a digit (`3f9a1c2b`), or mixed case
/// (`BxYzqWaA`, base64-style); a plain word such as `settings` or `min` is neither.
pub(super) fn is_hash(s: &str) -> bool {
    let len = s.len();
    if !(8..=64).contains(&len) || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let digit = s.chars().any(|c| c.is_ascii_digit());
    let upper = s.chars().any(|c| c.is_ascii_uppercase());
    let lower = s.chars().any(|c| c.is_ascii_lowercase());
    digit || (upper && lower)
}
