//! An environment's routing table: what is live there, matched by the longest relative-path prefix.
//! A table is immutable; a change builds a new one and swaps it in whole.

use std::collections::HashMap;
use std::sync::Arc;

use deploy::model::{Cache, Cors, ProxySpec};
use deploy::model::{LiveSet, ServedRoute};
use http::Method;

use crate::balance::Balancer;
use crate::cache::ResponseCache;
use crate::metrics::{Metrics, RouteStats};

/// One API proxy as this gateway serves it.
#[derive(Debug)]
pub struct Route {
    pub project: String,
    pub proxy: String,
    pub revision: i64,
    pub spec: ProxySpec,
    /// Methods the proxy's group allows; empty for any.
    pub methods: Vec<Method>,
    pub cors: Option<Cors>,
    pub cache: Option<ResponseCache>,
    pub balancer: Arc<Balancer>,
    pub stats: Arc<RouteStats>,
}

#[derive(Debug, Default)]
pub struct Table {
    pub version: i64,
    /// (prefix, route), longest prefix first.
    prefixes: Vec<(String, Arc<Route>)>,
    routes: Vec<Arc<Route>>,
}

/// The proxy's own setting when it is on, else its group's.
fn effective<T: Clone>(own: &T, own_on: bool, group: Option<(&T, bool)>) -> Option<T> {
    if own_on {
        return Some(own.clone());
    }
    group.filter(|(_, on)| *on).map(|(g, _)| g.clone())
}

impl Table {
    /// The table before anything was loaded (a version no database has).
    pub fn empty() -> Table {
        Table {
            version: -1,
            ..Table::default()
        }
    }

    /// Builds the table for `live`. Routes whose revision did not change are carried over from `old`, so
    /// their balancer state (connections, sitting-out backends) and cache survive unrelated deploys.
    pub fn build(live: &LiveSet, old: &Table, metrics: &Metrics) -> Table {
        // Proxies are named per project: two projects' proxies of one name are two routes.
        let kept: HashMap<(&str, &str, i64), &Arc<Route>> = old
            .routes
            .iter()
            .map(|r| ((r.project.as_str(), r.proxy.as_str(), r.revision), r))
            .collect();
        let mut routes = Vec::with_capacity(live.routes.len());
        let mut prefixes = Vec::new();
        for l in &live.routes {
            let route = match kept.get(&(l.project.as_str(), l.proxy.as_str(), l.revision)) {
                Some(r) => Arc::clone(r),
                None => {
                    let spec = &l.snapshot.proxy;
                    let group = l.snapshot.group.as_ref().map(|g| &g.settings);
                    let stats = metrics.route(&live.environment, &l.project, &l.proxy);
                    let balancer = Arc::new(Balancer::new(&spec.routing));
                    stats.serve_with(&balancer);
                    Arc::new(Route {
                        project: l.project.clone(),
                        proxy: l.proxy.clone(),
                        revision: l.revision,
                        methods: group
                            .map(|g| {
                                g.client_route
                                    .method_list
                                    .iter()
                                    .filter_map(|m| Method::from_bytes(m.as_bytes()).ok())
                                    .collect()
                            })
                            .unwrap_or_default(),
                        cors: effective(
                            &spec.cors,
                            spec.cors.enabled,
                            group.map(|g| (&g.cors, g.cors.enabled)),
                        ),
                        cache: effective::<Cache>(
                            &spec.cache,
                            spec.cache.enabled,
                            group.map(|g| (&g.cache, g.cache.enabled)),
                        )
                        .map(|c| ResponseCache::new(&c)),
                        balancer,
                        stats,
                        spec: spec.clone(),
                    })
                }
            };
            // A group's client route paths put its members under them too: /group-path + /member-path.
            for prefix in l.snapshot.route_prefixes() {
                prefixes.push((prefix, Arc::clone(&route)));
            }
            routes.push(route);
        }
        prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Table {
            version: live.version,
            prefixes,
            routes,
        }
    }

    /// The route for a request path and the rest of the path after its prefix.
    pub fn find<'p>(&self, path: &'p str) -> Option<(&Arc<Route>, &'p str)> {
        self.prefixes.iter().find_map(|(prefix, route)| {
            let rest = path.strip_prefix(prefix.as_str())?;
            (rest.is_empty() || rest.starts_with('/') || prefix.is_empty()).then_some((route, rest))
        })
    }

    /// Every route, as the gateway reports it.
    pub fn served(&self) -> Vec<ServedRoute> {
        self.routes
            .iter()
            .map(|r| ServedRoute {
                project: r.project.clone(),
                proxy: r.proxy.clone(),
                revision: r.revision,
            })
            .collect()
    }
}
