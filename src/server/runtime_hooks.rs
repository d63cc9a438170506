//! Runtime behaviours a check arms on its scenario's fixture server: responses held open until
//! released, generated responses for a URL pattern, and a per-user endpoint.
//!
//! A held response is the deterministic way to make a network "hang" (docs/chromium.md,
//! "Network conditions": page offline emulation does not reach the worker's own `fetch`). Holds always end: the scenario
//! releases them, and so does the server's shutdown, since each held connection counts against
//! Chromium's six connections per host.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use tokio::sync::watch;

use super::error::ServerError;

/// Where a held response stalls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stall {
    /// No response headers at all until released.
    Headers,
    /// Headers and the first half of the body, then nothing until released.
    Body,
}

impl Stall {
    /// How a user would describe the stall.
    pub fn describe(self) -> &'static str {
        match self {
            Stall::Headers => "no response headers",
            Stall::Body => "headers sent, body stalled half-way",
        }
    }
}

/// Which requests to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRule {
    /// The URL path (query ignored).
    pub path: String,
    /// Only navigation requests (`Sec-Fetch-Mode: navigate`), e.g. the worker's
    /// `fetch(event.request)` for a page load, not a precache fetch of the same URL.
    pub navigations_only: bool,
    /// Where the response stalls.
    pub stall: Stall,
}

/// How a held request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldEnd {
    /// Released, and the whole response was handed to the connection.
    Delivered,
    /// The client closed the connection (or the server stopped) before the response was
    /// delivered.
    Abandoned,
}

impl HoldEnd {
    /// What happened to the response, in a message.
    pub fn describe(self) -> &'static str {
        match self {
            HoldEnd::Delivered => "it was delivered",
            HoldEnd::Abandoned => "the connection was closed before it was delivered",
        }
    }
}

/// One request the server held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRequest {
    /// Path and query.
    pub path: String,
    /// Where it stalled.
    pub stall: Stall,
    /// When the hold began, since the hooks were created.
    pub held_at: Duration,
    /// How and when it ended, if it has.
    pub ended: Option<(HoldEnd, Duration)>,
}

/// A URL pattern with one `{i}` placeholder, e.g. `/img/{i}.png`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPattern {
    prefix: String,
    suffix: String,
}

impl UrlPattern {
    /// Parses `/img/{i}.png`; the placeholder must appear exactly once.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if !raw.starts_with('/') {
            return Err(format!(
                "expected a URL path starting with `/` with one `{{i}}` (e.g. `/img/{{i}}.png`), found `{raw}`"
            ));
        }
        let mut parts = raw.split("{i}");
        let (Some(prefix), Some(suffix), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "expected exactly one `{{i}}` in the URL pattern (e.g. `/img/{{i}}.png`), found `{raw}`"
            ));
        };
        Ok(UrlPattern {
            prefix: prefix.into(),
            suffix: suffix.into(),
        })
    }

    /// The path for index `i`.
    pub fn path(&self, i: u32) -> String {
        format!("{}{i}{}", self.prefix, self.suffix)
    }

    /// True when `path` is this pattern with a decimal number in place of `{i}`.
    pub fn matches(&self, path: &str) -> bool {
        path.strip_prefix(&self.prefix)
            .and_then(|rest| rest.strip_suffix(&self.suffix))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }
}

impl std::fmt::Display for UrlPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{{i}}{}", self.prefix, self.suffix)
    }
}

/// Where the per-user endpoint reads who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserFrom {
    /// The `session` cookie.
    Cookie,
    /// `Authorization: Bearer <user>`.
    Authorization,
}

/// The cookie the per-user endpoint reads.
pub const SESSION_COOKIE: &str = "session";

#[derive(Debug, Default)]
struct Armed {
    holds: Vec<HoldRule>,
    generated: Vec<(UrlPattern, usize)>,
    per_user: Option<(String, UserFrom)>,
    data_generation: u64,
}

/// Releases every hold of its hooks when dropped (see [`RuntimeHooks::release_on_drop`]).
#[must_use = "the holds are released when this guard is dropped"]
pub struct ReleaseOnDrop<'a>(&'a RuntimeHooks);

impl Drop for ReleaseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.release_all();
    }
}

/// The hooks of one fixture server.
#[derive(Debug)]
pub struct RuntimeHooks {
    started: Instant,
    armed: Mutex<Armed>,
    /// Bumped by every release; a held request waits for a bump past the value it saw.
    releases: watch::Sender<u64>,
    held: Arc<Mutex<Vec<HeldRequest>>>,
    held_changed: Arc<watch::Sender<usize>>,
}

impl Default for RuntimeHooks {
    fn default() -> Self {
        RuntimeHooks {
            started: Instant::now(),
            armed: Mutex::default(),
            releases: watch::channel(0).0,
            held: Arc::default(),
            held_changed: Arc::new(watch::channel(0).0),
        }
    }
}

impl RuntimeHooks {
    /// Holds every later request matching `rule` until [`RuntimeHooks::release_all`].
    pub fn hold(&self, rule: HoldRule) {
        self.lock().holds.push(rule);
    }

