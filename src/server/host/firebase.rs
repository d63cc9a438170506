//! Firebase Hosting's `firebase.json` (its `hosting` section), compiled to [`super::rules`].
//!
//! Sources: the keys and their meaning, <https://firebase.google.com/docs/hosting/full-config>;
//! the schema the CLI checks (`source`, `glob` or `regex` per rule, `type` on redirects),
//! <https://github.com/firebase/firebase-tools/blob/master/src/firebaseConfig.ts>; where the
//! docs are silent, the emulator, <https://github.com/firebase/superstatic> (`src/middleware/`
//! `index.js`, `redirects.js`, `headers.js`; `src/utils/patterns.js`, `src/utils/slasher.ts`).
//!
//! Order ("Priority order of Hosting responses" on the full-config page): reserved `/__/*`
//! paths, configured redirects, exact-match static content, configured rewrites, custom 404,
//! default 404. So redirects get `force: true` (they win over an existing file), rewrites
//! `force: false`, and every redirect is listed before every rewrite whatever the key order;
//! the first match wins within each list. Headers: every rule whose pattern matches the
//! *request* path applies, the later rule winning on a header both set (as reported in
//! <https://github.com/firebase/firebase-tools/issues/9467>; the docs are silent); superstatic
//! sets them after its redirect step, so they reach static files and rewritten responses but
//! not redirects.
//!
//! `hosting` keys: `headers`, `redirects`, `rewrites` (to a `destination` file), `cleanUrls`,
//! `trailingSlash` are compiled. Ignored: `public` (the spec names the build directory),
//! `ignore` (deploy-time), `site`, `target`, `predeploy`, `postdeploy`; `appAssociation` only
//! as `"NONE"` (swgate never serves association files). Errors naming the key: `i18n`,
//! `appAssociation` otherwise, `source`/`frameworksBackend` (web frameworks), rewrites to
//! `function`, `run`, `dynamicLinks` or `tagId`, and any unknown key. `hosting` as an array
//! (multi-site) must hold exactly one site. Other top-level keys (`firestore`, `functions`, …)
//! are ignored. An unset `trailingSlash` means "directory indexes get a slash" on Firebase;
//! the rule model's `None` (both forms answer) is the closest it has.
//!
//! Patterns: `source`/`glob` is a minimatch glob matched against the path, a leading `/` added
//! first (slasher): `*`, `?`, `[…]`, `**` as a whole segment (any number of segments), `{a,b}`,
//! `@(…)`, `?(…)`, `+(…)`, `*(…)`. `!(…)` needs look-ahead, which the `regex` crate lacks: an
//! error. minimatch's "`*` skips dotfiles" is not copied. Redirect globs also capture `:name`
//! (one segment) and `:name*` (the rest) for the destination, per the docs' "capture URL
//! segments". `regex` is RE2, matched unanchored as superstatic does; a redirect destination
//! may use its named groups `(?P<name>…)` and group numbers as `:name` and `:1`.
//!
//! Positions: serde_json gives syntax errors a line:col but has no spans, and an error raised
//! inside a visitor only gets the position *after* the token just read; origins need where a
//! rule *starts*. So once serde_json has accepted the text, `Doc` walks it again recording
//! where each key and value starts: origins point at a rule's `{`, errors at the offending key
//! or value (columns in characters). firebase-tools reads the file as CJSON
//! (`src/loadCJSON.ts`), so `//` and `/* */` comments are blanked first, positions kept.

use std::path::Path;

use super::json_doc::{header_set, matcher, template, Doc, Member, Node, V};
use super::rules::{HeaderRule, HostFile, HostFileError, Matcher, RouteRule, Template};

