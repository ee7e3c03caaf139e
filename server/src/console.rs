//! The admin console: Leptos routes and server functions, behind the sign-in layer (axum-login over
//! tower-sessions) and the page guard.

use std::sync::LazyLock;
use std::time::Duration;

use axum::Router;
use axum_login::AuthManagerLayerBuilder;
use deploy::archive::ArchiveLimits;
use deploy::ControlPlane;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Sessions end after this long without a request.
const SESSION_IDLE_LIMIT: time::Duration = time::Duration::hours(8);
/// The gateways strip this cookie (and its `__Host-` form) from everything they forward: one list, theirs.
pub const SESSION_COOKIE: &str = gateway::console_cookie::CONSOLE_SESSION_COOKIES[0];

pub fn leptos_options(site_root: &str) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("portico")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .build()
}

/// The console's routes, worked out once per process. Working them out renders the whole app with resource
/// loading switched off by a process-wide flag (Leptos's `SuppressResourceLoad`); a page rendered by another
/// router in the same process meanwhile (a second replica, a test) would wait forever on a resource that never
/// starts. Once per process, before any router exists, no render can overlap it.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(app::App));

pub async fn router(
    cp: ControlPlane,
    site_root: &str,
    limits: ArchiveLimits,
) -> Result<Router, deploy::Error> {
    let options = leptos_options(site_root);
    let routes = ROUTES.clone();

    // Sessions live in the same database as everything else.
    let store = crate::sessions::Sessions::open(&cp).await?;
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(Duration::from_secs(300)),
    );
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        // Plain http by default; https_cookies adds Secure when a TLS proxy says the request came over https.
        .with_secure(false)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE_LIMIT));

    let cp_for_accounts = cp.clone();
    let files = crate::console_files::router(cp.clone(), limits);
    // Only the cookie-bearing console: the token doors stay reachable, so a system admin who set an access
    // URL onto the console's own host can still correct it through the REST API.
    let hosts = crate::gateway_hosts::GatewayHosts::new(cp.clone());
    let router = Router::new()
        .leptos_routes_with_context(&options, routes, move || provide_context(cp.clone()), {
            let options = options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(app::shell))
        .with_state(options)
        .merge(files)
        .layer(axum::middleware::from_fn(crate::page_guard::guard_pages))
        .layer(axum::middleware::from_fn(
            crate::cross_origin::refuse_cross_origin_writes,
        ))
        .layer(axum::middleware::from_fn(crate::form_errors::carry_form_errors))
        .layer(AuthManagerLayerBuilder::new(app::session::Accounts(cp_for_accounts), sessions).build())
        .layer(axum::middleware::from_fn(
            crate::https_cookies::secure_cookies_over_https,
        ))
        .layer(axum::middleware::from_fn_with_state(
            hosts,
            crate::gateway_hosts::refuse_gateway_hosts,
        ));
    Ok(router)
}
