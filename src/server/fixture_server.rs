//! The HTTP side: axum on a loopback port, answering from the active deploy.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use globset::{Glob, GlobMatcher};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::spec::HeaderRule;

use super::deploy_set::{DeployFiles, DeploySet};
use super::deploy_window::{DeployWindow, WindowMix};
use super::edge_cache::EdgeCache;
use super::error::ServerError;
use super::host::{preset_facts, Routed};
use super::request_log::{RequestLog, RequestRecord};
use super::runtime_hooks::RuntimeHooks;

/// A compiled `headers:` rule.
struct HeaderRuleMatcher {
    glob: GlobMatcher,
    set: Vec<(HeaderName, HeaderValue)>,
    deploy: Option<String>,
}

struct Shared {
    deploys: Arc<DeploySet>,
    active: RwLock<Arc<DeployFiles>>,
    /// A non-atomic rollout in progress: while set, it picks the deploy of each request.
    window: RwLock<Option<Arc<DeployWindow>>>,
    rules: Vec<HeaderRuleMatcher>,
    log: Arc<RequestLog>,
    edge: EdgeCache,
    hooks: Arc<RuntimeHooks>,
}

/// A running fixture server; dropping it stops the server.
pub struct FixtureServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl FixtureServer {
    /// Starts serving `deploys`' first deploy on `bind` (port chosen by the OS).
    pub async fn start(
        deploys: Arc<DeploySet>,
        headers: &[HeaderRule],
        bind: Option<IpAddr>,
    ) -> Result<Self, ServerError> {
        let addr = SocketAddr::new(bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)), 0);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, source })?;
        let rules = headers
            .iter()
            .map(|r| {
                // Validated when the spec was parsed.
                let glob = Glob::new(&r.path)
                    .expect("validated glob")
                    .compile_matcher();
                let set = r
                    .set
                    .iter()
                    .filter_map(|(n, v)| {
                        Some((
                            HeaderName::try_from(n).ok()?,
                            HeaderValue::try_from(v).ok()?,
                        ))
                    })
                    .collect();
                HeaderRuleMatcher {
                    glob,
                    set,
                    deploy: r.deploy.clone(),
                }
            })
            .collect();
        let first = deploys
            .deploys
            .first()
            .cloned()
            .ok_or_else(|| ServerError::UnknownDeploy("(none)".into()))?;
        let edge = EdgeCache::default();
        edge.set_default(super::host::cdn_default(deploys.cdn));
        let shared = Arc::new(Shared {
            deploys,
            active: RwLock::new(first),
            window: RwLock::new(None),
            rules,
            log: Arc::new(RequestLog::default()),
            edge,
            hooks: Arc::default(),
        });
        let app = Router::new().fallback(serve).with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = server.await {
                tracing::warn!("fixture server failed: {e}");
            }
        });
        Ok(FixtureServer {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// Switches to deploy `name`; every later request sees only its files (a deploy window
    /// in progress ends).
    pub fn deploy(&self, name: &str) -> Result<(), ServerError> {
        let next = self.shared.deploys.get(name)?;
        self.set_active(next);
        Ok(())
    }

    fn set_active(&self, next: Arc<DeployFiles>) {
        *self
            .shared
            .window
            .write()
            .unwrap_or_else(|p| p.into_inner()) = None;
        *self
            .shared
            .active
            .write()
            .unwrap_or_else(|p| p.into_inner()) = next;
    }

    /// Starts a non-atomic rollout from deploy `from` to deploy `to`: until the next
    /// [`Self::deploy`], each request is answered by the deploy `mix` picks (and logged with
    /// it).
    pub fn deploy_window(&self, from: &str, to: &str, mix: WindowMix) -> Result<(), ServerError> {
        let (from, to) = (self.shared.deploys.get(from)?, self.shared.deploys.get(to)?);
        *self
            .shared
            .active
            .write()
            .unwrap_or_else(|p| p.into_inner()) = from.clone();
        *self
            .shared
            .window
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(DeployWindow::new(from, to, mix)));
        Ok(())
    }

    /// Switches to deploy `name` redeployed as deploy number `generation`: the same files, the
    /// worker script at `worker_path` changed by a comment ([`DeployFiles::mutated`]). Returns
    /// the name it is served under (`NAME+N`).
    pub fn deploy_mutated(
        &self,
        name: &str,
        worker_path: &str,
        generation: u32,
    ) -> Result<String, ServerError> {
        let next = Arc::new(
            self.shared
                .deploys
                .get(name)?
                .mutated(worker_path, generation)?,
        );
        let label = next.name.clone();
        self.set_active(next);
        Ok(label)
    }

    /// The deploy being served now.
    pub fn active_deploy(&self) -> String {
        self.shared
            .active
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .name
            .clone()
    }

    /// The headers the host and the spec's `headers:` add to the page the host answers
    /// `path` with while `deploy` is served (names lower-case, with where each came from):
    /// what a response fresh from the server carries besides content type and validators.
    pub fn headers_for(
        &self,
        deploy: &str,
        path: &str,
    ) -> Result<Vec<(String, String, String)>, ServerError> {
        let files = self.shared.deploys.get(deploy)?;
        let content_type = files
            .served(path)
            .map(|f| f.content_type.clone())
            .unwrap_or_default();
        Ok(added_headers(&self.shared, &files, path, &content_type)
            .into_iter()
            .filter_map(|(n, v, origin)| {
                Some((n.to_string(), v.to_str().ok()?.to_string(), origin))
            })
            .collect())
    }

    /// The request log.
    pub fn log(&self) -> &Arc<RequestLog> {
        &self.shared.log
    }

    /// The edge cache in front of this server (off unless enabled).
    pub fn edge(&self) -> &EdgeCache {
        &self.shared.edge
    }

    /// The runtime hooks checks arm: holds, generated responses, a per-user endpoint.
    pub fn hooks(&self) -> &Arc<RuntimeHooks> {
        &self.shared.hooks
    }

    /// The deploys this server can serve.
    pub fn deploys(&self) -> &Arc<DeploySet> {
        &self.shared.deploys
    }

    /// Stops accepting, lets in-flight requests finish (bounded), and waits for the task.
    pub async fn shutdown(mut self) {
        self.shared.hooks.release_all();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.shared.hooks.release_all();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn serve(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    // One snapshot of the active deploy per request: a deploy switch mid-request cannot mix.
    let path = req.uri().path().to_string();
    let window = shared
        .window
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let deploy = match window {
        Some(window) => window.pick(&path),
        None => shared
            .active
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
    };
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let method = req.method().clone();
    let sw_script = req
        .headers()
        .get("service-worker")
        .is_some_and(|v| v.as_bytes() == b"script");
    let navigation_preload = req
        .headers()
        .contains_key("service-worker-navigation-preload");
    // Owned headers: the request body is not `Sync`, so a borrow of `req` cannot cross the
    // hooks' await.
    let headers = req.headers().clone();
    let cached = shared
        .edge
        .fresh(&path)
        .and_then(|name| shared.deploys.get(&name).ok());
    let edge_hit = cached.is_some();
    let deploy = cached.unwrap_or(deploy);
    let response = shared
        .hooks
        .answer(&method, &path_and_query, &headers, |h| {
            respond(&shared, &deploy, &method, &path, h)
        })
        .await;
    let header_text = |name: header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let cache_control = header_text(header::CACHE_CONTROL);
    if !edge_hit && matches!(response.status().as_u16(), 200 | 304) {
        shared
            .edge
            .store(&path, &deploy.name, cache_control.as_deref());
    }
    shared.log.push(RequestRecord {
        seq: 0,
        at: Duration::ZERO,
        method: method.to_string(),
        path: path_and_query,
        status: response.status().as_u16(),
        deploy: deploy.name.clone(),
        service_worker_script: sw_script,
        navigation_preload,
        content_type: header_text(header::CONTENT_TYPE),
        cache_control,
        edge_hit,
        rules: header_text(HeaderName::from_static(RULE_HEADER)),
    });
    response
}

/// The response header that names the rules behind a response (`Cache-Control from
/// _headers:3; rewrite by spa_fallback `/index.html``), so the timeline shows which rule or
/// preset produced what a request got.
pub const RULE_HEADER: &str = "x-swgate-rule";

fn respond(
    shared: &Shared,
    deploy: &DeployFiles,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Response {
    let facts = preset_facts(deploy.host.preset());
    let accepts_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let mut rules: Vec<String> = Vec::new();
    let mut response = if method != Method::GET && method != Method::HEAD {
        plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
    } else {
        match deploy.route(path, accepts_html) {
            Routed::NotFound => plain(StatusCode::NOT_FOUND, "not found\n"),
            Routed::Redirect {
                status,
                location,
                via,
            } => {
                rules.push(format!("{status} by {via}"));
                Response::builder()
                    .status(status)
                    .header(header::LOCATION, location)
                    .body(Body::empty())
                    .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad redirect\n"))
            }
            Routed::File { key, status, via } => {
                if let Some(via) = via {
                    rules.push(format!("{status} {key} by {via}"));
                }
                let file = &deploy.files[&key];
                let not_modified = facts.etag
                    && status == 200
                    && headers
                        .get(header::IF_NONE_MATCH)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.split(',').any(|t| t.trim() == file.etag));
                let mut r = if not_modified {
                    Response::builder()
                        .status(StatusCode::NOT_MODIFIED)
                        .body(Body::empty())
                } else {
                    let body = if method == Method::HEAD {
                        Body::empty()
                    } else {
                        Body::from(file.bytes.clone())
                    };
                    Response::builder()
                        .status(status)
                        .header(header::CONTENT_TYPE, &file.content_type)
                        .header(header::CONTENT_LENGTH, file.bytes.len())
                        .body(body)
                }
                .expect("static response parts are valid");
                let h = r.headers_mut();
                if facts.etag {
                    if let Ok(v) = HeaderValue::try_from(&file.etag) {
                        h.insert(header::ETAG, v);
                    }
                }
                if facts.last_modified {
                    let modified = std::time::SystemTime::now()
                        .checked_sub(shared.deploys.last_modified_age)
                        .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
                    if let Ok(v) = HeaderValue::try_from(httpdate::fmt_http_date(modified)) {
                        h.insert(header::LAST_MODIFIED, v);
                    }
                }
                r
            }
        }
    };
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        for (name, value, origin) in added_headers(shared, deploy, path, &content_type) {
            response.headers_mut().insert(name.clone(), value);
            rules.push(format!("{name} from {origin}"));
        }
    }
    if !rules.is_empty() {
        if let Ok(v) = HeaderValue::try_from(rules.join("; ")) {
            response.headers_mut().insert(RULE_HEADER, v);
        }
    }
    response
}

/// The headers the host (preset and files) and then the spec's `headers:` add to a response
/// for `path` while `deploy` is served, later ones replacing earlier ones, each with where it
/// came from.
fn added_headers(
    shared: &Shared,
    deploy: &DeployFiles,
    path: &str,
    content_type: &str,
) -> Vec<(HeaderName, HeaderValue, String)> {
    // The spec's globs name paths; a query (`/?source=pwa`) must not make them miss.
    let path = crate::spec::strip_query(path);
    let mut out: Vec<(HeaderName, HeaderValue, String)> = Vec::new();
    let mut add = |name: HeaderName, value: HeaderValue, origin: String| {
        out.retain(|(n, _, _)| *n != name);
        out.push((name, value, origin));
    };
    for (name, value, origin) in deploy.host.headers(path, content_type) {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(&name), HeaderValue::try_from(&value)) {
            add(n, v, origin);
        }
    }
    for rule in &shared.rules {
        let for_this_deploy = rule.deploy.as_ref().is_none_or(|d| *d == deploy.name);
        if for_this_deploy && rule.glob.is_match(path) {
            for (name, value) in &rule.set {
                add(
                    name.clone(),
                    value.clone(),
                    "the spec's `headers:`".to_string(),
                );
            }
        }
    }
    out
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(text))
        .expect("static response parts are valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Deploy, Spec};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn spec() -> Spec {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/apps/network-first");
        Spec {
            path: "t.yaml".into(),
            name: "t".into(),
            deploys: ["v1", "v2"]
                .map(|v| Deploy {
                    name: v.into(),
                    dir: root.join(v),
                    marker: v.into(),
                })
                .to_vec(),
            start: "/".into(),
            service_worker: "/sw.js".into(),
            version_marker: None,
            headers: vec![HeaderRule {
                path: "/sw.js".into(),
                set: vec![("Cache-Control".into(), "max-age=86400".into())],
                deploy: None,
            }],
            last_modified_age: crate::spec::DEFAULT_LAST_MODIFIED_AGE,
            host: Default::default(),
            routing: Default::default(),
            checks: vec![],
        }
    }

    /// One raw HTTP/1.1 request; returns the head (lower-cased) and the body.
    async fn get(server: &FixtureServer, path: &str, extra: &str) -> (String, String) {
        let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut buf = String::new();
        s.read_to_string(&mut buf).await.unwrap();
        let (head, body) = buf.split_once("\r\n\r\n").unwrap();
        (head.to_lowercase(), body.to_string())
    }

    #[tokio::test]
    async fn serves_the_active_deploy_with_static_server_headers() {
        let spec = spec();
        let deploys = Arc::new(DeploySet::load(&spec).unwrap());
        let server = FixtureServer::start(deploys, &spec.headers, None)
            .await
            .unwrap();
        assert!(server.origin().starts_with("http://127.0.0.1:"));

        let (head, body) = get(&server, "/", "").await;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(
            head.contains("content-type: text/html; charset=utf-8"),
            "{head}"
        );
        assert!(head.contains("last-modified: "), "{head}");
        assert!(!head.contains("cache-control"), "{head}");
        assert!(body.contains(">v1<"), "{body}");
        let etag = head
            .lines()
            .find_map(|l| l.strip_prefix("etag: "))
            .unwrap()
            .to_string();

        let (head, _) = get(&server, "/", &format!("If-None-Match: {etag}\r\n")).await;
        assert!(head.starts_with("http/1.1 304"), "{head}");

        let (head, _) = get(&server, "/sw.js", "Service-Worker: script\r\n").await;
        assert!(head.contains("content-type: text/javascript"), "{head}");
        assert!(head.contains("cache-control: max-age=86400"), "{head}");

        server.deploy("v2").unwrap();
        let (_, body) = get(&server, "/", "").await;
        assert!(body.contains(">v2<"), "{body}");
        let (head, _) = get(&server, "/missing.js", "").await;
        assert!(head.starts_with("http/1.1 404"), "{head}");

        let log = server.log().snapshot();
        let summary: Vec<_> = log
            .iter()
            .map(|r| {
                (
                    r.path.as_str(),
                    r.status,
                    r.deploy.as_str(),
                    r.service_worker_script,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("/", 200, "v1", false),
                ("/", 304, "v1", false),
                ("/sw.js", 200, "v1", true),
                ("/", 200, "v2", false),
                ("/missing.js", 404, "v2", false),
            ]
        );
        server.shutdown().await;
    }
}
