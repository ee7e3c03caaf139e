//! Refuses cross-site writes that would ride on the console's session cookie (CSRF). SameSite=Strict already
//! keeps the cookie off most cross-site requests; this check does not rely on it. A browser names where a
//! request comes from in `Sec-Fetch-Site` (or, older ones, `Origin`); a write is let through only when that is
//! this site. Requests with neither header do not come from a browser page, so they carry no ambient cookie
//! risk and pass (the command line, scripts, tests).

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::apiops::error::ApiError;

pub async fn refuse_cross_origin_writes(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || same_site(request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "cross-origin write refused");
    ApiError::Forbidden(
        "Cross-origin request refused: this action may only be sent from the Portico console.".into(),
    )
    .into_response()
}

fn same_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        // "none" is a request the person started themselves (typed URL, bookmark), never a page's doing.
        return site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none");
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return true;
    };
    let Some(authority) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false; // "null" (sandboxed frames, file: pages) and anything odd
    };
    // Behind a reverse proxy the Host may be rewritten; the proxy names the original in X-Forwarded-Host.
    [text(header::HOST.as_str()), text("x-forwarded-host")]
        .into_iter()
        .flatten()
        .any(|host| host.eq_ignore_ascii_case(authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_first() {
        assert!(same_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_site(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://a"),
            ("host", "a")
        ])));
        assert!(!same_site(&headers(&[("sec-fetch-site", "same-site")])));
    }

    #[test]
    fn origin_must_match_the_host() {
        assert!(same_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_site(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_site(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(same_site(&headers(&[
            ("origin", "https://portico.example.com"),
            ("host", "10.0.0.5:3000"),
            ("x-forwarded-host", "portico.example.com"),
        ])));
    }

    #[test]
    fn no_browser_headers_is_not_a_browser() {
        assert!(same_site(&HeaderMap::new()));
    }
}
