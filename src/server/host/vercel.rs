//! Vercel's `vercel.json`, compiled to [`super::rules`].
//!
//! Sources: the keys, <https://vercel.com/docs/project-configuration/vercel-json> (`cleanUrls`
//! and `trailingSlash` redirect with 308); <https://vercel.com/docs/redirects/configuration-redirects>
//! (`permanent` 308, temporary 307); <https://vercel.com/docs/rewrites>; and the code that turns
//! these keys into Vercel's routes, `@vercel/routing-utils`
//! (<https://github.com/vercel/vercel/tree/main/packages/routing-utils/src>: `index.ts`
//! `getTransformedRoutes`, `superstatic.ts`, `schemas.ts`).
//!
//! Order (`getTransformedRoutes`): the `cleanUrls` and `trailingSlash` redirects, `redirects`,
//! `headers` (routes with `continue: true`), then `{ handle: "filesystem" }`, then `rewrites`.
//! So redirects win over an existing file (`force: true`), rewrites apply only when no file
//! answers (`force: false`), and every redirect is listed before every rewrite whatever the key
//! order; the first match wins within each list. A redirect ends routing before the header
//! routes, so custom headers do not reach redirects; they are matched against the request path
//! and reach static files and rewritten responses, every matching rule applying.
//!
//! Keys compiled: `headers`, `redirects`, `rewrites`, `cleanUrls`, `trailingSlash`. Ignored
//! (`IGNORED`: build, deploy and function settings that do not change what a static path
//! answers): `$schema`, `buildCommand`, `framework`, `outputDirectory` (the spec names the
//! build directory), `functions`, `crons`, `regions`, `images`, the legacy `builds`, `env`, …
//! Errors naming the key: `routes` (legacy), `bulkRedirectsPath`, unknown keys; in rules
//! `has`/`missing` (conditions on headers, cookies, host, query), `env`, a rewrite to an
//! absolute URL (a proxy), a header using a source capture (the model has no header templates).
//!
//! Redirect status: `permanent` true 308 / false 307, else `statusCode` (301/302/303/307/308),
//! else 308 (routing-utils' default); both keys is an error, as on Vercel. A rewrite's
//! `statusCode` may be 200, 404 or 410.
//!
//! `source` is path-to-regexp 6.1.0 (vendored in routing-utils) as Vercel calls it (`strict`,
//! `sensitive`, `/` delimiter, anchored, so `/:path*` does not match `/` itself): `:name`,
//! `:name(re)`, `(re)`, modifiers `?` `*` `+`, `{…}` groups, `\` escapes. The `re` parts are
//! JavaScript regexes, which the `regex` crate reads alike except for look-around (an error). Destinations use `:name` (`:name*`, `:name+`) and `$1`. Vercel also
//! appends a rewrite's captures to its query when the destination uses none: not copied, the
//! query does not change the file served. Positions: see [`super::json_doc`].

use std::path::Path;

use super::json_doc::{header_set, matcher, template, Doc, Node};
use super::rules::{HeaderRule, HostFile, HostFileError, Matcher, RouteRule};

/// Top-level keys that do not change what the fixture server answers for a path.
#[rustfmt::skip]
pub(super) const IGNORED: &[&str] = &[
    "$schema", "alias", "build", "buildCommand", "builds", "bunVersion", "crons", "devCommand",
    "env", "fluid", "framework", "functionFailoverRegions", "functions", "git", "github",
    "ignoreCommand", "images", "installCommand", "name", "outputDirectory", "public", "regions",
    "scope", "version",
];

/// Parses `vercel.json`; `file` names it in origins and errors.
pub fn parse(file: &Path, text: &str) -> Result<HostFile, HostFileError> {
    let (doc, root) = Doc::parse(file, text)?;
    let mut out = HostFile::default();
    let (mut redirects, mut rewrites) = (Vec::new(), Vec::new());
    for (key, key_at, value) in doc.object(&root, "vercel.json")? {
        match key.as_str() {
            "headers" => {
                for rule in doc.array(value, "`headers`")? {
                    out.headers.push(header(&doc, rule)?);
                }
            }
            "redirects" => {
                for rule in doc.array(value, "`redirects`")? {
                    redirects.push(route(&doc, rule, true)?);
                }
            }
            "rewrites" => {
                for rule in doc.array(value, "`rewrites`")? {
                    rewrites.push(route(&doc, rule, false)?);
                }
            }
            "cleanUrls" => out.clean_urls = doc.boolean(value, "`cleanUrls`")?,
            "trailingSlash" => out.trailing_slash = Some(doc.boolean(value, "`trailingSlash`")?),
            "routes" => {
                let msg = "`routes` (legacy) is not supported: write it as `redirects`, `rewrites` and `headers`";
                return Err(doc.err(*key_at, msg));
            }
            "bulkRedirectsPath" => {
                let msg =
                    "`bulkRedirectsPath` is not supported: list the redirects under `redirects`";
                return Err(doc.err(*key_at, msg));
            }
            k if IGNORED.contains(&k) => {}
            _ => return Err(doc.err(*key_at, format!("unknown key `{key}` in vercel.json"))),
        }
    }
    redirects.append(&mut rewrites);
    out.routes = redirects;
    Ok(out)
}

