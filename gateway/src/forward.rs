//! Forwarding one request: match a route, answer what the gateway answers itself, else pick a backend and
//! stream the request there and its response back, retrying once on another backend when that is safe.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use deploy::model::{ApiType, SoapType};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::request::Parts;
use http::{Method, Request, Response, StatusCode};
use http_body::{Body as _, Frame, SizeHint};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::balance::{Backend, Key};
use crate::cache::{Stored, MAX_BODY};
use crate::console_cookie;
use crate::node::Node;
use crate::policy::{self, full};
use crate::table::Route;
use crate::upstream::{self, Sender};
use crate::{Body, BoxError};

/// Headers that describe one connection, never passed on (RFC 9110 §7.6.1).
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_CACHE: HeaderName = HeaderName::from_static("x-cache");
const SOAP_ACTION: HeaderName = HeaderName::from_static("soapaction");
/// How many Portico gateways a request has passed. A backend address that leads back into a gateway (through
/// a name or an address no rule knows as Portico's) would otherwise loop until every connection is taken.
const HOPS: HeaderName = HeaderName::from_static("x-portico-hops");
const MAX_HOPS: u8 = 5;

fn hops(headers: &HeaderMap) -> u8 {
    headers
        .get(&HOPS)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for name in HOP_BY_HOP.iter().chain(&named) {
        headers.remove(name);
    }
}

/// The path a request is routed by, or why it is refused: dot segments are removed first, and a path that
/// climbs out of the proxy its raw form names (`/evil/../admin` when `/evil` is a proxy) is refused rather
/// than handed to whichever proxy it lands on.
fn routed_path<'p>(table: &crate::table::Table, raw: &'p str) -> Result<std::borrow::Cow<'p, str>, String> {
    let path = crate::path::normalise(raw).map_err(|refused| match refused {
        crate::path::Refused::ClimbsAboveRoot => format!("Path ({raw}) climbs above the root."),
        crate::path::Refused::Ambiguous => {
            format!("Path ({raw}) holds an encoded slash or backslash, or a dot segment with parameters.")
        }
    })?;
    if path != raw {
        if let Some((named, _)) = table.find(raw) {
            let landed = table.find(&path).map(|(r, _)| r);
            if !landed.is_some_and(|r| Arc::ptr_eq(r, named)) {
                return Err(format!("Path ({raw}) climbs out of the API proxy it names."));
            }
        }
    }
    Ok(path)
}

pub async fn handle(node: Arc<Node>, req: Request<Incoming>, client: SocketAddr) -> Response<Body> {
    let started = Instant::now();
    if hops(req.headers()) >= MAX_HOPS {
        node.unmatched().observe(508, started.elapsed());
        return policy::error(
            StatusCode::LOOP_DETECTED,
            "LOOP_DETECTED",
            "This request has passed through too many Portico gateways: a routing address leads back here.",
        );
    }
    let (route, target) = match find_route(&node, req.uri()) {
        Ok(found) => found,
        Err(refused) => {
            node.unmatched()
                .observe(refused.status().as_u16(), started.elapsed());
            return refused;
        }
    };
    let response = serve_route(&node, &route, req, target, client).await;
    route.stats.observe(response.status().as_u16(), started.elapsed());
    response
}

/// The route a request goes to and where on it, or the gateway's own answer (400, 404).
fn find_route(node: &Node, uri: &http::Uri) -> Result<(Arc<Route>, Target), Response<Body>> {
    let table = node.table();
    let path = routed_path(&table, uri.path())
        .map_err(|why| policy::error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &why))?;
    let Some((route, rest)) = table.find(&path) else {
        return Err(policy::error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!(
                "No API proxy is deployed at {path} in environment ({}).",
                node.environment()
            ),
        ));
    };
    let (route, rest) = (Arc::clone(route), rest.to_owned());
    let prefix = path[..path.len() - rest.len()].to_owned();
    let path_and_query = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.into_owned(),
    };
    Ok((
        route,
        Target {
            path_and_query,
            rest,
            prefix,
        },
    ))
}

