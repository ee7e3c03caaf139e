//! One API proxy: its configuration, where it is live, and deploying or undeploying it.

use deploy::model::{DeployOptions, DeploymentResult};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::project::{project_href, proxy_href, LiveList};
use crate::proxy_form::{ProxyForm, SaveProxy};
use crate::ConsoleError;

pub use deploy::model::ProxyPage as ProxyView;

#[server(endpoint = "load_proxy")]
pub async fn load_proxy(project: String, proxy: String) -> Result<ProxyView, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::pages::proxy_page(&cp, &actor, &project, &proxy).await?)
}

#[server(endpoint = "delete_proxy")]
pub async fn delete_proxy(project: String, proxy: String) -> Result<(), ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    deploy::proxies::delete_proxy(&cp, &actor, &project, &proxy).await?;
    Ok(())
}

#[server(endpoint = "deploy_proxy")]
pub async fn deploy_proxy(
    project: String,
    proxy: String,
    environment: String,
    options: DeployOptions,
) -> Result<DeploymentResult, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::deployments::deploy_proxy(&cp, &actor, &project, &proxy, &environment, &options).await?)
}

#[server(endpoint = "undeploy_proxy")]
pub async fn undeploy_proxy(
    project: String,
    proxy: String,
    environment: String,
    options: DeployOptions,
) -> Result<DeploymentResult, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::deployments::undeploy_proxy(&cp, &actor, &project, &proxy, &environment, &options).await?)
}

/// The project and proxy names in the current URL.
pub fn proxy_params() -> (Memo<String>, Memo<String>) {
    let params = use_params_map();
    (
        Memo::new(move |_| params.read().get("project").unwrap_or_default()),
        Memo::new(move |_| params.read().get("proxy").unwrap_or_default()),
    )
}

/// Breadcrumbs and the tabs of a proxy's pages.
#[component]
pub fn ProxyHeader(project: Memo<String>, proxy: Memo<String>, current: &'static str) -> impl IntoView {
    let tab = move |label: &'static str, href: String| {
        let here = label == current;
        view! { <a href=href aria-current=here.then_some("page")>{label}</a> }
    };
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/projects">"Projects"</a>
            " / "
            <a href=move || project_href(&project.get())>{project}</a>
            " / "
            <span>{proxy}</span>
        </nav>
        <h1>{proxy}</h1>
        <nav class="tabs" aria-label="API proxy">
            {move || tab("Configuration", proxy_href(&project.get(), &proxy.get()))}
            {move || tab("Deploy history", format!("{}/history", proxy_href(&project.get(), &proxy.get())))}
        </nav>
    }
}

