//! `swgate init`: look at a real build output and write a starter spec for it.
//!
//! Three stages, so each can be tested alone: [`scan`] reads the build directory and its
//! siblings into an [`InitPlan`] (what was found, which deploys, which checks and why), and
//! [`render`] turns the plan into commented YAML; [`main`] writes it and maps errors to exit
//! codes. Everything found is a heuristic on file names and source text, never execution: the
//! plan says what it saw so the user can correct it.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::exit_codes;
use crate::spec::{yaml_string, BuildFacts, Suggestion};

/// Files larger than this are not read for source patterns (minified bundles stay well under).
const MAX_READ_BYTES: u64 = 4 * 1024 * 1024;

/// A build directory holding more files than this is scanned only this far.
const MAX_FILES: usize = 20_000;

/// Why `swgate init` could not write a spec.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The build directory does not exist.
    #[error("build directory {} does not exist", path.display())]
    MissingDir {
        /// The path as given.
        path: PathBuf,
    },
    /// The build path is a file.
    #[error("{} is not a directory; give the directory your build writes (e.g. dist/)", path.display())]
    NotADir {
        /// The path as given.
        path: PathBuf,
    },
    /// No page to open.
    #[error("no start page in {}: looked for index.html, then any .html file at its top level", dir.display())]
    NoStartPage {
        /// The build directory.
        dir: PathBuf,
    },
    /// Nothing that looks like a service worker.
    #[error("no service worker found in {}: {searched}", dir.display())]
    NoServiceWorker {
        /// The build directory.
        dir: PathBuf,
        /// What was looked for, and in how many files.
        searched: String,
    },
    /// The output file exists and `--force` was not given.
    #[error("{} already exists; pass --force to overwrite it, or -o to write elsewhere", path.display())]
    Exists {
        /// The output file.
        path: PathBuf,
    },
    /// Reading the build or writing the spec failed.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl InitError {
    /// The process exit code: the user's input is wrong (2), or the file system failed (3).
    pub fn exit_code(&self) -> i32 {
        match self {
            InitError::MissingDir { .. }
            | InitError::NotADir { .. }
            | InitError::NoStartPage { .. }
            | InitError::NoServiceWorker { .. }
            | InitError::Exists { .. } => exit_codes::USAGE_ERROR,
            InitError::Io { .. } => exit_codes::INFRASTRUCTURE_ERROR,
        }
    }
}

/// How the service-worker script was identified, strongest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwEvidence {
    /// A page or script calls `navigator.serviceWorker.register('…')` with this URL.
    Registered {
        /// The file (relative to the build) holding the call.
        by: String,
    },
    /// Its source registers worker listeners or calls `skipWaiting`/`clients.claim`.
    WorkerCode,
}

/// What role a deploy plays in the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployRole {
    /// The build given: what a returning user installed (N).
    Installed,
    /// A sibling build that sorts after it: N+1, N+2, ...
    Next,
    /// A sibling whose worker unregisters itself: a kill switch.
    KillSwitch,
}

/// One deploy of the planned spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDeploy {
    /// Its name in the spec (the directory's name).
    pub name: String,
    /// Absolute path of the build directory.
    pub dir: PathBuf,
    /// Its role.
    pub role: DeployRole,
}

/// One check of the planned spec, with why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCheck {
    /// The check's registry name.
    pub name: &'static str,
    /// Parameters as `key: value` YAML lines (empty for a bare name).
    pub params: Vec<String>,
    /// One line for the comment above it.
    pub why: String,
}

