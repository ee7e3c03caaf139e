//! Choosing a backend: the six routing algorithms, and passive health (a backend that refused a connection or
//! timed out is skipped for a while).

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use deploy::model::{BackendReport, BackendState, Routing, RoutingAlgorithm, SoapType};
use http::HeaderValue;

use crate::upstream::Pool;

/// How long a failed backend sits out before it is tried again.
pub const SIT_OUT: Duration = Duration::from_secs(10);
/// Failures in a row, with no answer between, after which a backend reads as unreachable (not just sitting
/// out after a hiccup) until it answers again.
pub const UNREACHABLE_AFTER: u32 = 3;

/// One backend address, split the way forwarding needs it.
#[derive(Debug)]
pub struct Backend {
    pub address: String,
    /// `host:port`, what connections go to.
    pub authority: String,
    /// The Host header requests to this backend carry.
    pub host: Option<HeaderValue>,
    /// Kept-alive connections to it.
    pub pool: Pool,
    /// Whether the address is https.
    pub tls: bool,
    /// The host its TLS certificate must name (the address's host, without port or brackets).
    pub server_name: String,
    /// The address's own path, prefixed to what is forwarded ("" for none).
    pub base_path: String,
    pub weight: u32,
    pub soap_type: Option<SoapType>,
    /// Milliseconds since the balancer started until which this backend sits out; 0 when healthy.
    down_until: AtomicU64,
    /// Requests in flight, for LEAST_CONNECTIONS.
    active: AtomicUsize,
    /// Failures since it last answered.
    failures_in_row: AtomicU32,
}

impl Backend {
    /// Reads an address with `http::Uri`. One it cannot read (saved addresses are checked, so only an odd
    /// corner) gets no authority: connecting fails, and the request is answered 502.
    fn parse(address: &str, weight: u32, soap_type: Option<SoapType>) -> Backend {
        let uri: Option<http::Uri> = address.parse().ok();
        let uri = uri.as_ref();
        let tls = uri.and_then(|u| u.scheme_str()) == Some("https");
        // `host()` keeps an IPv6 address's brackets, as a `host:port` to connect to needs them.
        let host = uri.and_then(|u| u.host()).unwrap_or_default();
        let port = uri
            .and_then(|u| u.port_u16())
            .unwrap_or(if tls { 443 } else { 80 });
        let authority = if host.is_empty() {
            String::new()
        } else {
            format!("{host}:{port}")
        };
        // HTTPS sends Host as written (a default port left out, as browsers and curl do); plain HTTP as it
        // always has, with the port.
        let host_header = match (tls, uri.and_then(|u| u.port())) {
            (true, Some(p)) => format!("{host}:{p}"),
            (true, None) => host.to_owned(),
            (false, _) => authority.clone(),
        };
        let base_path = uri
            .map(|u| u.path().trim_end_matches('/'))
            .unwrap_or_default()
            .to_owned();
        Backend {
            address: address.to_owned(),
            host: HeaderValue::from_str(&host_header)
                .ok()
                .filter(|_| !host.is_empty()),
            server_name: host.trim_start_matches('[').trim_end_matches(']').to_owned(),
            pool: Pool::default(),
            authority,
            tls,
            base_path,
            weight: weight.max(1),
            soap_type,
            down_until: AtomicU64::new(0),
            active: AtomicUsize::new(0),
            failures_in_row: AtomicU32::new(0),
        }
    }
}

/// What a hash-based algorithm hashes.
pub struct Key<'a> {
    pub client_ip: &'a str,
    pub path_and_query: &'a str,
}

/// The backends of one live API proxy and the state of its algorithm.
#[derive(Debug)]
pub struct Balancer {
    algorithm: RoutingAlgorithm,
    pub backends: Vec<Backend>,
    started: Instant,
    next: AtomicUsize,
    /// Smooth weighted round robin's running weights.
    current: Mutex<Vec<i64>>,
}