/// Rejects the rule keys that make a rule depend on more than the path.
fn conditions(doc: &Doc, rule: &Node) -> Result<(), HostFileError> {
    let members = doc.object(rule, "a rule")?;
    match members
        .iter()
        .find(|m| matches!(m.0.as_str(), "has" | "missing" | "env"))
    {
        Some((key, at, _)) => {
            let why = if key == "env" {
                "environment variables filled in at runtime"
            } else {
                "swgate applies a rule to every request its `source` matches"
            };
            Err(doc.err(*at, format!("`{key}` is not supported: {why}")))
        }
        None => Ok(()),
    }
}

fn source(doc: &Doc, rule: &Node, what: &str) -> Result<(Matcher, Vec<String>), HostFileError> {
    let node = doc.field(rule, "source", what)?;
    let text = doc.string(node, "`source`")?;
    path_to_regex(text)
        .and_then(|re| matcher(&re, text, false))
        .map_err(|m| doc.err(node.at, m))
}

fn header(doc: &Doc, rule: &Node) -> Result<HeaderRule, HostFileError> {
    conditions(doc, rule)?;
    doc.keys(rule, "a header rule", &["source", "headers"])?;
    let (matcher, names) = source(doc, rule, "the header rule")?;
    let set = header_set(doc, rule, &names)?;
    Ok(HeaderRule {
        matcher,
        set,
        origin: doc.origin(rule.at),
    })
}

fn route(doc: &Doc, rule: &Node, redirect: bool) -> Result<RouteRule, HostFileError> {
    conditions(doc, rule)?;
    let what = if redirect { "a redirect" } else { "a rewrite" };
    let only = if redirect {
        "permanent"
    } else {
        "respectOriginCacheControl"
    };
    let allowed = ["source", "destination", "statusCode", only];
    doc.keys(rule, what, &allowed)?;
    let (matcher, names) = source(doc, rule, what)?;
    let dest = doc.field(rule, "destination", what)?;
    let text = doc.string(dest, "`destination`")?;
    if !redirect
        && (text.starts_with("http://") || text.starts_with("https://") || text.starts_with("//"))
    {
        let msg = "a rewrite to an absolute URL proxies the request, which swgate does not do";
        return Err(doc.err(dest.at, msg));
    }
    let to = template(text, &names, true).map_err(|m| doc.err(dest.at, m))?;
    let status = match (redirect, rule.get("permanent"), rule.get("statusCode")) {
        (_, Some(_), Some(code)) => {
            return Err(doc.err(
                code.at,
                "a redirect takes `permanent` or `statusCode`, not both",
            ))
        }
        (_, Some(p), None) => {
            if doc.boolean(p, "`permanent`")? {
                308
            } else {
                307
            }
        }
        (true, None, Some(code)) => doc.status(code, "`statusCode`", &[301, 302, 303, 307, 308])?,
        (false, None, Some(code)) => doc.status(code, "`statusCode`", &[200, 404, 410])?,
        (true, None, None) => 308,
        (false, None, None) => 200,
    };
    let origin = doc.origin(rule.at);
    Ok(RouteRule {
        matcher,
        to,
        status,
        force: redirect,
        origin,
    })
}

