//! Personal access tokens under attack: revoked, expired, malformed and other users' tokens at both REST
//! doors; no token in the log of the whole suite; and the time a wrong token takes, whatever it shares with a
//! real one. Prints one summary line.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use deploy::tokens::{self, TOKEN_PREFIX};
use deploy::{Actor, Channel};
use support::Portico;

/// Everything the server logs during the test, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    captured
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The same token with one hex digit changed at `at` (counted after the prefix).
fn altered(token: &str, at: usize) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let i = TOKEN_PREFIX.len() + at;
    bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn bad_tokens_get_401_at_every_door_and_no_token_reaches_the_log() {
    let logs = capture_logs();
    let (p, admin) = Portico::demo().await;
    let alice = p.user_with_token("alice", false).await;
    let bob = p.user_with_token("bob", false).await;
    let system = Actor::system(Channel::Cli);
    let (revoked, info) = tokens::create_token(&p.cp, &system, "alice", "revoked", None)
        .await
        .unwrap();
    tokens::revoke_token(&p.cp, &system, info.id).await.unwrap();
    let (expired, info) = tokens::create_token(&p.cp, &system, "alice", "old", Some(1))
        .await
        .unwrap();
    sqlx::query("UPDATE api_tokens SET expires_at = '2001-01-01T00:00:00Z' WHERE id = $1")
        .bind(info.id)
        .execute(p.cp.pool())
        .await
        .unwrap();
    let (revoked, expired) = (revoked.expose().to_owned(), expired.expose().to_owned());
    let long = format!("{alice}{}", "a".repeat(10_000));
    let bad: Vec<&str> = vec![
        &revoked,
        &expired,
        "",
        "ptc_",
        "not-a-token",
        &alice[..alice.len() - 1],
        &long,
        "ptc_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "ptc_ÄÖÜ",
    ];
    let before = p.fingerprint().await;
    let mut refused = 0;
    for token in &bad {
        let rest = p.call(Method::GET, "/apiops/projects/", Some(token), None).await;
        assert_eq!(
            rest.status,
            StatusCode::UNAUTHORIZED,
            "{token:.20}: {}",
            rest.text
        );
        assert_eq!(rest.json["error"], "unauthorized_client");
        let deploy = p
            .call(
                Method::POST,
                "/apiops/projects/MyProject/apiProxies/OrderAPI/environments/staging/",
                Some(token),
                Some("{}"),
            )
            .await;
        assert_eq!(deploy.status, StatusCode::UNAUTHORIZED, "{token:.20}");
        let cloud = p
            .call_apig("/v2/demo/apigw/instances/default/apis/publish", Some(token), "{}")
            .await;
        assert_eq!(
            cloud.status,
            StatusCode::UNAUTHORIZED,
            "{token:.20}: {}",
            cloud.text
        );
        refused += 3;
    }
    // No header, and other schemes, are refused alike.
    for header in ["Basic YWxpY2U6cGFzcw==", "Bearer", "bearer  "] {
        let request = axum::http::Request::get("/apiops/projects/")
            .header("authorization", header)
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(p.send(request).await.status, StatusCode::UNAUTHORIZED, "{header}");
        refused += 1;
    }
    assert_eq!(p.fingerprint().await, before, "refused calls change nothing");

    // Another user's valid token acts as that user only: bob cannot see alice's project.
    let mine = p
        .call(
            Method::POST,
            "/apiops/projects/",
            Some(&admin),
            Some(r#"{"name":"AliceOnly"}"#),
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    let bobs_view = p
        .call(Method::GET, "/apiops/projects/AliceOnly/", Some(&bob), None)
        .await;
    assert!(
        matches!(bobs_view.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
        "{}",
        bobs_view.text
    );
    assert_eq!(
        p.call(Method::GET, "/apiops/projects/", Some(&alice), None)
            .await
            .status,
        StatusCode::OK
    );

    // The log of everything above holds no token, whole or in part.
    let log = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(log.contains("/apiops/projects"), "the log was captured");
    for secret in [&admin, &alice, &bob, &revoked, &expired] {
        let body = &secret[TOKEN_PREFIX.len()..];
        assert!(!log.contains(&body[..16]), "a token reached the log");
    }
    println!(
        "suite tokens: {refused} bad-token calls answered 401 (revoked, expired, malformed, other schemes), 0 changes, 0 tokens in {} log lines",
        log.lines().count()
    );
}

#[tokio::test]
async fn a_wrong_token_costs_the_same_whatever_it_shares_with_a_real_one() {
    let (p, admin) = Portico::demo().await;
    let tries = 300;
    let kinds = [
        ("first digit wrong", altered(&admin, 0)),
        ("last digit wrong", altered(&admin, 63)),
        ("random", format!("{TOKEN_PREFIX}{}", "5".repeat(64))),
    ];
    let mut samples = vec![Vec::with_capacity(tries); kinds.len()];
    // Interleaved, so drift in the machine's speed falls on every kind alike.
    for _ in 0..tries {
        for (i, (_, token)) in kinds.iter().enumerate() {
            let start = Instant::now();
            assert!(tokens::authenticate(&p.cp, token).await.is_err());
            samples[i].push(start.elapsed());
        }
    }
    let figures: Vec<String> = kinds
        .iter()
        .zip(samples)
        .map(|((what, _), s)| format!("{what} {:.1} µs", median(s).as_secs_f64() * 1e6))
        .collect();
    // The lookup is by the token's SHA-256, so no step compares the secret itself; the figures are reported,
    // not asserted (timings belong to benchmarks), and show no trend with the shared prefix.
    println!(
        "suite tokens/timing: median of {tries} wrong tokens: {}",
        figures.join(", ")
    );
}
