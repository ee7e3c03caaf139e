//! A live proxy's response cache: successful GET responses kept for the configured time, keyed by method,
//! path, query and the headers the settings vary on, at most the configured number at once (the least
//! recently used goes first; `moka` keeps the entries). What may be kept follows RFC 9111 as a shared cache
//! must: nothing private, nothing that sets a cookie, nothing the client or the backend said not to store.

use std::time::Duration;

use bytes::Bytes;
use deploy::model::Cache;
use http::header::{self, HeaderName};
use http::{HeaderMap, Method, StatusCode};

const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// Responses larger than this are passed through, not kept.
pub const MAX_BODY: usize = 1024 * 1024;
/// Used when a cache is on but its limit was left at 0.
const DEFAULT_ENTRIES: usize = 1000;

#[derive(Debug, Clone)]
pub struct Stored {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub struct ResponseCache {
    ttl: Duration,
    /// Request headers in the key, lower-case.
    vary: Vec<HeaderName>,
    entries: moka::sync::Cache<String, Stored>,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl ResponseCache {
    pub fn new(config: &Cache) -> ResponseCache {
        let ttl = Duration::from_secs(config.ttl_seconds.into());
        let max_entries = match config.max_entries {
            0 => DEFAULT_ENTRIES,
            n => n as usize,
        };
        ResponseCache {
            ttl,
            vary: config
                .vary_headers
                .iter()
                .filter_map(|h| HeaderName::from_bytes(h.to_ascii_lowercase().as_bytes()).ok())
                .collect(),
            entries: moka::sync::Cache::builder()
                .max_capacity(max_entries as u64)
                // Plain LRU: every answer is admitted (no frequency filter), the least recently used goes.
                .eviction_policy(moka::policy::EvictionPolicy::lru())
                .time_to_live(ttl.max(Duration::from_millis(1)))
                .build(),
        }
    }

    /// The key a request is kept under, or `None` when its answer must not be cached: not a GET, a client
    /// that asks for no storing, or credentials (`Authorization`, `Cookie`) the settings do not vary on.
    pub fn key(&self, method: &Method, path_and_query: &str, headers: &HeaderMap) -> Option<String> {
        if method != Method::GET || directives(headers).any(|d| d == "no-store") {
            return None;
        }
        for private in [header::AUTHORIZATION, header::COOKIE] {
            if headers.contains_key(&private) && !self.vary.contains(&private) {
                return None;
            }
        }
        let mut key = format!("{method} {path_and_query}");
        // What the backend is told of the client's view (the Host it asked, the scheme a proxy in front
        // saw) can shape the answer (redirects, absolute links), so a client that sends its own values gets
        // its own entry rather than poisoning everyone's.
        let forwarded = [header::HOST, X_FORWARDED_HOST, X_FORWARDED_PROTO];
        for name in forwarded.iter().chain(&self.vary) {
            key.push('\n');
            key.push_str(name.as_str());
            for value in headers.get_all(name) {
                // Debug form escapes bytes that are not text, so two values never share a key.
                key.push_str(&format!("\0{value:?}"));
            }
        }
        Some(key)
    }

    /// Whether a backend's answer may be kept: a 200 that sets no cookie, is not `private`, `no-store` or
    /// `no-cache` (this cache does not revalidate), and varies on nothing the key leaves out.
    pub fn storable(&self, status: StatusCode, headers: &HeaderMap) -> bool {
        status == StatusCode::OK
            && !headers.contains_key(header::SET_COOKIE)
            && !directives(headers).any(|d| matches!(d.as_str(), "no-store" | "private" | "no-cache"))
            && headers
                .get_all(header::VARY)
                .iter()
                .flat_map(|v| v.to_str().unwrap_or("*").split(','))
                .map(|n| n.trim().to_ascii_lowercase())
                .filter(|n| !n.is_empty())
                .all(|n| self.vary.iter().any(|v| v.as_str() == n))
    }

    pub fn get(&self, key: &str) -> Option<Stored> {
        self.entries.get(key)
    }

    pub fn put(&self, key: String, stored: Stored) {
        if self.ttl.is_zero() || stored.body.len() > MAX_BODY {
            return;
        }
        self.entries.insert(key, stored);
    }
}

/// The `Cache-Control` directive names, lower-case (`private="x"` counts as `private`).
fn directives(headers: &HeaderMap) -> impl Iterator<Item = String> + '_ {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("no-store").split(','))
        .map(|d| {
            d.split('=')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(body: &'static str) -> Stored {
        Stored {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn keeps_at_most_max_entries_dropping_the_oldest() {
        let c = ResponseCache::new(&Cache {
            enabled: true,
            ttl_seconds: 60,
            max_entries: 2,
            ..Cache::default()
        });
        c.put("a".into(), stored("1"));
        c.put("b".into(), stored("2"));
        c.put("c".into(), stored("3"));
        // Evictions happen in moka's upkeep, which runs as the cache is used; here it is run at once.
        c.entries.run_pending_tasks();
        assert!(c.get("a").is_none());
        assert_eq!(c.get("c").unwrap().body, "3");
    }

    #[test]
    fn zero_ttl_keeps_nothing() {
        let c = ResponseCache::new(&Cache {
            enabled: true,
            ttl_seconds: 0,
            max_entries: 2,
            ..Cache::default()
        });
        c.put("a".into(), stored("1"));
        assert!(c.get("a").is_none());
    }

    #[test]
    fn private_answers_and_credentials_stay_out_unless_varied_on() {
        let c = ResponseCache::new(&Cache {
            enabled: true,
            ttl_seconds: 60,
            ..Cache::default()
        });
        let mut h = HeaderMap::new();
        assert!(c.key(&Method::GET, "/a", &h).is_some());
        assert!(c.key(&Method::POST, "/a", &h).is_none());
        h.insert(header::AUTHORIZATION, "Bearer x".parse().unwrap());
        assert!(c.key(&Method::GET, "/a", &h).is_none());
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "s=1".parse().unwrap());
        assert!(c.key(&Method::GET, "/a", &h).is_none());

        let varied = ResponseCache::new(&Cache {
            enabled: true,
            ttl_seconds: 60,
            vary_headers: vec!["Authorization".into()],
            ..Cache::default()
        });
        let mut alice = HeaderMap::new();
        alice.insert(header::AUTHORIZATION, "Bearer alice".parse().unwrap());
        let mut bob = HeaderMap::new();
        bob.insert(header::AUTHORIZATION, "Bearer bob".parse().unwrap());
        let (a, b) = (
            varied.key(&Method::GET, "/a", &alice),
            varied.key(&Method::GET, "/a", &bob),
        );
        assert!(a.is_some() && b.is_some() && a != b);

        let ok = |pairs: &[(&str, &str)]| {
            let mut h = HeaderMap::new();
            for (n, v) in pairs {
                h.append(HeaderName::from_bytes(n.as_bytes()).unwrap(), v.parse().unwrap());
            }
            c.storable(StatusCode::OK, &h)
        };
        assert!(ok(&[("cache-control", "max-age=60")]));
        assert!(!ok(&[("set-cookie", "s=1")]));
        assert!(!ok(&[("cache-control", "max-age=60, private")]));
        assert!(!ok(&[("cache-control", "no-store")]));
        assert!(!ok(&[("vary", "*")]));
        assert!(!ok(&[("vary", "Accept-Language")]));
        assert!(varied.storable(StatusCode::OK, &{
            let mut h = HeaderMap::new();
            h.insert(header::VARY, "authorization".parse().unwrap());
            h
        }));
        assert!(!c.storable(StatusCode::NOT_FOUND, &HeaderMap::new()));
    }
}
