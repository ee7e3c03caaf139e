mod common;

use std::io::Write;

use deploy::access::Permission;
use deploy::archive::{self, ArchiveLimits};
use deploy::demo::DEMO_PROJECT as P;
use deploy::export_format::ExportFile;
use deploy::history::Action;
use deploy::model::RoutingAlgorithm;
use deploy::transfer::{self, ImportOutcome, ImportTarget, Upload};
use deploy::{history, proxies, rollback, Actor, ControlPlane, Error};

async fn export(cp: &ControlPlane, admin: &Actor, name: &str) -> Vec<u8> {
    transfer::export_proxy(cp, admin, P, name).await.unwrap()
}

async fn import(
    cp: &ControlPlane,
    actor: &Actor,
    target: ImportTarget<'_>,
    zip: &[u8],
    metadata: &str,
) -> deploy::Result<ImportOutcome> {
    let upload = Upload {
        file_name: "petstore-api.zip",
        bytes: zip,
    };
    transfer::import_proxy(
        cp,
        actor,
        P,
        target,
        Some(upload),
        Some(metadata),
        &ArchiveLimits::default(),
    )
    .await
}

#[tokio::test]
async fn export_then_import_round_trips_every_field() {
    let (cp, _dir, admin) = common::demo().await;
    let zip = export(&cp, &admin, "petstore-api").await;
    let json = archive::read_export_json(&zip, &ArchiveLimits::default()).unwrap();
    let file = ExportFile::parse(&json).unwrap();
    let original = proxies::get_proxy(&cp, &admin, P, "petstore-api").await.unwrap();
    assert_eq!(file.format_version, 1);
    assert_eq!(file.api_proxy.name, "petstore-api");
    assert_eq!(file.api_proxy.configuration, original.spec);
    assert_eq!(file.api_proxy.deploy_list, original.deploy_list);

    let outcome = import(
        &cp,
        &admin,
        ImportTarget::Override("MyAPI"),
        &zip,
        r#"{"deploy":false}"#,
    )
    .await
    .unwrap();
    assert!(outcome.created);
    assert_eq!(outcome.deployment_result, None);
    let copy = proxies::get_proxy(&cp, &admin, P, "MyAPI").await.unwrap();
    // Field by field, through JSON, so a field added to the model later is compared too.
    let as_json = |v: &deploy::model::ProxySpec| serde_json::to_value(v).unwrap();
    let (a, b) = (as_json(&original.spec), as_json(&copy.spec));
    for (field, value) in a.as_object().unwrap() {
        assert_eq!(Some(value), b.get(field), "field {field}");
    }
    assert_eq!(a, b);
    assert_eq!(copy.deploy_list, original.deploy_list);
    assert!(copy.live.is_empty());
    // The export of the copy says the same, but for the name.
    let again = ExportFile::parse(
        &archive::read_export_json(&export(&cp, &admin, "MyAPI").await, &ArchiveLimits::default()).unwrap(),
    )
    .unwrap();
    assert_eq!(again.api_proxy.configuration, file.api_proxy.configuration);
}

#[tokio::test]
async fn an_override_keeps_what_it_replaced_and_can_be_rolled_back() {
    let (cp, _dir, admin) = common::demo().await;
    let refunds = export(&cp, &admin, "payment-refunds-api").await;
    let before = proxies::get_proxy(&cp, &admin, P, "petstore-api").await.unwrap();
    let outcome = import(
        &cp,
        &admin,
        ImportTarget::Override("petstore-api"),
        &refunds,
        r#"{"deploy":false,"routing":{"algorithm":"IP_HASH"},"maintenanceMode":true}"#,
    )
    .await
    .unwrap();
    assert!(!outcome.created);
    let revision = outcome.replaced_revision.unwrap();
    let after = proxies::get_proxy(&cp, &admin, P, "petstore-api").await.unwrap();
    assert_eq!(after.spec.relative_path, "/refunds");
    assert_eq!(after.spec.routing.algorithm, RoutingAlgorithm::IpHash);
    assert!(after.spec.maintenance_mode);
    let record = history::get_record(&cp, &admin, P, "petstore-api", revision)
        .await
        .unwrap();
    assert_eq!(record.action, Action::Import);
    assert_eq!(record.snapshot.unwrap().proxy, before.spec);
    rollback::rollback(&cp, &admin, P, "petstore-api", revision, None)
        .await
        .unwrap();
    let restored = proxies::get_proxy(&cp, &admin, P, "petstore-api").await.unwrap();
    assert_eq!(restored.spec, before.spec);
}

