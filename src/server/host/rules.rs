//! The routing and header rules every host config format compiles to: a path matcher (a regex
//! with named captures), a destination template, and where the rule came from, so evidence
//! and failure messages can name the line to change.

use std::fmt;
use std::path::PathBuf;

/// Where a rule came from: a line of a host config file, the spec, or a preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A line (and column, where the format has one) of a file.
    File {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column, when the format gives one.
        column: Option<usize>,
    },
    /// A host preset's default (`preset netlify`).
    Preset(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line, column } => {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| file.display().to_string());
                match column {
                    Some(c) => write!(f, "{name}:{line}:{c}"),
                    None => write!(f, "{name}:{line}"),
                }
            }
            Origin::Preset(p) => write!(f, "preset `{p}`"),
        }
    }
}

/// A bad line in a host config file: exit 2, like a spec error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}{}: {message}", file.display(), column.map(|c| format!(":{c}")).unwrap_or_default())]
pub struct HostFileError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong, naming the unsupported directive when that is the reason.
    pub message: String,
}

/// A URL-path matcher: an anchored regex whose named groups are the pattern's placeholders
/// (`:slug`, the splat `*` as `splat`), plus the pattern as written for messages.
#[derive(Debug, Clone)]
pub struct Matcher {
    regex: regex::Regex,
    /// The pattern as the file wrote it.
    pub text: String,
}

impl Matcher {
    /// A matcher from a regex that must match the whole path. It is always wrapped in
    /// `^(?:…)$`: anchors already there are harmless, and a pattern ending in an escaped `\$`
    /// is still anchored.
    pub fn from_regex(regex: &str, text: &str) -> Result<Self, String> {
        let anchored = format!("^(?:{regex})$");
        let regex =
            regex::Regex::new(&anchored).map_err(|e| format!("invalid pattern `{text}`: {e}"))?;
        Ok(Matcher {
            regex,
            text: text.to_string(),
        })
    }

    /// The captures when `path` matches: named groups by name, every group also by its
    /// 1-based index (`"1"`), for destinations that use `$1`.
    pub fn captures(&self, path: &str) -> Option<Vec<(String, String)>> {
        let caps = self.regex.captures(path)?;
        let mut out = Vec::new();
        for (i, name) in self.regex.capture_names().enumerate().skip(1) {
            let value = caps
                .get(i)
                .map(|m| m.as_str().to_string())
                .unwrap_or_default();
            if let Some(name) = name {
                out.push((name.to_string(), value.clone()));
            }
            out.push((i.to_string(), value));
        }
        Some(out)
    }

    /// Whether `path` matches.
    pub fn is_match(&self, path: &str) -> bool {
        self.regex.is_match(path)
    }
}

/// One piece of a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Lit(String),
    /// A capture by name or 1-based index (`"splat"`, `"slug"`, `"1"`).
    Capture(String),
}

/// A destination with placeholders filled from the matched path's captures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The pieces in order.
    pub parts: Vec<Part>,
    /// The destination as written.
    pub text: String,
}

impl Template {
    /// A template with no placeholders.
    pub fn literal(text: &str) -> Self {
        Template {
            parts: vec![Part::Lit(text.to_string())],
            text: text.to_string(),
        }
    }

    /// The destination for `captures` (a capture the path did not have expands to nothing).
    pub fn expand(&self, captures: &[(String, String)]) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Capture(name) => {
                    if let Some((_, v)) = captures.iter().find(|(n, _)| n == name) {
                        out.push_str(v);
                    }
                }
            }
        }
        out
    }
}

/// Headers set on paths a matcher matches.
#[derive(Debug, Clone)]
pub struct HeaderRule {
    /// Which paths.
    pub matcher: Matcher,
    /// Name/value pairs in file order.
    pub set: Vec<(String, String)>,
    /// Where the rule is written.
    pub origin: Origin,
}

/// A redirect (3xx) or rewrite (200) of paths a matcher matches.
#[derive(Debug, Clone)]
pub struct RouteRule {
    /// Which paths.
    pub matcher: Matcher,
    /// Where to (a path, or an absolute URL for redirects).
    pub to: Template,
    /// 200 = rewrite (serve `to`'s file under the requested URL), 301/302/303/307/308 =
    /// redirect, 404/410 = answer that status with `to`'s file as the body.
    pub status: u16,
    /// Applies even when a file exists at the path (Netlify's `!`); formats without the
    /// notion set what their host does.
    pub force: bool,
    /// Where the rule is written.
    pub origin: Origin,
}

/// What one host config file (or the spec's routing keys) says.
#[derive(Debug, Clone, Default)]
pub struct HostFile {
    /// Header rules; every matching rule applies, later ones win on the same header.
    pub headers: Vec<HeaderRule>,
    /// Redirects and rewrites in file order.
    pub routes: Vec<RouteRule>,
    /// `/about` serves `/about.html`, and `/about.html` redirects to `/about`.
    pub clean_urls: bool,
    /// `Some(true)`: a directory-like path without `/` redirects to the `/` form; `Some(false)`:
    /// the reverse; `None`: both answer.
    pub trailing_slash: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_by_name_and_index_and_expands() {
        let m =
            Matcher::from_regex(r"/blog/(?P<slug>[^/]+)/(?P<splat>.*)", "/blog/:slug/*").unwrap();
        let caps = m.captures("/blog/hello/a/b").unwrap();
        let t = Template {
            parts: vec![
                Part::Lit("/posts/".into()),
                Part::Capture("slug".into()),
                Part::Lit("?rest=".into()),
                Part::Capture("2".into()),
            ],
            text: "/posts/:slug?rest=$2".into(),
        };
        assert_eq!(t.expand(&caps), "/posts/hello?rest=a/b");
        assert!(m.captures("/blog").is_none());
    }

    #[test]
    fn every_pattern_matches_the_whole_path() {
        // An escaped `\$` at the end is a literal dollar, not an anchor.
        let m = Matcher::from_regex(r"^/price\$", "/price$").unwrap();
        assert!(m.is_match("/price$"));
        assert!(!m.is_match("/price$/more"));
        let m = Matcher::from_regex(r"/a|/b", "/a|/b").unwrap();
        assert!(m.is_match("/b"));
        assert!(!m.is_match("/a/x"));
        assert!(!m.is_match("/x/b"));
    }

    #[test]
    fn origin_names_the_file_and_line() {
        let o = Origin::File {
            file: "/x/build/_headers".into(),
            line: 3,
            column: None,
        };
        assert_eq!(o.to_string(), "_headers:3");
        assert_eq!(Origin::Preset("netlify").to_string(), "preset `netlify`");
    }
}