#[component]
pub fn ProxyPage() -> impl IntoView {
    let (project, proxy) = proxy_params();
    let deploy = ServerAction::<DeployProxy>::new();
    let undeploy = ServerAction::<UndeployProxy>::new();
    let saved = ServerAction::<SaveProxy>::new();
    let saved_ok = crate::refresh::successes(saved);
    let details = Resource::new(
        move || {
            let versions = (deploy.version().get(), undeploy.version().get(), saved_ok.get());
            (project.get(), proxy.get(), versions)
        },
        |(project, proxy, _)| load_proxy(project, proxy),
    );
    view! {
        <Title text=move || format!("{} · Portico", proxy.get()) />
        <ProxyHeader project proxy current="Configuration" />
        <Transition fallback=|| view! { <p class="loading">"Loading the API proxy…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(d) => {
                        let may = d.rights.manage;
                        let export = format!("/console/files/projects/{}/apiProxies/{}/export", project.get_untracked(), proxy.get_untracked());
                        view! {
                            <DeployPanel project proxy details=d.clone() deploy undeploy />
                            <p class="actions">
                                {if d.rights.export_import {
                                    view! { <a class="button" href=export download>"Export as ZIP"</a> }.into_any()
                                } else {
                                    view! { <span class="reason">{crate::rights::lacking("EXPORT_IMPORT")}</span> }.into_any()
                                }}
                            </p>
                            <ProxyForm project existing=Some(d.proxy) environments=d.environments saved may />
                            <DeleteProxy project proxy may />
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Deploy or undeploy to one of the environments in the deploy list, with a description and the choice to
/// keep the record whatever the retention limit.
#[component]
fn DeployPanel(
    project: Memo<String>,
    proxy: Memo<String>,
    details: ProxyView,
    deploy: ServerAction<DeployProxy>,
    undeploy: ServerAction<UndeployProxy>,
) -> impl IntoView {
    let targets = details.proxy.deploy_list.clone();
    let environment = RwSignal::new(targets.first().cloned().unwrap_or_default());
    let description = RwSignal::new(String::new());
    let persistent = RwSignal::new(false);
    let may = details.rights.deploy;
    let options = move || DeployOptions {
        description: Some(description.get()).filter(|d| !d.trim().is_empty()),
        persistent: persistent.get(),
    };
    let on_deploy = move |_| {
        deploy.dispatch(DeployProxy {
            project: project.get(),
            proxy: proxy.get(),
            environment: environment.get(),
            options: options(),
        });
    };
    let on_undeploy = move |_| {
        let question = format!(
            "Undeploy {} from {}? It stops serving there at once.",
            proxy.get(),
            environment.get()
        );
        if window().confirm_with_message(&question).unwrap_or(false) {
            undeploy.dispatch(UndeployProxy {
                project: project.get(),
                proxy: proxy.get(),
                environment: environment.get(),
                options: options(),
            });
        }
    };
    let busy = move || deploy.pending().get() || undeploy.pending().get();
    let result = move || {
        let latest = if deploy.version().get() >= undeploy.version().get() {
            deploy.value().get()
        } else {
            undeploy.value().get()
        };
        latest.map(|r| match r {
            Ok(r) => view! { <DeployResultView result=r /> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <section class="card" aria-labelledby="deploy-title">
            <h2 id="deploy-title">"Deploy"</h2>
            <LiveList live=details.proxy.live.clone() />
            {if targets.is_empty() {
                view! { <p class="empty">"The deploy list is empty: add an environment to it before deploying."</p> }.into_any()
            } else {
                view! {
                    <div class="fields">
                        <div class="field">
                            <label for="deploy-environment">"Environment"</label>
                            <select id="deploy-environment" on:change=move |ev| environment.set(event_target_value(&ev)) prop:value=move || environment.get()>
                                {targets.iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field grow">
                            <label for="deploy-description">"Description of this deploy"</label>
                            <input id="deploy-description" maxlength="1000" bind:value=description placeholder="What changes, and why" />
                        </div>
                        <div class="field check">
                            <input id="deploy-persistent" type="checkbox" bind:checked=persistent />
                            <label for="deploy-persistent">"Keep this record"</label>
                        </div>
                    </div>
                    <div class="actions">
                        <button class="primary" on:click=on_deploy disabled=move || !may || busy()>
                            {move || if deploy.pending().get() { "Deploying…" } else { "Deploy" }}
                        </button>
                        <button on:click=on_undeploy disabled=move || !may || busy()>
                            {move || if undeploy.pending().get() { "Undeploying…" } else { "Undeploy" }}
                        </button>
                        {(!may).then(|| view! { <span class="reason">{crate::rights::lacking("DEPLOY_UNDEPLOY")}</span> })}
                    </div>
                }.into_any()
            }}
            <div role="status" aria-live="polite">{result}</div>
        </section>
    }
}

/// A deploy's answer: overall, then per environment.
#[component]
pub fn DeployResultView(result: DeploymentResult) -> impl IntoView {
    let class = if result.success { "notice" } else { "error" };
    view! {
        <div class=class>
            <p><strong>{result.message}</strong></p>
            <ul>
                {result.environment_results.into_iter().map(|e| view! {
                    <li>
                        <strong>{e.environment_name}</strong>
                        {if e.success { ": " } else { " (failed): " }}
                        {e.message}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// Deleting asks first, and is refused while the proxy is live anywhere (the server says so).
#[component]
fn DeleteProxy(project: Memo<String>, proxy: Memo<String>, may: bool) -> impl IntoView {
    let delete = ServerAction::<DeleteProxy>::new();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate(
                &crate::project::project_href(&project.get_untracked()),
                Default::default(),
            );
        }
    });
    let on_delete = move |_| {
        let question = format!(
            "Delete the API proxy {} and its deploy history? This cannot be undone.",
            proxy.get()
        );
        if window().confirm_with_message(&question).unwrap_or(false) {
            delete.dispatch(DeleteProxy {
                project: project.get(),
                proxy: proxy.get(),
            });
        }
    };
    view! {
        <section class="card danger" aria-labelledby="delete-title">
            <h2 id="delete-title">"Delete"</h2>
            <div class="actions">
                <button on:click=on_delete disabled=move || !may || delete.pending().get()>"Delete API proxy"</button>
                {(!may).then(|| view! { <span class="reason">{crate::rights::lacking("MANAGE")}</span> })}
            </div>
            {move || delete.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        </section>
    }
}
