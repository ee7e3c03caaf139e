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
    use crate::session::{auth_session, Credentials};
    // The peer address; behind a reverse proxy this is the proxy's, which still bounds guessing overall.
    let address = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .await
        .ok()
        .map(|info| info.0.ip());
    let mut auth = auth_session().await?;
    let credentials = Credentials {
        username: username.trim().to_owned(),
        password: deploy::users::Password::new(password),
        address,
    };
    let signed_in = match auth.authenticate(credentials).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => {
            tracing::info!(username = %username.trim(), "console sign-in refused");
            return Err(deploy::Error::BadCredentials.into());
        }
        Err(axum_login::Error::Backend(e)) => {
            tracing::info!(username = %username.trim(), error = %e, "console sign-in refused");
            return Err(e.into());
        }
        Err(axum_login::Error::Session(e)) => {
            tracing::error!(error = %e, "console session store");
            return Err(ConsoleError::Internal);
        }
    };
    // A new session id at every sign-in (axum-login cycles it only for a session that had none), so an id
    // planted before sign-in is worthless after it.
    auth.session
        .cycle_id()
        .await
        .map_err(|_| ConsoleError::Internal)?;
    auth.login(&signed_in).await.map_err(|_| ConsoleError::Internal)?;
    tracing::info!(username = %signed_in.0.user.username, "console sign-in");
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), ConsoleError> {
    let mut auth = crate::session::auth_session().await?;
    // Deletes the session server-side and expires the cookie.
    auth.logout().await.map_err(|_| ConsoleError::Internal)?;
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
