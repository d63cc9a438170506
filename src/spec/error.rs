//! Spec errors and their rendering (`--> file:line:col`, the source line, a caret, a hint).

use std::fmt::Write as _;
use std::path::PathBuf;

/// Why a spec could not become a plan.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The spec path given on the command line does not exist.
    #[error("spec path {} does not exist", path.display())]
    Missing {
        /// The path as resolved.
        path: PathBuf,
    },
    /// A directory was given but holds no `*.yaml` / `*.yml` files.
    #[error("no spec files (*.yaml, *.yml) in {}", path.display())]
    NoSpecs {
        /// The directory.
        path: PathBuf,
    },
    /// The spec file could not be read.
    #[error("cannot read spec {}", path.display())]
    Read {
        /// The spec file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// The spec was read but is not valid: syntax, types, unknown keys, missing deploys.
    #[error("{message}")]
    Invalid {
        /// The spec file.
        path: PathBuf,
        /// 1-based line and column, when known.
        position: Option<(usize, usize)>,
        /// What is wrong and what was expected.
        message: String,
        /// A suggestion, such as the closest valid key.
        hint: Option<String>,
        /// The text of the offending line, for the rendered excerpt.
        source_line: Option<String>,
    },
}

impl SpecError {
    /// Builds an `Invalid` error at a 1-based position of `source`.
    pub(crate) fn invalid_at(
        path: PathBuf,
        source: &str,
        position: Option<(usize, usize)>,
        message: String,
    ) -> Self {
        let hint = crate::spec::unknown_name_hint(&message);
        let source_line = position
            .and_then(|(line, _)| source.lines().nth(line.saturating_sub(1)))
            .map(|l| l.replace('\t', " "));
        SpecError::Invalid {
            path,
            position,
            message,
            hint,
            source_line,
        }
    }

    /// Renders the error for a terminal, Hurl-style.
    ///
    /// ```text
    /// error: unknown field `chekcs`, expected one of `name`, `deploys`, `checks`
    ///   --> specs/bad.yaml:7:1
    ///    |
    ///  7 | chekcs:
    ///    | ^
    ///    = help: did you mean `checks`?
    /// ```
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self {
            SpecError::Invalid {
                path,
                position,
                message,
                hint,
                source_line,
            } => {
                let _ = writeln!(out, "error: {message}");
                match position {
                    Some((line, col)) => {
                        let gutter = line.to_string().len();
                        let pad = " ".repeat(gutter);
                        let _ = writeln!(out, "{pad}--> {}:{line}:{col}", path.display());
                        if let Some(text) = source_line {
                            let caret_pad: String = text
                                .chars()
                                .take(col.saturating_sub(1))
                                .map(|c| if c == '\t' { '\t' } else { ' ' })
                                .collect();
                            let _ = writeln!(out, "{pad} |");
                            let _ = writeln!(out, "{line} | {text}");
                            let _ = writeln!(out, "{pad} | {caret_pad}^");
                        }
                        if let Some(hint) = hint {
                            let _ = writeln!(out, "{pad} = help: {hint}");
                        }
                    }
                    None => {
                        let _ = writeln!(out, "  --> {}", path.display());
                        if let Some(hint) = hint {
                            let _ = writeln!(out, "   = help: {hint}");
                        }
                    }
                }
            }
            other => {
                let _ = write!(out, "error: {other}");
                let mut source = std::error::Error::source(other);
                while let Some(cause) = source {
                    let _ = write!(out, ": {cause}");
                    source = cause.source();
                }
                out.push('\n');
            }
        }
        out
    }
}
