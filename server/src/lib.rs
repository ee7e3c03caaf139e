//! The `portico` server: the admin console (server-rendered Leptos pages, their WASM and assets), and the
//! doors that later work adds beside it. Every handler adapts a `deploy` function; none holds domain rules.

pub mod apiops;
pub mod console;
mod page_guard;
mod request_log;

use axum::Router;
use deploy::ControlPlane;

/// Where the built site (WASM, JS, CSS, public files) lives, as cargo-leptos writes it.
pub const DEFAULT_SITE_ROOT: &str = "target/site";

/// The whole HTTP application on one control plane.
pub async fn app(cp: ControlPlane, site_root: &str) -> Result<Router, deploy::Error> {
    let api = apiops::router(cp.clone());
    let console = console::router(cp, site_root).await?;
    Ok(api
        .merge(console)
        .layer(axum::middleware::from_fn(request_log::log_request)))
}
