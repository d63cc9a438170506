//! Launching Chromium ourselves, so swgate owns its whole process tree and profile.
//!
//! chromiumoxide's own launcher neither puts Chromium in a process group nor removes the
//! profile, and a SIGTERM to swgate alone then leaves ~10 Chromium processes re-parented to
//! init (measured; see `docs/chromium.md`). So we spawn Chromium in a new process group with
//! `PR_SET_PDEATHSIG` (it dies if swgate is SIGKILLed), read the `DevTools listening on ws://…`
//! line from its stderr, and connect with `Browser::connect`. Cleanup kills the group and
//! removes the profile; profiles left by a SIGKILLed swgate are swept at the next start.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::error::BrowserError;

/// How to install Chromium, printed whenever it is missing.
pub const INSTALL_HINT: &str = "install it with `apt-get install chromium` (Debian/Ubuntu) or \
`npx playwright install chromium` (any OS), or pass --chromium PATH / set SWGATE_CHROMIUM";

/// Profile directories are named `swgate-profile-<pid>-…` so a later run can tell whose they are.
const PROFILE_PREFIX: &str = "swgate-profile-";

/// Flags every launch gets. The network is closed on CI machines: without the background
/// networking flags Chromium keeps trying Google's hosts.
const FLAGS: &[&str] = &[
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-gpu",
    "--disable-quic",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--password-store=basic",
    "--use-mock-keychain",
    "--remote-debugging-port=0",
    "--remote-debugging-address=127.0.0.1",
];

/// How to start Chromium beyond the fixed flags.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// Extra flags, each with its leading `--`.
    pub extra_args: Vec<String>,
    /// Keep the profile in this directory (for inspection afterwards) instead of a temporary
    /// one removed at exit.
    pub keep_profile: Option<PathBuf>,
    /// Show a window instead of running headless (needs a display).
    pub headful: bool,
}

/// Chromium's profile directory: temporary (removed at cleanup) or kept for the user.
enum Profile {
    Temp(TempDir),
    Kept(PathBuf),
}

impl Profile {
    fn path(&self) -> &Path {
        match self {
            Profile::Temp(t) => t.path(),
            Profile::Kept(p) => p,
        }
    }
}

/// Process groups and profiles of every Chromium this process launched and has not yet
/// cleaned up; the last-resort path (second Ctrl-C) kills and removes them synchronously.
/// The flag says whether the profile is temporary (to remove) or kept.
static LAUNCHED: Mutex<Vec<(i32, PathBuf, bool)>> = Mutex::new(Vec::new());

/// Finds the Chromium binary in the documented order (see [`locate_chromium`]).
pub fn find_chromium(explicit: Option<&Path>) -> Result<PathBuf, BrowserError> {
    locate_chromium(explicit, &ChromiumSearch::from_env()).map(|found| found.path)
}

/// Where a search for Chromium looks, from the environment (tests build their own).
#[derive(Debug, Clone, Default)]
pub struct ChromiumSearch {
    /// `PATH`.
    pub path_var: std::ffi::OsString,
    /// `$HOME`, for `~/.cache/ms-playwright` and `~/.cache/puppeteer`.
    pub home: Option<PathBuf>,
    /// `$PLAYWRIGHT_BROWSERS_PATH`, which replaces `~/.cache/ms-playwright`.
    pub playwright_browsers_path: Option<PathBuf>,
    /// `$PUPPETEER_CACHE_DIR`, which replaces `~/.cache/puppeteer`.
    pub puppeteer_cache_dir: Option<PathBuf>,
}

impl ChromiumSearch {
    /// The search this process's environment describes.
    pub fn from_env() -> Self {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        ChromiumSearch {
            path_var: std::env::var_os("PATH").unwrap_or_default(),
            home: var("HOME"),
            playwright_browsers_path: var("PLAYWRIGHT_BROWSERS_PATH"),
            puppeteer_cache_dir: var("PUPPETEER_CACHE_DIR"),
        }
    }
}

/// A Chromium binary and how it was found, for the run header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundChromium {
    /// The binary.
    pub path: PathBuf,
    /// Where it came from: `--chromium/SWGATE_CHROMIUM`, `PATH`, `Playwright's browsers`,
    /// `Puppeteer's browsers`.
    pub how: &'static str,
}

