//! What `swgate init` learned of a build, and what a check says it wants written for it.
//!
//! `init` sits above the checks in the flow and scans builds; each check decides from these
//! facts whether it applies, why, and with which parameters (`Check::suggest`). The types live
//! here, below both, so neither imports the other's internals.

/// Facts `init` found in the given build and its sibling builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildFacts {
    /// The deploy a returning user installed (N).
    pub installed: String,
    /// The update deploys after it (N+1, N+2, ...), in deploy order; no kill switch.
    pub next: Vec<String>,
    /// The deploy whose worker unregisters itself, if any.
    pub kill_switch: Option<String>,
    /// URL path of the service-worker script.
    pub service_worker: String,
    /// URL path of the start page.
    pub start: String,
    /// Whether the worker (or a script it imports) handles `fetch`.
    pub fetch_handler: bool,
    /// Whether the worker uses Cache Storage.
    pub uses_caches: bool,
    /// Whether the first update deploy's worker script differs from the installed one's (an
    /// Angular app's `ngsw-worker.js` never does: it updates through `ngsw.json`).
    pub worker_changes: bool,
    /// The first update deploy whose build has no file at `service_worker` (the worker moved or
    /// was dropped), if any.
    pub worker_missing_in: Option<String>,
    /// A hashed file a tab left open under N would ask for later (a lazy chunk, else any
    /// hashed script or file), if the build has one.
    pub skew_asset: Option<String>,
    /// Whether the worker enables navigation preload (`navigationPreload.enable`).
    pub uses_navigation_preload: bool,
    /// Whether the worker listens for `push`.
    pub listens_for_push: bool,
    /// Whether the worker listens for `sync`.
    pub listens_for_sync: bool,
    /// Host files (`_headers`, `_redirects`) that differ between N and the first update deploy,
    /// and whether that deploy's `_headers` adds a `Vary`.
    pub host_changes: HostChanges,
}

/// What the first update deploy changes in the host's files of the build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostChanges {
    /// `_headers` differs.
    pub headers: bool,
    /// `_redirects` differs.
    pub redirects: bool,
    /// N+1's `_headers` sets `Vary` and N's does not.
    pub vary_added: bool,
}

/// What a check asks `init` to write for a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suggestion {
    /// Nothing: the check does not apply to this build.
    Skip,
    /// The check, written active.
    Write {
        /// Parameters as `key: value` YAML lines under the check (empty for a bare name).
        params: Vec<String>,
        /// One sentence for the comment above it: why it applies to this build.
        why: String,
    },
    /// A commented-out template, as lines under `checks:`, for parameters only the user knows.
    Template(&'static [&'static str]),
}

impl Suggestion {
    /// The check, written active with default parameters.
    pub fn bare(why: impl Into<String>) -> Self {
        Suggestion::Write {
            params: Vec::new(),
            why: why.into(),
        }
    }
}

/// Quotes `s` for YAML when a plain scalar would be misread.
pub fn yaml_string(s: &str) -> String {
    let keyword = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
    );
    let plain = !s.is_empty()
        && !keyword
        && s.parse::<f64>().is_err()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !s.starts_with('-');
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}