/// Where a request goes once its path is normalised.
struct Target {
    /// The normalised path with the query, for the cache key and hashing.
    path_and_query: String,
    /// The path after the route's prefix, appended to the backend's base path.
    rest: String,
    /// The route's prefix as this request matched it: the part of the site the proxy owns.
    prefix: String,
}

async fn serve_route(
    node: &Node,
    route: &Arc<Route>,
    req: Request<Incoming>,
    target: Target,
    client: SocketAddr,
) -> Response<Body> {
    // Read only for routes with CORS, and only what the answer needs after the request has moved on.
    let origin = route.cors.as_ref().and_then(|_| {
        req.headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    if let Some(cors) = &route.cors {
        if policy::is_preflight(req.method(), req.headers()) {
            return policy::preflight(cors, req.headers());
        }
    }
    if !route.methods.is_empty() && !route.methods.contains(req.method()) {
        let mut r = policy::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            &format!(
                "API proxy ({}) does not accept {} requests.",
                route.proxy,
                req.method()
            ),
        );
        let allow: Vec<&str> = route.methods.iter().map(Method::as_str).collect();
        if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
            r.headers_mut().insert(header::ALLOW, v);
        }
        return r;
    }
    if route.spec.maintenance_mode {
        return policy::maintenance(&route.proxy);
    }
    let cache_key = match &route.cache {
        Some(cache) => cache.key(req.method(), &target.path_and_query, req.headers()),
        None => None,
    };
    if let (Some(cache), Some(key)) = (&route.cache, &cache_key) {
        if let Some(hit) = cache.get(key) {
            let mut r = Response::new(full(hit.body));
            *r.status_mut() = hit.status;
            *r.headers_mut() = hit.headers;
            r.headers_mut().insert(X_CACHE, HeaderValue::from_static("HIT"));
            if let Some(cors) = &route.cors {
                policy::decorate(cors, origin.as_deref(), r.headers_mut());
            }
            return r;
        }
    }
    // `forward` already took the backend's hop-by-hop headers off.
    let mut response = forward(node, route, req, target, client).await;
    if let Some(key) = cache_key {
        response = keep_in_cache(route, key, response).await;
    }
    if let Some(cors) = &route.cors {
        policy::decorate(cors, origin.as_deref(), response.headers_mut());
    }
    response
}

/// Buffers a cacheable response (the cache policy is the one reason to) and keeps a copy.
async fn keep_in_cache(route: &Route, key: String, response: Response<Body>) -> Response<Body> {
    let Some(cache) = &route.cache else {
        return response;
    };
    let storable = cache.storable(response.status(), response.headers());
    let too_big = response.body().size_hint().lower() > MAX_BODY as u64;
    if too_big || !storable {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    match read_at_most(body, MAX_BODY).await {
        Some(bytes) => {
            cache.put(
                key,
                Stored {
                    status: parts.status,
                    headers: parts.headers.clone(),
                    body: bytes.clone(),
                },
            );
            parts.headers.insert(X_CACHE, HeaderValue::from_static("MISS"));
            Response::from_parts(parts, full(bytes))
        }
        None => policy::error(
            StatusCode::BAD_GATEWAY,
            "BAD_GATEWAY",
            "The backend's response broke off or outgrew what the cache keeps.",
        ),
    }
}

/// A whole body, or `None` when it breaks off or grows past `limit`. (http-body-util's `Limited` would do,
/// but its boxed error type makes the request future's `Send` proof fail in rustc.)
async fn read_at_most(mut body: Body, limit: usize) -> Option<Bytes> {
    let mut out = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.ok()?.into_data() {
            if out.len() + data.len() > limit {
                return None;
            }
            out.extend_from_slice(&data);
        }
    }
    Some(out.freeze())
}

