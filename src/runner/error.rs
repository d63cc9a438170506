//! Runner errors: what ends a run.

use crate::browser::BrowserError;
use crate::server::ServerError;

/// Why a run could not start or continue.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Chromium could not be found, launched or connected to.
    #[error(transparent)]
    Browser(#[from] BrowserError),
    /// A deploy could not be loaded.
    #[error(transparent)]
    Server(#[from] ServerError),
}
