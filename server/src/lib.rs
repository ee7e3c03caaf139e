#![recursion_limit = "256"]
//! The `portico` server: the admin console (server-rendered Leptos pages, their WASM and assets), and the
//! doors that later work adds beside it. Every handler adapts a `deploy` function; none holds domain rules.

pub mod apig;
pub mod apiops;
pub mod console;
mod console_files;
mod cross_origin;
pub mod demo_backends;
mod https_cookies;
mod page_guard;
mod request_log;

use axum::Router;
use deploy::archive::ArchiveLimits;
use deploy::ControlPlane;

/// Where the built site (WASM, JS, CSS, public files) lives, as cargo-leptos writes it.
pub const DEFAULT_SITE_ROOT: &str = "target/site";

/// The whole HTTP application on one control plane, with the default limits.
pub async fn app(cp: ControlPlane, site_root: &str) -> Result<Router, deploy::Error> {
    app_with(cp, site_root, ArchiveLimits::default()).await
}

/// The whole HTTP application on one control plane.
pub async fn app_with(
    cp: ControlPlane,
    site_root: &str,
    limits: ArchiveLimits,
) -> Result<Router, deploy::Error> {
    let api = apiops::router(cp.clone(), limits).merge(apig::router(cp.clone()));
    let console = console::router(cp, site_root, limits).await?;
    Ok(api
        .route("/metrics", axum::routing::get(metrics))
        .merge(console)
        .layer(axum::middleware::from_fn(request_log::log_request)))
}

/// The gateway's metrics in Prometheus text format (every environment served by this process).
async fn metrics() -> impl axum::response::IntoResponse {
    (
        [(
            http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        gateway::metrics::global().render(),
    )
}
