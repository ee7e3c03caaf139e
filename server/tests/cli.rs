//! The `portico admin` commands, run as a person would.

use std::io::Write;
use std::process::{Command, Stdio};

fn portico(db: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(args)
        .env("PORTICO_DATABASE_URL", db)
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn create_token_prints_the_token_and_nothing_else_and_never_logs_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/new/portico.db", dir.path().display());
    let user = portico(
        &db,
        &["admin", "create-user", "ci-bot", "--password-stdin"],
        "a long password\n",
    );
    assert!(user.status.success(), "{}", String::from_utf8_lossy(&user.stderr));
    let out = portico(
        &db,
        &[
            "admin",
            "create-token",
            "ci-bot",
            "--name",
            "pipeline",
            "--expires-in-days",
            "7",
        ],
        "",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.trim_end();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(token.starts_with("ptc_") && token.len() == 68, "{token}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(token),
        "the token is not logged"
    );

    let unknown = portico(&db, &["admin", "create-token", "nobody", "--name", "x"], "");
    assert!(!unknown.status.success());
    assert!(unknown.stdout.is_empty());
    let short = portico(
        &db,
        &["admin", "create-user", "weak", "--password-stdin"],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"));
}

#[tokio::test]
async fn node_tokens_are_issued_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/portico.db", dir.path().display());
    let cp = deploy::ControlPlane::open(&db).await.unwrap();
    let system = deploy::Actor::system(deploy::Channel::Cli);
    let new = deploy::environments::NewEnvironment {
        name: "production".into(),
        env_type: deploy::environments::EnvironmentType::Production,
        description: String::new(),
        access_url: None,
    };
    deploy::environments::create_environment(&cp, &system, new)
        .await
        .unwrap();
    cp.close().await;
    let out = portico(
        &db,
        &[
            "admin",
            "create-node-token",
            "--environment",
            "production",
            "--name",
            "edge-1",
        ],
        "",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().last().unwrap().to_owned();
    assert!(token.starts_with("ptn_") && token.len() == 68, "{stdout}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(&token),
        "the token reached the log"
    );
    let cp = deploy::ControlPlane::open(&db).await.unwrap();
    assert_eq!(
        deploy::node_tokens::authenticate_node(&cp, &token)
            .await
            .unwrap()
            .environment,
        "production"
    );
    cp.close().await;
    let listed = portico(&db, &["admin", "list-node-tokens"], "");
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listed.contains("production\tedge-1\tptn_") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(&token));
    let id = listed.split('\t').next().unwrap().trim().to_owned();
    let revoked = portico(&db, &["admin", "revoke-node-token", &id], "");
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    let cp = deploy::ControlPlane::open(&db).await.unwrap();
    assert!(deploy::node_tokens::authenticate_node(&cp, &token).await.is_err());
    cp.close().await;
    let unknown = portico(
        &db,
        &["admin", "create-node-token", "--environment", "nowhere"],
        "",
    );
    assert!(!unknown.status.success());
}

/// What `portico` says, on one line, when it cannot use the database it was given.
fn refusal(db: &str) -> String {
    let out = portico(db, &["admin", "list-node-tokens"], "");
    assert!(!out.status.success(), "{db} was accepted");
    let said = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(said.lines().count(), 1, "{said}");
    said
}

#[test]
fn bad_database_configuration_gets_one_clear_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let said = refusal(&format!("postgres://portico:x@127.0.0.1:{port}/portico"));
    assert!(said.contains("cannot reach the database"), "{said}");
    let said = refusal("mysql://root@127.0.0.1/portico");
    assert!(
        said.contains("must start with sqlite:// or postgres://"),
        "{said}"
    );
    if let Ok(cluster) = std::env::var("PORTICO_TEST_POSTGRES_URL") {
        let (rest, database) = cluster.rsplit_once('/').unwrap();
        let (user_part, host) = rest.rsplit_once('@').unwrap();
        let (scheme_user, _) = user_part.rsplit_once(':').unwrap();
        let said = refusal(&format!("{scheme_user}:wrong-password@{host}/{database}"));
        assert!(said.contains("refused the user name or password"), "{said}");
        let said = refusal(&format!("{rest}/no_such_database"));
        assert!(said.contains("does not exist"), "{said}");
    }
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_portico_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/portico.db", dir.path().display());
    let cp = deploy::ControlPlane::open(&db).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
         VALUES (9999, 'from the future', '2030-01-01', 1, x'00', 0)",
    )
    .execute(cp.pool())
    .await
    .unwrap();
    cp.close().await;
    let said = refusal(&db);
    assert!(said.contains("migrated by a newer Portico"), "{said}");
    let cp = deploy::ControlPlane::open(&db).await;
    assert!(cp.is_err(), "opened a newer schema");
}

/// The way back in when no system admin can sign in: set a password, enable an account.
#[tokio::test]
async fn a_password_is_reset_and_an_account_enabled_from_the_command_line() {
    use deploy::users::{self, Password};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/new/portico.db", dir.path().display());
    let created = portico(
        &db,
        &[
            "admin",
            "create-user",
            "root",
            "--password-stdin",
            "--system-admin",
        ],
        "the first password\n",
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let second = portico(
        &db,
        &[
            "admin",
            "create-user",
            "other",
            "--password-stdin",
            "--system-admin",
        ],
        "the other password\n",
    );
    assert!(second.status.success());
    let disabled = portico(&db, &["admin", "enable-user", "root", "--disable"], "");
    assert!(
        disabled.status.success(),
        "{}",
        String::from_utf8_lossy(&disabled.stderr)
    );
    let reset = portico(
        &db,
        &["admin", "reset-password", "root", "--password-stdin"],
        "a second password\n",
    );
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let enabled = portico(&db, &["admin", "enable-user", "root"], "");
    assert!(
        enabled.status.success(),
        "{}",
        String::from_utf8_lossy(&enabled.stderr)
    );

    let cp = deploy::ControlPlane::open(&db).await.unwrap();
    assert!(
        users::authenticate(&cp, "root", &Password::new("a second password"))
            .await
            .is_ok()
    );
    assert!(
        users::authenticate(&cp, "root", &Password::new("the first password"))
            .await
            .is_err()
    );
    let unknown = portico(&db, &["admin", "enable-user", "nobody"], "");
    assert!(!unknown.status.success());
}
