//! What one team's API proxy (its backend, its clients) cannot do to another's or to the console: carry the
//! console's session, climb out of its path, read another caller's cached answer, or hold the gateway with a
//! stalled backend or an idle connection.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use common::{backend_answering, client, routing, spec, stalling_backend, world, world_with};
use deploy::model::{Cache, RoutingAlgorithm};
use http_body_util::Full;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A backend that answers with the path it was asked for, the cookies it received, and `extra` headers.
async fn echo(extra: &'static [(&'static str, &'static str)]) -> common::Backend {
    backend_answering(move |parts| {
        let cookies = parts
            .headers
            .get_all("cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join(" | ");
        let mut r = hyper::Response::new(Full::new(Bytes::from(format!(
            "path={} cookies={cookies}",
            parts.uri
        ))));
        for (name, value) in extra {
            r.headers_mut().append(*name, value.parse().unwrap());
        }
        r
    })
    .await
}

/// Sends `head` as written (no client library normalises it) and answers the status line and body.
async fn raw(url: &str, head: &str) -> String {
    let mut stream = TcpStream::connect(url.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_console_session_cookie_never_reaches_a_backend_and_no_backend_can_set_it() {
    let w = world().await;
    let b = echo(&[
        ("set-cookie", "portico_session=planted; Path=/"),
        ("set-cookie", "__Host-portico_session=planted; Path=/; Secure"),
        ("set-cookie", "app=1; Path=/"),
    ])
    .await;
    w.deploy(
        "evil",
        spec("/evil", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)])),
    )
    .await;
    let r = client()
        .get(format!("{}/evil/x", w.url))
        .header("cookie", "theme=dark; portico_session=admins-session; lang=en")
        .send()
        .await
        .unwrap();
    let set: Vec<_> = r.headers().get_all("set-cookie").iter().cloned().collect();
    assert_eq!(set, ["app=1; Path=/evil"]);
    let text = r.text().await.unwrap();
    assert!(text.ends_with("cookies=theme=dark; lang=en"), "{text}");
    assert!(!text.contains("admins-session"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dot_segments_are_removed_before_routing_and_a_path_cannot_climb_out_of_its_proxy() {
    let w = world().await;
    let public = echo(&[]).await;
    let evil = echo(&[]).await;
    let mut s = spec(
        "/public-api",
        routing(RoutingAlgorithm::RoundRobin, &[(&public, 1)]),
    );
    s.routing.address_list[0].address.push_str("/base");
    w.deploy("public", s).await;
    w.deploy(
        "evil",
        spec("/evil", routing(RoutingAlgorithm::RoundRobin, &[(&evil, 1)])),
    )
    .await;
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nhost: gw\r\nconnection: close\r\n\r\n");

    // Inside one proxy, dot segments are resolved and the backend sees a clean path.
    let a = raw(&w.url, &get("/public-api/a/./b/../c?q=1")).await;
    assert!(a.starts_with("HTTP/1.1 200"), "{a}");
    assert!(a.contains("path=/base/a/c?q=1"), "{a}");
    // Out of one proxy into another, in either spelling: refused, and neither backend is asked.
    for path in [
        "/evil/../public-api/admin",
        "/evil/%2e%2E/public-api/admin",
        "/public-api/../evil",
    ] {
        let r = raw(&w.url, &get(path)).await;
        assert!(r.starts_with("HTTP/1.1 400"), "{path}: {r}");
        assert!(r.contains("\"error\":\"BAD_REQUEST\""), "{r}");
    }
    let r = raw(&w.url, &get("/public-api/../../etc/passwd")).await;
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    assert_eq!(evil.hits.load(Ordering::Relaxed), 0);
    assert_eq!(public.hits.load(Ordering::Relaxed), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answers_to_credentialed_requests_and_private_answers_are_never_cached() {
    let w = world().await;
    let plain = echo(&[]).await;
    let private = echo(&[("cache-control", "private, max-age=60")]).await;
    let cookie = echo(&[("set-cookie", "session=for-alice")]).await;
    let cache = Cache {
        enabled: true,
        ttl_seconds: 60,
        max_entries: 10,
        ..Default::default()
    };
    for (name, b) in [("plain", &plain), ("private", &private), ("cookie", &cookie)] {
        let mut s = spec(
            &format!("/{name}"),
            routing(RoutingAlgorithm::RoundRobin, &[(b, 1)]),
        );
        s.cache = cache.clone();
        w.deploy(name, s).await;
    }
    let c = client();
    let get = |path: &str, auth: Option<&str>| {
        let mut r = c.get(format!("{}{path}", w.url));
        if let Some(token) = auth {
            r = r.header("authorization", format!("Bearer {token}"));
        }
        r.send()
    };
    // Authorization: alice's answer is neither kept nor served to bob.
    get("/plain/me", Some("alice")).await.unwrap();
    let bob = get("/plain/me", Some("bob")).await.unwrap();
    assert!(bob.headers().get("x-cache").is_none());
    assert_eq!(plain.hits.load(Ordering::Relaxed), 2);
    // A cookie in the request: the same.
    for _ in 0..2 {
        c.get(format!("{}/plain/cart", w.url))
            .header("cookie", "session=alice")
            .send()
            .await
            .unwrap();
    }
    assert_eq!(plain.hits.load(Ordering::Relaxed), 4);
    // Cache-Control: private, and Set-Cookie: never kept.
    for _ in 0..2 {
        get("/private/me", None).await.unwrap();
        get("/cookie/me", None).await.unwrap();
    }
    assert_eq!(private.hits.load(Ordering::Relaxed), 2);
    assert_eq!(cookie.hits.load(Ordering::Relaxed), 2);
    // An anonymous GET still is.
    get("/plain/public", None).await.unwrap();
    let hit = get("/plain/public", None).await.unwrap();
    assert_eq!(hit.headers()["x-cache"], "HIT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_proxy_that_varies_on_authorization_keeps_one_answer_per_caller() {
    let w = world().await;
    let b = echo(&[]).await;
    let mut s = spec("/me", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)]));
    s.cache = Cache {
        enabled: true,
        ttl_seconds: 60,
        max_entries: 10,
        vary_headers: vec!["Authorization".into()],
    };
    w.deploy("me", s).await;
    let c = client();
    let get = |token: &'static str| {
        c.get(format!("{}/me", w.url))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    assert_eq!(get("alice").await.unwrap().headers()["x-cache"], "MISS");
    assert_eq!(get("alice").await.unwrap().headers()["x-cache"], "HIT");
    assert_eq!(get("bob").await.unwrap().headers()["x-cache"], "MISS");
    assert_eq!(b.hits.load(Ordering::Relaxed), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backend_that_stalls_mid_body_is_cut_off_at_the_response_timeout() {
    let w = world().await; // response timeout 500 ms
    let b = stalling_backend(1000, 10).await;
    w.deploy(
        "slow",
        spec("/slow", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)])),
    )
    .await;
    let r = client().get(format!("{}/slow", w.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The client sees the body break off (not a short body that looks whole), well before the backend's
    // 60 s stall ends.
    let body = tokio::time::timeout(Duration::from_secs(5), r.bytes())
        .await
        .expect("the stalled body was not cut off");
    assert!(body.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idle_and_slow_client_connections_are_closed_after_the_head_timeout() {
    let w = world_with(gateway::Options {
        head_timeout: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let address = w.url.trim_start_matches("http://").to_owned();
    // One says nothing, one sends half a head and stops.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    let mut slow = TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /x HTTP/1.1\r\nhost: gw\r\n").await.unwrap();
    for stream in [&mut idle, &mut slow] {
        let mut buf = [0u8; 1024];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("the gateway kept the connection open");
        // Closed: end of stream, or a reset; hyper may answer 408 first.
        match read {
            Ok(0) | Err(_) => {}
            Ok(n) => assert!(
                String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
                "{}",
                String::from_utf8_lossy(&buf[..n])
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_checks_every_address_it_connects_to_against_its_own_rules() {
    // The control plane allowed a loopback backend; a node whose rules refuse loopback (as the default
    // does) never connects to it, whatever the saved address resolves to.
    let w = world().await;
    let b = echo(&[]).await;
    let mut s = spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)]));
    s.routing.address_list[0].address = b.url.replace("127.0.0.1", "localhost");
    w.deploy("p", s).await;
    let strict = deploy::ControlPlane::open(&w.database_url).await.unwrap();
    let listener = gateway::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = format!("http://{}", listener.local_addr());
    let _node = common::start(&strict, "test", listener, Default::default()).await;
    common::sync(&strict, &_node).await;
    let r = client().get(format!("{url}/p")).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(b.hits.load(Ordering::Relaxed), 0);
    // The permissive node reaches it.
    let r = client().get(format!("{}/p", w.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn proxies_of_one_name_in_two_projects_are_two_routes_and_each_team_sees_only_its_own() {
    use deploy::deployments::{self, DeployOptions};
    use deploy::{access, environments, projects, proxies, users};
    let w = world().await;
    let (mine, theirs) = (echo(&[]).await, echo(&[]).await);
    w.deploy(
        "api",
        spec("/mine", routing(RoutingAlgorithm::RoundRobin, &[(&mine, 1)])),
    )
    .await;
    projects::create_project(&w.cp, &w.root, "Q", "").await.unwrap();
    environments::assign_environment(&w.cp, &w.root, "Q", "test")
        .await
        .unwrap();
    let q_spec = spec("/theirs", routing(RoutingAlgorithm::RoundRobin, &[(&theirs, 1)]));
    proxies::create_proxy(&w.cp, &w.root, "Q", "api", q_spec, &["test".into()])
        .await
        .unwrap();
    let r = deployments::deploy_proxy(&w.cp, &w.root, "Q", "api", "test", &DeployOptions::default())
        .await
        .unwrap();
    assert!(r.success, "{r:?}");
    w.sync().await;
    // Q's deploy took nothing of P's offline: both answer.
    let c = client();
    assert_eq!(
        c.get(format!("{}/mine", w.url)).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        c.get(format!("{}/theirs", w.url)).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        (
            mine.hits.load(Ordering::Relaxed),
            theirs.hits.load(Ordering::Relaxed)
        ),
        (1, 1)
    );
    let served = |reports: &[deploy::model::NodeReport]| {
        let mut all: Vec<String> = reports[0]
            .routes
            .iter()
            .map(|r| format!("{}/{}", r.project, r.proxy))
            .collect();
        all.sort();
        all
    };
    let all = deploy::gateway::gateway_status(&w.cp, &w.root, "test", 60)
        .await
        .unwrap();
    assert_eq!(served(&all), ["P/api", "Q/api"]);
    // A member of Q alone sees Q's routes, not P's.
    let system = deploy::Actor::system(deploy::Channel::Cli);
    let quinn = users::create_user(
        &w.cp,
        &system,
        "quinn",
        &users::Password::new("correct horse battery"),
        false,
    )
    .await
    .unwrap();
    access::set_member(&w.cp, &w.root, "Q", "quinn", false, &[access::Permission::View])
        .await
        .unwrap();
    let quinn = deploy::Actor::new(quinn, deploy::Channel::Console);
    let hers = deploy::gateway::gateway_status(&w.cp, &quinn, "test", 60)
        .await
        .unwrap();
    assert_eq!(served(&hers), ["Q/api"]);
    let metrics = gateway::metrics::global().render();
    assert!(metrics.contains("project=\"Q\",proxy=\"api\""));
    assert!(metrics.contains("project=\"P\",proxy=\"api\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_routing_address_that_leads_back_into_the_gateway_ends_in_508_not_a_flood() {
    let w = world().await;
    let mut s = spec("/loop", deploy::model::Routing::default());
    s.routing.address_list.push(deploy::model::RoutingAddress {
        address: format!("{}/loop", w.url),
        weight: 1,
        soap_type: None,
    });
    w.deploy("loop", s).await;
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        client().get(format!("{}/loop/x", w.url)).send(),
    )
    .await
    .expect("the loop did not end")
    .unwrap();
    assert_eq!(r.status(), 508);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ambiguous_separators_are_refused_and_text_paths_are_matched_as_they_are() {
    let w = world().await;
    let b = echo(&[]).await;
    w.deploy("a", spec("/a", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)])))
        .await;
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nhost: gw\r\nconnection: close\r\n\r\n");
    for path in ["/a/..;/admin", "/a/..%2fadmin", "/a/%2e%2e%5cadmin"] {
        let r = raw(&w.url, &get(path)).await;
        assert!(r.starts_with("HTTP/1.1 400"), "{path}: {r}");
    }
    // Non-ASCII bytes in a path (percent-encoded or not) are routed, never a crash.
    let r = raw(&w.url, &get("/a/%C3%A9t%C3%A9")).await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert_eq!(b.hits.load(Ordering::Relaxed), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backends_cookies_are_kept_under_its_own_proxys_path() {
    let w = world().await;
    let b = echo(&[
        ("set-cookie", "planted=1; Path=/"),
        ("set-cookie", "mine=1; Path=/b/app"),
    ])
    .await;
    w.deploy("b", spec("/b", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)])))
        .await;
    let r = client().get(format!("{}/b/x", w.url)).send().await.unwrap();
    let set: Vec<_> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(set, ["planted=1; Path=/b", "mine=1; Path=/b/app"]);
}