enum Tok {
    Char(char),
    Escaped(char),
    Name(String),
    Pattern(String),
    Open,
    Close,
    Modifier(char),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = s.chars().collect();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < c.len() {
        i += 1;
        out.push(match c[i - 1] {
            m @ ('*' | '+' | '?') => Tok::Modifier(m),
            '{' => Tok::Open,
            '}' => Tok::Close,
            '\\' => {
                i += 1;
                Tok::Escaped(*c.get(i - 1).ok_or("a trailing `\\` escapes nothing")?)
            }
            ':' => {
                let name: String = c[i..]
                    .iter()
                    .take_while(|ch| ch.is_ascii_alphanumeric() || **ch == '_')
                    .collect();
                if name.is_empty() {
                    return Err(format!("`:` at {i} is not followed by a parameter name"));
                }
                i += name.len();
                Tok::Name(name)
            }
            '(' => {
                let (start, mut depth) = (i, 1);
                if c.get(i) == Some(&'?') {
                    return Err(format!("the pattern at {i} cannot start with `?`"));
                }
                while depth > 0 {
                    match c.get(i).ok_or(format!("unbalanced `(` at {start}"))? {
                        '\\' => i += 1,
                        ')' => depth -= 1,
                        '(' if c.get(i + 1) != Some(&'?') => {
                            return Err(format!(
                                "capturing group at {} inside a pattern: use `(?:…)`",
                                i + 1
                            ))
                        }
                        '(' => depth += 1,
                        _ => {}
                    }
                    i += 1;
                }
                let pattern: String = c[start..i - 1].iter().collect();
                if pattern.is_empty() {
                    return Err(format!("empty pattern `()` at {start}"));
                }
                Tok::Pattern(pattern)
            }
            ch => Tok::Char(ch),
        });
    }
    Ok(out)
}

