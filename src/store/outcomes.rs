//! The recorder's writes: each moves a task forward only from the states it may leave and
//! only for the current attempt, so events are idempotent.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{on_pool, Db, StoreError};
use crate::task::{TaskId, UserId};

impl Db {
    pub async fn record_started(
        &self,
        id: TaskId,
        attempt: u32,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE aigc_tasks SET task_status = 'processing', started_at = ? \
                   WHERE id = ? AND attempt = ? AND task_status IN ('pending', 'processing')";
        let changed = on_pool!(self, pool => {
            sqlx::query(sql).bind(at).bind(id).bind(attempt as i32).execute(pool).await
                .map(|r| r.rows_affected())
        })?;
        Ok(changed > 0)
    }

    pub async fn record_completed(
        &self,
        id: TaskId,
        attempt: u32,
        at: DateTime<Utc>,
        result_url: &str,
        result_data: &Value,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE aigc_tasks SET task_status = 'completed', process_status = 'success', \
                   result_url = ?, result_data = ?, completed_at = ? \
                   WHERE id = ? AND attempt = ? AND task_status IN ('pending', 'processing')";
        let changed = on_pool!(self, pool => {
            sqlx::query(sql).bind(result_url).bind(result_data.to_string()).bind(at)
                .bind(id).bind(attempt as i32).execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// Puts a task back to pending with a notice for the user (its lane is paused).
    pub async fn record_waiting(
        &self,
        id: TaskId,
        attempt: u32,
        notice: &Value,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE aigc_tasks SET task_status = 'pending', started_at = NULL, \
                   result_data = ? \
                   WHERE id = ? AND attempt = ? AND task_status IN ('pending', 'processing')";
        let changed = on_pool!(self, pool => {
            sqlx::query(sql).bind(notice.to_string()).bind(id).bind(attempt as i32)
                .execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// `attempt: None` fails whatever attempt is current (used for dead letters that could
    /// not be read).
    pub async fn record_failed(
        &self,
        id: TaskId,
        attempt: Option<u32>,
        at: DateTime<Utc>,
        result_data: &Value,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE aigc_tasks SET task_status = 'failed', process_status = 'failed', \
                   result_data = ?, completed_at = ? \
                   WHERE id = ? AND (? IS NULL OR attempt = ?) \
                   AND task_status IN ('pending', 'processing')";
        let attempt = attempt.map(|a| a as i32);
        let changed = on_pool!(self, pool => {
            sqlx::query(sql).bind(result_data.to_string()).bind(at).bind(id)
                .bind(attempt).bind(attempt).execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// Puts a failed task of this user back to pending as the next attempt. Returns the new
    /// attempt number, or `None` when the task is not this user's or has not failed.
    pub async fn reset_for_retry(
        &self,
        user_id: UserId,
        id: TaskId,
    ) -> Result<Option<u32>, StoreError> {
        let sql = "UPDATE aigc_tasks SET task_status = 'pending', process_status = NULL, \
                   result_url = NULL, result_data = NULL, started_at = NULL, completed_at = NULL, \
                   queued_at = NULL, attempt = attempt + 1 \
                   WHERE id = ? AND user_id = ? AND task_status = 'failed'";
        let changed = on_pool!(self, pool => {
            sqlx::query(sql).bind(id).bind(user_id).execute(pool).await.map(|r| r.rows_affected())
        })?;
        if changed == 0 {
            return Ok(None);
        }
        Ok(self.task(id).await?.map(|t| t.attempt.max(1) as u32))
    }

    /// Ends every still-pending task of a user's batch as failed with `data` (the operator
    /// cancelled it). Tasks already being processed finish normally. Returns how many.
    pub async fn cancel_pending(
        &self,
        user_id: UserId,
        batch_id: &str,
        data: &Value,
    ) -> Result<u64, StoreError> {
        let sql = "UPDATE aigc_tasks SET task_status = 'failed', process_status = 'failed', \
                   result_data = ?, completed_at = ? \
                   WHERE user_id = ? AND batch_id = ? AND task_status = 'pending'";
        let changed = on_pool!(self, pool => {
            sqlx::query(sql).bind(data.to_string()).bind(Utc::now()).bind(user_id).bind(batch_id)
                .execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(changed)
    }

    /// Whether the current attempt of a task is still waiting to be done: a worker asks before
    /// it spends a model call on a message whose task was cancelled or already ended.
    pub async fn still_wanted(&self, id: TaskId, attempt: u32) -> Result<bool, StoreError> {
        let sql = "SELECT COUNT(*) FROM aigc_tasks \
                   WHERE id = ? AND attempt = ? AND task_status IN ('pending', 'processing')";
        let count: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(sql).bind(id).bind(attempt as i32).fetch_one(pool).await
        })?;
        Ok(count > 0)
    }

    /// Fails tasks that have been `processing` since before `cutoff`: their worker died and
    /// their message is gone (a dead letter lost while its queue was down). Returns how many.
    pub async fn fail_stale(&self, cutoff: DateTime<Utc>, data: &Value) -> Result<u64, StoreError> {
        let sql = "UPDATE aigc_tasks SET task_status = 'failed', process_status = 'failed', \
                   result_data = ?, completed_at = ? \
                   WHERE task_status = 'processing' AND started_at < ?";
        let changed = on_pool!(self, pool => {
            sqlx::query(sql).bind(data.to_string()).bind(Utc::now()).bind(cutoff)
                .execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(changed)
    }
}