/// The request as it goes to a backend: its path under the backend's base path, forwarding headers added,
/// hop-by-hop headers removed, SOAP headers set for the backend's SOAP version. `None` when the backend's
/// base path and the request's path together make no valid target (too long): never the backend's root.
fn upstream_parts(parts: &Parts, route: &Route, backend: &Backend, rest: &str, ip: &str) -> Option<Parts> {
    let mut p = Request::new(()).into_parts().0;
    p.method = parts.method.clone();
    p.headers = parts.headers.clone();
    strip_hop_by_hop(&mut p.headers);
    console_cookie::strip_from_request(&mut p.headers);
    p.headers.insert(
        HOPS,
        HeaderValue::from(u16::from(hops(&parts.headers).saturating_add(1))),
    );
    let mut target = format!("{}{}", backend.base_path, rest);
    if target.is_empty() {
        target.push('/');
    }
    if let Some(q) = parts.uri.query() {
        target.push('?');
        target.push_str(q);
    }
    p.uri = target.parse().ok()?;
    let original_host = parts.headers.get(header::HOST).cloned();
    if let Some(host) = &backend.host {
        p.headers.insert(header::HOST, host.clone());
    }
    let forwarded_for = match p.headers.get(&X_FORWARDED_FOR).and_then(|v| v.to_str().ok()) {
        Some(previous) => HeaderValue::from_str(&format!("{previous}, {ip}")),
        None => HeaderValue::from_str(ip),
    };
    if let Ok(v) = forwarded_for {
        p.headers.insert(X_FORWARDED_FOR, v);
    }
    if !p.headers.contains_key(&X_FORWARDED_PROTO) {
        p.headers
            .insert(X_FORWARDED_PROTO, HeaderValue::from_static("http"));
    }
    if let (false, Some(host)) = (p.headers.contains_key(&X_FORWARDED_HOST), original_host) {
        p.headers.insert(X_FORWARDED_HOST, host);
    }
    if route.spec.api_type == ApiType::Soap && parts.method == Method::POST {
        if let Some(version) = backend.soap_type {
            soap_headers(version, &mut p.headers);
        }
    }
    Some(p)
}

/// SOAP 1.1 carries the action in a SOAPAction header with text/xml; SOAP 1.2 carries it as the `action`
/// parameter of application/soap+xml. Whichever the client sent, the backend gets its own version's form.
fn soap_headers(version: SoapType, headers: &mut HeaderMap) {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let action_param = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("action="))
        .map(|a| a.trim_matches('"').to_owned())
        .next();
    let header_action = headers
        .get(&SOAP_ACTION)
        .and_then(|v| v.to_str().ok())
        .map(|a| a.trim_matches('"').to_owned());
    let action = header_action.or(action_param).unwrap_or_default();
    match version {
        SoapType::Soap11 => {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/xml; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("\"{action}\"")) {
                headers.insert(SOAP_ACTION, v);
            }
        }
        SoapType::Soap12 => {
            headers.remove(&SOAP_ACTION);
            let value = if action.is_empty() {
                "application/soap+xml; charset=utf-8".to_owned()
            } else {
                format!("application/soap+xml; charset=utf-8; action=\"{action}\"")
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(header::CONTENT_TYPE, v);
            }
        }
    }
}

fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

enum Failure {
    /// Nothing reached the backend; the request can go elsewhere as it is. With why, when an operator can
    /// act on it (a certificate refused).
    Unsent(Request<Body>, Option<String>),
    /// The backend took the request and then failed or took too long.
    Sent { timed_out: bool },
}

