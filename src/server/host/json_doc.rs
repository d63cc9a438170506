//! What `firebase.json` and `vercel.json` share: a JSON document read with the position of
//! every key and value (serde_json checks the syntax and gives line:col for its own errors; a
//! small scanner then records where each node starts, so a rule's origin points at its `{`
//! and an error at the offending key), and the rule pieces both formats build from it
//! (`headers: [{key, value}]`, a source matcher with its captures, a destination template).

use std::path::{Path, PathBuf};

use super::rules::{HostFileError, Matcher, Origin, Part, Template};

/// A JSON value and the byte offset where it starts.
pub(super) struct Node {
    pub(super) at: usize,
    pub(super) v: V,
}

pub(super) enum V {
    Scalar(serde_json::Value),
    Arr(Vec<Node>),
    Obj(Vec<Member>),
}

/// An object member: key, where the key starts, value.
pub(super) type Member = (String, usize, Node);

impl Node {
    /// Member `key`; the last if repeated, as `JSON.parse` keeps.
    pub(super) fn get(&self, key: &str) -> Option<&Node> {
        match &self.v {
            V::Obj(m) => m.iter().rev().find(|m| m.0 == key).map(|m| &m.2),
            _ => None,
        }
    }

    pub(super) fn str(&self) -> Option<&str> {
        match &self.v {
            V::Scalar(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match &self.v {
            V::Obj(_) => "an object",
            V::Arr(_) => "an array",
            V::Scalar(serde_json::Value::String(_)) => "a string",
            V::Scalar(serde_json::Value::Number(_)) => "a number",
            V::Scalar(serde_json::Value::Bool(_)) => "a boolean",
            V::Scalar(_) => "null",
        }
    }
}

/// A parsed JSON host file that can turn offsets into origins and errors.
pub(super) struct Doc {
    file: PathBuf,
    text: String,
}

impl Doc {
    pub(super) fn parse(file: &Path, text: &str) -> Result<(Doc, Node), HostFileError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let doc = Doc {
            file: file.to_path_buf(),
            text: text.to_string(),
        };
        if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
            let full = e.to_string();
            let message = full.split(" at line ").next().unwrap_or(&full);
            return Err(HostFileError {
                file: doc.file.clone(),
                line: e.line().max(1),
                column: Some(e.column().max(1)),
                message: format!("invalid JSON: {message}"),
            });
        }
        let mut scan = Scan {
            s: text.as_bytes(),
            t: text,
            i: 0,
        };
        let root = scan
            .value()
            .ok_or_else(|| doc.err(scan.i, "could not index the JSON"))?;
        Ok((doc, root))
    }

    fn position(&self, at: usize) -> (usize, usize) {
        let before = self.text.get(..at).unwrap_or(&self.text);
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        (
            before.matches('\n').count() + 1,
            before[line_start..].chars().count() + 1,
        )
    }

    pub(super) fn err(&self, at: usize, message: impl Into<String>) -> HostFileError {
        let (line, column) = self.position(at);
        HostFileError {
            file: self.file.clone(),
            line,
            column: Some(column),
            message: message.into(),
        }
    }

    pub(super) fn origin(&self, at: usize) -> Origin {
        let (line, column) = self.position(at);
        Origin::File {
            file: self.file.clone(),
            line,
            column: Some(column),
        }
    }

    fn wrong(&self, n: &Node, what: &str, expected: &str) -> HostFileError {
        self.err(n.at, format!("{what} must be {expected}, not {}", n.kind()))
    }

    pub(super) fn object<'n>(
        &self,
        n: &'n Node,
        what: &str,
    ) -> Result<&'n [Member], HostFileError> {
        match &n.v {
            V::Obj(m) => Ok(m),
            _ => Err(self.wrong(n, what, "an object")),
        }
    }

    pub(super) fn array<'n>(&self, n: &'n Node, what: &str) -> Result<&'n [Node], HostFileError> {
        match &n.v {
            V::Arr(a) => Ok(a),
            _ => Err(self.wrong(n, what, "an array")),
        }
    }

    pub(super) fn string<'n>(&self, n: &'n Node, what: &str) -> Result<&'n str, HostFileError> {
        n.str().ok_or_else(|| self.wrong(n, what, "a string"))
    }

    pub(super) fn boolean(&self, n: &Node, what: &str) -> Result<bool, HostFileError> {
        match &n.v {
            V::Scalar(serde_json::Value::Bool(b)) => Ok(*b),
            _ => Err(self.wrong(n, what, "true or false")),
        }
    }

    pub(super) fn status(
        &self,
        n: &Node,
        what: &str,
        allowed: &[u16],
    ) -> Result<u16, HostFileError> {
        match &n.v {
            V::Scalar(serde_json::Value::Number(x)) => {
                x.as_u64().and_then(|x| u16::try_from(x).ok())
            }
            _ => None,
        }
        .filter(|x| allowed.contains(x))
        .ok_or_else(|| self.err(n.at, format!("{what} must be one of {allowed:?}")))
    }

    /// Member `key` of `obj`, which must have it.
    pub(super) fn field<'n>(
        &self,
        obj: &'n Node,
        key: &str,
        what: &str,
    ) -> Result<&'n Node, HostFileError> {
        self.object(obj, what)?;
        obj.get(key)
            .ok_or_else(|| self.err(obj.at, format!("{what} has no `{key}`")))
    }

    /// `n`'s members, which must all be in `allowed`.
    pub(super) fn keys<'n>(
        &self,
        n: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Result<&'n [Member], HostFileError> {
        let members = self.object(n, what)?;
        match members.iter().find(|m| !allowed.contains(&m.0.as_str())) {
            Some((key, at, _)) => Err(self.err(*at, format!("unknown key `{key}` in {what}"))),
            None => Ok(members),
        }
    }
}

