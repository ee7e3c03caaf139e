//! What the gateway answers itself, without a backend: CORS, maintenance mode, and its own errors.

use bytes::Bytes;
use deploy::model::Cors;
use http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use http_body_util::{BodyExt, Full};

use crate::Body;

/// How long clients are told to wait before retrying a proxy in maintenance.
pub const MAINTENANCE_RETRY_AFTER_SECONDS: u32 = 120;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// A JSON error answer in the gateway's one shape: {"error": code, "message": text}.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "error": code, "message": message }).to_string();
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

pub fn maintenance(proxy: &str) -> Response<Body> {
    let mut r = error(
        StatusCode::SERVICE_UNAVAILABLE,
        "MAINTENANCE",
        &format!("API proxy ({proxy}) is in maintenance mode; try again later."),
    );
    r.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(MAINTENANCE_RETRY_AFTER_SECONDS),
    );
    r
}

fn allows_origin(cors: &Cors, origin: &str) -> bool {
    cors.allow_origins
        .iter()
        .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
}

/// Whether a request is a CORS preflight.
pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS
        && headers.contains_key(header::ORIGIN)
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// The gateway's answer to a preflight: 204, with the allowances when the origin is allowed and without
/// them (so the browser refuses) when it is not.
pub fn preflight(cors: &Cors, headers: &HeaderMap) -> Response<Body> {
    let mut r = Response::new(full(Bytes::new()));
    *r.status_mut() = StatusCode::NO_CONTENT;
    let h = r.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !allows_origin(cors, origin) {
        return r;
    }
    allow_origin(cors, origin, h);
    let methods = if cors.allow_methods.is_empty() {
        "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS".to_owned()
    } else {
        cors.allow_methods.join(", ")
    };
    if let Ok(v) = HeaderValue::from_str(&methods) {
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v);
    }
    // With no list configured, the headers the browser asks for are allowed.
    let allowed_headers = if cors.allow_headers.is_empty() {
        headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned()
    } else {
        HeaderValue::from_str(&cors.allow_headers.join(", ")).ok()
    };
    if let Some(v) = allowed_headers {
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
    }
    if cors.max_age_seconds > 0 {
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from(cors.max_age_seconds),
        );
    }
    r
}

fn allow_origin(cors: &Cors, origin: &str, h: &mut HeaderMap) {
    // A wildcard cannot be sent with credentials, so the origin is echoed then.
    let value = if cors.allow_origins.iter().any(|o| o == "*") && !cors.allow_credentials {
        HeaderValue::from_static("*")
    } else {
        match HeaderValue::from_str(origin) {
            Ok(v) => v,
            Err(_) => return,
        }
    };
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    if cors.allow_credentials {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

/// Adds the CORS headers to an ordinary response when the request came from an allowed origin.
pub fn decorate(cors: &Cors, request_origin: Option<&str>, response: &mut HeaderMap) {
    let Some(origin) = request_origin else { return };
    response.append(header::VARY, HeaderValue::from_static("Origin"));
    if allows_origin(cors, origin) {
        allow_origin(cors, origin, response);
    }
}
