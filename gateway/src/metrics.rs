//! Request counts, status classes, latency histograms and backend errors per environment and API proxy,
//! kept and written out (Prometheus / OpenMetrics text) by the `prometheus-client` crate. Each route holds
//! its own handles, so counting a request is a few atomic adds with no lookup.

use std::collections::BTreeMap;

use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use deploy::model::{BackendState, ProxyTrafficReport, TrafficReport};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::balance::Balancer;
use crate::traffic::{current_minute, MinuteWindow};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    environment: String,
    project: String,
    proxy: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClassLabels {
    environment: String,
    project: String,
    proxy: String,
    class: String,
}

/// One route's handles into the families, and its minutes for the control plane's charts.
#[derive(Debug)]
pub struct RouteStats {
    /// Responses by status class: 1xx to 5xx.
    classes: [Counter; 5],
    duration: Histogram,
    backend_errors: Counter,
    minutes: Mutex<MinuteWindow>,
    /// The balancer of the route now served (a redeploy builds a new one), for its backends' states.
    balancer: Mutex<Weak<Balancer>>,
}

impl RouteStats {
    pub fn observe(&self, status: u16, elapsed: Duration) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.classes[class].inc();
        self.duration.observe(elapsed.as_secs_f64());
        self.minutes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .count(current_minute(), status, elapsed);
    }

    /// The balancer whose backends this route's report describes.
    pub fn serve_with(&self, balancer: &Arc<Balancer>) {
        *self.balancer.lock().unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(balancer);
    }

    pub fn backend_error(&self) {
        self.backend_errors.inc();
    }
}

/// Label values escaped as the text format asks: `prometheus-client` writes them as they are, and names
/// are only safe today because the domain restricts them.
fn escaped(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn histogram() -> Histogram {
    Histogram::new(BUCKETS.into_iter())
}

/// Every route's statistics, kept across routing-table swaps.
pub struct Metrics {
    registry: Registry,
    requests: Family<ClassLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    backend_errors: Family<RouteLabels, Counter>,
    /// By (environment, project, API proxy).
    routes: Mutex<BTreeMap<(String, String, String), Arc<RouteStats>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<ClassLabels, Counter>::default();
        let durations = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(histogram);
        let backend_errors = Family::<RouteLabels, Counter>::default();
        registry.register(
            "portico_gateway_requests",
            "Requests answered by the gateway, by status class",
            requests.clone(),
        );
        registry.register(
            "portico_gateway_request_duration_seconds",
            "Time from request to response headers",
            durations.clone(),
        );
        registry.register(
            "portico_gateway_backend_errors",
            "Backend connections refused, failed or timed out",
            backend_errors.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            backend_errors,
            routes: Mutex::default(),
        }
    }
}

/// The process's metrics, shared by every environment served in it.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

impl Metrics {
    /// The statistics of a route; requests matching no proxy count under project and proxy "".
    pub fn route(&self, environment: &str, project: &str, proxy: &str) -> Arc<RouteStats> {
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let key = (environment.to_owned(), project.to_owned(), proxy.to_owned());
        if let Some(stats) = routes.get(&key) {
            return Arc::clone(stats);
        }
        let labels = RouteLabels {
            environment: escaped(&key.0),
            project: escaped(&key.1),
            proxy: escaped(&key.2),
        };
        let class = |n: usize| {
            self.requests
                .get_or_create(&ClassLabels {
                    environment: labels.environment.clone(),
                    project: labels.project.clone(),
                    proxy: labels.proxy.clone(),
                    class: format!("{n}xx"),
                })
                .clone()
        };
        let stats = Arc::new(RouteStats {
            classes: [class(1), class(2), class(3), class(4), class(5)],
            duration: self.durations.get_or_create(&labels).clone(),
            backend_errors: self.backend_errors.get_or_create(&labels).clone(),
            minutes: Mutex::default(),
            balancer: Mutex::new(Weak::new()),
        });
        routes.insert(key, Arc::clone(&stats));
        stats
    }

