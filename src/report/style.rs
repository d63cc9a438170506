//! Colour in human output: only on a terminal, never when `NO_COLOR` is set, and only on
//! verdict labels, so logs and snapshots stay plain text.

use std::ffi::OsStr;

use crate::outcome::Verdict;

/// Width of the verdict column (the longest label, `CANCELLED`).
const LABEL_WIDTH: usize = 9;

/// Whether output to stderr may be coloured: stderr is a terminal and `NO_COLOR` is unset or
/// empty (<https://no-color.org>: any non-empty value turns colour off).
pub fn stderr_color() -> bool {
    color_for(
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

fn color_for(is_tty: bool, no_color: Option<&OsStr>) -> bool {
    is_tty && no_color.is_none_or(OsStr::is_empty)
}

/// The verdict's label padded to the verdict column; with `color`, the label (not the padding)
/// is green for PASS, red for FAIL and yellow otherwise.
pub(crate) fn verdict_label(verdict: Verdict, color: bool) -> String {
    let label = verdict.label();
    let pad = " ".repeat(LABEL_WIDTH.saturating_sub(label.len()));
    if !color {
        return format!("{label}{pad}");
    }
    let sgr = match verdict {
        Verdict::Pass => "32",
        Verdict::Fail => "31",
        _ => "33",
    };
    format!("\x1b[{sgr}m{label}\x1b[0m{pad}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_set_to_anything_non_empty_turns_colour_off() {
        assert!(color_for(true, None));
        assert!(color_for(true, Some(OsStr::new(""))));
        assert!(!color_for(true, Some(OsStr::new("1"))));
        assert!(!color_for(true, Some(OsStr::new("false"))));
        assert!(!color_for(false, None));
    }

    #[test]
    fn labels_keep_the_column_with_or_without_colour() {
        assert_eq!(verdict_label(Verdict::Pass, false), "PASS     ");
        assert_eq!(verdict_label(Verdict::Cancelled, false), "CANCELLED");
        assert_eq!(
            verdict_label(Verdict::Fail, true),
            "\x1b[31mFAIL\x1b[0m     "
        );
        assert_eq!(
            verdict_label(Verdict::Timeout, true),
            "\x1b[33mTIMEOUT\x1b[0m  "
        );
    }
}
