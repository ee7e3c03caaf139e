//! Batch publish: many APIs of a project (or a whole group) published to an environment or taken offline in
//! one go, each succeeding or failing on its own.

use std::collections::BTreeSet;

use deploy::model::{Environment, PublishRequest, PublishResult};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ConsoleError;

const MAX_REMARK: usize = 255;

/// The APIs and groups of a project, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiChoices {
    pub project: String,
    pub project_id: String,
    pub apis: Vec<(String, String)>,
    pub groups: Vec<(String, String)>,
}

/// Everything the form needs, in one answer: the environment, and the choices in each project that uses
/// it. (One resource: a resource created under another's suspense does not hydrate reliably.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishForm {
    pub environment: Environment,
    pub projects: Vec<ApiChoices>,
}

#[server(endpoint = "load_publish_form")]
pub async fn load_publish_form(environment: String) -> Result<PublishForm, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    let live = deploy::environments::environment_live(&cp, &actor, &environment).await?;
    let mut projects = Vec::new();
    for p in live.projects {
        let apis = deploy::proxies::list_proxy_summaries(&cp, &actor, &p.project).await?;
        let groups = deploy::groups::list_groups(&cp, &actor, &p.project).await?;
        projects.push(ApiChoices {
            apis: apis.into_iter().map(|a| (a.id, a.name)).collect(),
            groups: groups.into_iter().map(|g| (g.id, g.name)).collect(),
            project: p.project,
            project_id: p.project_id,
        });
    }
    Ok(PublishForm {
        environment: live.environment,
        projects,
    })
}

#[server(endpoint = "batch_publish")]
pub async fn batch_publish(
    project_id: String,
    online: bool,
    request: PublishRequest,
) -> Result<PublishResult, ConsoleError> {
    use deploy::publish::{self, PublishAction};
    let (cp, actor) = crate::session::actor().await?;
    let gateway = publish::gateway_id(&cp).await?;
    let action = if online {
        PublishAction::Online
    } else {
        PublishAction::Offline
    };
    publish::publish(&cp, &actor, &project_id, &gateway, action, request)
        .await
        .map_err(|e| ConsoleError::from(e.error))
}