/// Sends on a kept connection when one is idle, else on a new one.
async fn send(
    node: &Node,
    backend: &Backend,
    mut req: Request<Body>,
    deadline: tokio::time::Instant,
) -> Result<(Response<Incoming>, Sender), Failure> {
    loop {
        let (mut sender, reused) = match backend.pool.take().await {
            Some(s) => (s, true),
            None => {
                let tls = backend.tls.then(|| upstream::Tls {
                    server_name: &backend.server_name,
                    trust: node.backend_trust(),
                });
                match upstream::connect(
                    &backend.authority,
                    tls,
                    node.options().connect_timeout,
                    node.backends(),
                )
                .await
                {
                    Ok(s) => (s, false),
                    Err(e) => {
                        let why = (e.kind() == std::io::ErrorKind::InvalidData).then(|| e.to_string());
                        return Err(Failure::Unsent(req, why));
                    }
                }
            }
        };
        req = fit_protocol(req, &sender, backend);
        let sent = tokio::time::timeout_at(deadline, sender.try_send_request(req)).await;
        match sent {
            Ok(Ok(response)) => return Ok((response, sender)),
            // A kept connection the backend closed meanwhile hands the request back unsent: it goes on a
            // fresh connection without counting as a failure.
            Ok(Err(mut e)) => match e.take_message() {
                Some(back) if reused => req = back,
                Some(back) => return Err(Failure::Unsent(back, None)),
                None => return Err(Failure::Sent { timed_out: false }),
            },
            Err(_) => return Err(Failure::Sent { timed_out: true }),
        }
    }
}

/// HTTP/2 names the target in :scheme and :authority, taken from an absolute URI, and carries no Host;
/// HTTP/1.1 takes the path and a Host header. A request handed back by one connection may go out on another
/// of the other kind, so it is fitted each time.
fn fit_protocol(req: Request<Body>, sender: &Sender, backend: &Backend) -> Request<Body> {
    let (mut head, body) = req.into_parts();
    let absolute = head.uri.scheme().is_some();
    let host = backend.host.clone();
    if sender.is_http2() && !absolute {
        let name = host
            .as_ref()
            .and_then(|h| h.to_str().ok())
            .unwrap_or(&backend.authority);
        let path = head.uri.path_and_query().map_or("/", |p| p.as_str());
        if let Ok(uri) = format!("https://{name}{path}").parse() {
            head.uri = uri;
        }
        head.headers.remove(header::HOST);
    } else if !sender.is_http2() && absolute {
        if let Some(path) = head.uri.path_and_query().and_then(|p| p.as_str().parse().ok()) {
            head.uri = path;
        }
        if let Some(host) = host {
            head.headers.insert(header::HOST, host);
        }
    }
    Request::from_parts(head, body)
}

