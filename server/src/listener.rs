//! The console's and REST API's listener. `axum::serve` has no header timeout and no connection cap, so an
//! idle client could hold connections until the process runs out of file descriptors. This loop gives the
//! console the same bounds as the gateways (`gateway::admission`): a head timeout that also closes idle
//! keep-alive connections, and a cap inside the descriptor headroom the gateways leave.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tower::ServiceExt;

/// How long requests under way may take to finish once shutdown starts.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then lets requests under way finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    head_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let admission = gateway::admission::budget().console.clone();
    let http1 = gateway::admission::http1(head_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors and the like: wait a little rather than spin.
                    tracing::warn!("console accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Some(permit) = admission.admit() else {
            drop(stream);
            continue;
        };
        // Without TCP_NODELAY, a page streamed in several chunks waits on the client's delayed ACK (~40 ms).
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(http1.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still under way after {DRAIN:?}; stopping anyway");
    }
}
