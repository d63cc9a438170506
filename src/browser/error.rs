//! Typed browser errors: launch, CDP calls, and waits that ran out of time.

use std::path::PathBuf;
use std::time::Duration;

/// What went wrong talking to Chromium.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// No Chromium binary was found.
    #[error("Chromium not found ({searched}); {hint}")]
    NotFound {
        /// Where we looked.
        searched: String,
        /// How to install it.
        hint: &'static str,
    },
    /// Chromium could not be started or never printed its DevTools address.
    #[error("failed to start Chromium {}: {reason}", path.display())]
    Launch {
        /// The binary.
        path: PathBuf,
        /// What happened, with the tail of Chromium's stderr.
        reason: String,
    },
    /// The CDP connection could not be made.
    #[error("failed to connect to Chromium's DevTools at {url}: {reason}")]
    Connect {
        /// The DevTools WebSocket URL.
        url: String,
        /// The innermost cause, once: chromiumoxide's error repeats its source's text at every
        /// level of the chain ("IO error: Connection refused (os error 111): IO error: ...").
        reason: String,
    },
    /// A CDP command failed.
    #[error("CDP call failed: {what}")]
    Cdp {
        /// What we asked for.
        what: String,
        /// The CDP error.
        #[source]
        source: chromiumoxide::error::CdpError,
    },
    /// A wait ran out of time; `what` names what we were waiting for.
    #[error("timed out after {:.1}s waiting for {what}", after.as_secs_f64())]
    Timeout {
        /// The awaited condition.
        what: String,
        /// How long we waited.
        after: Duration,
    },
    /// Chromium exited while swgate still needed it.
    #[error("Chromium exited unexpectedly ({status})")]
    Exited {
        /// The exit status, as text.
        status: String,
    },
    /// The page answered with something we could not use.
    #[error("{0}")]
    Page(String),
}

impl BrowserError {
    /// Whether a call into the page failed because the page navigated (or its document was
    /// replaced) while the call ran: an app that navigates its own tab (a kill switch's
    /// `client.navigate()`) makes this happen at any moment, and reading again is the answer.
    pub(crate) fn is_navigation_race(&self) -> bool {
        // Chromium's words are in the CDP error, which `Cdp`'s own text leaves out: matched
        // on `self.to_string()` alone, no CDP error ever counted as a race, and a
        // `history.back()` whose navigation tore the document down ended in ERROR (1
        // fresh-clone CI run, both cores busy, Chromium 148).
        let text = match self {
            BrowserError::Cdp { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        [
            "Inspected target navigated or closed",
            "Execution context was destroyed",
            "Cannot find context with specified id",
        ]
        .iter()
        .any(|m| text.contains(m))
    }

    /// Wraps a CDP error with what we were doing.
    pub(crate) fn cdp(
        what: impl Into<String>,
    ) -> impl FnOnce(chromiumoxide::error::CdpError) -> Self {
        let what = what.into();
        move |source| BrowserError::Cdp { what, source }
    }

    /// True for errors that mean the browser itself is gone or unusable (exit code 3).
    pub fn is_infrastructure(&self) -> bool {
        matches!(
            self,
            BrowserError::NotFound { .. }
                | BrowserError::Launch { .. }
                | BrowserError::Connect { .. }
                | BrowserError::Exited { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chromium's words live in the CDP error under `Cdp`, not in its own text.
    #[test]
    fn a_cdp_error_from_a_navigation_counts_as_a_race() {
        let cdp = |msg: &str| {
            BrowserError::cdp("evaluating `history.back()`")(
                chromiumoxide::error::CdpError::ChromeMessage(msg.into()),
            )
        };
        assert!(cdp("Error -32000: Inspected target navigated or closed").is_navigation_race());
        assert!(cdp("Execution context was destroyed.").is_navigation_race());
        assert!(!cdp("Error -32601: 'Foo.bar' wasn't found").is_navigation_race());
    }
}
