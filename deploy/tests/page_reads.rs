//! How a console page reads: one authorization and one read transaction, counted from the statements sqlx
//! reports. A test binary of its own, because the statement counter is process-wide (SQLite runs statements
//! on its own worker threads, so a thread-local subscriber would see none).
mod common;

use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Every statement sqlx reports on the `sqlx::query` target, in order.
#[derive(Clone, Default)]
struct Statements(Arc<Mutex<Vec<String>>>);

impl Visit for Statements {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "db.statement" {
            self.0.lock().unwrap().push(format!("{value:?}"));
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "db.statement" {
            self.0.lock().unwrap().push(value.to_owned());
        }
    }
}

impl Subscriber for Statements {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == "sqlx::query"
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        event.record(&mut self.clone());
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn the_project_page_authorizes_once_in_one_read() {
    let statements = Statements::default();
    tracing::subscriber::set_global_default(statements.clone()).expect("the only subscriber");
    let (cp, _db, admin) = common::demo().await;
    statements.0.lock().unwrap().clear();
    let page = deploy::pages::project_page(&cp, &admin, deploy::demo::DEMO_PROJECT)
        .await
        .unwrap();
    assert!(!page.proxies.is_empty());
    let seen = statements.0.lock().unwrap().clone();
    let authorizations = seen.iter().filter(|s| s.contains("project_members")).count();
    assert_eq!(authorizations, 1, "one authorization: {seen:#?}");
    let begins = seen
        .iter()
        .filter(|s| s.trim_start().to_uppercase().starts_with("BEGIN"))
        .count();
    assert!(begins <= 1, "one transaction: {seen:#?}");
    // The membership, the project, the proxies and what of them is live, the groups and their members, the
    // environments and what is live there: each one statement however large the project.
    let selects = seen
        .iter()
        .filter(|s| s.to_uppercase().contains("SELECT"))
        .count();
    assert!(
        (5..=8).contains(&selects),
        "{selects} reads (fewer than 5 means the counter saw nothing): {seen:#?}"
    );
}