#[tokio::test]
async fn an_import_whose_path_is_live_under_another_proxy_is_kept_but_not_deployed() {
    // The document's example 2 on the demo, where petstore-api (whose export MyAPI copies) owns /petstore.
    let (cp, _dir, admin) = common::demo().await;
    let zip = export(&cp, &admin, "petstore-api").await;
    let outcome = import(
        &cp,
        &admin,
        ImportTarget::Override("MyAPI"),
        &zip,
        r#"{"deploy":true,"deployTargetEnvironmentNameList":["production","staging"]}"#,
    )
    .await
    .unwrap();
    let result = outcome.deployment_result.unwrap();
    assert!(!result.success);
    // petstore-api is live in production, not in staging (the demo freed staging).
    let production = &result.environment_results[0];
    assert!(!production.success);
    assert!(
        production.message.contains("(/petstore)") && production.message.contains("petstore-api"),
        "{}",
        production.message
    );
    assert!(result.environment_results[1].success);
    let imported = proxies::get_proxy(&cp, &admin, P, "MyAPI").await.unwrap();
    let live: Vec<_> = imported.live.iter().map(|l| l.environment.as_str()).collect();
    assert_eq!(live, ["staging"]);
}

#[tokio::test]
async fn import_deploys_to_each_target_and_reports_each() {
    let (cp, _dir, admin) = common::demo().await;
    let zip = export(&cp, &admin, "petstore-api").await;
    // The copy goes where the original was: take the original offline first, so the path is free.
    for env in ["production", "staging"] {
        let options = deploy::deployments::DeployOptions::default();
        deploy::deployments::undeploy_proxy(&cp, &admin, P, "petstore-api", env, &options)
            .await
            .unwrap();
    }
    let outcome = import(
        &cp,
        &admin,
        ImportTarget::Override("MyAPI"),
        &zip,
        r#"{"deploy":true,"deployTargetEnvironmentNameList":["production","staging"]}"#,
    )
    .await
    .unwrap();
    let result = outcome.deployment_result.unwrap();
    assert!(result.success);
    assert_eq!(result.message, "Deployment completed successfully");
    let envs: Vec<(&str, bool)> = result
        .environment_results
        .iter()
        .map(|r| (r.environment_name.as_str(), r.success))
        .collect();
    assert_eq!(envs, vec![("production", true), ("staging", true)]);
    let live = proxies::get_proxy(&cp, &admin, P, "MyAPI").await.unwrap().live;
    assert_eq!(live.len(), 2);

    // A target outside the file's deploy list is refused for that environment only. (MyAPI leaves
    // staging first, so the copy's path is free there.)
    deploy::deployments::undeploy_proxy(&cp, &admin, P, "MyAPI", "staging", &Default::default())
        .await
        .unwrap();
    let mut file =
        ExportFile::parse(&archive::read_export_json(&zip, &ArchiveLimits::default()).unwrap()).unwrap();
    file.api_proxy.deploy_list = vec!["staging".into()];
    let narrow = zip_of("MyAPI2.json", &serde_json::to_vec(&file).unwrap());
    let outcome = import(
        &cp,
        &admin,
        ImportTarget::Override("MyAPI2"),
        &narrow,
        r#"{"deploy":true,"deployTargetEnvironmentNameList":["production","staging"]}"#,
    )
    .await
    .unwrap();
    let result = outcome.deployment_result.unwrap();
    assert!(!result.success);
    assert!(!result.environment_results[0].success);
    assert!(result.environment_results[0]
        .message
        .contains("not in the deploy list"));
    assert!(result.environment_results[1].success);
}

#[tokio::test]
async fn import_without_override_finds_a_free_name() {
    let (cp, _dir, admin) = common::demo().await;
    let zip = export(&cp, &admin, "petstore-api").await;
    let mut names = Vec::new();
    for _ in 0..3 {
        let outcome = import(&cp, &admin, ImportTarget::New, &zip, "{}").await.unwrap();
        assert!(outcome.created);
        names.push(outcome.api_proxy_name);
    }
    assert_eq!(
        names,
        vec!["petstore-api-copy", "petstore-api-copy-2", "petstore-api-copy-3"]
    );
}

