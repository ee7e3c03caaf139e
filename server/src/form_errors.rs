//! A refused plain form (posted before the page's code arrived, or with scripts off) comes back to its page
//! with its error. server_fn carries that error in the address it redirects to (`__path`, `__err`); read
//! from there, anyone could send a link that makes the console show their words as an error (a phishing
//! "call this number" on a trusted page). So the error travels in the session instead: this layer moves it
//! from the redirect into the session, and from there into the next page this session loads, once. Errors
//! in an address are dropped before the console sees them.

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, Uri};
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::Session;

use app::CarriedFormError;

/// The session key of a refusal on its way back to its page.
const FORM_ERROR: &str = "form_error";
/// The query parameters server_fn uses for it.
const ERROR_PARAMS: [&str; 2] = ["__path", "__err"];

pub async fn carry_form_errors(session: Session, mut request: Request, next: Next) -> Response {
    drop_error_params(request.uri_mut());
    let page_load = request.method() == Method::GET
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
        && !request.uri().path().starts_with("/api/");
    if page_load {
        if let Ok(Some((path, err))) = session.remove::<(String, String)>(FORM_ERROR).await {
            request.extensions_mut().insert(CarriedFormError { path, err });
        }
    }
    let form_post = request.method() == Method::POST && request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if form_post {
        move_error_into_session(&session, &mut response).await;
    }
    response
}

/// Takes the error out of a redirect's address and keeps it in the session.
async fn move_error_into_session(session: &Session, response: &mut Response) {
    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let Ok(mut url) = url::Url::parse(location)
        .or_else(|_| url::Url::parse("http://console.invalid").and_then(|base| base.join(location)))
    else {
        return;
    };
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let find = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let (Some(path), Some(err)) = (find("__path"), find("__err")) else {
        return;
    };
    if session.insert(FORM_ERROR, (path, err)).await.is_err() {
        return;
    }
    let kept: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !ERROR_PARAMS.contains(&k.as_str()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let back = if location.starts_with('/') {
        format!(
            "{}{}",
            url.path(),
            url.query().map(|q| format!("?{q}")).unwrap_or_default()
        )
    } else {
        url.to_string()
    };
    if let Ok(value) = HeaderValue::from_str(&back) {
        response.headers_mut().insert(header::LOCATION, value);
    }
}

/// Removes `__path` and `__err` from a request's address, so no link can plant an error on a page.
fn drop_error_params(uri: &mut Uri) {
    let Some(query) = uri.query() else { return };
    if !ERROR_PARAMS.iter().any(|p| query.contains(p)) {
        return;
    }
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .filter(|(k, _)| !ERROR_PARAMS.contains(&k.as_str()))
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    let path_and_query = if query.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{query}", uri.path())
    };
    let mut parts = uri.clone().into_parts();
    if let Ok(pq) = path_and_query.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(cleaned) = Uri::from_parts(parts) {
            *uri = cleaned;
        }
    }
}
