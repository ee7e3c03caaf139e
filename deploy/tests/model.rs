//! A state-machine model of one API proxy's life: edits, deploys (some kept on purpose), undeploys, rollbacks
//! (with and without a deploy), imports and retention changes, generated at random by proptest and run
//! against the real `deploy` crate. After every step the model and the database agree on the configuration,
//! the deploy history (revision, action, environment, kept, snapshot) and what is live where.

mod common;

use std::collections::BTreeMap;

use deploy::archive::ArchiveLimits;
use deploy::demo::DEMO_PROJECT as P;
use deploy::history::{self, Action};
use deploy::model::{DeployOptions, ProxySpec, Routing, RoutingAddress};
use deploy::transfer::{self, ImportTarget, Upload};
use deploy::{projects, proxies, rollback, Actor, ControlPlane};
use proptest::prelude::*;

const PROXY: &str = "model-api";
const ENVS: [&str; 2] = ["staging", "production"];

#[derive(Debug, Clone)]
enum Op {
    Edit(u8),
    Deploy {
        env: usize,
        keep: bool,
    },
    Undeploy(usize),
    /// Back to the `pick`-th record still in the history (if any), optionally deploying.
    Rollback {
        pick: usize,
        env: Option<usize>,
    },
    Import(u8),
    Retention(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => any::<u8>().prop_map(Op::Edit),
        4 => (0..2usize, proptest::bool::weighted(0.2)).prop_map(|(env, keep)| Op::Deploy { env, keep }),
        2 => (0..2usize).prop_map(Op::Undeploy),
        3 => (0..64usize, proptest::option::of(0..2usize)).prop_map(|(pick, env)| Op::Rollback { pick, env }),
        2 => any::<u8>().prop_map(Op::Import),
        1 => (1..6i64).prop_map(Op::Retention),
    ]
}

/// A configuration is told apart by its backend address; `tag` picks it.
fn address(tag: u8) -> String {
    format!("http://10.0.0.{tag}:8080")
}

