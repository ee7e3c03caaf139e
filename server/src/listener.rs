//! The console's and REST API's listener. `axum::serve` has no header timeout and no connection cap, so an
//! idle client could hold connections until the process runs out of file descriptors. This loop gives the
//! console the same bounds as the gateways (`gateway::admission`): a head timeout that also closes idle
//! keep-alive connections, and a cap inside the descriptor headroom the gateways leave. With TLS it speaks
//! HTTP/2 or HTTP/1.1, as the client chooses by ALPN.

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
    tls: Option<gateway::tls_listener::ServerTls>,
    head_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let admission = gateway::admission::budget().console.clone();
    let http1 = gateway::admission::http1(head_timeout);
    let http2 = gateway::admission::http2();
    // HTTP/2 connections shut themselves down when idle or asked to (hyper's graceful watcher does not take
    // a connection it must also close on idleness); each holds a clone, so the drain can count them.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let open_http2 = std::sync::Arc::new(());
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
        let secure = tls.is_some();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            if secure {
                gateway::admission::mark_https(&mut request);
            }
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let Some(tls) = tls.clone() else {
            let connection = graceful.watch(http1.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                let _ = connection.await;
                drop(permit);
            });
            continue;
        };
        let watcher = graceful.watcher();
        let (http1, http2) = (http1.clone(), http2.clone());
        let (mut stopping, held) = (stopping.clone(), std::sync::Arc::clone(&open_http2));
        tokio::spawn(async move {
            // The handshake counts against the head timeout, so a silent client cannot hold the slot.
            let Ok(Ok((stream, h2))) = tokio::time::timeout(head_timeout, tls.accept(stream)).await else {
                return;
            };
            if h2 {
                let activity = gateway::idle::Activity::default();
                let io = gateway::idle::Tracked::new(stream, activity.clone());
                let connection = http2.serve_connection(TokioIo::new(io), service);
                tokio::pin!(connection);
                // Written out here and in the other listener: a shared generic helper trips rustc's
                // higher-ranked Send check inside tokio::spawn.
                tokio::select! {
                    _ = connection.as_mut() => {}
                    _ = activity.idle_for(head_timeout) => {
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.await;
                    }
                    _ = stopped(&mut stopping) => {
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.await;
                    }
                }
                drop(held);
            } else {
                let _ = watcher
                    .watch(http1.serve_connection(TokioIo::new(stream), service))
                    .await;
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = async {
        graceful.shutdown().await;
        while std::sync::Arc::strong_count(&open_http2) > 1 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    if tokio::time::timeout(DRAIN, drained).await.is_err() {
        tracing::warn!("requests still under way after {DRAIN:?}; stopping anyway");
    }
}

/// Resolves once shutdown starts.
async fn stopped(stopping: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stopping.wait_for(|s| *s).await;
}
