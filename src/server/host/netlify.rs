//! Netlify and Cloudflare Pages `_headers` / `_redirects` files, compiled to the common
//! [`super::rules`] model. Anything the model cannot express is an error naming the directive,
//! never dropped, so a fixture never silently behaves unlike the host.
//!
//! Sources:
//! - Netlify: <https://docs.netlify.com/routing/redirects/>,
//!   <https://docs.netlify.com/routing/redirects/redirect-options/>,
//!   <https://docs.netlify.com/routing/redirects/rewrites-proxies/#shadowing>,
//!   <https://docs.netlify.com/routing/headers/>; Netlify's own `_headers` matcher:
//!   <https://github.com/netlify/build/blob/main/packages/headers-parser/src/for_regexp.ts>.
//! - Cloudflare Pages: <https://developers.cloudflare.com/pages/configuration/redirects/>,
//!   <https://developers.cloudflare.com/pages/configuration/headers/>; its parser and matcher:
//!   <https://github.com/cloudflare/workers-sdk/blob/main/packages/workers-shared/utils/configuration/parseRedirects.ts>,
//!   <https://github.com/cloudflare/workers-sdk/blob/main/packages/pages-shared/asset-server/rulesEngine.ts>.
//!
//! # Shadowing: does a rule apply when a file exists at the requested path?
//! - Netlify: no, for every status, unless forced with `!` ("By default, you can't shadow a
//!   URL that actually exists within the site", rewrites-proxies#shadowing; since April 2020
//!   only an explicit `!` forces, <https://answers.netlify.com/t/changed-behavior-in-redirects/10084>).
//!   Rules act as fallbacks for 3xx too (<https://docs.netlify.com/platform/request-chain>).
//!   So `force` is exactly the `!`.
//! - Cloudflare Pages: yes, for every status including 200 ("Redirects are always followed,
//!   regardless of whether or not an asset matches the incoming request", redirects page; the
//!   asset server matches rules before it looks up assets, `pages-shared/asset-server/handler.ts`).
//!   It has no `!`, so every Cloudflare rule gets `force: true`.
//!
//! # Differences between the hosts that we honour
//! - Default status: Netlify 301, Cloudflare Pages 302.
//! - Statuses: Netlify 200, 301, 302, 303, 307, 308, 404, 410 (its parser takes any integer; the
//!   docs show no 451, so we do not take it); Cloudflare 200, 301, 302, 303, 307, 308 only.
//! - Splat: Netlify only at the end of `from`; Cloudflare one `*` anywhere. Both capture `splat`.
//! - `_headers` paths: Netlify's matcher is case-insensitive, ignores a trailing `/`, lets `*`
//!   cross `/`, and lets a whole-segment `*` match nothing (`/a/*` matches `/a`). Cloudflare
//!   matches case-sensitively, one `*` capturing `splat`. `:name` is one segment on both.
//!
//! # Unsupported (an error naming it)
//! Query-parameter matching, conditions (`Country=`, `Language=`, `Role=`, `Cookie=`, …),
//! 200 rewrites to an absolute URL (proxying), a full URL as `from` (domain-level redirects),
//! absolute-URL `_headers` patterns (Cloudflare), `! Name` header detaching (Cloudflare),
//! `:placeholder` substitution in header values (Cloudflare).
//!
//! # Host limits (noted, not enforced)
//! - Cloudflare `_redirects`: 2,000 static + 100 dynamic rules (2,100 in all), 1,000 characters
//!   per rule; static rules should come before dynamic ones. `_headers`: 100 rules, 2,000
//!   characters per line.
//! - Netlify: no fixed count; a too-large serialized rule set can fail the deploy, and the docs
//!   advise wildcards/placeholders past 10,000 redirects.

use std::path::Path;
use std::sync::LazyLock;

use super::rules::{
    HeaderRule, HostFile, HostFileError, Matcher, Origin, Part, RouteRule, Template,
};

/// Which host reads the file: the two differ in what they support (e.g. Cloudflare Pages has no `!` force and no 200 proxying to other origins; Netlify supports conditions which we do not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Netlify.
    Netlify,
    /// Cloudflare Pages.
    CloudflarePages,
}

