//! What a check concludes.

use serde::{Deserialize, Serialize};

/// A check's conclusion from its observations (pure: no browser involved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// The app behaves; the message says what was seen.
    Pass(String),
    /// The app has the regression; the message names what was seen and why it is wrong.
    Fail(String),
    /// What was observed cannot be judged (e.g. the page's version is ambiguous).
    CannotJudge(String),
}

/// The verdict of one scenario (one check against one spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The check passed.
    Pass,
    /// The check failed: the app has the regression.
    Fail,
    /// The check could not be evaluated (the app or swgate misbehaved in a way the check does
    /// not judge, such as a worker that never installs).
    Error,
    /// A wait or the scenario ran out of time.
    Timeout,
    /// Chromium or the fixture server failed.
    Infrastructure,
    /// The run was interrupted before the scenario finished.
    Cancelled,
}

impl Verdict {
    /// Upper-case label for terminal output.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
            Verdict::Timeout => "TIMEOUT",
            Verdict::Infrastructure => "INFRA",
            Verdict::Cancelled => "CANCELLED",
        }
    }

    /// True for verdicts where an assertion about the app was made (JUnit `<failure>`), as
    /// opposed to the check not being evaluated (`<error>`).
    pub fn is_assertion(self) -> bool {
        matches!(self, Verdict::Pass | Verdict::Fail)
    }
}
