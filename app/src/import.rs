//! Importing an export ZIP from the browser: drop it on the page (or choose it), set what the import should
//! do, watch the upload, and read the result, as the server words it.

use deploy::export_format::{ImportMetadata, RoutingOverride};
use deploy::model::ImportOutcome;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use send_wrapper::SendWrapper;

use crate::backend_rows::{BackendEditor, BackendRows};
use crate::field_errors::FieldErrors;
use crate::project::{load_project, project_href, ProjectView};
use crate::proxy::DeployResultView;
use crate::routing_algorithms::{algorithm_name, ALGORITHMS};

/// Refused in the browser, before any upload.
fn check_zip(name: &str) -> Result<(), String> {
    if name.to_ascii_lowercase().ends_with(".zip") {
        Ok(())
    } else {
        Err(format!(
            "Only .zip export files can be imported; “{name}” is not one."
        ))
    }
}

/// The state of one upload.
#[derive(Clone, PartialEq)]
enum Upload {
    Idle,
    Sending(f64),
    /// Set only in the browser, where uploads run.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    Done(Result<ImportOutcome, String>),
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let project = Memo::new(move |_| params.read().get("project").unwrap_or_default());
    let view_data = Resource::new(move || project.get(), load_project);
    view! {
        <Title text=move || format!("Import into {} · Portico", project.get()) />
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/projects">"Projects"</a>
            " / "
            <a href=move || project_href(&project.get())>{project}</a>
            " / "
            <span aria-current="page">"Import"</span>
        </nav>
        <h1>"Import an API proxy"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading the project…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(v) => view! { <ImportForm project v /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ImportForm(project: Memo<String>, v: ProjectView) -> impl IntoView {
    // Not `StoredValue::new_local`: that wraps the whole store, so the server (which renders this form too, with
    // no file) panics when the page's owner is dropped on another worker thread, cutting the response short.
    // Here only a chosen file is wrapped, and files exist only in the browser's one thread.
    let file = StoredValue::new(None::<SendWrapper<web_sys::File>>);
    let file_name = RwSignal::new(None::<String>);
    let file_error = RwSignal::new(None::<String>);
    let over = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let deploy = RwSignal::new(false);
    let targets = RwSignal::new(Vec::<String>::new());
    let algorithm = RwSignal::new(String::new());
    let backends = BackendRows::new(&[]);
    let errors = FieldErrors::new();
    // "As in the file" may be weighted: weights stay editable unless the algorithm chosen here ignores them.
    let weighted = Signal::derive(move || {
        let chosen = algorithm.get();
        chosen.is_empty() || chosen == algorithm_name(deploy::model::RoutingAlgorithm::WeightedRoundRobin)
    });
    let maintenance = RwSignal::new(String::new());
    let upload = RwSignal::new(Upload::Idle);
    let existing: Vec<String> = v.proxies.iter().map(|p| p.name.clone()).collect();
    let environments: Vec<String> = v
        .environments
        .iter()
        .map(|e| e.environment.name.clone())
        .collect();
    let rights = v.rights;

    let take = move |chosen: Option<web_sys::File>| {
        let Some(f) = chosen else { return };
        match check_zip(&f.name()) {
            Ok(()) => {
                file_error.set(None);
                file_name.set(Some(f.name()));
                file.set_value(Some(SendWrapper::new(f)));
                upload.set(Upload::Idle);
            }
            Err(why) => {
                file_error.set(Some(why));
                file_name.set(None);
                file.set_value(None);
            }
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        take(ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)));
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        take(input.files().and_then(|f| f.get(0)));
    };
    // None when a row is wrong: the rows say what, beside themselves.
    let metadata = move || -> Option<String> {
        errors.clear();
        let routing_list = if backends.is_empty() {
            None
        } else {
            let list = backends.read(errors)?;
            let routing = deploy::model::Routing {
                address_list: list,
                ..Default::default()
            };
            errors.add_violations(routing.violations());
            Some(routing.address_list)
        };
        if !errors.is_empty() {
            return None;
        }
        let algorithm = ALGORITHMS
            .iter()
            .find(|(n, _)| *n == algorithm.get())
            .map(|(_, a)| *a);
        let metadata = ImportMetadata {
            deploy: Some(deploy.get()),
            deploy_target_environment_name_list: deploy.get().then(|| targets.get()),
            routing: (algorithm.is_some() || routing_list.is_some()).then_some(RoutingOverride {
                algorithm,
                address_list: routing_list,
            }),
            maintenance_mode: match maintenance.get().as_str() {
                "on" => Some(true),
                "off" => Some(false),
                _ => None,
            },
        };
        serde_json::to_string(&metadata).ok()
    };
    let existing_names = existing.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(chosen) = file.get_value() else {
            file_error.set(Some("Choose or drop an export .zip first.".into()));
            return;
        };
        let Some(metadata) = metadata() else {
            upload.set(Upload::Idle);
            return;
        };
        let target = name.get().trim().to_owned();
        if existing_names.contains(&target) {
            let question = format!("Override the API proxy {target}? Its configuration is replaced; the old one stays in its deploy history.");
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
        }
        upload.set(Upload::Sending(0.0));
        send(&project.get(), &target, &metadata, &chosen, upload);
    };
    let sending = move || matches!(upload.get(), Upload::Sending(_));
    let blocked = move || {
        if !rights.export_import {
            Some(crate::rights::lacking("EXPORT_IMPORT"))
        } else if deploy.get() && !rights.deploy {
            Some(crate::rights::lacking("DEPLOY_UNDEPLOY"))
        } else {
            None
        }
    };
    view! {
        <form class="card" on:submit=submit aria-label="Import">
            <div
                class="dropzone"
                class:over=move || over.get()
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=on_drop
            >
                <label for="import-file">"Drop an export .zip here, or choose one"</label>
                <input id="import-file" type="file" accept=".zip,application/zip" on:change=on_pick />
                <p class="chosen" aria-live="polite">{move || file_name.get().map(|n| format!("Ready: {n}"))}</p>
            </div>
            {move || file_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="fields">
                <div class="field grow">
                    <label for="import-name">"Import as"</label>
                    <input id="import-name" bind:value=name list="import-existing" placeholder="Leave empty to add it under the name in the file" />
                    <datalist id="import-existing">
                        {existing.iter().map(|n| view! { <option value=n.clone()></option> }).collect_view()}
                    </datalist>
                </div>
                <div class="field">
                    <label for="import-maintenance">"Maintenance mode"</label>
                    <select id="import-maintenance" on:change=move |ev| maintenance.set(event_target_value(&ev))>
                        <option value="">"As in the file"</option>
                        <option value="on">"On"</option>
                        <option value="off">"Off"</option>
                    </select>
                </div>
            </div>
            <div class="fields">
                <div class="field">
                    <label for="import-algorithm">"Routing algorithm"</label>
                    <select id="import-algorithm" on:change=move |ev| algorithm.set(event_target_value(&ev))>
                        <option value="">"As in the file"</option>
                        {ALGORITHMS.iter().map(|(n, _)| view! { <option value=*n>{*n}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <BackendEditor rows=backends errors weighted
                empty_note="No backend listed: the file's backends are kept. Add rows to replace them." />
            <div class="field check">
                <input id="import-deploy" type="checkbox" bind:checked=deploy />
                <label for="import-deploy">"Deploy after import"</label>
            </div>
            <Show when=move || deploy.get()>
                <fieldset class="targets">
                    <legend>"Deploy to"</legend>
                    {environments.iter().map(|env| {
                        let (env_check, env_toggle) = (env.clone(), env.clone());
                        view! {
                            <label class="check">
                                <input type="checkbox"
                                    prop:checked=move || targets.with(|t| t.contains(&env_check))
                                    on:change=move |_| targets.update(|t| if let Some(i) = t.iter().position(|x| *x == env_toggle) { t.remove(i); } else { t.push(env_toggle.clone()); }) />
                                {env.clone()}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            </Show>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || sending() || blocked().is_some()>
                    {move || if sending() { "Uploading…" } else { "Import" }}
                </button>
                {move || blocked().map(|why| view! { <span class="reason">{why}</span> })}
            </div>
            <div aria-live="polite">
                {move || match upload.get() {
                    Upload::Idle => ().into_any(),
                    Upload::Sending(part) => view! {
                        <progress aria-label="Upload progress" max="100" value=format!("{:.0}", part * 100.0)></progress>
                    }.into_any(),
                    Upload::Done(Ok(outcome)) => view! {
                        <progress aria-label="Upload progress" max="100" value="100"></progress>
                        <ImportResult project outcome />
                    }.into_any(),
                    Upload::Done(Err(why)) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
                }}
            </div>
        </form>
    }
}

#[component]
fn ImportResult(project: Memo<String>, outcome: ImportOutcome) -> impl IntoView {
    let href = crate::project::proxy_href(&project.get_untracked(), &outcome.api_proxy_name);
    let what = if outcome.created {
        "added"
    } else {
        "overridden; its old configuration is in its deploy history"
    };
    view! {
        <div class="notice" role="status">
            <p>"Imported " <a href=href>{outcome.api_proxy_name.clone()}</a> {format!(": {what}.")}</p>
            {(!outcome.skipped_deploy_list.is_empty()).then(|| view! {
                <p class="reason">{format!("Left out of the deploy list (not in this project): {}", outcome.skipped_deploy_list.join(", "))}</p>
            })}
        </div>
        {outcome.deployment_result.map(|result| view! { <DeployResultView result /> })}
    }
}

/// Sends the form with XMLHttpRequest, whose upload events report real progress (fetch has none).
#[cfg(feature = "hydrate")]
fn send(project: &str, name: &str, metadata: &str, file: &web_sys::File, upload: RwSignal<Upload>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let started = (|| -> Result<(), wasm_bindgen::JsValue> {
        let form = web_sys::FormData::new()?;
        form.append_with_str("metadata", metadata)?;
        if !name.is_empty() {
            form.append_with_str("apiProxyName", name)?;
        }
        form.append_with_blob_and_filename("apiProxyExportFile", file, &file.name())?;
        let xhr = web_sys::XmlHttpRequest::new()?;
        xhr.open("POST", &format!("/console/files/projects/{project}/import"))?;
        let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                upload.set(Upload::Sending(e.loaded() / e.total()));
            }
        });
        xhr.upload()?
            .set_onprogress(Some(progress.as_ref().unchecked_ref()));
        progress.forget();
        let answer = xhr.clone();
        let done = Closure::once(move || {
            let status = answer.status().unwrap_or(0);
            let body = answer.response_text().ok().flatten().unwrap_or_default();
            upload.set(Upload::Done(read_answer(status, &body)));
        });
        xhr.set_onloadend(Some(done.as_ref().unchecked_ref()));
        done.forget();
        xhr.send_with_opt_form_data(Some(&form))
    })();
    if started.is_err() {
        upload.set(Upload::Done(Err("The upload could not be started.".into())));
    }
}

#[cfg(not(feature = "hydrate"))]
fn send(_: &str, _: &str, _: &str, _: &web_sys::File, _: RwSignal<Upload>) {}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn read_answer(status: u16, body: &str) -> Result<ImportOutcome, String> {
    if status == 200 {
        return serde_json::from_str(body).map_err(|_| "The server's answer could not be read.".to_owned());
    }
    if status == 0 {
        return Err("The server could not be reached.".into());
    }
    let said: Option<String> = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error_description"].as_str().map(str::to_owned));
    Err(said.unwrap_or_else(|| format!("The server refused the upload ({status}).")))
}
