//! Service-worker state as CDP reports it, kept current by event listeners and waited on.

use std::collections::BTreeMap;

use chromiumoxide::cdp::browser_protocol::service_worker::{
    ServiceWorkerVersion, ServiceWorkerVersionRunningStatus, ServiceWorkerVersionStatus,
};

/// Lifecycle status of a worker version, ordered as the lifecycle goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VersionStatus {
    /// Created, script not yet evaluated.
    New,
    /// `install` event running.
    Installing,
    /// Installed; waiting if another version is active.
    Installed,
    /// `activate` event running.
    Activating,
    /// Active.
    Activated,
    /// Replaced, failed to install, or unregistered.
    Redundant,
}

impl VersionStatus {
    fn from_cdp(s: &ServiceWorkerVersionStatus) -> Self {
        match s {
            ServiceWorkerVersionStatus::New => VersionStatus::New,
            ServiceWorkerVersionStatus::Installing => VersionStatus::Installing,
            ServiceWorkerVersionStatus::Installed => VersionStatus::Installed,
            ServiceWorkerVersionStatus::Activating => VersionStatus::Activating,
            ServiceWorkerVersionStatus::Activated => VersionStatus::Activated,
            ServiceWorkerVersionStatus::Redundant => VersionStatus::Redundant,
        }
    }

    /// Lowercase name as the Service Worker spec spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::New => "new",
            VersionStatus::Installing => "installing",
            VersionStatus::Installed => "installed",
            VersionStatus::Activating => "activating",
            VersionStatus::Activated => "activated",
            VersionStatus::Redundant => "redundant",
        }
    }
}

/// One worker version.
#[derive(Debug, Clone)]
pub struct SwVersion {
    /// CDP version id.
    pub version_id: String,
    /// CDP registration id.
    pub registration_id: String,
    /// Script URL.
    pub script_url: String,
    /// Lifecycle status.
    pub status: VersionStatus,
    /// Whether the worker thread is running.
    pub running: bool,
    /// Target ids of the pages this version controls.
    pub controlled_clients: Vec<String>,
    /// The deploy whose script this version runs, attributed when it began installing.
    pub deploy: Option<String>,
    /// Order of first appearance (0 = the first version seen).
    pub seq: usize,
}

/// Everything CDP told us about workers of one browser context.
#[derive(Debug, Clone, Default)]
pub struct SwState {
    /// Versions by id.
    pub versions: BTreeMap<String, SwVersion>,
    /// Registrations by id: (scope URL, deleted).
    pub registrations: BTreeMap<String, (String, bool)>,
    /// Worker errors (`workerErrorReported`), oldest first.
    pub errors: Vec<WorkerError>,
}

/// An error a worker version reported (`workerErrorReported`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerError {
    /// The version that reported it.
    pub version_id: String,
    /// `message (url:line:col)`.
    pub text: String,
}

impl SwState {
    /// Applies a `workerVersionUpdated` entry; `current_deploy` names the deploy of the last
    /// `sw.js` the server sent, used to attribute a version the moment it starts installing
    /// (by then its script has been fetched).
    pub(crate) fn apply_version(
        &mut self,
        v: &ServiceWorkerVersion,
        current_deploy: impl FnOnce() -> Option<String>,
    ) {
        let status = VersionStatus::from_cdp(&v.status);
        let seq = self.versions.len();
        let entry = self
            .versions
            .entry(v.version_id.clone())
            .or_insert_with(|| SwVersion {
                version_id: v.version_id.clone(),
                registration_id: v.registration_id.inner().clone(),
                script_url: v.script_url.clone(),
                status,
                running: false,
                controlled_clients: Vec::new(),
                deploy: None,
                seq,
            });
        entry.status = status;
        entry.running = matches!(
            v.running_status,
            ServiceWorkerVersionRunningStatus::Running
                | ServiceWorkerVersionRunningStatus::Starting
        );
        entry.controlled_clients = v
            .controlled_clients
            .iter()
            .flatten()
            .map(|t| t.inner().clone())
            .collect();
        if entry.deploy.is_none() && status >= VersionStatus::Installing {
            entry.deploy = current_deploy();
        }
    }

    /// The newest active (activated) version.
    pub fn active(&self) -> Option<&SwVersion> {
        self.versions
            .values()
            .filter(|v| v.status == VersionStatus::Activated)
            .max_by_key(|v| v.seq)
    }

    /// The newest version of all, whatever its status.
    pub fn newest(&self) -> Option<&SwVersion> {
        self.versions.values().max_by_key(|v| v.seq)
    }

    /// The first error the version reported, if any.
    pub fn first_error_of(&self, version_id: &str) -> Option<&WorkerError> {
        self.errors.iter().find(|e| e.version_id == version_id)
    }

    /// Registrations not deleted.
    pub fn live_registrations(&self) -> impl Iterator<Item = &str> {
        self.registrations
            .values()
            .filter(|(_, deleted)| !deleted)
            .map(|(scope, _)| scope.as_str())
    }

    /// One line per version, for logs and failure messages.
    pub fn describe(&self) -> String {
        if self.versions.is_empty() {
            return "no service worker version seen".into();
        }
        self.versions
            .values()
            .map(|v| {
                format!(
                    "version {} ({}): {}{}",
                    v.version_id,
                    v.deploy.as_deref().unwrap_or("deploy unknown"),
                    v.status.as_str(),
                    if v.controlled_clients.is_empty() {
                        ""
                    } else {
                        ", controls the page"
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}
