//! Traffic and backend health as nodes report them and the console reads them: nodes add up, a report
//! sent twice counts once, a bad report writes nothing, and a project sees only its own environments.

mod common;

use deploy::environments::{self, EnvironmentType, NewEnvironment};
use deploy::model::{
    BackendReport, BackendState, MinuteCounts, ProxyTrafficReport, TrafficReport, LATENCY_BUCKETS,
};
use deploy::{traffic, Error};

const PROXY: &str = "petstore-api";

/// `requests` in minute `minute`: the given 4xx and 5xx, every one in the bucket `bucket`.
fn minute(minute: i64, requests: u64, client: u64, server: u64, bucket: usize) -> MinuteCounts {
    let mut latency = vec![0; LATENCY_BUCKETS];
    latency[bucket] = requests;
    MinuteCounts {
        minute,
        requests,
        client_errors: client,
        server_errors: server,
        latency,
    }
}

/// The demo's pet store, live in staging (the demo ends with it taken offline there).
async fn live_in_staging(cp: &deploy::ControlPlane, admin: &deploy::Actor) {
    deploy::deployments::deploy_proxy(
        cp,
        admin,
        "MyProject",
        PROXY,
        "staging",
        &deploy::deployments::DeployOptions::default(),
    )
    .await
    .expect("deploy to staging");
}

fn report(project: &str, minutes: Vec<MinuteCounts>, backends: Vec<BackendReport>) -> TrafficReport {
    TrafficReport {
        proxies: vec![ProxyTrafficReport {
            project: project.into(),
            proxy: PROXY.into(),
            minutes,
            backends,
        }],
    }
}

#[tokio::test]
async fn two_nodes_add_up_and_a_repeated_report_counts_once() {
    let (cp, _db, admin) = common::demo().await;
    live_in_staging(&cp, &admin).await;
    let now = traffic::current_minute();
    let spec = deploy::proxies::get_proxy(&cp, &admin, "MyProject", PROXY)
        .await
        .unwrap()
        .spec;
    let (first, second) = (
        spec.routing.address_list[0].address.as_str(),
        spec.routing.address_list[1].address.as_str(),
    );
    let sitting = BackendReport {
        address: second.into(),
        state: BackendState::SittingOut,
    };
    let one = report(
        "MyProject",
        vec![minute(now - 1, 10, 2, 1, 0), minute(now, 4, 0, 0, 5)],
        vec![],
    );
    let two = report("MyProject", vec![minute(now, 6, 0, 3, 5)], vec![sitting]);
    traffic::record_traffic(&cp, "staging", "node-a", &one)
        .await
        .unwrap();
    traffic::record_traffic(&cp, "staging", "node-a", &one)
        .await
        .unwrap();
    traffic::record_traffic(&cp, "staging", "node-b", &two)
        .await
        .unwrap();

    let read = traffic::proxy_traffic(&cp, &admin, "MyProject", PROXY)
        .await
        .unwrap();
    let staging = read.iter().find(|e| e.environment == "staging").expect("staging");
    assert_eq!(staging.points.len(), traffic::WINDOW_MINUTES as usize);
    let last = staging.points.last().unwrap();
    assert_eq!((last.minute, last.requests, last.server_errors), (now, 10, 3));
    assert_eq!(last.server_error_percent, Some(30.0));
    assert_eq!(last.p50_ms, Some(10), "bucket 5 is ≤ 10 ms");
    let before = &staging.points[staging.points.len() - 2];
    assert_eq!((before.requests, before.client_errors), (10, 2));
    assert_eq!(before.p95_ms, Some(1));
    assert_eq!(staging.summary.requests, 20);
    assert_eq!(staging.summary.peak_per_minute, 10);
    assert_eq!(staging.summary.client_error_percent, Some(10.0));
    // Backends: the one a node reports as sitting out, the other up.
    let states: Vec<_> = staging
        .backends
        .iter()
        .map(|b| (b.address.as_str(), b.state))
        .collect();
    assert_eq!(
        states,
        [(first, BackendState::Up), (second, BackendState::SittingOut)]
    );
    // A later report without the trouble clears it.
    traffic::record_traffic(&cp, "staging", "node-b", &report("MyProject", vec![], vec![]))
        .await
        .unwrap();
    let read = traffic::proxy_traffic(&cp, &admin, "MyProject", PROXY)
        .await
        .unwrap();
    let staging = read.iter().find(|e| e.environment == "staging").unwrap();
    assert!(staging.backends.iter().all(|b| b.state == BackendState::Up));
}