/// Parses `firebase.json`; `file` names it in origins and errors.
pub fn parse(file: &Path, text: &str) -> Result<HostFile, HostFileError> {
    let (doc, root) = Doc::parse(file, &blank_comments(text))?;
    doc.object(&root, "firebase.json")?;
    let hosting = doc.field(&root, "hosting", "firebase.json")?;
    let site = match &hosting.v {
        V::Arr(sites) if sites.len() == 1 => &sites[0],
        V::Arr(sites) => {
            let msg = format!(
                "`hosting` lists {} sites; multi-site configs are not supported: keep exactly one",
                sites.len()
            );
            return Err(doc.err(hosting.at, msg));
        }
        _ => hosting,
    };
    let mut out = HostFile::default();
    let (mut redirects, mut rewrites) = (Vec::new(), Vec::new());
    for (key, key_at, value) in doc.object(site, "`hosting`")? {
        match key.as_str() {
            "public" | "ignore" | "site" | "target" | "predeploy" | "postdeploy" => {}
            "appAssociation" if value.str() == Some("NONE") => {}
            "headers" => {
                for rule in doc.array(value, "`headers`")? {
                    doc.keys(
                        rule,
                        "a header rule",
                        &["source", "glob", "regex", "headers"],
                    )?;
                    let (matcher, _) = pattern(&doc, rule, false)?;
                    let set = header_set(&doc, rule, &[])?;
                    let origin = doc.origin(rule.at);
                    out.headers.push(HeaderRule {
                        matcher,
                        set,
                        origin,
                    });
                }
            }
            "redirects" => {
                for rule in doc.array(value, "`redirects`")? {
                    redirects.push(redirect(&doc, rule)?);
                }
            }
            "rewrites" => {
                for rule in doc.array(value, "`rewrites`")? {
                    rewrites.push(rewrite(&doc, rule)?);
                }
            }
            "cleanUrls" => out.clean_urls = doc.boolean(value, "`cleanUrls`")?,
            "trailingSlash" => out.trailing_slash = Some(doc.boolean(value, "`trailingSlash`")?),
            "i18n" | "appAssociation" | "source" | "frameworksBackend" => {
                let what = match key.as_str() {
                    "i18n" => "i18n rewrites (content chosen by language/country)",
                    "appAssociation" => "serving app association files (only \"NONE\" is)",
                    _ => "web frameworks hosting",
                };
                return Err(doc.err(*key_at, format!("`{key}` is not supported: {what}")));
            }
            _ => return Err(doc.err(*key_at, format!("unknown key `{key}` in `hosting`"))),
        }
    }
    redirects.append(&mut rewrites);
    out.routes = redirects;
    Ok(out)
}

fn redirect(doc: &Doc, rule: &Node) -> Result<RouteRule, HostFileError> {
    let allowed = ["source", "glob", "regex", "destination", "type"];
    doc.keys(rule, "a redirect", &allowed)?;
    let (matcher, names) = pattern(doc, rule, true)?;
    let dest = doc.field(rule, "destination", "the redirect")?;
    let to = template(doc.string(dest, "`destination`")?, &names, false)
        .map_err(|m| doc.err(dest.at, m))?;
    let status = match rule.get("type") {
        Some(t) => doc.status(t, "`type`", &[301, 302, 303, 307, 308])?,
        None => 301, // superstatic: `type ?? 301`
    };
    let origin = doc.origin(rule.at);
    Ok(RouteRule {
        matcher,
        to,
        status,
        force: true,
        origin,
    })
}

fn rewrite(doc: &Doc, rule: &Node) -> Result<RouteRule, HostFileError> {
    let backends = ["function", "run", "dynamicLinks", "tagId"];
    if let Some((key, at, _)) = doc
        .object(rule, "a rewrite")?
        .iter()
        .find(|m| backends.contains(&m.0.as_str()))
    {
        let msg = format!("rewrites to `{key}` are not supported: swgate serves static files only, so a rewrite needs a `destination`");
        return Err(doc.err(*at, msg));
    }
    doc.keys(
        rule,
        "a rewrite",
        &["source", "glob", "regex", "destination"],
    )?;
    let (matcher, _) = pattern(doc, rule, false)?;
    // Firebase fills no captures into a rewrite's destination: it names one file.
    let to = Template::literal(doc.string(
        doc.field(rule, "destination", "the rewrite")?,
        "`destination`",
    )?);
    let origin = doc.origin(rule.at);
    Ok(RouteRule {
        matcher,
        to,
        status: 200,
        force: false,
        origin,
    })
}

