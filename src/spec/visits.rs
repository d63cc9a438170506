//! How a returning user comes back (`visits:` of the transition checks), and how old the host
//! says its files are (`last_modified_age:`). Both decide what Chromium's HTTP cache answers:
//! a reload revalidates the document, a new tab or a typed URL takes a heuristically fresh copy
//! (docs/chromium.md, "How a user comes back").

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer};
use serde::Deserialize;

/// One way a returning user comes back to the app.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum VisitKind {
    /// A new tab in the same browser opening the start URL (a bookmark, a typed URL, a link).
    NewTab,
    /// The open tab reloads.
    #[default]
    Reload,
    /// The open tab navigates to the start URL as a link or a typed URL does (not a reload).
    Navigate,
    /// The open tab navigates away, then goes back in history.
    BackForward,
}

impl VisitKind {
    /// The spec's name (`new-tab`).
    pub fn name(self) -> &'static str {
        match self {
            VisitKind::NewTab => "new-tab",
            VisitKind::Reload => "reload",
            VisitKind::Navigate => "navigate",
            VisitKind::BackForward => "back-forward",
        }
    }

    /// One visit of this kind, in words (`reload`, `new-tab visit`).
    pub fn noun(self) -> &'static str {
        match self {
            VisitKind::NewTab => "new-tab visit",
            VisitKind::Reload => "reload",
            VisitKind::Navigate => "navigation",
            VisitKind::BackForward => "back/forward visit",
        }
    }

    /// `noun`, pluralised for `n`.
    pub fn nouns(self, n: usize) -> String {
        if n == 1 {
            self.noun().to_string()
        } else {
            format!("{}s", self.noun())
        }
    }

    /// Who comes back this way, for failure messages (`a returning user who opens a new tab`).
    pub fn user(self) -> &'static str {
        match self {
            VisitKind::NewTab => "a returning user who opens the app in a new tab",
            VisitKind::Reload => "a returning user who reloads",
            VisitKind::Navigate => "a returning user who navigates to the app in the open tab",
            VisitKind::BackForward => "a returning user who comes back with the back button",
        }
    }
}

impl fmt::Display for VisitKind {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The visit kinds a transition check judges, in order, each with a fresh returning user.
/// Default: `new-tab` and `reload` — most users come back by opening the site again, and
/// Chromium treats that navigation differently from a reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visits(pub Vec<VisitKind>);

impl Default for Visits {
    fn default() -> Self {
        Visits(vec![VisitKind::NewTab, VisitKind::Reload])
    }
}

impl Visits {
    /// Only reloads (checks whose subject is something else keep the reload they always made).
    pub fn reload() -> Self {
        Visits(vec![VisitKind::Reload])
    }

    /// The kinds, in order.
    pub fn kinds(&self) -> &[VisitKind] {
        &self.0
    }
}

impl serde::Serialize for Visits {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Visits {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let kinds = Vec::<VisitKind>::deserialize(d)?;
        if kinds.is_empty() {
            return Err(de::Error::custom(
                "expected at least one visit kind: `new-tab`, `reload`, `navigate`, `back-forward`",
            ));
        }
        for (i, k) in kinds.iter().enumerate() {
            if kinds[..i].contains(k) {
                return Err(de::Error::custom(format!("`{k}` is listed twice")));
            }
        }
        Ok(Visits(kinds))
    }
}

impl JsonSchema for Visits {
    fn schema_name() -> Cow<'static, str> {
        "Visits".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let item = generator.subschema_for::<VisitKind>();
        json_schema!({
            "title": "visit kinds",
            "description": "How the returning user comes back, each kind judged with a fresh user (default: [new-tab, reload]).",
            "type": "array",
            "items": item,
            "minItems": 1,
            "uniqueItems": true,
        })
    }
}

/// The default `last_modified_age`: a week, the typical time between deploys. Chromium then
/// treats a response without `Cache-Control` as fresh for 10 % of that, 16.8 h.
pub const DEFAULT_LAST_MODIFIED_AGE: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Parses an age such as `7d`, `36h`, `90m`, `600s` or `2w`.
pub fn parse_age(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let hint = || format!("expected an age such as `7d`, `36h`, `90m` or `600s`, found `{raw}`");
    let n: u64 = number.parse().map_err(|_| hint())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(hint()),
    };
    let secs = n
        .checked_mul(seconds)
        .filter(|s| *s <= 10 * 365 * 86_400)
        .ok_or_else(|| format!("`{raw}` is more than ten years"))?;
    Ok(Duration::from_secs(secs))
}

/// Writes an age the way `parse_age` reads it, in the largest unit that divides it.
pub fn format_age(age: Duration) -> String {
    let s = age.as_secs();
    for (unit, secs) in [("w", 7 * 86_400), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if s >= secs && s.is_multiple_of(secs) {
            return format!("{}{unit}", s / secs);
        }
    }
    format!("{s}s")
}

/// Chromium's heuristic freshness for a response with `Last-Modified` `age` old and no
/// explicit lifetime: 10 % of the age (`HttpResponseHeaders::GetFreshnessLifetimes`).
pub fn heuristic_lifetime(age: Duration) -> Duration {
    age / 10
}

/// A duration in the largest unit that reads well (`16.8 h`, `2.4 h`, `36 min`, `12 s`).
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 3600.0 {
        format!("{} h", trim(s / 3600.0))
    } else if s >= 60.0 {
        format!("{} min", trim(s / 60.0))
    } else {
        format!("{} s", trim(s))
    }
}

fn trim(v: f64) -> String {
    let t = format!("{v:.1}");
    t.strip_suffix(".0").map(str::to_owned).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse_and_print_back() {
        assert_eq!(parse_age("7d").unwrap(), DEFAULT_LAST_MODIFIED_AGE);
        assert_eq!(parse_age("36h").unwrap(), Duration::from_secs(36 * 3600));
        assert_eq!(format_age(Duration::from_secs(36 * 3600)), "36h");
        assert_eq!(format_age(DEFAULT_LAST_MODIFIED_AGE), "1w");
        assert_eq!(format_age(Duration::from_secs(0)), "0s");
        assert!(parse_age("7 days").unwrap_err().contains("`7 days`"));
        assert!(parse_age("d").is_err());
        assert!(parse_age("99999w").unwrap_err().contains("ten years"));
    }

    #[test]
    fn heuristic_freshness_is_a_tenth_of_the_age() {
        assert_eq!(
            human_duration(heuristic_lifetime(DEFAULT_LAST_MODIFIED_AGE)),
            "16.8 h"
        );
        assert_eq!(
            human_duration(heuristic_lifetime(Duration::from_secs(86_400))),
            "2.4 h"
        );
        assert_eq!(human_duration(Duration::from_secs(90)), "1.5 min");
    }

    #[test]
    fn visits_reject_empty_and_repeated_lists() {
        let parse = |y: &str| serde_yaml::from_str::<Visits>(y).map_err(|e| e.to_string());
        assert_eq!(
            parse("[reload, new-tab]").unwrap().kinds(),
            &[VisitKind::Reload, VisitKind::NewTab]
        );
        assert!(parse("[]").unwrap_err().contains("at least one"));
        assert!(parse("[reload, reload]").unwrap_err().contains("twice"));
        assert!(parse("[tab]").unwrap_err().contains("new-tab"));
    }
}
