//! A proxy's deploy history: pin records, compare two revisions (or one with the current configuration),
//! and roll back, optionally deploying at once.

use deploy::model::{ConfigDiff, HistoryPage, HistoryRecord};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::proxy::{proxy_params, ProxyHeader, ProxyView};
use crate::rights::Rights;
use crate::ConsoleError;

#[server(endpoint = "proxy_history")]
pub async fn proxy_history(project: String, proxy: String) -> Result<HistoryPage, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::pages::history_page(&cp, &actor, &project, &proxy).await?)
}

#[server(endpoint = "pin_record")]
pub async fn pin_record(
    project: String,
    proxy: String,
    revision: i64,
    pinned: bool,
) -> Result<(), ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    deploy::history::set_persistent(&cp, &actor, &project, &proxy, revision, pinned).await?;
    Ok(())
}

#[server(endpoint = "diff_revision")]
pub async fn diff_revision(
    project: String,
    proxy: String,
    revision: i64,
    against: Option<i64>,
) -> Result<ConfigDiff, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::rollback::diff_revision(&cp, &actor, &project, &proxy, revision, against).await?)
}

#[server(endpoint = "rollback_proxy")]
pub async fn rollback_proxy(
    project: String,
    proxy: String,
    revision: i64,
    environment: Option<String>,
) -> Result<String, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    let outcome =
        deploy::rollback::rollback(&cp, &actor, &project, &proxy, revision, environment.as_deref()).await?;
    Ok(outcome.message())
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let (project, proxy) = proxy_params();
    let pin = ServerAction::<PinRecord>::new();
    let rollback = ServerAction::<RollbackProxy>::new();
    let changed = move || (pin.version().get(), rollback.version().get());
    let history = Resource::new(
        move || (project.get(), proxy.get(), changed()),
        |(project, proxy, _)| proxy_history(project, proxy),
    );
    view! {
        <Title text=move || format!("{} history · Portico", proxy.get()) />
        <ProxyHeader project proxy current="Deploy history" />
        <Transition fallback=|| view! { <p class="loading">"Loading the deploy history…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(HistoryPage { page, records }) => view! {
                        <Compare project proxy records=records.clone() />
                        <Rollback project proxy records=records.clone() details=page.clone() action=rollback />
                        <Records project proxy records rights=page.rights pin />
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn parse_revision(text: &str) -> Option<i64> {
    text.parse().ok()
}

/// A select of the revisions, first option given.
fn revision_options(records: &[HistoryRecord]) -> impl IntoView {
    records
        .iter()
        .map(|r| {
            let label = format!(
                "{} · {} {} · {}",
                r.revision,
                r.action.as_str(),
                r.environment_name.as_deref().unwrap_or_default(),
                r.description
            );
            view! { <option value=r.revision.to_string()>{label}</option> }
        })
        .collect_view()
}

#[component]
fn Compare(project: Memo<String>, proxy: Memo<String>, records: Vec<HistoryRecord>) -> impl IntoView {
    let revision = RwSignal::new(
        records
            .first()
            .map(|r| r.revision.to_string())
            .unwrap_or_default(),
    );
    let against = RwSignal::new(String::new());
    let diff = Action::new(move |(revision, against): &(i64, Option<i64>)| {
        diff_revision(
            project.get_untracked(),
            proxy.get_untracked(),
            *revision,
            *against,
        )
    });
    let compare = move |_| {
        if let Some(r) = parse_revision(&revision.get()) {
            diff.dispatch((r, parse_revision(&against.get())));
        }
    };
    let against_label = move || match parse_revision(&against.get()) {
        Some(r) => format!("revision {r}"),
        None => "the current configuration".to_owned(),
    };
    view! {
        <section class="card" aria-labelledby="compare-title">
            <h2 id="compare-title">"Compare"</h2>
            <div class="fields">
                <div class="field">
                    <label for="compare-revision">"Revision"</label>
                    <select id="compare-revision" on:change=move |ev| revision.set(event_target_value(&ev)) prop:value=move || revision.get()>
                        {revision_options(&records)}
                    </select>
                </div>
                <div class="field">
                    <label for="compare-against">"Against"</label>
                    <select id="compare-against" on:change=move |ev| against.set(event_target_value(&ev)) prop:value=move || against.get()>
                        <option value="">"Current configuration"</option>
                        {revision_options(&records)}
                    </select>
                </div>
                <button on:click=compare disabled=move || diff.pending().get()>"Show changes"</button>
            </div>
            <div role="status" aria-live="polite">
                {move || diff.value().get().map(|answer| match answer {
                    Ok(d) => view! { <DiffTable diff=d against=against_label() /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </div>
        </section>
    }
}

fn show(value: &Option<serde_json::Value>) -> String {
    match value {
        None => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

#[component]
fn DiffTable(diff: ConfigDiff, against: String) -> impl IntoView {
    if diff.changes.is_empty() {
        return view! { <p class="notice">{format!("Revision {} is the same as {against}.", diff.revision)}</p> }.into_any();
    }
    view! {
        <table class="list diff" aria-label="Changes">
            <caption>{format!("From {against} to revision {}", diff.revision)}</caption>
            <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
            <tbody>
                {diff.changes.into_iter().map(|c| view! {
                    <tr>
                        <td><code>{c.path.clone()}</code></td>
                        <td class="before">{show(&c.from)}</td>
                        <td class="after">{show(&c.to)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Rollback(
    project: Memo<String>,
    proxy: Memo<String>,
    records: Vec<HistoryRecord>,
    details: ProxyView,
    action: ServerAction<RollbackProxy>,
) -> impl IntoView {
    let revision = RwSignal::new(
        records
            .first()
            .map(|r| r.revision.to_string())
            .unwrap_or_default(),
    );
    let environment = RwSignal::new(String::new());
    let may_manage = details.rights.manage;
    let may_deploy = details.rights.deploy;
    let submit = move |_| {
        let Some(r) = parse_revision(&revision.get()) else {
            return;
        };
        let env = Some(environment.get()).filter(|e| !e.is_empty());
        let question = match &env {
            Some(e) => format!("Roll {} back to revision {r} and deploy it to {e}?", proxy.get()),
            None => format!(
                "Roll {} back to revision {r}? The current configuration is kept in the history.",
                proxy.get()
            ),
        };
        if window().confirm_with_message(&question).unwrap_or(false) {
            action.dispatch(RollbackProxy {
                project: project.get(),
                proxy: proxy.get(),
                revision: r,
                environment: env,
            });
        }
    };
    let blocked = move || {
        if !may_manage {
            Some(crate::rights::lacking("MANAGE"))
        } else if !environment.get().is_empty() && !may_deploy {
            Some(crate::rights::lacking("DEPLOY_UNDEPLOY"))
        } else {
            None
        }
    };
    view! {
        <section class="card" aria-labelledby="rollback-title">
            <h2 id="rollback-title">"Roll back"</h2>
            <div class="fields">
                <div class="field">
                    <label for="rollback-revision">"To revision"</label>
                    <select id="rollback-revision" on:change=move |ev| revision.set(event_target_value(&ev)) prop:value=move || revision.get()>
                        {revision_options(&records)}
                    </select>
                </div>
                <div class="field">
                    <label for="rollback-environment">"Then deploy to"</label>
                    <select id="rollback-environment" on:change=move |ev| environment.set(event_target_value(&ev)) prop:value=move || environment.get()>
                        <option value="">"Do not deploy"</option>
                        {details.proxy.deploy_list.iter().map(|e| view! { <option value=e.clone()>{e.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <button class="primary" on:click=submit disabled=move || blocked().is_some() || action.pending().get()>
                    {move || if action.pending().get() { "Rolling back…" } else { "Roll back" }}
                </button>
            </div>
            {move || blocked().map(|why| view! { <p class="reason">{why}</p> })}
            <div role="status" aria-live="polite">
                {move || action.value().get().map(|answer| match answer {
                    Ok(message) => {
                        let class = if message.contains("deployment failed") { "error" } else { "notice" };
                        view! { <p class=class>{message}</p> }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </div>
        </section>
    }
}

#[component]
fn Records(
    project: Memo<String>,
    proxy: Memo<String>,
    records: Vec<HistoryRecord>,
    rights: Rights,
    pin: ServerAction<PinRecord>,
) -> impl IntoView {
    if records.is_empty() {
        return view! { <p class="empty">"No deploy history yet: deploy this API proxy to start one."</p> }
            .into_any();
    }
    view! {
        <section aria-labelledby="records-title">
            <h2 id="records-title">"Records"</h2>
            <table class="list" aria-label="Deploy history">
                <thead>
                    <tr>
                        <th scope="col">"Revision"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Environment"</th>
                        <th scope="col" class="minor">"User"</th>
                        <th scope="col">"Time"</th>
                        <th scope="col" class="minor">"Description"</th>
                        <th scope="col">"Kept"</th>
                    </tr>
                </thead>
                <tbody>
                    {records.into_iter().map(|r| {
                        let (revision, pinned) = (r.revision, r.persistent);
                        let label = format!("{} revision {revision}", if pinned { "Unpin" } else { "Pin" });
                        view! {
                            <tr>
                                <td>{revision}</td>
                                <td>{r.action.as_str()}</td>
                                <td>{r.environment_name.unwrap_or_default()}</td>
                                <td class="minor">{r.username}</td>
                                <td><time datetime=r.at.clone()>{r.at.get(..19).unwrap_or_default().replace('T', " ")}</time></td>
                                <td class="minor">{r.description}</td>
                                <td>
                                    <button
                                        class="link"
                                        aria-label=label
                                        aria-pressed=pinned.to_string()
                                        disabled=!rights.deploy
                                        title=(!rights.deploy).then(|| crate::rights::lacking("DEPLOY_UNDEPLOY"))
                                        on:click=move |_| {
                                            pin.dispatch(PinRecord { project: project.get(), proxy: proxy.get(), revision, pinned: !pinned });
                                        }
                                    >
                                        {if pinned { "Pinned" } else { "Pin" }}
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}
