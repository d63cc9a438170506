//! The host in front of the deploys: its default headers (a preset), the user's own host
//! config (`_headers`/`_redirects`, `firebase.json`, `vercel.json`) and the spec's routing
//! (`base`, `spa_fallback`, `redirects`), compiled per deploy into one router the fixture
//! server asks for every request.

mod firebase;
mod json_doc;
mod netlify;
mod presets;
mod rules;
mod vercel;

use std::path::Path;

pub use presets::{cdn_default, preset_facts, PresetFacts};
pub use rules::{HostFileError, Origin};

use crate::spec::{strip_query, HostPreset, SpaFallback, Spec};

use rules::{HostFile, Matcher, Part, RouteRule, Template};

/// What the host answers a request with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed {
    /// A file of the deploy (its key), with this status (200, or 404/410 for a custom error
    /// page), and the rule that chose it when it is not the file at the path.
    File {
        /// The deploy file's key (its URL path).
        key: String,
        /// Status to send.
        status: u16,
        /// The rule or preset behaviour that routed here, when one did.
        via: Option<String>,
    },
    /// A redirect.
    Redirect {
        /// 301, 302, 303, 307 or 308.
        status: u16,
        /// The `Location`.
        location: String,
        /// The rule.
        via: String,
    },
    /// Nothing answers.
    NotFound,
}

impl std::fmt::Display for Routed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Routed::File { key, status, via } => {
                write!(f, "{status} with {key}")?;
                if let Some(via) = via {
                    write!(f, " by {via}")?;
                }
                Ok(())
            }
            Routed::Redirect {
                status,
                location,
                via,
            } => write!(f, "a {status} redirect to {location} by {via}"),
            Routed::NotFound => f.write_str("404"),
        }
    }
}

/// One deploy's host behaviour.
#[derive(Debug, Clone)]
pub struct HostRules {
    preset: HostPreset,
    file: HostFile,
    spec_routes: Vec<RouteRule>,
    spa_fallback: Option<SpaFallback>,
    /// The path prefix the build is served under (`/`, `/app/`): where the host looks for the
    /// build's `404.html` and, on Cloudflare Pages, its single-page `index.html`.
    base: String,
    /// Files the host reads and does not publish (`_headers`, `_redirects`).
    hidden: Vec<String>,
}

impl HostRules {
    /// The rules for `deploy` of `spec`: the preset, the host's files for that deploy, and the
    /// spec's redirects for it.
    pub fn load(spec: &Spec, deploy: &str, dir: &Path) -> Result<Self, HostFileError> {
        let preset = spec.host.preset;
        let mut file = HostFile::default();
        let mut hidden = Vec::new();
        if preset.reads_build_files() {
            let flavor = if preset == HostPreset::Netlify {
                netlify::Flavor::Netlify
            } else {
                netlify::Flavor::CloudflarePages
            };
            for (name, parse) in [
                ("_headers", netlify::parse_headers as ParseFn),
                ("_redirects", netlify::parse_redirects as ParseFn),
            ] {
                let path = dir.join(name);
                if let Some(text) = read_optional(&path)? {
                    let parsed = parse(&path, &text, flavor)?;
                    if flavor == netlify::Flavor::CloudflarePages {
                        refuse_cloudflare_loops(&parsed)?;
                    }
                    file.headers.extend(parsed.headers);
                    file.routes.extend(parsed.routes);
                    hidden.push(format!("{}{name}", spec.routing.base));
                }
            }
        }
        if let Some(config) = spec.host.config_for(deploy) {
            let text = std::fs::read_to_string(&config.path).map_err(|e| HostFileError {
                file: config.path.clone(),
                line: 1,
                column: None,
                message: format!("cannot be read: {e}"),
            })?;
            file = match preset {
                HostPreset::Firebase => firebase::parse(&config.path, &text)?,
                _ => vercel::parse(&config.path, &text)?,
            };
        }
        let spec_routes = spec
            .routing
            .redirects
            .iter()
            .filter(|r| r.deploy.as_deref().is_none_or(|d| d == deploy))
            .map(|r| spec_redirect(spec, r))
            .collect::<Result<_, _>>()?;
        Ok(HostRules {
            preset,
            file,
            spec_routes,
            spa_fallback: spec.routing.spa_fallback.clone(),
            base: spec.routing.base.clone(),
            hidden,
        })
    }