    /// Disarms every hold rule and lets every held response go.
    pub fn release_all(&self) {
        self.lock().holds.clear();
        self.releases.send_modify(|n| *n += 1);
    }

    /// A guard that releases every hold when dropped, so a step that fails half-way (a `?`
    /// between `hold` and `release_all`) leaves no rule armed and no response held.
    pub fn release_on_drop(&self) -> ReleaseOnDrop<'_> {
        ReleaseOnDrop(self)
    }

    /// Answers requests matching `pattern` with `bytes`-long generated bodies.
    pub fn generate(&self, pattern: UrlPattern, bytes: usize) {
        self.lock().generated.push((pattern, bytes));
    }

    /// Serves a per-user JSON document at `path`, the user read as `from` says.
    pub fn per_user(&self, path: &str, from: UserFrom) {
        self.lock().per_user = Some((path.to_string(), from));
    }

    /// Changes the per-user data: later responses carry the next `generation`.
    pub fn change_user_data(&self) {
        self.lock().data_generation += 1;
    }

    /// True when a generated pattern or the per-user endpoint answers `path`.
    pub fn answers(&self, path: &str) -> bool {
        let armed = self.lock();
        armed.per_user.as_ref().is_some_and(|(p, _)| p == path)
            || armed.generated.iter().any(|(p, _)| p.matches(path))
    }

    /// Every request held so far.
    pub fn held(&self) -> Vec<HeldRequest> {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits for a held request with index `>= from` for which `done` holds.
    pub async fn wait_held(
        &self,
        from: usize,
        what: &str,
        timeout: Duration,
        done: impl Fn(&HeldRequest) -> bool,
    ) -> Result<HeldRequest, ServerError> {
        super::request_log::wait_for_item(&self.held, &self.held_changed, from, what, timeout, done)
            .await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Armed> {
        self.armed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The server's answer: a hook's own response, or `default` (the static file), possibly
    /// held.
    pub(crate) async fn answer(
        &self,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        default: impl FnOnce(&HeaderMap) -> Response,
    ) -> Response {
        let path = crate::spec::strip_query(path_and_query);
        let navigation = headers
            .get("sec-fetch-mode")
            .is_some_and(|v| v.as_bytes() == b"navigate");
        let (own, hold) = {
            let armed = self.lock();
            let own = if method != Method::GET && method != Method::HEAD {
                None
            } else if let Some((_, from)) = armed.per_user.as_ref().filter(|(p, _)| p == path) {
                Some(per_user_response(headers, *from, armed.data_generation))
            } else {
                armed
                    .generated
                    .iter()
                    .find(|(p, _)| p.matches(path))
                    .map(|(_, bytes)| generated_response(path, *bytes))
            };
            let hold = armed
                .holds
                .iter()
                .find(|h| h.path == path && (navigation || !h.navigations_only))
                .map(|h| h.stall);
            (own, hold)
        };
        match hold {
            None => own.unwrap_or_else(|| default(headers)),
            Some(stall) => {
                // A held response is a full one: a `304` to a revalidating reload would have no
                // body to stall.
                let mut unconditional = headers.clone();
                unconditional.remove(header::IF_NONE_MATCH);
                unconditional.remove(header::IF_MODIFIED_SINCE);
                let response = own.unwrap_or_else(|| default(&unconditional));
                self.held_response(path_and_query, stall, response).await
            }
        }
    }

    async fn held_response(&self, path: &str, stall: Stall, response: Response) -> Response {
        let mut released = self.releases.subscribe();
        let seen = *released.borrow_and_update();
        let index = {
            let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
            held.push(HeldRequest {
                path: path.to_string(),
                stall,
                held_at: self.started.elapsed(),
                ended: None,
            });
            held.len() - 1
        };
        self.held_changed.send_modify(|n| *n += 1);
        let mut guard = EndGuard {
            started: self.started,
            held: self.held.clone(),
            changed: self.held_changed.clone(),
            index,
            end: HoldEnd::Abandoned,
        };
        match stall {
            Stall::Headers => {
                // Dropped here (the client went away) the guard records the abandonment.
                let _ = released.wait_for(|n| *n > seen).await;
                guard.end = HoldEnd::Delivered;
                response
            }
            Stall::Body => {
                let (parts, body) = response.into_parts();
                let bytes = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .unwrap_or_default();
                let half = bytes.len() / 2;
                let chunks = vec![bytes.slice(..half), bytes.slice(half..)];
                // The guard lives in the body: hyper drops the body when the connection goes,
                // and after the last chunk once it is written.
                let stream = futures::stream::unfold(
                    (chunks.into_iter(), released, guard, false),
                    move |(mut chunks, mut released, mut guard, first_sent)| async move {
                        if first_sent {
                            let _ = released.wait_for(|n| *n > seen).await;
                        }
                        let chunk = chunks.next()?;
                        if chunks.len() == 0 {
                            guard.end = HoldEnd::Delivered;
                        }
                        Some((
                            Ok::<_, std::io::Error>(chunk),
                            (chunks, released, guard, true),
                        ))
                    },
                );
                Response::from_parts(parts, Body::from_stream(stream))
            }
        }
    }
}

/// Records how a hold ended when the held request's future, or its body, is dropped.
struct EndGuard {
    started: Instant,
    held: Arc<Mutex<Vec<HeldRequest>>>,
    changed: Arc<watch::Sender<usize>>,
    index: usize,
    end: HoldEnd,
}

impl Drop for EndGuard {
    fn drop(&mut self) {
        let at = self.started.elapsed();
        if let Some(h) = self
            .held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(self.index)
        {
            h.ended.get_or_insert((self.end, at));
        }
        self.changed.send_modify(|n| *n += 1);
    }
}

fn per_user_response(headers: &HeaderMap, from: UserFrom, generation: u64) -> Response {
    let user = match from {
        UserFrom::Cookie => headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| {
                let (name, value) = c.trim().split_once('=')?;
                (name == SESSION_COOKIE).then(|| value.to_string())
            }),
        UserFrom::Authorization => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned),
    };
    let (status, body) = match user {
        Some(u) if !u.is_empty() => (
            StatusCode::OK,
            serde_json::json!({ "user": u, "generation": generation + 1 }).to_string(),
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            serde_json::json!({ "error": "not signed in" }).to_string(),
        ),
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "private, no-cache")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .expect("static response parts are valid")
}

