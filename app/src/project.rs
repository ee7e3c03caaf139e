//! A project: its API proxies (where each is live, at which revision, and whether a redeploy is due), its
//! groups and its environments.

pub use deploy::model::ProjectPage as ProjectView;
use deploy::model::{AuditFilter, ProxySummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::project_admin::{
    load_audit, load_members, AuditSection, MembersSection, SaveMember, SettingsSection,
};
use crate::proxy_form::{ProxyForm, SaveProxy};
use crate::ConsoleError;

#[server(endpoint = "load_project")]
pub async fn load_project(project: String) -> Result<ProjectView, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::pages::project_page(&cp, &actor, &project).await?)
}

/// The path of a project's page, its names escaped for a URL.
pub fn project_href(project: &str) -> String {
    format!("/projects/{project}")
}

pub fn proxy_href(project: &str, proxy: &str) -> String {
    format!("/projects/{project}/proxies/{proxy}")
}

#[component]
pub fn ProjectPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.read().get("project").unwrap_or_default();
    let saved = ServerAction::<SaveProxy>::new();
    let overview = Resource::new(name, load_project);
    // A new proxy opens on its own page.
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(created)) = saved.value().get() {
            navigate(&proxy_href(&name(), &created.proxy.name), Default::default());
        }
    });
    let project = Memo::new(move |_| name());
    // Created here, not under the overview's suspense, so each hydrates on its own.
    let save_member = ServerAction::<SaveMember>::new();
    let member_saved = crate::refresh::successes(save_member);
    let members = Resource::new(move || (name(), member_saved.get()), |(p, _)| load_members(p));
    let filter = RwSignal::new(AuditFilter::default());
    let audit = Resource::new(
        move || (name(), filter.get(), member_saved.get()),
        |(p, f, _)| {
            let text = |o: Option<String>| o.unwrap_or_default();
            load_audit(p, text(f.user), text(f.object), text(f.action))
        },
    );
    view! {
        <Title text=move || format!("{} · Portico", name()) />
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/projects">"Projects"</a>
            " / "
            <span aria-current="page">{name}</span>
        </nav>
        <Transition fallback=|| view! { <p class="loading">"Loading the project…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! { <Overview o project saved /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <Suspense>
            {move || Suspend::new(async move {
                overview.await.ok().map(|o| view! {
                    <MembersSection project members save=save_member rights=o.rights />
                    <SettingsSection project current=o.project.history_retention rights=o.rights />
                })
            })}
        </Suspense>
        <AuditSection audit filter />
    }
}

#[component]
fn Overview(o: ProjectView, project: Memo<String>, saved: ServerAction<SaveProxy>) -> impl IntoView {
    let environments: Vec<String> = o
        .environments
        .iter()
        .map(|e| e.environment.name.clone())
        .collect();
    let may = o.rights.manage;
    let project_name = project.get_untracked();
    view! {
        <div class="title-row">
            <h1>{o.project.name.clone()}</h1>
            <a class="button" href=format!("{}/import", project_href(&project_name))>"Import"</a>
        </div>
        <p class="lead">{o.project.description.clone()}</p>
        <section aria-labelledby="proxies-title">
            <h2 id="proxies-title">"API proxies"</h2>
            <ProxyTable project=project_name.clone() proxies=o.proxies />
            <details class="new-proxy">
                <summary>"New API proxy"</summary>
                <ProxyForm project existing=None environments saved may />
            </details>
        </section>
        <section aria-labelledby="groups-title">
            <h2 id="groups-title">"Groups"</h2>
            {if o.groups.is_empty() {
                view! { <p class="empty">"No groups. A group deploys several API proxies together."</p> }.into_any()
            } else {
                view! {
                    <table class="list" aria-label="Groups">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Members"</th><th scope="col" class="minor">"Description"</th></tr></thead>
                        <tbody>
                            {o.groups.into_iter().map(|g| view! {
                                <tr>
                                    <td class="name"><a href=crate::group::group_href(&project_name, &g.name)>{g.name.clone()}</a></td>
                                    <td>{g.members.join(", ")}</td>
                                    <td class="minor">{g.spec.description}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="environments-title">
            <h2 id="environments-title">"Environments"</h2>
            {if o.environments.is_empty() {
                view! { <p class="empty">"No environments are assigned to this project; a system admin assigns them."</p> }.into_any()
            } else {
                view! {
                    <table class="list" aria-label="Environments">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Status"</th></tr></thead>
                        <tbody>
                            {o.environments.into_iter().map(|e| view! {
                                <tr>
                                    <td class="name">{e.environment.name}</td>
                                    <td>{e.environment.env_type.as_str()}</td>
                                    <td>
                                        {if e.deployed { "Has live API proxies" } else { "Nothing live" }}
                                        {e.redeploy_required.then(|| view! { <span class="badge warn">"redeploy required"</span> })}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ProxyTable(project: String, proxies: Vec<ProxySummary>) -> impl IntoView {
    if proxies.is_empty() {
        return view! { <p class="empty">"No API proxies yet. Create one with the APIOps REST API or import an export."</p> }
            .into_any();
    }
    view! {
        <table class="list" aria-label="API proxies">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col" class="minor">"Type"</th>
                    <th scope="col">"Path"</th>
                    <th scope="col">"Live in"</th>
                </tr>
            </thead>
            <tbody>
                {proxies.into_iter().map(|p| {
                    let href = proxy_href(&project, &p.name);
                    view! {
                        <tr>
                            <td class="name"><a href=href>{p.name.clone()}</a></td>
                            <td class="minor">{format!("{:?}", p.api_type).to_uppercase()}</td>
                            <td><code>{p.relative_path}</code></td>
                            <td><LiveList live=p.live /></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Where a proxy is live, at which revision, with a badge where the configuration moved on since.
#[component]
pub fn LiveList(live: Vec<deploy::model::LiveDeployment>) -> impl IntoView {
    if live.is_empty() {
        return view! { <span class="muted">"not deployed"</span> }.into_any();
    }
    view! {
        <ul class="live">
            {live.into_iter().map(|l| view! {
                <li>
                    <strong>{l.environment}</strong>
                    {format!(" rev {}", l.revision)}
                    {l.redeploy_required.then(|| view! { <span class="badge warn">"redeploy required"</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}
