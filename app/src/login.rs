//! Signing in and out of the console.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::ConsoleError;

/// The signed-in user as the console shows it, with what the user may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub username: String,
    pub system_admin: bool,
    pub may_create_projects: bool,
}

#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Viewer>, ConsoleError> {
    let Some(user) = crate::session::signed_in_user().await? else {
        return Ok(None);
    };
    let actor = deploy::Actor::new(user, deploy::Channel::Console);
    Ok(Some(Viewer {
        may_create_projects: deploy::projects::may_create_projects(&actor),
        username: actor.user.username,
        system_admin: actor.user.system_admin,
    }))
}

#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), ConsoleError> {
    use crate::session::{control_plane, session, USER_ID};
    let cp = control_plane()?;
    // The peer address; behind a reverse proxy this is the proxy's, which still bounds guessing overall.
    let address = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .await
        .ok()
        .map(|info| info.0.ip());
    let password = deploy::users::Password::new(password);
    let user = deploy::users::sign_in(&cp, username.trim(), &password, address).await;
    let user = match user {
        Ok(user) => user,
        Err(e) => {
            tracing::info!(username = %username.trim(), "console sign-in refused");
            return Err(e.into());
        }
    };
    let session = session().await?;
    // A new session id at sign-in, so an id planted before sign-in is worthless after it.
    session.cycle_id().await.map_err(|_| ConsoleError::Internal)?;
    session
        .insert(USER_ID, user.id)
        .await
        .map_err(|_| ConsoleError::Internal)?;
    tracing::info!(username = %user.username, "console sign-in");
    leptos_axum::redirect("/projects");
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), ConsoleError> {
    let session = crate::session::session().await?;
    // Deletes the session server-side and expires the cookie.
    session.flush().await.map_err(|_| ConsoleError::Internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = move || match login.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    view! {
        <Title text="Sign in · Portico" />
        <main class="login">
            <section class="card login-card" aria-labelledby="login-title">
                <p class="brand">"Portico"</p>
                <h1 id="login-title">"Sign in"</h1>
                <ActionForm action=login>
                    <label for="username">"Username"</label>
                    <input id="username" name="username" type="text" autocomplete="username" required />
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                    {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