/// Finds Chromium: the explicit path (`--chromium` or `SWGATE_CHROMIUM`), else `chromium`,
/// `chromium-browser`, `google-chrome` on `PATH`, else the newest Chromium Playwright installed
/// (`$PLAYWRIGHT_BROWSERS_PATH` or `~/.cache/ms-playwright`: `chromium-*`, then its headless
/// shell builds), else the newest Puppeteer installed (`$PUPPETEER_CACHE_DIR` or
/// `~/.cache/puppeteer`: `chrome`, then `chrome-headless-shell`). A JavaScript project's CI
/// usually has one of the last two and no system Chromium.
pub fn locate_chromium(
    explicit: Option<&Path>,
    search: &ChromiumSearch,
) -> Result<FoundChromium, BrowserError> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(FoundChromium {
                path: path.to_path_buf(),
                how: "--chromium/SWGATE_CHROMIUM",
            })
        } else {
            Err(BrowserError::NotFound {
                searched: format!("{} does not exist", path.display()),
                hint: INSTALL_HINT,
            })
        };
    }
    let names = ["chromium", "chromium-browser", "google-chrome"];
    for dir in std::env::split_paths(&search.path_var) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(FoundChromium {
                    path: candidate,
                    how: "PATH",
                });
            }
        }
    }
    let cache = |name: &str| search.home.as_ref().map(|h| h.join(".cache").join(name));
    let playwright = search
        .playwright_browsers_path
        .clone()
        .or_else(|| cache("ms-playwright"));
    let puppeteer = search
        .puppeteer_cache_dir
        .clone()
        .or_else(|| cache("puppeteer"));
    // Playwright: <root>/chromium-<build>/chrome-linux/chrome, and the headless shell builds
    // <root>/chromium_headless_shell-<build>/chrome-linux/headless_shell (older) or
    // …/chrome-headless-shell-linux64/chrome-headless-shell (newer).
    if let Some(root) = &playwright {
        let found = newest_binary(
            root,
            "chromium-",
            &["chrome-linux/chrome", "chrome-linux64/chrome"],
        )
        .or_else(|| {
            newest_binary(
                root,
                "chromium_headless_shell-",
                &[
                    "chrome-linux/headless_shell",
                    "chrome-headless-shell-linux64/chrome-headless-shell",
                ],
            )
        });
        if let Some(path) = found {
            return Ok(FoundChromium {
                path,
                how: "Playwright's browsers",
            });
        }
    }
    // Puppeteer: <root>/chrome/linux-<version>/chrome-linux64/chrome and
    // <root>/chrome-headless-shell/linux-<version>/chrome-headless-shell-linux64/chrome-headless-shell.
    if let Some(root) = &puppeteer {
        let found = newest_binary(&root.join("chrome"), "linux-", &["chrome-linux64/chrome"])
            .or_else(|| {
                newest_binary(
                    &root.join("chrome-headless-shell"),
                    "linux-",
                    &["chrome-headless-shell-linux64/chrome-headless-shell"],
                )
            });
        if let Some(path) = found {
            return Ok(FoundChromium {
                path,
                how: "Puppeteer's browsers",
            });
        }
    }
    let shown = |p: &Option<PathBuf>| {
        p.as_ref()
            .map_or("(no HOME)".to_string(), |p| p.display().to_string())
    };
    Err(BrowserError::NotFound {
        searched: format!(
            "none of {} on PATH, no Chromium in Playwright's {} or Puppeteer's {}",
            names.join(", "),
            shown(&playwright),
            shown(&puppeteer)
        ),
        hint: INSTALL_HINT,
    })
}

/// In `root`, the directories named `prefix<version>`, newest version first (numbers compared
/// as numbers), and the first of `binaries` that exists under one of them.
fn newest_binary(root: &Path, prefix: &str, binaries: &[&str]) -> Option<PathBuf> {
    let mut dirs: Vec<(Vec<u64>, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version = name.strip_prefix(prefix)?;
            let key = version
                .split(|c: char| !c.is_ascii_digit())
                .filter(|p| !p.is_empty())
                .filter_map(|p| p.parse().ok())
                .collect();
            Some((key, e.path()))
        })
        .collect();
    dirs.sort_by(|a, b| b.0.cmp(&a.0));
    dirs.iter()
        .find_map(|(_, dir)| binaries.iter().map(|b| dir.join(b)).find(|p| p.is_file()))
}

/// A running Chromium that swgate spawned: its process group, profile and DevTools URL.
pub(crate) struct ChromiumProcess {
    pub(crate) ws_url: String,
    pgid: i32,
    profile: Option<Profile>,
    exit: tokio::sync::watch::Receiver<Option<String>>,
    stderr_tail: Arc<Mutex<Vec<String>>>,
}

