//! An API proxy's last hour per environment, drawn: requests per minute, 4xx and 5xx shares, p50 and p95
//! latency as small inline SVG charts, and each backend's state. The numbers come ready from the server
//! (the gateways count, the control plane adds up); the page only draws them, and asks again every
//! 15 seconds while it is in view.

use deploy::model::{BackendHealth, BackendState, EnvironmentTraffic};
use leptos::prelude::*;

use crate::ConsoleError;

#[server(endpoint = "load_traffic")]
pub async fn load_traffic(project: String, proxy: String) -> Result<Vec<EnvironmentTraffic>, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::traffic::proxy_traffic(&cp, &actor, &project, &proxy).await?)
}

/// How often a visible page asks again.
const REFRESH_MS: u64 = 15_000;
const WIDTH: f64 = 240.0;
const HEIGHT: f64 = 48.0;

/// A count that goes up every [`REFRESH_MS`] while the page is in view (never on the server, and not in a
/// hidden tab, so a forgotten tab costs the control plane nothing).
pub fn refresh_ticks() -> ReadSignal<u32> {
    let ticks = RwSignal::new(0u32);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if !document().hidden() {
                    ticks.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_millis(REFRESH_MS),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    ticks.read_only()
}

#[component]
pub fn TrafficPanel(project: Memo<String>, proxy: Memo<String>) -> impl IntoView {
    let ticks = refresh_ticks();
    let traffic = Resource::new(
        move || (project.get(), proxy.get(), ticks.get()),
        |(project, proxy, _)| load_traffic(project, proxy),
    );
    view! {
        <section class="card" aria-labelledby="traffic-title">
            <h2 id="traffic-title">"Traffic, last hour"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading traffic…"</p> }>
                {move || Suspend::new(async move {
                    match traffic.await {
                        Ok(envs) if envs.is_empty() => view! {
                            <p class="empty">"Not live anywhere, and no traffic in the last hour."</p>
                        }.into_any(),
                        Ok(envs) => envs.into_iter().map(|e| view! { <EnvironmentCharts traffic=e /> }).collect_view().into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn EnvironmentCharts(traffic: EnvironmentTraffic) -> impl IntoView {
    let s = traffic.summary.clone();
    let points = traffic.points;
    let pct = |v: Option<f64>| v.map_or("—".to_owned(), |p| format!("{p:.1} %"));
    let ms = |v: Option<u32>| v.map_or("—".to_owned(), |m| format!("{m} ms"));
    let requests: Vec<Option<f64>> = points.iter().map(|p| Some(p.requests as f64)).collect();
    let client: Vec<Option<f64>> = points.iter().map(|p| p.client_error_percent).collect();
    let server: Vec<Option<f64>> = points.iter().map(|p| p.server_error_percent).collect();
    let p50: Vec<Option<f64>> = points.iter().map(|p| p.p50_ms.map(f64::from)).collect();
    let p95: Vec<Option<f64>> = points.iter().map(|p| p.p95_ms.map(f64::from)).collect();
    let label = format!("Traffic in {}", traffic.environment);
    view! {
        <div class="traffic" role="group" aria-label=label>
            <h3>{traffic.environment.clone()}</h3>
            <div class="charts">
                <Chart title="Requests per minute"
                    caption=format!("{} in the hour, at most {} a minute", s.requests, s.peak_per_minute)
                    summary=format!("{} requests in the last hour, at most {} a minute", s.requests, s.peak_per_minute)
                    lines=vec![("requests", requests)] fixed_max=None />
                <Chart title="4xx share"
                    caption=format!("{} over the hour", pct(s.client_error_percent))
                    summary=format!("4xx answers: {} of the requests in the last hour", pct(s.client_error_percent))
                    lines=vec![("client-errors", client)] fixed_max=Some(100.0) />
                <Chart title="5xx share"
                    caption=format!("{} over the hour", pct(s.server_error_percent))
                    summary=format!("5xx answers: {} of the requests in the last hour", pct(s.server_error_percent))
                    lines=vec![("server-errors", server)] fixed_max=Some(100.0) />
                <Chart title="Latency p50 / p95"
                    caption=format!("{} / {} over the hour", ms(s.p50_ms), ms(s.p95_ms))
                    summary=format!("Latency over the last hour: p50 {}, p95 {}", ms(s.p50_ms), ms(s.p95_ms))
                    lines=vec![("p50", p50), ("p95", p95)] fixed_max=None />
            </div>
            <Backends backends=traffic.backends />
        </div>
    }
}

/// One small line chart of a value per minute; a minute without a value breaks the line.
#[component]
fn Chart(
    title: &'static str,
    caption: String,
    /// What a screen reader says instead of the drawing.
    summary: String,
    lines: Vec<(&'static str, Vec<Option<f64>>)>,
    /// The top of the scale, when it is not the largest value (percentages go to 100).
    fixed_max: Option<f64>,
) -> impl IntoView {
    let largest = lines
        .iter()
        .flat_map(|(_, values)| values.iter().flatten().copied())
        .fold(0.0_f64, f64::max);
    let top = fixed_max.unwrap_or(largest).max(1.0);
    let paths: Vec<(&'static str, String)> = lines
        .iter()
        .map(|(class, values)| (*class, path(values, top)))
        .collect();
    view! {
        <figure class="chart">
            <figcaption><strong>{title}</strong>" "<span class="muted">{caption}</span></figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img" aria-label=summary>
                <line class="axis" x1="0" y1=HEIGHT x2=WIDTH y2=HEIGHT />
                {paths.into_iter().map(|(class, d)| view! { <path class=format!("line {class}") d=d /> }).collect_view()}
            </svg>
        </figure>
    }
}

/// An SVG path through the values, left (oldest) to right, scaled so `top` is the chart's top.
fn path(values: &[Option<f64>], top: f64) -> String {
    let step = WIDTH / (values.len().max(2) - 1) as f64;
    let mut d = String::new();
    let mut drawing = false;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let (x, y) = (
                    i as f64 * step,
                    HEIGHT - (v / top).clamp(0.0, 1.0) * (HEIGHT - 2.0) - 1.0,
                );
                d.push_str(&format!("{}{x:.1},{y:.1} ", if drawing { "L" } else { "M" }));
                drawing = true;
            }
            None => drawing = false,
        }
    }
    d
}

#[component]
fn Backends(backends: Vec<BackendHealth>) -> impl IntoView {
    if backends.is_empty() {
        return view! { <p class="muted">"No backends configured."</p> }.into_any();
    }
    view! {
        <table class="list backends" aria-label="Backends">
            <thead><tr><th scope="col">"Backend"</th><th scope="col">"State"</th></tr></thead>
            <tbody>
                {backends.into_iter().map(|b| {
                    let (word, class) = match b.state {
                        BackendState::Up => ("Up", "badge ok"),
                        BackendState::SittingOut => ("Sitting out after failures", "badge warn"),
                        BackendState::Unreachable => ("Unreachable", "badge bad"),
                    };
                    let nodes = (b.state != BackendState::Up && b.nodes > 1)
                        .then(|| format!(" on {} of {} nodes", b.nodes_in_state, b.nodes));
                    view! {
                        <tr>
                            <td class="name"><code>{b.address}</code></td>
                            <td><span class=class>{word}</span>{nodes}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