/// The rule's matcher from exactly one of `source`, `glob` (the API's name) and `regex`, with
/// the capture names its destination may use.
fn pattern(
    doc: &Doc,
    rule: &Node,
    captures: bool,
) -> Result<(Matcher, Vec<String>), HostFileError> {
    let members = doc.object(rule, "a rule")?;
    let found: Vec<&Member> = members
        .iter()
        .filter(|m| matches!(m.0.as_str(), "source" | "glob" | "regex"))
        .collect();
    let (key, _, node) = match found[..] {
        [one] => one,
        [] => return Err(doc.err(rule.at, "the rule has no `source` (or `regex`)")),
        [_, (_, at, _), ..] => {
            return Err(doc.err(*at, "a rule takes one of `source`, `glob`, `regex`"))
        }
    };
    let text = doc.string(node, &format!("`{key}`"))?;
    let compiled = if key == "regex" {
        // RE2 search semantics: the pattern may match anywhere unless it anchors itself.
        matcher(&format!("^.*?(?:{text}).*$"), text, true)
    } else {
        glob_regex(text, captures).and_then(|re| matcher(&re, text, false))
    };
    compiled.map_err(|m| doc.err(node.at, m))
}

/// A Firebase glob as an anchored regex (see the module notes); `captures` turns on the
/// redirect-only `:name` / `:name*` segments.
fn glob_regex(glob: &str, captures: bool) -> Result<String, String> {
    if glob.is_empty() {
        return Err("the pattern is empty".into());
    }
    if glob.starts_with('!') && !glob.starts_with("!(") {
        return Err(format!("negated glob `{glob}` is not supported"));
    }
    // superstatic's slasher: globs are matched against the path with its leading `/`.
    let slashed = if glob.starts_with('/') {
        glob.to_string()
    } else {
        format!("/{glob}")
    };
    let mut g = Glob {
        c: slashed.chars().collect(),
        i: 0,
        captures,
    };
    Ok(format!("^{}$", g.seq(&[])?))
}

struct Glob {
    c: Vec<char>,
    i: usize,
    captures: bool,
}

impl Glob {
    /// Translates up to (not past) one of `stop` at this nesting level, or the end.
    fn seq(&mut self, stop: &[char]) -> Result<String, String> {
        let mut out = String::new();
        while let Some(&ch) = self.c.get(self.i) {
            if stop.contains(&ch) {
                break;
            }
            let next = self.c.get(self.i + 1).copied();
            self.i += 1;
            match ch {
                '!' if next == Some('(') => {
                    return Err(
                        "`!(…)` (anything but) is not supported: it needs look-ahead".into(),
                    )
                }
                '@' | '?' | '+' | '*' if next == Some('(') => {
                    self.i += 1;
                    let alts = self.alternatives('|', ')')?;
                    let repeat = if ch == '@' {
                        String::new()
                    } else {
                        ch.to_string()
                    };
                    out.push_str(&format!("(?:{alts}){repeat}"));
                }
                '*' => {
                    let start = self.i - 1;
                    while self.c.get(self.i) == Some(&'*') {
                        self.i += 1;
                    }
                    let after = self.c.get(self.i).copied();
                    let globstar = self.i - start > 1
                        && start > 0
                        && self.c[start - 1] == '/'
                        && matches!(after, None | Some('/'));
                    if !globstar {
                        // `a**b` is two single stars, as in minimatch.
                        out.push_str("[^/]*");
                    } else if after == Some('/') {
                        self.i += 1;
                        out.push_str("(?:[^/]*/)*"); // `a/**/b` also matches `a/b`
                    } else if out.ends_with('/') {
                        out.pop();
                        out.push_str("(?:/.*)?"); // `a/**` also matches `a`
                    } else {
                        out.push_str(".*");
                    }
                }
                '?' => out.push_str("[^/]"),
                '[' => out.push_str(&self.class()?),
                '{' => out.push_str(&format!("(?:{})", self.alternatives(',', '}')?)),
                '\\' => {
                    let escaped = self
                        .c
                        .get(self.i)
                        .copied()
                        .ok_or("a trailing `\\` escapes nothing")?;
                    self.i += 1;
                    out.push_str(&regex::escape(escaped.encode_utf8(&mut [0; 4])));
                }
                ':' if self.captures
                    && next.is_some_and(|n| n.is_ascii_alphabetic() || n == '_') =>
                {
                    let start = self.i;
                    while self
                        .c
                        .get(self.i)
                        .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_')
                    {
                        self.i += 1;
                    }
                    let name: String = self.c[start..self.i].iter().collect();
                    if self.c.get(self.i) != Some(&'*') {
                        out.push_str(&format!("(?P<{name}>[^/]+)"));
                    } else {
                        self.i += 1;
                        if out.ends_with('/') {
                            out.pop(); // `/blog/:post*` also matches `/blog`
                            out.push_str(&format!("(?:/(?P<{name}>.*))?"));
                        } else {
                            out.push_str(&format!("(?P<{name}>.*)"));
                        }
                    }
                }
                c => out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
            }
        }
        Ok(out)
    }

