//! An API proxy group: its members (add, remove), its settings, and deploying or undeploying all of its
//! members to an environment at once, with the result per environment.

use deploy::model::{DeployOptions, DeploymentResult};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::group_settings::{GroupSettings, SaveGroupSettings};
use crate::project::project_href;
use crate::proxy::DeployResultView;
use crate::ConsoleError;

use deploy::model::GroupPage as GroupView;

#[server(endpoint = "load_group")]
pub async fn load_group(project: String, group: String) -> Result<GroupView, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::pages::group_page(&cp, &actor, &project, &group).await?)
}

#[server(endpoint = "change_member")]
pub async fn change_member(
    project: String,
    group: String,
    proxy: String,
    add: bool,
) -> Result<(), ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    if add {
        deploy::groups::add_member(&cp, &actor, &project, &group, &proxy).await?;
    } else {
        deploy::groups::remove_member(&cp, &actor, &project, &group, &proxy).await?;
    }
    Ok(())
}

#[server(endpoint = "move_group")]
pub async fn move_group(
    project: String,
    group: String,
    environment: String,
    deploy: bool,
    options: DeployOptions,
) -> Result<DeploymentResult, ConsoleError> {
    use deploy::deployments::{deploy_group, undeploy_group};
    let (cp, actor) = crate::session::actor().await?;
    let result = if deploy {
        deploy_group(&cp, &actor, &project, &group, &environment, &options).await?
    } else {
        undeploy_group(&cp, &actor, &project, &group, &environment, &options).await?
    };
    Ok(result)
}

pub fn group_href(project: &str, group: &str) -> String {
    format!("/projects/{project}/groups/{group}")
}

#[component]
pub fn GroupPage() -> impl IntoView {
    let params = use_params_map();
    let project = Memo::new(move |_| params.read().get("project").unwrap_or_default());
    let group = Memo::new(move |_| params.read().get("group").unwrap_or_default());
    let member = ServerAction::<ChangeMember>::new();
    let moved = ServerAction::<MoveGroup>::new();
    let settings = ServerAction::<SaveGroupSettings>::new();
    let settings_saved = crate::refresh::successes(settings);
    let data = Resource::new(
        move || {
            (
                project.get(),
                group.get(),
                member.version().get(),
                moved.version().get(),
                settings_saved.get(),
            )
        },
        |(project, group, _, _, _)| load_group(project, group),
    );
    view! {
        <Title text=move || format!("{} · Portico", group.get()) />
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/projects">"Projects"</a>
            " / "
            <a href=move || project_href(&project.get())>{project}</a>
            " / "
            <span aria-current="page">{group}</span>
        </nav>
        <h1>{group}</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading the group…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => {
                        let (current, may) = (v.group.spec.clone(), v.rights.manage);
                        view! {
                            <GroupDeploy project group v=v.clone() moved />
                            <Members project group v member />
                            <GroupSettings project group current saved=settings may />
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <div aria-live="polite">
            {move || member.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        </div>
    }
}

#[component]
fn GroupDeploy(
    project: Memo<String>,
    group: Memo<String>,
    v: GroupView,
    moved: ServerAction<MoveGroup>,
) -> impl IntoView {
    let environment = RwSignal::new(v.environments.first().cloned().unwrap_or_default());
    let description = RwSignal::new(String::new());
    let may = v.rights.deploy;
    let go = move |deploy: bool| {
        if !deploy {
            let question = format!(
                "Undeploy every API proxy of {} from {}?",
                group.get(),
                environment.get()
            );
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
        }
        moved.dispatch(MoveGroup {
            project: project.get(),
            group: group.get(),
            environment: environment.get(),
            deploy,
            options: DeployOptions {
                description: Some(description.get()).filter(|d| !d.trim().is_empty()),
                persistent: false,
            },
        });
    };
    view! {
        <section class="card" aria-labelledby="group-deploy-title">
            <h2 id="group-deploy-title">"Deploy the group"</h2>
            <div class="fields">
                <div class="field">
                    <label for="group-environment">"Environment"</label>
                    <select id="group-environment" on:change=move |ev| environment.set(event_target_value(&ev)) prop:value=move || environment.get()>
                        {v.environments.iter().map(|e| view! { <option value=e.clone()>{e.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field grow">
                    <label for="group-description">"Description of this deploy"</label>
                    <input id="group-description" maxlength="1000" bind:value=description />
                </div>
            </div>
            <div class="actions">
                <button class="primary" on:click=move |_| go(true) disabled=move || !may || moved.pending().get()>"Deploy group"</button>
                <button on:click=move |_| go(false) disabled=move || !may || moved.pending().get()>"Undeploy group"</button>
                {(!may).then(|| view! { <span class="reason">{crate::rights::lacking("DEPLOY_UNDEPLOY")}</span> })}
            </div>
            <div role="status" aria-live="polite">
                {move || moved.value().get().map(|r| match r {
                    Ok(result) => view! { <DeployResultView result /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </div>
        </section>
    }
}

#[component]
fn Members(
    project: Memo<String>,
    group: Memo<String>,
    v: GroupView,
    member: ServerAction<ChangeMember>,
) -> impl IntoView {
    let may = v.rights.manage;
    let candidates: Vec<String> = v
        .proxies
        .into_iter()
        .filter(|p| !v.group.members.contains(p))
        .collect();
    let pick = RwSignal::new(candidates.first().cloned().unwrap_or_default());
    let change = move |proxy: String, add: bool| {
        member.dispatch(ChangeMember {
            project: project.get(),
            group: group.get(),
            proxy,
            add,
        });
    };
    view! {
        <section class="card" aria-labelledby="members-title">
            <h2 id="members-title">"Members"</h2>
            {if v.group.members.is_empty() {
                view! { <p class="empty">"No members yet: add the API proxies to deploy together."</p> }.into_any()
            } else {
                view! {
                    <ul class="members">
                        {v.group.members.into_iter().map(|m| {
                            let (href, name) = (crate::project::proxy_href(&project.get_untracked(), &m), m.clone());
                            view! {
                                <li>
                                    <a href=href>{m.clone()}</a>
                                    <button class="link" aria-label=format!("Remove {m}") disabled=!may on:click=move |_| change(name.clone(), false)>"Remove"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <div class="fields">
                <div class="field">
                    <label for="member-add">"Add an API proxy"</label>
                    <select id="member-add" on:change=move |ev| pick.set(event_target_value(&ev)) prop:value=move || pick.get()>
                        {candidates.iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <button on:click=move |_| change(pick.get(), true) disabled=!may || candidates.is_empty()>"Add"</button>
                {(!may).then(|| view! { <span class="reason">{crate::rights::lacking("MANAGE")}</span> })}
            </div>
        </section>
    }
}
