//! `aigc_tasks`: inserts by the web process, updates by the recorder, reads by the pages.
//!
//! Every update that moves a task forward names the attempt it belongs to and the states
//! it may leave, so an event that arrives late or twice changes nothing.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::mysql::MySqlQueryResult;
use sqlx::sqlite::SqliteQueryResult;

use super::{on_pool, Db, StoreError};
use crate::task::{TaskId, TaskStatus, TaskType, UserId};

const COLUMNS: &str =
    "id, user_id, batch_id, task_type, CAST(task_params AS CHAR) AS task_params, \
    original_path, result_url, result_data, task_status, process_status, attempt, created_at, \
    started_at, completed_at, queued_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub user_id: i64,
    pub batch_id: Option<String>,
    pub task_type: String,
    pub task_params: Option<String>,
    pub original_path: Option<String>,
    pub result_url: Option<String>,
    pub result_data: Option<String>,
    pub task_status: String,
    pub process_status: Option<String>,
    pub attempt: i32,
    pub created_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub queued_at: Option<DateTime<Utc>>,
}

pub struct NewTask {
    pub user_id: UserId,
    pub batch_id: String,
    pub task_type: TaskType,
    pub task_params: Value,
    pub original_path: String,
}

/// Filters of the task list; `before` pages by id, newest first.
#[derive(Debug, Default, Clone)]
pub struct TaskFilter {
    pub batch_id: Option<String>,
    pub status: Option<TaskStatus>,
    pub task_type: Option<TaskType>,
    pub before: Option<TaskId>,
    pub limit: u32,
}

trait LastId {
    fn last_id(&self) -> i64;
}

impl LastId for SqliteQueryResult {
    fn last_id(&self) -> i64 {
        self.last_insert_rowid()
    }
}

impl LastId for MySqlQueryResult {
    fn last_id(&self) -> i64 {
        i64::try_from(self.last_insert_id()).unwrap_or(i64::MAX)
    }
}

impl TaskRow {
    pub fn status(&self) -> TaskStatus {
        TaskStatus::parse(&self.task_status).unwrap_or(TaskStatus::Pending)
    }

    pub fn kind(&self) -> Option<TaskType> {
        TaskType::parse(&self.task_type)
    }

    pub fn params(&self) -> Value {
        let text = self.task_params.as_deref().unwrap_or("null");
        serde_json::from_str(text).unwrap_or(Value::Null)
    }

    pub fn data(&self) -> Value {
        let text = self.result_data.as_deref().unwrap_or("null");
        serde_json::from_str(text).unwrap_or(Value::Null)
    }
}

impl Db {
    /// Inserts one row per task in one transaction: a batch is accepted whole or not at all.
    pub async fn insert_tasks(&self, tasks: &[NewTask]) -> Result<Vec<TaskId>, StoreError> {
        let sql = "INSERT INTO aigc_tasks (user_id, batch_id, task_type, task_params, \
                   original_path, task_status, attempt, created_at) \
                   VALUES (?, ?, ?, ?, ?, 'pending', 1, ?)";
        let now = Utc::now();
        let mut ids = Vec::with_capacity(tasks.len());
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for task in tasks {
                let result = sqlx::query(sql)
                    .bind(task.user_id).bind(&task.batch_id).bind(task.task_type.as_str())
                    .bind(task.task_params.to_string()).bind(&task.original_path).bind(now)
                    .execute(&mut *tx).await?;
                ids.push(result.last_id());
            }
            tx.commit().await?;
        });
        Ok(ids)
    }

    /// Records that the broker confirmed the task message of this attempt.
    pub async fn mark_queued(&self, id: TaskId, attempt: u32) -> Result<(), StoreError> {
        let sql = "UPDATE aigc_tasks SET queued_at = ? WHERE id = ? AND attempt = ?";
        on_pool!(self, pool => {
            sqlx::query(sql).bind(Utc::now()).bind(id).bind(attempt as i32)
                .execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// A task as its owner sees it; another user's task is `None`, like a missing one.
    pub async fn task_of(
        &self,
        user_id: UserId,
        id: TaskId,
    ) -> Result<Option<TaskRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM aigc_tasks WHERE id = ? AND user_id = ?");
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, TaskRow>(&sql).bind(id).bind(user_id).fetch_optional(pool).await
        })?;
        Ok(row)
    }

    pub async fn task(&self, id: TaskId) -> Result<Option<TaskRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM aigc_tasks WHERE id = ?");
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, TaskRow>(&sql).bind(id).fetch_optional(pool).await
        })?;
        Ok(row)
    }

    pub async fn list_tasks(
        &self,
        user_id: UserId,
        filter: &TaskFilter,
    ) -> Result<Vec<TaskRow>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM aigc_tasks WHERE user_id = ?");
        for (present, clause) in [
            (filter.batch_id.is_some(), " AND batch_id = ?"),
            (filter.status.is_some(), " AND task_status = ?"),
            (filter.task_type.is_some(), " AND task_type = ?"),
            (filter.before.is_some(), " AND id < ?"),
        ] {
            if present {
                sql.push_str(clause);
            }
        }
        sql.push_str(" ORDER BY id DESC LIMIT ?");
        let rows = on_pool!(self, pool => {
            let mut query = sqlx::query_as::<_, TaskRow>(&sql).bind(user_id);
            if let Some(batch) = &filter.batch_id { query = query.bind(batch); }
            if let Some(status) = filter.status { query = query.bind(status.as_str()); }
            if let Some(kind) = filter.task_type { query = query.bind(kind.as_str()); }
            if let Some(before) = filter.before { query = query.bind(before); }
            query.bind(i64::from(filter.limit)).fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// Every task of a batch, oldest first (the order of the submission).
    pub async fn batch_tasks(
        &self,
        user_id: UserId,
        batch_id: &str,
    ) -> Result<Vec<TaskRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM aigc_tasks WHERE user_id = ? AND batch_id = ? ORDER BY id"
        );
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, TaskRow>(&sql).bind(user_id).bind(batch_id).fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// Pending and processing tasks, oldest first: what a volatile queue must be refilled
    /// with at start.
    pub async fn unfinished_tasks(&self) -> Result<Vec<TaskRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM aigc_tasks \
             WHERE task_status IN ('pending', 'processing') ORDER BY id"
        );
        let rows =
            on_pool!(self, pool => sqlx::query_as::<_, TaskRow>(&sql).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Pending tasks whose publish was never confirmed, accepted before `cutoff`.
    pub async fn unqueued_tasks(&self, cutoff: DateTime<Utc>) -> Result<Vec<TaskRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM aigc_tasks WHERE task_status = 'pending' \
             AND queued_at IS NULL AND created_at < ? ORDER BY id LIMIT 500"
        );
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, TaskRow>(&sql).bind(cutoff).fetch_all(pool).await
        })?;
        Ok(rows)
    }
}