use Flavor::{CloudflarePages as Cf, Netlify as Nf};

/// A 1-based column and a message; the caller adds file and line.
type ColErr = (usize, String);

fn fail<T>(column: usize, message: impl Into<String>) -> Result<T, ColErr> {
    Err((column, message.into()))
}

/// Parses a `_headers` file; only `headers` is filled.
pub fn parse_headers(file: &Path, text: &str, flavor: Flavor) -> Result<HostFile, HostFileError> {
    let mut out = HostFile::default();
    // The current path's capture names, to spot Cloudflare value placeholders.
    let mut captures = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let body = raw.trim();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let parsed = header_line(raw, body, flavor, &mut out.headers, &mut captures);
        if let Some(matcher) = parsed.map_err(|(c, m)| error(file, idx + 1, c, m))? {
            let (set, origin) = (Vec::new(), origin(file, idx + 1));
            out.headers.push(HeaderRule {
                matcher,
                set,
                origin,
            });
        }
    }
    Ok(out)
}

/// One non-blank, non-comment `_headers` line: a path line gives its matcher; a header line is
/// added to the last rule.
fn header_line(
    raw: &str,
    body: &str,
    flavor: Flavor,
    rules: &mut [HeaderRule],
    captures: &mut Vec<String>,
) -> Result<Option<Matcher>, ColErr> {
    let at = col(raw, offset(raw, body));
    // Both hosts take a `/…` line as a path whatever its indent; an unindented line is a path
    // by this format's layout, so a misplaced `Name: value` gets a pointed message.
    if body.starts_with('/') || is_absolute_url(body) || at == 1 {
        if is_absolute_url(body) {
            let msg = format!("absolute URL pattern `{body}` is not supported by swgate");
            return fail(at, msg);
        }
        if !body.starts_with('/') {
            let msg = format!(
                "expected a path starting with `/` (header lines must be indented), found `{body}`"
            );
            return fail(at, msg);
        }
        let (matcher, names) = compile(raw, body, true, flavor)?;
        *captures = names;
        return Ok(Some(matcher));
    }
    let Some(rule) = rules.last_mut() else {
        return fail(at, "indented header line before any path line");
    };
    if flavor == Cf && body.starts_with('!') {
        return fail(at, "header detaching (`! Name`) is not supported by swgate");
    }
    let Some(colon) = body.find(':') else {
        let msg = format!("expected `Name: value`, found no `:` in `{body}`");
        return fail(at, msg);
    };
    let (name, value) = (body[..colon].trim_end(), body[colon + 1..].trim());
    if name.is_empty() || name.contains(char::is_whitespace) {
        let msg = format!("empty header name or one with whitespace: `{name}`");
        return fail(at, msg);
    }
    if value.is_empty() {
        let column = col(raw, offset(raw, body) + colon + 1);
        return fail(column, format!("empty value for header `{name}`"));
    }
    // Cloudflare substitutes `:name`/`:splat` in values; `HeaderRule` holds plain text.
    let placeholder = captures
        .iter()
        .find_map(|n| Some((value.find(&format!(":{n}"))?, n)));
    if let (Cf, Some((i, n))) = (flavor, placeholder) {
        let msg = format!("placeholder `:{n}` in a header value is not supported by swgate");
        return fail(col(raw, offset(raw, value) + i), msg);
    }
    // Both hosts join a header repeated within a rule with ", ".
    match rule
        .set
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        Some((_, v)) => *v = format!("{v}, {value}"),
        None => rule.set.push((name.to_string(), value.to_string())),
    }
    Ok(None)
}

/// Parses a `_redirects` file; only `routes` is filled.
pub fn parse_redirects(file: &Path, text: &str, flavor: Flavor) -> Result<HostFile, HostFileError> {
    let mut out = HostFile::default();
    for (idx, raw) in text.lines().enumerate() {
        let mut fields: Vec<&str> = raw.split_whitespace().collect();
        // A field starting with `#` starts a comment, also at the end of a rule.
        if let Some(i) = fields.iter().position(|f| f.starts_with('#')) {
            fields.truncate(i);
        }
        if !fields.is_empty() {
            let route = route(raw, &fields, flavor).map_err(|(c, m)| error(file, idx + 1, c, m))?;
            let (matcher, to, status, force) = route;
            out.routes.push(RouteRule {
                matcher,
                to,
                status,
                force,
                origin: origin(file, idx + 1),
            });
        }
    }
    Ok(out)
}