/// Everything `init` found and decided, before any YAML is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitPlan {
    /// The spec's `name`.
    pub name: String,
    /// URL path of the start page.
    pub start: String,
    /// URL path of the service-worker script.
    pub service_worker: String,
    /// How the script was identified.
    pub evidence: SwEvidence,
    /// Deploys in spec order: installed, next ones, then the kill switch.
    pub deploys: Vec<PlannedDeploy>,
    /// Sibling builds sorting before the given one, left out.
    pub older: Vec<String>,
    /// URL paths of files whose names carry a content hash.
    pub hashed_assets: Vec<String>,
    /// Whether the worker (or a script it imports) handles `fetch`.
    pub fetch_handler: bool,
    /// Whether the worker uses Cache Storage.
    pub uses_caches: bool,
    /// The checks to write.
    pub checks: Vec<PlannedCheck>,
    /// Commented-out templates (check name, lines), for parameters only the user knows.
    pub templates: Vec<(&'static str, &'static [&'static str])>,
}

impl InitPlan {
    /// Deploys after the installed one that are updates (not the kill switch).
    pub fn next_deploys(&self) -> impl Iterator<Item = &PlannedDeploy> {
        self.deploys.iter().filter(|d| d.role == DeployRole::Next)
    }
}

/// One build directory's files, as URL paths, with the text of the readable ones.
struct BuildFiles {
    /// `(url path, absolute file)` in path order.
    files: Vec<(String, PathBuf)>,
}

impl BuildFiles {
    fn read(dir: &Path) -> Result<Self, InitError> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(current) = stack.pop() {
            let entries = std::fs::read_dir(&current).map_err(|source| InitError::Io {
                action: "read",
                path: current.clone(),
                source,
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                // Dot directories and dependencies are not what the server serves to users.
                if name.starts_with('.') || name == "node_modules" {
                    continue;
                }
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    stack.push(path);
                } else if kind.is_file() && files.len() < MAX_FILES {
                    let rel = path.strip_prefix(dir).unwrap_or(&path);
                    files.push((url_path_of(rel), path));
                }
            }
        }
        files.sort();
        Ok(BuildFiles { files })
    }

    fn text(&self, url: &str) -> Option<String> {
        let (_, file) = self.files.iter().find(|(u, _)| u == url)?;
        read_small(file)
    }

    fn has(&self, url: &str) -> bool {
        self.files.iter().any(|(u, _)| u == url)
    }

    fn with_ext<'a>(&'a self, exts: &'a [&str]) -> impl Iterator<Item = &'a (String, PathBuf)> {
        self.files.iter().filter(move |(u, _)| {
            Path::new(u)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
        })
    }
}

fn read_small(file: &Path) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    if meta.len() > MAX_READ_BYTES {
        return None;
    }
    String::from_utf8(std::fs::read(file).ok()?).ok()
}

fn url_path_of(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    format!("/{}", parts.join("/"))
}

