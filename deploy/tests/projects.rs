mod common;

use deploy::{demo, projects, Error};

#[tokio::test]
async fn a_system_admin_creates_a_project_that_everyone_permitted_sees() {
    let (cp, _dir) = common::fresh().await;
    let root = common::user(&cp, "root", true).await;
    let created = projects::create_project(&cp, &common::as_console(&root), "Payments", "Card payments")
        .await
        .unwrap();
    assert_eq!(created.name, "Payments");
    assert_eq!(created.id.len(), 32);
    assert!(created
        .id
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(created.history_retention, 10);
    let listed = projects::list_projects(&cp, &common::as_console(&root))
        .await
        .unwrap();
    assert_eq!(listed, vec![created]);
    // The change is in the audit log, as the console did it.
    let (actor, channel, action): (String, String, String) =
        sqlx::query_as("SELECT actor, channel, action FROM audit_log WHERE object_name = 'Payments'")
            .fetch_one(cp.pool())
            .await
            .unwrap();
    assert_eq!(
        (actor.as_str(), channel.as_str(), action.as_str()),
        ("root", "CONSOLE", "CREATE")
    );
}

#[tokio::test]
async fn a_user_who_is_not_a_member_sees_no_projects_and_may_not_create_one() {
    let (cp, _dir) = common::fresh().await;
    let root = common::user(&cp, "root", true).await;
    let alice = common::user(&cp, "alice", false).await;
    projects::create_project(&cp, &common::as_console(&root), "Payments", "")
        .await
        .unwrap();
    assert!(projects::list_projects(&cp, &common::as_console(&alice))
        .await
        .unwrap()
        .is_empty());
    let refused = projects::create_project(&cp, &common::as_console(&alice), "Mine", "").await;
    assert!(matches!(refused, Err(Error::Forbidden(_))));
    assert_eq!(common::count(&cp, "projects").await, 1);
}

#[tokio::test]
async fn duplicate_and_malformed_project_names_are_refused_without_writing() {
    let (cp, _dir) = common::fresh().await;
    let root = common::as_console(&common::user(&cp, "root", true).await);
    projects::create_project(&cp, &root, "Payments", "")
        .await
        .unwrap();
    let audit_before = common::count(&cp, "audit_log").await;
    let dup = projects::create_project(&cp, &root, "payments", "").await;
    assert!(matches!(dup, Err(Error::Conflict(m)) if m.contains("already exists")));
    let empty = projects::create_project(&cp, &root, "  ", "").await;
    assert!(
        matches!(&empty, Err(Error::Violation(v)) if v.field == "projectName" && v.rule == deploy::model::Rule::Required)
    );
    assert_eq!(
        empty.unwrap_err().to_string(),
        "projectName value can not be empty!"
    );
    let slash = projects::create_project(&cp, &root, "a/b", "").await;
    assert!(matches!(slash, Err(Error::Violation(v)) if v.rule == deploy::model::Rule::NameCharacters));
    let long = projects::create_project(&cp, &root, "Long", &"x".repeat(1001)).await;
    assert!(matches!(long, Err(Error::Violation(v)) if v.field == "description"));
    assert_eq!(common::count(&cp, "projects").await, 1);
    assert_eq!(common::count(&cp, "audit_log").await, audit_before);
}

#[tokio::test]
async fn the_demo_data_set_loads_once_and_its_login_always_works() {
    let (cp, _dir) = common::fresh().await;
    let cp = cp.with_backend_policy(deploy::backends::BackendPolicy::allowing_loopback());
    let first = demo::load(&cp).await.unwrap();
    let second = demo::load(&cp).await.unwrap();
    assert_eq!(common::count(&cp, "projects").await, 1);
    assert_eq!(common::count(&cp, "users").await, 1);
    assert_ne!(
        first.password, second.password,
        "every start prints a fresh password"
    );
    let admin = deploy::users::authenticate(
        &cp,
        "admin",
        &deploy::users::Password::new(second.password.clone()),
    )
    .await
    .unwrap();
    assert!(admin.user.system_admin);
    let old = deploy::users::authenticate(&cp, "admin", &deploy::users::Password::new(first.password)).await;
    assert!(old.is_err());
    assert!(!format!("{second:?}").contains(&second.password));
    assert!(!format!("{second:?}").contains(second.token.expose()));
}

#[tokio::test]
async fn concurrent_writers_queue_instead_of_failing() {
    let (cp, _dir) = common::fresh().await;
    let root = common::as_console(&common::user(&cp, "root", true).await);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (cp, root) = (cp.clone(), root.clone());
        tasks.push(tokio::spawn(async move {
            projects::create_project(&cp, &root, &format!("p{i}"), "").await
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("no writer fails");
    }
    assert_eq!(common::count(&cp, "projects").await, 50);
}

#[tokio::test]
async fn writers_in_two_processes_queue_on_the_lock() {
    // Two control planes on one file stand for two processes (the server and the command line).
    let (cp, dir) = common::fresh().await;
    let other = deploy::ControlPlane::open(&dir.url).await.unwrap();
    let root = common::as_console(&common::user(&cp, "root", true).await);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (cp, root) = (if i % 2 == 0 { cp.clone() } else { other.clone() }, root.clone());
        tasks.push(tokio::spawn(async move {
            projects::create_project(&cp, &root, &format!("p{i}"), "").await
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("no 'database is locked'");
    }
    assert_eq!(common::count(&cp, "projects").await, 40);
}

#[tokio::test]
async fn counts_proxies_and_live_deployments_per_project() {
    let (cp, _dir, admin) = common::demo().await;
    let counts = deploy::projects::project_counts(&cp, &admin).await.unwrap();
    // Three proxies; petstore live in production, the two payment proxies in staging.
    assert_eq!(counts, vec![("MyProject".to_owned(), 3, 3)]);
    let outsider = common::as_console(&common::user(&cp, "outsider", false).await);
    assert!(deploy::projects::project_counts(&cp, &outsider)
        .await
        .unwrap()
        .is_empty());
}
