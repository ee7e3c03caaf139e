//! The console never answers on a gateway's address. Gateways serve whatever project members deploy, so a
//! page served from a gateway's origin is untrusted; if a request reaches the console naming a gateway's
//! host (directly, or through a proxy that kept it in `X-Forwarded-Host`), it is refused with 421 rather
//! than treated as the console's own origin. The gateways' addresses are their environments' access URLs,
//! read again at most every few seconds.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use deploy::ControlPlane;

const REFRESH: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct GatewayHosts {
    cp: ControlPlane,
    known: Arc<RwLock<(Option<Instant>, HashSet<String>)>>,
}

/// `host[:port]` lower-cased, with this machine's names made one, so `localhost:8080` and `127.0.0.1:8080`
/// are the same place.
fn normalise(authority: &str) -> String {
    let a = authority.trim().to_ascii_lowercase();
    let (host, port) = match a.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && !p.contains(']') => (h.to_owned(), Some(p.to_owned())),
        _ => (a.clone(), None),
    };
    // A trailing dot names the same host, and a default port (80, 443) the same address.
    let host = host.trim_end_matches('.');
    let host = match host {
        "localhost" | "127.0.0.1" | "[::1]" => "loopback",
        other => other,
    };
    match port.as_deref() {
        Some("80" | "443") | None => host.to_owned(),
        Some(p) => format!("{host}:{p}"),
    }
}

fn authority_of(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| normalise(authority))
}

impl GatewayHosts {
    pub fn new(cp: ControlPlane) -> Self {
        GatewayHosts {
            cp,
            known: Arc::default(),
        }
    }

    async fn current(&self) -> HashSet<String> {
        {
            let known = self.known.read().unwrap_or_else(|e| e.into_inner());
            if known.0.is_some_and(|at| at.elapsed() < REFRESH) {
                return known.1.clone();
            }
        }
        match deploy::gateway::served_environments(&self.cp).await {
            Ok(served) => {
                let hosts: HashSet<String> = served
                    .iter()
                    .filter_map(|s| authority_of(s.access_url.as_deref()?))
                    .collect();
                *self.known.write().unwrap_or_else(|e| e.into_inner()) =
                    (Some(Instant::now()), hosts.clone());
                hosts
            }
            Err(e) => {
                tracing::warn!("cannot read the gateways' addresses: {e}");
                self.known.read().unwrap_or_else(|e| e.into_inner()).1.clone()
            }
        }
    }
}

pub async fn refuse_gateway_hosts(
    State(hosts): State<GatewayHosts>,
    request: Request,
    next: Next,
) -> Response {
    let named: Vec<String> = [header::HOST.as_str(), "x-forwarded-host"]
        .into_iter()
        .filter_map(|h| request.headers().get(h).and_then(|v| v.to_str().ok()))
        .flat_map(|v| v.split(','))
        .map(normalise)
        .collect();
    if !named.is_empty() {
        let gateways = hosts.current().await;
        if named.iter().any(|n| gateways.contains(n)) {
            tracing::warn!(path = %request.uri().path(), "request naming a gateway's host refused");
            return (
                StatusCode::MISDIRECTED_REQUEST,
                "This address belongs to an API gateway, not to the Portico console.\n",
            )
                .into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machines_names_are_one_place() {
        assert_eq!(normalise("LocalHost:8080"), "loopback:8080");
        assert_eq!(
            authority_of("http://127.0.0.1:8080/x"),
            Some("loopback:8080".into())
        );
        assert_eq!(normalise("gw.example.com"), "gw.example.com");
        assert_eq!(normalise("GW.example.com.:443"), "gw.example.com");
        assert_ne!(normalise("127.0.0.1:3000"), normalise("127.0.0.1:8080"));
    }
}