/// Scans `build_dir` and its siblings into a plan.
pub fn scan(build_dir: &Path) -> Result<InitPlan, InitError> {
    let meta = std::fs::metadata(build_dir).map_err(|_| InitError::MissingDir {
        path: build_dir.to_path_buf(),
    })?;
    if !meta.is_dir() {
        return Err(InitError::NotADir {
            path: build_dir.to_path_buf(),
        });
    }
    let dir = build_dir.canonicalize().map_err(|source| InitError::Io {
        action: "read",
        path: build_dir.to_path_buf(),
        source,
    })?;
    let build = BuildFiles::read(&dir)?;
    let start =
        find_start_page(&build).ok_or_else(|| InitError::NoStartPage { dir: dir.clone() })?;
    let (service_worker, evidence) = find_service_worker(&build, &dir)?;
    let worker_text = worker_sources(&build, &service_worker);
    let fetch_handler = listens_for(&worker_text, "fetch");
    let uses_caches = worker_text.contains("caches.");
    let hashed_assets: Vec<String> = build
        .files
        .iter()
        .filter(|(u, _)| u != &service_worker && looks_hashed(u))
        .map(|(u, _)| u.clone())
        .collect();
    let start_html = build.text(&start_file(&start)).unwrap_or_default();

    let name_of = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "build".into())
    };
    let own_name = name_of(&dir);
    let mut deploys = vec![PlannedDeploy {
        name: own_name.clone(),
        dir: dir.clone(),
        role: DeployRole::Installed,
    }];
    let mut older = Vec::new();
    let mut kills = Vec::new();
    if let Some(parent) = dir.parent() {
        let mut siblings: Vec<PathBuf> = std::fs::read_dir(parent)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path())
                    .filter(|p| p != &dir && !name_of(p).starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        siblings.sort_by(|a, b| natural_cmp(&name_of(a), &name_of(b)));
        for sibling in siblings {
            let name = name_of(&sibling);
            let worker = read_small(&sibling.join(service_worker.trim_start_matches('/')));
            let has_start = sibling
                .join(start_file(&start).trim_start_matches('/'))
                .is_file();
            if !has_start {
                continue;
            }
            if worker
                .as_deref()
                .is_some_and(|w| w.contains(".unregister("))
            {
                kills.push(PlannedDeploy {
                    name,
                    dir: sibling,
                    role: DeployRole::KillSwitch,
                });
                continue;
            }
            // A sibling is another build of the same app when it serves the same worker path
            // or is named like this one (`v1`/`v2-broken`); `public/` next to `build/` is not.
            if worker.is_none() && name_family(&name) != name_family(&own_name) {
                continue;
            }
            if natural_cmp(&name, &own_name) == Ordering::Less {
                older.push(name);
            } else {
                deploys.push(PlannedDeploy {
                    name,
                    dir: sibling,
                    role: DeployRole::Next,
                });
            }
        }
    }
    // The kill switch goes last: `kill-switch` takes the last deploy by default, and the
    // update checks take the first two.
    deploys.extend(kills);
    // The app's name is the directory holding its builds (`my-app/dist`, `app/v1`).
    let name = dir.parent().map(name_of).unwrap_or(own_name);

    let mut plan = InitPlan {
        name,
        start,
        service_worker,
        evidence,
        deploys,
        older,
        hashed_assets,
        fetch_handler,
        uses_caches,
        checks: Vec::new(),
        templates: Vec::new(),
    };
    // Each check decides from the facts whether and how it applies (`Check::suggest`).
    let facts = BuildFacts {
        installed: plan.deploys[0].name.clone(),
        next: plan.next_deploys().map(|d| d.name.clone()).collect(),
        kill_switch: plan
            .deploys
            .iter()
            .find(|d| d.role == DeployRole::KillSwitch)
            .map(|d| d.name.clone()),
        service_worker: plan.service_worker.clone(),
        start: plan.start.clone(),
        fetch_handler: plan.fetch_handler,
        uses_caches: plan.uses_caches,
        skew_asset: skew_asset(&plan, &start_html).map(str::to_owned),
    };
    for (name, suggestion) in crate::checks::suggestions(&facts) {
        match suggestion {
            Suggestion::Skip => {}
            Suggestion::Write { params, why } => {
                plan.checks.push(PlannedCheck { name, params, why })
            }
            Suggestion::Template(lines) => plan.templates.push((name, lines)),
        }
    }
    Ok(plan)
}

fn start_file(start: &str) -> String {
    if start.ends_with('/') {
        format!("{start}index.html")
    } else {
        start.to_string()
    }
}

fn find_start_page(build: &BuildFiles) -> Option<String> {
    if build.has("/index.html") {
        return Some("/".into());
    }
    build
        .with_ext(&["html"])
        .map(|(u, _)| u.clone())
        .find(|u| u.matches('/').count() == 1)
}