/// Walks text serde_json has already accepted, recording where each value and key starts.
struct Scan<'a> {
    s: &'a [u8],
    t: &'a str,
    i: usize,
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Option<Node> {
        self.ws();
        let at = self.i;
        let v = match self.s.get(at)? {
            open @ (b'{' | b'[') => {
                let close = if *open == b'{' { b'}' } else { b']' };
                self.i += 1;
                let (mut members, mut items) = (Vec::new(), Vec::new());
                loop {
                    self.ws();
                    match *self.s.get(self.i)? {
                        c if c == close => break,
                        b',' => self.i += 1,
                        _ if close == b'}' => {
                            let key_at = self.i;
                            let key = serde_json::from_str(self.string()?).ok()?;
                            self.ws();
                            self.i += 1; // the `:`
                            members.push((key, key_at, self.value()?));
                        }
                        _ => items.push(self.value()?),
                    }
                }
                self.i += 1;
                if close == b'}' {
                    V::Obj(members)
                } else {
                    V::Arr(items)
                }
            }
            b'"' => V::Scalar(serde_json::from_str(self.string()?).ok()?),
            _ => {
                let end = |b: &u8| matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace();
                while self.s.get(self.i).is_some_and(|b| !end(b)) {
                    self.i += 1;
                }
                V::Scalar(serde_json::from_str(self.t.get(at..self.i)?).ok()?)
            }
        };
        Some(Node { at, v })
    }

    /// The string starting here, quotes included, as written.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.i;
        self.i += 1;
        loop {
            match self.s.get(self.i)? {
                b'\\' => self.i += 2,
                b'"' => break,
                _ => self.i += 1,
            }
        }
        self.i += 1;
        self.t.get(start..self.i)
    }
}

/// A rule's `headers: [{key, value}]`; `names` are the source's captures, which Vercel fills
/// into keys and values and the rule model cannot.
pub(super) fn header_set(
    doc: &Doc,
    rule: &Node,
    names: &[String],
) -> Result<Vec<(String, String)>, HostFileError> {
    let mut set = Vec::new();
    for h in doc.array(doc.field(rule, "headers", "the header rule")?, "`headers`")? {
        doc.keys(h, "a header", &["key", "value"])?;
        let key = doc.string(doc.field(h, "key", "the header")?, "`key`")?;
        let value = doc.string(doc.field(h, "value", "the header")?, "`value`")?;
        let uses = |n: &&String| key.contains(&format!(":{n}")) || value.contains(&format!(":{n}"));
        if let Some(n) = names.iter().find(uses) {
            return Err(doc.err(
                h.at,
                format!("the header uses the source's `:{n}`, which swgate does not fill in"),
            ));
        }
        set.push((key.to_string(), value.to_string()));
    }
    Ok(set)
}

/// A [`Matcher`] for an anchored regex, and the capture names a destination may use: named
/// groups, and with `numbered` every group's number too.
pub(super) fn matcher(
    regex: &str,
    text: &str,
    numbered: bool,
) -> Result<(Matcher, Vec<String>), String> {
    let re = regex::Regex::new(regex).map_err(|e| {
        // The regex crate's message draws the pattern over several lines; its last says why.
        let e = e.to_string();
        let why = e
            .lines()
            .last()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string();
        format!("invalid pattern `{text}`: {why}")
    })?;
    let mut names = Vec::new();
    for (i, name) in re.capture_names().enumerate().skip(1) {
        names.extend(name.map(str::to_string));
        if numbered {
            names.push(i.to_string());
        }
    }
    Ok((Matcher::from_regex(regex, text)?, names))
}

/// A destination: `:name` (with an optional `*`/`+` after it) is a capture when the source
/// has it, and with `dollar` `$1` is group 1. An unknown `:name` where a path segment starts
/// is an error (Vercel refuses to deploy it, superstatic drops the redirect); elsewhere, as in
/// `https://host:8080`, a colon is text.
pub(super) fn template(dest: &str, names: &[String], dollar: bool) -> Result<Template, String> {
    let c: Vec<char> = dest.chars().collect();
    let (mut parts, mut lit, mut i) = (Vec::new(), String::new(), 0);
    while i < c.len() {
        let word = |from: usize, digits_only: bool| {
            let ok = |ch: &char| {
                ch.is_ascii_digit() || (!digits_only && (ch.is_ascii_alphabetic() || *ch == '_'))
            };
            c[from..].iter().take_while(|ch| ok(ch)).collect::<String>()
        };
        let sigil = c[i];
        let name = match sigil {
            ':' => word(i + 1, false),
            '$' if dollar => word(i + 1, true),
            _ => String::new(),
        };
        if !name.is_empty() && (sigil == '$' || names.contains(&name)) {
            parts.extend((!lit.is_empty()).then(|| Part::Lit(std::mem::take(&mut lit))));
            i += 1 + name.len();
            if sigil == ':' && matches!(c.get(i), Some('*' | '+')) {
                i += 1;
            }
            parts.push(Part::Capture(name));
            continue;
        }
        let segment_start = i == 0 || c[i - 1] == '/';
        if sigil == ':'
            && segment_start
            && name.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
        {
            return Err(format!(
                "the destination uses `:{name}`, which the source does not capture"
            ));
        }
        lit.push(c[i]);
        i += 1;
    }
    parts.extend((!lit.is_empty()).then_some(Part::Lit(lit)));
    Ok(Template {
        parts,
        text: dest.to_string(),
    })
}
