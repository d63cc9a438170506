//! Walking a build directory and its siblings into an [`InitPlan`]: files, start page,
//! deploys in release order, and the facts each check's suggestion is made from.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use crate::spec::{BuildFacts, Suggestion};

use super::files::{read_small, BuildFiles};
use super::heuristics::{find_service_worker, listens_for, looks_hashed, worker_sources};
use super::{DeployRole, InitError, InitPlan, PlannedCheck, PlannedDeploy};

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
    let own_worker = read_small(&dir.join(service_worker.trim_start_matches('/')));
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
            if is_kill_switch(
                worker.as_deref(),
                own_worker.as_deref(),
                &service_worker,
                &sibling,
            ) {
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
        host: guess_host(&dir),
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
        worker_changes: plan.next_deploys().next().is_some_and(|next| {
            let worker = plan.service_worker.trim_start_matches('/');
            read_small(&next.dir.join(worker)) != read_small(&plan.deploys[0].dir.join(worker))
        }),
        worker_missing_in: plan
            .next_deploys()
            .find(|d| {
                !d.dir
                    .join(plan.service_worker.trim_start_matches('/'))
                    .is_file()
            })
            .map(|d| d.name.clone()),
        uses_navigation_preload: worker_text.contains("navigationPreload.enable"),
        listens_for_push: listens_for(&worker_text, "push"),
        listens_for_sync: listens_for(&worker_text, "sync"),
        host_changes: host_changes(&plan),
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

/// What the first update deploy changes in the build's `_headers` and `_redirects`.
fn host_changes(plan: &InitPlan) -> crate::spec::HostChanges {
    let Some(next) = plan.next_deploys().next() else {
        return Default::default();
    };
    let read = |dir: &Path, name: &str| read_small(&dir.join(name));
    let installed = &plan.deploys[0].dir;
    let has_vary = |text: &Option<String>| {
        text.as_deref().is_some_and(|t| {
            t.lines()
                .any(|l| l.trim_start().to_ascii_lowercase().starts_with("vary:"))
        })
    };
    let (headers_n, headers_next) = (read(installed, "_headers"), read(&next.dir, "_headers"));
    crate::spec::HostChanges {
        headers: headers_n != headers_next,
        redirects: read(installed, "_redirects") != read(&next.dir, "_redirects"),
        vary_added: has_vary(&headers_next) && !has_vary(&headers_n),
    }
}

/// The host whose config files sit in the build (`_headers`, `_redirects`) or beside it
/// (`firebase.json`, `vercel.json`, in the build's directory or its parent): a project's own
/// config names its host better than any guess from the bytes.
fn guess_host(dir: &Path) -> Option<super::HostGuess> {
    let beside = |name: &str| {
        [Some(dir), dir.parent()]
            .into_iter()
            .flatten()
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    };
    for (name, preset) in [("firebase.json", "firebase"), ("vercel.json", "vercel")] {
        if let Some(path) = beside(name) {
            return Some(super::HostGuess {
                preset,
                found: format!("{} beside the build", path.display()),
                config: Some(path),
            });
        }
    }
    let files: Vec<&str> = ["_headers", "_redirects"]
        .into_iter()
        .filter(|f| dir.join(f).is_file())
        .collect();
    (!files.is_empty()).then(|| super::HostGuess {
        preset: "netlify",
        config: None,
        found: format!(
            "{} in the build (read by Netlify and Cloudflare Pages; write `cloudflare-pages` if you deploy there)",
            files.join(" and ")
        ),
    })
}

pub(super) fn start_file(start: &str) -> String {
    if start.ends_with('/') {
        format!("{start}index.html")
    } else {
        start.to_string()
    }
}

pub(super) fn find_start_page(build: &BuildFiles) -> Option<String> {
    if build.has("/index.html") {
        return Some("/".into());
    }
    build
        .with_ext(&["html"])
        .map(|(u, _)| u.clone())
        .find(|u| u.matches('/').count() == 1)
}

/// The part of a directory name before its first digit (`v` for `v1` and `v2-missing`).
pub(super) fn name_family(name: &str) -> &str {
    &name[..name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len())]
}

/// Orders `v2` before `v10`: runs of digits compare as numbers.
pub(super) fn natural_cmp(a: &str, b: &str) -> Ordering {
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

/// Whether a sibling build is a kill switch: its worker unregisters and is not simply the
/// installed worker again (Angular's `ngsw-worker.js` contains `unregister()` as its own
/// fallback in every release), or, for Angular's worker, the build drops `ngsw.json` (the
/// worker unregisters itself when its manifest answers 404; angular/angular#36439).
fn is_kill_switch(
    worker: Option<&str>,
    own: Option<&str>,
    service_worker: &str,
    dir: &Path,
) -> bool {
    let Some(worker) = worker else {
        return false;
    };
    if worker.contains(".unregister(") && Some(worker) != own {
        return true;
    }
    let manifest = service_worker
        .strip_suffix("ngsw-worker.js")
        .map(|d| format!("{d}ngsw.json"));
    manifest.is_some_and(|m| !dir.join(m.trim_start_matches('/')).is_file())
}

/// The asset a tab left open under N asks for later: a hashed script the start page does not
/// load itself (likely a lazy chunk), else any hashed script, else any hashed file.
/// Prefers a file whose name N+1 no longer has (a content hash that changed): a file both
/// deploys serve, such as vite-plugin-pwa's `workbox-window` chunk, tests nothing.
pub(super) fn skew_asset<'a>(plan: &'a InitPlan, start_html: &str) -> Option<&'a str> {
    let next = plan.next_deploys().next().map(|d| d.dir.clone());
    let renamed = |a: &&String| {
        next.as_ref()
            .is_none_or(|dir| !dir.join(a.trim_start_matches('/')).is_file())
    };
    let scripts = || {
        plan.hashed_assets
            .iter()
            .filter(|a| a.ends_with(".js") || a.ends_with(".mjs"))
    };
    scripts()
        .filter(renamed)
        .find(|a| !start_html.contains(a.trim_start_matches('/')))
        .or_else(|| scripts().find(renamed))
        .or_else(|| scripts().find(|a| !start_html.contains(a.trim_start_matches('/'))))
        .or_else(|| scripts().next())
        .or_else(|| plan.hashed_assets.first())
        .map(String::as_str)
}
