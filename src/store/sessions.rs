use chrono::{DateTime, Utc};

use super::{on_pool, Db, StoreError};
use crate::task::UserId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

impl Db {
    pub async fn insert_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO aigc_sessions (token_hash, user_id, csrf_token, expires_at) \
                   VALUES (?, ?, ?, ?)";
        on_pool!(self, pool => {
            sqlx::query(sql).bind(token_hash).bind(user_id).bind(csrf_token).bind(expires_at)
                .execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// The session for a token hash, if it exists and has not expired.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = "SELECT user_id, csrf_token, expires_at FROM aigc_sessions \
                   WHERE token_hash = ? AND expires_at > ?";
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, SessionRow>(sql).bind(token_hash).bind(Utc::now())
                .fetch_optional(pool).await
        })?;
        Ok(row)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM aigc_sessions WHERE token_hash = ? OR expires_at < ?";
        on_pool!(self, pool => {
            sqlx::query(sql).bind(token_hash).bind(Utc::now()).execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }
}
