//! Batch publish: many APIs of a project (or a whole group) published to an environment or taken offline in
//! one go, each succeeding or failing on its own.

use std::collections::BTreeSet;

use deploy::model::{Environment, EnvironmentType, PublishResult};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

use crate::{early_input, ConsoleError};

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

/// `by_group`: publish the group `group_id` rather than the APIs `apis`. `confirmed`: the person agreed to
/// what this takes offline, or changes in a production-type environment (the page's question, or, before
/// the page's code arrived, the form's box).
#[allow(clippy::too_many_arguments)]
#[server(name = BatchPublishCall, endpoint = "batch_publish")]
pub async fn batch_publish(
    project_id: String,
    env_id: String,
    online: bool,
    #[server(default)] by_group: bool,
    #[server(default)] apis: Vec<String>,
    #[server(default)] group_id: String,
    #[server(default)] remark: String,
    #[server(default)] confirmed: bool,
) -> Result<PublishResult, ConsoleError> {
    use deploy::publish::{self, PublishAction};
    let (cp, actor) = crate::session::actor().await?;
    if !confirmed {
        unconfirmed(&cp, &actor, &env_id, online).await?;
    }
    let gateway = publish::gateway_id(&cp).await?;
    let action = if online {
        PublishAction::Online
    } else {
        PublishAction::Offline
    };
    let request = deploy::model::PublishRequest {
        apis: (!by_group).then_some(apis),
        env_id: Some(env_id),
        group_id: Some(group_id).filter(|g| by_group && !g.is_empty()),
        remark: Some(remark).filter(|r| !r.trim().is_empty()),
    };
    let result = publish::publish(&cp, &actor, &project_id, &gateway, action, request)
        .await
        .map_err(|e| ConsoleError::from(e.error))?;
    plain_form_outcome(result, online)
}

/// A plain form cannot ask first: taking APIs offline, or anything in a production-type environment, needs
/// its box ticked.
#[cfg(feature = "ssr")]
async fn unconfirmed(
    cp: &deploy::ControlPlane,
    actor: &deploy::Actor,
    env_id: &str,
    online: bool,
) -> Result<(), ConsoleError> {
    let env = deploy::environments::list_environments(cp, actor)
        .await?
        .into_iter()
        .find(|e| e.id == env_id);
    let production = env
        .as_ref()
        .is_some_and(|e| e.env_type == deploy::model::EnvironmentType::Production);
    let tick = "tick “I have checked what this changes” to go ahead.";
    match env {
        Some(e) if production => Err(ConsoleError::Refused(format!(
            "{} is a production environment: {tick}",
            e.name
        ))),
        Some(_) if !online => Err(ConsoleError::Refused(format!(
            "Taking APIs offline stops them serving at once: {tick}"
        ))),
        // An environment the person cannot see is refused by the publish itself, in its own words.
        _ => Ok(()),
    }
}

/// A plain form's answer is not shown (the page is loaded again; what is live there shows what worked), so
/// the APIs that failed come back as the error.
#[cfg(feature = "ssr")]
fn plain_form_outcome(result: PublishResult, online: bool) -> Result<PublishResult, ConsoleError> {
    if result.failure.is_empty() || !crate::error::plain_form_post() {
        return Ok(result);
    }
    let done = if online { "published" } else { "taken offline" };
    let failed: Vec<String> = result
        .failure
        .iter()
        .map(|f| {
            let api = f.api_name.clone().unwrap_or_else(|| f.api_id.clone());
            format!("{api}: {} {}", f.error_code, f.error_msg)
        })
        .collect();
    Err(ConsoleError::Refused(format!(
        "{} {done}, {} failed. {}",
        result.success.len(),
        result.failure.len(),
        failed.join("; ")
    )))
}

