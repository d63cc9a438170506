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
use super::error::ServerError;
use super::request_log::{RequestLog, RequestRecord};

struct Shared {
    deploys: Arc<DeploySet>,
    active: RwLock<Arc<DeployFiles>>,
    rules: Vec<(GlobMatcher, Vec<(HeaderName, HeaderValue)>)>,
    log: Arc<RequestLog>,
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
                (glob, set)
            })
            .collect();
        let first = deploys
            .deploys
            .first()
            .cloned()
            .ok_or_else(|| ServerError::UnknownDeploy("(none)".into()))?;
        let shared = Arc::new(Shared {
            deploys,
            active: RwLock::new(first),
            rules,
            log: Arc::new(RequestLog::default()),
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

    /// Switches to deploy `name`; every later request sees only its files.
    pub fn deploy(&self, name: &str) -> Result<(), ServerError> {
        let next = self.shared.deploys.get(name)?;
        *self
            .shared
            .active
            .write()
            .unwrap_or_else(|p| p.into_inner()) = next;
        Ok(())
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

    /// The request log.
    pub fn log(&self) -> &Arc<RequestLog> {
        &self.shared.log
    }

    /// The deploys this server can serve.
    pub fn deploys(&self) -> &Arc<DeploySet> {
        &self.shared.deploys
    }

    /// Stops accepting, lets in-flight requests finish (bounded), and waits for the task.
    pub async fn shutdown(mut self) {
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
    let deploy = shared
        .active
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let path = req.uri().path().to_string();
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
    let response = respond(&shared, &deploy, &method, &path, req.headers());
    shared.log.push(RequestRecord {
        seq: 0,
        at: Duration::ZERO,
        method: method.to_string(),
        path: path_and_query,
        status: response.status().as_u16(),
        deploy: deploy.name.clone(),
        service_worker_script: sw_script,
    });
    response
}

fn respond(
    shared: &Shared,
    deploy: &DeployFiles,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Response {
    let mut response = if method != Method::GET && method != Method::HEAD {
        plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
    } else {
        match deploy.lookup(path) {
            None => plain(StatusCode::NOT_FOUND, "not found\n"),
            Some(file) => {
                let not_modified = headers
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
                        .status(StatusCode::OK)
                        .header(header::CONTENT_TYPE, &file.content_type)
                        .header(header::CONTENT_LENGTH, file.bytes.len())
                        .body(body)
                }
                .expect("static response parts are valid");
                let h = r.headers_mut();
                if let Ok(v) = HeaderValue::try_from(&file.etag) {
                    h.insert(header::ETAG, v);
                }
                if let Ok(v) = HeaderValue::try_from(httpdate::fmt_http_date(file.modified)) {
                    h.insert(header::LAST_MODIFIED, v);
                }
                r
            }
        }
    };
    for (glob, set) in &shared.rules {
        if glob.is_match(path) {
            for (name, value) in set {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
    }
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(text))
        .expect("static response parts are valid")
}