    /// After `{` or `x(`: the alternatives up to `close`, joined with `|`.
    fn alternatives(&mut self, sep: char, close: char) -> Result<String, String> {
        let mut alts = Vec::new();
        loop {
            alts.push(self.seq(&[sep, close])?);
            match self.c.get(self.i) {
                Some(&c) => {
                    self.i += 1;
                    if c == close {
                        return Ok(alts.join("|"));
                    }
                }
                None => return Err(format!("unclosed group: no `{close}`")),
            }
        }
    }

    /// After `[`: a character class; a negated one never matches `/`.
    fn class(&mut self) -> Result<String, String> {
        let mut out = String::from("[");
        if matches!(self.c.get(self.i), Some('!' | '^')) {
            self.i += 1;
            out.push_str("^/");
        }
        let start = self.i;
        loop {
            let c = self.c.get(self.i).copied().ok_or("unclosed `[`")?;
            self.i += 1;
            match c {
                ']' if self.i - 1 > start => break, // a leading `]` is literal
                // Class syntax the regex crate has and globs do not (`[[:x:]]`, `&&`, `~~`).
                '[' | ']' | '\\' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push(']');
        Ok(out)
    }
}

/// firebase-tools reads CJSON: `//` and `/* */` comments become spaces (newlines kept), so
/// serde_json accepts the text and every line:col stays where the user sees it.
fn blank_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                out.extend(chars.next());
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '/' && chars.peek() == Some(&'/') {
            while chars.peek().is_some_and(|&n| n != '\n') {
                chars.next();
                out.push(' ');
            }
            out.push(' ');
        } else if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            out.push_str("  ");
            let mut prev = ' ';
            for n in chars.by_ref() {
                out.push(if n == '\n' { '\n' } else { ' ' });
                if prev == '*' && n == '/' {
                    break;
                }
                prev = n;
            }
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(json: &str) -> HostFile {
        parse(Path::new("/p/firebase.json"), json).unwrap()
    }

    fn err(json: &str) -> String {
        parse(Path::new("/p/firebase.json"), json)
            .unwrap_err()
            .to_string()
    }

    fn glob(g: &str, yes: &[&str], no: &[&str]) {
        let m = Matcher::from_regex(&glob_regex(g, true).unwrap(), g).unwrap();
        for p in yes {
            assert!(m.is_match(p), "{g} should match {p}");
        }
        for p in no {
            assert!(!m.is_match(p), "{g} should not match {p}");
        }
    }

    const FULL: &str = r#"{
  "firestore": {"rules": "x"},
  "hosting": {
    "public": "dist", "ignore": ["**/.*"], "site": "s",
    "rewrites": [
      {"source": "**", "destination": "/index.html"}
    ],
    "redirects": [
      {"source": "/old", "destination": "/new"},
      {"source": "/blog/:post*", "destination": "https://b.example/:post*", "type": 302}
    ],
    "headers": [
      {"source": "**/*.@(js|css)", "headers": [{"key": "Cache-Control", "value": "max-age=60"}]},
      {"regex": "^/sw\\.js$", "headers": [{"key": "Service-Worker-Allowed", "value": "/"}]}
    ],
    "cleanUrls": true, "trailingSlash": false, "appAssociation": "NONE"
  }
}"#;

