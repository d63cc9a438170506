//! Stage two: file discovery, parsing, cross-field validation and conversion into the plan.

use std::path::{Path, PathBuf};

use super::error::SpecError;
use std::sync::Arc;

use super::host::{Host, Redirect, Routing};
use super::plan::{
    CheckEntry, CheckSet, Deploy, HeaderRule, Location, Spec, VersionMarker, FROM_ALL,
};
use super::raw::{self, RawSpec, RawVersionMarker};
use super::url::files_for_url_path;

/// Expands the command line's paths: files as given, directories to their `*.yaml`/`*.yml`
/// files in name order.
pub fn discover_spec_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SpecError> {
    let mut files = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).map_err(|_| SpecError::Missing { path: path.clone() })?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|source| SpecError::Read {
            path: path.clone(),
            source,
        })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
            })
            .collect();
        if found.is_empty() {
            return Err(SpecError::NoSpecs { path: path.clone() });
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Reads and parses one spec file, its `checks:` into `C` (the registry's `CheckConfig`).
pub fn load_spec<C: CheckSet>(path: &Path) -> Result<Spec, SpecError> {
    let source = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_spec::<C>(path, &source)
}

/// Parses spec text; relative deploy directories resolve against `path`'s directory.
pub fn parse_spec<C: CheckSet>(path: &Path, source: &str) -> Result<Spec, SpecError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let base = std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
    let raw: RawSpec<C> = raw::with_base_dir(&base, || serde_yaml::from_str(source))
        .map_err(|e| yaml_error(path, source, &e))?;
    let invalid = |position: Option<(usize, usize)>, message: String| {
        SpecError::invalid_at(path.to_path_buf(), source, position, message)
    };

    let deploys: Vec<Deploy> = raw
        .deploys
        .0
        .into_iter()
        .map(|d| Deploy {
            marker: d.marker.unwrap_or_else(|| d.name.clone()),
            name: d.name,
            dir: d.dir,
        })
        .collect();
    let mut routing = Routing {
        base: raw.base.map_or_else(|| "/".to_string(), |b| b.0),
        spa_fallback: raw.spa_fallback.map(|f| f.0),
        redirects: Vec::new(),
    };
    let service_worker = raw
        .service_worker
        .map_or_else(|| format!("{}sw.js", routing.base), |p| p.0);
    let start = raw.start.map_or_else(|| routing.base.clone(), |p| p.0);
    let host = raw.host.map_or_else(Host::default, |h| Host {
        preset: h.preset,
        cdn: h.cdn,
        config: h.config,
    });
    if let Some(fallback) = &routing.spa_fallback {
        if routing.strip_base(&fallback.to).is_none() {
            return Err(invalid(
                locate_top_key(source, "spa_fallback"),
                format!(
                    "spa_fallback `{}` is outside `base: {}`: give the path the host serves it at (`{}{}`)",
                    fallback.to,
                    routing.base,
                    routing.base,
                    fallback.to.trim_start_matches('/')
                ),
            ));
        }
    }
    for c in &host.config {
        if let Some(name) = &c.deploy {
            if !deploys.iter().any(|d| &d.name == name) {
                return Err(invalid(
                    locate_top_key(source, "host"),
                    format!("host: `config` names deploy `{name}`, which this spec does not have"),
                ));
            }
        }
    }
    for (i, r) in raw.redirects.into_iter().enumerate() {
        if let Some(name) = &r.deploy {
            if !deploys.iter().any(|d| &d.name == name) {
                return Err(invalid(
                    locate_top_key(source, "redirects"),
                    format!("redirects: `deploy: {name}` names no deploy of this spec"),
                ));
            }
        }
        let line = locate_list_items(source, "redirects")
            .get(i)
            .map_or(0, |(l, _)| *l);
        routing.redirects.push(Redirect {
            from: r.from.0,
            to: r.to,
            status: r.status.0,
            deploy: r.deploy,
            line,
        });
    }
    // With host routing (a fallback, rewrites in the host's files) the start page need not be a
    // file: the fixture server checks it against the routing when it loads the deploys.
    let routed = routing.spa_fallback.is_some()
        || host.preset.reads_build_files()
        || !host.config.is_empty();
    // Every deploy needs the start page. Only the first (what the returning user installed)
    // must have the worker script: a later deploy without it is a real scenario ("we deleted
    // the service worker"), and a wrong `service_worker` path is still caught on the first.
    for (i, deploy) in deploys.iter().enumerate() {
        for (what, url_path, key) in [
            ("service worker", &service_worker, "service_worker"),
            ("start page", &start, "start"),
        ] {
            if i > 0 && key == "service_worker" {
                continue;
            }
            if routed && key == "start" {
                continue;
            }
            let Some(in_build) = routing.strip_base(url_path) else {
                return Err(invalid(
                    locate_top_key(source, key).or_else(|| locate_top_key(source, "base")),
                    format!(
                        "{what} `{url_path}` is outside `base: {}`: the app is served only under it",
                        routing.base
                    ),
                ));
            };
            let candidates: Vec<PathBuf> = files_for_url_path(&in_build)
                .iter()
                .map(|f| deploy.dir.join(f.trim_start_matches('/')))
                .collect();
            if !candidates.iter().any(|f| f.is_file()) {
                let position = locate_child_key(source, "deploys", &deploy.name)
                    .or_else(|| locate_top_key(source, key));
                return Err(invalid(
                    position,
                    format!(
                        "deploy `{}` has no {what} `{url_path}` (looked for {})",
                        deploy.name,
                        candidates
                            .iter()
                            .map(|f| f.display().to_string())
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                ));
            }
        }
    }

    let name = raw.name.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "spec".into())
    });
    let version_marker = raw.version_marker.map(|m| match m {
        RawVersionMarker::Selector(s) => VersionMarker::Selector(s),
        RawVersionMarker::Js(s) => VersionMarker::Js(s),
    });
    let mut headers = Vec::new();
    for h in raw.headers {
        if let Some(name) = &h.deploy {
            if !deploys.iter().any(|d| &d.name == name) {
                return Err(invalid(
                    locate_top_key(source, "headers"),
                    format!("headers: `deploy: {name}` names no deploy of this spec"),
                ));
            }
        }
        headers.push(HeaderRule {
            path: h.path.0,
            set: h.set.0,
            deploy: h.deploy,
        });
    }
    let mut spec = Spec {
        path: path.to_path_buf(),
        name,
        deploys,
        start,
        service_worker,
        version_marker,
        headers,
        last_modified_age: raw
            .last_modified_age
            .map_or(super::visits::DEFAULT_LAST_MODIFIED_AGE, |a| a.0),
        host,
        routing,
        checks: Vec::new(),
    };
    // Each check resolves its deploy references once, against the spec it belongs to, before
    // it is shared with the runner.
    let item_positions = locate_list_items(source, "checks");
    let checks_key = locate_top_key(source, "checks");
    let mut checks = Vec::with_capacity(raw.checks.len());
    for (i, config) in raw.checks.into_iter().enumerate() {
        let (line, column) = item_positions
            .get(i)
            .copied()
            .or(checks_key)
            .unwrap_or((1, 1));
        let at = |message: String| {
            invalid(
                Some((line, column)),
                format!("{}: {message}", config.name()),
            )
        };
        // `from: all`: one entry per deploy released before `to` (default: the last), so a
        // user who last visited several releases ago is judged too.
        let entries: Vec<(C, String)> = match config.expands_from_all() {
            None => vec![(config, String::new())],
            Some(to) => {
                let to = match to {
                    Some(name) => name,
                    None => spec
                        .deploys
                        .last()
                        .map(|d| d.name.clone())
                        .unwrap_or_default(),
                };
                let Some(index) = spec.deploys.iter().position(|d| d.name == to) else {
                    return Err(at(format!("`to: {to}` names no deploy of this spec")));
                };
                if index == 0 {
                    return Err(at(format!(
                        "`from: {FROM_ALL}` judges every deploy released before `to`, and `{to}` is the first"
                    )));
                }
                spec.deploys[..index]
                    .iter()
                    .map(|d| {
                        (
                            config.with_pair(&d.name, &to),
                            format!(" (from {})", d.name),
                        )
                    })
                    .collect()
            }
        };
        for (mut config, suffix) in entries {
            config.resolve(&spec).map_err(|message| {
                invalid(
                    Some((line, column)),
                    format!("{}: {message}", config.name()),
                )
            })?;
            checks.push(CheckEntry {
                label: format!("{}{suffix}", config.name()),
                config: Arc::new(config),
                location: Location {
                    file: path.to_path_buf(),
                    line,
                    column,
                },
            });
        }
    }
    let labels: Vec<String> = checks.iter().map(|c| c.label.clone()).collect();
    for entry in &mut checks {
        if labels.iter().filter(|l| **l == entry.label).count() > 1 {
            entry.label = format!("{} @{}", entry.label, entry.location.line);
        }
    }
    spec.checks = checks;
    Ok(spec)
}

