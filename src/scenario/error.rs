//! What ends a scenario early.

use crate::browser::BrowserError;
use crate::server::ServerError;

/// Why a scenario could not reach a verdict.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Chromium failed, or a browser wait timed out.
    #[error(transparent)]
    Browser(#[from] BrowserError),
    /// The fixture server failed, or a wait on its request log timed out.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The app did something the check cannot judge past (e.g. its worker never installs).
    #[error("{0}")]
    App(String),
}