    #[test]
    fn compiles_every_key_with_origins() {
        let f = ok(FULL);
        assert!(f.clean_urls);
        assert_eq!(f.trailing_slash, Some(false));
        let r: Vec<_> = f
            .routes
            .iter()
            .map(|r| (r.status, r.force, r.to.text.as_str(), r.origin.to_string()))
            .collect();
        assert_eq!(
            r,
            [
                (301, true, "/new", "firebase.json:9:7".to_string()),
                (
                    302,
                    true,
                    "https://b.example/:post*",
                    "firebase.json:10:7".into()
                ),
                (200, false, "/index.html", "firebase.json:6:7".into()),
            ]
        );
        assert!(f.routes[2].matcher.is_match("/deep/path"));
        assert_eq!(
            f.headers[0].set,
            [("Cache-Control".to_string(), "max-age=60".to_string())]
        );
        assert_eq!(f.headers[1].origin.to_string(), "firebase.json:14:7");
        assert!(
            f.headers[0].matcher.is_match("/a/b.js") && f.headers[0].matcher.is_match("/b.css")
        );
        assert!(
            f.headers[1].matcher.is_match("/sw.js") && !f.headers[1].matcher.is_match("/x/sw.js")
        );
    }

    #[test]
    fn globs() {
        glob("**", &["/", "/a", "/a/b.c"], &[]);
        glob("/a/**", &["/a", "/a/", "/a/b/c"], &["/ab"]);
        glob("/a/**/b", &["/a/b", "/a/x/y/b"], &["/a/xb"]);
        glob(
            "**/*.@(jpg|jpeg)",
            &["/x.jpg", "/a/b/x.jpeg"],
            &["/x.png", "/x.jpgx"],
        );
        glob(
            "assets/*.png",
            &["/assets/a.png"],
            &["/assets/a/b.png", "/x/assets/a.png"],
        );
        glob("/a**b", &["/ab", "/axxb"], &["/a/b"]);
        glob(
            "/f?.{js,css}",
            &["/f1.js", "/f2.css"],
            &["/f.js", "/f12.js"],
        );
        glob("/[0-9A-F][!a].txt", &["/7b.txt"], &["/7a.txt", "/xb.txt"]);
        glob("/+(ab|c).txt", &["/abcab.txt", "/c.txt"], &["/.txt"]);
        glob("/*(x).?(y)", &["/.", "/xx.y"], &["/x.yy"]);
        glob(r"/a\*b.c", &["/a*b.c"], &["/axb.c", "/a*bxc"]);
    }