fn yaml_error(path: &Path, source: &str, e: &serde_yaml::Error) -> SpecError {
    let full = e.to_string();
    let position = e.location().map(|l| (l.line(), l.column()));
    let message = match position {
        Some((line, col)) => {
            let suffix = format!(" at line {line} column {col}");
            match full.find(&suffix) {
                Some(i) => format!("{}{}", &full[..i], &full[i + suffix.len()..]),
                None => full,
            }
        }
        None => full,
    };
    let message = message
        .strip_prefix(": ")
        .map(str::to_owned)
        .unwrap_or(message);
    let message = if message.trim().is_empty() || message == "EOF while parsing a value" {
        "the spec is empty: expected a mapping with `deploys` and `checks`".into()
    } else {
        message
    };
    SpecError::invalid_at(path.to_path_buf(), source, position, message)
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

/// 1-based position of a top-level `key:`.
fn locate_top_key(source: &str, key: &str) -> Option<(usize, usize)> {
    source.lines().enumerate().find_map(|(i, line)| {
        (indent_of(line) == 0 && line.strip_prefix(key)?.trim_start().starts_with(':'))
            .then_some((i + 1, 1))
    })
}

/// 1-based position of `child:` nested under the top-level `parent:`.
fn locate_child_key(source: &str, parent: &str, child: &str) -> Option<(usize, usize)> {
    let (start, _) = locate_top_key(source, parent)?;
    source
        .lines()
        .enumerate()
        .skip(start)
        .take_while(|(_, l)| !is_content(l) || indent_of(l) > 0)
        .find_map(|(i, line)| {
            let t = line.trim_start();
            let after = t.strip_prefix(child)?;
            after
                .trim_start()
                .starts_with(':')
                .then_some((i + 1, indent_of(line) + 1))
        })
}

/// 1-based positions of the items of the block list under the top-level `key:`.
fn locate_list_items(source: &str, key: &str) -> Vec<(usize, usize)> {
    let Some((start, _)) = locate_top_key(source, key) else {
        return Vec::new();
    };
    let mut items = Vec::new();
    let mut item_indent = None;
    for (i, line) in source.lines().enumerate().skip(start) {
        if !is_content(line) {
            continue;
        }
        let indent = indent_of(line);
        let t = line.trim_start();
        if indent == 0 && !t.starts_with('-') {
            break;
        }
        if let Some(rest) = t.strip_prefix('-') {
            if item_indent.is_none_or(|n| n == indent) {
                item_indent = Some(indent);
                let name_col = indent + 1 + (rest.len() - rest.trim_start().len()) + 1;
                items.push((i + 1, name_col));
            }
        }
    }
    items
}

#[cfg(test)]
pub(super) mod tests {
    use std::any::Any;

    use super::*;
    use crate::spec::CheckParams;

    /// A stand-in for the registry's `CheckConfig`: the spec layer's tests cannot name checks.
    /// A list item is a bare name or a one-key mapping; parameters are not looked at.
    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    #[serde(untagged)]
    pub(crate) enum AnyCheck {
        Bare(String),
        WithParams(std::collections::BTreeMap<String, serde_json::Value>),
    }

    impl CheckParams for AnyCheck {
        fn name(&self) -> &'static str {
            let name = match self {
                AnyCheck::Bare(n) => n.clone(),
                AnyCheck::WithParams(m) => m.keys().next().cloned().unwrap_or_default(),
            };
            Box::leak(name.into_boxed_str())
        }
        fn resolve(&mut self, _: &Spec) -> Result<(), String> {
            Ok(())
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
        fn with_pair(&self, _: &str, _: &str) -> Self {
            unreachable!("the stand-in is never a transition")
        }
    }

    #[test]
    fn list_items_are_located() {
        let src = "deploys:\n  v1: a\nchecks:\n  - update-recovers:\n      reloads: 2\n  - caches-pruned\n";
        assert_eq!(locate_list_items(src, "checks"), vec![(4, 5), (6, 5)]);
        assert_eq!(locate_child_key(src, "deploys", "v1"), Some((2, 3)));
        assert_eq!(locate_top_key(src, "checks"), Some((3, 1)));
    }

    #[test]
    fn a_full_spec_becomes_a_plan_with_check_locations() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = root.join("specs/inline.yaml");
        let src = "name: demo\ndeploys:\n  v1: ../fixtures/apps/network-first/v1\n  v2:\n    dir: ../fixtures/apps/network-first/v2\n    marker: '2.0'\nversion_marker:\n  js: window.V\nheaders:\n  - path: /sw.js\n    set:\n      Cache-Control: no-cache\nchecks:\n  - update-recovers:\n      reloads: 2\n  - caches-pruned\n";
        let spec = parse_spec::<AnyCheck>(&path, src).unwrap();
        assert_eq!(spec.name, "demo");
        let deploys: Vec<_> = spec
            .deploys
            .iter()
            .map(|d| (d.name.as_str(), d.marker.as_str()))
            .collect();
        assert_eq!(deploys, vec![("v1", "v1"), ("v2", "2.0")]);
        assert_eq!(
            spec.deploys[1].dir,
            root.join("fixtures/apps/network-first/v2")
        );
        assert_eq!(
            (spec.start.as_str(), spec.service_worker.as_str()),
            ("/", "/sw.js")
        );
        assert_eq!(
            spec.version_marker,
            Some(VersionMarker::Js("window.V".into()))
        );
        assert_eq!(
            spec.headers[0].set,
            vec![("Cache-Control".into(), "no-cache".into())]
        );
        let checks: Vec<_> = spec
            .checks
            .iter()
            .map(|c| (c.config.name(), c.location.line, c.location.column))
            .collect();
        assert_eq!(
            checks,
            vec![("update-recovers", 14, 5), ("caches-pruned", 16, 5)]
        );
    }

    /// `start: /about` loads where the fixture server would serve it (`about/index.html`):
    /// the loader and the server share one URL → file rule.
    #[test]
    fn a_start_page_in_a_directory_is_found_as_the_server_finds_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("v1/about")).unwrap();
        std::fs::write(dir.path().join("v1/about/index.html"), "<p>about</p>").unwrap();
        std::fs::write(dir.path().join("v1/sw.js"), "").unwrap();
        let path = dir.path().join("spec.yaml");
        let src = "deploys:\n  v1: v1\nstart: /about\nchecks:\n  - cache-as-database\n";
        let spec = parse_spec::<AnyCheck>(&path, src).unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(spec.start, "/about");
        let missing = "deploys:\n  v1: v1\nstart: /contact\nchecks:\n  - cache-as-database\n";
        let error = parse_spec::<AnyCheck>(&path, missing).unwrap_err().render();
        assert!(
            error.contains("has no start page `/contact`")
                && error.contains("contact and ")
                && error.contains("contact/index.html"),
            "{error}"
        );
    }
}