    /// What to tell the control plane about an environment's routes (every environment's, for `None`):
    /// the minutes of those that counted requests since the last report, and every backend that is not up
    /// (the control plane takes a backend it is not told about as up). Requests that matched no API proxy
    /// are left out.
    pub fn traffic(&self, environment: Option<&str>) -> TrafficReport {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let now = current_minute();
        let mut proxies = Vec::new();
        for ((env, project, proxy), stats) in routes.iter() {
            if environment.is_some_and(|e| e != env) || proxy.is_empty() {
                continue;
            }
            // This minute and the last, whole, every time: the control plane replaces what it had for a
            // minute, so a report that never arrived costs nothing once the next one does.
            let minutes: Vec<_> = stats
                .minutes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .recent()
                .into_iter()
                .filter(|m| m.minute >= now - 1)
                .collect();
            let backends: Vec<_> = stats
                .balancer
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .upgrade()
                .map(|b| b.health())
                .unwrap_or_default()
                .into_iter()
                .filter(|b| b.state != BackendState::Up)
                .collect();
            if minutes.is_empty() && backends.is_empty() {
                continue;
            }
            proxies.push(ProxyTrafficReport {
                project: project.clone(),
                proxy: proxy.clone(),
                minutes,
                backends,
            });
        }
        TrafficReport { proxies }
    }

    /// Every metric, in the OpenMetrics text format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!("cannot write the metrics: {e}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_written_with_their_labels() {
        let metrics = Metrics::default();
        let stats = metrics.route("test", "P", "p\"q");
        stats.observe(204, Duration::from_millis(3));
        stats.backend_error();
        let text = metrics.render();
        for line in [
            "portico_gateway_requests_total{environment=\"test\",project=\"P\",proxy=\"p\\\"q\",class=\"2xx\"} 1",
            "portico_gateway_request_duration_seconds_bucket{le=\"0.005\",environment=\"test\",project=\"P\",proxy=\"p\\\"q\"} 1",
            "portico_gateway_request_duration_seconds_bucket{le=\"+Inf\",environment=\"test\",project=\"P\",proxy=\"p\\\"q\"} 1",
            "portico_gateway_backend_errors_total{environment=\"test\",project=\"P\",proxy=\"p\\\"q\"} 1",
        ] {
            assert!(text.contains(line), "{line} not in\n{text}");
        }
    }

    #[test]
    fn a_traffic_report_has_the_recent_minutes_and_the_backends_in_trouble() {
        let metrics = Metrics::default();
        let address = |port: u16| deploy::model::RoutingAddress {
            address: format!("http://127.0.0.1:{port}"),
            weight: 1,
            soap_type: None,
        };
        let routing = deploy::model::Routing {
            algorithm: deploy::model::RoutingAlgorithm::RoundRobin,
            address_list: vec![address(9), address(10)],
        };
        let balancer = Arc::new(Balancer::new(&routing));
        let stats = metrics.route("staging", "P", "orders");
        stats.serve_with(&balancer);
        metrics
            .route("production", "P", "orders")
            .observe(200, Duration::from_millis(1));
        stats.observe(200, Duration::from_millis(1));
        stats.observe(503, Duration::from_millis(2));
        let report = metrics.traffic(Some("staging"));
        assert_eq!(report.proxies.len(), 1, "{report:?}");
        let orders = &report.proxies[0];
        assert_eq!((orders.project.as_str(), orders.proxy.as_str()), ("P", "orders"));
        let counted: u64 = orders.minutes.iter().map(|m| m.requests).sum();
        assert_eq!(counted, 2);
        assert!(orders.backends.is_empty(), "all up: nothing to say");
        // The next report says the same minutes again (a lost report loses nothing), now with the backend
        // in trouble.
        balancer.sit_out(1);
        let report = metrics.traffic(Some("staging"));
        let again: u64 = report.proxies[0].minutes.iter().map(|m| m.requests).sum();
        assert_eq!(again, 2);
        assert_eq!(report.proxies[0].backends.len(), 1);
        assert_eq!(report.proxies[0].backends[0].state, BackendState::SittingOut);
    }
}
