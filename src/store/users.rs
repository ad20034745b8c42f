use super::{on_pool, Db, StoreError};
use crate::task::UserId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
}

impl Db {
    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = "SELECT id, username, password_hash FROM users WHERE username = ?";
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, UserRow>(sql).bind(username).fetch_optional(pool).await
        })?;
        Ok(row)
    }

    pub async fn user_count(&self) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM users";
        let count: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await)?;
        Ok(count)
    }

    /// Adds a user, or replaces the password of an existing one.
    pub async fn upsert_user(&self, username: &str, hash: &str) -> Result<UserId, StoreError> {
        let update = "UPDATE users SET password_hash = ? WHERE username = ?";
        let changed = on_pool!(self, pool => {
            sqlx::query(update).bind(hash).bind(username).execute(pool).await
                .map(|r| r.rows_affected())
        })?;
        if changed == 0 {
            let insert = "INSERT INTO users (username, password_hash) VALUES (?, ?)";
            on_pool!(self, pool => {
                sqlx::query(insert).bind(username).bind(hash).execute(pool).await.map(|_| ())
            })?;
        }
        let user = self.user_by_name(username).await?;
        Ok(user.map(|u| u.id).unwrap_or_default())
    }
}