    /// The rules of a plain static server (tests, and deploys built in code).
    pub fn plain(preset: HostPreset) -> Self {
        HostRules {
            preset,
            file: HostFile::default(),
            spec_routes: Vec::new(),
            spa_fallback: None,
            base: "/".into(),
            hidden: Vec::new(),
        }
    }

    /// Whether the host keeps `key` to itself (`_headers` is read, not served).
    pub fn is_hidden(&self, key: &str) -> bool {
        self.hidden.iter().any(|h| h == key)
    }

    /// What the host answers `path` with. `exists` says whether the deploy has a file for a
    /// URL path (the static lookup); `accepts_html` whether the request accepts HTML.
    pub fn route(
        &self,
        path_and_query: &str,
        accepts_html: bool,
        exists: &dyn Fn(&str) -> Option<String>,
    ) -> Routed {
        let path = strip_query(path_and_query);
        // Hosts keep the query on the redirects they make themselves (clean URLs, trailing
        // slashes).
        let query = &path_and_query[path.len()..];
        let file_at = |p: &str| exists(p).filter(|k| !self.is_hidden(k));
        // Redirects and rewrites, in order: the first whose pattern matches and that applies
        // over an existing file (forced, or the host's redirects) or finds none. Netlify and
        // Cloudflare Pages do not shadow a file with an unforced rule; Firebase and Vercel
        // apply redirects before files and rewrites after (`force` carries that per rule).
        for rule in self.spec_routes.iter().chain(&self.file.routes) {
            let Some(captures) = rule.matcher.captures(path) else {
                continue;
            };
            if !rule.force && file_at(path).is_some() {
                continue;
            }
            let to = rule.to.expand(&captures);
            let via = format!(
                "{} (`{}` → `{}`)",
                rule.origin, rule.matcher.text, rule.to.text
            );
            if (300..400).contains(&rule.status) {
                return Routed::Redirect {
                    status: rule.status,
                    location: to,
                    via,
                };
            }
            return match file_at(strip_query(&to)) {
                Some(key) => Routed::File {
                    key,
                    status: rule.status,
                    via: Some(via),
                },
                None => Routed::NotFound,
            };
        }
        let facts = preset_facts(self.preset);
        let clean_urls = self.file.clean_urls || facts.strips_html;
        if clean_urls {
            // `/about.html` → `/about`, `/index.html` → `/` (Cloudflare Pages 308s, Firebase and
            // Vercel `cleanUrls` 301/308).
            if let Some(stem) = path.strip_suffix(".html") {
                if file_at(path).is_some() {
                    // `/docs/index.html` → `/docs/` (the slash stays; `/reindex.html` → `/reindex`).
                    let location = match stem.strip_suffix("/index") {
                        Some(dir) => format!("{dir}/"),
                        None => stem.to_string(),
                    };
                    return Routed::Redirect {
                        status: facts.clean_url_status,
                        location: format!("{location}{query}"),
                        via: format!("preset `{}` (clean URLs)", self.preset.name()),
                    };
                }
            }
        }
        // `trailingSlash` (Firebase, Vercel): one form of a directory path redirects to the
        // other.
        let last_has_ext = path.rsplit('/').next().is_some_and(|seg| seg.contains('.'));
        match self.file.trailing_slash {
            Some(true)
                if !path.ends_with('/')
                    && !last_has_ext
                    && file_at(&format!("{path}/")).is_some() =>
            {
                return Routed::Redirect {
                    status: facts.clean_url_status,
                    location: format!("{path}/{query}"),
                    via: "`trailingSlash: true`".into(),
                };
            }
            Some(false) if path.len() > 1 && path.ends_with('/') && file_at(path).is_some() => {
                return Routed::Redirect {
                    status: facts.clean_url_status,
                    location: format!("{}{query}", path.trim_end_matches('/')),
                    via: "`trailingSlash: false`".into(),
                };
            }
            _ => {}
        }
        if let Some(key) = file_at(path) {
            return Routed::File {
                key,
                status: 200,
                via: None,
            };
        }
        if clean_urls || facts.serves_html_extension {
            if let Some(key) = file_at(&format!("{path}.html")) {
                return Routed::File {
                    key,
                    status: 200,
                    via: Some(format!(
                        "preset `{}` (`.html` extension)",
                        self.preset.name()
                    )),
                };
            }
        }
        if let Some(fallback) = &self.spa_fallback {
            if accepts_html || !fallback.html_only {
                if let Some(key) = file_at(&fallback.to) {
                    return Routed::File {
                        key,
                        status: 200,
                        via: Some(format!("spa_fallback `{}`", fallback.to)),
                    };
                }
            }
        }
        if let Some(key) = file_at(&format!("{}404.html", self.base)).filter(|_| facts.custom_404) {
            return Routed::File {
                key,
                status: 404,
                via: Some(format!("preset `{}` (404.html)", self.preset.name())),
            };
        }
        if facts.spa_without_404 {
            if let Some(key) = file_at(&self.base) {
                return Routed::File {
                    key,
                    status: 200,
                    via: Some(format!(
                        "preset `{}` (no 404.html: served as a single-page app)",
                        self.preset.name()
                    )),
                };
            }
        }
        Routed::NotFound
    }