#[component]
pub fn BatchPublish(setup: PublishForm, published: RwSignal<u32>) -> impl IntoView {
    let env = setup.environment;
    let production = env.env_type == EnvironmentType::Production;
    let projects = StoredValue::new(setup.projects);
    // What was chosen before the page's code arrived stays chosen (see early_input).
    // The project: the one in the address (`?project=`, how the choice travels before the page's code
    // arrives), or else the first.
    let asked = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("project"));
    let first = projects.with_value(|all| {
        all.iter()
            .find(|c| Some(&c.project) == asked.as_ref())
            .or(all.first())
            .map(|c| c.project.clone())
            .unwrap_or_default()
    });
    // Not read back from the page before hydration: the APIs listed are the server's project's, so a
    // project chosen without "Show its APIs" would pair its name with another project's boxes.
    let project = RwSignal::new(first);
    let choices = move || projects.with_value(|all| all.iter().find(|c| c.project == project.get()).cloned());
    let by_group = RwSignal::new(early_input::checked("publish-by-group").unwrap_or(false));
    let group = RwSignal::new(early_input::value("publish-group").unwrap_or_default());
    let filter = RwSignal::new(String::new());
    let selected = RwSignal::new(BTreeSet::<String>::from_iter(
        early_input::ticked("ul.picks input[type=checkbox]").unwrap_or_default(),
    ));
    let remark = RwSignal::new(early_input::value("publish-remark").unwrap_or_default());
    // Which way the last run went, so its result reads as a publish or as an offline.
    let last_online = RwSignal::new(true);
    let run = ServerAction::<BatchPublishCall>::new();
    Effect::new(move |_| {
        if run.version().get() > 0 {
            published.update(|n| *n += 1);
        }
    });
    let env_id = StoredValue::new(env.id.clone());
    let env_name = StoredValue::new(env.name.clone());
    // Once the page runs, the buttons act here (asking first where needed); before that, and with scripts
    // off, the form posts itself to the same server function, and its box stands for the question.
    let submit = move |ev: leptos::ev::MouseEvent, online: bool| {
        ev.prevent_default();
        let Some(project_id) = choices().map(|c| c.project_id) else {
            return;
        };
        if !online || production {
            let question = question(
                &choices(),
                by_group.get(),
                &group.get(),
                &selected.get(),
                &env_name.get_value(),
                online,
                production,
            );
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
        }
        last_online.set(online);
        run.dispatch(BatchPublishCall {
            project_id,
            env_id: env_id.get_value(),
            online,
            by_group: by_group.get(),
            apis: selected.get().into_iter().collect(),
            group_id: group.get(),
            remark: remark.get(),
            confirmed: true,
        });
    };
    let count = move || remark.with(|r| r.chars().count());
    view! {
        <section class="card" aria-labelledby="publish-title">
            <h2 id="publish-title">"Publish or take offline"</h2>
            {if projects.with_value(Vec::is_empty) {
                view! { <p class="empty">"No project you can see uses this environment."</p> }.into_any()
            } else {
                view! {
                    // Choosing the project loads its APIs: in the page once its code runs, or else by loading
                    // the page again for that project (the button is there until then).
                    <form method="get" class="fields">
                        <div class="field">
                            <label for="publish-project">"Project"</label>
                            <select id="publish-project" name="project" on:change=move |ev| { project.set(event_target_value(&ev)); selected.set(BTreeSet::new()); }>
                                {projects.with_value(|all| all.iter().map(|p| {
                                    let chosen = p.project == project.get_untracked();
                                    view! { <option value=p.project.clone() selected=chosen>{p.project.clone()}</option> }
                                }).collect_view())}
                            </select>
                        </div>
                        <button type="submit" class="plain-only">"Show its APIs"</button>
                    </form>
                    <form class="publish" method="post" action=BatchPublishCall::url() aria-label="Publish or take offline">
                    <input type="hidden" name="env_id" value=env.id.clone() />
                    <input type="hidden" name="project_id" value=move || choices().map(|c| c.project_id).unwrap_or_default() />
                    <div class="fields">
                        <fieldset class="field check">
                            <legend class="visually-hidden">"What to publish"</legend>
                            <input type="radio" id="publish-by-apis" name="by_group" value="false" checked=!by_group.get_untracked() on:change=move |_| by_group.set(false) />
                            <label for="publish-by-apis">"Chosen APIs"</label>
                            <input type="radio" id="publish-by-group" name="by_group" value="true" checked=by_group.get_untracked() on:change=move |_| by_group.set(true) />
                            <label for="publish-by-group">"A whole group"</label>
                        </fieldset>
                    </div>
                    {move || choices().map(|c| view! { <Picker choices=c group filter selected /> })}
                    <div class="field grow">
                        <label for="publish-remark">"Remark"</label>
                        <textarea id="publish-remark" name="remark" maxlength=MAX_REMARK.to_string() rows="2" on:input=move |ev| remark.set(event_target_value(&ev)) aria-describedby="publish-remark-count">{remark.get_untracked()}</textarea>
                        <span id="publish-remark-count" class="reason" aria-live="polite">{move || format!("{} / {MAX_REMARK}", count())}</span>
                    </div>
                    // What a plain form (before the page's code arrives) has instead of the page's question.
                    <div class="field check plain-only">
                        <input id="publish-confirmed" name="confirmed" value="true" type="checkbox" />
                        <label for="publish-confirmed">
                            {if production { "I have checked what this changes in production" } else { "I have checked what this changes (needed to take APIs offline)" }}
                        </label>
                    </div>
                    <div class="actions">
                        <button type="submit" name="online" value="true" class="primary" on:click=move |ev| submit(ev, true) disabled=move || run.pending().get()>
                            {move || if run.pending().get() { "Working…" } else { "Publish" }}
                        </button>
                        <button type="submit" name="online" value="false" on:click=move |ev| submit(ev, false) disabled=move || run.pending().get()>"Take offline"</button>
                    </div>
                    </form>
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

/// The APIs of the chosen project, and its groups. Both are in the form; the style sheet shows the one the
/// "What to publish" choice names, so the choice works before the page's code arrives too.
#[component]
fn Picker(
    choices: ApiChoices,
    group: RwSignal<String>,
    filter: RwSignal<String>,
    selected: RwSignal<BTreeSet<String>>,
) -> impl IntoView {
    if group.get_untracked().is_empty() {
        if let Some((id, _)) = choices.groups.first() {
            group.set(id.clone());
        }
    }
    // Each box's place in the project's list names it in the form (`apis[3]`); unticked ones are not sent.
    let apis = StoredValue::new(choices.apis.into_iter().enumerate().collect::<Vec<_>>());
    let shown = move || {
        let f = filter.get().to_lowercase();
        apis.with_value(|a| {
            a.iter()
                .filter(|(_, (_, n))| n.to_lowercase().contains(&f))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let select_shown = move |_| {
        let ids: Vec<String> = shown().into_iter().map(|(_, (id, _))| id).collect();
        selected.update(|s| s.extend(ids));
    };
    view! {
        <div class="field publish-group">
            <label for="publish-group">"Group"</label>
            <select id="publish-group" name="group_id" on:change=move |ev| group.set(event_target_value(&ev))>
                {choices.groups.iter().map(|(id, name)| {
                    let chosen = *id == group.get_untracked();
                    view! { <option value=id.clone() selected=chosen>{name.clone()}</option> }
                }).collect_view()}
            </select>
        </div>
        <div class="publish-apis">
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
                <For each=shown key=|(_, (id, _))| id.clone() let((place, (id, name)))>
                    {
                        let (id_check, id_toggle) = (id.clone(), id.clone());
                        view! {
                            <li>
                                <label class="check">
                                    <input
                                        type="checkbox"
                                        name=format!("apis[{place}]")
                                        value=id
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
        </div>
    }
}

/// The question before taking APIs offline, or before publishing to a production-type environment: which
/// APIs, by name (a group's by the group's name).
fn question(
    choices: &Option<ApiChoices>,
    by_group: bool,
    group: &str,
    selected: &BTreeSet<String>,
    env_name: &str,
    online: bool,
    production: bool,
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
    let kind = if production {
        ", a production environment"
    } else {
        ""
    };
    if online {
        format!("Publish {what} to {env_name}{kind}? They serve there at once.")
    } else {
        format!("Take {what} offline in {env_name}{kind}? They stop serving there at once.")
    }
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
