//! The node registry: what each gateway node says it serves, against what is live, and what a node may say.

mod common;

use deploy::deployments::{self, DeployOptions};
use deploy::model::{NodeAck, NodeState};
use deploy::{nodes, Error};

fn ack(node_id: &str, version: i64, hash: &str) -> NodeAck {
    NodeAck {
        node_id: node_id.into(),
        // -1 and "" stand for a node that has applied nothing yet.
        version: (version >= 0).then_some(version),
        hash: (!hash.is_empty()).then(|| hash.into()),
        host: "edge-1.example".into(),
        portico_version: "0.1.0".into(),
        traffic: None,
    }
}

#[tokio::test]
async fn a_node_is_in_sync_until_a_deploy_and_behind_until_it_acknowledges_the_new_set() {
    let (cp, _dir, admin) = common::demo().await;
    let live = deploy::gateway::live_set(&cp, "production").await.unwrap();
    nodes::node_connected(&cp, "production", &ack("n1", -1, ""))
        .await
        .unwrap();
    nodes::node_acknowledged(&cp, "production", &ack("n1", live.version, &live.hash()))
        .await
        .unwrap();
    let seen = nodes::environment_nodes(&cp, &admin, "MyProject", "production")
        .await
        .unwrap();
    assert!(seen.in_sync);
    assert_eq!(seen.nodes.len(), 1);
    assert_eq!(seen.nodes[0].state, NodeState::InSync);
    assert_eq!(seen.live_hash, live.hash());

    deployments::undeploy_proxy(
        &cp,
        &admin,
        "MyProject",
        "petstore-api",
        "production",
        &DeployOptions::default(),
    )
    .await
    .unwrap();
    let seen = nodes::environment_nodes(&cp, &admin, "MyProject", "production")
        .await
        .unwrap();
    assert!(!seen.in_sync);
    assert_eq!(seen.nodes[0].state, NodeState::Behind);
    // Waiting with a short timeout answers the state as it is.
    let waited = nodes::wait_until_in_sync(
        &cp,
        &admin,
        "MyProject",
        "production",
        std::time::Duration::from_millis(200),
    )
    .await
    .unwrap();
    assert!(!waited.in_sync);

    let now = deploy::gateway::live_set(&cp, "production").await.unwrap();
    nodes::node_acknowledged(&cp, "production", &ack("n1", now.version, &now.hash()))
        .await
        .unwrap();
    let seen = nodes::environment_nodes(&cp, &admin, "MyProject", "production")
        .await
        .unwrap();
    assert!(seen.in_sync, "{seen:?}");
    // Another environment's registry holds nothing of this node.
    assert!(nodes::environment_nodes(&cp, &admin, "MyProject", "staging")
        .await
        .unwrap()
        .nodes
        .is_empty());
}

#[tokio::test]
async fn what_a_node_says_of_itself_is_checked_and_the_registry_is_bounded() {
    let (cp, _dir, admin) = common::demo().await;
    // Each differs from a good ack (`ack("x", 1, "h")`) in one thing.
    for bad in [
        NodeAck {
            node_id: "has space".into(),
            ..ack("x", 1, "h")
        },
        NodeAck {
            node_id: "x".repeat(65),
            ..ack("x", 1, "h")
        },
        NodeAck {
            host: "evil\u{202E}moc.elpmaxe".into(),
            ..ack("x", 1, "h")
        },
        NodeAck {
            host: "zero\u{200B}width".into(),
            ..ack("x", 1, "h")
        },
        NodeAck {
            portico_version: "1\n2".into(),
            ..ack("x", 1, "h")
        },
        NodeAck {
            version: Some(-1),
            ..ack("x", 1, "h")
        },
        NodeAck {
            hash: Some(String::new()),
            ..ack("x", 1, "h")
        },
        NodeAck {
            hash: Some("abc".into()),
            ..ack("x", -1, "")
        },
        NodeAck {
            hash: None,
            ..ack("x", 1, "h")
        },
    ] {
        let e = nodes::node_acknowledged(&cp, "production", &bad)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{bad:?}: {e:?}");
    }
    for i in 0..1000 {
        nodes::node_acknowledged(&cp, "production", &ack(&format!("n{i}"), 1, "h"))
            .await
            .unwrap();
    }
    let e = nodes::node_acknowledged(&cp, "production", &ack("one-too-many", 1, "h"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    // A known node still reports; another environment has room of its own.
    nodes::node_acknowledged(&cp, "production", &ack("n7", 2, "h"))
        .await
        .unwrap();
    nodes::node_acknowledged(&cp, "staging", &ack("one-too-many", 1, "h"))
        .await
        .unwrap();

    // Someone who may not see the project sees none of its environments' nodes.
    let outsider = common::as_console(&common::user(&cp, "outsider", false).await);
    assert!(
        nodes::environment_nodes(&cp, &outsider, "MyProject", "production")
            .await
            .is_err()
    );
    let _ = admin;
}