#[tokio::test]
async fn a_bad_report_is_refused_whole_and_writes_nothing() {
    let (cp, _db, admin) = common::demo().await;
    live_in_staging(&cp, &admin).await;
    let now = traffic::current_minute();
    let mut short = minute(now, 3, 0, 0, 0);
    short.latency.pop();
    let mut uneven = minute(now, 3, 0, 0, 0);
    uneven.latency[0] = 2;
    let huge = minute(now, 1 << 41, 0, 0, 0);
    for bad in [
        report("MyProject", vec![short], vec![]),
        report("MyProject", vec![huge], vec![]),
        report("MyProject", vec![uneven], vec![]),
        report("MyProject", vec![minute(now, 1, 1, 1, 0)], vec![]),
        report("", vec![minute(now, 1, 0, 0, 0)], vec![]),
    ] {
        let refused = traffic::record_traffic(&cp, "staging", "node-a", &bad).await;
        assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
    }
    assert_eq!(common::count(&cp, "proxy_traffic").await, 0);
    assert!(matches!(
        traffic::record_traffic(&cp, "staging", "bad node", &TrafficReport::default()).await,
        Err(Error::Invalid(_))
    ));
}

#[tokio::test]
async fn only_recent_minutes_of_what_is_live_in_the_nodes_environment_are_kept() {
    let (cp, _db, admin) = common::demo().await;
    live_in_staging(&cp, &admin).await;
    let now = traffic::current_minute();
    let sitting = || BackendReport {
        address: "http://10.0.0.1:8080".into(),
        state: BackendState::Unreachable,
    };
    let mut mixed = report(
        "MyProject",
        // A node whose clock is off loses those minutes, not the rest of its report.
        vec![
            minute(now - 30, 1, 0, 0, 0),
            minute(now + 5, 1, 0, 0, 0),
            minute(now, 2, 0, 0, 0),
        ],
        vec![],
    );
    // A proxy that is not live in staging, one of no project, and another project's name: all left out.
    for (project, proxy) in [
        ("MyProject", "not-deployed"),
        ("NoSuchProject", PROXY),
        ("Other", "x"),
    ] {
        mixed.proxies.push(ProxyTrafficReport {
            project: project.into(),
            proxy: proxy.into(),
            minutes: vec![minute(now, 50, 0, 50, 0)],
            backends: vec![sitting()],
        });
    }
    traffic::record_traffic(&cp, "staging", "node-a", &mixed)
        .await
        .unwrap();
    assert_eq!(common::count(&cp, "proxy_traffic").await, 1);
    assert_eq!(common::count(&cp, "backend_health").await, 0);
    let read = traffic::proxy_traffic(&cp, &admin, "MyProject", PROXY)
        .await
        .unwrap();
    let staging = read.iter().find(|e| e.environment == "staging").unwrap();
    assert_eq!(staging.summary.requests, 2);
}

#[tokio::test]
async fn a_project_sees_only_its_environments_and_only_its_members_see_it() {
    let (cp, _db, admin) = common::demo().await;
    let now = traffic::current_minute();
    let outside = NewEnvironment {
        name: "elsewhere".into(),
        env_type: EnvironmentType::Test,
        description: String::new(),
        access_url: None,
    };
    environments::create_environment(&cp, &admin, outside)
        .await
        .unwrap();
    // A node of an environment the project does not use says it counted the project's proxy.
    traffic::record_traffic(
        &cp,
        "elsewhere",
        "node-x",
        &report("MyProject", vec![minute(now, 99, 0, 0, 0)], vec![]),
    )
    .await
    .unwrap();
    let read = traffic::proxy_traffic(&cp, &admin, "MyProject", PROXY)
        .await
        .unwrap();
    assert!(read.iter().all(|e| e.environment != "elsewhere"), "{read:?}");
    assert!(read.iter().all(|e| e.summary.requests == 0));

    let stranger = common::as_console(&common::user(&cp, "stranger", false).await);
    assert!(matches!(
        traffic::proxy_traffic(&cp, &stranger, "MyProject", PROXY).await,
        Err(Error::NotFound(_) | Error::Forbidden(_))
    ));
    assert!(matches!(
        traffic::proxy_traffic(&cp, &admin, "MyProject", "no-such-proxy").await,
        Err(Error::NotFound(_))
    ));
}
