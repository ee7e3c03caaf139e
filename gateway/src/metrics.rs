//! Request counts, status classes, latency histograms and backend errors per environment and API proxy,
//! in Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Default)]
pub struct RouteStats {
    /// Responses by status class: 1xx to 5xx.
    classes: [AtomicU64; 5],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
    backend_errors: AtomicU64,
}

impl RouteStats {
    pub fn observe(&self, status: u16, elapsed: Duration) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.classes[class].fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|&b| seconds <= b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn backend_error(&self) {
        self.backend_errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// Every route's statistics, kept across routing-table swaps.
#[derive(Debug, Default)]
pub struct Metrics {
    /// By (environment, project, API proxy).
    routes: Mutex<BTreeMap<(String, String, String), Arc<RouteStats>>>,
}

/// The process's metrics, shared by every environment served in it.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

/// Label values are escaped as the text format asks.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// The statistics of a route; requests matching no proxy count under project and proxy "".
    pub fn route(&self, environment: &str, project: &str, proxy: &str) -> Arc<RouteStats> {
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            routes
                .entry((environment.to_owned(), project.to_owned(), proxy.to_owned()))
                .or_default(),
        )
    }

    pub fn render(&self) -> String {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut out = String::new();
        out.push_str(
            "# HELP portico_gateway_requests_total Requests answered by the gateway, by status class.\n",
        );
        out.push_str("# TYPE portico_gateway_requests_total counter\n");
        for ((env, project, proxy), s) in &routes {
            for (i, c) in s.classes.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "portico_gateway_requests_total{{environment=\"{}\",project=\"{}\",proxy=\"{}\",class=\"{}xx\"}} {}",
                    label(env),
                    label(project),
                    label(proxy),
                    i + 1,
                    c.load(Ordering::Relaxed)
                );
            }
        }
        out.push_str(
            "# HELP portico_gateway_request_duration_seconds Time from request to response headers.\n",
        );
        out.push_str("# TYPE portico_gateway_request_duration_seconds histogram\n");
        for ((env, project, proxy), s) in &routes {
            let labels = format!(
                "environment=\"{}\",project=\"{}\",proxy=\"{}\"",
                label(env),
                label(project),
                label(proxy)
            );
            let mut cumulative = 0;
            for (i, b) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "portico_gateway_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {cumulative}"
                );
            }
            let count = s.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "portico_gateway_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let sum = s.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "portico_gateway_request_duration_seconds_sum{{{labels}}} {sum}"
            );
            let _ = writeln!(
                out,
                "portico_gateway_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        out.push_str(
            "# HELP portico_gateway_backend_errors_total Backend connections refused, failed or timed out.\n",
        );
        out.push_str("# TYPE portico_gateway_backend_errors_total counter\n");
        for ((env, project, proxy), s) in &routes {
            let _ = writeln!(
                out,
                "portico_gateway_backend_errors_total{{environment=\"{}\",project=\"{}\",proxy=\"{}\"}} {}",
                label(env),
                label(project),
                label(proxy),
                s.backend_errors.load(Ordering::Relaxed)
            );
        }
        out
    }
}
