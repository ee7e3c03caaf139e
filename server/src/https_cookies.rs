//! Cookies behind TLS. Portico itself speaks plain http; TLS ends at a reverse proxy that says so in
//! `X-Forwarded-Proto` (or `Forwarded: proto=https`). Over https every cookie is marked `Secure`, and the
//! session cookie is named `__Host-portico_session`: browsers accept that name only from a secure origin,
//! for path `/` and without a `Domain`, so no other host or port (a gateway's, say) can plant or overwrite
//! it. A client that claims https falsely only makes its own cookie stricter, so the header needs no trust.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::console::SESSION_COOKIE;

const HOST_PREFIX: &str = "__Host-";

pub async fn secure_cookies_over_https(mut request: Request, next: Next) -> Response {
    let https = over_https(request.headers());
    if https {
        // The session layer knows one name: hand it the __Host- cookie under that name, and nothing else
        // under that name (a plain one could have been set by another port of this host).
        rename_session_cookie(request.headers_mut());
    }
    let mut response = next.run(request).await;
    if https {
        let cookies: Vec<HeaderValue> = response
            .headers_mut()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|c| match c.to_str() {
                Ok(text) => {
                    let mut text = text.to_owned();
                    if text.starts_with(&format!("{SESSION_COOKIE}=")) {
                        text.insert_str(0, HOST_PREFIX);
                    }
                    if !text.to_ascii_lowercase().contains("; secure") {
                        text.push_str("; Secure");
                    }
                    HeaderValue::from_str(&text).unwrap_or_else(|_| c.clone())
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

fn rename_session_cookie(headers: &mut HeaderMap) {
    let host_name = format!("{HOST_PREFIX}{SESSION_COOKIE}");
    let values: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect();
    if values.is_empty() {
        return;
    }
    let mut kept = Vec::new();
    for pair in values.iter().flat_map(|v| v.split(';')).map(str::trim) {
        let name = pair.split('=').next().unwrap_or_default();
        if name == SESSION_COOKIE {
            continue;
        }
        match pair.strip_prefix(&format!("{host_name}=")) {
            Some(value) => kept.push(format!("{SESSION_COOKIE}={value}")),
            None if !pair.is_empty() => kept.push(pair.to_owned()),
            None => {}
        }
    }
    headers.remove(header::COOKIE);
    if let Ok(v) = HeaderValue::from_str(&kept.join("; ")) {
        if !kept.is_empty() {
            headers.insert(header::COOKIE, v);
        }
    }
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
