//! A project's members and their permissions, its settings, and its audit log: the project page's lower
//! sections. Project admins edit members and settings; everyone who may view the project reads the log.

use deploy::model::{AuditEntry, AuditFilter, Member, Permission, Project};
use leptos::prelude::*;

use crate::rights::Rights;
use crate::ConsoleError;

#[server(endpoint = "load_members")]
pub async fn load_members(project: String) -> Result<Vec<Member>, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::access::list_members(&cp, &actor, &project).await?)
}

#[server(endpoint = "save_member")]
pub async fn save_member(
    project: String,
    username: String,
    project_admin: bool,
    // No permission ticked sends no list at all.
    #[server(default)] permissions: Vec<Permission>,
    remove: bool,
) -> Result<(), ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    if remove {
        deploy::access::remove_member(&cp, &actor, &project, &username).await?;
    } else {
        deploy::access::set_member(
            &cp,
            &actor,
            &project,
            username.trim(),
            project_admin,
            &permissions,
        )
        .await?;
    }
    Ok(())
}

#[server(endpoint = "save_retention")]
pub async fn save_retention(project: String, limit: i64) -> Result<Project, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::projects::set_history_retention(&cp, &actor, &project, limit).await?)
}

/// The filter travels as plain fields (empty matches everything): a form-encoded struct of options that
/// are all absent would not arrive at all.
#[server(endpoint = "load_audit")]
pub async fn load_audit(
    project: String,
    user: String,
    object: String,
    action: String,
) -> Result<Vec<AuditEntry>, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    let given = |s: String| Some(s).filter(|s| !s.trim().is_empty());
    let filter = AuditFilter {
        user: given(user),
        object: given(object),
        action: given(action),
    };
    Ok(deploy::audit::project_log(&cp, &actor, &project, &filter, 200).await?)
}