/// A backend's response body on its way to the client; once read to its end, the connection goes back to
/// the backend's pool for the next request. The response timeout covers the whole exchange: a backend that
/// stalls mid-body is cut off at the deadline, and the client sees a broken body rather than a short one
/// that looks complete.
struct Returning {
    inner: Incoming,
    back: Option<(Arc<Route>, usize, Sender)>,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl Returning {
    fn give_back(&mut self) {
        if let Some((route, index, sender)) = self.back.take() {
            route.balancer.backends[index].pool.put(sender);
        }
    }
}

impl http_body::Body for Returning {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => self.give_back(),
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => self.give_back(),
            // An error leaves the connection in an unknown state: it is not reused.
            Poll::Ready(Some(Err(_))) => self.back = None,
            Poll::Pending => {
                if self.deadline.as_mut().poll(cx).is_ready() {
                    self.back = None;
                    return Poll::Ready(Some(Err("the backend stalled past the response timeout".into())));
                }
            }
            _ => {}
        }
        polled.map(|frame| frame.map(|r| r.map_err(BoxError::from)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Returning {
    fn drop(&mut self) {
        // An empty body is never polled; one the client abandoned midway is not read to its end.
        if self.inner.is_end_stream() {
            self.give_back();
        }
    }
}

async fn forward(
    node: &Node,
    route: &Arc<Route>,
    req: Request<Incoming>,
    target: Target,
    client: SocketAddr,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body_empty = body.is_end_stream();
    let client_ip = client.ip().to_string();
    let key = Key {
        client_ip: &client_ip,
        path_and_query: &target.path_and_query,
    };
    let balancer = &route.balancer;
    let mut body: Option<Body> = Some(body.map_err(BoxError::from).boxed_unsync());
    let mut tried = None;
    let mut last_timed_out = false;
    let mut last_reason: Option<String> = None;
    // One try and at most one retry, on another backend.
    for attempt in 0..2 {
        let Some(index) = balancer.pick(&key, tried) else {
            break;
        };
        let backend = &balancer.backends[index];
        let request_body = match body.take() {
            Some(b) => b,
            // The first try consumed an empty body; an empty one stands in for it.
            None => Empty::<Bytes>::new()
                .map_err(|never| match never {})
                .boxed_unsync(),
        };
        let Some(head) = upstream_parts(&parts, route, backend, &target.rest, &client_ip) else {
            return policy::error(
                StatusCode::URI_TOO_LONG,
                "URI_TOO_LONG",
                "The request's path and query are too long to forward.",
            );
        };
        let request = Request::from_parts(head, request_body);
        let _in_flight = balancer.begin(index);
        let deadline = tokio::time::Instant::now() + node.options().response_timeout;
        match send(node, backend, request, deadline).await {
            Ok((response, sender)) => {
                balancer.answered(index);
                let (mut head, incoming) = response.into_parts();
                strip_hop_by_hop(&mut head.headers);
                console_cookie::strip_from_response(&mut head.headers);
                console_cookie::scope_to_prefix(&mut head.headers, &target.prefix);
                let body = Returning {
                    inner: incoming,
                    back: Some((Arc::clone(route), index, sender)),
                    deadline: Box::pin(tokio::time::sleep_until(deadline)),
                };
                return Response::from_parts(head, body.boxed_unsync());
            }
            Err(Failure::Unsent(back, why)) => {
                if why.is_some() {
                    last_reason = why;
                }
                route.stats.backend_error();
                balancer.sit_out(index);
                tried = Some(index);
                body = Some(back.into_body());
            }
            Err(Failure::Sent { timed_out }) => {
                route.stats.backend_error();
                balancer.sit_out(index);
                tried = Some(index);
                last_timed_out = timed_out;
                // Sent bytes may have had effects: only idempotent requests without a body go again.
                if attempt > 0 || !(idempotent(&parts.method) && body_empty) {
                    break;
                }
            }
        }
    }
    if last_timed_out {
        policy::error(
            StatusCode::GATEWAY_TIMEOUT,
            "GATEWAY_TIMEOUT",
            &format!("API proxy ({}): the backend did not answer in time.", route.proxy),
        )
    } else {
        policy::error(
            StatusCode::BAD_GATEWAY,
            "BAD_GATEWAY",
            &match last_reason {
                Some(why) => format!("API proxy ({}): no backend could be reached: {why}.", route.proxy),
                None => format!("API proxy ({}): no backend could be reached.", route.proxy),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soap_action_moves_between_versions() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
        h.insert(SOAP_ACTION, HeaderValue::from_static("\"urn:GetPet\""));
        soap_headers(SoapType::Soap12, &mut h);
        assert_eq!(
            h[header::CONTENT_TYPE],
            "application/soap+xml; charset=utf-8; action=\"urn:GetPet\""
        );
        assert!(!h.contains_key(&SOAP_ACTION));
        soap_headers(SoapType::Soap11, &mut h);
        assert_eq!(h[header::CONTENT_TYPE], "text/xml; charset=utf-8");
        assert_eq!(h[&SOAP_ACTION], "\"urn:GetPet\"");
    }

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_go() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-secret-hop"),
        );
        h.insert("x-secret-hop", HeaderValue::from_static("1"));
        h.insert(header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        h.insert("x-kept", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key("x-kept"));
    }
}
