//! The API proxy form: create one on the project page, edit one on its page. Messages appear next to the
//! field they are about; the server checks everything again.

use deploy::model::{
    name_rule, ApiProxy, ApiType, DeploymentResult, ProxySpec, Routing, RoutingAlgorithm, MAX_NAME,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::backend_rows::{BackendEditor, BackendRows};
use crate::cors_cache::{CacheRow, CorsCacheFields, CorsRow, CORS_CACHE_FIELDS};
use crate::field_errors::{FieldError, FieldErrors, FormErrors};
use crate::routing_algorithms::{algorithm_name, ALGORITHMS};
use crate::ConsoleError;

/// The form's own fields that show messages beside them (with the CORS and cache rows' fields); a message
/// about any other goes under the form.
const OWN_FIELDS: [&str; 5] = [
    "apiProxyName",
    "relativePath",
    "description",
    "routing.addressList",
    "deployList",
];

/// What a save answered: the proxy as saved, and for "Save and deploy" the deploy's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub proxy: ApiProxy,
    pub deployed: Option<DeploymentResult>,
}

/// `deploy_to`: also deploy what is saved there, in the same step (editing only). `confirmed`: the person
/// agreed to a change to a production-type environment.
#[server(endpoint = "save_proxy")]
pub async fn save_proxy(
    project: String,
    name: String,
    create: bool,
    spec: ProxySpec,
    // A form with no environment ticked sends no list at all: that is an empty list, not a missing field.
    #[server(default)] deploy_list: Vec<String>,
    #[server(default)] deploy_to: Option<String>,
    #[server(default)] confirmed: bool,
) -> Result<Saved, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    if let Some(environment) = deploy_to.filter(|_| !create) {
        crate::proxy::unconfirmed_production(&cp, &actor, &project, &environment, confirmed).await?;
        let options = deploy::model::DeployOptions {
            description: Some("Saved and deployed from the console".into()),
            persistent: false,
        };
        let (proxy, result) = deploy::deployments::save_and_deploy(
            &cp,
            &actor,
            &project,
            &name,
            spec,
            Some(&deploy_list),
            &environment,
            &options,
        )
        .await?;
        return Ok(Saved {
            proxy,
            deployed: Some(result),
        });
    }
    let proxy = if create {
        deploy::proxies::create_proxy(&cp, &actor, &project, &name, spec, &deploy_list).await?
    } else {
        deploy::proxies::update_proxy(&cp, &actor, &project, &name, spec, Some(&deploy_list)).await?
    };
    Ok(Saved {
        proxy,
        deployed: None,
    })
}

/// Where the path would overlap one live under another proxy, per environment of the deploy list: the form
/// warns before the save, as the deploy would refuse.
#[server(endpoint = "path_conflicts")]
pub async fn path_conflicts(
    project: String,
    #[server(default)] proxy: Option<String>,
    relative_path: String,
    #[server(default)] environments: Vec<String>,
) -> Result<Vec<String>, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::live_paths::path_conflicts(
        &cp,
        &actor,
        &project,
        proxy.as_deref(),
        &relative_path,
        &environments,
    )
    .await?)
}

