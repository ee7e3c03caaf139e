//! Browser-session attacks on the console: session fixation, replay after logout, cross-origin writes riding
//! on a valid cookie, cookie flags over https, and password guessing. Prints one summary line.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use deploy::sign_in_limit::Policy;
use support::{Answer, Part, Portico};

const PASSWORD: &str = "correct+horse+battery";
const HOME: &str = "10.1.1.1:50000";
const AWAY: &str = "10.2.2.2:50000";

/// A server-function call as a browser page sends it; `site` is its `Sec-Fetch-Site`, `origin` its `Origin`.
fn browser_post(
    path: &str,
    form: &str,
    cookie: Option<&str>,
    site: Option<&str>,
    origin: Option<&str>,
) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if let Some(site) = site {
        request = request.header("sec-fetch-site", site);
    }
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request.body(Body::from(form.to_owned())).unwrap()
}

fn session_cookie(answer: &Answer) -> Option<String> {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portico_session=") || c.starts_with("__Host-portico_session="))
        .map(str::to_owned)
}

async fn sign_in_from(p: &Portico, user: &str, password: &str, from: &str) -> Answer {
    let mut request = browser_post(
        "/api/login",
        &format!("username={user}&password={password}"),
        None,
        Some("same-origin"),
        None,
    );
    request
        .extensions_mut()
        .insert(ConnectInfo(from.parse::<SocketAddr>().unwrap()));
    p.send(request).await
}

async fn signed_in(p: &Portico, user: &str) -> String {
    let answer = sign_in_from(p, user, PASSWORD, HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let cookie = session_cookie(&answer).expect("a session cookie");
    cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn cross_origin_writes_with_a_valid_session_are_refused_and_change_nothing() {
    let (p, _) = Portico::demo().await;
    p.user_with_token("root", true).await;
    let cookie = signed_in(&p, "root").await;
    let before = p.fingerprint().await;
    let mut refused = 0;
    for (site, origin) in [
        (Some("cross-site"), Some("https://evil.example")),
        (Some("same-site"), Some("http://other.127.0.0.1:3000")),
        (None, Some("https://evil.example")),
        (None, Some("null")),
    ] {
        let answer = p
            .send(browser_post(
                "/api/create_project",
                "name=Planted&description=",
                Some(&cookie),
                site,
                origin,
            ))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{site:?} {origin:?}: {}",
            answer.text
        );
        assert!(
            answer.text.contains("Cross-origin request refused"),
            "{}",
            answer.text
        );
        refused += 1;
    }
    // The console's own upload door is guarded the same way.
    let upload = Request::builder()
        .method(Method::POST)
        .uri("/console/files/projects/MyProject/import")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::COOKIE, &cookie)
        .header("sec-fetch-site", "cross-site")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={}", support::BOUNDARY),
        )
        .body(Body::from(support::multipart(&[Part::Text("metadata", "{}")])))
        .unwrap();
    assert_eq!(p.send(upload).await.status, StatusCode::FORBIDDEN);
    refused += 1;
    assert_eq!(p.fingerprint().await, before, "nothing changed");

    // The same call from the console's own page goes through.
    let own = p
        .send(browser_post(
            "/api/create_project",
            "name=Planted&description=",
            Some(&cookie),
            Some("same-origin"),
            Some("http://127.0.0.1:3000"),
        ))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let by_origin = p
        .send(browser_post(
            "/api/create_project",
            "name=Planted2&description=",
            Some(&cookie),
            None,
            Some("http://127.0.0.1:3000"),
        ))
        .await;
    assert_eq!(by_origin.status, StatusCode::OK, "{}", by_origin.text);
    println!(
        "suite sessions/csrf: {refused} cross-origin writes refused, 0 changes, same-origin writes pass"
    );
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_a_tls_proxy_says_https() {
    let p = Portico::empty().await;
    p.user_with_token("root", true).await;
    let plain = sign_in_from(&p, "root", PASSWORD, HOME).await;
    let cookie = session_cookie(&plain).unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http keeps a cookie the browser would send: {cookie}"
    );

    for (name, value) in [
        ("x-forwarded-proto", "https"),
        ("forwarded", "for=10.0.0.1;proto=https"),
    ] {
        let mut request = browser_post(
            "/api/login",
            &format!("username=root&password={PASSWORD}"),
            None,
            Some("same-origin"),
            None,
        );
        request.headers_mut().insert(name, value.parse().unwrap());
        let answer = p.send(request).await;
        let cookie = session_cookie(&answer).unwrap();
        assert!(
            cookie.ends_with("; Secure") && cookie.contains("HttpOnly"),
            "{name}: {cookie}"
        );
        // Behind TLS the cookie has the __Host- name: only this origin may set it, for every path.
        assert!(
            cookie.starts_with("__Host-portico_session=") && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
        let pair = cookie.split(';').next().unwrap().to_owned();
        let value = pair.split_once('=').unwrap().1.to_owned();
        // It signs the browser in over https; the same value under the plain name (as another port of the
        // host could plant it) does not.
        let login_page = |cookie: String| {
            let request = Request::get("/login")
                .header(header::HOST, "127.0.0.1:3000")
                .header("x-forwarded-proto", "https")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap();
            p.send(request)
        };
        let signed_in = login_page(pair.clone()).await;
        assert!(signed_in.status.is_redirection(), "{}", signed_in.status);
        let planted = login_page(format!("portico_session={value}")).await;
        assert_eq!(
            planted.status,
            StatusCode::OK,
            "a plain-named cookie counted over https"
        );
    }
}

