//! Process exit codes, defined once; every path out of `swgate` maps to one of these.

/// Every check of every scenario passed.
pub const SUCCESS: i32 = 0;

/// At least one check ran to a verdict and failed: the app under test has a regression.
pub const CHECK_FAILED: i32 = 1;

/// A spec file or the command line is invalid; nothing was run.
pub const USAGE_ERROR: i32 = 2;

/// The infrastructure failed: Chromium missing, failed to start or crashed, a port could not be
/// bound, or a report could not be written.
pub const INFRASTRUCTURE_ERROR: i32 = 3;

/// A scenario timed out, a check could not be evaluated, or swgate failed internally.
pub const TIMEOUT_OR_INTERNAL: i32 = 4;

/// The run was interrupted by SIGINT or SIGTERM.
pub const INTERRUPTED: i32 = 130;
