//! `swgate init`: look at a real build output and write a starter spec for it.
//!
//! Three stages, so each can be tested alone: [`scan`] reads the build directory and its
//! siblings into an [`InitPlan`] (what was found, which deploys, which checks and why), and
//! [`render`] turns the plan into commented YAML; [`main`] writes it and maps errors to exit
//! codes. Everything found is a heuristic on file names and source text, never execution: the
//! plan says what it saw so the user can correct it.
//!
//! The rooms: `files.rs` reads a build directory, `scan.rs` walks the build and its siblings into the plan, `heuristics.rs` holds
//! the guesses made on file names and source text (which file is the worker, what is hashed),
//! `render.rs` writes the YAML. Which checks apply, and why, each check says itself
//! (`Check::suggest`).

mod files;
mod heuristics;
mod render;
mod scan;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::exit_codes;

pub use heuristics::looks_hashed;
pub use render::render;
pub use scan::scan;

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
    /// The host the build's config files point to, if any.
    pub host: Option<HostGuess>,
}

/// A host recognised from its config files in or beside the build directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostGuess {
    /// The preset to write (`netlify`, `firebase`, `vercel`).
    pub preset: &'static str,
    /// The config file the spec must name (`firebase.json`, `vercel.json`), absolute.
    pub config: Option<PathBuf>,
    /// What was found, for the comment.
    pub found: String,
}

impl InitPlan {
    /// Deploys after the installed one that are updates (not the kill switch).
    pub fn next_deploys(&self) -> impl Iterator<Item = &PlannedDeploy> {
        self.deploys.iter().filter(|d| d.role == DeployRole::Next)
    }
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
    use super::heuristics::*;
    use super::render::*;
    use super::scan::*;
    use super::*;
    use crate::spec::yaml_string;

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
                // The siblings' workers are byte-identical: no worker update to judge.
                "navigation-network-path",
                "navigation-timeout",
                "cache-as-database",
                "worker-url-moved",
                "storage-stays-bounded",
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
        assert_eq!(
            checks,
            [
                "navigation-timeout",
                "cache-as-database",
                "storage-stays-bounded"
            ]
        );
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

    /// A host's config files name the host: `firebase.json` beside the build becomes
    /// `host: { preset: firebase, config: ... }`, `_headers` in the build `host: netlify`, and
    /// the written spec loads.
    #[test]
    fn host_config_files_set_the_host() {
        let mut files = app("v1");
        files.extend(app("v2"));
        files.push((
            "firebase.json".into(),
            r#"{ "hosting": { "public": "v1" } }"#.into(),
        ));
        let dir = tree_of(files);
        let plan = scan(&dir.path().join("v1")).unwrap();
        let text = render(&plan, dir.path());
        assert!(
            text.contains("# Host: found ") && text.contains("firebase.json beside the build"),
            "{text}"
        );
        assert!(
            text.contains("host:\n  preset: firebase\n  config: firebase.json\n"),
            "{text}"
        );
        let spec = dir.path().join("swgate.yaml");
        std::fs::write(&spec, &text).unwrap();
        let loaded = crate::spec::load_spec::<crate::checks::CheckConfig>(&spec)
            .unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(loaded.host.preset, crate::spec::HostPreset::Firebase);

        let mut files = app("v1");
        files.push((
            "v1/_headers".into(),
            "/*\n  Cache-Control: no-cache\n".into(),
        ));
        let dir = tree_of(files);
        let plan = scan(&dir.path().join("v1")).unwrap();
        let text = render(&plan, dir.path());
        assert!(text.contains("\nhost: netlify\n"), "{text}");
        assert!(text.contains("_headers in the build"), "{text}");
    }

    #[test]
    fn name_heuristics() {
        for hashed in [
            "/a/app.3f9a1c2b.js",
            "/index-BxY7zq1A.js",
            "/chunk.5c2d8e11.css",
            "/x.abc123def456.js",
            "/assets/settings-Ctad_W5J.js",
            "/assets/index-3elQTE-R.js",
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
