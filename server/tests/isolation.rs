//! What the console and the REST doors do so that one team cannot reach another's, or the console itself:
//! security headers, the documented 405, addresses onto Portico itself, and connections bounded so that idle
//! clients of a gateway cannot lock the console out.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::{header, Method, StatusCode};
use support::Portico;

#[tokio::test]
async fn console_pages_and_assets_carry_security_headers() {
    let (p, _) = Portico::demo().await;
    for path in ["/login", "/favicon.svg", "/apiops/projects/"] {
        let r = p.call(Method::GET, path, None, None).await;
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(r.headers[header::REFERRER_POLICY], "same-origin", "{path}");
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
    }
    // The page itself admits only its own nonce's inline scripts, and every inline script carries it.
    let page = p.call(Method::GET, "/login", None, None).await.text;
    let nonce = page
        .split("script-src 'self' 'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce policy in the page");
    assert!(nonce.len() >= 16, "{nonce}");
    let scripts = page.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        page.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{page}"
    );
}

#[tokio::test]
async fn a_wrong_method_gets_405_in_each_doors_documented_shape() {
    let (p, token) = Portico::demo().await;
    let r = p
        .call(
            Method::PATCH,
            "/apiops/projects/MyProject/apiProxies/petstore-api/environments/production/",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{}", r.text);
    assert_eq!(r.json["error"], "method_not_allowed");
    assert!(r.json["error_description"].as_str().unwrap().contains("PATCH"));
    let allow = r.headers[header::ALLOW].to_str().unwrap();
    assert!(allow.contains("POST") && allow.contains("DELETE"), "{allow}");
    let r = p
        .call(
            Method::GET,
            "/v2/x/apigw/instances/y/apis/publish",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{}", r.text);
    assert!(r.json["error_code"].as_str().unwrap().starts_with("APIG."));
}

/// `portico serve --demo` in its own process with `descriptors` file descriptors at most and a short head
/// timeout; answers (child, console address, staging gateway address, token).
fn serve_with_descriptors(
    dir: &std::path::Path,
    descriptors: u32,
) -> (std::process::Child, String, String, String) {
    let script = format!(
        "ulimit -n {descriptors} && exec {} serve --demo --addr 127.0.0.1:0 --site-root {} --client-head-timeout-ms 1500",
        env!("CARGO_BIN_EXE_portico"),
        dir.display()
    );
    let mut child = Command::new("bash")
        .args(["-c", &script])
        .env("PORTICO_DATABASE_URL", support::shared::database_in(dir))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let (mut console, mut staging, mut token) = (None, None, None);
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut out, &mut line).unwrap() > 0 {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("Console:") {
            console = Some(
                rest.trim()
                    .trim_start_matches("http://")
                    .trim_end_matches('/')
                    .to_owned(),
            );
        }
        if let Some(rest) = t.strip_prefix("Gateway for staging:") {
            staging = Some(rest.trim().trim_start_matches("http://").to_owned());
        }
        if let Some(rest) = t.strip_prefix("Demo API token (30 days):") {
            token = Some(rest.trim().to_owned());
        }
        line.clear();
        if console.is_some() && staging.is_some() && token.is_some() {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (child, console.unwrap(), staging.unwrap(), token.unwrap())
}

/// One request on a new connection; the status code, or None when the connection fails or closes.
fn status_of(address: &str, request: &str) -> Option<u16> {
    let mut s = TcpStream::connect(address).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

#[test]
fn idle_gateway_connections_beyond_the_descriptor_limit_never_lock_out_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, console, staging, _) = serve_with_descriptors(dir.path(), 256);
    let login = "GET /login HTTP/1.1\r\nhost: console\r\nconnection: close\r\n\r\n";
    assert_eq!(status_of(&console, login), Some(200));
    // More idle connections than the process has descriptors.
    let idle: Vec<TcpStream> = (0..400)
        .filter_map(|_| TcpStream::connect(&staging).ok())
        .collect();
    assert!(idle.len() >= 256, "only {} connections opened", idle.len());
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(
        status_of(&console, login),
        Some(200),
        "the console was locked out"
    );
    let console_ms = started.elapsed().as_millis();
    // Once the idle ones time out, the gateway takes clients again.
    std::thread::sleep(Duration::from_millis(2500));
    let through = "GET /nothing-here HTTP/1.1\r\nhost: gw\r\nconnection: close\r\n\r\n";
    assert_eq!(status_of(&staging, through), Some(404));
    drop(idle);
    let _ = child.kill();
    let _ = child.wait();
    println!("suite connection-limits: 400 idle gateway connections at 256 descriptors, console answered in {console_ms} ms, gateway served again after the head timeout");
}

#[test]
fn no_routing_address_may_point_at_portico_itself_even_where_loopback_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, console, staging, token) = serve_with_descriptors(dir.path(), 1024);
    for target in [
        console.clone(),
        staging.clone(),
        console.replace("127.0.0.1", "localhost"),
    ] {
        let body = format!(
            r#"{{"name":"cp","relativePath":"/cp","deployList":["staging"],"routing":{{"addressList":[{{"address":"http://{target}"}}]}}}}"#
        );
        let request = format!(
            "POST /apiops/projects/MyProject/apiProxies/ HTTP/1.1\r\nhost: c\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut s = TcpStream::connect(&console).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 400"), "{target}: {answer}");
        assert!(
            answer.contains("Portico itself") && answer.contains("routing.addressList[0].address"),
            "{answer}"
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn system_admins_issue_list_and_revoke_node_tokens_over_rest_and_members_cannot() {
    let (p, admin_token) = Portico::demo().await;
    let r = p
        .call(
            Method::POST,
            "/apiops/node-tokens/",
            Some(&admin_token),
            Some(r#"{"environment":"staging","name":"edge-1"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.json["result"]["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("ptn_"));
    let id = r.json["result"]["nodeToken"]["id"].as_i64().unwrap();
    let listed = p
        .call(
            Method::GET,
            "/apiops/node-tokens/?environment=staging",
            Some(&admin_token),
            None,
        )
        .await;
    assert_eq!(listed.json["resultCount"], 1, "{}", listed.text);
    assert!(!listed.text.contains(&token), "a list shows hints only");
    // A node token is no user token: the REST API refuses it.
    let r = p.call(Method::GET, "/apiops/projects/", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A project member (not a system admin) may not issue one.
    let member = p.user_with_token("member", false).await;
    let r = p
        .call(
            Method::POST,
            "/apiops/node-tokens/",
            Some(&member),
            Some(r#"{"environment":"staging","name":"x"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = p
        .call(
            Method::DELETE,
            &format!("/apiops/node-tokens/{id}/"),
            Some(&admin_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(deploy::node_tokens::authenticate_node(&p.cp, &token)
        .await
        .is_err());
    let r = p
        .call(
            Method::DELETE,
            &format!("/apiops/node-tokens/{id}/"),
            Some(&admin_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
