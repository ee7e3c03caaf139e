//! An API proxy group: its members (add, remove), its settings, and deploying or undeploying all of its
//! members to an environment at once, with the result per environment.

use deploy::model::{DeployOptions, DeploymentResult};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::group_settings::{GroupSettings, SaveGroupSettings};
use crate::project::{project_href, LiveList};
use crate::proxy::DeployResultView;
use crate::{early_input, ConsoleError};

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

/// `deploy`: deploy (or else undeploy) every member. `confirmed`: the person agreed to a change to a
/// production-type environment (the page's question, or, before the page's code arrived, the form's box).
#[server(endpoint = "move_group")]
pub async fn move_group(
    project: String,
    group: String,
    environment: String,
    deploy: bool,
    options: DeployOptions,
    #[server(default)] confirmed: bool,
) -> Result<DeploymentResult, ConsoleError> {
    use deploy::deployments::{deploy_group, undeploy_group};
    let (cp, actor) = crate::session::actor().await?;
    crate::proxy::unconfirmed_production(&cp, &actor, &project, &environment, confirmed).await?;
    if !deploy && !confirmed {
        return Err(ConsoleError::Refused(
            "Undeploying a group stops every member serving there at once: tick “I have checked what this changes” to go ahead."
                .into(),
        ));
    }
    let result = if deploy {
        deploy_group(&cp, &actor, &project, &group, &environment, &options).await?
    } else {
        undeploy_group(&cp, &actor, &project, &group, &environment, &options).await?
    };
    crate::proxy::plain_form_outcome(result)
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
    // What was chosen or typed before the page's code arrived stays (see early_input).
    let first = v.environments.first().cloned().unwrap_or_default();
    let environment = RwSignal::new(early_input::value("group-environment").unwrap_or(first));
    let description = RwSignal::new(early_input::value("group-description").unwrap_or_default());
    let production = StoredValue::new(v.production.clone());
    let is_production = move |env: &str| production.with_value(|p| p.iter().any(|e| e == env));
    let members = v.group.members.len();
    let may = v.rights.deploy;
    // Once the page runs, the buttons act here, asking first where needed; before that, and with scripts
    // off, the form posts itself to the same server function, and its box stands for the question.
    let go = move |ev: leptos::ev::MouseEvent, deploy: bool| {
        ev.prevent_default();
        let env = environment.get();
        let kind = if is_production(&env) {
            ", a production environment"
        } else {
            ""
        };
        let question = match deploy {
            true if is_production(&env) => Some(format!(
                "Deploy the {members} API proxies of {} to {env}{kind}? Each serves its current configuration there at once.",
                group.get()
            )),
            true => None,
            false => Some(format!(
                "Undeploy every API proxy of {} from {env}{kind}? They stop serving there at once.",
                group.get()
            )),
        };
        if let Some(question) = question {
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
        }
        moved.dispatch(MoveGroup {
            project: project.get(),
            group: group.get(),
            environment: env,
            deploy,
            options: DeployOptions {
                description: Some(description.get()).filter(|d| !d.trim().is_empty()),
                persistent: false,
            },
            confirmed: true,
        });
    };
    view! {
        <section class="card" aria-labelledby="group-deploy-title">
            <h2 id="group-deploy-title">"Deploy the group"</h2>
            <form method="post" action=MoveGroup::url() aria-label="Deploy or undeploy the group">
            <input type="hidden" name="project" value=project.get_untracked() />
            <input type="hidden" name="group" value=group.get_untracked() />
            <div class="fields">
                <div class="field">
                    <label for="group-environment">"Environment"</label>
                    <select id="group-environment" name="environment" on:change=move |ev| environment.set(event_target_value(&ev))>
                        {v.environments.iter().map(|e| {
                            let label = if is_production(e) { format!("{e} (production)") } else { e.clone() };
                            let chosen = *e == environment.get_untracked();
                            view! { <option value=e.clone() selected=chosen>{label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field grow">
                    <label for="group-description">"Description of this deploy"</label>
                    <input id="group-description" name="options[description]" maxlength="1000" value=description.get_untracked()
                        on:input=move |ev| description.set(event_target_value(&ev)) />
                </div>
            </div>
            // What a plain form (before the page's code arrives) has instead of the page's question.
            <div class="field check plain-only">
                <input id="group-confirmed" name="confirmed" value="true" type="checkbox" />
                <label for="group-confirmed">"I have checked what this changes (needed to undeploy, or to deploy to production)"</label>
            </div>
            <div class="actions">
                <button type="submit" name="deploy" value="true" class="primary" on:click=move |ev| go(ev, true) disabled=move || !may || moved.pending().get()>"Deploy group"</button>
                <button type="submit" name="deploy" value="false" on:click=move |ev| go(ev, false) disabled=move || !may || moved.pending().get()>"Undeploy group"</button>
                {(!may).then(|| view! { <span class="reason">{crate::rights::lacking("DEPLOY_UNDEPLOY")}</span> })}
            </div>
            </form>
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
        .iter()
        .filter(|p| !v.group.members.contains(&p.name))
        .map(|p| p.name.clone())
        .collect();
    let live_of = |name: &str| {
        v.proxies
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.live.clone())
            .unwrap_or_default()
    };
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
                                    <LiveList live=live_of(&m) />
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
