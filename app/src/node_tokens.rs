//! Gateway node tokens on an environment's page, for system admins: issue one (shown once), see when each
//! was last used, revoke one. Nodes on other machines present them (issue 13).

use deploy::model::NodeTokenInfo;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::tokens::ShownOnce;
use crate::ConsoleError;

/// A node token just issued: the secret travels to the browser this once, to be copied.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNodeToken {
    pub secret: String,
    pub info: NodeTokenInfo,
}

#[server(endpoint = "list_node_tokens")]
pub async fn list_node_tokens(environment: String) -> Result<Vec<NodeTokenInfo>, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::node_tokens::list_node_tokens(&cp, &actor, Some(&environment)).await?)
}

#[server(endpoint = "create_node_token")]
pub async fn create_node_token(environment: String, name: String) -> Result<NewNodeToken, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    let (secret, info) = deploy::node_tokens::create_node_token(&cp, &actor, &environment, &name).await?;
    Ok(NewNodeToken {
        secret: secret.expose().to_owned(),
        info,
    })
}

#[server(endpoint = "revoke_node_token")]
pub async fn revoke_node_token(id: i64) -> Result<(), ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::node_tokens::revoke_node_token(&cp, &actor, id).await?)
}

/// The section on an environment's page, shown to system admins only.
///
/// Render it at the page's top level, never inside a `Suspend`: its resource must be created in the request's
/// own owner, in the same order on the server and in the browser, or hydration picks up another resource's data.
#[component]
pub fn NodeTokens(environment: Memo<String>) -> impl IntoView {
    let me = crate::layout::SignedIn::expect().0;
    let create = ServerAction::<CreateNodeToken>::new();
    let revoke = ServerAction::<RevokeNodeToken>::new();
    // None for anyone but a system admin, who is not asked for the list at all.
    let tokens = Resource::new(
        move || (environment.get(), create.version().get(), revoke.version().get()),
        move |(environment, _, _)| async move {
            match me.await {
                Ok(Some(u)) if u.system_admin => list_node_tokens(environment).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    let label = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateNodeToken {
            environment: environment.get(),
            name: label.get(),
        });
    };
    let issued = move || {
        create.value().get().map(|answer| match answer {
            Ok(token) => view! {
                <ShownOnce
                    headline=format!("Node token “{}” issued.", token.info.name)
                    advice="Copy it now for the node's token file: it is shown only this once."
                    secret=token.secret
                    label="Node token value"
                />
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    let section = move || {
        view! {
            <section class="card" aria-labelledby="node-tokens-title">
                <h2 id="node-tokens-title">"Gateway node tokens"</h2>
                <p class="muted">"Gateway nodes on other machines prove with one of these that they serve this environment."</p>
                <form on:submit=submit>
                    <div class="fields">
                        <div class="field grow">
                            <label for="node-token-label">"Node label"</label>
                            <input id="node-token-label" required maxlength="100" bind:value=label placeholder="e.g. edge-1.example.com" />
                        </div>
                        <button type="submit" class="primary" disabled=move || create.pending().get()>"Issue node token"</button>
                    </div>
                </form>
                {issued}
                <Transition>
                    {move || Suspend::new(async move {
                        match tokens.await {
                            Ok(None) => ().into_any(),
                            Ok(Some(list)) if list.is_empty() => view! { <p class="empty">"No node tokens for this environment yet."</p> }.into_any(),
                            Ok(Some(list)) => view! { <NodeTokenTable tokens=list revoke /> }.into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
                <div aria-live="polite">
                    {move || revoke.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
                </div>
            </section>
        }
    };
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                matches!(me.await, Ok(Some(u)) if u.system_admin).then(section)
            })}
        </Suspense>
    }
}

fn day(text: &Option<String>) -> String {
    text.as_deref()
        .map(|t| t.get(..10).unwrap_or(t).to_owned())
        .unwrap_or_else(|| "never".to_owned())
}

#[component]
fn NodeTokenTable(tokens: Vec<NodeTokenInfo>, revoke: ServerAction<RevokeNodeToken>) -> impl IntoView {
    view! {
        <table class="list" aria-label="Node tokens">
                <thead><tr>
                    <th scope="col">"Node label"</th><th scope="col">"Starts with"</th>
                    <th scope="col" class="minor">"Issued"</th><th scope="col" class="minor">"Last used"</th><th scope="col">"Status"</th>
                </tr></thead>
                <tbody>
                    {tokens.into_iter().map(|t| {
                        let (id, label) = (t.id, t.name.clone());
                        let on_revoke = move |_| {
                            let question = format!("Revoke the node token “{label}”? Nodes using it are refused from then on.");
                            if window().confirm_with_message(&question).unwrap_or(false) {
                                revoke.dispatch(RevokeNodeToken { id });
                            }
                        };
                        view! {
                            <tr>
                                <td class="name">{t.name.clone()}</td>
                                <td><code>{format!("{}…", t.hint)}</code></td>
                                <td class="minor">{day(&Some(t.created_at.clone()))}</td>
                                <td class="minor">{day(&t.last_used_at)}</td>
                                <td>{match &t.revoked_at {
                                    Some(_) => view! { <span class="muted">{format!("revoked {}", day(&t.revoked_at))}</span> }.into_any(),
                                    None => view! { <button class="link" aria-label=format!("Revoke {}", t.name) on:click=on_revoke>"Revoke"</button> }.into_any(),
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
        </table>
    }
}
