#![recursion_limit = "256"]
//! Portico's admin console: pages and components, and the `#[server]` functions behind them, each a short
//! delegate to the `deploy` crate.

mod accounts;
mod backend_rows;
mod cors_cache;
mod early_input;
mod environments;
mod error;
mod field_errors;
mod gateway_nodes;
mod group;
mod group_settings;
mod history;
mod import;
mod layout;
mod login;
mod node_tokens;
mod overview;
mod pages;
mod placeholder;
mod project;
mod project_admin;
mod projects;
mod proxy;
mod proxy_form;
mod publish;
mod refresh;
mod rights;
mod routing_algorithms;
#[cfg(feature = "ssr")]
pub mod session;
mod timeline;
mod tokens;
mod traffic;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

pub use error::ConsoleError;

/// A plain form's refusal on its way back to its page: put in the request by the server from the session
/// (never from the address, where anyone could write one), and handed to the page's server actions.
#[derive(Debug, Clone)]
pub struct CarriedFormError {
    /// The server function's path.
    pub path: String,
    /// Its error, as server_fn encodes it.
    pub err: String,
}

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                {script_policy()}
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Inline scripts run only with this response's nonce, which Leptos puts on the scripts it writes. The
/// server's `Content-Security-Policy` header (which also forbids framing) cannot carry a per-page nonce, so
/// this second policy does; a browser applies both, and a script must pass each.
fn script_policy() -> impl IntoView {
    leptos::nonce::use_nonce().map(|nonce| {
        let policy = format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'");
        view! { <meta http-equiv="Content-Security-Policy" content=policy /> }
    })
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    #[cfg(feature = "ssr")]
    if let Some(carried) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CarriedFormError>().cloned())
    {
        provide_context(leptos::server::ServerActionError::new(
            &carried.path,
            &carried.err,
        ));
    }
    view! {
        <Stylesheet id="portico" href="/pkg/portico.css" />
        // An icon link, so the browser does not ask for /favicon.ico and log a 404.
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Title text="Portico" />
        // Shown (after a moment, by the style sheet) until the page's code has taken over: on a slow network
        // the page is readable and its forms post before then, but buttons that ask first wait.
        <p class="hydrating" role="status">"Loading the console’s scripts… Forms already work."</p>
        // In order: each page's HTML carries its content where it belongs, so it reads (and its forms post)
        // with scripts off or not yet loaded; out-of-order streaming needs a script to put parts in place.
        <Router>
            <Routes fallback=placeholder::NotFound>
                <Route path=path!("/login") ssr=SsrMode::InOrder view=login::LoginPage />
                <ParentRoute path=path!("") ssr=SsrMode::InOrder view=layout::Console>
                    <Route path=path!("") ssr=SsrMode::InOrder view=overview::OverviewPage />
                    <Route path=path!("projects") ssr=SsrMode::InOrder view=projects::ProjectsPage />
                    <Route path=path!("projects/:project") ssr=SsrMode::InOrder view=project::ProjectPage />
                    <Route path=path!("projects/:project/import") ssr=SsrMode::InOrder view={Lazy::<pages::Import>::new()} />
                    <Route path=path!("projects/:project/groups/:group") ssr=SsrMode::InOrder view=group::GroupPage />
                    <Route path=path!("projects/:project/proxies/:proxy") ssr=SsrMode::InOrder view=proxy::ProxyPage />
                    <Route path=path!("projects/:project/proxies/:proxy/history") ssr=SsrMode::InOrder view=history::HistoryPage />
                    <Route path=path!("environments") ssr=SsrMode::InOrder view=environments::EnvironmentsPage />
                    <Route path=path!("environments/:environment") ssr=SsrMode::InOrder view=environments::EnvironmentPage />
                    <Route path=path!("tokens") ssr=SsrMode::InOrder view={Lazy::<pages::AccessTokens>::new()} />
                    <Route path=path!("users") ssr=SsrMode::InOrder view={Lazy::<pages::Users>::new()} />
                    <Route path=path!("account") ssr=SsrMode::InOrder view=accounts::AccountPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