/// The worker script: the one a page registers if that file exists, else the best-named file
/// whose source looks like worker code.
fn find_service_worker(build: &BuildFiles, dir: &Path) -> Result<(String, SwEvidence), InitError> {
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
fn registered_scripts(text: &str) -> Vec<String> {
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
fn resolve_url(base: &str, url: &str) -> String {
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

fn looks_like_worker(text: &str) -> bool {
    ["install", "activate", "fetch"]
        .iter()
        .any(|event| listens_for(text, event))
        || text.contains("skipWaiting(")
        || text.contains("clients.claim(")
}

/// Whether `text` registers a listener for `event` (`addEventListener('fetch'` or `onfetch =`).
fn listens_for(text: &str, event: &str) -> bool {
    let compact: String = text.split_whitespace().collect();
    ['\'', '"', '`']
        .iter()
        .any(|q| compact.contains(&format!("addEventListener({q}{event}{q}")))
        || compact.contains(&format!("on{event}="))
}

/// The worker's source plus the scripts it pulls in with `importScripts` (libraries such as
/// Workbox keep the handlers there).
fn worker_sources(build: &BuildFiles, worker: &str) -> String {
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
    for import in imports {
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
    stem.split(['.', '-', '_']).skip(1).any(is_hash)
}

/// A hash segment: 8 to 64 letters and digits with a digit (`3f9a1c2b`), or mixed case
/// (`BxYzqWaA`, base64-style); a plain word such as `settings` or `min` is neither.
fn is_hash(s: &str) -> bool {
    let len = s.len();
    if !(8..=64).contains(&len) || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let digit = s.chars().any(|c| c.is_ascii_digit());
    let upper = s.chars().any(|c| c.is_ascii_uppercase());
    let lower = s.chars().any(|c| c.is_ascii_lowercase());
    digit || (upper && lower)
}

/// The part of a directory name before its first digit (`v` for `v1` and `v2-missing`).
fn name_family(name: &str) -> &str {
    &name[..name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len())]
}

/// Orders `v2` before `v10`: runs of digits compare as numbers.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, text)) if *d == digit => text.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let ord = match (x.0, y.0) {
            (true, true) => {
                let (nx, ny) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny))
            }
            _ => x.1.cmp(&y.1),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

/// The asset a tab left open under N asks for later: a hashed script the start page does not
/// load itself (likely a lazy chunk), else any hashed script, else any hashed file.
fn skew_asset<'a>(plan: &'a InitPlan, start_html: &str) -> Option<&'a str> {
    let scripts = || {
        plan.hashed_assets
            .iter()
            .filter(|a| a.ends_with(".js") || a.ends_with(".mjs"))
    };
    scripts()
        .find(|a| !start_html.contains(a.trim_start_matches('/')))
        .or_else(|| scripts().next())
        .or_else(|| plan.hashed_assets.first())
        .map(String::as_str)
}

/// A name for the build after `name`: `v1` → `v2`, `dist` → `dist-next`.
fn next_name(name: &str) -> String {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    match name[name.len() - digits..].parse::<u64>() {
        Ok(n) if digits > 0 => format!("{}{}", &name[..name.len() - digits], n + 1),
        _ => format!("{name}-next"),
    }
}

