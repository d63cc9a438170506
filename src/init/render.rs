//! The plan as commented YAML: the starter spec `swgate init` writes.

use std::fmt::Write as _;
use std::path::{Component, Path};

use crate::spec::yaml_string;

use super::{DeployRole, InitPlan, SwEvidence};

/// A name for the build after `name`: `v1` → `v2`, `dist` → `dist-next`.
pub(super) fn next_name(name: &str) -> String {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    match name[name.len() - digits..].parse::<u64>() {
        Ok(n) if digits > 0 => format!("{}{}", &name[..name.len() - digits], n + 1),
        _ => format!("{name}-next"),
    }
}

/// `to` relative to the directory `from` (both absolute), with `/` separators.
pub(super) fn relative_to(from: &Path, to: &Path) -> String {
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
    if let Some(host) = &plan.host {
        let _ = writeln!(
            out,
            "# Host: found {}; the fixture server applies its headers and routing.",
            host.found
        );
        match &host.config {
            Some(config) => {
                let _ = writeln!(out, "host:");
                let _ = writeln!(out, "  preset: {}", host.preset);
                let _ = writeln!(
                    out,
                    "  config: {}",
                    yaml_string(&relative_to(spec_dir, config))
                );
            }
            None => {
                let _ = writeln!(out, "host: {}", host.preset);
            }
        }
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
