//! Where an operator lands after signing in: per environment what is live (and drifted from its
//! configuration) and how its gateways stand, the latest deploys, what fails now, and for a new installation
//! the first steps. One read (`deploy::overview`), asked again every 15 seconds while the tab is in view.

use deploy::model::{Action, EnvironmentOverview, FailingProxy, Failure, FirstSteps, Overview, RecentDeploy};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::gateway_nodes::when;
use crate::ConsoleError;

#[server(endpoint = "load_overview")]
pub async fn load_overview() -> Result<Overview, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::overview::overview(&cp, &actor).await?)
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let ticks = crate::traffic::refresh_ticks();
    let overview = Resource::new(move || ticks.get(), |_| load_overview());
    view! {
        <Title text="Overview · Portico" />
        <h1>"Overview"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading the overview…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! { <OverviewView overview=o /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OverviewView(overview: Overview) -> impl IntoView {
    let Overview {
        environments,
        recent,
        failing,
        first_steps,
    } = overview;
    view! {
        {first_steps.map(|steps| view! { <FirstStepsCard steps=steps /> })}
        <section aria-labelledby="failing-title" class="card">
            <h2 id="failing-title">"Failing now"</h2>
            <FailingList failing=failing />
        </section>
        <section aria-labelledby="environments-title">
            <h2 id="environments-title">"Environments"</h2>
            {if environments.is_empty() {
                view! { <p class="empty">"None of your projects uses an environment yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="environment-cards">
                        {environments.into_iter().map(|e| view! { <EnvironmentCard environment=e /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="recent-title" class="card">
            <h2 id="recent-title">"Recent deploys"</h2>
            <RecentList recent=recent />
        </section>
    }
}

#[component]
fn EnvironmentCard(environment: EnvironmentOverview) -> impl IntoView {
    let e = environment;
    let href = format!("/environments/{}", e.name);
    let live = match (e.live, e.drifted) {
        (0, _) => "Nothing of your projects is live here.".to_owned(),
        (n, 0) => format!("{n} API {} live, all as configured.", proxies(n)),
        (n, d) => format!("{n} API {} live; {d} changed since deployed.", proxies(n)),
    };
    let n = e.nodes;
    let (gateways, attention) = match (n.in_sync, n.behind, n.unreachable) {
        (0, 0, 0) => ("No gateway node follows it yet.".to_owned(), true),
        (s, 0, 0) => (format!("{s} gateway {} in sync.", nodes(s)), false),
        (s, b, u) => {
            let mut parts = vec![format!("{s} in sync")];
            if b > 0 {
                parts.push(format!("{b} behind"));
            }
            if u > 0 {
                parts.push(format!("{u} unreachable"));
            }
            (format!("Gateway nodes: {}.", parts.join(", ")), true)
        }
    };
    view! {
        <li class="card environment-card" aria-label=format!("Environment {}", e.name)>
            <h3>
                <a href=href>{e.name.clone()}</a>
                {e.production.then(|| view! { <span class="badge warn">"production"</span> })}
            </h3>
            <p>{live}</p>
            <p class:attention=attention>{gateways}</p>
            {e.access_url.map(|url| view! { <p class="muted">"Served at " <code>{url}</code></p> })}
        </li>
    }
}

fn proxies(n: u32) -> &'static str {
    if n == 1 {
        "proxy"
    } else {
        "proxies"
    }
}

fn nodes(n: u32) -> &'static str {
    if n == 1 {
        "node"
    } else {
        "nodes"
    }
}

#[component]
fn FailingList(failing: Vec<FailingProxy>) -> impl IntoView {
    if failing.is_empty() {
        return view! { <p class="empty">"Nothing live is failing."</p> }.into_any();
    }
    view! {
        <table class="list" aria-label="Failing now">
            <thead><tr>
                <th scope="col">"API proxy"</th><th scope="col">"Environment"</th><th scope="col">"Why"</th>
            </tr></thead>
            <tbody>
                {failing.into_iter().map(|f| {
                    let href = format!("/projects/{}/proxies/{}", f.project, f.proxy);
                    let why = match f.why {
                        Failure::ServerErrors { percent, requests, minutes } => format!(
                            "{percent:.1} % of {requests} requests answered 5xx in the last {minutes} minutes"
                        ),
                        Failure::NoReachableBackend => "No backend answers".to_owned(),
                    };
                    view! {
                        <tr>
                            <td class="name"><a href=href>{f.proxy}</a><span class="muted">" in " {f.project}</span></td>
                            <td>{f.environment}</td>
                            <td><span class="badge bad">{why}</span></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn action_words(action: Action) -> &'static str {
    match action {
        Action::Deploy => "Deployed",
        Action::Undeploy => "Undeployed",
        Action::Rollback => "Rolled back",
        Action::Import => "Imported",
    }
}

#[component]
fn RecentList(recent: Vec<RecentDeploy>) -> impl IntoView {
    if recent.is_empty() {
        return view! { <p class="empty">"No deploys yet."</p> }.into_any();
    }
    view! {
        <table class="list" aria-label="Recent deploys">
            <thead><tr>
                <th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"API proxy"</th>
                <th scope="col">"Environment"</th><th scope="col" class="minor">"By"</th>
                <th scope="col" class="minor">"Description"</th>
            </tr></thead>
            <tbody>
                {recent.into_iter().map(|r| {
                    let href = format!("/projects/{}/proxies/{}/history", r.project, r.proxy);
                    view! {
                        <tr>
                            <td>{when(&r.at)}</td>
                            <td>{action_words(r.action)} " rev " {r.revision}</td>
                            <td class="name"><a href=href>{r.proxy}</a><span class="muted">" in " {r.project}</span></td>
                            <td>{r.environment.unwrap_or_else(|| "—".into())}</td>
                            <td class="minor">{r.username}</td>
                            <td class="minor">{r.description}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn FirstStepsCard(steps: FirstSteps) -> impl IntoView {
    let FirstSteps {
        project,
        proxy,
        environment,
        curl,
    } = steps;
    let project_step = match &project {
        Some(p) => view! { "Work in project " <a href=format!("/projects/{p}")>{p.clone()}</a> "." }.into_any(),
        None => view! { "Ask a system admin for a project, or create one on the " <a href="/projects">"Projects"</a> " page." }.into_any(),
    };
    let proxy_step = match (&project, &proxy) {
        (Some(p), Some(x)) => view! { "Its API proxy " <a href=format!("/projects/{p}/proxies/{x}")>{x.clone()}</a> " routes to your backends." }.into_any(),
        (Some(p), None) => view! { "Create an API proxy with your backend's address in " <a href=format!("/projects/{p}")>{p.clone()}</a> "." }.into_any(),
        _ => view! { "Create an API proxy with your backend's address." }.into_any(),
    };
    let deploy_step = match environment {
        Some(e) => format!("Deploy it to {e} from the API proxy's page."),
        None => "Have a system admin assign an environment to the project, then deploy to it.".to_owned(),
    };
    let call_step = match curl {
        Some(c) => {
            view! { "Call it through the gateway: " <pre class="command"><code>{c}</code></pre> }.into_any()
        }
        None => {
            view! { "Call it through the environment's gateway, once the environment has an access URL." }
                .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="first-steps-title">
            <h2 id="first-steps-title">"First steps"</h2>
            <p class="muted">"Nothing of yours is live yet. Four steps to a first answer through a gateway:"</p>
            <ol class="first-steps">
                <li>{project_step}</li>
                <li>{proxy_step}</li>
                <li>{deploy_step}</li>
                <li>{call_step}</li>
            </ol>
        </section>
    }
}