#[component]
pub fn MembersSection(
    project: Memo<String>,
    members: Resource<Result<Vec<Member>, ConsoleError>>,
    save: ServerAction<SaveMember>,
    rights: Rights,
) -> impl IntoView {
    let may = rights.project_admin;
    let new_name = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveMember {
            project: project.get(),
            username: new_name.get(),
            project_admin: false,
            permissions: vec![Permission::View],
            remove: false,
        });
    };
    view! {
        <section aria-labelledby="members-title">
            <h2 id="members-title">"Members"</h2>
            <Transition>
                {move || Suspend::new(async move {
                    match members.await {
                        Ok(list) => view! { <MemberTable project list save may /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <form class="fields" on:submit=add>
                <div class="field">
                    <label for="member-name">"Add a member"</label>
                    <input id="member-name" bind:value=new_name placeholder="username" disabled=!may />
                </div>
                <button type="submit" disabled=!may>"Add with VIEW"</button>
                {(!may).then(|| view! { <span class="reason">"Only project admins change members."</span> })}
            </form>
            <div aria-live="polite">
                {move || save.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            </div>
        </section>
    }
}

#[component]
fn MemberTable(
    project: Memo<String>,
    list: Vec<Member>,
    save: ServerAction<SaveMember>,
    may: bool,
) -> impl IntoView {
    view! {
        <table class="list" aria-label="Members">
            <thead><tr>
                <th scope="col">"User"</th><th scope="col">"Project admin"</th>
                {Permission::ALL.iter().map(|p| view! { <th scope="col">{p.as_str()}</th> }).collect_view()}
                <th scope="col"></th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|m| {
                    let admin = RwSignal::new(m.project_admin);
                    let held = RwSignal::new(m.permissions.clone());
                    let (name_save, name_remove) = (m.username.clone(), m.username.clone());
                    let store = move |_| {
                        save.dispatch(SaveMember {
                            project: project.get(), username: name_save.clone(), project_admin: admin.get(), permissions: held.get(), remove: false,
                        });
                    };
                    let remove = move |_| {
                        let question = format!("Remove {name_remove} from the project?");
                        if window().confirm_with_message(&question).unwrap_or(false) {
                            save.dispatch(SaveMember { project: project.get(), username: name_remove.clone(), project_admin: false, permissions: vec![], remove: true });
                        }
                    };
                    let user = m.username.clone();
                    view! {
                        <tr>
                            <td class="name">{m.username.clone()}</td>
                            <td><input type="checkbox" aria-label=format!("{user} is project admin") bind:checked=admin disabled=!may /></td>
                            {Permission::ALL.into_iter().map(|p| {
                                let label = format!("{} holds {}", m.username, p.as_str());
                                view! {
                                    <td><input type="checkbox" aria-label=label disabled=!may
                                        prop:checked=move || held.with(|h| h.contains(&p))
                                        on:change=move |_| held.update(|h| if let Some(i) = h.iter().position(|x| *x == p) { h.remove(i); } else { h.push(p); }) /></td>
                                }
                            }).collect_view()}
                            <td>
                                <button class="link" on:click=store disabled=!may aria-label=format!("Save {user}")>"Save"</button>
                                <button class="link" on:click=remove disabled=!may aria-label=format!("Remove {}", m.username)>"Remove"</button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn SettingsSection(project: Memo<String>, current: i64, rights: Rights) -> impl IntoView {
    let save = ServerAction::<SaveRetention>::new();
    let limit = RwSignal::new(current.to_string());
    let may = rights.project_admin;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match limit.get().trim().parse() {
            Ok(limit) => {
                let question = format!(
                    "Keep only the newest {limit} records of each API proxy? Older unpinned records are deleted now."
                );
                if limit >= current || window().confirm_with_message(&question).unwrap_or(false) {
                    save.dispatch(SaveRetention {
                        project: project.get(),
                        limit,
                    });
                }
            }
            Err(_) => save.value().set(Some(Err(ConsoleError::Refused(
                "The limit must be a whole number.".into(),
            )))),
        }
    };
    view! {
        <section aria-labelledby="settings-title">
            <h2 id="settings-title">"Settings"</h2>
            <form class="fields card" on:submit=submit>
                <div class="field">
                    <label for="retention">"Deploy history kept per API proxy"</label>
                    <input id="retention" inputmode="numeric" bind:value=limit disabled=!may />
                </div>
                <button type="submit" disabled=move || !may || save.pending().get()>"Save settings"</button>
                <span aria-live="polite">
                    {move || save.value().get().map(|r| match r {
                        Ok(p) => view! { <span class="notice">{format!("Kept: the newest {} records, and every pinned one.", p.history_retention)}</span> }.into_any(),
                        Err(e) => view! { <span class="error" role="alert">{e.to_string()}</span> }.into_any(),
                    })}
                </span>
                {(!may).then(|| view! { <span class="reason">"Only project admins change settings."</span> })}
            </form>
        </section>
    }
}

#[component]
pub fn AuditSection(
    audit: Resource<Result<Vec<AuditEntry>, ConsoleError>>,
    filter: RwSignal<AuditFilter>,
) -> impl IntoView {
    let set = move |field: fn(&mut AuditFilter) -> &mut Option<String>| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            filter.update(|f| *field(f) = Some(value).filter(|v| !v.trim().is_empty()));
        }
    };
    view! {
        <section aria-labelledby="audit-title">
            <h2 id="audit-title">"Audit log"</h2>
            <div class="fields">
                <div class="field"><label for="audit-user">"User"</label><input id="audit-user" type="search" on:change=set(|f| &mut f.user) /></div>
                <div class="field"><label for="audit-object">"Object"</label><input id="audit-object" type="search" on:change=set(|f| &mut f.object) /></div>
                <div class="field"><label for="audit-action">"Action"</label><input id="audit-action" type="search" on:change=set(|f| &mut f.action) placeholder="DEPLOY" /></div>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading the audit log…"</p> }>
                {move || Suspend::new(async move {
                    match audit.await {
                        Ok(entries) if entries.is_empty() => view! { <p class="empty">"Nothing matches these filters."</p> }.into_any(),
                        Ok(entries) => view! {
                            <table class="list" aria-label="Audit log">
                                <thead><tr>
                                    <th scope="col">"When"</th><th scope="col">"User"</th><th scope="col">"Action"</th>
                                    <th scope="col">"Object"</th><th scope="col" class="minor">"Detail"</th>
                                </tr></thead>
                                <tbody>
                                    {entries.into_iter().map(|e| view! {
                                        <tr>
                                            <td>{e.at.get(..19).unwrap_or_default().replace('T', " ")}</td>
                                            <td>{format!("{} ({})", e.actor, e.channel)}</td>
                                            <td>{e.action}</td>
                                            <td>{format!("{} {}", e.object_type, e.object_name)}</td>
                                            <td class="minor">{e.detail}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
