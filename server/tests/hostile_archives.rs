//! Hostile archives against a real server process: a generated corpus of broken, malicious and oversized
//! uploads to the import endpoint. Each must get the documented 400 and change nothing, and the server must
//! stay up with bounded memory. Prints one summary line: cases, panics, changes, peak RSS.

mod support;

use std::io::{Cursor, Read, Write};

use deploy::ControlPlane;
use support::archives::{archive, mark_encrypted, patch};
use support::process::ServerProcess;
use support::{multipart, Part, BOUNDARY};
use zip::write::SimpleFileOptions;

/// The server's memory may grow with one upload at a time, never with what an archive claims to inflate to.
const PEAK_RSS_CEILING_KIB: u64 = 400 * 1024;

struct Case {
    name: &'static str,
    file_name: &'static str,
    bytes: Vec<u8>,
    metadata: String,
}

fn case(name: &'static str, bytes: Vec<u8>) -> Case {
    Case {
        name,
        file_name: "export.zip",
        bytes,
        metadata: "{}".into(),
    }
}

fn with_metadata(name: &'static str, good: &[u8], metadata: String) -> Case {
    Case {
        name,
        file_name: "export.zip",
        bytes: good.to_vec(),
        metadata,
    }
}

/// One JSON entry, deflated: how a small upload claims a large document.
fn deflated(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in entries {
        zip.start_file(*name, SimpleFileOptions::default()).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn one(json: &str) -> Vec<u8> {
    archive(&[("export.json", json.as_bytes())])
}

/// The export JSON with one value replaced.
fn edited(json: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    edit(&mut v);
    one(&v.to_string())
}

fn corpus(good: &[u8], json: &str) -> Vec<Case> {
    let nested_arrays = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let nested_objects = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let huge_string = format!(
        "{{\"formatVersion\":1,\"apiProxy\":{{\"name\":\"{}\"}}}}",
        "n".repeat(5_000_000)
    );
    let mut symlink = zip::ZipWriter::new(Cursor::new(Vec::new()));
    symlink
        .add_symlink("export.json", "/etc/passwd", SimpleFileOptions::default())
        .unwrap();
    let symlink = symlink.finish().unwrap().into_inner();
    let many_entries = {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..5_000 {
            zip.start_file(format!("e{i}.json"), SimpleFileOptions::default())
                .unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    let directory_only = {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.add_directory("export/", SimpleFileOptions::default())
            .unwrap();
        zip.finish().unwrap().into_inner()
    };
    let mut cases = vec![
        Case {
            name: "wrong extension",
            file_name: "export.tar",
            bytes: good.to_vec(),
            metadata: "{}".into(),
        },
        Case {
            name: "no extension",
            file_name: "export",
            bytes: good.to_vec(),
            metadata: "{}".into(),
        },
        case("not a zip, .zip name", b"just some text, no archive".to_vec()),
        case("empty file", Vec::new()),
        case("PNG bytes", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
        case("truncated to half", good[..good.len() / 2].to_vec()),
        case("truncated to 30 bytes", good[..30].to_vec()),
        case("only the end record", good[good.len() - 22..].to_vec()),
        case("bad CRC", patch(one(json), b"petstore-api", b"petstore-apj")),
        case(
            "zip bomb: high ratio",
            deflated(&[("export.json", &vec![b' '; 64 * 1024 * 1024])]),
        ),
        case("zip bomb: many entries", many_entries),
        case("nested zip", archive(&[("inner.zip", good)])),
        case("nested jar", archive(&[("inner.jar", good)])),
        case("symlink", symlink),
        case("parent path", archive(&[("../export.json", json.as_bytes())])),
        case(
            "deep parent path",
            archive(&[("a/../../export.json", json.as_bytes())]),
        ),
        case("absolute path", archive(&[("/etc/export.json", json.as_bytes())])),
        case("backslash path", archive(&[("..\\export.json", json.as_bytes())])),
        case(
            "drive letter path",
            archive(&[("C:/export.json", json.as_bytes())]),
        ),
        case(
            "duplicate names",
            patch(
                archive(&[("a.json", json.as_bytes()), ("b.json", json.as_bytes())]),
                b"b.json",
                b"a.json",
            ),
        ),
        case(
            "two export documents",
            archive(&[("a.json", json.as_bytes()), ("b.json", json.as_bytes())]),
        ),
        case("encrypted entry", mark_encrypted(one(json))),
        case("empty archive", archive(&[])),
        case("directory only", directory_only),
        case("invalid JSON", one("{\"formatVersion\":1,")),
        case("JSON that is an array", one("[1,2,3]")),
        case("JSON in UTF-16", {
            let utf16: Vec<u8> = json.encode_utf16().flat_map(u16::to_le_bytes).collect();
            archive(&[("export.json", &utf16)])
        }),
        case(
            "invalid UTF-8",
            archive(&[(
                "export.json",
                b"{\"formatVersion\":1,\"apiProxy\":{\"name\":\"\xff\xfe\"}}",
            )]),
        ),
        case("JSON bomb: nested arrays", one(&nested_arrays)),
        case("JSON bomb: nested objects", one(&nested_objects)),
        case(
            "JSON bomb: huge string",
            deflated(&[("export.json", huge_string.as_bytes())]),
        ),
        case(
            "JSON huge number",
            one("{\"formatVersion\":1e999999,\"apiProxy\":{}}"),
        ),
        case(
            "format version missing",
            edited(json, |v| {
                v.as_object_mut().unwrap().remove("formatVersion");
            }),
        ),
        case(
            "format version as text",
            edited(json, |v| v["formatVersion"] = "1".into()),
        ),
        case(
            "format version zero",
            edited(json, |v| v["formatVersion"] = 0.into()),
        ),
        case(
            "format version negative",
            edited(json, |v| v["formatVersion"] = (-1).into()),
        ),
        case(
            "future format version",
            edited(json, |v| v["formatVersion"] = 99.into()),
        ),
        case(
            "apiProxy missing",
            edited(json, |v| {
                v.as_object_mut().unwrap().remove("apiProxy");
            }),
        ),
        case(
            "apiProxy of wrong type",
            edited(json, |v| v["apiProxy"] = serde_json::json!([])),
        ),
        case(
            "unknown API type",
            edited(json, |v| v["apiProxy"]["apiType"] = "GRAPHQL".into()),
        ),
        case(
            "unknown routing algorithm",
            edited(json, |v| v["apiProxy"]["routing"]["algorithm"] = "FASTEST".into()),
        ),
        case(
            "routing of wrong type",
            edited(json, |v| v["apiProxy"]["routing"] = "round robin".into()),
        ),
        case(
            "negative weight",
            edited(json, |v| {
                v["apiProxy"]["routing"]["addressList"] =
                    serde_json::json!([{"address": "http://a", "weight": -1}])
            }),
        ),
        case(
            "address not a URL",
            edited(json, |v| {
                v["apiProxy"]["routing"]["addressList"] =
                    serde_json::json!([{"address": "file:///etc/passwd"}])
            }),
        ),
        case(
            "relative path without slash",
            edited(json, |v| v["apiProxy"]["relativePath"] = "petstore".into()),
        ),
        case(
            "NUL in entry name",
            archive(&[("export\0.json", json.as_bytes())]),
        ),
        with_metadata("metadata not JSON", good, "{\"deploy\":".into()),
        with_metadata("metadata an array", good, "[]".into()),
        with_metadata("metadata deploy as text", good, r#"{"deploy":"yes"}"#.into()),
        with_metadata(
            "metadata environments as text",
            good,
            r#"{"deploy":true,"deployTargetEnvironmentNameList":"staging"}"#.into(),
        ),
        with_metadata(
            "metadata unknown environment",
            good,
            r#"{"deploy":true,"deployTargetEnvironmentNameList":["moon"]}"#.into(),
        ),
        with_metadata(
            "metadata unknown algorithm",
            good,
            r#"{"routing":{"algorithm":"FASTEST"}}"#.into(),
        ),
        with_metadata(
            "metadata unknown soapType",
            good,
            r#"{"routing":{"addressList":[{"address":"http://a","soapType":"SOAP99"}]}}"#.into(),
        ),
        with_metadata(
            "metadata nested bomb",
            good,
            format!("{{\"routing\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000)),
        ),
        with_metadata(
            "metadata huge",
            good,
            format!(
                r#"{{"deploy":true,"deployTargetEnvironmentNameList":["{}"]}}"#,
                "e".repeat(2_000_000)
            ),
        ),
    ];
    // A file past the upload limit (10 MiB by default) is cut off while it is read.
    cases.push(case("archive past the size limit", vec![0u8; 11 * 1024 * 1024]));
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_archive_gets_the_documented_400_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), true);
    let token = server.token.clone().unwrap();
    let http = reqwest::Client::new();
    let auth = format!("Bearer {token}");
    let good = server.export("petstore-api").await;
    let json = {
        let mut zip = zip::ZipArchive::new(Cursor::new(good.clone())).unwrap();
        let mut text = String::new();
        zip.by_index(0).unwrap().read_to_string(&mut text).unwrap();
        text
    };
    let cp = ControlPlane::open(&support::shared::database_in(dir.path()))
        .await
        .unwrap();
    let before = support::rows_of(&cp).await;

    let cases = corpus(&good, &json);
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for c in &cases {
        for (method, path) in [
            (
                reqwest::Method::PUT,
                "/apiops/projects/MyProject/apiProxies/petstore-api/import/",
            ),
            (
                reqwest::Method::POST,
                "/apiops/projects/MyProject/apiProxies/import/",
            ),
        ] {
            let body = multipart(&[
                Part::Text("metadata", &c.metadata),
                Part::File("apiProxyExportFile", c.file_name, &c.bytes),
            ]);
            let answer = http
                .request(method.clone(), format!("{}{path}", server.url))
                .header("authorization", &auth)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(body)
                .send()
                .await;
            let Ok(answer) = answer else {
                wrong.push(format!("{} ({method}): no answer", c.name));
                continue;
            };
            let status = answer.status();
            let text = answer.text().await.unwrap_or_default();
            let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let described = body["error_description"].as_str().is_some_and(|d| !d.is_empty());
            if status != 400 || body["error"] != "bad_request" || !described {
                wrong.push(format!("{} ({method}): {status} {body}", c.name));
            }
        }
        assert!(server.alive(), "the server died on {}", c.name);
    }
    let changes = usize::from(support::rows_of(&cp).await != before);
    let panics = server.log().matches("panicked").count();
    let peak = server.peak_rss_kib();
    println!(
        "suite hostile-archives: {} cases x 2 import doors, {} panics, {changes} changes, peak RSS {:.1} MiB, {} wrong answers",
        cases.len(),
        panics,
        peak as f64 / 1024.0,
        wrong.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(panics, 0, "{}", server.log());
    assert_eq!(changes, 0, "a refused import changed the database");
    assert!(peak < PEAK_RSS_CEILING_KIB, "peak RSS {peak} KiB");
}