impl ChromiumProcess {
    /// Starts Chromium and waits (bounded) for its DevTools WebSocket URL.
    pub(crate) async fn launch(
        exe: &Path,
        options: &LaunchOptions,
        timeout: Duration,
    ) -> Result<Self, BrowserError> {
        sweep_stale_profiles();
        let launch_err = |reason: String| BrowserError::Launch {
            path: exe.to_path_buf(),
            reason,
        };
        let profile = match &options.keep_profile {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    launch_err(format!("cannot create the profile {}: {e}", dir.display()))
                })?;
                // Absolute, so cleanup can find Chromium's processes by their command line.
                Profile::Kept(dir.canonicalize().unwrap_or_else(|_| dir.clone()))
            }
            None => Profile::Temp(
                tempfile::Builder::new()
                    .prefix(&format!("{PROFILE_PREFIX}{}-", std::process::id()))
                    .tempdir()
                    .map_err(|e| launch_err(format!("cannot create a temporary profile: {e}")))?,
            ),
        };
        become_subreaper();
        let mut cmd = Command::new(exe);
        // Chromium's crashpad handler double-forks out of our process group and keeps its
        // database under $XDG_CONFIG_HOME: point that into the profile so the handler names
        // the profile on its command line (how cleanup finds it) and writes nothing elsewhere.
        cmd.env("XDG_CONFIG_HOME", profile.path().join("xdg-config"))
            .args(FLAGS)
            .args((!options.headful).then_some("--headless=new"))
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(&options.extra_args)
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                // The parent-death signal fires when the spawning *thread* exits; swgate spawns
                // from tokio worker threads, which live as long as the runtime.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| launch_err(format!("cannot execute: {e}")))?;
        let pid = child.id().unwrap_or_default() as i32;
        LAUNCHED.lock().unwrap_or_else(|e| e.into_inner()).push((
            pid,
            profile.path().to_path_buf(),
            matches!(profile, Profile::Temp(_)),
        ));

        let stderr = child.stderr.take().expect("stderr is piped");
        let stderr_tail = Arc::new(Mutex::new(Vec::new()));
        let (url_tx, url_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(read_stderr(stderr, url_tx, stderr_tail.clone()));
        let (exit_tx, exit_rx) = tokio::sync::watch::channel(None);
        let mut process = ChromiumProcess {
            ws_url: String::new(),
            pgid: pid,
            profile: Some(profile),
            exit: exit_rx,
            stderr_tail,
        };
        tokio::spawn(watch_exit(child, exit_tx));

        let mut exit = process.exit.clone();
        let result = tokio::select! {
            url = url_rx => url.map_err(|_| "Chromium closed its stderr without printing a DevTools URL".to_string()),
            status = exit.wait_for(|s| s.is_some()) => Err(format!(
                "Chromium exited during startup ({})",
                status.ok().and_then(|s| s.clone()).unwrap_or_default()
            )),
            _ = tokio::time::sleep(timeout) => Err(format!("no `DevTools listening on` line within {}s", timeout.as_secs())),
        };
        match result {
            Ok(url) => {
                process.ws_url = url;
                Ok(process)
            }
            Err(reason) => {
                let tail = process.stderr_tail();
                process.kill_and_clean().await;
                Err(launch_err(if tail.is_empty() {
                    reason
                } else {
                    format!("{reason}; Chromium's stderr ends with:\n{tail}")
                }))
            }
        }
    }

    /// The last lines Chromium wrote to stderr.
    pub(crate) fn stderr_tail(&self) -> String {
        self.stderr_tail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n")
    }

    /// A receiver that turns `Some(status)` when Chromium exits.
    pub(crate) fn exit_watch(&self) -> tokio::sync::watch::Receiver<Option<String>> {
        self.exit.clone()
    }

    /// Waits (bounded) for Chromium to exit on its own, then kills whatever remains of its
    /// process group and removes the profile.
    pub(crate) async fn shutdown(mut self, grace: Duration) {
        let mut exit = self.exit.clone();
        let _ = tokio::time::timeout(grace, exit.wait_for(|s| s.is_some())).await;
        self.kill_and_clean().await;
    }

    async fn kill_and_clean(&mut self) {
        // SAFETY: killpg only sends a signal; ESRCH for a group already gone is fine.
        unsafe {
            libc::killpg(self.pgid, libc::SIGKILL);
        }
        let mut exit = self.exit.clone();
        let _ = tokio::time::timeout(Duration::from_secs(5), exit.wait_for(|s| s.is_some())).await;
        if let Some(profile) = &self.profile {
            kill_profile_processes(profile.path(), Duration::from_secs(5)).await;
        }
        LAUNCHED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(pid, _, _)| *pid != self.pgid);
        if let Some(profile) = &self.profile {
            remove_singleton_dir(profile.path());
        }
        if let Some(Profile::Temp(profile)) = self.profile.take() {
            let path = profile.path().to_path_buf();
            if let Err(e) = profile.close() {
                tracing::warn!("could not remove Chromium profile {}: {e}", path.display());
            }
        }
    }
}