/// Marks a request in flight on a backend until dropped.
pub struct InFlight<'a>(&'a Backend);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Balancer {
    pub fn new(routing: &Routing) -> Balancer {
        let backends: Vec<Backend> = routing
            .address_list
            .iter()
            .map(|a| Backend::parse(&a.address, a.weight, a.soap_type))
            .collect();
        Balancer {
            algorithm: routing.algorithm,
            current: Mutex::new(vec![0; backends.len()]),
            backends,
            started: Instant::now(),
            next: AtomicUsize::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64 + 1
    }

    /// Takes a backend out of rotation for [`SIT_OUT`].
    pub fn sit_out(&self, index: usize) {
        let until = self.now_ms() + SIT_OUT.as_millis() as u64;
        self.backends[index].down_until.store(until, Ordering::Relaxed);
        self.backends[index]
            .failures_in_row
            .fetch_add(1, Ordering::Relaxed);
    }

    /// The backend answered: whatever failed before is over.
    pub fn answered(&self, index: usize) {
        self.backends[index].failures_in_row.store(0, Ordering::Relaxed);
    }

    /// How each backend stands, as the console shows it.
    pub fn health(&self) -> Vec<BackendReport> {
        let now = self.now_ms();
        self.backends
            .iter()
            .map(|b| BackendReport {
                address: b.address.clone(),
                state: if b.failures_in_row.load(Ordering::Relaxed) >= UNREACHABLE_AFTER {
                    BackendState::Unreachable
                } else if b.down_until.load(Ordering::Relaxed) >= now {
                    BackendState::SittingOut
                } else {
                    BackendState::Up
                },
            })
            .collect()
    }

    pub fn begin(&self, index: usize) -> InFlight<'_> {
        let b = &self.backends[index];
        b.active.fetch_add(1, Ordering::Relaxed);
        InFlight(b)
    }

    /// Picks a backend, never `exclude`; healthy ones first, and sitting-out ones only when none is healthy.
    pub fn pick(&self, key: &Key<'_>, exclude: Option<usize>) -> Option<usize> {
        let now = self.now_ms();
        let allowed = |i: usize| Some(i) != exclude;
        let healthy: Vec<usize> = (0..self.backends.len())
            .filter(|&i| allowed(i) && self.backends[i].down_until.load(Ordering::Relaxed) < now)
            .collect();
        let candidates = if healthy.is_empty() {
            (0..self.backends.len()).filter(|&i| allowed(i)).collect()
        } else {
            healthy
        };
        if candidates.is_empty() {
            return None;
        }
        Some(match self.algorithm {
            RoutingAlgorithm::RoundRobin => {
                candidates[self.next.fetch_add(1, Ordering::Relaxed) % candidates.len()]
            }
            RoutingAlgorithm::WeightedRoundRobin => self.smooth_weighted(&candidates),
            RoutingAlgorithm::LeastConnections => {
                // Ties rotate, so equal backends share the load instead of the first taking it all.
                let start = self.next.fetch_add(1, Ordering::Relaxed);
                (0..candidates.len())
                    .map(|k| candidates[(start + k) % candidates.len()])
                    .min_by_key(|&i| self.backends[i].active.load(Ordering::Relaxed))
                    .unwrap_or(candidates[0])
            }
            RoutingAlgorithm::Random => candidates[rand::random::<usize>() % candidates.len()],
            RoutingAlgorithm::IpHash => self.rendezvous(&candidates, key.client_ip),
            RoutingAlgorithm::UrlHash => self.rendezvous(&candidates, key.path_and_query),
        })
    }