    /// The headers the host adds to a response for `path` of this content type: the preset's
    /// defaults, then every matching rule of the host's files (later rules win), each with
    /// where it came from.
    pub fn headers(&self, path: &str, content_type: &str) -> Vec<(String, String, String)> {
        let path = strip_query(path);
        let mut out: Vec<(String, String, String)> = Vec::new();
        let facts = preset_facts(self.preset);
        if let Some(cc) = (facts.cache_control)(path, content_type) {
            out.push((
                "Cache-Control".into(),
                cc.into(),
                format!("preset `{}`", self.preset.name()),
            ));
        }
        for rule in &self.file.headers {
            if rule.matcher.is_match(path) {
                for (name, value) in &rule.set {
                    out.retain(|(n, _, _)| !n.eq_ignore_ascii_case(name));
                    out.push((name.clone(), value.clone(), rule.origin.to_string()));
                }
            }
        }
        out
    }

    /// The preset.
    pub fn preset(&self) -> HostPreset {
        self.preset
    }
}

/// Cloudflare Pages applies every rule over existing files, so `/* /index.html 200` would
/// answer `sw.js` with HTML; Pages instead drops such a rule as an infinite loop when it
/// deploys (wrangler's `parseRedirects`). Say so rather than serve what Pages never would.
fn refuse_cloudflare_loops(parsed: &HostFile) -> Result<(), HostFileError> {
    for rule in &parsed.routes {
        if rule.status == 200 && !rule.to.text.contains(':') && rule.matcher.is_match(&rule.to.text)
        {
            let Origin::File { file, line, .. } = &rule.origin else {
                continue;
            };
            return Err(HostFileError {
                file: file.clone(),
                line: *line,
                column: None,
                message: format!(
                    "Cloudflare Pages drops `{} {} 200` as an infinite loop (its target matches its own pattern); Pages already answers unknown paths with /index.html when the build has no 404.html: delete the line",
                    rule.matcher.text, rule.to.text
                ),
            });
        }
    }
    Ok(())
}

type ParseFn = fn(&Path, &str, netlify::Flavor) -> Result<HostFile, HostFileError>;

fn read_optional(path: &Path) -> Result<Option<String>, HostFileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(HostFileError {
            file: path.to_path_buf(),
            line: 1,
            column: None,
            message: format!("cannot be read: {e}"),
        }),
    }
}