fn generated_response(path: &str, bytes: usize) -> Response {
    let seed = format!("{path}\n");
    let body: Vec<u8> = seed.bytes().cycle().take(bytes).collect();
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    Response::builder()
        .status(StatusCode::OK)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::try_from(mime.to_string())
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        )
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .expect("static response parts are valid")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::server::{DeploySet, FixtureServer};
    use crate::spec::{Deploy, Spec};

    async fn server() -> FixtureServer {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/apps/runtime-good");
        let spec = Spec {
            path: "t.yaml".into(),
            name: "t".into(),
            deploys: vec![Deploy {
                name: "v1".into(),
                dir: root.join("v1"),
                marker: "v1".into(),
            }],
            start: "/".into(),
            service_worker: "/sw.js".into(),
            version_marker: None,
            headers: vec![],
            last_modified_age: crate::spec::DEFAULT_LAST_MODIFIED_AGE,
            host: Default::default(),
            routing: Default::default(),
            checks: vec![],
        };
        let deploys = Arc::new(DeploySet::load(&spec).unwrap());
        FixtureServer::start(deploys, &[], None).await.unwrap()
    }

    async fn connect(server: &FixtureServer, path: &str, extra: &str) -> tokio::net::TcpStream {
        let addr = server.origin().trim_start_matches("http://").to_string();
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        s
    }

    /// Reads what arrives within `ms` milliseconds.
    async fn read_for(s: &mut tokio::net::TcpStream, ms: u64) -> String {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn a_held_body_stops_half_way_until_released() {
        let server = server().await;
        server.hooks().hold(HoldRule {
            path: "/".into(),
            navigations_only: true,
            stall: Stall::Body,
        });
        let mut plain = connect(&server, "/", "").await;
        assert!(read_for(&mut plain, 300).await.contains("</html>"));
        let mut s = connect(&server, "/", "Sec-Fetch-Mode: navigate\r\n").await;
        let first = read_for(&mut s, 300).await;
        assert!(first.starts_with("HTTP/1.1 200"), "{first}");
        assert!(first.contains("<!doctype html>"), "{first}");
        assert!(!first.contains("</html>"), "{first}");
        server.hooks().release_all();
        let rest = read_for(&mut s, 1000).await;
        assert!(rest.contains("</html>"), "{rest}");
        let held = server.hooks().held();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].ended.map(|e| e.0), Some(HoldEnd::Delivered));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn held_headers_send_nothing_until_released() {
        let server = server().await;
        server.hooks().hold(HoldRule {
            path: "/data/feed.json".into(),
            navigations_only: false,
            stall: Stall::Headers,
        });
        let mut s = connect(&server, "/data/feed.json", "").await;
        assert_eq!(read_for(&mut s, 300).await, "");
        server
            .hooks()
            .wait_held(0, "the held request", Duration::from_secs(5), |_| true)
            .await
            .unwrap();
        server.hooks().release_all();
        assert!(read_for(&mut s, 1000).await.contains("first post"));
        server.shutdown().await;
    }

    #[test]
    fn url_patterns_match_numbers_in_place_of_i() {
        let p = UrlPattern::parse("/img/{i}.png").unwrap();
        assert_eq!(p.path(7), "/img/7.png");
        assert!(p.matches("/img/123.png"));
        assert!(!p.matches("/img/x.png"));
        assert!(!p.matches("/img/.png"));
        assert!(UrlPattern::parse("/img/{i}/{i}").is_err());
        assert!(UrlPattern::parse("img/{i}").is_err());
    }
}
