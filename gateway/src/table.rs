//! An environment's routing table: what is live there, matched by the longest relative-path prefix.
//! A table is immutable; a change builds a new one and swaps it in whole.

use std::collections::HashMap;
use std::sync::Arc;

use deploy::gateway::LiveSet;
use deploy::model::{Cache, Cors, ProxySpec};
use http::Method;

use crate::balance::Balancer;
use crate::cache::ResponseCache;
use crate::metrics::{Metrics, RouteStats};

/// One API proxy as this gateway serves it.
#[derive(Debug)]
pub struct Route {
    pub proxy: String,
    pub revision: i64,
    pub spec: ProxySpec,
    /// Methods the proxy's group allows; empty for any.
    pub methods: Vec<Method>,
    pub cors: Option<Cors>,
    pub cache: Option<ResponseCache>,
    pub balancer: Balancer,
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
        let kept: HashMap<(&str, i64), &Arc<Route>> = old
            .routes
            .iter()
            .map(|r| ((r.proxy.as_str(), r.revision), r))
            .collect();
        let mut routes = Vec::with_capacity(live.routes.len());
        let mut prefixes = Vec::new();
        for l in &live.routes {
            let route = match kept.get(&(l.proxy.as_str(), l.revision)) {
                Some(r) => Arc::clone(r),
                None => {
                    let spec = &l.snapshot.proxy;
                    let group = l.snapshot.group.as_ref().map(|g| &g.settings);
                    Arc::new(Route {
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
                        balancer: Balancer::new(&spec.routing),
                        stats: metrics.route(&live.environment, &l.proxy),
                        spec: spec.clone(),
                    })
                }
            };
            let own = route.spec.relative_path.trim_end_matches('/').to_owned();
            // A group's client route paths put its members under them too: /group-path + /member-path.
            if let Some(g) = &l.snapshot.group {
                for base in &g.settings.client_route.relative_path_list {
                    prefixes.push((format!("{}{own}", base.trim_end_matches('/')), Arc::clone(&route)));
                }
            }
            prefixes.push((own, Arc::clone(&route)));
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

    /// (API proxy, revision) of every route, as the gateway reports it.
    pub fn served(&self) -> Vec<(String, i64)> {
        self.routes
            .iter()
            .map(|r| (r.proxy.clone(), r.revision))
            .collect()
    }
}