impl Drop for ChromiumProcess {
    fn drop(&mut self) {
        if self.profile.is_some() {
            // SAFETY: as above.
            unsafe {
                libc::killpg(self.pgid, libc::SIGKILL);
            }
            LAUNCHED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|(pid, _, _)| *pid != self.pgid);
        }
    }
}

async fn read_stderr(
    stderr: tokio::process::ChildStderr,
    url_tx: tokio::sync::oneshot::Sender<String>,
    tail: Arc<Mutex<Vec<String>>>,
) {
    let mut url_tx = Some(url_tx);
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(url) = line.strip_prefix("DevTools listening on ") {
            if let Some(tx) = url_tx.take() {
                let _ = tx.send(url.trim().to_string());
            }
            continue;
        }
        tracing::trace!(target: "swgate::chromium", "{line}");
        let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
        tail.push(line);
        if tail.len() > 20 {
            tail.remove(0);
        }
    }
}

async fn watch_exit(mut child: Child, tx: tokio::sync::watch::Sender<Option<String>>) {
    let status = match child.wait().await {
        Ok(s) => s.to_string(),
        Err(e) => format!("wait failed: {e}"),
    };
    let _ = tx.send(Some(status));
}

/// Makes this process the reaper of orphaned descendants, so helpers Chromium double-forks
/// (crashpad) are re-parented to swgate, not init, and can be reaped: in containers whose init
/// does not reap, they would otherwise linger as zombies.
fn become_subreaper() {
    // SAFETY: prctl with these arguments only sets a process attribute.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1);
    }
}

/// Pids of live or zombie processes whose command line mentions `profile`, swgate itself
/// excluded: with `repro --keep-profile DIR` swgate's own command line names the profile too
/// (a first version SIGKILLed itself at cleanup).
fn processes_of_profile(profile: &Path) -> Vec<i32> {
    let needle = profile.as_os_str().as_encoded_bytes();
    let me = std::process::id() as i32;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.windows(needle.len()).any(|w| w == needle))
        })
        .collect()
}

