//! CI annotations: on GitHub Actions each scenario that did not pass becomes a workflow command
//! (`::error file=…,line=…,col=…,title=…::message`), which GitHub shows on the spec's line in the
//! pull request. GitLab reads the JUnit report instead, so nothing is printed for it.
//!
//! Escaping follows GitHub's workflow-command rules: `%`, CR and LF in the message; those plus
//! `:` and `,` in property values (file, title).

use crate::outcome::Verdict;
use crate::runner::{Change, FailOn, RunSummary};

/// Where annotations go (`--annotations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Annotations {
    /// GitHub's when `GITHUB_ACTIONS=true`, else none (the default).
    #[default]
    Auto,
    /// GitHub Actions workflow commands.
    Github,
    /// None.
    None,
}

impl std::str::FromStr for Annotations {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Annotations::Auto),
            "github" => Ok(Annotations::Github),
            "none" => Ok(Annotations::None),
            _ => Err(format!("expected `auto`, `github` or `none`, found `{s}`")),
        }
    }
}

impl Annotations {
    /// Whether GitHub annotations are printed, given the value of `GITHUB_ACTIONS`.
    pub fn github(self, github_actions_env: Option<&str>) -> bool {
        match self {
            Annotations::Auto => github_actions_env == Some("true"),
            Annotations::Github => true,
            Annotations::None => false,
        }
    }
}

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command per scenario that did not pass, in report order. A failure the gate
/// does not count (`--fail-on new` and still failing since the baseline) is a warning.
pub fn github_annotations(summary: &RunSummary, fail_on: FailOn) -> String {
    let mut out = String::new();
    for r in summary
        .results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
    {
        let known = fail_on == FailOn::New
            && r.baseline == Some(Change::StillFailing)
            && !matches!(r.verdict, Verdict::Infrastructure | Verdict::Cancelled);
        let level = if known { "warning" } else { "error" };
        let change = r
            .baseline
            .map(|c| format!(" ({})", c.describe()))
            .unwrap_or_default();
        out.push_str(&format!(
            "::{level} file={},line={},col={},title={}::{}\n",
            property(&r.location.file.display().to_string()),
            r.location.line,
            r.location.column,
            property(&format!(
                "swgate {} {} › {}{change}",
                r.verdict.label(),
                r.spec,
                r.label
            )),
            data(&r.message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_helpers::summary;

    #[test]
    fn one_command_per_scenario_that_did_not_pass() {
        let mut s = summary();
        s.results[2].message.push_str("\n50% of users, see: here");
        insta::assert_snapshot!(github_annotations(&s, FailOn::Any), @r"
        ::error file=specs/stuck.yaml,line=8,col=5,title=swgate FAIL stuck › update-recovers::a returning user never reaches v2: after 3 reloads the page still shows v1%0A50%25 of users, see: here
        ::error file=specs/stuck.yaml,line=9,col=5,title=swgate TIMEOUT stuck › caches-pruned::timed out after 15.0s waiting for v2's worker to install
        ");
    }

    #[test]
    fn known_failures_are_warnings_when_the_gate_ignores_them() {
        let mut s = summary();
        s.results[2].baseline = Some(Change::StillFailing);
        s.results[3].baseline = Some(Change::NewFailure);
        insta::assert_snapshot!(github_annotations(&s, FailOn::New), @r"
        ::warning file=specs/stuck.yaml,line=8,col=5,title=swgate FAIL stuck › update-recovers (still failing)::a returning user never reaches v2: after 3 reloads the page still shows v1
        ::error file=specs/stuck.yaml,line=9,col=5,title=swgate TIMEOUT stuck › caches-pruned (new failure)::timed out after 15.0s waiting for v2's worker to install
        ");
    }

    #[test]
    fn property_values_escape_colons_and_commas() {
        assert_eq!(property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        assert!(Annotations::Auto.github(Some("true")));
        assert!(!Annotations::Auto.github(None));
        assert!(!Annotations::None.github(Some("true")));
        assert!(Annotations::Github.github(None));
    }
}