pub(crate) fn list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `existing` is the proxy being edited; `None` makes a create form.
#[component]
pub fn ProxyForm(
    project: Memo<String>,
    existing: Option<ApiProxy>,
    environments: Vec<String>,
    saved: ServerAction<SaveProxy>,
    #[prop(into)] may: Signal<bool>,
    /// Those of `environments` of the PRODUCTION type: "Save and deploy" there asks first.
    #[prop(optional)]
    production: Vec<String>,
) -> impl IntoView {
    let create = existing.is_none();
    let start = existing.clone().map(|p| p.spec).unwrap_or_default();
    let name = RwSignal::new(existing.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let description = RwSignal::new(start.description.clone());
    let path = RwSignal::new(start.relative_path.clone());
    let soap = RwSignal::new(start.api_type == ApiType::Soap);
    let algorithm = RwSignal::new(algorithm_name(start.routing.algorithm).to_owned());
    let backends = BackendRows::new(&start.routing.address_list);
    let weighted =
        Signal::derive(move || algorithm.get() == algorithm_name(RoutingAlgorithm::WeightedRoundRobin));
    let maintenance = RwSignal::new(start.maintenance_mode);
    let cors_cache = CorsCacheFields::new(&start.cors, &start.cache);
    let deploy_list = RwSignal::new(
        existing
            .as_ref()
            .map(|p| p.deploy_list.clone())
            .unwrap_or_default(),
    );
    let production = StoredValue::new(production);
    let errors = FieldErrors::new();
    let refused = Signal::derive(move || saved.value().get().and_then(Result::err));
    errors.follow(refused);
    // Asked in the browser only, as the path or the deploy list changes. Read only once the page runs in
    // the browser: on the server a local resource never resolves, and reading it inside the page's
    // Suspense kept the server's answer from ever carrying the page (it streamed "Loading…" and stopped).
    let in_browser = RwSignal::new(false);
    Effect::new(move |_| in_browser.set(true));
    let conflicts = LocalResource::new(move || {
        let (project, proxy, path, environments) = (project.get(), name.get(), path.get(), deploy_list.get());
        // Only those who may save are warned; the question needs the same permission.
        let may_save = may.get();
        async move {
            let path = path.trim().to_owned();
            if !may_save || path.len() < 2 || environments.is_empty() {
                return Vec::new();
            }
            let proxy = (!proxy.trim().is_empty()).then(|| proxy.trim().to_owned());
            path_conflicts(project, proxy, path, environments)
                .await
                .unwrap_or_default()
        }
    });

    // Checks the form as the server would, then sends it; `deploy_to` also deploys what is saved there.
    let send = move |deploy_to: Option<String>| {
        errors.clear();
        let address_list = backends.read(errors);
        let cors_cache = cors_cache.read(errors);
        let (Some(address_list), Some((cors, cache))) = (address_list, cors_cache) else {
            return;
        };
        let spec = ProxySpec {
            description: description.get(),
            api_type: if soap.get() { ApiType::Soap } else { ApiType::Rest },
            relative_path: path.get().trim().to_owned(),
            routing: Routing {
                algorithm: ALGORITHMS
                    .iter()
                    .find(|(n, _)| *n == algorithm.get())
                    .map(|(_, a)| *a)
                    .unwrap_or_default(),
                address_list,
            },
            maintenance_mode: maintenance.get(),
            cors,
            cache,
        };
        // The same checks the server makes, before anything is sent.
        if create {
            if let Err(v) = name_rule("apiProxyName", name.get().trim(), MAX_NAME) {
                errors.add_violations([v]);
            }
        }
        errors.add_violations(spec.violations());
        if !errors.is_empty() {
            return;
        }
        if let Some(env) = deploy_to
            .as_ref()
            .filter(|env| production.with_value(|p| p.contains(env)))
        {
            let question = format!(
                "Save and deploy {} to {env}, a production environment? It serves this configuration there at once.",
                name.get().trim()
            );
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
        }
        saved.dispatch(SaveProxy {
            project: project.get(),
            name: name.get().trim().to_owned(),
            create,
            spec,
            deploy_list: deploy_list.get(),
            deploy_to,
            confirmed: true,
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(None);
    };
    // "Save and deploy" goes to one of the environments ticked in the deploy list.
    let deploy_to = RwSignal::new(None::<String>);
    let target = move || {
        deploy_list.with(|list| {
            deploy_to
                .get()
                .filter(|env| list.contains(env))
                .or_else(|| list.first().cloned())
        })
    };
    let invalid = move |field: &'static str| move || errors.message(field).is_some().to_string();
    let error = move |field: &'static str| {
        view! { <FieldError errors field=field.to_owned() id=format!("{field}-error") /> }
    };
    let title = if create {
        "New API proxy"
    } else {
        "Edit configuration"
    };
    view! {
        <form class="card proxy-form" on:submit=submit aria-label=title>
            <h2>{title}</h2>
            {create.then(|| view! {
                <div class="field">
                    <label for="proxy-name">"Name"</label>
                    <input id="proxy-name" required maxlength="100" bind:value=name
                        aria-invalid=invalid("apiProxyName") aria-describedby="apiProxyName-error" />
                    {error("apiProxyName")}
                </div>
            })}
            <div class="fields">
                <div class="field">
                    <label for="proxy-path">"Relative path"</label>
                    <input id="proxy-path" required bind:value=path placeholder="/orders"
                        aria-invalid=invalid("relativePath") aria-describedby="relativePath-error" />
                    {error("relativePath")}
                    {move || in_browser.get().then(|| conflicts.get()).flatten().filter(|c| !c.is_empty()).map(|c| view! {
                        <div class="warning field-warning" role="status" aria-label="Path conflicts">
                            <p>"Deploying would be refused where another API proxy owns this path:"</p>
                            <ul>{c.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                        </div>
                    })}
                </div>
                <div class="field grow">
                    <label for="proxy-description">"Description"</label>
                    <input id="proxy-description" maxlength="1000" bind:value=description
                        aria-invalid=invalid("description") aria-describedby="description-error" />
                    {error("description")}
                </div>
                <div class="field check">
                    <input id="proxy-soap" type="checkbox" bind:checked=soap />
                    <label for="proxy-soap">"SOAP API"</label>
                </div>
            </div>
            <div class="fields">
                <div class="field">
                    <label for="proxy-algorithm">"Routing algorithm"</label>
                    <select id="proxy-algorithm" on:change=move |ev| algorithm.set(event_target_value(&ev)) prop:value=move || algorithm.get()>
                        {ALGORITHMS.iter().map(|(n, _)| view! { <option value=*n>{*n}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <BackendEditor rows=backends errors weighted
                empty_note="No backend yet: once deployed, requests to this API proxy fail (502 Bad Gateway) until one is added." />
            <div class="fields">
                <div class="field check">
                    <input id="proxy-maintenance" type="checkbox" bind:checked=maintenance />
                    <label for="proxy-maintenance">"Maintenance mode"</label>
                </div>
            </div>
            <CorsRow fields=cors_cache id="proxy" label="CORS" errors />
            <CacheRow fields=cors_cache id="proxy" label="Cache" errors />
            <fieldset class="targets">
                <legend>"Deploy list"</legend>
                {environments.into_iter().map(|env| {
                    let (env_check, env_toggle) = (env.clone(), env.clone());
                    view! {
                        <label class="check">
                            <input type="checkbox"
                                prop:checked=move || deploy_list.with(|d| d.contains(&env_check))
                                on:change=move |_| deploy_list.update(|d| if let Some(i) = d.iter().position(|x| *x == env_toggle) { d.remove(i); } else { d.push(env_toggle.clone()); }) />
                            {env}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            {error("deployList")}
            <FormErrors errors shown=[&OWN_FIELDS[..], &CORS_CACHE_FIELDS[..]].concat() refused />
            <div class="actions">
                <button type="submit" class="primary" disabled=move || !may.get() || saved.pending().get()>
                    {move || match (saved.pending().get(), create) {
                        (true, _) => "Saving…",
                        (false, true) => "Create API proxy",
                        (false, false) => "Save configuration",
                    }}
                </button>
                {(!create).then(|| view! {
                    <label for="proxy-deploy-to">"or save and deploy to"</label>
                    <select id="proxy-deploy-to" on:change=move |ev| deploy_to.set(Some(event_target_value(&ev)))
                        disabled=move || deploy_list.with(Vec::is_empty)>
                        {move || deploy_list.get().into_iter().map(|env| {
                            let label = if production.with_value(|p| p.contains(&env)) { format!("{env} (production)") } else { env.clone() };
                            let chosen = target().as_ref() == Some(&env);
                            view! { <option value=env.clone() selected=chosen>{label}</option> }
                        }).collect_view()}
                    </select>
                    <button type="button" on:click=move |_| send(target())
                        disabled=move || !may.get() || saved.pending().get() || target().is_none()>
                        "Save and deploy"
                    </button>
                })}
                {move || (!may.get()).then(|| view! { <span class="reason">{crate::rights::lacking("MANAGE")}</span> })}
            </div>
            <div role="status" aria-live="polite">
                {move || match saved.value().get() {
                    Some(Ok(Saved { deployed: Some(result), .. })) => Some(view! {
                        <p class="notice">"Saved."</p>
                        <crate::proxy::DeployResultView result />
                    }.into_any()),
                    Some(Ok(_)) => Some(view! { <span class="notice">"Saved."</span> }.into_any()),
                    _ => None,
                }}
            </div>
        </form>
    }
}
