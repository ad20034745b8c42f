use chrono::{DateTime, Utc};

use super::{on_pool, Db, StoreError};
use crate::task::UserId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UploadRow {
    pub name: String,
    pub user_id: i64,
    pub original_name: String,
    pub format: String,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub created_at: DateTime<Utc>,
}

impl Db {
    pub async fn insert_upload(&self, row: &UploadRow) -> Result<(), StoreError> {
        let sql = "INSERT INTO aigc_uploads \
                   (name, user_id, original_name, format, width, height, bytes, created_at) \
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(&row.name).bind(row.user_id).bind(&row.original_name).bind(&row.format)
                .bind(row.width).bind(row.height).bind(row.bytes).bind(row.created_at)
                .execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// The upload stored as `name`, only when it belongs to `user_id`.
    pub async fn upload(
        &self,
        user_id: UserId,
        name: &str,
    ) -> Result<Option<UploadRow>, StoreError> {
        let sql = "SELECT name, user_id, original_name, format, width, height, bytes, created_at \
                   FROM aigc_uploads WHERE name = ? AND user_id = ?";
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, UploadRow>(sql).bind(name).bind(user_id).fetch_optional(pool).await
        })?;
        Ok(row)
    }
}
