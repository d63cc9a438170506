//! swgate catches service-worker regressions before users do.
//!
//! It deploys version N, then N+1, of an app's real build output on a local fixture server,
//! drives real Chromium over CDP as a returning user, and checks that users recover: the page
//! reaches N+1, old caches are pruned, and so on. The entry point is [`run`]; the data flows
//! [`spec`] → [`server`] → [`browser`] → [`scenario`] → [`checks`] → [`runner`] → [`report`],
//! and a module imports only modules before it in that flow, plus the value modules every
//! layer shares ([`timeline`], [`outcome`], [`exit_codes`]); a unit test below keeps it so.
//! Every scenario records a [`timeline`] that all reports render from, and [`init`] writes a
//! starter spec from a build directory.

pub mod browser;
pub mod checks;
mod cli;
pub mod exit_codes;
pub mod init;
pub mod outcome;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod server;
pub mod spec;
pub mod timeline;

pub use runner::exit_code;

/// Runs swgate with these command-line arguments (program name first) and returns the exit
/// code; `main` only calls this.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> std::process::ExitCode {
    let code = cli::main_with_args(args);
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}

#[cfg(test)]
mod flow {
    //! The import direction: a module may use only modules before it in the flow, plus the
    //! shared value modules. Read from the source text, so a new `use crate::…` against the flow
    //! fails here with the file and the line.

    use std::path::Path;

    /// The flow, first to last.
    const FLOW: &[&str] = &[
        "spec", "server", "browser", "scenario", "checks", "runner", "report", "init", "cli",
    ];
    /// Value modules any layer may use; they use only each other.
    const SHARED: &[&str] = &["outcome", "timeline", "exit_codes"];
    /// Known exceptions: none. (The spec's `checks:` list parses into a type the caller names,
    /// `load_spec::<CheckConfig>`, so `spec` does not import `checks`.)
    const EXCEPTIONS: &[(&str, &str)] = &[];

    fn module_of(path: &Path) -> Option<String> {
        let rel = path
            .strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
            .ok()?;
        let first = rel.components().next()?.as_os_str().to_str()?;
        Some(first.trim_end_matches(".rs").to_string())
    }

    fn allowed(from: &str, to: &str) -> bool {
        if from == to || SHARED.contains(&to) || EXCEPTIONS.contains(&(from, to)) {
            return true;
        }
        if SHARED.contains(&from) {
            // timeline records verdicts; outcome and exit_codes stand alone.
            return from == "timeline" && to == "outcome";
        }
        let rank = |m: &str| FLOW.iter().position(|f| *f == m);
        matches!((rank(from), rank(to)), (Some(a), Some(b)) if b < a)
    }

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn no_module_imports_against_the_flow() {
        let mut files = Vec::new();
        rust_files(
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut files,
        );
        let mut wrong = Vec::new();
        for file in &files {
            let Some(from) = module_of(file) else {
                continue;
            };
            if from == "lib" || from == "main" {
                continue;
            }
            let text = std::fs::read_to_string(file).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for part in line.split("crate::").skip(1) {
                    let to: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !to.is_empty() && !allowed(&from, &to) {
                        wrong.push(format!("{}:{}: {from} -> {to}", file.display(), n + 1));
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "imports against the flow {FLOW:?}:\n{}",
            wrong.join("\n")
        );
    }
}