/// One `from to [status][!]` rule: matcher, destination, status and force.
fn route(
    raw: &str,
    fields: &[&str],
    flavor: Flavor,
) -> Result<(Matcher, Template, u16, bool), ColErr> {
    let at = |f: &str| col(raw, offset(raw, f));
    let from = fields[0];
    if is_absolute_url(from) {
        let msg = format!("domain-level redirects (source `{from}`) are not supported by swgate");
        return fail(at(from), msg);
    }
    if !from.starts_with('/') {
        let msg = format!("source `{from}` must be a path starting with `/`");
        return fail(at(from), msg);
    }
    let Some(&to) = fields.get(1) else {
        let end = col(raw, offset(raw, from) + from.len());
        return fail(end, "missing destination after the source");
    };
    let to_ok = to.starts_with('/') || is_absolute_url(to);
    if !to_ok && to.contains('=') {
        let msg = format!("query-parameter matching (`{to}`) is not supported by swgate");
        return fail(at(to), msg);
    }
    if !to_ok {
        let msg = format!("destination `{to}` must be a path starting with `/` or a URL");
        return fail(at(to), msg);
    }
    // Netlify's parser takes any status, so a refusal there is ours; Cloudflare's is its own.
    let (allowed, default, who): (&[u16], _, _) = match flavor {
        Nf => (&[200, 301, 302, 303, 307, 308, 404, 410], 301, "swgate"),
        Cf => (&[200, 301, 302, 303, 307, 308], 302, "Cloudflare Pages"),
    };
    let (status, bang) = match fields.get(2) {
        None => (default, false),
        Some(&s) if s.contains('=') => return condition(s, at(s)),
        Some(&s) => {
            let digits = s.strip_suffix('!').unwrap_or(s);
            let Ok(code) = digits.parse::<u16>() else {
                let msg = format!("invalid status `{s}`: expected e.g. `301` or `200!`");
                return fail(at(s), msg);
            };
            if !allowed.contains(&code) {
                let msg = format!("status {code} is not supported by {who} ({allowed:?})");
                return fail(at(s), msg);
            }
            if flavor == Cf && digits.len() < s.len() {
                let msg =
                    "the `!` force flag is not supported by Cloudflare Pages (rules always apply)";
                return fail(at(s) + digits.len(), msg);
            }
            (code, digits.len() < s.len())
        }
    };
    match fields.get(3) {
        Some(&extra) if extra.contains('=') => return condition(extra, at(extra)),
        Some(&extra) => {
            let msg = format!("unexpected field `{extra}` after the status");
            return fail(at(extra), msg);
        }
        None => {}
    }
    if status == 200 && is_absolute_url(to) {
        let msg = format!("200 rewrites to a URL (proxying to `{to}`) are not supported by swgate");
        return fail(at(to), msg);
    }
    let (matcher, captures) = compile(raw, from, false, flavor)?;
    // Netlify rules are fallbacks unless `!`; Cloudflare always applies them (module doc).
    let force = bang || flavor == Cf;
    Ok((matcher, template(to, &captures), status, force))
}

fn condition<T>(field: &str, column: usize) -> Result<T, ColErr> {
    let key = field.split('=').next().unwrap_or(field);
    let msg = format!("conditions (`{key}=`) are not supported by swgate");
    fail(column, msg)
}

