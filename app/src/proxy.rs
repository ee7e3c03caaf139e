//! One API proxy: its configuration, where it is live, and deploying or undeploying it.

use deploy::model::{DeployOptions, DeploymentResult};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
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

/// `confirmed`: the person agreed to a change to a production-type environment (the page's question, or,
/// before the page's code arrived, the form's box).
#[server(endpoint = "deploy_proxy")]
pub async fn deploy_proxy(
    project: String,
    proxy: String,
    environment: String,
    options: DeployOptions,
    #[server(default)] confirmed: bool,
) -> Result<DeploymentResult, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    unconfirmed_production(&cp, &actor, &project, &environment, confirmed).await?;
    plain_form_outcome(
        deploy::deployments::deploy_proxy(&cp, &actor, &project, &proxy, &environment, &options).await?,
    )
}

#[server(endpoint = "undeploy_proxy")]
pub async fn undeploy_proxy(
    project: String,
    proxy: String,
    environment: String,
    options: DeployOptions,
    #[server(default)] confirmed: bool,
) -> Result<DeploymentResult, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    unconfirmed_production(&cp, &actor, &project, &environment, confirmed).await?;
    plain_form_outcome(
        deploy::deployments::undeploy_proxy(&cp, &actor, &project, &proxy, &environment, &options).await?,
    )
}

/// A plain form cannot ask first, so its production changes need the form's box ticked. (The page's code
/// asks in a dialog, and says so with `confirmed`.)
#[cfg(feature = "ssr")]
pub(crate) async fn unconfirmed_production(
    cp: &deploy::ControlPlane,
    actor: &deploy::Actor,
    project: &str,
    environment: &str,
    confirmed: bool,
) -> Result<(), ConsoleError> {
    if confirmed {
        return Ok(());
    }
    let production = deploy::environments::project_environments(cp, actor, project)
        .await?
        .into_iter()
        .any(|e| {
            e.environment.name == environment
                && e.environment.env_type == deploy::model::EnvironmentType::Production
        });
    if production {
        return Err(ConsoleError::Refused(format!(
            "{environment} is a production environment: tick the box “I have checked what this changes” to go ahead."
        )));
    }
    Ok(())
}

