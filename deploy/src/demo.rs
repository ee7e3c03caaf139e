//! The demo data set that `portico serve --demo` loads, so a new user has something to look at and the
//! spec's curl examples run as written.

use rand::distributions::{Alphanumeric, DistString};

use crate::environments::{self, EnvironmentType, NewEnvironment};
use crate::model::{ProxySpec, Routing, RoutingAddress, RoutingAlgorithm};
use crate::tokens::{self, TokenSecret};
use crate::users::{self, Password};
use crate::{groups, projects, proxies, Actor, Channel, ControlPlane, Result};

pub const DEMO_USER: &str = "admin";
pub const DEMO_PROJECT: &str = "MyProject";
pub const DEMO_TOKEN_NAME: &str = "demo";

/// The login and token that the demo data set made; printed once at start.
pub struct DemoLogin {
    pub username: String,
    /// For printing once to the operator's terminal; redacted in `Debug`.
    pub password: String,
    pub token: TokenSecret,
}

impl std::fmt::Debug for DemoLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoLogin")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Loads the demo data set if it is not there yet (the data set is loaded once). On every call the demo admin
/// gets a fresh random password and a fresh API token (older demo tokens are revoked), so the login printed
/// at start always works and no fixed secret is ever shipped.
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
        load_data_set(cp, &system, admin.id).await?;
    }
    let as_admin = Actor::new(admin.clone(), Channel::Cli);
    for old in tokens::list_tokens(cp, &as_admin).await? {
        if old.name == DEMO_TOKEN_NAME && old.revoked_at.is_none() {
            tokens::revoke_token(cp, &as_admin, old.id).await?;
        }
    }
    let (token, _) = tokens::create_token(cp, &as_admin, DEMO_USER, DEMO_TOKEN_NAME, Some(30)).await?;
    Ok(DemoLogin {
        username: DEMO_USER.into(),
        password: password_text,
        token,
    })
}

fn proxy(description: &str, path: &str, algorithm: RoutingAlgorithm, ports: &[(u16, u32)]) -> ProxySpec {
    ProxySpec {
        description: description.into(),
        relative_path: path.into(),
        routing: Routing {
            algorithm,
            address_list: ports
                .iter()
                .map(|(port, weight)| RoutingAddress {
                    address: format!("http://127.0.0.1:{port}"),
                    weight: *weight,
                    soap_type: None,
                })
                .collect(),
        },
        ..Default::default()
    }
}

async fn load_data_set(cp: &ControlPlane, system: &Actor, admin_id: i64) -> Result<()> {
    projects::create_project(
        cp,
        system,
        DEMO_PROJECT,
        "The demo project: a pet store and its payments.",
    )
    .await?;
    let mut tx = cp.begin_write().await?;
    projects::add_project_admin(&mut tx, DEMO_PROJECT, admin_id).await?;
    tx.commit().await?;
    for (name, env_type, description) in [
        ("production", EnvironmentType::Production, "Live traffic."),
        (
            "staging",
            EnvironmentType::Sandbox,
            "Release candidates, before production.",
        ),
    ] {
        let new = NewEnvironment {
            name: name.into(),
            env_type,
            description: description.into(),
            access_url: String::new(),
        };
        environments::create_environment(cp, system, new).await?;
        environments::assign_environment(cp, system, DEMO_PROJECT, name).await?;
    }
    let everywhere = ["production".to_owned(), "staging".to_owned()];
    let demo_proxies = [
        (
            "petstore-api",
            proxy(
                "The pet store.",
                "/petstore",
                RoutingAlgorithm::RoundRobin,
                &[(9101, 1), (9102, 1)],
            ),
        ),
        (
            "payment-api",
            proxy(
                "Card payments.",
                "/payments",
                RoutingAlgorithm::WeightedRoundRobin,
                &[(9201, 3), (9202, 1)],
            ),
        ),
        (
            "payment-refunds-api",
            proxy(
                "Refunds.",
                "/refunds",
                RoutingAlgorithm::LeastConnections,
                &[(9301, 1)],
            ),
        ),
    ];
    for (name, spec) in demo_proxies {
        proxies::create_proxy(cp, system, DEMO_PROJECT, name, spec, &everywhere).await?;
    }
    let members = ["payment-api".to_owned(), "payment-refunds-api".to_owned()];
    let group = crate::model::GroupSpec {
        description: "Payments, deployed together.".into(),
        ..Default::default()
    };
    groups::create_group(cp, system, DEMO_PROJECT, "PaymentAPIGroup", group, &members).await?;
    Ok(())
}
