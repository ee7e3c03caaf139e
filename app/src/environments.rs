//! Environments: the list (and, for system admins, a form to add one), and each environment's page with
//! what is live there and the batch publish form.

use deploy::model::{Environment, EnvironmentLive, EnvironmentNodes, EnvironmentType, NodeReport};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::layout::SignedIn;
use crate::publish::BatchPublish;
use crate::ConsoleError;

#[server(endpoint = "list_environments")]
pub async fn list_environments() -> Result<Vec<Environment>, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::environments::list_environments(&cp, &actor).await?)
}

#[server(endpoint = "create_environment")]
pub async fn create_environment(
    name: String,
    env_type: EnvironmentType,
    description: String,
    access_url: String,
) -> Result<Environment, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    let new = deploy::model::NewEnvironment {
        name,
        env_type,
        description,
        access_url: Some(access_url),
    };
    Ok(deploy::environments::create_environment(&cp, &actor, new).await?)
}

/// What the database says is live, and what the environment's gateway nodes say they serve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentView {
    pub live: EnvironmentLive,
    pub gateways: Vec<NodeReport>,
    /// Every node following the environment, local or remote, against what is live.
    pub nodes: EnvironmentNodes,
}

/// Nodes that have not reported for this long are taken as gone (they report every 3 s).
#[cfg(feature = "ssr")]
const GATEWAY_FRESH_SECONDS: i64 = 30;

#[server(endpoint = "load_environment")]
pub async fn load_environment(environment: String) -> Result<EnvironmentView, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(EnvironmentView {
        live: deploy::environments::environment_live(&cp, &actor, &environment).await?,
        gateways: deploy::gateway::gateway_status(&cp, &actor, &environment, GATEWAY_FRESH_SECONDS).await?,
        nodes: deploy::nodes::nodes_of_environment(&cp, &actor, &environment).await?,
    })
}

/// What the gateways serve of one proxy: its revisions, each with how many nodes serve it.
fn served_by_gateways(gateways: &[NodeReport], project: &str, proxy: &str) -> Vec<(i64, usize)> {
    let mut served: Vec<(i64, usize)> = Vec::new();
    for node in gateways {
        let mine = node
            .routes
            .iter()
            .filter(|r| r.project == project && r.proxy == proxy);
        for revision in mine.map(|r| &r.revision) {
            match served.iter_mut().find(|(r, _)| r == revision) {
                Some((_, n)) => *n += 1,
                None => served.push((*revision, 1)),
            }
        }
    }
    served
}

pub fn environment_href(name: &str) -> String {
    format!("/environments/{name}")
}

