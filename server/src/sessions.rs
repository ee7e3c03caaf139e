//! Console sessions, kept in the control plane's own database whichever backend it is, so a session made
//! through one replica works on every other.

use async_trait::async_trait;
use deploy::{CompanionPool, ControlPlane};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Debug, Clone)]
pub enum Sessions {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Sessions {
    /// The store, its table created if missing (by one replica at a time).
    pub async fn open(cp: &ControlPlane) -> Result<Self, deploy::Error> {
        let store = match cp.companion_pool().await? {
            CompanionPool::Sqlite(pool) => Sessions::Sqlite(SqliteStore::new(pool)),
            CompanionPool::Postgres(pool) => Sessions::Postgres(PostgresStore::new(pool)),
        };
        cp.exclusively(async {
            match &store {
                Sessions::Sqlite(s) => s.migrate().await,
                Sessions::Postgres(s) => s.migrate().await,
            }
            .map_err(|e| deploy::Error::internal(format!("session store: {e}")))
        })
        .await?;
        Ok(store)
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.create(record).await,
            Sessions::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.save(record).await,
            Sessions::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(s) => s.load(id).await,
            Sessions::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete(id).await,
            Sessions::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for Sessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete_expired().await,
            Sessions::Postgres(s) => s.delete_expired().await,
        }
    }
}
