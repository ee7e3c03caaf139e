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
        access_url: String::new(),
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