fn zip_of(name: &str, content: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(name, zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(content).unwrap();
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn refused_imports_change_nothing() {
    let (cp, _dir, admin) = common::demo().await;
    let good = export(&cp, &admin, "petstore-api").await;
    let json = archive::read_export_json(&good, &ArchiveLimits::default()).unwrap();
    let text = String::from_utf8(json).unwrap();
    let future = zip_of(
        "a.json",
        text.replacen("\"formatVersion\": 1", "\"formatVersion\": 2", 1)
            .as_bytes(),
    );
    let bad_algorithm = zip_of(
        "a.json",
        text.replacen("WEIGHTED_ROUND_ROBIN", "FASTEST", 1).as_bytes(),
    );
    let bad_path = zip_of(
        "a.json",
        text.replacen("\"/petstore\"", "\"petstore\"", 1).as_bytes(),
    );
    let before = common::fingerprint(&cp).await;
    let cases: Vec<(&str, &str, Vec<u8>, &str, &str)> = vec![
        (
            "wrong extension",
            "export.json",
            good.clone(),
            "{}",
            "must end with zip extension",
        ),
        (
            "not a zip",
            "export.zip",
            b"hello".to_vec(),
            "{}",
            "must be in zip file format",
        ),
        ("empty", "export.zip", Vec::new(), "{}", "can not be empty"),
        ("bad metadata", "export.zip", good.clone(), "{deploy", "metadata"),
        (
            "unknown metadata field",
            "export.zip",
            good.clone(),
            r#"{"deplyo":true}"#,
            "metadata",
        ),
        ("future version", "export.zip", future, "{}", "newer"),
        ("unknown algorithm", "export.zip", bad_algorithm, "{}", "FASTEST"),
        (
            "invalid configuration",
            "export.zip",
            bad_path,
            "{}",
            "relativePath",
        ),
        (
            "unknown soapType in metadata",
            "export.zip",
            good.clone(),
            r#"{"routing":{"addressList":[{"address":"http://a","soapType":"SOAP13"}]}}"#,
            "SOAP13",
        ),
        (
            "unknown target",
            "export.zip",
            good.clone(),
            r#"{"deploy":true,"deployTargetEnvironmentNameList":["nowhere"]}"#,
            "Environment (nowhere)",
        ),
        (
            "deploy without targets",
            "export.zip",
            good.clone(),
            r#"{"deploy":true}"#,
            "deployTargetEnvironmentNameList",
        ),
    ];
    for (case, file_name, bytes, metadata, expected) in cases {
        let upload = Upload {
            file_name,
            bytes: &bytes,
        };
        let refused = transfer::import_proxy(
            &cp,
            &admin,
            P,
            ImportTarget::Override("petstore-api"),
            Some(upload),
            Some(metadata),
            &ArchiveLimits::default(),
        )
        .await;
        match refused {
            Err(Error::Invalid(m)) => assert!(m.contains(expected), "{case}: {m}"),
            other => panic!("{case}: {other:?}"),
        }
    }
    let missing = transfer::import_proxy(
        &cp,
        &admin,
        P,
        ImportTarget::Override("x"),
        None,
        Some("{}"),
        &ArchiveLimits::default(),
    )
    .await;
    assert!(
        matches!(missing, Err(Error::Invalid(m)) if m == "apiProxyExportFile parameter can not be empty!")
    );
    assert_eq!(common::fingerprint(&cp).await, before);
}

#[tokio::test]
async fn import_needs_export_import_and_deploy_undeploy_to_deploy() {
    let (cp, _dir, admin) = common::demo().await;
    let zip = export(&cp, &admin, "petstore-api").await;
    let manager = common::member(&cp, &admin, "manager", &[Permission::View, Permission::Manage]).await;
    let porter = common::member(&cp, &admin, "porter", &[Permission::ExportImport]).await;
    let before = common::fingerprint(&cp).await;
    assert!(matches!(
        import(&cp, &manager, ImportTarget::Override("X"), &zip, "{}").await,
        Err(Error::Forbidden(m)) if m.contains("EXPORT_IMPORT")
    ));
    assert!(matches!(
        transfer::export_proxy(&cp, &manager, P, "petstore-api").await,
        Err(Error::Forbidden(_))
    ));
    let deploying = r#"{"deploy":true,"deployTargetEnvironmentNameList":["staging"]}"#;
    assert!(matches!(
        import(&cp, &porter, ImportTarget::Override("X"), &zip, deploying).await,
        Err(Error::Forbidden(m)) if m.contains("DEPLOY_UNDEPLOY")
    ));
    assert_eq!(common::fingerprint(&cp).await, before);
    import(&cp, &porter, ImportTarget::Override("X"), &zip, "{}")
        .await
        .unwrap();
}