/// A plain form's answer is not shown (the page is loaded again), so a deploy that was refused in an
/// environment comes back as the error it is.
#[cfg(feature = "ssr")]
pub(crate) fn plain_form_outcome(result: DeploymentResult) -> Result<DeploymentResult, ConsoleError> {
    if result.success || !crate::error::plain_form_post() {
        return Ok(result);
    }
    let details: Vec<String> = result
        .environment_results
        .iter()
        .filter(|e| !e.success)
        .map(|e| format!("{}: {}", e.environment_name, e.message))
        .collect();
    Err(ConsoleError::Refused(format!(
        "{} {}",
        result.message,
        details.join(" ")
    )))
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
    // Outside the page's Suspense, so the environment chosen for a deploy stays chosen when the page
    // reloads its data after the deploy.
    let chosen = RwSignal::new(None::<String>);
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
        // Beside the page's data, not under its suspense: the panel has its own resource, which it asks
        // again on its own.
        <crate::traffic::TrafficPanel project proxy />
        <Transition fallback=|| view! { <p class="loading">"Loading the API proxy…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(d) => {
                        let may = d.rights.manage;
                        let export = format!("/console/files/projects/{}/apiProxies/{}/export", project.get_untracked(), proxy.get_untracked());
                        view! {
                            <DeployPanel project proxy details=d.clone() deploy undeploy chosen />
                            <p class="actions">
                                {if d.rights.export_import {
                                    view! { <a class="button" href=export download>"Export as ZIP"</a> }.into_any()
                                } else {
                                    view! { <span class="reason">{crate::rights::lacking("EXPORT_IMPORT")}</span> }.into_any()
                                }}
                            </p>
                            <ProxyForm project existing=Some(d.proxy) environments=d.environments production=d.production saved may />
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
    chosen: RwSignal<Option<String>>,
) -> impl IntoView {
    let targets = details.proxy.deploy_list.clone();
    let first = chosen
        .get_untracked()
        .filter(|c| targets.contains(c))
        .or_else(|| targets.first().cloned())
        .unwrap_or_default();
    let environment = RwSignal::new(first);
    let production = StoredValue::new(details.production.clone());
    let is_production = move |env: &str| production.with_value(|p| p.iter().any(|e| e == env));
    let live = StoredValue::new(details.proxy.live.clone());
    let description = RwSignal::new(String::new());
    let persistent = RwSignal::new(false);
    // The fields are the truth until the page's code arrives: whatever was chosen or typed before then is
    // read into the signals once it runs (the fields are never written from the signals, which would wipe it).
    let (env_field, description_field, keep_field) = (
        NodeRef::<leptos::html::Select>::new(),
        NodeRef::<leptos::html::Input>::new(),
        NodeRef::<leptos::html::Input>::new(),
    );
    Effect::new(move |_| {
        if let Some(field) = env_field.get() {
            environment.set(field.value());
        }
        if let Some(field) = description_field.get() {
            description.set(field.value());
        }
        if let Some(field) = keep_field.get() {
            persistent.set(field.checked());
        }
    });
    let may = details.rights.deploy;
    // A deploy or undeploy writes a record; when the history is full, it pushes the oldest out.
    let (pushes_out, limit) = (details.next_record_pushes_out, details.history_limit);
    let retention = move || {
        pushes_out.filter(|_| !persistent.get()).map(|r| {
            view! { <p class="field-warning" role="note">{crate::history::retention_warning(&[r], limit)}</p> }
        })
    };
    let options = move || DeployOptions {
        description: Some(description.get()).filter(|d| !d.trim().is_empty()),
        persistent: persistent.get(),
    };
    // Sent once the page asked where it must (or needed not): the server then asks nothing more.
    let send_deploy = move || {
        deploy.dispatch(DeployProxy {
            project: project.get_untracked(),
            proxy: proxy.get_untracked(),
            environment: environment.get_untracked(),
            options: options(),
            confirmed: true,
        });
    };
    // A production-type environment asks first, naming what the deploy changes there.
    let on_deploy = move |ev: leptos::ev::MouseEvent| {
        // Once the page runs, the buttons act here (asking first where needed); before that, and with
        // scripts off, the form posts itself to the same server functions.
        ev.prevent_default();
        let env = environment.get();
        if !is_production(&env) {
            return send_deploy();
        }
        let live_revision = live.with_value(|l| l.iter().find(|d| d.environment == env).map(|d| d.revision));
        let (project, proxy) = (project.get(), proxy.get());
        leptos::task::spawn_local(async move {
            let changes = match live_revision {
                None => Ok(None),
                Some(r) => crate::history::diff_revision(project.clone(), proxy.clone(), r, None)
                    .await
                    .map(|d| Some(d.changes)),
            };
            let question = production_question(&proxy, &env, live_revision, changes);
            if window().confirm_with_message(&question).unwrap_or(false) {
                send_deploy();
            }
        });
    };
    let on_undeploy = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let env = environment.get();
        let kind = if is_production(&env) {
            " (a production environment)"
        } else {
            ""
        };
        let question = format!(
            "Undeploy {} from {env}{kind}? It stops serving there at once.",
            proxy.get()
        );
        if window().confirm_with_message(&question).unwrap_or(false) {
            undeploy.dispatch(UndeployProxy {
                project: project.get(),
                proxy: proxy.get(),
                environment: environment.get(),
                options: options(),
                confirmed: true,
            });
        }
    };
    let busy = move || deploy.pending().get() || undeploy.pending().get();
    let result = move || {
        let latest = match (deploy.version().get(), undeploy.version().get()) {
            (d, u) if d > u => deploy.value().get(),
            (d, u) if u > d => undeploy.value().get(),
            // Neither ran in this page: a plain form's refusal, carried back in the address.
            _ => deploy.value().get().or_else(|| undeploy.value().get()),
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
                    <form method="post" action=DeployProxy::url() aria-label="Deploy or undeploy">
                    <input type="hidden" name="project" value=project.get_untracked() />
                    <input type="hidden" name="proxy" value=proxy.get_untracked() />
                    <div class="fields">
                        <div class="field">
                            <label for="deploy-environment">"Environment"</label>
                            <select id="deploy-environment" name="environment" node_ref=env_field
                                on:change=move |ev| {
                                    let env = event_target_value(&ev);
                                    chosen.set(Some(env.clone()));
                                    environment.set(env);
                                }>
                                {targets.iter().map(|t| {
                                    let label = if is_production(t) { format!("{t} (production)") } else { t.clone() };
                                    let selected = *t == environment.get_untracked();
                                    view! { <option value=t.clone() selected=selected>{label}</option> }
                                }).collect_view()}
                            </select>
                            {move || is_production(&environment.get()).then(|| view! {
                                <span class="badge warn" role="note">"Production: a deploy or undeploy here asks first"</span>
                            })}
                        </div>
                        <div class="field grow">
                            <label for="deploy-description">"Description of this deploy"</label>
                            <input id="deploy-description" name="options[description]" maxlength="1000" node_ref=description_field
                                on:input=move |ev| description.set(event_target_value(&ev)) placeholder="What changes, and why" />
                        </div>
                        <div class="field check">
                            <input id="deploy-persistent" name="options[persistent]" value="true" type="checkbox" node_ref=keep_field
                                on:change=move |ev| persistent.set(event_target_checked(&ev)) />
                            <label for="deploy-persistent">"Keep this record"</label>
                        </div>
                    </div>
                    {retention}
                    // What a plain form (before the page's code arrives) has instead of the page's question.
                    {(!production.with_value(Vec::is_empty)).then(|| view! {
                        <div class="field check plain-only">
                            <input id="deploy-confirmed" name="confirmed" value="true" type="checkbox" />
                            <label for="deploy-confirmed">"I have checked what this changes in production"</label>
                        </div>
                    })}
                    <div class="actions">
                        <button type="submit" class="primary" on:click=on_deploy disabled=move || !may || busy()>
                            {move || if deploy.pending().get() { "Deploying…" } else { "Deploy" }}
                        </button>
                        <button type="submit" formaction=UndeployProxy::url() on:click=on_undeploy disabled=move || !may || busy()>
                            {move || if undeploy.pending().get() { "Undeploying…" } else { "Undeploy" }}
                        </button>
                        {(!may).then(|| view! { <span class="reason">{crate::rights::lacking("DEPLOY_UNDEPLOY")}</span> })}
                    </div>
                    </form>
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

/// The question before a deploy to a production-type environment: what it replaces and which fields change.
fn production_question(
    proxy: &str,
    env: &str,
    live_revision: Option<i64>,
    changes: Result<Option<Vec<deploy::model::FieldChange>>, ConsoleError>,
) -> String {
    use deploy::model::ChangeKind;
    let head = format!("Deploy {proxy} to {env}, a production environment?");
    let body = match (live_revision, changes) {
        (None, _) => format!("Nothing of {proxy} is live in {env} yet: it starts serving there."),
        (Some(r), Ok(Some(changes))) if changes.is_empty() => {
            format!("It replaces revision {r}, which has the same configuration.")
        }
        (Some(r), Ok(Some(changes))) => {
            // The diff runs from the current configuration to the live revision; the deploy goes the other way.
            let lines: Vec<String> = changes
                .iter()
                .take(12)
                .map(|c| {
                    let label = crate::history::field_label(&c.path);
                    match c.kind {
                        ChangeKind::Added => format!("• {label} (removed)"),
                        ChangeKind::Removed => format!("• {label} (added)"),
                        ChangeKind::Changed => format!("• {label}"),
                    }
                })
                .collect();
            let more = changes.len().saturating_sub(lines.len());
            let more = if more > 0 {
                format!("\n…and {more} more")
            } else {
                String::new()
            };
            format!(
                "It replaces revision {r}. What changes there:\n{}{more}",
                lines.join("\n")
            )
        }
        (Some(r), _) => format!("It replaces revision {r} (what changes could not be read)."),
    };
    format!("{head}\n\n{body}")
}