#[tokio::test]
async fn the_console_refuses_requests_naming_a_gateways_host_but_the_token_doors_answer() {
    let (p, token) = Portico::demo().await;
    let system = deploy::Actor::system(deploy::Channel::Cli);
    deploy::gateway::set_access_url(&p.cp, &system, "staging", "http://127.0.0.1:8080")
        .await
        .unwrap();
    let get = |path: &str, host: &str, forwarded: Option<&str>| {
        let mut request = Request::get(path).header(header::HOST, host);
        if let Some(f) = forwarded {
            request = request.header("x-forwarded-host", f);
        }
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        p.send(request.body(Body::empty()).unwrap())
    };
    for (host, forwarded) in [
        ("127.0.0.1:8080", None),
        ("localhost:8080", None),
        ("console.example.com", Some("127.0.0.1:8080")),
    ] {
        let r = get("/login", host, forwarded).await;
        assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{host} {forwarded:?}");
    }
    assert_eq!(get("/login", "127.0.0.1:3000", None).await.status, StatusCode::OK);
    // The REST API still answers there, so an admin can correct an access URL that names the console.
    let r = get("/apiops/projects/", "127.0.0.1:8080", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn password_guessing_is_slowed_per_account_and_address_without_locking_the_user_out() {
    let p = Portico::empty().await;
    let cp = p.cp.clone().with_sign_in_policy(Policy {
        account_burst: 5,
        // Long enough that a slow machine's five password checks do not drain a failure before the sixth.
        account_drain: Duration::from_secs(3),
        ..Policy::default()
    });
    let app = server::app(cp, "target/site").await.unwrap();
    let p = p.with_app(app);
    p.user_with_token("alice", false).await;

    let mut refused_401 = 0;
    for _ in 0..5 {
        let answer = sign_in_from(&p, "alice", "wrong", HOME).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
        refused_401 += 1;
    }
    // The burst is spent: even the right password waits, and the answer says how long.
    let limited = sign_in_from(&p, "alice", PASSWORD, HOME).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.text);
    let retry: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&retry), "Retry-After {retry}");
    assert!(limited.text.contains("TooManyAttempts"), "{}", limited.text);
    assert!(session_cookie(&limited).is_none());

    // The real user at another address is not locked out by the guessing.
    assert_eq!(
        sign_in_from(&p, "alice", PASSWORD, AWAY).await.status,
        StatusCode::OK
    );
    // And at the guessed-from address, after a short wait, neither.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(
        sign_in_from(&p, "alice", PASSWORD, HOME).await.status,
        StatusCode::OK
    );
    println!("suite sessions/sign-in: burst of {refused_401} refused, 6th answered 429 Retry-After {retry}s, user elsewhere and after the wait signed in");
}

#[tokio::test]
async fn an_address_guessing_many_accounts_gets_429() {
    let p = Portico::empty().await;
    // The default burst of 30, drained slowly enough that 30 password checks on a slow machine do not matter.
    let cp = p.cp.clone().with_sign_in_policy(Policy {
        address_drain: Duration::from_secs(60),
        ..Policy::default()
    });
    let p = p.with_app(server::app(cp, "target/site").await.unwrap());
    p.user_with_token("bob", false).await;
    let mut answers = Vec::new();
    for n in 0..31 {
        answers.push(sign_in_from(&p, &format!("guess{n}"), "x", HOME).await.status);
    }
    assert!(
        answers[..30].iter().all(|s| *s == StatusCode::BAD_REQUEST),
        "{answers:?}"
    );
    assert_eq!(answers[30], StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        sign_in_from(&p, "bob", PASSWORD, AWAY).await.status,
        StatusCode::OK
    );
}
