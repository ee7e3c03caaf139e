//! A proxy's deploy history: pin records, compare two revisions (or one with the current configuration),
//! and roll back, optionally deploying at once.

use deploy::model::{ChangeKind, ConfigDiff, HistoryPage, HistoryRecord};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::proxy::{proxy_params, ProxyHeader, ProxyView};
use crate::rights::Rights;
use crate::timeline::DeployTimeline;
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
    #[server(default)] confirmed: bool,
) -> Result<String, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    // A plain form's "Do not deploy" sends an empty name.
    let environment = environment.filter(|e| !e.is_empty());
    if let Some(env) = &environment {
        crate::proxy::unconfirmed_production(&cp, &actor, &project, env, confirmed).await?;
    }
    let outcome =
        deploy::rollback::rollback(&cp, &actor, &project, &proxy, revision, environment.as_deref()).await?;
    // A plain form's answer is not shown: a rollback whose deploy was refused comes back as that refusal.
    if outcome.deploy_error.is_some() && crate::error::plain_form_post() {
        return Err(ConsoleError::Refused(outcome.message()));
    }
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
    // A row's "Compare" and "Roll back to" fill the cards above with its revision.
    let picks = Picks {
        compare: RwSignal::new(None),
        rollback: RwSignal::new(None),
    };
    view! {
        <Title text=move || format!("{} history · Portico", proxy.get()) />
        <ProxyHeader project proxy current="Deploy history" />
        <Transition fallback=|| view! { <p class="loading">"Loading the deploy history…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(HistoryPage { page, records, timeline }) => view! {
                        <DeployTimeline timeline />
                        <Compare project proxy records=records.clone() picks />
                        <Rollback project proxy records=records.clone() details=page.clone() action=rollback picks />
                        <Records project proxy records live=page.proxy.live.clone() rights=page.rights pin picks />
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The revision a record's row asked the compare or roll-back card to take.
#[derive(Clone, Copy)]
struct Picks {
    compare: RwSignal<Option<i64>>,
    rollback: RwSignal<Option<i64>>,
}

/// Brings a card into view once a row has filled it.
fn reveal(id: &str) {
    if let Some(card) = document().get_element_by_id(id) {
        card.scroll_into_view();
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
fn Compare(
    project: Memo<String>,
    proxy: Memo<String>,
    records: Vec<HistoryRecord>,
    picks: Picks,
) -> impl IntoView {
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
    // A row's "Compare": that revision against the current configuration, at once.
    Effect::new(move |_| {
        if let Some(r) = picks.compare.get() {
            revision.set(r.to_string());
            against.set(String::new());
            diff.dispatch((r, None));
            reveal("compare-title");
        }
    });
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

/// A changed field as a person names it: a backend by its address, other fields by their JSON path.
pub(crate) fn field_label(path: &str) -> String {
    match path.strip_prefix("routing.addressList[address=") {
        Some(rest) => match rest.rsplit_once(']') {
            Some((address, "")) => format!("Backend {address}"),
            Some((address, field)) => format!("Backend {address} › {}", field.trim_start_matches('.')),
            None => path.to_owned(),
        },
        None => path.to_owned(),
    }
}

/// A value as fields and words, never as JSON: lists joined, a backend as its settings.
fn show(value: &Option<serde_json::Value>) -> String {
    use serde_json::Value;
    fn plain(v: &Value) -> String {
        match v {
            Value::Null => "none".to_owned(),
            Value::String(s) => s.clone(),
            Value::Array(items) if items.is_empty() => "none".to_owned(),
            Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
            // A backend's address is already in the field's name.
            Value::Object(fields) => fields
                .iter()
                .filter(|(k, v)| !v.is_null() && k.as_str() != "address")
                .map(|(k, v)| format!("{k}: {}", plain(v)))
                .collect::<Vec<_>>()
                .join(" · "),
            other => other.to_string(),
        }
    }
    value.as_ref().map_or_else(|| "—".to_owned(), plain)
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
                        <td>
                            <code>{field_label(&c.path)}</code>
                            {match c.kind {
                                ChangeKind::Added => Some(view! { " " <span class="badge">"added"</span> }),
                                ChangeKind::Removed => Some(view! { " " <span class="badge warn">"removed"</span> }),
                                ChangeKind::Changed => None,
                            }}
                        </td>
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
    picks: Picks,
) -> impl IntoView {
    let revision = RwSignal::new(
        records
            .first()
            .map(|r| r.revision.to_string())
            .unwrap_or_default(),
    );
    let environment = RwSignal::new(String::new());
    // The fields are the truth until the page's code arrives (see the deploy panel): read once it runs.
    let (revision_field, environment_field) = (
        NodeRef::<leptos::html::Select>::new(),
        NodeRef::<leptos::html::Select>::new(),
    );
    Effect::new(move |_| {
        if let Some(field) = revision_field.get() {
            revision.set(field.value());
        }
        if let Some(field) = environment_field.get() {
            environment.set(field.value());
        }
    });
    Effect::new(move |_| {
        if let Some(r) = picks.rollback.get() {
            revision.set(r.to_string());
            if let Some(field) = revision_field.get_untracked() {
                field.set_value(&r.to_string());
            }
            reveal("rollback-title");
        }
    });
    let deploys_to_production = details
        .proxy
        .deploy_list
        .iter()
        .any(|e| details.production.contains(e));
    let production = StoredValue::new(details.production.clone());
    // Which records the rollback's own records push out of the history: a rollback writes one, and one
    // more when it deploys; the record rolled back to is never pushed out.
    let limit = details.history_limit;
    let unkept: Vec<i64> = {
        let mut kept: Vec<i64> = records
            .iter()
            .filter(|r| !r.persistent)
            .map(|r| r.revision)
            .collect();
        kept.sort_unstable();
        kept
    };
    let pushed_out = move || {
        let target = parse_revision(&revision.get());
        let written = if environment.get().is_empty() { 1 } else { 2 };
        let candidates: Vec<i64> = unkept.iter().copied().filter(|r| Some(*r) != target).collect();
        let over = (candidates.len() + written).saturating_sub(limit.max(0) as usize);
        candidates.into_iter().take(over).collect::<Vec<_>>()
    };
    let may_manage = details.rights.manage;
    let may_deploy = details.rights.deploy;
    let submit = move |ev: leptos::ev::MouseEvent| {
        // Once the page runs, the button asks first; before that, and with scripts off, the form posts.
        ev.prevent_default();
        let Some(r) = parse_revision(&revision.get()) else {
            return;
        };
        let env = Some(environment.get()).filter(|e| !e.is_empty());
        let kind = |e: &String| {
            if production.with_value(|p| p.contains(e)) {
                " (a production environment)"
            } else {
                ""
            }
        };
        let question = match &env {
            Some(e) => format!(
                "Roll {} back to revision {r} and deploy it to {e}{}?",
                proxy.get(),
                kind(e)
            ),
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
                confirmed: true,
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
            <form method="post" action=RollbackProxy::url() aria-label="Roll back">
            <input type="hidden" name="project" value=project.get_untracked() />
            <input type="hidden" name="proxy" value=proxy.get_untracked() />
            <div class="fields">
                <div class="field">
                    <label for="rollback-revision">"To revision"</label>
                    <select id="rollback-revision" name="revision" node_ref=revision_field on:change=move |ev| revision.set(event_target_value(&ev))>
                        {revision_options(&records)}
                    </select>
                </div>
                <div class="field">
                    <label for="rollback-environment">"Then deploy to"</label>
                    <select id="rollback-environment" name="environment" node_ref=environment_field on:change=move |ev| environment.set(event_target_value(&ev))>
                        <option value="">"Do not deploy"</option>
                        {details.proxy.deploy_list.iter().map(|e| view! { <option value=e.clone()>{e.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="primary" on:click=submit disabled=move || blocked().is_some() || action.pending().get()>
                    {move || if action.pending().get() { "Rolling back…" } else { "Roll back" }}
                </button>
            </div>
            // What a plain form (before the page's code arrives) has instead of the page's question.
            {deploys_to_production.then(|| view! {
                <div class="field check plain-only">
                    <input id="rollback-confirmed" name="confirmed" value="true" type="checkbox" />
                    <label for="rollback-confirmed">"I have checked what this changes in production"</label>
                </div>
            })}
            </form>
            {move || blocked().map(|why| view! { <p class="reason">{why}</p> })}
            {move || {
                let gone = pushed_out();
                (!gone.is_empty()).then(|| view! {
                    <p class="field-warning" role="note">{retention_warning(&gone, limit)}</p>
                })
            }}
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

/// The warning before an action whose records push older ones out of the history.
pub(crate) fn retention_warning(gone: &[i64], limit: i64) -> String {
    let list = gone.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ");
    let which = if gone.len() == 1 { "revision" } else { "revisions" };
    format!(
        "The history keeps {limit} records without “keep”: this pushes out {which} {list}. Pin a record to keep it."
    )
}

#[component]
fn Records(
    project: Memo<String>,
    proxy: Memo<String>,
    records: Vec<HistoryRecord>,
    /// Where the proxy is live now, and by which record.
    live: Vec<deploy::model::LiveDeployment>,
    rights: Rights,
    pin: ServerAction<PinRecord>,
    picks: Picks,
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
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {records.into_iter().map(|r| {
                        let (revision, pinned) = (r.revision, r.persistent);
                        let live_here = r.action == deploy::model::Action::Deploy
                            && live.iter().any(|l| Some(&l.environment) == r.environment_name.as_ref() && l.revision == revision);
                        let label = format!("{} revision {revision}", if pinned { "Unpin" } else { "Pin" });
                        view! {
                            <tr class:live=live_here>
                                <td>{revision}</td>
                                <td>{r.action.as_str()}</td>
                                <td>
                                    {r.environment_name.unwrap_or_default()}
                                    {live_here.then(|| view! { " " <span class="badge live" title="What this environment serves now">"live"</span> })}
                                </td>
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
                                <td class="row-actions">
                                    <button class="link" aria-label=format!("Compare revision {revision} with the current configuration")
                                        on:click=move |_| picks.compare.set(Some(revision))>"Compare"</button>
                                    <button class="link" aria-label=format!("Roll back to revision {revision}")
                                        disabled=!rights.manage
                                        on:click=move |_| picks.rollback.set(Some(revision))>"Roll back to"</button>
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
