//! Personal access tokens for the APIOps REST API: create one (shown once), see when each was last used,
//! revoke one.

use deploy::model::TokenInfo;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::ConsoleError;

/// A token just created: the secret travels to the browser this once, to be copied.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub secret: String,
    pub info: TokenInfo,
}

#[server(endpoint = "list_my_tokens")]
pub async fn list_my_tokens() -> Result<Vec<TokenInfo>, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::tokens::list_tokens(&cp, &actor).await?)
}

#[server(endpoint = "create_my_token")]
pub async fn create_my_token(name: String, expires_in_days: Option<u32>) -> Result<NewToken, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    let username = actor.user.username.clone();
    let (secret, info) = deploy::tokens::create_token(&cp, &actor, &username, &name, expires_in_days).await?;
    Ok(NewToken {
        secret: secret.expose().to_owned(),
        info,
    })
}

#[server(endpoint = "revoke_my_token")]
pub async fn revoke_my_token(id: i64) -> Result<(), ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::tokens::revoke_token(&cp, &actor, id).await?)
}

fn day(text: &Option<String>) -> String {
    text.as_deref()
        .map(|t| t.get(..10).unwrap_or(t).to_owned())
        .unwrap_or_else(|| "—".to_owned())
}

#[component]
pub fn AccessTokensPage() -> impl IntoView {
    let create = ServerAction::<CreateMyToken>::new();
    let revoke = ServerAction::<RevokeMyToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_my_tokens(),
    );
    view! {
        <Title text="Access tokens · Portico" />
        <h1>"Access tokens"</h1>
        <p class="lead">"Personal access tokens let scripts and CI pipelines call the APIOps REST API as you."</p>
        <NewTokenForm create />
        <Transition fallback=|| view! { <p class="loading">"Loading your tokens…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty">"You have no tokens yet. Create one above for your pipeline."</p>
                    }.into_any(),
                    Ok(list) => view! { <TokenTable tokens=list revoke /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <div aria-live="polite">
            {move || revoke.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        </div>
    }
}

#[component]
fn NewTokenForm(create: ServerAction<CreateMyToken>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let days = RwSignal::new("90".to_owned());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateMyToken {
            name: name.get(),
            expires_in_days: days.get().trim().parse().ok(),
        });
    };
    let shown = move || {
        create.value().get().map(|answer| match answer {
            Ok(token) => view! {
                <ShownOnce
                    headline=format!("Token “{}” created.", token.info.name)
                    advice="Copy it now: it is shown only this once, and Portico keeps only a hash of it."
                    secret=token.secret
                    label="Token value"
                />
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <section class="card" aria-labelledby="new-token-title">
            <h2 id="new-token-title">"New token"</h2>
            <form on:submit=submit>
                <div class="fields">
                    <div class="field grow">
                        <label for="token-name">"Label"</label>
                        <input id="token-name" required maxlength="100" bind:value=name placeholder="e.g. release pipeline" />
                    </div>
                    <div class="field">
                        <label for="token-days">"Expires in days"</label>
                        <input id="token-days" type="number" min="1" max="3650" bind:value=days />
                    </div>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { "Creating…" } else { "Create token" }}
                    </button>
                </div>
            </form>
            {shown}
        </section>
    }
}

/// A secret just issued, with a Copy button: the one time the browser holds it. Access tokens and gateway
/// node tokens both show theirs this way.
#[component]
pub(crate) fn ShownOnce(
    headline: String,
    advice: &'static str,
    secret: String,
    label: &'static str,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let to_copy = secret.clone();
    let copy = move |_| {
        // Fire and forget: the browser asks no permission for a click-initiated write.
        let _ = window().navigator().clipboard().write_text(&to_copy);
        copied.set(true);
    };
    view! {
        <div class="card created" role="alert">
            <p><strong>{headline}</strong>" "{advice}</p>
            <p><code aria-label=label>{secret}</code></p>
            <button type="button" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
        </div>
    }
}

#[component]
fn TokenTable(tokens: Vec<TokenInfo>, revoke: ServerAction<RevokeMyToken>) -> impl IntoView {
    view! {
        <table class="list" aria-label="Your tokens">
            <thead>
                <tr>
                    <th scope="col">"Label"</th>
                    <th scope="col">"Starts with"</th>
                    <th scope="col" class="minor">"Created"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col" class="minor">"Last used"</th>
                    <th scope="col">"Status"</th>
                </tr>
            </thead>
            <tbody>
                {tokens.into_iter().map(|t| {
                    let (id, label) = (t.id, t.name.clone());
                    let on_revoke = move |_| {
                        let question = format!("Revoke the token “{label}”? Pipelines using it stop working at once.");
                        if window().confirm_with_message(&question).unwrap_or(false) {
                            revoke.dispatch(RevokeMyToken { id });
                        }
                    };
                    let revoked = t.revoked_at.is_some();
                    view! {
                        <tr>
                            <td class="name">{t.name.clone()}</td>
                            <td><code>{format!("{}…", t.hint)}</code></td>
                            <td class="minor">{day(&Some(t.created_at.clone()))}</td>
                            <td>{t.expires_at.as_ref().map(|_| day(&t.expires_at)).unwrap_or_else(|| "never".to_owned())}</td>
                            <td class="minor">{t.last_used_at.as_ref().map(|_| day(&t.last_used_at)).unwrap_or_else(|| "never".to_owned())}</td>
                            <td>
                                {if revoked {
                                    view! { <span class="muted">{format!("revoked {}", day(&t.revoked_at))}</span> }.into_any()
                                } else {
                                    view! { <button class="link" aria-label=format!("Revoke {}", t.name) on:click=on_revoke>"Revoke"</button> }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
