//! The task store: `aigc_tasks`, `users`, uploads and sessions, on SQLite (embedded default)
//! or MySQL/MariaDB (production).
//!
//! Both engines run the same SQL text (`?` placeholders, no engine-specific functions), so
//! each query is written once and [`on_pool!`] runs it on whichever pool is configured.
//! Timestamps are bound from Rust rather than taken from the database clock, for the same
//! reason.

mod connect;
mod outcomes;
mod sessions;
mod tasks;
mod uploads;
mod users;

use sqlx::{MySqlPool, SqlitePool};

pub use connect::connect;
pub use sessions::SessionRow;
pub use tasks::{NewTask, TaskFilter, TaskRow};
pub use uploads::UploadRow;
pub use users::UserRow;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    MySql(MySqlPool),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("database url: {0}")]
    Url(String),
}

impl StoreError {
    /// Lost connections and pool time-outs pass; a constraint or a bad query does not.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlx(
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
            )
        )
    }
}

/// Runs the same expression on the SQLite or the MySQL pool.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::MySql($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl Db {
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::MySql(_) => "mysql",
        }
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}
