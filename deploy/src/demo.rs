//! The demo data set that `portico serve --demo` loads, so a new user has something to look at and the
//! spec's curl examples run as written.

use rand::distributions::{Alphanumeric, DistString};

use crate::deployments::{self, DeployOptions};
use crate::environments::{self, EnvironmentType, NewEnvironment};
use crate::model::{Cache, Cors, ProxySpec, Routing, RoutingAddress, RoutingAlgorithm};
use crate::tokens::{self, TokenSecret};
use crate::users::{self, Password, User};
use crate::{groups, projects, proxies, Actor, Channel, ControlPlane, Result};

pub const DEMO_USER: &str = "admin";
pub const DEMO_PROJECT: &str = "MyProject";
pub const DEMO_TOKEN_NAME: &str = "demo";
/// Fixed ids, so the cloud publish document's example request names real objects: its first API is the
/// pet store and its group is the payments group.
pub const PETSTORE_API_ID: &str = "3a955b791bd24b1c9cd94c745f8d1aad";
pub const PAYMENT_GROUP_ID: &str = "c77f5e81d9cb4424bf704ef2b0ac7600";
/// The revision the rollback document's examples roll back to; pinned so retention never deletes it.
pub const PINNED_REVISION: i64 = 12;

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
        load_data_set(cp, &system, &admin).await?;
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

fn addresses(ports: &[(u16, u32)]) -> Vec<RoutingAddress> {
    ports
        .iter()
        .map(|(port, weight)| RoutingAddress {
            address: format!("http://127.0.0.1:{port}"),
            weight: *weight,
            soap_type: None,
        })
        .collect()
}

fn proxy(description: &str, path: &str, algorithm: RoutingAlgorithm, ports: &[(u16, u32)]) -> ProxySpec {
    ProxySpec {
        description: description.into(),
        relative_path: path.into(),
        routing: Routing {
            algorithm,
            address_list: addresses(ports),
        },
        ..Default::default()
    }
}

async fn load_data_set(cp: &ControlPlane, system: &Actor, admin: &User) -> Result<()> {
    let admin_id = admin.id;
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
            access_url: None,
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
    let mut tx = cp.begin_write().await?;
    for (sql, id, name) in [
        (
            "UPDATE api_proxies SET public_id = $1 WHERE name = $2",
            PETSTORE_API_ID,
            "petstore-api",
        ),
        (
            "UPDATE api_proxy_groups SET public_id = $1 WHERE name = $2",
            PAYMENT_GROUP_ID,
            "PaymentAPIGroup",
        ),
    ] {
        sqlx::query(sql).bind(id).bind(name).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    let operator = Actor::new(admin.clone(), Channel::Cli);
    petstore_history(cp, &operator).await?;
    deployments::deploy_group(
        cp,
        &operator,
        DEMO_PROJECT,
        "PaymentAPIGroup",
        "staging",
        &note("Payments release candidate", false),
    )
    .await?;
    Ok(())
}

fn note(description: &str, persistent: bool) -> DeployOptions {
    DeployOptions {
        description: Some(description.into()),
        persistent,
    }
}

/// Seven versions of the pet store, each tried in staging and then released to production, then staging
/// freed: fifteen revisions of history, the twelfth (release 2.2 in production) pinned.
async fn petstore_history(cp: &ControlPlane, operator: &Actor) -> Result<()> {
    let mut spec = proxy(
        "The pet store.",
        "/petstore",
        RoutingAlgorithm::RoundRobin,
        &[(9101, 1), (9102, 1)],
    );
    let deploy_both = |label: &'static str, pin: bool| async move {
        for env in ["staging", "production"] {
            let pinned = pin && env == "production";
            let options = note(&format!("{label} to {env}"), pinned);
            deployments::deploy_proxy(cp, operator, DEMO_PROJECT, "petstore-api", env, &options).await?;
        }
        Ok::<(), crate::Error>(())
    };
    let update = |spec: ProxySpec| async move {
        proxies::update_proxy(cp, operator, DEMO_PROJECT, "petstore-api", spec, None).await
    };
    deploy_both("Release 1.0", false).await?;
    spec.routing.address_list = addresses(&[(9101, 1), (9102, 1), (9103, 1)]);
    update(spec.clone()).await?;
    deploy_both("Release 1.1: a third backend", false).await?;
    spec.routing.algorithm = RoutingAlgorithm::WeightedRoundRobin;
    spec.routing.address_list = addresses(&[(9101, 2), (9102, 1), (9103, 1)]);
    update(spec.clone()).await?;
    deploy_both("Release 1.2: weighted routing", false).await?;
    spec.cors = Cors {
        enabled: true,
        allow_origins: vec!["https://shop.example.com".into()],
        allow_methods: vec!["GET".into(), "POST".into()],
        allow_headers: vec!["Content-Type".into()],
        allow_credentials: false,
        max_age_seconds: 600,
    };
    update(spec.clone()).await?;
    deploy_both("Release 2.0: CORS for the shop", false).await?;
    spec.cache = Cache {
        enabled: true,
        ttl_seconds: 60,
        max_entries: 1000,
        ..Default::default()
    };
    update(spec.clone()).await?;
    deploy_both("Release 2.1: response cache", false).await?;
    spec.routing.address_list = addresses(&[(9101, 2), (9102, 1)]);
    update(spec.clone()).await?;
    // Revision 12: production's known-good release, kept whatever the retention limit.
    deploy_both("Release 2.2: third backend retired", true).await?;
    spec.description = "The pet store, with its new inventory backend.".into();
    spec.routing.address_list = addresses(&[(9101, 2), (9104, 2)]);
    update(spec).await?;
    deploy_both("Release 3.0: inventory backend", false).await?;
    deployments::undeploy_proxy(
        cp,
        operator,
        DEMO_PROJECT,
        "petstore-api",
        "staging",
        &note("Staging freed for a load test", false),
    )
    .await?;
    Ok(())
}
