//! Why the browser's HTTP cache answered a document without asking the server: the headers
//! the fixture server sent for it, and the freshness Chromium derived from them.

use std::time::Duration;

use crate::server::preset_facts;
use crate::spec::{format_age, heuristic_lifetime, human_duration, HostPreset};

use super::kit::Scenario;

/// What made a cached document fresh, from the last response the server sent for its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpCacheCause {
    /// The document's URL path.
    pub path: String,
    /// The `Cache-Control` sent (only the spec's `headers:` rules set one), or `None`.
    pub cache_control: Option<String>,
    /// The spec's `last_modified_age`: how old `Last-Modified` said the file was.
    pub last_modified_age: Duration,
    /// False when the worker answered with a response it built: CDP then cannot tell where
    /// its body came from, only that no request reached the server.
    pub certain: bool,
    /// The host preset that served it.
    pub host: HostPreset,
    /// Which rule set the `Cache-Control` (`_headers:3`, `preset `firebase``), when one did.
    pub set_by: Option<String>,
}

impl HttpCacheCause {
    /// `max-age=N` when the header sets an explicit lifetime.
    fn max_age(&self) -> Option<u64> {
        self.cache_control.as_deref()?.split(',').find_map(|d| {
            let d = d.trim().to_ascii_lowercase();
            d.strip_prefix("max-age=")?.trim_matches('"').parse().ok()
        })
    }

    /// What made the document fresh and how long for, then the fix, in one clause:
    /// "/ was served without Cache-Control and with a Last-Modified 1w old
    /// (`last_modified_age`), so Chromium treats it as fresh for 16.8 h (10 % of its age);
    /// serve HTML with ...".
    pub fn describe(&self) -> String {
        let set_by = self
            .set_by
            .clone()
            .unwrap_or_else(|| "a `headers:` rule".to_string());
        let why = match (&self.cache_control, self.max_age()) {
            (Some(cc), Some(secs)) => format!(
                "{} was served with `Cache-Control: {cc}` (from {set_by}), fresh for {}",
                self.path,
                human_duration(Duration::from_secs(secs))
            ),
            (cc, _) => format!(
                "{} was served {} and with a Last-Modified {} old (`last_modified_age`), so Chromium treats it as fresh for {} (10 % of its age)",
                self.path,
                match cc {
                    Some(cc) => format!("with `Cache-Control: {cc}` (from {set_by}) but no lifetime"),
                    None if self.host == HostPreset::Static => "without Cache-Control (host preset `static`: nginx, Apache and S3 send none by default; no `headers:` rule sets one)".into(),
                    None => format!("without Cache-Control (host preset `{}`; no rule sets one)", self.host.name()),
                },
                format_age(self.last_modified_age),
                human_duration(heuristic_lifetime(self.last_modified_age))
            ),
        };
        format!("{why}; {}", self.fix())
    }

    /// The fix, naming where this host takes headers.
    pub fn fix(&self) -> String {
        format!(
            "serve HTML with `Cache-Control: no-cache` (for {}: {}), or fetch navigations in the worker with `cache: 'no-cache'`",
            self.path,
            preset_facts(self.host).headers_advice
        )
    }

    /// The clause failure messages append: `; the document came from ...: <describe>`.
    pub fn clause(&self) -> String {
        if self.certain {
            format!(
                "; the document came from the browser's HTTP cache and never reached the server: {}",
                self.describe()
            )
        } else {
            format!(
                "; no request for the document reached the server and the worker answered with a response it built, so its fetch was most likely answered by the browser's HTTP cache: {}",
                self.describe()
            )
        }
    }
}

impl Scenario {
    /// Why the HTTP cache could answer `path`: the headers of the last full response the
    /// server sent for it.
    pub fn http_cache_cause(&self, path: &str, certain: bool) -> HttpCacheCause {
        let record = self
            .server
            .log()
            .snapshot()
            .into_iter()
            .rev()
            .find(|r| r.status == 200 && r.is_page_request_for(path));
        let set_by = record.as_ref().and_then(|r| {
            r.rules.as_deref()?.split("; ").find_map(|rule| {
                rule.strip_prefix("Cache-Control from ")
                    .or_else(|| rule.strip_prefix("cache-control from "))
                    .map(str::to_owned)
            })
        });
        HttpCacheCause {
            path: path.to_string(),
            cache_control: record.and_then(|r| r.cache_control),
            last_modified_age: self.spec.last_modified_age,
            certain,
            host: self.spec.host.preset,
            set_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cause(cc: Option<&str>) -> HttpCacheCause {
        HttpCacheCause {
            path: "/".into(),
            cache_control: cc.map(str::to_owned),
            last_modified_age: crate::spec::DEFAULT_LAST_MODIFIED_AGE,
            certain: true,
            host: HostPreset::Static,
            set_by: None,
        }
    }

    #[test]
    fn heuristic_freshness_names_the_age_and_the_lifetime() {
        assert_eq!(
            cause(None).describe(),
            "/ was served without Cache-Control (host preset `static`: nginx, Apache and S3 send none by default; no `headers:` rule sets one) and with a Last-Modified 1w old (`last_modified_age`), so Chromium treats it as fresh for 16.8 h (10 % of its age); serve HTML with `Cache-Control: no-cache` (for /: in the server's config, or the spec's `headers:`), or fetch navigations in the worker with `cache: 'no-cache'`"
        );
    }

    #[test]
    fn an_explicit_max_age_names_the_header() {
        assert!(cause(Some("public, max-age=600"))
            .describe()
            .starts_with("/ was served with `Cache-Control: public, max-age=600` (from a `headers:` rule), fresh for 10 min;"));
    }
}
