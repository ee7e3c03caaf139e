//! The storage connection every operation runs on, the same for SQLite and PostgreSQL.
//!
//! Why `sqlx::Any` rather than a trait with a module per backend (atuin) or a query builder (lldap's
//! sea-query): the schema stores only integers, text and booleans (times as RFC 3339 text, configurations as
//! JSON text), which is exactly what `Any` carries, and every query is written with `$N` placeholders, which
//! both drivers read. So about a hundred queries are written once, inside the transactions that check
//! permissions, instead of twice behind a hundred trait methods. `Any`'s known gaps cost little here:
//! - no date, JSON or uuid types (sqlx#1167): none are stored;
//! - `?` is not rewritten to `$N` (sqlx#3000): only `$N` is used (a test in `tests/portable_sql.rs` checks);
//! - a SQLite `INTEGER` flag decodes as an integer, never as `bool`: flags are read through [`Flag`];
//! - no SQLite update hook: [`WriteTx::commit`] nudges the live feed instead, for every backend alike.
//!
//! Where the dialects differ (JSON functions, the batched deploy steps) a query says so with [`Backend`].

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::any::{AnyTypeInfo, AnyTypeInfoKind, AnyValueRef};
use sqlx::{Any, Decode, Transaction, Type};

pub type Conn = sqlx::AnyConnection;
pub type Pool = sqlx::AnyPool;

/// Which database a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, if it names one Portico runs on.
    pub fn of_url(url: &str) -> Option<Self> {
        let scheme = url.split(':').next()?;
        match scheme {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            _ => None,
        }
    }

    pub fn of(conn: &Conn) -> Self {
        if conn.backend_name() == "PostgreSQL" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The query written for this backend.
    pub fn pick(self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        }
    }
}

/// A yes/no column: `BOOLEAN` on PostgreSQL, `INTEGER` 0 or 1 on SQLite (which has no boolean type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        ty.kind() == AnyTypeInfoKind::Bool || ty.kind().is_integer()
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        use sqlx::ValueRef;
        if value.type_info().kind() == AnyTypeInfoKind::Bool {
            Ok(Flag(<bool as Decode<Any>>::decode(value)?))
        } else {
            Ok(Flag(<i64 as Decode<Any>>::decode(value)? != 0))
        }
    }
}

/// What to do once a write commits.
pub(crate) type OnCommit = Arc<dyn Fn() + Send + Sync>;

/// A write transaction. Committing it calls its `OnCommit`, which nudges the live feed, so this process's
/// deploys reach its gateways and the remote nodes it feeds without waiting for the feed's next look at the
/// change counters.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    on_commit: OnCommit,
}

impl WriteTx {
    pub(crate) fn new(tx: Transaction<'static, Any>, on_commit: OnCommit) -> Self {
        Self { tx, on_commit }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        (self.on_commit)();
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_names_the_backend() {
        assert_eq!(Backend::of_url("sqlite://data/p.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("postgresql://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("mysql://u@h/db"), None);
        assert_eq!(Backend::of_url("data/p.db"), None);
    }
}
