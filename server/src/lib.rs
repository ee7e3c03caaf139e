#![recursion_limit = "256"]
//! The `portico` server: the admin console (server-rendered Leptos pages, their WASM and assets), and the
//! doors that later work adds beside it. Every handler adapts a `deploy` function; none holds domain rules.

pub mod apig;
pub mod apiops;
pub mod console;
mod console_files;
mod cross_origin;
pub mod demo_backends;
pub mod embedded_gateways;
mod form_errors;
mod gateway_hosts;
mod https_cookies;
pub mod listener;
mod page_guard;
mod request_log;
pub mod sessions;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use deploy::archive::ArchiveLimits;
use deploy::ControlPlane;
use tower_http::set_header::SetResponseHeaderLayer;

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
    let console = console::router(cp.clone(), site_root, limits).await?;
    let metrics = Router::new()
        .route("/metrics", axum::routing::get(metrics))
        .with_state(cp);
    Ok(api
        .merge(metrics)
        .merge(console)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(axum::middleware::from_fn(request_log::log_request)))
}

/// Scripts, styles and connections only from the console's own origin, and never inside another site's
/// frame. Inline scripts are let through here because Leptos hydrates with an inline module script; each
/// page narrows that with a second policy in a `<meta>` tag that admits only that page's nonce (see
/// `app::shell`). WebAssembly needs 'wasm-unsafe-eval'.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The gateway's metrics in the OpenMetrics text format Prometheus scrapes (every environment served by this process). They name
/// every project's API proxies, so they need a system admin's API token (a Prometheus scrape job's
/// `authorization` setting).
async fn metrics(State(cp): State<ControlPlane>, headers: HeaderMap) -> axum::response::Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let admin = match token {
        Some(t) => deploy::tokens::authenticate(&cp, t)
            .await
            .is_ok_and(|user| user.system_admin),
        None => false,
    };
    if !admin {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "Metrics need a system admin's API token.\n",
        )
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, gateway::metrics::CONTENT_TYPE)],
        gateway::metrics::global().render(),
    )
        .into_response()
}