    /// Nginx's smooth weighted round robin: each pick adds every weight to its running total, takes the
    /// largest, and subtracts the sum from it, so a 5:1:1 split interleaves instead of bursting.
    fn smooth_weighted(&self, candidates: &[usize]) -> usize {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let total: i64 = candidates.iter().map(|&i| self.backends[i].weight as i64).sum();
        let mut best = candidates[0];
        for &i in candidates {
            current[i] += self.backends[i].weight as i64;
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total;
        best
    }

    /// Highest-random-weight hashing: the same key goes to the same backend on every node and across
    /// restarts, and when a backend leaves only its keys move.
    fn rendezvous(&self, candidates: &[usize], key: &str) -> usize {
        let key_hash = fnv1a(key.as_bytes());
        *candidates
            .iter()
            .max_by_key(|&&i| mix(key_hash ^ fnv1a(self.backends[i].address.as_bytes())))
            .unwrap_or(&candidates[0])
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// splitmix64's finaliser, so nearby inputs give unrelated scores.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use deploy::model::RoutingAddress;

    fn balancer(algorithm: RoutingAlgorithm, weights: &[u32]) -> Balancer {
        Balancer::new(&Routing {
            algorithm,
            address_list: weights
                .iter()
                .enumerate()
                .map(|(i, &weight)| RoutingAddress {
                    address: format!("http://10.0.0.{i}:8080/base/"),
                    weight,
                    soap_type: None,
                })
                .collect(),
        })
    }

    fn counts(b: &Balancer, n: usize, key: impl Fn(usize) -> String) -> Vec<usize> {
        let mut counts = vec![0; b.backends.len()];
        for i in 0..n {
            let k = key(i);
            counts[b
                .pick(
                    &Key {
                        client_ip: &k,
                        path_and_query: &k,
                    },
                    None,
                )
                .unwrap()] += 1;
        }
        counts
    }

    #[test]
    fn addresses_split_into_authority_and_base_path() {
        let b = Backend::parse("http://example.com/v1/", 1, None);
        assert_eq!(
            (b.authority.as_str(), b.base_path.as_str(), b.tls),
            ("example.com:80", "/v1", false)
        );
        let b = Backend::parse("https://127.0.0.1:9443", 1, None);
        assert_eq!(
            (b.authority.as_str(), b.base_path.as_str(), b.tls),
            ("127.0.0.1:9443", "", true)
        );
        let b = Backend::parse("https://[::1]/x?q=1", 1, None);
        assert_eq!(
            (b.authority.as_str(), b.server_name.as_str(), b.base_path.as_str()),
            ("[::1]:443", "::1", "/x")
        );
        assert_eq!(b.host.unwrap(), "[::1]");
        let b = Backend::parse("not a url", 1, None);
        assert_eq!((b.authority.as_str(), b.host), ("", None));
    }

    #[test]
    fn round_robin_is_even_and_weighted_follows_weights() {
        let b = balancer(RoutingAlgorithm::RoundRobin, &[1, 1, 1]);
        assert_eq!(counts(&b, 9000, |_| String::new()), vec![3000, 3000, 3000]);
        let b = balancer(RoutingAlgorithm::WeightedRoundRobin, &[5, 1, 1]);
        assert_eq!(counts(&b, 7000, |_| String::new()), vec![5000, 1000, 1000]);
        // Smooth: the heavy backend never takes more than its share in a row.
        let picks: Vec<usize> = (0..7)
            .map(|_| {
                b.pick(
                    &Key {
                        client_ip: "",
                        path_and_query: "",
                    },
                    None,
                )
                .unwrap()
            })
            .collect();
        assert_eq!(picks.iter().filter(|&&i| i == 0).count(), 5);
        assert!(picks.windows(2).all(|w| w != [1, 2] && w != [2, 1]));
    }

    #[test]
    fn hashing_is_stable_and_moves_only_the_keys_of_a_missing_backend() {
        let b = balancer(RoutingAlgorithm::UrlHash, &[1, 1, 1, 1]);
        let url = |i: usize| {
            b.pick(
                &Key {
                    client_ip: "",
                    path_and_query: &format!("/p/{i}"),
                },
                None,
            )
            .unwrap()
        };
        let first: Vec<usize> = (0..1000).map(url).collect();
        let again: Vec<usize> = (0..1000).map(url).collect();
        assert_eq!(first, again);
        let spread = counts(&b, 10_000, |i| format!("/p/{i}"));
        assert!(spread.iter().all(|&c| (2000..3000).contains(&c)), "{spread:?}");
        b.sit_out(2);
        for (i, &was) in first.iter().enumerate() {
            let now = url(i);
            assert_ne!(now, 2);
            if was != 2 {
                assert_eq!(now, was, "key {i} moved though its backend stayed");
            }
        }
    }

    #[test]
    fn a_sitting_out_backend_is_skipped_unless_it_is_the_only_one_left() {
        let b = balancer(RoutingAlgorithm::RoundRobin, &[1, 1]);
        b.sit_out(0);
        assert_eq!(counts(&b, 10, |_| String::new()), vec![0, 10]);
        b.sit_out(1);
        assert_eq!(counts(&b, 10, |_| String::new()), vec![5, 5]);
        assert_eq!(
            b.pick(
                &Key {
                    client_ip: "",
                    path_and_query: ""
                },
                Some(0)
            ),
            Some(1)
        );
    }

    #[test]
    fn a_backend_sits_out_then_reads_as_unreachable_until_it_answers() {
        let b = balancer(RoutingAlgorithm::RoundRobin, &[1, 1]);
        let states = |b: &Balancer| b.health().into_iter().map(|h| h.state).collect::<Vec<_>>();
        assert_eq!(states(&b), [BackendState::Up, BackendState::Up]);
        b.sit_out(0);
        assert_eq!(states(&b), [BackendState::SittingOut, BackendState::Up]);
        for _ in 1..UNREACHABLE_AFTER {
            b.sit_out(0);
        }
        assert_eq!(states(&b)[0], BackendState::Unreachable);
        b.answered(0);
        assert_eq!(
            states(&b)[0],
            BackendState::SittingOut,
            "answered, and still sitting out its time"
        );
    }

    #[test]
    fn least_connections_prefers_the_idle_backend() {
        let b = balancer(RoutingAlgorithm::LeastConnections, &[1, 1, 1]);
        let _busy = (b.begin(0), b.begin(0), b.begin(1));
        assert_eq!(counts(&b, 10, |_| String::new()), vec![0, 0, 10]);
    }
}