    #[test]
    fn captures_fill_redirect_destinations() {
        let f = ok(r#"{"hosting": {"redirects": [
            {"source": "/blog/:post*", "destination": "/posts/:post*"},
            {"source": "/u/:id/p", "destination": "/users/:id"},
            {"regex": "/(?P<year>[0-9]{4})/([a-z]+)$", "destination": "/y/:year/:2"}]}}"#);
        let go = |i: usize, path: &str| {
            f.routes[i]
                .matcher
                .captures(path)
                .map(|c| f.routes[i].to.expand(&c))
        };
        assert_eq!(go(0, "/blog/a/b").as_deref(), Some("/posts/a/b"));
        assert_eq!(go(0, "/blog").as_deref(), Some("/posts/"));
        assert_eq!(go(1, "/u/7/p").as_deref(), Some("/users/7"));
        assert_eq!(go(1, "/u/7/8/p"), None);
        assert_eq!(go(2, "/x/2024/abc").as_deref(), Some("/y/2024/abc"));
        // `:id` outside a redirect is a literal, as minimatch reads it.
        let h = ok(r#"{"hosting": {"headers": [{"source": "/u/:id", "headers": []}]}}"#);
        assert!(h.headers[0].matcher.is_match("/u/:id") && !h.headers[0].matcher.is_match("/u/7"));
    }

    #[test]
    fn one_site_array_and_comments() {
        let f = ok("{\n  // sites\n  \"hosting\": [{ /* one */ \"redirects\": [{\"source\": \"/a\", \"destination\": \"/b\"}]}]\n}");
        assert_eq!(f.routes[0].origin.to_string(), "firebase.json:3:41");
        let f = ok(r#"{"hosting": {"rewrites": [{"source": "/a", "destination": "/b//c"}]}}"#);
        assert_eq!(f.routes[0].to.text, "/b//c");
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let cases = [
            ("{\n  \"hosting\": {\"cleanUrls\": tru }}", "firebase.json:2:31: invalid JSON: expected ident"),
            (r#"{"functions": {}}"#, ":1:1: firebase.json has no `hosting`"),
            ("{\"hosting\": [{}, {}]}", ":1:13: `hosting` lists 2 sites; multi-site configs are not supported"),
            ("{\"hosting\": {\n \"publik\": \"x\"}}", ":2:2: unknown key `publik` in `hosting`"),
            ("{\"hosting\": {\"i18n\": {\"root\": \"/l\"}}}", ":1:14: `i18n` is not supported: i18n rewrites"),
            ("{\"hosting\": {\"appAssociation\": \"AUTO\"}}", ":1:14: `appAssociation` is not supported"),
            ("{\"hosting\": {\"source\": \".\"}}", ":1:14: `source` is not supported: web frameworks"),
            ("{\"hosting\": {\"rewrites\": [{\"source\": \"**\", \"function\": \"api\"}]}}", ":1:44: rewrites to `function` are not supported"),
            ("{\"hosting\": {\"rewrites\": [{\"source\": \"**\", \"run\": {}}]}}", ":1:44: rewrites to `run`"),
            ("{\"hosting\": {\"rewrites\": [{\"source\": \"**\", \"dynamicLinks\": true}]}}", ":1:44: rewrites to `dynamicLinks`"),
            ("{\"hosting\": {\"rewrites\": [{\"source\": \"**\"}]}}", ":1:27: the rewrite has no `destination`"),
            ("{\"hosting\": {\"redirects\": [{\"destination\": \"/\"}]}}", ":1:28: the rule has no `source`"),
            ("{\"hosting\": {\"redirects\": [{\"source\": \"/a\", \"regex\": \"/a\", \"destination\": \"/\"}]}}", ":1:45: a rule takes one of"),
            ("{\"hosting\": {\"redirects\": [{\"source\": \"/a\", \"destination\": \"/\", \"type\": 200}]}}", ":1:73: `type` must be one of [301, 302, 303, 307, 308]"),
            ("{\"hosting\": {\"redirects\": [{\"source\": \"/a\", \"destination\": \"/:x\"}]}}", ":1:60: the destination uses `:x`, which the source does not capture"),
            ("{\"hosting\": {\"redirects\": [{\"source\": \"/a\", \"to\": \"/\"}]}}", ":1:45: unknown key `to` in a redirect"),
            ("{\"hosting\": {\"headers\": [{\"source\": \"/!(a).js\", \"headers\": []}]}}", ":1:37: `!(…)` (anything but) is not supported"),
            ("{\"hosting\": {\"headers\": [{\"source\": \"/{a,b\", \"headers\": []}]}}", ":1:37: unclosed group: no `}`"),
            ("{\"hosting\": {\"headers\": [{\"regex\": \"/(?=a)\", \"headers\": []}]}}", ":1:36: invalid pattern `/(?=a)`: look-around"),
            ("{\"hosting\": {\"headers\": [{\"source\": \"/\", \"headers\": [{\"key\": 1, \"value\": \"\"}]}]}}", ":1:62: `key` must be a string, not a number"),
            ("{\"hosting\": {\"cleanUrls\": \"yes\"}}", ":1:27: `cleanUrls` must be true or false, not a string"),
        ];
        let mut wrong = Vec::new();
        for (json, want) in cases {
            let got = err(json);
            if !got.contains(want) {
                wrong.push(format!("{json}\n got: {got}\nwant: {want}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    }
}
