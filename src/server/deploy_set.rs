//! A spec's deploys read into memory once, so switching deploys is a pointer swap and a
//! response can never mix files of two deploys.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use crate::spec::{files_for_url_path, Spec};

use super::error::ServerError;
use super::host::{HostRules, Routed};

/// One file of a deploy, ready to serve.
#[derive(Debug)]
pub struct DeployFile {
    /// The bytes.
    pub bytes: bytes::Bytes,
    /// `Content-Type` value.
    pub content_type: String,
    /// Strong ETag from the content.
    pub etag: String,
}

/// One deploy's files by URL path (`/index.html`, `/assets/app.1a2b.js`).
#[derive(Debug)]
pub struct DeployFiles {
    /// The deploy name.
    pub name: String,
    /// Files by URL path (under the spec's `base`).
    pub files: BTreeMap<String, DeployFile>,
    /// How the host routes and what headers it adds while this deploy is served.
    pub host: HostRules,
}

impl DeployFiles {
    /// The file a static server answers `url_path` with (directories → `index.html`; the
    /// same rule the spec loader checks `start:` with).
    pub fn lookup(&self, url_path: &str) -> Option<&DeployFile> {
        files_for_url_path(url_path)
            .iter()
            .find_map(|f| self.files.get(f))
    }
}

impl DeployFiles {
    /// What the host answers for `path_and_query` while this deploy is served.
    pub fn route(&self, path_and_query: &str, accepts_html: bool) -> Routed {
        self.host.route(path_and_query, accepts_html, &|p| {
            files_for_url_path(p)
                .into_iter()
                .find(|f| self.files.contains_key(f))
        })
    }

    /// The file the host answers `url_path` with for a navigation (a fallback or rewrite
    /// included), when it answers with one.
    pub fn served(&self, url_path: &str) -> Option<&DeployFile> {
        match self.route(url_path, true) {
            Routed::File { key, .. } => self.files.get(&key),
            _ => None,
        }
    }

    /// This deploy as deploy number `generation` of a run that redeploys the same build
    /// (`storage-stays-bounded`'s `mutate`): the worker script at `worker_path` gets a
    /// `// swgate deploy N` comment appended, so Chromium's byte check finds a new worker,
    /// and every other file is the same. Named `NAME+N`.
    pub fn mutated(&self, worker_path: &str, generation: u32) -> Result<DeployFiles, ServerError> {
        let mut files: BTreeMap<String, DeployFile> = self
            .files
            .iter()
            .map(|(path, f)| {
                (
                    path.clone(),
                    DeployFile {
                        bytes: f.bytes.clone(),
                        content_type: f.content_type.clone(),
                        etag: f.etag.clone(),
                    },
                )
            })
            .collect();
        let key = files_for_url_path(worker_path)
            .into_iter()
            .find(|k| files.contains_key(k));
        // Without the worker script every "new" deploy would be byte-identical and no worker
        // could install: say so rather than wait for one.
        let file =
            key.and_then(|k| files.get_mut(&k))
                .ok_or_else(|| ServerError::NoWorkerScript {
                    deploy: self.name.clone(),
                    path: worker_path.to_string(),
                })?;
        let mut bytes = file.bytes.to_vec();
        bytes.extend_from_slice(format!("\n// swgate deploy {generation}\n").as_bytes());
        file.etag = etag_of(&bytes);
        file.bytes = bytes::Bytes::from(bytes);
        Ok(DeployFiles {
            name: format!("{}+{generation}", self.name),
            files,
            host: self.host.clone(),
        })
    }
}

fn etag_of(bytes: &[u8]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("\"{:016x}-{:x}\"", hasher.finish(), bytes.len())
}

/// All deploys of a spec, in deploy order.
#[derive(Debug)]
pub struct DeploySet {
    /// Deploys in spec order.
    pub deploys: Vec<Arc<DeployFiles>>,
    /// How old every file is when it is served (`Last-Modified` is the response time minus
    /// this): the spec's `last_modified_age`.
    ///
    /// A returning user meets files published a while ago, and HTTP heuristic freshness is 10%
    /// of a response's age since `Last-Modified`: with raw mtimes a fixture checked out a
    /// minute ago would be cached for seconds, one checked out last month for days, and
    /// verdicts would depend on the checkout. Relative to each response, the freshness is the
    /// same in every run and at every moment of it: a fixed `Last-Modified` would make `0s`
    /// grow a few tenths of a second of freshness as the run went on (a navigation 2 s after
    /// install was answered from the HTTP cache in 1 run of 2).
    pub last_modified_age: std::time::Duration,
    /// The CDN in front (`host.cdn`), for the edge cache's defaults.
    pub cdn: crate::spec::Cdn,
}

