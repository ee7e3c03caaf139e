//! The console's HTTP behaviour, driven through the whole router with `oneshot` on a fresh database.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use deploy::users::{self, Password};
use deploy::{Actor, Channel, ControlPlane};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The domain tests' helpers: a fresh database on the backend this run tests.
#[path = "../../deploy/tests/common/mod.rs"]
#[allow(dead_code)]
mod shared;

const PASSWORD: &str = "correct horse battery";

struct TestApp {
    app: axum::Router,
    cp: ControlPlane,
    _dir: tempfile::TempDir,
    _db: shared::TestDatabase,
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> String {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The session cookie the answer sets, as `name=value`.
    fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("portico_session="))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
    }
}

impl TestApp {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = shared::fresh_database().await;
        let cp = ControlPlane::open(&db.url)
            .await
            .unwrap()
            // Backends in these tests (and the demo's) run on this machine, as `serve --demo` allows.
            .with_backend_policy(deploy::backends::BackendPolicy::allowing_loopback());
        let system = Actor::system(Channel::Cli);
        users::create_user(&cp, &system, "root", &Password::new(PASSWORD), true)
            .await
            .unwrap();
        users::create_user(&cp, &system, "alice", &Password::new(PASSWORD), false)
            .await
            .unwrap();
        let app = server::app(cp.clone(), dir.path().to_str().unwrap())
            .await
            .unwrap();
        Self {
            app,
            cp,
            _dir: dir,
            _db: db,
        }
    }

    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Calls a server function the way the hydrated console does.
    async fn call(&self, endpoint: &str, form: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    async fn sign_in(&self, username: &str) -> String {
        let answer = self
            .call(
                "login",
                &format!("username={username}&password=correct+horse+battery"),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.session_cookie().expect("a session cookie")
    }

    async fn count(&self, table: &str) -> i64 {
        // PostgreSQL's session store keeps its table in a schema of its own.
        let table = match (table, shared::on_postgres()) {
            ("tower_sessions", true) => "tower_sessions.session",
            (t, _) => t,
        };
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.cp.pool())
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn pages_send_visitors_who_are_not_signed_in_to_the_sign_in_page() {
    let t = TestApp::new().await;
    for path in ["/", "/projects", "/environments", "/tokens"] {
        let answer = t.get(path, None).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(answer.header("location"), "/login");
    }
    let login = t.get("/login", None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("Sign in"));
    assert_eq!(login.header("cache-control"), "no-store");
}

#[tokio::test]
async fn wrong_credentials_get_one_message_that_does_not_say_which_part_was_wrong() {
    let t = TestApp::new().await;
    let wrong_password = t.call("login", "username=root&password=nope", None).await;
    let unknown_user = t
        .call("login", "username=nobody&password=correct+horse+battery", None)
        .await;
    for answer in [&wrong_password, &unknown_user] {
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert!(
            answer.body.contains("Invalid username or password."),
            "{}",
            answer.body
        );
        assert!(answer.session_cookie().is_none());
    }
    assert_eq!(wrong_password.body, unknown_user.body);
    assert_eq!(t.count("tower_sessions").await, 0);
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_opens_the_console() {
    let t = TestApp::new().await;
    let answer = t
        .call("login", "username=root&password=correct+horse+battery", None)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("location"), "/", "to the overview");
    let set_cookie = answer.header("set-cookie");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = answer.session_cookie().unwrap();

    let page = t.get("/projects", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Projects"));
    assert!(page.body.contains("New project"), "system admins get the form");
    assert_eq!(page.header("cache-control"), "no-store");
    // Signed in, the sign-in page sends you on.
    assert_eq!(t.get("/login", Some(&cookie)).await.header("location"), "/");
    let overview = t.get("/", Some(&cookie)).await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.body.contains("Recent deploys"), "{}", overview.body);
}

#[tokio::test]
async fn signing_in_again_rotates_the_session_id() {
    let t = TestApp::new().await;
    let first = t.sign_in("root").await;
    let answer = t
        .call(
            "login",
            "username=root&password=correct+horse+battery",
            Some(&first),
        )
        .await;
    let second = answer.session_cookie().expect("a new cookie");
    assert_ne!(first, second);
    assert_eq!(
        t.get("/projects", Some(&first)).await.status,
        StatusCode::SEE_OTHER,
        "old id is dead"
    );
    assert_eq!(t.get("/projects", Some(&second)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn logging_out_ends_the_session_on_the_server() {
    let t = TestApp::new().await;
    let cookie = t.sign_in("root").await;
    // The console logs out with a plain form post, which the browser follows to the sign-in page.
    let request = Request::post("/api/logout")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let answer = t.send(request).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(answer.header("location"), "/login");
    assert_eq!(t.count("tower_sessions").await, 0);
    // Replaying the old cookie gets nowhere.
    assert_eq!(
        t.get("/projects", Some(&cookie)).await.status,
        StatusCode::SEE_OTHER
    );
    let list = t.call("list_projects", "", Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_system_admin_creates_a_project_and_the_list_shows_it() {
    let t = TestApp::new().await;
    let cookie = t.sign_in("root").await;
    let created = t
        .call(
            "create_project",
            "name=Payments&description=Card+payments",
            Some(&cookie),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let list = t.call("list_projects", "", Some(&cookie)).await;
    assert!(
        list.body.contains("Payments") && list.body.contains("Card payments"),
        "{}",
        list.body
    );
    let page = t.get("/projects", Some(&cookie)).await;
    assert!(
        page.body.contains("Card payments"),
        "the server-rendered page lists it"
    );
}

#[tokio::test]
async fn a_user_who_is_not_a_system_admin_cannot_create_projects() {
    let t = TestApp::new().await;
    let cookie = t.sign_in("alice").await;
    let page = t.get("/projects", Some(&cookie)).await;
    assert!(!page.body.contains("New project"));
    let refused = t
        .call("create_project", "name=Sneaky&description=", Some(&cookie))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("Only a system admin may create projects."),
        "{}",
        refused.body
    );
    assert_eq!(t.count("projects").await, 0);
}

#[tokio::test]
async fn bad_project_input_is_refused_with_a_clear_message_and_nothing_changes() {
    let t = TestApp::new().await;
    let cookie = t.sign_in("root").await;
    t.call("create_project", "name=Payments&description=", Some(&cookie))
        .await;
    let audit = t.count("audit_log").await;
    for (form, message) in [
        ("name=Payments&description=", "Project (Payments) already exists!"),
        // A field's rule comes as data, for the form to word beside the field.
        (
            "name=&description=",
            r#"{"Invalid":{"field":"projectName","rule":{"kind":"required"}}}"#,
        ),
        ("name=a%2Fb&description=", r#""rule":{"kind":"nameCharacters"}"#),
    ] {
        let answer = t.call("create_project", form, Some(&cookie)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{form}");
        assert!(answer.body.contains(message), "{form}: {}", answer.body);
    }
    // A missing field is a malformed request, not a crash.
    let malformed = t.call("create_project", "description=x", Some(&cookie)).await;
    assert!(malformed.status.is_client_error() || malformed.status.is_server_error());
    assert_eq!(t.count("projects").await, 1);
    assert_eq!(t.count("audit_log").await, audit);
}

#[tokio::test]
async fn the_password_hash_never_leaves_the_server() {
    let t = TestApp::new().await;
    let cookie = t.sign_in("root").await;
    for answer in [
        t.call("current_user", "", Some(&cookie)).await,
        t.get("/projects", Some(&cookie)).await,
    ] {
        assert!(!answer.body.contains("argon2"), "{}", answer.body);
    }
}

/// Every console page, many loads at once on a multi-threaded runtime while other routers are built in the
/// same process, is answered whole. The import page once kept a browser-only store that panicked when the
/// page's state was dropped on another worker thread, which cut its answer short now and then
/// (`ERR_INCOMPLETE_CHUNKED_ENCODING` in the browser); and building a router once worked out Leptos's route
/// list each time, which stops resources from loading process-wide, so a page rendered meanwhile never ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_page_loads_are_each_answered_whole() {
    let t = TestApp::new().await;
    deploy::demo::load(&t.cp).await.unwrap();
    let cookie = t.sign_in("root").await;
    let pages: [&'static str; 9] = [
        "/projects",
        "/projects/MyProject",
        "/projects/MyProject/import",
        "/projects/MyProject/proxies/petstore-api",
        "/projects/MyProject/proxies/petstore-api/history",
        "/projects/MyProject/groups/PaymentAPIGroup",
        "/environments",
        "/environments/production",
        "/tokens",
    ];
    for _round in 0..20 {
        let mut loads = tokio::task::JoinSet::new();
        // Twice each page per round, each load its own task so that its answer may move between threads.
        for path in pages.into_iter().chain(pages) {
            let (app, cookie) = (t.app.clone(), cookie.clone());
            loads.spawn(async move {
                let request = Request::get(path)
                    .header(header::ACCEPT, "text/html")
                    .header(header::COOKIE, cookie)
                    .body(Body::empty())
                    .unwrap();
                let whole = async {
                    let response = app.oneshot(request).await.unwrap();
                    let status = response.status();
                    let body = response.into_body().collect().await.map(|b| b.to_bytes());
                    (status, body)
                };
                let (status, body) = tokio::time::timeout(std::time::Duration::from_secs(30), whole)
                    .await
                    .unwrap_or_else(|_| panic!("{path}: no whole answer in 30 s"));
                (path, status, body.map_err(|e| e.to_string()))
            });
        }
        // Another router (a replica in the same process, another test) built while the pages render.
        let (cp, site) = (t.cp.clone(), t._dir.path().to_str().unwrap().to_owned());
        loads.spawn(async move {
            let _router = server::app(cp, &site).await.unwrap();
            (
                "a second router",
                StatusCode::OK,
                Ok(axum::body::Bytes::from_static(b"</html>")),
            )
        });
        while let Some(load) = loads.join_next().await {
            let (path, status, body) = load.expect("the load's task ended without panicking");
            let body = body.unwrap_or_else(|e| panic!("{path}: the answer was cut short: {e}"));
            assert_eq!(status, StatusCode::OK, "{path}");
            let text = String::from_utf8_lossy(&body);
            assert!(text.contains("</html>"), "{path}: the page is not whole");
            // Every Suspense streamed its content: an unfinished one leaves the page saying "Loading…".
            assert!(
                text.contains("__INCOMPLETE_CHUNKS=[];") || !text.contains("__INCOMPLETE_CHUNKS"),
                "{path}: a part of the page never arrived"
            );
        }
    }
}

/// A form posted by a browser without scripts (Accept: text/html), as a page does before its code arrives.
async fn post_plain_form(
    t: &TestApp,
    endpoint: &str,
    form: &str,
    referer: &str,
    cookie: Option<&str>,
) -> Answer {
    let mut request = Request::post(format!("/api/{endpoint}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, referer);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    t.send(request.body(Body::from(form.to_owned())).unwrap()).await
}

#[tokio::test]
async fn a_plain_form_post_is_answered_with_a_redirect_back_carrying_success_or_the_error() {
    let t = TestApp::new().await;
    deploy::demo::load(&t.cp).await.unwrap();
    // A refused sign-in goes back to the sign-in page, which shows why, once. The error travels in the
    // session, not in the address.
    let refused = post_plain_form(
        &t,
        "login",
        "username=root&password=wrong",
        "http://localhost/login",
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FOUND, "{}", refused.body);
    let back = refused
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(back.trim_end_matches('?'), "http://localhost/login");
    let visitor = refused
        .session_cookie()
        .expect("the refusal is kept in a session");
    let page = t.get("/login", Some(&visitor)).await;
    assert!(
        page.body.contains("Invalid username or password."),
        "the sign-in page shows why"
    );
    let again = t.get("/login", Some(&visitor)).await;
    assert!(
        !again.body.contains("Invalid username or password."),
        "and only once"
    );

    // An error written into a link is never shown: anyone could send one.
    let planted = "eyJSZWZ1c2VkIjoiQ2FsbCA1NTUtMDEwMCB0byB1bmxvY2sifQ%3D%3D"; // {"Refused":"Call 555-0100 to unlock"}
    let link = t
        .get(&format!("/login?__path=%2Fapi%2Flogin&__err={planted}"), None)
        .await;
    assert_eq!(link.status, StatusCode::OK);
    assert!(!link.body.contains("555-0100"), "a planted error is shown");

    // A deploy posted as a plain form goes back to the proxy's page, which shows it live.
    let cookie = t.sign_in("root").await;
    let proxy_page = "http://localhost/projects/MyProject/proxies/petstore-api";
    let form = "project=MyProject&proxy=petstore-api&environment=staging&options%5Bdescription%5D=plain&options%5Bpersistent%5D=true";
    let deployed = post_plain_form(&t, "deploy_proxy", form, proxy_page, Some(&cookie)).await;
    assert_eq!(deployed.status, StatusCode::FOUND, "{}", deployed.body);
    // Back to the page it came from (server_fn strips any earlier error from the address, leaving its '?').
    let location = deployed.headers.get(header::LOCATION).unwrap().to_str().unwrap();
    assert_eq!(location.trim_end_matches('?'), proxy_page);
    let history = deploy::history::list_history(
        &t.cp,
        &deploy::Actor::system(deploy::Channel::Console),
        "MyProject",
        "petstore-api",
    )
    .await
    .unwrap();
    assert_eq!(
        (history[0].description.as_str(), history[0].persistent),
        ("plain", true)
    );
}

#[tokio::test]
async fn a_password_change_ends_the_accounts_other_sessions_and_keeps_this_one() {
    let t = TestApp::new().await;
    let desk = t.sign_in("alice").await;
    let laptop = t.sign_in("alice").await;
    let admin = t.sign_in("root").await;
    let wrong = t
        .call(
            "change_password",
            "current=nope&password=a+new+password&repeat=a+new+password",
            Some(&desk),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    assert_eq!(t.get("/projects", Some(&laptop)).await.status, StatusCode::OK);
    let changed = t
        .call(
            "change_password",
            "current=correct+horse+battery&password=a+new+password&repeat=a+new+password",
            Some(&desk),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    // This session goes on under a new id: a copy of its old cookie (often the reason to change a password)
    // is dead.
    let desk_now = changed.session_cookie().expect("the session's new cookie");
    assert_ne!(desk_now, desk);
    assert_eq!(t.get("/projects", Some(&desk_now)).await.status, StatusCode::OK);
    assert_eq!(
        t.get("/projects", Some(&desk)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.get("/projects", Some(&laptop)).await.status,
        StatusCode::SEE_OTHER
    );
    let refused = t.call("list_projects", "", Some(&laptop)).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    // Another account's sessions are untouched.
    assert_eq!(t.get("/projects", Some(&admin)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn disabling_an_account_or_resetting_its_password_ends_its_sessions() {
    let t = TestApp::new().await;
    let admin = t.sign_in("root").await;
    let alice = t.sign_in("alice").await;
    // Alice may not manage accounts.
    let denied = t
        .call("set_user_disabled", "username=root&disabled=true", Some(&alice))
        .await;
    assert_eq!(denied.status, StatusCode::BAD_REQUEST, "{}", denied.body);
    assert!(denied.body.contains("Only a system admin"), "{}", denied.body);
    let disabled = t
        .call("set_user_disabled", "username=alice&disabled=true", Some(&admin))
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert_eq!(
        t.get("/projects", Some(&alice)).await.status,
        StatusCode::SEE_OTHER
    );
    let again = t
        .call("login", "username=alice&password=correct+horse+battery", None)
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    assert!(again.body.contains("disabled"), "{}", again.body);

    t.call("set_user_disabled", "username=alice&disabled=false", Some(&admin))
        .await;
    // Enabling the account again does not bring its old sessions back.
    assert_eq!(
        t.get("/projects", Some(&alice)).await.status,
        StatusCode::SEE_OTHER
    );
    let alice = t.sign_in("alice").await;
    let reset = t
        .call(
            "reset_password",
            "username=alice&password=set+by+the+admin",
            Some(&admin),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(
        t.get("/projects", Some(&alice)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(t.get("/projects", Some(&admin)).await.status, StatusCode::OK);
}
