use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Db, StoreError};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static MYSQL_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/mysql");

/// Opens the pool for `url` and brings the schema up to date.
pub async fn connect(url: &str, max_connections: u32) -> Result<Db, StoreError> {
    let db = if url.starts_with("sqlite:") {
        Db::Sqlite(open_sqlite(url, max_connections).await?)
    } else if url.starts_with("mysql:") || url.starts_with("mariadb:") {
        Db::MySql(open_mysql(url, max_connections).await?)
    } else {
        return Err(StoreError::Url(format!(
            "unsupported scheme in {}",
            redact(url)
        )));
    };
    match &db {
        Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
        Db::MySql(pool) => MYSQL_MIGRATIONS.run(pool).await?,
    }
    tracing::info!(engine = db.engine(), "database ready");
    Ok(db)
}

async fn open_sqlite(url: &str, max: u32) -> Result<sqlx::SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .foreign_keys(true)
        // WAL lets the pages read while the recorder writes; NORMAL sync is durable across
        // process crashes, which is what the queue refill relies on.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10));
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(max.max(1))
        .connect_with(options)
        .await?;
    Ok(pool)
}

async fn open_mysql(url: &str, max: u32) -> Result<sqlx::MySqlPool, StoreError> {
    let url = url.replacen("mariadb:", "mysql:", 1);
    let options = MySqlConnectOptions::from_str(&url)?.charset("utf8mb4");
    let pool = MySqlPoolOptions::new()
        .max_connections(max.max(1))
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