/// path-to-regexp 6's `pathToRegexp(source, keys, { strict: true, sensitive: true })` as a
/// `regex` crate pattern: one capture group per parameter (named ones named), so `$1` numbers
/// agree with Vercel's.
pub(super) fn path_to_regex(source: &str) -> Result<String, String> {
    const SEGMENT: &str = "[^/#?]+?";
    let toks = lex(source)?;
    let (mut re, mut path, mut i) = (String::from("^"), String::new(), 0);
    let esc = |s: &str| regex::escape(s);
    let take = |i: &mut usize, f: &dyn Fn(&Tok) -> Option<String>| {
        let got = toks.get(*i).and_then(f);
        *i += usize::from(got.is_some());
        got
    };
    let name = |t: &Tok| {
        if let Tok::Name(n) = t {
            Some(n.clone())
        } else {
            None
        }
    };
    let pattern = |t: &Tok| {
        if let Tok::Pattern(p) = t {
            Some(p.clone())
        } else {
            None
        }
    };
    let modifier = |t: &Tok| {
        if let Tok::Modifier(m) = t {
            Some(m.to_string())
        } else {
            None
        }
    };
    let text = |t: &Tok| match t {
        Tok::Char(c) | Tok::Escaped(c) => Some(c.to_string()),
        _ => None,
    };
    let param =
        |re: &mut String, name: Option<String>, pre: &str, suf: &str, pat: &str, m: &str| {
            let open = name.map_or("(".to_string(), |n| format!("(?P<{n}>"));
            let (pre, suf) = (esc(pre), esc(suf));
            re.push_str(&match (pre.is_empty() && suf.is_empty(), m) {
                (false, "*" | "+") => {
                    let opt = if m == "*" { "?" } else { "" };
                    format!("(?:{pre}{open}(?:{pat})(?:{suf}{pre}(?:{pat}))*){suf}){opt}")
                }
                (false, _) => format!("(?:{pre}{open}{pat}){suf}){m}"),
                (true, "*" | "+") => format!("{open}(?:{pat}){m})"),
                (true, _) => format!("{open}{pat}){m}"),
            });
        };
    while i < toks.len() {
        let ch = match toks.get(i) {
            Some(Tok::Char(c)) => take(&mut i, &|_| Some(c.to_string())),
            _ => None,
        };
        let (n, p) = (take(&mut i, &name), take(&mut i, &pattern));
        if n.is_some() || p.is_some() {
            // A `/` or `.` just before a parameter is its prefix: optional along with it.
            let prefix = match ch {
                Some(c) if c == "/" || c == "." => c,
                other => {
                    path.push_str(&other.unwrap_or_default());
                    String::new()
                }
            };
            re.push_str(&esc(&std::mem::take(&mut path)));
            let m = take(&mut i, &modifier).unwrap_or_default();
            let pat = p.unwrap_or_else(|| SEGMENT.to_string());
            param(&mut re, n, &prefix, "", &pat, &m);
            continue;
        }
        let escaped = |t: &Tok| {
            if let Tok::Escaped(c) = t {
                Some(c.to_string())
            } else {
                None
            }
        };
        if let Some(c) = ch.or_else(|| take(&mut i, &escaped)) {
            path.push_str(&c);
            continue;
        }
        re.push_str(&esc(&std::mem::take(&mut path)));
        if !matches!(toks.get(i), Some(Tok::Open)) {
            let what = match toks.get(i) {
                Some(Tok::Close) => "`}` without `{`".to_string(),
                Some(Tok::Modifier(m)) => format!("`{m}` after something that is not a parameter"),
                _ => "token".to_string(),
            };
            return Err(format!("unexpected {what} in `{source}`"));
        }
        i += 1;
        let group_text = |i: &mut usize| std::iter::from_fn(|| take(i, &text)).collect::<String>();
        let pre = group_text(&mut i);
        let (n, p) = (take(&mut i, &name), take(&mut i, &pattern));
        let suf = group_text(&mut i);
        if !matches!(toks.get(i), Some(Tok::Close)) {
            return Err(format!("unclosed `{{` in `{source}`"));
        }
        i += 1;
        let m = take(&mut i, &modifier).unwrap_or_default();
        if n.is_none() && p.is_none() {
            re.push_str(&format!("(?:{}{}){m}", esc(&pre), esc(&suf)));
        } else {
            let pat = p.unwrap_or_else(|| SEGMENT.to_string());
            param(&mut re, n, &pre, &suf, &pat, &m);
        }
    }
    re.push_str(&esc(&path));
    re.push('$');
    Ok(re)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(json: &str) -> HostFile {
        parse(Path::new("/p/vercel.json"), json).unwrap()
    }

    /// Where `path` goes under `source` → `dest`, or `None` when it does not match.
    fn route(source: &str, dest: &str, path: &str) -> Option<String> {
        let (m, names) = matcher(&path_to_regex(source).unwrap(), source, false).unwrap();
        Some(
            template(dest, &names, true)
                .unwrap()
                .expand(&m.captures(path)?),
        )
    }

    #[test]
    fn compiles_every_key_with_origins() {
        let f = ok(r#"{
  "$schema": "https://openapi.vercel.sh/vercel.json", "framework": null, "outputDirectory": "dist",
  "rewrites": [{ "source": "/(.*)", "destination": "/index.html" }],
  "redirects": [
    { "source": "/a", "destination": "/b" },
    { "source": "/c", "destination": "/d", "permanent": false },
    { "source": "/e", "destination": "https://x.example/", "statusCode": 301 }
  ],
  "headers": [{ "source": "/sw.js", "headers": [{ "key": "Cache-Control", "value": "no-cache" }] }],
  "cleanUrls": true, "trailingSlash": true
}"#);
        assert!(f.clean_urls);
        assert_eq!(f.trailing_slash, Some(true));
        let r: Vec<_> = f
            .routes
            .iter()
            .map(|r| (r.status, r.force, r.origin.to_string()))
            .collect();
        assert_eq!(
            r,
            [
                (308, true, "vercel.json:5:5".to_string()),
                (307, true, "vercel.json:6:5".into()),
                (301, true, "vercel.json:7:5".into()),
                (200, false, "vercel.json:3:16".into()),
            ]
        );
        assert!(f.routes[3].matcher.is_match("/any/path"));
        assert_eq!(f.headers[0].origin.to_string(), "vercel.json:9:15");
        assert_eq!(
            f.headers[0].set,
            [("Cache-Control".to_string(), "no-cache".to_string())]
        );
        assert!(
            f.headers[0].matcher.is_match("/sw.js") && !f.headers[0].matcher.is_match("/sw.jsx")
        );
        let f = ok(
            r#"{"rewrites": [{"source": "/x", "destination": "/404.html", "statusCode": 404}]}"#,
        );
        assert_eq!(f.routes[0].status, 404);
    }

    #[test]
    fn path_to_regexp_sources_and_destination_captures() {
        assert_eq!(
            route("/blog/:slug", "/posts/:slug", "/blog/hi").as_deref(),
            Some("/posts/hi")
        );
        assert_eq!(route("/blog/:slug", "/", "/blog/a/b"), None);
        assert_eq!(route("/blog/:slug", "/", "/blog/hi/"), None); // strict
        assert_eq!(route("/Blog", "/", "/blog"), None); // sensitive
        assert_eq!(
            route("/:path*", "/x/:path*", "/a/b").as_deref(),
            Some("/x/a/b")
        );
        assert_eq!(route("/:path*", "/x/:path*", "/"), None); // strict, as Vercel compiles it
        assert_eq!(route("/:path*", "/x/:path*", "/a").as_deref(), Some("/x/a"));
        assert_eq!(route("/api/:path+", "/:path", "/api"), None);
        assert_eq!(
            route("/(.*)", "/app?p=$1", "/a/b").as_deref(),
            Some("/app?p=a/b")
        );
        assert_eq!(
            route("/post/:id(\\d+)", "/p/:id", "/post/42").as_deref(),
            Some("/p/42")
        );
        assert_eq!(route("/post/:id(\\d+)", "/p/:id", "/post/x"), None);
        assert_eq!(route("/docs/:v?", "/d/:v", "/docs").as_deref(), Some("/d/"));
        assert_eq!(
            route("/f/:name.:ext", "/:ext/:name", "/f/a.png").as_deref(),
            Some("/png/a")
        );
        assert_eq!(route("/x{-:n}?", "/y$1", "/x-3").as_deref(), Some("/y3"));
        assert_eq!(route("/x{-:n}?", "/y", "/x").as_deref(), Some("/y"));
        assert_eq!(
            route("/a\\:b/(\\d+)-:c", "$1+:c", "/a:b/7-z").as_deref(),
            Some("7+z")
        );
        assert_eq!(
            route("/s/:p", "https://h.example:8080/:p", "/s/q").as_deref(),
            Some("https://h.example:8080/q")
        );
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let cases = [
            ("{\n  \"cleanUrls\": true,\n}", "vercel.json:3:1: invalid JSON: trailing comma"),
            ("{\n  \"routes\": []}", ":2:3: `routes` (legacy) is not supported: write it as `redirects`"),
            ("{\"bulkRedirectsPath\": \"r.csv\"}", ":1:2: `bulkRedirectsPath` is not supported"),
            ("{\"redirect\": []}", ":1:2: unknown key `redirect` in vercel.json"),
            ("{\"headers\": [{\"source\": \"/\", \"has\": [], \"headers\": []}]}", ":1:30: `has` is not supported"),
            ("{\"rewrites\": [{\"source\": \"/\", \"missing\": [], \"destination\": \"/\"}]}", ":1:31: `missing` is not supported"),
            ("{\"redirects\": [{\"source\": \"/\", \"env\": [\"A\"], \"destination\": \"/\"}]}", ":1:32: `env` is not supported"),
            ("{\"rewrites\": [{\"source\": \"/api/:p*\", \"destination\": \"https://api.example/:p*\"}]}", ":1:53: a rewrite to an absolute URL proxies"),
            ("{\"redirects\": [{\"source\": \"/\", \"destination\": \"/\", \"permanent\": true, \"statusCode\": 301}]}", ":1:85: a redirect takes `permanent` or `statusCode`, not both"),
            ("{\"redirects\": [{\"source\": \"/\", \"destination\": \"/\", \"statusCode\": 200}]}", ":1:66: `statusCode` must be one of [301, 302, 303, 307, 308]"),
            ("{\"redirects\": [{\"source\": \"/a/:x\", \"destination\": \"/b/:y\"}]}", ":1:51: the destination uses `:y`, which the source does not capture"),
            ("{\"redirects\": [{\"source\": \"/:p((?!uk/).*)\", \"destination\": \"/\"}]}", ":1:27: invalid pattern `/:p((?!uk/).*)`: look-around"),
            ("{\"redirects\": [{\"source\": \"/a/:\", \"destination\": \"/\"}]}", ":1:27: `:` at 4 is not followed by a parameter name"),
            ("{\"redirects\": [{\"source\": \"/a((b))\", \"destination\": \"/\"}]}", ":1:27: capturing group at 4 inside a pattern"),
            ("{\"redirects\": [{\"source\": \"/a{b\", \"destination\": \"/\"}]}", ":1:27: unclosed `{`"),
            ("{\"redirects\": [{\"source\": \"/a+\", \"destination\": \"/\"}]}", ":1:27: unexpected `+` after something that is not a parameter"),
            ("{\"redirects\": [{\"destination\": \"/\"}]}", ":1:16: a redirect has no `source`"),
            ("{\"rewrites\": [{\"source\": \"/\"}]}", ":1:15: a rewrite has no `destination`"),
            ("{\"rewrites\": [{\"source\": \"/\", \"dest\": \"/\"}]}", ":1:31: unknown key `dest` in a rewrite"),
            ("{\"headers\": [{\"source\": \"/:p\", \"headers\": [{\"key\": \"X\", \"value\": \":p\"}]}]}", ":1:44: the header uses the source's `:p`"),
            ("{\"trailingSlash\": 1}", ":1:19: `trailingSlash` must be true or false, not a number"),
        ];
        let mut wrong = Vec::new();
        for (json, want) in cases {
            let got = parse(Path::new("/p/vercel.json"), json)
                .unwrap_err()
                .to_string();
            if !got.contains(want) {
                wrong.push(format!("{json}\n got: {got}\nwant: {want}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    }
}
