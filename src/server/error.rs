//! Typed fixture-server errors.

use std::net::SocketAddr;
use std::path::PathBuf;

/// What went wrong serving a deploy.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The port could not be bound.
    #[error("failed to bind fixture server on {addr}")]
    Bind {
        /// The address we tried.
        addr: SocketAddr,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// A deploy's files could not be read.
    #[error("failed to read deploy `{deploy}` at {}", path.display())]
    ReadDeploy {
        /// The deploy name.
        deploy: String,
        /// The file or directory that failed.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// A deploy name no spec declared.
    #[error("no deploy named `{0}`")]
    UnknownDeploy(String),
    /// A deploy to serve again as a new worker has no worker script to change.
    #[error("deploy `{deploy}` has no worker script at {path} to redeploy as a new worker")]
    NoWorkerScript {
        /// The deploy.
        deploy: String,
        /// The spec's `service_worker`.
        path: String,
    },
    /// A host config file (`_headers`, `firebase.json`, …) or a spec redirect is invalid.
    #[error(transparent)]
    HostFile(#[from] super::host::HostFileError),
    /// With the host's routing, the start page is not answered with a page.
    #[error("deploy `{deploy}`: the host does not answer the start page `{start}` with a page (it answers {answer}); fix `start:` or the host's routing")]
    StartNotServed {
        /// The deploy.
        deploy: String,
        /// The spec's `start`.
        start: String,
        /// What the router answered.
        answer: String,
    },
    /// A wait on the request log ran out of time.
    #[error("timed out after {:.1}s waiting for {what}", after.as_secs_f64())]
    Timeout {
        /// What we waited for.
        what: String,
        /// How long.
        after: std::time::Duration,
    },
}