fn spec(tag: u8) -> ProxySpec {
    ProxySpec {
        relative_path: "/model".into(),
        routing: Routing {
            address_list: vec![RoutingAddress {
                address: address(tag),
                weight: 1,
                soap_type: None,
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    revision: i64,
    action: Action,
    environment: Option<String>,
    kept: bool,
    /// The snapshot's backend address: which configuration the record holds.
    holds: String,
}

#[derive(Debug, Default)]
struct Model {
    config: String,
    last_revision: i64,
    retention: i64,
    /// The revision a rollback under way rolled back to: its own records never trim it.
    protect: Option<i64>,
    history: Vec<Record>,
    live: BTreeMap<String, (i64, String)>,
}

impl Model {
    fn record(&mut self, action: Action, environment: Option<&str>, kept: bool, holds: String) -> i64 {
        self.last_revision += 1;
        self.history.push(Record {
            revision: self.last_revision,
            action,
            environment: environment.map(str::to_owned),
            kept,
            holds,
        });
        self.trim();
        self.last_revision
    }

    /// Retention: the newest `retention` records that are not kept on purpose stay, with every kept one
    /// (and the record a rollback under way rolled back to).
    fn trim(&mut self) {
        let mut unkept = 0;
        let retention = self.retention;
        let protect = self.protect;
        let mut stays: Vec<bool> = self
            .history
            .iter()
            .rev()
            .map(|r| {
                if r.kept || Some(r.revision) == protect {
                    true
                } else {
                    unkept += 1;
                    unkept <= retention
                }
            })
            .collect();
        stays.reverse();
        let mut it = stays.into_iter();
        self.history.retain(|_| it.next().unwrap());
    }

    fn deploy(&mut self, env: &str, kept: bool) {
        let config = self.config.clone();
        let revision = self.record(Action::Deploy, Some(env), kept, config.clone());
        self.live.insert(env.into(), (revision, config));
    }
}

async fn observe(cp: &ControlPlane, admin: &Actor) -> Model {
    let proxy = proxies::get_proxy(cp, admin, P, PROXY).await.unwrap();
    let mut history = Vec::new();
    for r in history::list_history(cp, admin, P, PROXY)
        .await
        .unwrap()
        .into_iter()
        .rev()
    {
        let full = history::get_record(cp, admin, P, PROXY, r.revision)
            .await
            .unwrap();
        history.push(Record {
            revision: r.revision,
            action: r.action,
            environment: r.environment_name,
            kept: r.persistent,
            holds: full.snapshot.unwrap().proxy.routing.address_list[0]
                .address
                .clone(),
        });
    }
    let last_revision: i64 = sqlx::query_scalar("SELECT last_revision FROM api_proxies WHERE name = $1")
        .bind(PROXY)
        .fetch_one(cp.pool())
        .await
        .unwrap();
    let mut live = BTreeMap::new();
    for l in proxy.live {
        let full = history::get_record(cp, admin, P, PROXY, l.revision).await;
        // What is live is compared by revision; the record may have been trimmed, so read the live snapshot.
        let snapshot: String = sqlx::query_scalar(
            "SELECT d.snapshot
             FROM deployments d JOIN api_proxies a ON a.id = d.proxy_id JOIN environments e ON e.id = d.environment_id
             WHERE a.name = $1 AND e.name = $2",
        )
        .bind(PROXY)
        .bind(&l.environment)
        .fetch_one(cp.pool())
        .await
        .unwrap_or_else(|e| panic!("live snapshot of {}: {e} ({full:?})", l.environment));
        let snapshot: deploy::model::Snapshot = serde_json::from_str(&snapshot).unwrap();
        let holds = snapshot.proxy.routing.address_list[0].address.clone();
        live.insert(l.environment, (l.revision, holds));
    }
    let retention = projects::get_project(cp, admin, P)
        .await
        .unwrap()
        .history_retention;
    Model {
        config: proxy.spec.routing.address_list[0].address.clone(),
        last_revision,
        retention,
        protect: None,
        history,
        live,
    }
}

fn agree(model: &Model, db: &Model, step: usize, op: &Op) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        &db.config,
        &model.config,
        "configuration after step {} {:?}",
        step,
        op
    );
    prop_assert_eq!(
        db.last_revision,
        model.last_revision,
        "last revision after step {} {:?}",
        step,
        op
    );
    prop_assert_eq!(
        &db.history,
        &model.history,
        "history after step {} {:?}",
        step,
        op
    );
    prop_assert_eq!(&db.live, &model.live, "live after step {} {:?}", step, op);
    Ok(())
}

async fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let (cp, _dir, admin) = common::demo().await;
    let everywhere: Vec<String> = ENVS.iter().map(|e| e.to_string()).collect();
    proxies::create_proxy(&cp, &admin, P, PROXY, spec(0), &everywhere)
        .await
        .unwrap();
    let mut model = observe(&cp, &admin).await;
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::Edit(tag) => {
                proxies::update_proxy(&cp, &admin, P, PROXY, spec(*tag), None)
                    .await
                    .unwrap();
                model.config = address(*tag);
            }
            Op::Deploy { env, keep } => {
                let options = DeployOptions {
                    description: None,
                    persistent: *keep,
                };
                deploy::deployments::deploy_proxy(&cp, &admin, P, PROXY, ENVS[*env], &options)
                    .await
                    .unwrap();
                model.deploy(ENVS[*env], *keep);
            }
            Op::Undeploy(env) => {
                let env = ENVS[*env];
                let options = DeployOptions::default();
                let result = deploy::deployments::undeploy_proxy(&cp, &admin, P, PROXY, env, &options)
                    .await
                    .unwrap();
                if let Some((_, holds)) = model.live.remove(env) {
                    prop_assert!(result.success, "{:?}", result);
                    model.record(Action::Undeploy, Some(env), false, holds);
                } else {
                    prop_assert!(
                        !result.success,
                        "undeploying what is not live must fail: {:?}",
                        result
                    );
                }
            }
            Op::Rollback { pick, env } => {
                let target =
                    (!model.history.is_empty()).then(|| model.history[pick % model.history.len()].clone());
                let env = env.map(|e| ENVS[e]);
                let Some(target) = target else {
                    prop_assert!(rollback::rollback(&cp, &admin, P, PROXY, 1, env).await.is_err());
                    continue;
                };
                rollback::rollback(&cp, &admin, P, PROXY, target.revision, env)
                    .await
                    .unwrap();
                let replaced = std::mem::replace(&mut model.config, target.holds.clone());
                model.protect = Some(target.revision);
                model.record(Action::Rollback, None, false, replaced);
                if let Some(env) = env {
                    model.deploy(env, false);
                }
                model.protect = None;
            }
            Op::Import(tag) => {
                let bytes = transfer::export_proxy(&cp, &admin, P, PROXY).await.unwrap();
                let metadata = format!(
                    r#"{{"routing":{{"addressList":[{{"address":"{}"}}]}}}}"#,
                    address(*tag)
                );
                let upload = Upload {
                    file_name: "export.zip",
                    bytes: &bytes,
                };
                transfer::import_proxy(
                    &cp,
                    &admin,
                    P,
                    ImportTarget::Override(PROXY),
                    Some(upload),
                    Some(&metadata),
                    &ArchiveLimits::default(),
                )
                .await
                .unwrap();
                let replaced = std::mem::replace(&mut model.config, address(*tag));
                model.record(Action::Import, None, false, replaced);
            }
            Op::Retention(limit) => {
                projects::set_history_retention(&cp, &admin, P, *limit)
                    .await
                    .unwrap();
                model.retention = *limit;
                model.trim();
            }
        }
        agree(&model, &observe(&cp, &admin).await, step, op)?;
    }
    Ok(())
}

#[test]
fn the_database_follows_the_model() {
    use proptest::test_runner::{Config, TestRunner};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let cases = 32;
    let steps = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases,
        // Failures print their shrunk sequence; no regressions file is kept beside the test.
        failure_persistence: None,
        ..Config::default()
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome = runner.run(&proptest::collection::vec(op(), 1..40), |ops| {
        steps.fetch_add(ops.len(), Ordering::Relaxed);
        rt.block_on(run(&ops))
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
    println!(
        "suite model: {cases} random sequences, {} steps (edit, deploy, undeploy, rollback, import, retention), model and database agreed after every step",
        steps.load(Ordering::Relaxed)
    );
}
