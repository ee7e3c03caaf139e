#![allow(dead_code)]
//! A fresh Portico (router and database) per test, called with `oneshot`.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use deploy::users::{self, Password};
use deploy::{Actor, Channel, ControlPlane};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub mod archives;
pub mod nodes;
pub mod process;

/// The domain tests' helpers, so both test suites compare database rows the same way.
#[path = "../../../deploy/tests/common/mod.rs"]
pub mod shared;

pub struct Portico {
    pub app: axum::Router,
    pub cp: ControlPlane,
    /// The site root the router serves files from.
    _dir: tempfile::TempDir,
    _db: shared::TestDatabase,
}

pub struct Answer {
    pub status: StatusCode,
    pub json: Value,
    pub text: String,
    pub bytes: Vec<u8>,
    pub headers: axum::http::HeaderMap,
}

/// One part of a multipart form, as `curl -F` sends it.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

pub const BOUNDARY: &str = "------------------------portico-test-boundary";

/// The body `curl -F` would send for these parts.
pub fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
                );
            }
            Part::File(name, file_name, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/zip\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Every row deploys, rollbacks, imports and publishes write, as text, for a database opened by itself.
pub async fn rows_of(cp: &ControlPlane) -> String {
    shared::fingerprint(cp).await
}

impl Portico {
    /// A fresh database with the demo data set loaded; returns the demo admin's token too.
    pub async fn demo() -> (Self, String) {
        let portico = Self::empty().await;
        let login = deploy::demo::load(&portico.cp).await.unwrap();
        let token = login.token.expose().to_owned();
        (portico, token)
    }

    /// The same database behind another router (e.g. one built with other limits).
    pub fn with_app(self, app: axum::Router) -> Self {
        Self { app, ..self }
    }

    /// A fresh, empty database on the backend this run tests (see `shared::fresh_database`).
    pub async fn empty() -> Self {
        Self::on(shared::fresh_database().await).await
    }

    /// The database `db` (migrated if it is new) behind a router.
    pub async fn on(db: shared::TestDatabase) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cp = ControlPlane::open(&db.url)
            .await
            .unwrap()
            // Backends in these tests (and the demo's) run on this machine, as `serve --demo` allows.
            .with_backend_policy(deploy::backends::BackendPolicy::allowing_loopback());
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

    pub async fn user_with_token(&self, name: &str, system_admin: bool) -> String {
        let system = Actor::system(Channel::Cli);
        users::create_user(
            &self.cp,
            &system,
            name,
            &Password::new("correct horse battery"),
            system_admin,
        )
        .await
        .unwrap();
        let (token, _) = deploy::tokens::create_token(&self.cp, &system, name, "test", None)
            .await
            .unwrap();
        token.expose().to_owned()
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<&str>) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Body::from(body.unwrap_or_default().to_owned()))
            .unwrap();
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            json,
            text,
            bytes,
            headers,
        }
    }

    /// A multipart request, as `curl -F ... -F ...` makes it.
    pub async fn call_form(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        parts: &[Part<'_>],
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::from(multipart(parts))).unwrap())
            .await
    }

    /// A cloud-style request: `X-Auth-Token` and a JSON body.
    pub async fn call_apig(&self, path: &str, token: Option<&str>, body: &str) -> Answer {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header("X-Auth-Token", token);
        }
        self.send(request.body(Body::from(body.to_owned())).unwrap())
            .await
    }

    /// Every row of the tables that deploys, rollbacks, imports and publishes write, as text.
    pub async fn rows(&self) -> String {
        shared::fingerprint(&self.cp).await
    }

    /// Everything a refused request must leave alone: the row count of every table, and every stored
    /// configuration. Each change also writes an audit line, so an unchanged audit count means no change.
    pub async fn fingerprint(&self) -> String {
        let tables = [
            "users",
            "projects",
            "project_members",
            "audit_log",
            "api_tokens",
            "environments",
            "project_environments",
            "api_proxies",
            "proxy_deploy_targets",
            "api_proxy_groups",
            "group_members",
            "deployments",
            "deploy_history",
        ];
        let mut out = String::new();
        for t in tables {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(self.cp.pool())
                .await
                .unwrap();
            out.push_str(&format!("{t}={n};"));
        }
        let queries = if shared::on_postgres() {
            [
                "SELECT string_agg(config, '|' ORDER BY id) FROM api_proxies",
                "SELECT string_agg(config, '|' ORDER BY id) FROM api_proxy_groups",
                "SELECT string_agg(history_retention::text, ',' ORDER BY id) FROM projects",
                "SELECT string_agg(permissions || project_admin::text, ',' ORDER BY project_id, user_id) FROM project_members",
                "SELECT string_agg(persistent::text, ',' ORDER BY id) FROM deploy_history",
            ]
        } else {
            [
                "SELECT group_concat(config, '|') FROM api_proxies",
                "SELECT group_concat(config, '|') FROM api_proxy_groups",
                "SELECT group_concat(history_retention) FROM projects",
                "SELECT group_concat(permissions || project_admin) FROM project_members",
                "SELECT group_concat(persistent) FROM deploy_history",
            ]
        };
        for q in queries {
            let v: Option<String> = sqlx::query_scalar(q).fetch_one(self.cp.pool()).await.unwrap();
            out.push_str(&v.unwrap_or_default());
            out.push(';');
        }
        out
    }
}