impl DeploySet {
    /// Reads every deploy directory of `spec` into memory.
    pub fn load(spec: &Spec) -> Result<Self, ServerError> {
        let deploys = spec
            .deploys
            .iter()
            .map(|d| {
                let mut files = BTreeMap::new();
                read_dir_into(&d.name, &d.dir, &d.dir, &mut files)?;
                // The app is served under `base`: `/index.html` of the build is `/app/index.html`.
                if spec.routing.base != "/" {
                    files = files
                        .into_iter()
                        .map(|(k, f)| (format!("{}{}", spec.routing.base, &k[1..]), f))
                        .collect();
                }
                let host = HostRules::load(spec, &d.name, &d.dir)?;
                let deploy = DeployFiles {
                    name: d.name.clone(),
                    files,
                    host,
                };
                // With host routing the spec loader could not tell whether the start page is
                // served (a deep link answered by a fallback): ask the router.
                // A same-origin redirect is followed, as the browser would (a few hops).
                let mut answer = deploy.route(&spec.start, true);
                for _ in 0..5 {
                    match &answer {
                        Routed::Redirect { location, .. } if location.starts_with('/') => {
                            answer = deploy.route(&location.clone(), true);
                        }
                        _ => break,
                    }
                }
                if !matches!(answer, Routed::File { status: 200, .. }) {
                    return Err(ServerError::StartNotServed {
                        deploy: d.name.clone(),
                        start: spec.start.clone(),
                        answer: answer.to_string(),
                    });
                }
                Ok(Arc::new(deploy))
            })
            .collect::<Result<_, ServerError>>()?;
        Ok(DeploySet {
            deploys,
            last_modified_age: spec.last_modified_age,
            cdn: spec.host.cdn,
        })
    }

    /// The deploy with this name.
    pub fn get(&self, name: &str) -> Result<Arc<DeployFiles>, ServerError> {
        self.deploys
            .iter()
            .find(|d| d.name == name)
            .cloned()
            .ok_or_else(|| ServerError::UnknownDeploy(name.into()))
    }

    /// Names of the deploys whose file at `url_path` is byte-identical to `bytes` (several when
    /// the file did not change between deploys; none when the bytes match no deploy).
    pub fn all_matching(&self, url_path: &str, bytes: &[u8]) -> Vec<&str> {
        self.deploys
            .iter()
            .filter(|d| d.served(url_path).is_some_and(|f| f.bytes == bytes))
            .map(|d| d.name.as_str())
            .collect()
    }
}

fn read_dir_into(
    deploy: &str,
    root: &Path,
    dir: &Path,
    files: &mut BTreeMap<String, DeployFile>,
) -> Result<(), ServerError> {
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ServerError::ReadDeploy {
            deploy: deploy.to_string(),
            path,
            source,
        }
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(err(dir))?
        .collect::<Result<_, _>>()
        .map_err(err(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let meta = std::fs::metadata(&path).map_err(err(&path))?;
        if meta.is_dir() {
            read_dir_into(deploy, root, &path, files)?;
            continue;
        }
        let bytes = std::fs::read(&path).map_err(err(&path))?;
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        files.insert(
            format!("/{rel}"),
            DeployFile {
                content_type: content_type(&path),
                etag: etag_of(&bytes),
                bytes: bytes::Bytes::from(bytes),
            },
        );
    }
    Ok(())
}

fn content_type(path: &Path) -> String {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    // Service workers and module scripts need a JavaScript MIME type; be explicit for the
    // types that matter rather than trust a table.
    match ext {
        "js" | "mjs" => "text/javascript; charset=utf-8".into(),
        "html" | "htm" => "text/html; charset=utf-8".into(),
        "css" => "text/css; charset=utf-8".into(),
        "json" => "application/json".into(),
        "webmanifest" => "application/manifest+json".into(),
        _ => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            if mime.type_() == "text" {
                format!("{mime}; charset=utf-8")
            } else {
                mime.to_string()
            }
        }
    }
}