/// A piece of a path pattern or destination.
enum Tok<'a> {
    Lit(&'a str),
    Star,
    Var(&'a str),
}

/// Splits `pat` into literals, `*` and `:name` placeholders (Cloudflare's `:[A-Za-z]\w*`, plus
/// `_`), each with its byte offset; a `:` not before a name (`https://`, `:8080`) is literal.
fn tokens(pat: &str) -> Vec<(usize, Tok<'_>)> {
    static SPECIAL: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\*|:[A-Za-z_][A-Za-z0-9_]*").expect("valid regex"));
    let (mut out, mut lit) = (Vec::new(), 0);
    for m in SPECIAL.find_iter(pat) {
        if lit < m.start() {
            out.push((lit, Tok::Lit(&pat[lit..m.start()])));
        }
        let tok = m.as_str().strip_prefix(':').map_or(Tok::Star, Tok::Var);
        out.push((m.start(), tok));
        lit = m.end();
    }
    if lit < pat.len() {
        out.push((lit, Tok::Lit(&pat[lit..])));
    }
    out
}

/// The matcher for `pat` (a subslice of `raw`, for error columns) and its capture names.
fn compile(
    raw: &str,
    pat: &str,
    headers: bool,
    flavor: Flavor,
) -> Result<(Matcher, Vec<String>), ColErr> {
    let netlify_headers = headers && flavor == Nf;
    let toks = tokens(pat);
    let (mut re, mut names) = (String::new(), Vec::<String>::new());
    for (n, (off, tok)) in toks.iter().enumerate() {
        let column = col(raw, offset(raw, pat) + off);
        let (name, body) = match tok {
            Tok::Lit(s) => {
                re.push_str(&regex::escape(s));
                continue;
            }
            Tok::Star if netlify_headers => {
                // Netlify's `*` is uncaptured and crosses `/`; as a whole segment it may be empty.
                let next = toks.get(n + 1);
                if re.ends_with('/')
                    && next.is_none_or(|(_, t)| matches!(t, Tok::Lit(s) if s.starts_with('/')))
                {
                    re.push('?');
                }
                re.push_str(".*");
                continue;
            }
            Tok::Star if flavor == Nf && n + 1 < toks.len() => {
                return fail(column, "a `*` splat must end the source path on Netlify");
            }
            Tok::Star if toks[..n].iter().any(|(_, t)| matches!(t, Tok::Star)) => {
                return fail(
                    column,
                    "only one `*` is allowed in a path on Cloudflare Pages",
                );
            }
            Tok::Star => ("splat", ".*"),
            Tok::Var(name) => (*name, "[^/]+"),
        };
        if names.iter().any(|s| s == name) {
            return fail(column, format!("capture `{name}` appears twice in `{pat}`"));
        }
        re.push_str(&format!("(?P<{name}>{body})"));
        names.push(name.to_string());
    }
    if netlify_headers {
        let body = re
            .strip_suffix('/')
            .filter(|b| !b.is_empty())
            .unwrap_or(&re);
        re = format!("(?i){body}/?");
    }
    let matcher = Matcher::from_regex(&re, pat).map_err(|m| (col(raw, offset(raw, pat)), m))?;
    Ok((matcher, names))
}

/// `to` with the placeholders `from` captures as `Part::Capture`; any other `:word` stays
/// literal, as both hosts leave it.
fn template(to: &str, captures: &[String]) -> Template {
    let (mut parts, mut lit) = (Vec::new(), String::new());
    for (_, tok) in tokens(to) {
        match tok {
            Tok::Var(name) if captures.iter().any(|c| c == name) => {
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(Part::Capture(name.to_string()));
            }
            Tok::Var(name) => lit.push_str(&format!(":{name}")),
            Tok::Star => lit.push('*'),
            Tok::Lit(s) => lit.push_str(s),
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Template {
        parts,
        text: to.to_string(),
    }
}

/// The URLs both hosts accept in place of a path (Cloudflare only `https://`).
fn is_absolute_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

/// Byte offset of `inner`, a subslice of `outer`.
fn offset(outer: &str, inner: &str) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

/// 1-based column (in characters) of byte offset `at` in `line`.
fn col(line: &str, at: usize) -> usize {
    line[..at].chars().count() + 1
}

fn origin(file: &Path, line: usize) -> Origin {
    Origin::File {
        file: file.to_path_buf(),
        line,
        column: None,
    }
}

fn error(file: &Path, line: usize, column: usize, message: String) -> HostFileError {
    HostFileError {
        file: file.to_path_buf(),
        line,
        column: Some(column),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parse = fn(&Path, &str, Flavor) -> Result<HostFile, HostFileError>;

    fn headers(text: &str, f: Flavor) -> Vec<HeaderRule> {
        parse_headers(Path::new("_headers"), text, f)
            .unwrap()
            .headers
    }
    fn routes(text: &str, f: Flavor) -> Vec<RouteRule> {
        parse_redirects(Path::new("_redirects"), text, f)
            .unwrap()
            .routes
    }
    /// Each case fails with `file:line:col: ` and a message naming the problem.
    fn assert_errs(parse: Parse, file: &str, flavors: &[Flavor], cases: &[(&str, &str, &str)]) {
        for (&f, (text, at, what)) in flavors
            .iter()
            .flat_map(|f| cases.iter().map(move |c| (f, c)))
        {
            let e = parse(Path::new(file), text, f).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("{file}:{at}: ")) && e.contains(what),
                "{f:?} {text:?}: {e}"
            );
        }
    }

    #[test]
    fn headers_multi_rule_comments_and_repeats() {
        let text = "# c\n/*\n  X-Frame-Options: DENY\n\n/assets/*\n  # inner\n  Cache-Control: a\n  cache-control: b\n  Link: <https://x>; rel=preload\n";
        for f in [Nf, Cf] {
            let h = headers(text, f);
            assert_eq!(h.len(), 2);
            assert_eq!(h[0].set, vec![("X-Frame-Options".into(), "DENY".into())]);
            assert_eq!(h[1].set[0], ("Cache-Control".into(), "a, b".into()));
            assert_eq!(h[1].set[1].1, "<https://x>; rel=preload");
            assert_eq!(h[1].origin.to_string(), "_headers:5");
            assert!(h[0].matcher.is_match("/a/b.js") && h[1].matcher.is_match("/assets/x/y.css"));
        }
        assert_eq!(
            headers("/m/:title\n  X-Movie: :title\n", Nf)[0].set[0].1,
            ":title"
        );
    }

    #[test]
    fn header_path_matching_per_flavor() {
        let nf = headers(
            "/assets/*\n  A: 1\n/*.js\n  A: 1\n/blog/:slug\n  A: 1\n",
            Nf,
        );
        // Netlify: a whole-segment `*` may be empty and crosses `/`; case and a trailing `/` are ignored.
        assert!(nf[0].matcher.is_match("/assets") && nf[0].matcher.is_match("/ASSETS/a/b"));
        assert!(nf[1].matcher.is_match("/x/y.js") && !nf[1].matcher.is_match("/x.css"));
        assert!(nf[2].matcher.is_match("/blog/a/") && !nf[2].matcher.is_match("/blog/a/b"));
        let cf = headers("/static/*\n  A: 1\n/m/:title\n  A: 1\n", Cf);
        let caps = cf[0].matcher.captures("/static/a/b").unwrap();
        assert_eq!(caps[0], ("splat".into(), "a/b".into()));
        assert!(!cf[0].matcher.is_match("/STATIC/a") && !cf[0].matcher.is_match("/static"));
        assert!(cf[1].matcher.is_match("/m/x") && !cf[1].matcher.is_match("/m/x/y"));
    }

    #[test]
    fn header_errors_name_file_line_column() {
        let both = [
            ("# c\n  X-A: 1\n", "2:3", "before any path"),
            ("/a\n  X-A 1\n", "2:3", "no `:`"),
            ("/a\n   : v\n", "2:4", "empty header name"),
            ("/a\n  X A: 1\n", "2:3", "whitespace: `X A`"),
            ("/a\n  X-A:   \n", "2:7", "empty value"),
            ("/a\nX-A: 1\n", "2:1", "must be indented"),
            ("a/b\n  X-A: 1\n", "1:1", "starting with `/`"),
            (
                "https://x.pages.dev/*\n  X-A: 1\n",
                "1:1",
                "absolute URL pattern",
            ),
        ];
        assert_errs(parse_headers, "_headers", &[Nf, Cf], &both);
        let cf = [
            (
                "/a\n  ! Content-Security-Policy\n",
                "2:3",
                "header detaching",
            ),
            (
                "/m/:title\n  X-Movie: \":title\"\n",
                "2:13",
                "placeholder `:title`",
            ),
            ("/a/*/b/*\n  X: 1\n", "1:8", "only one `*`"),
        ];
        assert_errs(parse_headers, "_headers", &[Cf], &cf);
    }

    #[test]
    fn redirects_splats_placeholders_and_default_status() {
        let text = "/news/*  /blog/:splat\n/p/:year/:slug /posts/:slug-:year.html?q=:other 302\n/old https://example.com/new 308\n";
        let nf = routes(text, Nf);
        assert_eq!((nf[0].status, nf[0].force), (301, false));
        assert_eq!(
            nf[0]
                .to
                .expand(&nf[0].matcher.captures("/news/2004/a").unwrap()),
            "/blog/2004/a"
        );
        assert_eq!(
            nf[1].to.parts[..2],
            [Part::Lit("/posts/".into()), Part::Capture("slug".into())]
        );
        let caps = nf[1].matcher.captures("/p/2024/hi").unwrap();
        assert_eq!(nf[1].to.expand(&caps), "/posts/hi-2024.html?q=:other");
        assert!(!nf[1].matcher.is_match("/p/2024/hi/x"));
        assert_eq!(
            (nf[2].status, nf[2].to.expand(&[])),
            (308, "https://example.com/new".into())
        );
        assert_eq!(nf[1].origin.to_string(), "_redirects:2");
        // Cloudflare defaults to 302 and always applies its rules over existing assets.
        let cf = routes(text, Cf);
        assert_eq!((cf[0].status, cf[0].force), (302, true));
        let cf = routes("/a/*/edit /e/:splat 200\n", Cf);
        assert_eq!(
            cf[0]
                .to
                .expand(&cf[0].matcher.captures("/a/x/y/edit").unwrap()),
            "/e/x/y"
        );
    }

    #[test]
    fn forced_rules_and_comments() {
        let text = "# full-line\n\n  /app/*  /app/index.html  200!  # trailing\n/b /c#frag 404\n";
        let r = routes(text, Nf);
        assert_eq!((r.len(), r[0].status, r[0].force), (2, 200, true));
        assert_eq!(
            (r[1].status, r[1].force, r[1].to.text.as_str()),
            (404, false, "/c#frag")
        );
        assert_eq!(r[0].origin.to_string(), "_redirects:3");
        assert!(routes("/a /b 200 # x y\n", Cf)[0].force);
    }

    #[test]
    fn redirect_errors_name_file_line_column() {
        let both = [
            ("\n/a\n", "2:3", "missing destination"),
            ("/a /b 301 extra\n", "1:11", "unexpected field `extra`"),
            (
                "/store id=:id /b/:id 301\n",
                "1:8",
                "query-parameter matching",
            ),
            (
                "/ /anz 302 Country=au,nz\n",
                "1:12",
                "conditions (`Country=`)",
            ),
            ("/a /b Language=de\n", "1:7", "conditions (`Language=`)"),
            ("/api/* https://api.x/:splat 200\n", "1:8", "proxying"),
            (
                "https://a.x/* https://b.x/:splat 301\n",
                "1:1",
                "domain-level redirects",
            ),
            ("a /b\n", "1:1", "must be a path"),
            ("/a b\n", "1:4", "destination `b`"),
            ("/a /b 30x\n", "1:7", "invalid status"),
            ("/a /b 418\n", "1:7", "status 418 is not supported"),
            ("/:x/:x /b\n", "1:5", "appears twice"),
        ];
        assert_errs(parse_redirects, "_redirects", &[Nf, Cf], &both);
        let nf = [
            (
                "/admin/* /a 200! Role=admin\n",
                "1:18",
                "conditions (`Role=`)",
            ),
            ("/a/*/b /c\n", "1:4", "must end the source path on Netlify"),
        ];
        assert_errs(parse_redirects, "_redirects", &[Nf], &nf);
        let cf = [
            (
                "/a /b 301!\n",
                "1:10",
                "`!` force flag is not supported by Cloudflare Pages",
            ),
            ("/a /b 404\n", "1:7", "not supported by Cloudflare Pages"),
            ("/a/*/b/* /c\n", "1:8", "only one `*`"),
        ];
        assert_errs(parse_redirects, "_redirects", &[Cf], &cf);
    }
}