/// A spec `redirects:` entry as a rule: `/old` exactly, or `/old/*` with `:splat` in `to`.
/// It applies over an existing file, as a server's `return 301` does.
fn spec_redirect(spec: &Spec, r: &crate::spec::Redirect) -> Result<RouteRule, HostFileError> {
    let (regex, splat) = match r.from.strip_suffix('*') {
        Some(prefix) => (format!("{}(?P<splat>.*)", regex::escape(prefix)), true),
        None => (regex::escape(&r.from), false),
    };
    let err = |message: String| HostFileError {
        file: spec.path.clone(),
        line: r.line.max(1),
        column: None,
        message,
    };
    let matcher = Matcher::from_regex(&regex, &r.from).map_err(err)?;
    let to = if splat {
        let mut parts = Vec::new();
        let mut rest = r.to.as_str();
        while let Some(i) = rest.find(":splat") {
            parts.push(Part::Lit(rest[..i].to_string()));
            parts.push(Part::Capture("splat".into()));
            rest = &rest[i + ":splat".len()..];
        }
        parts.push(Part::Lit(rest.to_string()));
        Template {
            parts,
            text: r.to.clone(),
        }
    } else {
        Template::literal(&r.to)
    };
    Ok(RouteRule {
        matcher,
        to,
        status: r.status,
        force: true,
        origin: Origin::File {
            file: spec.path.clone(),
            line: r.line.max(1),
            column: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn files(list: &[&str]) -> impl Fn(&str) -> Option<String> {
        let set: BTreeSet<String> = list.iter().map(|s| s.to_string()).collect();
        move |p: &str| {
            crate::spec::files_for_url_path(p)
                .into_iter()
                .find(|f| set.contains(f))
        }
    }

    #[test]
    fn spa_fallback_answers_unknown_paths_and_not_files() {
        let mut rules = HostRules::plain(HostPreset::Static);
        rules.spa_fallback = Some(SpaFallback {
            to: "/index.html".into(),
            html_only: false,
        });
        let exists = files(&["/index.html", "/sw.js"]);
        assert_eq!(
            rules.route("/settings", true, &exists),
            Routed::File {
                key: "/index.html".into(),
                status: 200,
                via: Some("spa_fallback `/index.html`".into())
            }
        );
        assert!(matches!(
            rules.route("/sw.js", false, &exists),
            Routed::File { via: None, .. }
        ));
        // `ngsw.json` gone from a kill deploy still answers the shell: the kill never fires.
        assert!(matches!(
            rules.route("/ngsw.json", false, &exists),
            Routed::File { status: 200, .. }
        ));
        rules.spa_fallback.as_mut().unwrap().html_only = true;
        assert_eq!(rules.route("/ngsw.json", false, &exists), Routed::NotFound);
    }

    #[test]
    fn cloudflare_pages_strips_html_and_serves_unknown_paths_as_an_spa() {
        let rules = HostRules::plain(HostPreset::CloudflarePages);
        let exists = files(&["/index.html", "/about.html"]);
        assert!(matches!(
            rules.route("/index.html", true, &exists),
            Routed::Redirect { status: 308, ref location, .. } if location == "/"
        ));
        assert!(matches!(
            rules.route("/about", true, &exists),
            Routed::File { ref key, status: 200, .. } if key == "/about.html"
        ));
        assert!(matches!(
            rules.route("/deep/link", true, &exists),
            Routed::File { ref key, status: 200, .. } if key == "/index.html"
        ));
    }

    #[test]
    fn clean_url_redirects_keep_the_directory_slash_and_the_query() {
        let rules = HostRules::plain(HostPreset::CloudflarePages);
        let exists = files(&["/index.html", "/reindex.html", "/docs/index.html"]);
        let location = |p: &str| match rules.route(p, true, &exists) {
            Routed::Redirect { location, .. } => location,
            other => panic!("{p}: {other}"),
        };
        assert_eq!(location("/reindex.html"), "/reindex");
        assert_eq!(location("/docs/index.html?x=1"), "/docs/?x=1");
        assert_eq!(location("/index.html"), "/");
    }

    #[test]
    fn the_404_page_and_the_spa_shell_are_found_under_the_base() {
        let exists = files(&["/app/index.html", "/app/404.html"]);
        let mut pages = HostRules::plain(HostPreset::GithubPages);
        pages.base = "/app/".into();
        assert!(matches!(
            pages.route("/app/missing", true, &exists),
            Routed::File { ref key, status: 404, .. } if key == "/app/404.html"
        ));
        let mut cloudflare = HostRules::plain(HostPreset::CloudflarePages);
        cloudflare.base = "/app/".into();
        let spa = files(&["/app/index.html"]);
        assert!(matches!(
            cloudflare.route("/app/deep/link", true, &spa),
            Routed::File { ref key, status: 200, .. } if key == "/app/index.html"
        ));
    }
}