#[component]
pub fn BatchPublish(setup: PublishForm, published: RwSignal<u32>) -> impl IntoView {
    let env = setup.environment;
    let projects = StoredValue::new(setup.projects);
    let project =
        RwSignal::new(projects.with_value(|p| p.first().map(|c| c.project.clone()).unwrap_or_default()));
    let choices = move || projects.with_value(|all| all.iter().find(|c| c.project == project.get()).cloned());
    let by_group = RwSignal::new(false);
    let group = RwSignal::new(String::new());
    let filter = RwSignal::new(String::new());
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let remark = RwSignal::new(String::new());
    // Which way the last run went, so its result reads as a publish or as an offline.
    let last_online = RwSignal::new(true);
    let run = Action::new(
        move |(project_id, online, request): &(String, bool, PublishRequest)| {
            let (project_id, online, request) = (project_id.clone(), *online, request.clone());
            async move { batch_publish(project_id, online, request).await }
        },
    );
    Effect::new(move |_| {
        if run.version().get() > 0 {
            published.update(|n| *n += 1);
        }
    });
    let env_id = env.id.clone();
    let env_name = env.name.clone();
    let submit = move |online: bool| {
        let Some(project_id) = choices().map(|c| c.project_id) else {
            return;
        };
        let request = PublishRequest {
            apis: (!by_group.get()).then(|| selected.get().into_iter().collect()),
            env_id: Some(env_id.clone()),
            group_id: by_group.get().then(|| group.get()).filter(|g| !g.is_empty()),
            remark: Some(remark.get()).filter(|r| !r.trim().is_empty()),
        };
        if !online {
            let question = offline_question(
                &choices(),
                by_group.get(),
                &group.get(),
                &selected.get(),
                &env_name,
            );
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
        }
        last_online.set(online);
        run.dispatch((project_id, online, request));
    };
    let submit_offline = submit.clone();
    let count = move || remark.with(|r| r.chars().count());
    view! {
        <section class="card" aria-labelledby="publish-title">
            <h2 id="publish-title">"Publish or take offline"</h2>
            {if projects.with_value(Vec::is_empty) {
                view! { <p class="empty">"No project you can see uses this environment."</p> }.into_any()
            } else {
                view! {
                    <div class="fields">
                        <div class="field">
                            <label for="publish-project">"Project"</label>
                            <select id="publish-project" on:change=move |ev| { project.set(event_target_value(&ev)); selected.set(BTreeSet::new()); } prop:value=move || project.get()>
                                {projects.with_value(|all| all.iter().map(|p| view! { <option value=p.project.clone()>{p.project.clone()}</option> }).collect_view())}
                            </select>
                        </div>
                        <fieldset class="field check">
                            <legend class="visually-hidden">"What to publish"</legend>
                            <input type="radio" id="publish-by-apis" name="publish-what" prop:checked=move || !by_group.get() on:change=move |_| by_group.set(false) />
                            <label for="publish-by-apis">"Chosen APIs"</label>
                            <input type="radio" id="publish-by-group" name="publish-what" prop:checked=move || by_group.get() on:change=move |_| by_group.set(true) />
                            <label for="publish-by-group">"A whole group"</label>
                        </fieldset>
                    </div>
                    {move || choices().map(|c| view! { <Picker choices=c by_group group filter selected /> })}
                    <div class="field grow">
                        <label for="publish-remark">"Remark"</label>
                        <textarea id="publish-remark" maxlength=MAX_REMARK.to_string() rows="2" bind:value=remark aria-describedby="publish-remark-count"></textarea>
                        <span id="publish-remark-count" class="reason" aria-live="polite">{move || format!("{} / {MAX_REMARK}", count())}</span>
                    </div>
                    <div class="actions">
                        <button class="primary" on:click=move |_| submit(true) disabled=move || run.pending().get()>
                            {move || if run.pending().get() { "Working…" } else { "Publish" }}
                        </button>
                        <button on:click=move |_| submit_offline(false) disabled=move || run.pending().get()>"Take offline"</button>
                    </div>
                }.into_any()
            }}
            <div role="status" aria-live="polite">
                {move || run.value().get().map(|answer| match answer {
                    Ok(result) => view! { <PublishTable result online=last_online.get_untracked() /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </div>
        </section>
    }
}

#[component]
fn Picker(
    choices: ApiChoices,
    by_group: RwSignal<bool>,
    group: RwSignal<String>,
    filter: RwSignal<String>,
    selected: RwSignal<BTreeSet<String>>,
) -> impl IntoView {
    if group.get_untracked().is_empty() {
        if let Some((id, _)) = choices.groups.first() {
            group.set(id.clone());
        }
    }
    let apis = StoredValue::new(choices.apis);
    let shown = move || {
        let f = filter.get().to_lowercase();
        apis.with_value(|a| {
            a.iter()
                .filter(|(_, n)| n.to_lowercase().contains(&f))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let select_shown = move |_| {
        let ids: Vec<String> = shown().into_iter().map(|(id, _)| id).collect();
        selected.update(|s| s.extend(ids));
    };
    view! {
        <Show
            when=move || !by_group.get()
            fallback=move || view! {
                <div class="field">
                    <label for="publish-group">"Group"</label>
                    <select id="publish-group" on:change=move |ev| group.set(event_target_value(&ev)) prop:value=move || group.get()>
                        {choices.groups.iter().map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> }).collect_view()}
                    </select>
                </div>
            }
        >
            <div class="fields">
                <div class="field grow">
                    <label for="publish-filter">"Filter APIs"</label>
                    <input id="publish-filter" type="search" bind:value=filter placeholder="Part of a name" />
                </div>
                <button type="button" on:click=select_shown>"Select all shown"</button>
                <button type="button" on:click=move |_| selected.set(BTreeSet::new())>"Clear"</button>
                <span class="reason" aria-live="polite">{move || format!("{} selected", selected.with(BTreeSet::len))}</span>
            </div>
            <ul class="picks" aria-label="APIs">
                <For each=shown key=|(id, _)| id.clone() let((id, name))>
                    {
                        let (id_check, id_toggle) = (id.clone(), id.clone());
                        view! {
                            <li>
                                <label class="check">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || selected.with(|s| s.contains(&id_check))
                                        on:change=move |_| selected.update(|s| if !s.remove(&id_toggle) { s.insert(id_toggle.clone()); })
                                    />
                                    {name}
                                </label>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
    }
}

/// The question before taking APIs offline: which ones, by name (a group's by the group's name).
fn offline_question(
    choices: &Option<ApiChoices>,
    by_group: bool,
    group: &str,
    selected: &BTreeSet<String>,
    env_name: &str,
) -> String {
    let name_of = |list: &[(String, String)], id: &str| {
        list.iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let what = match choices {
        Some(c) if by_group => format!("every API of the group {}", name_of(&c.groups, group)),
        Some(c) => {
            let mut names: Vec<String> = selected.iter().map(|id| name_of(&c.apis, id)).collect();
            names.sort();
            let shown = names.iter().take(15).cloned().collect::<Vec<_>>().join(", ");
            let more = names.len().saturating_sub(15);
            if more > 0 {
                format!("{} APIs: {shown} and {more} more", names.len())
            } else {
                format!(
                    "{}: {shown}",
                    if names.len() == 1 {
                        "this API"
                    } else {
                        "these APIs"
                    }
                )
            }
        }
        None => "the chosen APIs".to_owned(),
    };
    format!("Take {what} offline in {env_name}? They stop serving there at once.")
}

#[component]
fn PublishTable(result: PublishResult, online: bool) -> impl IntoView {
    let (done, done_row) = if online {
        ("published", "Published")
    } else {
        ("taken offline", "Taken offline")
    };
    let summary = format!(
        "{} {done}, {} failed.",
        result.success.len(),
        result.failure.len()
    );
    view! {
        <p class=if result.failure.is_empty() { "notice" } else { "error" }>{summary}</p>
        <table class="list" aria-label="Publish results">
            <thead><tr>
                <th scope="col">"API"</th><th scope="col">"Result"</th><th scope="col">"Detail"</th>
            </tr></thead>
            <tbody>
                {result.success.into_iter().map(|s| view! {
                    <tr class="ok">
                        <td class="name">{s.api_name}</td>
                        <td>{done_row}</td>
                        <td>{online.then(|| view! { <code>{format!("version {}", &s.version_id[..8.min(s.version_id.len())])}</code> })}</td>
                    </tr>
                }).collect_view()}
                {result.failure.into_iter().map(|f| view! {
                    <tr class="failed">
                        <td class="name">{f.api_name.unwrap_or(f.api_id)}</td>
                        <td>"Failed"</td>
                        <td>{format!("{}: {}", f.error_code, f.error_msg)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
