//! A live proxy's response cache: successful GET responses kept for the configured time, keyed by method,
//! path and query, at most the configured number at once (the oldest goes first).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use deploy::model::Cache;
use http::{HeaderMap, StatusCode};

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

#[derive(Debug)]
pub struct ResponseCache {
    ttl: Duration,
    max_entries: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, (Instant, Stored)>,
    order: VecDeque<String>,
}

impl ResponseCache {
    pub fn new(config: &Cache) -> ResponseCache {
        ResponseCache {
            ttl: Duration::from_secs(config.ttl_seconds.into()),
            max_entries: match config.max_entries {
                0 => DEFAULT_ENTRIES,
                n => n as usize,
            },
            inner: Mutex::default(),
        }
    }

    pub fn key(method: &http::Method, path_and_query: &str) -> String {
        format!("{method} {path_and_query}")
    }

    pub fn get(&self, key: &str) -> Option<Stored> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match inner.map.get(key) {
            Some((at, stored)) if at.elapsed() < self.ttl => Some(stored.clone()),
            Some(_) => {
                inner.map.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, key: String, stored: Stored) {
        if self.ttl.is_zero() || stored.body.len() > MAX_BODY {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.map.insert(key.clone(), (Instant::now(), stored)).is_none() {
            inner.order.push_back(key);
        }
        while inner.map.len() > self.max_entries {
            match inner.order.pop_front() {
                Some(oldest) => {
                    inner.map.remove(&oldest);
                }
                None => break,
            }
        }
        // Keys of entries that expired and were dropped by `get` linger in `order`; trim them now and then.
        if inner.order.len() > 2 * self.max_entries {
            let Entries { map, order } = &mut *inner;
            order.retain(|k| map.contains_key(k));
        }
    }
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
        });
        c.put("a".into(), stored("1"));
        c.put("b".into(), stored("2"));
        c.put("c".into(), stored("3"));
        assert!(c.get("a").is_none());
        assert_eq!(c.get("c").unwrap().body, "3");
    }

    #[test]
    fn zero_ttl_keeps_nothing() {
        let c = ResponseCache::new(&Cache {
            enabled: true,
            ttl_seconds: 0,
            max_entries: 2,
        });
        c.put("a".into(), stored("1"));
        assert!(c.get("a").is_none());
    }
}