/// SIGKILLs every process started for `profile` (including helpers outside our process
/// group) and waits (bounded) until each is gone from the process table, reaping those
/// re-parented to us. A dying helper's command line empties before it becomes a zombie, and a
/// zombie whose parent is also dying is re-parented to us only once that parent is reaped:
/// so "gone" means absent from `/proc`, not merely absent from the command-line scan.
async fn kill_profile_processes(profile: &Path, timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut pending = std::collections::BTreeSet::new();
    loop {
        for pid in processes_of_profile(profile) {
            // SAFETY: signalling a process of our own Chromium.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            pending.insert(pid);
        }
        reap_orphaned_zombies();
        pending.retain(|pid| {
            // SAFETY: reaping a specific pid; ECHILD for a pid that is not our child.
            unsafe {
                libc::waitpid(*pid, std::ptr::null_mut(), libc::WNOHANG);
            }
            Path::new(&format!("/proc/{pid}")).exists()
        });
        if pending.is_empty() {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(
                "Chromium processes {pending:?} still present {timeout:?} after SIGKILL"
            );
            return;
        }
        // Poll interval of a bounded wait: the kernel gives no event for "pid gone".
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Reaps zombie Chromium helpers re-parented to us (a zombie's command line is empty, so
/// they are found by parent and name). Main Chromium processes are left to their `wait`.
fn reap_orphaned_zombies() {
    let me = std::process::id().to_string();
    let launched: Vec<i32> = LAUNCHED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(pid, _, _)| *pid)
        .collect();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for pid in entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
    {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Format: `pid (comm) state ppid ...`; comm may contain spaces, so split at the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map_or("", |(_, c)| c);
        let mut fields = rest.split_whitespace();
        let (Some(state), Some(ppid)) = (fields.next(), fields.next()) else {
            continue;
        };
        if state == "Z" && ppid == me && comm.starts_with("chrom") && !launched.contains(&pid) {
            // SAFETY: reaping a zombie child of ours.
            unsafe {
                libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG);
            }
        }
    }
}

/// Kills every Chromium this process launched and removes their profiles, synchronously: the
/// last resort when the user interrupts twice.
pub fn kill_all_launched() {
    let launched = std::mem::take(&mut *LAUNCHED.lock().unwrap_or_else(|e| e.into_inner()));
    for (pgid, profile, temporary) in launched {
        // SAFETY: as above.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
        for pid in processes_of_profile(&profile) {
            // SAFETY: as above.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        remove_singleton_dir(&profile);
        if temporary {
            let _ = std::fs::remove_dir_all(profile);
        }
    }
}

/// Removes the directory Chromium made for its process-singleton socket, which the profile's
/// `SingletonSocket` symlink points into (`$TMPDIR/org.chromium.Chromium.XXXXXX/`). Chromium
/// deletes it when it exits normally; a Chromium that was killed (swgate's last resort, a
/// crash, a test killing it from outside) leaves it behind, outside the profile: 68 of them
/// had piled up in /tmp on this machine from test runs that killed Chromium.
fn remove_singleton_dir(profile: &Path) {
    let Ok(socket) = std::fs::read_link(profile.join("SingletonSocket")) else {
        return;
    };
    let Some(dir) = socket.parent() else {
        return;
    };
    let ours = dir
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("org.chromium.Chromium."));
    if ours && dir.starts_with(std::env::temp_dir()) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Removes `swgate-profile-<pid>-*` directories whose swgate process no longer exists.
pub fn sweep_stale_profiles() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PROFILE_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            tracing::debug!("removing stale profile {}", entry.path().display());
            remove_singleton_dir(&entry.path());
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    /// A killed Chromium's singleton-socket directory goes with its profile; a symlink that
    /// points anywhere else is left alone.
    #[test]
    fn the_singleton_socket_directory_is_removed_with_the_profile() {
        let profile = tempfile::tempdir().unwrap();
        let socket_dir = tempfile::Builder::new()
            .prefix("org.chromium.Chromium.")
            .tempdir()
            .unwrap()
            .keep();
        std::os::unix::fs::symlink(
            socket_dir.join("SingletonSocket"),
            profile.path().join("SingletonSocket"),
        )
        .unwrap();
        remove_singleton_dir(profile.path());
        assert!(!socket_dir.exists());

        let elsewhere = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            elsewhere.path().join("SingletonSocket"),
            other.path().join("SingletonSocket"),
        )
        .unwrap();
        remove_singleton_dir(other.path());
        assert!(elsewhere.path().exists());
    }

    /// PATH first, then Playwright (newest build; a headless shell only without a full
    /// build), then Puppeteer (newest); the error names every place searched.
    #[test]
    fn chromium_search_order() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let search = ChromiumSearch {
            path_var: std::ffi::OsString::from("/nonexistent"),
            home: Some(h.to_path_buf()),
            ..Default::default()
        };
        let found = |s: &ChromiumSearch| locate_chromium(None, s).map(|f| (f.path, f.how));
        let err = locate_chromium(None, &search).unwrap_err().to_string();
        assert!(
            err.contains("ms-playwright") && err.contains("puppeteer"),
            "{err}"
        );
        let pptr = h.join(".cache/puppeteer/chrome/linux-131.0.6778.85/chrome-linux64/chrome");
        put(&pptr);
        put(&h.join(".cache/puppeteer/chrome/linux-99.0.1/chrome-linux64/chrome"));
        assert_eq!(found(&search).unwrap(), (pptr, "Puppeteer's browsers"));
        let shell =
            h.join(".cache/ms-playwright/chromium_headless_shell-1169/chrome-linux/headless_shell");
        put(&shell);
        assert_eq!(found(&search).unwrap(), (shell, "Playwright's browsers"));
        let newest = h.join(".cache/ms-playwright/chromium-1169/chrome-linux/chrome");
        put(&newest);
        put(&h.join(".cache/ms-playwright/chromium-1148/chrome-linux/chrome"));
        assert_eq!(found(&search).unwrap(), (newest, "Playwright's browsers"));
        let bin = h.join("bin");
        put(&bin.join("chromium"));
        let on_path = ChromiumSearch {
            path_var: bin.clone().into_os_string(),
            ..search.clone()
        };
        assert_eq!(found(&on_path).unwrap(), (bin.join("chromium"), "PATH"));
    }
}
