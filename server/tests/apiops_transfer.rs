//! The import document: its four curl examples (with a ZIP made by our own export), its documented errors,
//! and every archive it must refuse, each leaving the database exactly as it was; and the export.

mod support;

use std::io::{Cursor, Read, Write};

use axum::http::{header, Method, StatusCode};
use deploy::archive::ArchiveLimits;
use serde_json::{json, Value};
use support::archives::{archive, mark_encrypted, patch};
use support::{Part, Portico};
use zip::write::SimpleFileOptions;

const IMPORT: &str = "/apiops/projects/MyProject/apiProxies/MyAPI/import/";
const EXPORT: &str = "/apiops/projects/MyProject/apiProxies/petstore-api/export/";

async fn exported(p: &Portico, token: &str) -> Vec<u8> {
    let a = p.call(Method::GET, EXPORT, Some(token), None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.bytes
}

async fn import(p: &Portico, token: &str, metadata: &str, zip: &[u8]) -> support::Answer {
    p.call_form(
        Method::PUT,
        IMPORT,
        Some(token),
        &[
            Part::Text("metadata", metadata),
            Part::File("apiProxyExportFile", "apiProxyExportFile.zip", zip),
        ],
    )
    .await
}

async fn proxy(p: &Portico, token: &str, name: &str) -> Value {
    let a = p
        .call(
            Method::GET,
            &format!("/apiops/projects/MyProject/apiProxies/{name}/"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.json["result"].clone()
}

#[tokio::test]
async fn export_answers_a_zip_holding_the_definition() {
    let (p, token) = Portico::demo().await;
    let a = p.call(Method::GET, EXPORT, Some(&token), None).await;
    assert_eq!(a.headers[header::CONTENT_TYPE], "application/octet-stream");
    assert_eq!(
        a.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"apiProxyExportFile.zip\""
    );
    let mut zip = zip::ZipArchive::new(Cursor::new(a.bytes)).unwrap();
    assert_eq!(zip.len(), 1);
    let mut json = String::new();
    zip.by_name("petstore-api.json")
        .unwrap()
        .read_to_string(&mut json)
        .unwrap();
    let file: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(file["formatVersion"], 1);
    let current = proxy(&p, &token, "petstore-api").await;
    assert_eq!(file["apiProxy"]["name"], "petstore-api");
    assert_eq!(file["apiProxy"]["deployList"], current["deployList"]);
    for (field, value) in file["apiProxy"]["configuration"].as_object().unwrap() {
        assert_eq!(&current[field], value, "{field}");
    }
}

#[tokio::test]
async fn example_1_basic_import() {
    let (p, token) = Portico::demo().await;
    let zip = exported(&p, &token).await;
    let a = import(&p, &token, r#"{"deploy":false}"#, &zip).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json, json!({"status": "SUCCESS"}));
    let (copy, original) = (
        proxy(&p, &token, "MyAPI").await,
        proxy(&p, &token, "petstore-api").await,
    );
    for field in [
        "description",
        "apiType",
        "relativePath",
        "routing",
        "maintenanceMode",
        "cors",
        "cache",
        "deployList",
    ] {
        assert_eq!(copy[field], original[field], "{field}");
    }
    assert_eq!(copy["deployments"], json!([]));
}

/// Takes petstore-api offline in production, where the demo has it live. MyAPI, a copy of it, asks for its
/// path /petstore, and one path has one owner in an environment.
async fn free_petstore_path(p: &Portico, token: &str) {
    let r = p
        .call(
            Method::DELETE,
            "/apiops/projects/MyProject/apiProxies/petstore-api/environments/production/",
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn example_2_on_the_demo_keeps_the_import_but_refuses_production_where_petstore_api_owns_the_path() {
    let (p, token) = Portico::demo().await;
    let zip = exported(&p, &token).await;
    let a = import(
        &p,
        &token,
        r#"{"deploy":true,"deployTargetEnvironmentNameList":["production","staging"]}"#,
        &zip,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json["status"], "SUCCESS");
    assert_eq!(a.json["deploymentResult"]["success"], false);
    let production = &a.json["deploymentResult"]["environmentResults"][0];
    assert_eq!(production["success"], false);
    assert!(
        production["message"].as_str().unwrap().contains("(/petstore)"),
        "{production}"
    );
    assert_eq!(
        a.json["deploymentResult"]["environmentResults"][1]["success"],
        true
    );
}

#[tokio::test]
async fn example_2_import_with_deployment() {
    let (p, token) = Portico::demo().await;
    let zip = exported(&p, &token).await;
    free_petstore_path(&p, &token).await;
    let a = import(
        &p,
        &token,
        r#"{"deploy":true,"deployTargetEnvironmentNameList":["production","staging"]}"#,
        &zip,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.json,
        json!({
            "status": "SUCCESS",
            "deploymentResult": {
                "success": true,
                "message": "Deployment completed successfully",
                "environmentResults": [
                    {"environmentName": "production", "success": true, "message": "Deployed successfully"},
                    {"environmentName": "staging", "success": true, "message": "Deployed successfully"}
                ]
            }
        })
    );
    assert_eq!(
        proxy(&p, &token, "MyAPI").await["deployments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn example_3_import_with_routing() {
    let (p, token) = Portico::demo().await;
    let zip = exported(&p, &token).await;
    let metadata = r#"{"deploy":false,"routing":{"algorithm":"ROUND_ROBIN","addressList":[{"address":"https://backend1.example.com","weight":1},{"address":"https://backend2.example.com","weight":1}]}}"#;
    let a = import(&p, &token, metadata, &zip).await;
    assert_eq!(a.json, json!({"status": "SUCCESS"}), "{}", a.text);
    assert_eq!(
        proxy(&p, &token, "MyAPI").await["routing"],
        json!({"algorithm": "ROUND_ROBIN", "addressList": [
            {"address": "https://backend1.example.com", "weight": 1, "soapType": null},
            {"address": "https://backend2.example.com", "weight": 1, "soapType": null}
        ]})
    );
}

#[tokio::test]
async fn example_4_import_with_full_configuration_then_override() {
    let (p, token) = Portico::demo().await;
    let zip = exported(&p, &token).await;
    free_petstore_path(&p, &token).await;
    let metadata = r#"{"deploy":true,"deployTargetEnvironmentNameList":["production"],"routing":{"algorithm":"WEIGHTED_ROUND_ROBIN","addressList":[{"address":"https://backend1.example.com","weight":3},{"address":"https://backend2.example.com","weight":1}]},"maintenanceMode":false}"#;
    for round in 0..2 {
        let a = import(&p, &token, metadata, &zip).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(
            a.json["deploymentResult"]["environmentResults"][0]["environmentName"],
            "production"
        );
        assert_eq!(a.json["deploymentResult"]["success"], true, "round {round}");
    }
    let imported = proxy(&p, &token, "MyAPI").await;
    assert_eq!(imported["routing"]["algorithm"], "WEIGHTED_ROUND_ROBIN");
    assert_eq!(imported["routing"]["addressList"][0]["weight"], 3);
    // The second import overrode the first and kept what it replaced as an IMPORT record.
    let history = p
        .call(
            Method::GET,
            "/apiops/projects/MyProject/apiProxies/MyAPI/deploy-histories/",
            Some(&token),
            None,
        )
        .await;
    let actions: Vec<&str> = history.json["resultList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["DEPLOY", "IMPORT", "DEPLOY"]);
}

#[tokio::test]
async fn post_import_adds_a_new_proxy_under_a_free_name() {
    let (p, token) = Portico::demo().await;
    let zip = exported(&p, &token).await;
    let a = p
        .call_form(
            Method::POST,
            "/apiops/projects/MyProject/apiProxies/import/",
            Some(&token),
            &[
                Part::Text("metadata", "{}"),
                Part::File("apiProxyExportFile", "petstore.ZIP", &zip),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.json,
        json!({"status": "SUCCESS", "apiProxyName": "petstore-api-copy"})
    );
}

#[tokio::test]
async fn documented_errors_and_refused_archives_change_nothing() {
    let (p, token) = Portico::demo().await;
    let good = exported(&p, &token).await;
    let json = {
        let mut zip = zip::ZipArchive::new(Cursor::new(good.clone())).unwrap();
        let mut text = String::new();
        zip.by_index(0).unwrap().read_to_string(&mut text).unwrap();
        text
    };
    let mut symlink = zip::ZipWriter::new(Cursor::new(Vec::new()));
    symlink
        .add_symlink("a.json", "/etc/passwd", SimpleFileOptions::default())
        .unwrap();
    let symlink = symlink.finish().unwrap().into_inner();
    let duplicate = patch(
        archive(&[("a.json", json.as_bytes()), ("b.json", json.as_bytes())]),
        b"b.json",
        b"a.json",
    );
    let truncated = good[..good.len() / 2].to_vec();
    let bad_crc = patch(
        archive(&[("a.json", json.as_bytes())]),
        b"petstore-api",
        b"petstore-apj",
    );
    let cases: Vec<(&str, String, Vec<u8>, &str, &str)> = vec![
        (
            "wrong extension",
            "export.tar".into(),
            good.clone(),
            "{}",
            "apiProxyExportFile parameter must be in zip file format and must end with zip extension!",
        ),
        (
            "not a zip",
            "export.zip".into(),
            b"just text".to_vec(),
            "{}",
            "apiProxyExportFile parameter must be in zip file format and must end with zip extension!",
        ),
        (
            "empty file",
            "export.zip".into(),
            Vec::new(),
            "{}",
            "apiProxyExportFile parameter can not be empty!",
        ),
        ("truncated", "export.zip".into(), truncated, "{}", "zip"),
        ("bad CRC", "export.zip".into(), bad_crc, "{}", "could not be read"),
        (
            "nested archive",
            "export.zip".into(),
            archive(&[("inner.zip", &good)]),
            "{}",
            "archive inside",
        ),
        ("symlink", "export.zip".into(), symlink, "{}", "symbolic link"),
        (
            "parent path",
            "export.zip".into(),
            archive(&[("../a.json", json.as_bytes())]),
            "{}",
            "leaves the archive",
        ),
        (
            "absolute path",
            "export.zip".into(),
            archive(&[("/a.json", json.as_bytes())]),
            "{}",
            "leaves the archive",
        ),
        (
            "encrypted",
            "export.zip".into(),
            mark_encrypted(archive(&[("a.json", json.as_bytes())])),
            "{}",
            "encrypted",
        ),
        (
            "duplicate names",
            "export.zip".into(),
            duplicate,
            "{}",
            "same name twice",
        ),
        (
            "invalid JSON",
            "export.zip".into(),
            archive(&[("a.json", b"{\"formatVersion\":1,")]),
            "{}",
            "does not parse",
        ),
        (
            "wrong shape",
            "export.zip".into(),
            archive(&[("a.json", b"{\"formatVersion\":1,\"apiProxy\":[]}")]),
            "{}",
            "shape",
        ),
        (
            "future format",
            "export.zip".into(),
            archive(&[(
                "a.json",
                json.replacen("\"formatVersion\": 1", "\"formatVersion\": 7", 1)
                    .as_bytes(),
            )]),
            "{}",
            "newer",
        ),
        (
            "invalid metadata",
            "export.zip".into(),
            good.clone(),
            "{\"deploy\":",
            "metadata",
        ),
        (
            "unknown algorithm",
            "export.zip".into(),
            good.clone(),
            r#"{"routing":{"algorithm":"FASTEST"}}"#,
            "FASTEST",
        ),
        (
            "unknown soapType",
            "export.zip".into(),
            good.clone(),
            r#"{"routing":{"addressList":[{"address":"http://a","soapType":"SOAP99"}]}}"#,
            "SOAP99",
        ),
        (
            "unknown environment",
            "export.zip".into(),
            good.clone(),
            r#"{"deploy":true,"deployTargetEnvironmentNameList":["moon"]}"#,
            "Environment (moon) is not found",
        ),
    ];
    let before = p.rows().await;
    for (case, file_name, bytes, metadata, expected) in &cases {
        let a = p
            .call_form(
                Method::PUT,
                "/apiops/projects/MyProject/apiProxies/petstore-api/import/",
                Some(&token),
                &[
                    Part::Text("metadata", metadata),
                    Part::File("apiProxyExportFile", file_name, bytes),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{case}: {}", a.text);
        assert_eq!(a.json["error"], "bad_request", "{case}");
        let said = a.json["error_description"].as_str().unwrap();
        assert!(said.contains(expected), "{case}: {said}");
    }
    // The documented wordings for missing parts of the request.
    let no_file = p
        .call_form(Method::PUT, IMPORT, Some(&token), &[Part::Text("metadata", "{}")])
        .await;
    assert_eq!(
        no_file.json,
        json!({"error": "bad_request", "error_description": "apiProxyExportFile parameter can not be empty!"})
    );
    let file = Part::File("apiProxyExportFile", "a.zip", &good);
    let empty_proxy = p
        .call_form(
            Method::PUT,
            "/apiops/projects/MyProject/apiProxies/%20/import/",
            Some(&token),
            &[
                Part::Text("metadata", "{}"),
                Part::File("apiProxyExportFile", "a.zip", &good),
            ],
        )
        .await;
    assert_eq!(
        empty_proxy.json["error_description"],
        "apiProxyName value can not be empty!"
    );
    let empty_project = p
        .call_form(
            Method::PUT,
            "/apiops/projects/%20/apiProxies/MyAPI/import/",
            Some(&token),
            &[Part::Text("metadata", "{}"), file],
        )
        .await;
    assert_eq!(
        empty_project.json["error_description"],
        "projectName value can not be empty!"
    );
    let missing_project = p
        .call_form(
            Method::PUT,
            "/apiops/projects/NoSuchProject/apiProxies/MyAPI/import/",
            Some(&token),
            &[
                Part::Text("metadata", "{}"),
                Part::File("apiProxyExportFile", "a.zip", &good),
            ],
        )
        .await;
    assert_eq!(missing_project.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing_project.json,
        json!({"error": "not_found", "error_description": "Project(NoSuchProject) was not found or user does not have privilege to access it!"})
    );
    let unauthorized = import(&p, "ptc_not_a_token", "{}", &good).await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unauthorized.json,
        json!({"error": "unauthorized_client", "error_description": "Invalid token"})
    );
    let not_multipart = p.call(Method::PUT, IMPORT, Some(&token), Some("{}")).await;
    assert_eq!(not_multipart.status, StatusCode::BAD_REQUEST);
    assert_eq!(p.rows().await, before, "a refused import changed the database");
    assert!(cases.len() >= 18);
}

#[tokio::test]
async fn oversized_uploads_are_refused_in_the_documented_shape() {
    let (demo, token) = Portico::demo().await;
    let limits = ArchiveLimits {
        max_archive_bytes: 4096,
        max_entry_bytes: 4096,
        ..ArchiveLimits::default()
    };
    let app = server::app_with(demo.cp.clone(), "target/site", limits)
        .await
        .unwrap();
    let p = Portico::with_app(demo, app);
    let good = exported(&p, &token).await;
    let before = p.rows().await;
    let big_file = vec![b'x'; 5000];
    let a = import(&p, &token, "{}", &big_file).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json["error_description"],
        "apiProxyExportFile is larger than the limit of 4096 bytes!"
    );
    // A body past the whole limit (archive plus room for the form) is cut off while it is read.
    let huge = "y".repeat(600 * 1024);
    let b = p
        .call_form(
            Method::PUT,
            IMPORT,
            Some(&token),
            &[
                Part::Text("padding", &huge),
                Part::Text("metadata", "{}"),
                Part::File("apiProxyExportFile", "a.zip", &good),
            ],
        )
        .await;
    assert_eq!(b.status, StatusCode::BAD_REQUEST, "{}", b.text);
    assert!(
        b.json["error_description"]
            .as_str()
            .unwrap()
            .contains("larger than the import limit"),
        "{}",
        b.text
    );
    // A zip bomb: small on the wire, far past the entry limit once inflated.
    let bomb = {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("bomb.json", SimpleFileOptions::default()).unwrap();
        zip.write_all(&vec![b' '; 1_000_000]).unwrap();
        zip.finish().unwrap().into_inner()
    };
    assert!(bomb.len() < 4096);
    let c = import(&p, &token, "{}", &bomb).await;
    assert_eq!(c.status, StatusCode::BAD_REQUEST);
    assert!(
        c.json["error_description"]
            .as_str()
            .unwrap()
            .contains("larger than the limit"),
        "{}",
        c.text
    );
    assert_eq!(p.rows().await, before);
}
