//! The landing page's read: environments with what is live and drifted and their gateways, the latest
//! deploys, what fails now, first steps on an empty installation; and nothing of a project the reader may
//! not view.

mod common;

use deploy::access::Permission;
use deploy::deployments::{self, DeployOptions};
use deploy::model::{
    BackendReport, BackendState, Failure, MinuteCounts, NodeAck, ProxyTrafficReport, TrafficReport,
    LATENCY_BUCKETS,
};
use deploy::{environments, nodes, overview, projects, proxies, traffic};

const PROXY: &str = "petstore-api";

fn counted(requests: u64, server_errors: u64) -> MinuteCounts {
    let mut latency = vec![0; LATENCY_BUCKETS];
    latency[0] = requests;
    MinuteCounts {
        minute: traffic::current_minute(),
        requests,
        client_errors: 0,
        server_errors,
        latency,
    }
}

#[tokio::test]
async fn environments_show_what_is_live_what_drifted_and_their_gateways() {
    let (cp, _db, admin) = common::demo().await;
    deployments::deploy_proxy(
        &cp,
        &admin,
        "MyProject",
        PROXY,
        "staging",
        &DeployOptions::default(),
    )
    .await
    .unwrap();
    let before = overview::overview(&cp, &admin).await.unwrap();
    let staging = before.environments.iter().find(|e| e.name == "staging").unwrap();
    let production = before
        .environments
        .iter()
        .find(|e| e.name == "production")
        .unwrap();
    assert!(production.production && !staging.production);
    assert!(staging.live >= 1);
    assert_eq!(staging.drifted, 0);
    assert_eq!(
        staging.nodes.in_sync + staging.nodes.behind + staging.nodes.unreachable,
        0
    );
    assert!(before.first_steps.is_none(), "things are live");
    assert_eq!(before.recent.len(), 10);
    assert_eq!(before.recent[0].proxy, PROXY);
    assert_eq!(before.recent[0].environment.as_deref(), Some("staging"));
    assert!(
        before.recent.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first"
    );

    // The configuration changes after the deploy: live in staging, but drifted.
    let mut spec = proxies::get_proxy(&cp, &admin, "MyProject", PROXY)
        .await
        .unwrap()
        .spec;
    spec.description = "Changed after the deploy.".into();
    proxies::update_proxy(&cp, &admin, "MyProject", PROXY, spec, None)
        .await
        .unwrap();
    // A node that connected and serves nothing yet is behind.
    let ack = NodeAck {
        node_id: "node-a".into(),
        version: None,
        hash: None,
        host: "edge-1".into(),
        portico_version: "test".into(),
        traffic: None,
    };
    nodes::node_connected(&cp, "staging", &ack).await.unwrap();
    let after = overview::overview(&cp, &admin).await.unwrap();
    let staging_now = after.environments.iter().find(|e| e.name == "staging").unwrap();
    assert_eq!(staging_now.live, staging.live);
    assert!(staging_now.drifted >= 1);
    assert_eq!(staging_now.nodes.behind, 1);
}

#[tokio::test]
async fn failing_proxies_are_those_answering_5xx_or_with_no_backend_left() {
    let (cp, _db, admin) = common::demo().await;
    deployments::deploy_proxy(
        &cp,
        &admin,
        "MyProject",
        PROXY,
        "staging",
        &DeployOptions::default(),
    )
    .await
    .unwrap();
    assert!(overview::overview(&cp, &admin).await.unwrap().failing.is_empty());

    let errors = TrafficReport {
        proxies: vec![ProxyTrafficReport {
            project: "MyProject".into(),
            proxy: PROXY.into(),
            minutes: vec![counted(40, 10)],
            backends: vec![],
        }],
    };
    traffic::record_traffic(&cp, "staging", "node-a", &errors)
        .await
        .unwrap();
    let failing = overview::overview(&cp, &admin).await.unwrap().failing;
    assert_eq!(failing.len(), 1, "{failing:?}");
    assert_eq!(
        (failing[0].proxy.as_str(), failing[0].environment.as_str()),
        (PROXY, "staging")
    );
    assert!(
        matches!(failing[0].why, Failure::ServerErrors { percent, requests: 40, .. } if percent == 25.0),
        "{failing:?}"
    );

    // Every backend it was deployed with is unreachable from one node: listed for that instead.
    let spec = proxies::get_proxy(&cp, &admin, "MyProject", PROXY)
        .await
        .unwrap()
        .spec;
    let stranded = TrafficReport {
        proxies: vec![ProxyTrafficReport {
            project: "MyProject".into(),
            proxy: PROXY.into(),
            minutes: vec![counted(40, 10)],
            backends: spec
                .routing
                .address_list
                .iter()
                .map(|a| BackendReport {
                    address: a.address.clone(),
                    state: BackendState::Unreachable,
                })
                .collect(),
        }],
    };
    traffic::record_traffic(&cp, "staging", "node-b", &stranded)
        .await
        .unwrap();
    let failing = overview::overview(&cp, &admin).await.unwrap().failing;
    assert_eq!(failing.len(), 1, "{failing:?}");
    assert_eq!(failing[0].why, Failure::NoReachableBackend);
}

#[tokio::test]
async fn a_member_of_another_project_sees_nothing_of_this_one_and_gets_first_steps() {
    let (cp, _db, admin) = common::demo().await;
    projects::create_project(&cp, &admin, "Lonely", "Nothing deployed")
        .await
        .unwrap();
    let url = "https://gw.example.com";
    environments::create_environment(
        &cp,
        &admin,
        environments::NewEnvironment {
            name: "sandbox".into(),
            env_type: environments::EnvironmentType::Test,
            description: String::new(),
            access_url: Some(url.into()),
        },
    )
    .await
    .unwrap();
    environments::assign_environment(&cp, &admin, "Lonely", "sandbox")
        .await
        .unwrap();
    common::user(&cp, "newcomer", false).await;
    deploy::access::set_member(
        &cp,
        &admin,
        "Lonely",
        "newcomer",
        false,
        &[Permission::View, Permission::Manage],
    )
    .await
    .unwrap();
    let newcomer = common::as_console(
        &deploy::users::find_user_by_name(&cp, "newcomer")
            .await
            .unwrap()
            .unwrap(),
    );
    let seen = overview::overview(&cp, &newcomer).await.unwrap();
    let names: Vec<_> = seen.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["sandbox"]);
    assert!(seen.recent.is_empty(), "{:?}", seen.recent);
    assert!(seen.failing.is_empty());
    let steps = seen.first_steps.expect("first steps");
    assert_eq!(steps.project.as_deref(), Some("Lonely"));
    assert_eq!(steps.proxy, None);
    assert_eq!(steps.environment.as_deref(), Some("sandbox"));
    assert_eq!(
        steps.curl.as_deref(),
        Some("curl -i 'https://gw.example.com/your-api'")
    );

    // A member whose permissions do not include VIEW sees the project nowhere.
    common::user(&cp, "blind", false).await;
    deploy::access::set_member(&cp, &admin, "MyProject", "blind", false, &[Permission::Manage])
        .await
        .unwrap();
    let blind = common::as_console(
        &deploy::users::find_user_by_name(&cp, "blind")
            .await
            .unwrap()
            .unwrap(),
    );
    let seen = overview::overview(&cp, &blind).await.unwrap();
    assert!(seen.environments.is_empty() && seen.recent.is_empty(), "{seen:?}");
}
