//! Marks cookies `Secure` when the console is reached over https. Portico itself speaks plain http; TLS ends
//! at a reverse proxy that says so in `X-Forwarded-Proto` (or `Forwarded: proto=https`). A client that claims
//! https falsely only makes its own cookie stricter, so the header needs no trust.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub async fn secure_cookies_over_https(request: Request, next: Next) -> Response {
    let https = over_https(request.headers());
    let mut response = next.run(request).await;
    if https {
        let cookies: Vec<HeaderValue> = response
            .headers_mut()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|c| match c.to_str() {
                Ok(text) if !text.to_ascii_lowercase().contains("; secure") => {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| c.clone())
                }
                _ => c.clone(),
            })
            .collect();
        response.headers_mut().remove(header::SET_COOKIE);
        for cookie in cookies {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    response
}

fn over_https(headers: &HeaderMap) -> bool {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    text("x-forwarded-proto")
        .split(',')
        .next()
        .is_some_and(|p| p.trim() == "https")
        || text("forwarded")
            .split([';', ','])
            .any(|part| part.trim() == "proto=https")
}
