//! The demo data set that `portico serve --demo` loads, so a new user has something to look at.

use rand::distributions::{Alphanumeric, DistString};

use crate::users::{self, Password};
use crate::{projects, Actor, Channel, ControlPlane, Result};

pub const DEMO_USER: &str = "admin";
pub const DEMO_PROJECT: &str = "MyProject";

/// The login that the demo data set made; printed once at start.
pub struct DemoLogin {
    pub username: String,
    /// For printing once to the operator's terminal; redacted in `Debug`.
    pub password: String,
}

impl std::fmt::Debug for DemoLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoLogin").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Loads the demo data set if it is not there yet (the data set is loaded once), and gives the demo admin a
/// fresh random password on every call, so the login printed at start always works and no fixed password is
/// ever shipped.
pub async fn load(cp: &ControlPlane) -> Result<DemoLogin> {
    let system = Actor::system(Channel::Cli);
    let password_text = Alphanumeric.sample_string(&mut rand::thread_rng(), 16);
    let password = Password::new(password_text.clone());
    let admin = match users::find_user_by_name(cp, DEMO_USER).await? {
        Some(user) => {
            users::set_password(cp, &system, DEMO_USER, &password).await?;
            user
        }
        None => users::create_user(cp, &system, DEMO_USER, &password, true).await?,
    };
    let known = projects::list_projects(cp, &system).await?;
    if !known.iter().any(|p| p.name == DEMO_PROJECT) {
        projects::create_project(cp, &system, DEMO_PROJECT, "The demo project: API proxies of a pet store.")
            .await?;
        let mut tx = cp.begin_write().await?;
        projects::add_project_admin(&mut tx, DEMO_PROJECT, admin.id).await?;
        tx.commit().await?;
    }
    Ok(DemoLogin { username: DEMO_USER.into(), password: password_text })
}
