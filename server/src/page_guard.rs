//! Keeps console pages away from visitors who are not signed in, and out of the browser's caches.

use app::session::ConsoleSession;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Full page loads of console pages need a session; the sign-in page, assets and machine endpoints do not.
/// Client-side navigation is guarded by the console itself, and every server function checks the session.
pub async fn guard_pages(auth: ConsoleSession, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        let path = req.uri().path();
        let signed_in = auth.user.is_some();
        if path == "/login" && signed_in {
            return Redirect::to("/").into_response();
        }
        if is_private_page(path) && !signed_in {
            return Redirect::to("/login").into_response();
        }
    }
    let mut response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        // Private pages must not come back from a cache (the back button after logging out, a shared
        // machine); `no-store` also keeps them out of the back-forward cache.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn is_private_page(path: &str) -> bool {
    const PUBLIC_PREFIXES: [&str; 4] = ["/pkg/", "/api/", "/apiops/", "/v2/"];
    let last_segment = path.rsplit('/').next().unwrap_or_default();
    !(path == "/login" || PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p)) || last_segment.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::is_private_page;

    #[test]
    fn pages_are_private_and_assets_are_not() {
        for private in [
            "/",
            "/projects",
            "/environments",
            "/tokens",
            "/projects/MyProject",
            "/nowhere",
        ] {
            assert!(is_private_page(private), "{private}");
        }
        for public in [
            "/login",
            "/pkg/portico.wasm",
            "/favicon.svg",
            "/api/login",
            "/apiops/projects/",
        ] {
            assert!(!is_private_page(public), "{public}");
        }
    }
}