#[component]
pub fn EnvironmentsPage() -> impl IntoView {
    let create = ServerAction::<CreateEnvironment>::new();
    let list = Resource::new(move || create.version().get(), |_| list_environments());
    let me = SignedIn::expect().0;
    view! {
        <Title text="Environments · Portico" />
        <h1>"Environments"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                matches!(me.await, Ok(Some(u)) if u.system_admin).then(|| view! { <NewEnvironmentForm create /> })
            })}
        </Suspense>
        <Transition fallback=|| view! { <p class="loading">"Loading environments…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(envs) if envs.is_empty() => view! {
                        <p class="empty">"No environments you can see. A system admin creates them and assigns them to projects."</p>
                    }.into_any(),
                    Ok(envs) => view! {
                        <table class="list" aria-label="Environments">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Type"</th>
                                <th scope="col">"Access URL"</th><th scope="col" class="minor">"Description"</th>
                            </tr></thead>
                            <tbody>
                                {envs.into_iter().map(|e| view! {
                                    <tr>
                                        <td class="name"><a href=environment_href(&e.name)>{e.name.clone()}</a></td>
                                        <td>{e.env_type.as_str()}</td>
                                        <td><code>{e.access_url.unwrap_or_default()}</code></td>
                                        <td class="minor">{e.description}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NewEnvironmentForm(create: ServerAction<CreateEnvironment>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let env_type = RwSignal::new("TEST".to_owned());
    let description = RwSignal::new(String::new());
    let access_url = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let env_type = match env_type.get().as_str() {
            "PRODUCTION" => EnvironmentType::Production,
            "SANDBOX" => EnvironmentType::Sandbox,
            _ => EnvironmentType::Test,
        };
        create.dispatch(CreateEnvironment {
            name: name.get(),
            env_type,
            description: description.get(),
            access_url: access_url.get(),
        });
    };
    view! {
        <section class="card" aria-labelledby="new-environment-title">
            <h2 id="new-environment-title">"New environment"</h2>
            <form on:submit=submit>
                <div class="fields">
                    <div class="field">
                        <label for="environment-name">"Name"</label>
                        <input id="environment-name" required maxlength="100" bind:value=name />
                    </div>
                    <div class="field">
                        <label for="environment-type">"Type"</label>
                        <select id="environment-type" on:change=move |ev| env_type.set(event_target_value(&ev)) prop:value=move || env_type.get()>
                            <option value="TEST">"Test"</option>
                            <option value="SANDBOX">"Sandbox"</option>
                            <option value="PRODUCTION">"Production"</option>
                        </select>
                    </div>
                    <div class="field grow">
                        <label for="environment-url">"Access URL"</label>
                        <input id="environment-url" type="url" placeholder="https://api.example.com" bind:value=access_url />
                    </div>
                    <div class="field grow">
                        <label for="environment-description">"Description"</label>
                        <input id="environment-description" maxlength="1000" bind:value=description />
                    </div>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Create environment"</button>
                </div>
            </form>
            <div role="status">
                {move || create.value().get().map(|r| match r {
                    Ok(e) => view! { <p class="notice">"Environment " <strong>{e.name}</strong> " created."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </div>
        </section>
    }
}

#[component]
pub fn EnvironmentPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.read().get("environment").unwrap_or_default());
    let published = RwSignal::new(0u32);
    let live = Resource::new(
        move || (name.get(), published.get()),
        |(name, _)| load_environment(name),
    );
    // The form has its own copy, so refreshing what is live after a publish keeps the form and its results.
    let setup = Resource::new(move || name.get(), crate::publish::load_publish_form);
    view! {
        <Title text=move || format!("{} · Portico", name.get()) />
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/environments">"Environments"</a>
            " / "
            <span aria-current="page">{name}</span>
        </nav>
        <h1>{name}</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading what is live…"</p> }>
            {move || Suspend::new(async move {
                match live.await {
                    Ok(v) => view! {
                        <LiveHere live=v.live gateways=v.gateways />
                        <crate::gateway_nodes::GatewayNodes nodes=v.nodes />
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <Suspense>
            {move || Suspend::new(async move {
                setup.await.ok().map(|setup| view! { <BatchPublish setup published /> })
            })}
        </Suspense>
        <crate::node_tokens::NodeTokens environment=name />
    }
}

#[component]
fn LiveHere(live: EnvironmentLive, gateways: Vec<NodeReport>) -> impl IntoView {
    let env = live.environment;
    let rows: Vec<_> = live
        .projects
        .into_iter()
        .flat_map(|p| p.live.into_iter().map(move |l| (p.project.clone(), l)))
        .collect();
    view! {
        <p class="lead">
            {format!("{} environment", env.env_type.as_str().to_lowercase())}
            {env.access_url.clone().map(|url| view! { " at " <code>{url}</code> })}
        </p>
        <section aria-labelledby="live-title">
            <h2 id="live-title">"Live here"</h2>
            {if rows.is_empty() {
                view! { <p class="empty">"Nothing is live in this environment. Deploy an API proxy, or publish some below."</p> }.into_any()
            } else {
                view! {
                    <table class="list" aria-label="Live API proxies">
                        <thead><tr>
                            <th scope="col">"API proxy"</th><th scope="col">"Project"</th><th scope="col">"Revision"</th>
                            <th scope="col">"Gateway serves"</th><th scope="col" class="minor">"Deployed by"</th><th scope="col" class="minor">"When"</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|(project, l)| view! {
                                <tr>
                                    <td class="name">
                                        <a href=crate::project::proxy_href(&project, &l.proxy)>{l.proxy.clone()}</a>
                                        {l.redeploy_required.then(|| view! { <span class="badge warn">"redeploy required"</span> })}
                                    </td>
                                    <td>{project.clone()}</td>
                                    <td>{l.revision}</td>
                                    <td>{gateway_cell(served_by_gateways(&gateways, &project, &l.proxy), l.revision, gateways.len())}</td>
                                    <td class="minor">{l.deployed_by}</td>
                                    <td class="minor">{l.deployed_at.get(..19).unwrap_or_default().replace('T', " ")}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// "rev N" per revision the nodes serve, flagged when it is not the deployed one or not every node has it.
fn gateway_cell(served: Vec<(i64, usize)>, deployed: i64, nodes: usize) -> impl IntoView {
    if served.is_empty() {
        let text = if nodes == 0 { "unknown" } else { "not served" };
        return view! { <span class="badge warn">{text}</span> }.into_any();
    }
    served
        .into_iter()
        .map(|(revision, n)| {
            let behind = revision != deployed || n < nodes;
            let text = if nodes > 1 {
                format!("rev {revision} on {n} of {nodes}")
            } else {
                format!("rev {revision}")
            };
            view! { <span class:badge=behind class:warn=behind>{text}</span> " " }
        })
        .collect_view()
        .into_any()
}
