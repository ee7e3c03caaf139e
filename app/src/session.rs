//! The console's signed-in session, as the server functions see it: axum-login's `AuthSession` over the
//! accounts of the control plane. Each request's session is checked against the account's current session
//! key, so a new password, or a disabled or deleted account, ends it.

use axum_login::{AuthSession, AuthUser, AuthnBackend};
use deploy::users::{self, Account, Password};
use deploy::{Actor, Channel, ControlPlane};
use leptos::prelude::*;

use crate::ConsoleError;

/// The console's accounts, as axum-login asks for them.
#[derive(Clone)]
pub struct Accounts(pub ControlPlane);

/// A signed-in account (a newtype, so axum-login's trait can be implemented here).
#[derive(Clone, Debug)]
pub struct SignedIn(pub Account);

impl AuthUser for SignedIn {
    type Id = i64;

    fn id(&self) -> i64 {
        self.0.user.id
    }

    fn session_auth_hash(&self) -> &[u8] {
        self.0.session_key()
    }
}

/// What the sign-in form gives: the name, the password, and where the attempt came from (for the sign-in
/// limit).
pub struct Credentials {
    pub username: String,
    pub password: Password,
    pub address: Option<std::net::IpAddr>,
}

impl AuthnBackend for Accounts {
    type User = SignedIn;
    type Credentials = Credentials;
    type Error = deploy::Error;

    /// A wrong name or password is `None`; a refusal with more to say (wait before trying again, the
    /// account is disabled) is the error.
    async fn authenticate(&self, c: Credentials) -> Result<Option<SignedIn>, deploy::Error> {
        match users::sign_in(&self.0, &c.username, &c.password, c.address).await {
            Ok(account) => Ok(Some(SignedIn(account))),
            Err(deploy::Error::BadCredentials) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn get_user(&self, id: &i64) -> Result<Option<SignedIn>, deploy::Error> {
        Ok(users::find_account(&self.0, *id).await?.map(SignedIn))
    }
}

pub type ConsoleSession = AuthSession<Accounts>;

pub fn control_plane() -> Result<ControlPlane, ConsoleError> {
    use_context::<ControlPlane>().ok_or_else(|| {
        tracing::error!("no ControlPlane in the server function context");
        ConsoleError::Internal
    })
}

pub async fn auth_session() -> Result<ConsoleSession, ConsoleError> {
    leptos_axum::extract::<ConsoleSession>().await.map_err(|e| {
        tracing::error!(error = ?e, "no sign-in layer in front of the console");
        ConsoleError::Internal
    })
}

/// The signed-in user, if any.
pub async fn signed_in_user() -> Result<Option<users::User>, ConsoleError> {
    Ok(auth_session().await?.user.map(|s| s.0.user))
}

/// The actor for a console operation, or `SignedOut`.
pub async fn actor() -> Result<(ControlPlane, Actor), ConsoleError> {
    let Some(user) = signed_in_user().await? else {
        ConsoleError::SignedOut.set_status();
        return Err(ConsoleError::SignedOut);
    };
    Ok((control_plane()?, Actor::new(user, Channel::Console)))
}
