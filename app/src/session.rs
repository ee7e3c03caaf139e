//! The console's signed-in session, as the server functions see it.

use deploy::users::{self, User};
use deploy::{Actor, Channel, ControlPlane};
use leptos::prelude::*;
use tower_sessions::Session;

use crate::ConsoleError;

/// The session key under which the signed-in user's id is kept.
pub const USER_ID: &str = "user_id";

pub fn control_plane() -> Result<ControlPlane, ConsoleError> {
    use_context::<ControlPlane>().ok_or_else(|| {
        tracing::error!("no ControlPlane in the server function context");
        ConsoleError::Internal
    })
}

pub async fn session() -> Result<Session, ConsoleError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer in front of the console");
        ConsoleError::Internal
    })
}

/// The signed-in user, if any. A session whose user was deleted counts as signed out.
pub async fn signed_in_user() -> Result<Option<User>, ConsoleError> {
    let session = session().await?;
    let Some(id) = session
        .get::<i64>(USER_ID)
        .await
        .map_err(|_| ConsoleError::Internal)?
    else {
        return Ok(None);
    };
    Ok(users::find_user(&control_plane()?, id).await?)
}

/// The actor for a console operation, or `SignedOut`.
pub async fn actor() -> Result<(ControlPlane, Actor), ConsoleError> {
    let Some(user) = signed_in_user().await? else {
        ConsoleError::SignedOut.set_status();
        return Err(ConsoleError::SignedOut);
    };
    Ok((control_plane()?, Actor::new(user, Channel::Console)))
}
