//! Which connections a listener takes, and for how long it keeps them. Every open connection costs a file
//! descriptor, and the process has a fixed number: without a cap, a client that opens idle connections
//! until `accept` fails with "Too many open files" locks out every other environment and the console with
//! it. So the gateways of a process share one cap, the console has its own below the headroom the gateways
//! leave, and a connection that does not deliver a request head in time (at its start or between keep-alive
//! requests) is closed.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hyper_util::rt::TokioTimer;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a connection may take to deliver a whole request head, counted from its opening or from its
/// previous response: hyper's header timer also runs while a keep-alive connection is idle, so this is the
/// idle keep-alive timeout too.
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(15);

/// A cap on the connections a group of listeners holds at once.
#[derive(Debug, Clone)]
pub struct Admission {
    permits: Arc<Semaphore>,
    cap: usize,
}

impl Admission {
    pub fn new(cap: usize) -> Admission {
        Admission {
            permits: Arc::new(Semaphore::new(cap.max(1))),
            cap: cap.max(1),
        }
    }

    /// A place for one more connection, held until the connection ends; `None` when the cap is reached
    /// (the caller closes the connection at once, which frees its descriptor).
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.permits).try_acquire_owned().ok()
    }

    pub fn cap(&self) -> usize {
        self.cap
    }
}

/// This process's file descriptor budget, split between the gateways and the console.
#[derive(Debug)]
pub struct Budget {
    /// The descriptor limit after raising it as far as the system allows.
    pub descriptors: u64,
    /// Client connections every gateway in the process may hold together. Each may hold a backend
    /// connection too, so this is half of what is left after the headroom.
    pub gateways: Admission,
    /// Connections to the console and REST API, inside the headroom the gateways never touch.
    pub console: Admission,
}

/// The budget, worked out once per process. The soft descriptor limit is raised to the hard one first, as
/// nginx's `worker_rlimit_nofile` and Go's runtime do, since the usual soft limit of 1024 is far below what
/// a proxy needs.
pub fn budget() -> &'static Budget {
    static BUDGET: OnceLock<Budget> = OnceLock::new();
    BUDGET.get_or_init(|| {
        let descriptors = raise_descriptor_limit();
        // Headroom for the console's connections, the database, logs and the process's own files.
        let headroom = (descriptors / 8).clamp(64, 4096);
        let gateways = descriptors.saturating_sub(headroom) / 2;
        let budget = Budget {
            descriptors,
            gateways: Admission::new(gateways as usize),
            console: Admission::new((headroom / 2) as usize),
        };
        tracing::debug!(?budget, "connection budget");
        budget
    })
}

#[cfg(unix)]
fn raise_descriptor_limit() -> u64 {
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
        // RLIM_INFINITY and other huge values: a cap of a million connections is no cap in practice.
        limit.rlim_cur.min(1 << 20)
    }
}

#[cfg(not(unix))]
fn raise_descriptor_limit() -> u64 {
    1024
}

/// An HTTP/1 connection builder with the head timeout armed.
pub fn http1(head_timeout: Duration) -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout)
        .keep_alive(true);
    builder
}

/// An HTTP/2 connection builder for TLS listeners. No keep-alive pings: they would count as activity, and a
/// connection with no bytes moving for the head timeout is shut down (see `crate::idle`). Few streams per
/// connection, so one admitted connection cannot stand in for hundreds.
pub fn http2() -> hyper::server::conn::http2::Builder<hyper_util::rt::TokioExecutor> {
    let mut builder = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new());
    builder
        .timer(TokioTimer::new())
        .keep_alive_interval(None)
        .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION);
    builder
}

/// Concurrent requests one HTTP/2 connection may carry.
pub const MAX_STREAMS_PER_CONNECTION: u32 = 32;

/// Marks a request that came over TLS this listener terminated, for backends and the console's cookies.
pub fn mark_https<B>(req: &mut http::Request<B>) {
    // HTTP/2 carries the host in :authority; what reads Host (routing of cookies, caches, the console's
    // checks) finds it there too.
    if !req.headers().contains_key(http::header::HOST) {
        if let Some(host) = req
            .uri()
            .authority()
            .and_then(|a| http::HeaderValue::from_str(a.as_str()).ok())
        {
            req.headers_mut().insert(http::header::HOST, host);
        }
    }
    req.headers_mut().insert(
        http::HeaderName::from_static("x-forwarded-proto"),
        http::HeaderValue::from_static("https"),
    );
}