/// `to` relative to the directory `from` (both absolute), with `/` separators.
fn relative_to(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(
        to_parts[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// The spec text for `plan`, with deploy paths relative to `spec_dir` (the output file's
/// directory, absolute).
pub fn render(plan: &InitPlan, spec_dir: &Path) -> String {
    let mut out = String::new();
    let installed = &plan.deploys[0];
    let found = match &plan.evidence {
        SwEvidence::Registered { by } => format!("registered by {by}"),
        SwEvidence::WorkerCode => {
            "its source registers worker listeners; no page registers it by a literal path".into()
        }
    };
    let _ = writeln!(
        out,
        "# Starter spec written by `swgate init`: edit freely, it is yours now."
    );
    let _ = writeln!(out, "# Service worker: {} ({found}).", plan.service_worker);
    let _ = writeln!(out, "# Start page: {}.", plan.start);
    match plan.hashed_assets.as_slice() {
        [] => {
            let _ = writeln!(out, "# Hashed assets: none found.");
        }
        [one, rest @ ..] => {
            let _ = writeln!(out, "# Hashed assets: {} (e.g. {one}).", 1 + rest.len());
        }
    }
    let _ = writeln!(out, "# `swgate list` shows every check and its parameters; run this spec with `swgate run FILE`.");
    let _ = writeln!(out, "# Editor completion: save `swgate schema` as swgate-spec.schema.json next to this file and");
    let _ = writeln!(
        out,
        "# make the first line `# yaml-language-server: $schema=./swgate-spec.schema.json`."
    );
    let _ = writeln!(out, "name: {}", yaml_string(&plan.name));
    let _ = writeln!(out, "deploys:");
    let _ = writeln!(out, "  # In deploy order: the build a returning user has installed (N) first, then what follows.");
    for deploy in &plan.deploys {
        let note = match deploy.role {
            DeployRole::Installed => "   # N: what a returning user installed",
            DeployRole::Next => "",
            DeployRole::KillSwitch => "   # its worker unregisters itself: the kill switch",
        };
        let _ = writeln!(
            out,
            "  {}: {}{note}",
            yaml_string(&deploy.name),
            yaml_string(&relative_to(spec_dir, &deploy.dir))
        );
    }
    if plan.next_deploys().next().is_none() {
        let _ = writeln!(
            out,
            "  # No next build (N+1) of the app was found, so no check of an update can run yet."
        );
        let _ = writeln!(
            out,
            "  # Build the next version into a sibling directory (e.g. `{}`), add it here right",
            next_name(&installed.name)
        );
        let _ = writeln!(
            out,
            "  # after `{}`, and add update-recovers, caches-pruned, version-skew and",
            installed.name
        );
        let _ = writeln!(out, "  # sw-script-fresh to the checks.");
    }
    if !plan.older.is_empty() {
        let _ = writeln!(
            out,
            "  # Left out, they sort before {}: {}.",
            installed.name,
            plan.older.join(", ")
        );
    }
    let _ = writeln!(out, "start: {}", yaml_string(&plan.start));
    let _ = writeln!(out, "service_worker: {}", yaml_string(&plan.service_worker));
    if !plan.hashed_assets.is_empty() {
        let _ = writeln!(
            out,
            "# Serve what your CDN serves, e.g. hashed assets as immutable:"
        );
        let _ = writeln!(out, "# headers:");
        let first = &plan.hashed_assets[0];
        let glob = match first.rfind('/') {
            Some(0) | None => first.clone(),
            Some(i) => format!("{}/*", &first[..i]),
        };
        let _ = writeln!(out, "#   - path: {}", yaml_string(&glob));
        let _ = writeln!(
            out,
            "#     set: {{ Cache-Control: \"max-age=31536000, immutable\" }}"
        );
    }
    let _ = writeln!(out, "checks:");
    for check in &plan.checks {
        for line in crate::report::wrap_words(&check.why, 94) {
            let _ = writeln!(out, "  # {line}");
        }
        if check.params.is_empty() {
            let _ = writeln!(out, "  - {}", check.name);
        } else {
            let _ = writeln!(out, "  - {}:", check.name);
            for line in &check.params {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    if !plan.templates.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  # Checks that need what only you know about the app: uncomment and fill in."
        );
        for (_, lines) in &plan.templates {
            for line in *lines {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    out
}

/// `swgate init BUILD_DIR [-o FILE] [--force]`: returns the exit code.
pub fn main(build_dir: &Path, output: Option<&Path>, force: bool) -> i32 {
    match write(build_dir, output, force) {
        Ok(message) => {
            eprintln!("{message}");
            exit_codes::SUCCESS
        }
        Err(e) => {
            let mut text = format!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                let _ = write!(text, ": {cause}");
                source = cause.source();
            }
            eprintln!("{text}");
            e.exit_code()
        }
    }
}

fn write(build_dir: &Path, output: Option<&Path>, force: bool) -> Result<String, InitError> {
    let plan = scan(build_dir)?;
    let cwd = std::env::current_dir().map_err(|source| InitError::Io {
        action: "read",
        path: ".".into(),
        source,
    })?;
    let summary = plan
        .checks
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ");
    let to_stdout = output.is_some_and(|o| o == Path::new("-"));
    if to_stdout {
        print!("{}", render(&plan, &cwd));
        return Ok(format!(
            "swgate init: {} checks: {summary}",
            plan.checks.len()
        ));
    }
    let file = output.map_or_else(|| PathBuf::from("swgate.yaml"), Path::to_path_buf);
    if file.exists() && !force {
        return Err(InitError::Exists { path: file });
    }
    let absolute = std::path::absolute(&file).unwrap_or_else(|_| cwd.join(&file));
    let spec_dir = absolute.parent().map_or(cwd.clone(), Path::to_path_buf);
    // Relative paths are computed between canonical directories, so a symlinked output
    // directory still points at the build.
    let spec_dir = spec_dir.canonicalize().unwrap_or(spec_dir);
    std::fs::write(&file, render(&plan, &spec_dir)).map_err(|source| InitError::Io {
        action: "write",
        path: file.clone(),
        source,
    })?;
    Ok(format!(
        "wrote {} with {} checks ({summary}); run it with `swgate run {}`",
        file.display(),
        plan.checks.len(),
        file.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    /// Writes `files` (relative path, contents) under a new temp dir.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let file = dir.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        dir
    }

    const PAGE: &str = "<script src=\"/assets/app.3f9a1c2b.js\"></script>";
    const REGISTERS: &str = "navigator.serviceWorker.register('/sw.js');";
    const WORKER: &str =
        "self.addEventListener('fetch', (e) => e.respondWith(caches.match(e.request)));";

    fn app(version: &str) -> Vec<(String, String)> {
        vec![
            (format!("{version}/index.html"), PAGE.into()),
            (
                format!("{version}/assets/app.3f9a1c2b.js"),
                REGISTERS.into(),
            ),
            (format!("{version}/sw.js"), WORKER.into()),
        ]
    }

    fn tree_of(files: Vec<(String, String)>) -> tempfile::TempDir {
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        tree(&files)
    }

    #[test]
    fn the_registered_script_wins_over_a_better_name() {
        let dir = tree(&[
            (
                "index.html",
                "<script>navigator.serviceWorker.register(\"./worker-main.js?v=3\")</script>",
            ),
            ("worker-main.js", "self.oninstall = () => {};"),
            ("sw.js", WORKER),
        ]);
        let plan = scan(dir.path()).unwrap();
        assert_eq!(plan.service_worker, "/worker-main.js");
        assert_eq!(
            plan.evidence,
            SwEvidence::Registered {
                by: "index.html".into()
            }
        );
        assert!(!plan.fetch_handler, "worker-main.js has no fetch handler");
    }

    #[test]
    fn worker_code_is_found_without_a_registration() {
        let dir = tree(&[
            ("index.html", "<p>hi</p>"),
            ("js/helper.js", "export const x = 1;"),
            (
                "js/service-worker.js",
                "self.skipWaiting(); importScripts('lib.js');",
            ),
            ("js/lib.js", "addEventListener( \"fetch\" , () => {});"),
        ]);
        let plan = scan(dir.path()).unwrap();
        assert_eq!(plan.service_worker, "/js/service-worker.js");
        assert_eq!(plan.evidence, SwEvidence::WorkerCode);
        assert!(
            plan.fetch_handler,
            "the imported script's fetch handler counts"
        );
    }

    #[test]
    fn no_service_worker_says_what_was_searched() {
        let dir = tree(&[("index.html", "<p>hi</p>"), ("app.js", "console.log(1)")]);
        let e = scan(dir.path()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let message = e.to_string();
        assert!(
            message.starts_with("no service worker found in "),
            "{message}"
        );
        assert!(message.contains("in 2 HTML/JS files"), "{message}");
        assert!(message.contains("skipWaiting()"), "{message}");
    }

    #[test]
    fn a_missing_dir_or_page_is_a_usage_error() {
        let e = scan(Path::new("/nonexistent/build")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "build directory /nonexistent/build does not exist"
        );
        assert_eq!(e.exit_code(), 2);
        let dir = tree(&[("sw.js", WORKER)]);
        let e = scan(dir.path()).unwrap_err();
        assert!(matches!(e, InitError::NoStartPage { .. }), "{e}");
    }

    #[test]
    fn siblings_become_next_deploys_and_the_kill_switch_goes_last() {
        let mut files = Vec::new();
        for v in ["v1", "v2", "v10", "v0"] {
            files.extend(app(v));
        }
        files.push(("kill/index.html".into(), "<p>bye</p>".into()));
        files.push((
            "kill/sw.js".into(),
            "self.registration.unregister();".into(),
        ));
        files.push(("public/index.html".into(), "<p>template</p>".into()));
        files.push(("v2-nosw/index.html".into(), PAGE.into()));
        let dir = tree_of(files);
        let plan = scan(&dir.path().join("v1")).unwrap();
        let names: Vec<(&str, DeployRole)> = plan
            .deploys
            .iter()
            .map(|d| (d.name.as_str(), d.role))
            .collect();
        assert_eq!(
            names,
            [
                ("v1", DeployRole::Installed),
                ("v2", DeployRole::Next),
                ("v2-nosw", DeployRole::Next),
                ("v10", DeployRole::Next),
                ("kill", DeployRole::KillSwitch),
            ]
        );
        assert_eq!(plan.older, ["v0"]);
        assert_eq!(plan.hashed_assets, ["/assets/app.3f9a1c2b.js"]);
        let checks: Vec<&str> = plan.checks.iter().map(|c| c.name).collect();
        assert_eq!(
            checks,
            [
                "update-recovers",
                "caches-pruned",
                "kill-switch",
                "version-skew",
                "sw-script-fresh",
                "navigation-network-path",
                "navigation-timeout",
                "cache-as-database",
            ]
        );
        assert!(plan
            .templates
            .iter()
            .any(|(n, _)| *n == "broken-deploy-survives"));
    }

    #[test]
    fn one_deploy_explains_how_to_add_the_next() {
        let dir = tree_of(app("dist"));
        let plan = scan(&dir.path().join("dist")).unwrap();
        let checks: Vec<&str> = plan.checks.iter().map(|c| c.name).collect();
        assert_eq!(checks, ["navigation-timeout", "cache-as-database"]);
        let text = render(&plan, dir.path());
        assert!(text.contains("  dist: dist   # N"), "{text}");
        assert!(text.contains("(e.g. `dist-next`)"), "{text}");
        assert!(!text.contains("update-prompt"), "{text}");
    }

    #[test]
    fn writing_refuses_to_overwrite_without_force() {
        let dir = tree_of(app("v1"));
        let out = dir.path().join("out/swgate.yaml");
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        let build = dir.path().join("v1");
        write(&build, Some(&out), false).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains("  v1: ../v1   # N"), "{text}");
        let e = write(&build, Some(&out), false).unwrap_err();
        assert!(matches!(e, InitError::Exists { .. }), "{e}");
        assert_eq!(e.exit_code(), 2);
        write(&build, Some(&out), true).unwrap();
    }

    #[test]
    fn name_heuristics() {
        for hashed in [
            "/a/app.3f9a1c2b.js",
            "/index-BxY7zq1A.js",
            "/chunk.5c2d8e11.css",
            "/x.abc123def456.js",
        ] {
            assert!(looks_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/sw.js",
            "/app.js",
            "/jquery.min.js",
            "/v2.js",
            "/app-settings.js",
            "/data/feed.json",
            "/2024.js",
        ] {
            assert!(!looks_hashed(plain), "{plain}");
        }
        let mut names = vec!["v10", "v2", "kill", "v1", "v2-broken"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["kill", "v1", "v2", "v2-broken", "v10"]);
        assert_eq!(resolve_url("/app/", "../sw.js?v=1"), "/sw.js");
        assert_eq!(resolve_url("/", "https://example.com/sw.js"), "/sw.js");
        assert_eq!(
            relative_to(Path::new("/a/b"), Path::new("/a/c/d")),
            "../c/d"
        );
        assert_eq!(relative_to(Path::new("/a"), Path::new("/a")), ".");
        assert_eq!(yaml_string("v1"), "v1");
        assert_eq!(yaml_string("2"), "\"2\"");
        assert_eq!(yaml_string("a b"), "\"a b\"");
        assert_eq!(next_name("v9"), "v10");
    }

    /// Every bundled fixture app's first build gets a spec the normal loader accepts.
    #[test]
    fn every_fixture_app_gets_a_spec_that_loads() {
        let apps = repo().join("fixtures/apps");
        let mut count = 0;
        for entry in std::fs::read_dir(&apps).unwrap() {
            let build = entry.unwrap().path().join("v1");
            if !build.is_dir() {
                continue;
            }
            let out = tempfile::tempdir().unwrap();
            let file = out.path().join("swgate.yaml");
            write(&build, Some(&file), false)
                .unwrap_or_else(|e| panic!("{}: {e}", build.display()));
            if let Err(e) = crate::spec::load_spec::<crate::checks::CheckConfig>(&file) {
                panic!(
                    "{}: {}\n{}",
                    build.display(),
                    e.render(),
                    std::fs::read_to_string(&file).unwrap()
                );
            }
            count += 1;
        }
        assert!(count >= 20, "only {count} fixture apps");
    }

    fn fixture_spec(app: &str) -> String {
        let plan = scan(&repo().join("fixtures/apps").join(app).join("v1")).unwrap();
        render(&plan, &repo().join("specs"))
    }

    #[test]
    fn stuck_shell_spec() {
        insta::assert_snapshot!(fixture_spec("stuck-shell"));
    }

    #[test]
    fn kill_switch_spec() {
        insta::assert_snapshot!(fixture_spec("kill-switch"));
    }
}
