//! Accepting a batch: checking what was submitted, writing one `aigc_tasks` row per image and
//! publishing one message per row. Rows are written before anything is published, so a task
//! that was accepted is never lost: if a publish fails, the row stays pending with no
//! `queued_at` and the sweeper publishes it again.

mod submit;

use std::sync::Arc;

use serde_json::Value;

pub use submit::{Submission, SubmitError, SubmittedBatch};

use crate::queue::{Broker, QueueError, TaskMessage, TaskOrder};
use crate::storage::Storage;
use crate::store::{Db, StoreError, TaskRow};
use crate::task::{TaskId, TaskType, UserId};

#[derive(Clone)]
pub struct Submitter {
    db: Db,
    broker: Arc<dyn Broker>,
    storage: Storage,
    files_per_batch: usize,
}

impl Submitter {
    pub fn new(db: Db, broker: Arc<dyn Broker>, storage: Storage, files_per_batch: usize) -> Self {
        Submitter {
            db,
            broker,
            storage,
            files_per_batch,
        }
    }

    /// Publishes the current attempt of a stored task and records the broker's confirm.
    pub async fn publish(&self, row: &TaskRow) -> Result<(), PublishError> {
        let message = message_of(row).ok_or(PublishError::Unreadable(row.id))?;
        self.broker.publish_task(&message).await?;
        self.db.mark_queued(row.id, message.order().attempt).await?;
        tracing::debug!(
            task_id = row.id,
            attempt = message.order().attempt,
            "task queued"
        );
        Ok(())
    }

    /// Puts a failed task back in the queue as its next attempt.
    pub async fn retry(&self, user_id: UserId, id: TaskId) -> Result<Option<TaskRow>, StoreError> {
        if self.db.reset_for_retry(user_id, id).await?.is_none() {
            return Ok(None);
        }
        let Some(row) = self.db.task(id).await? else {
            return Ok(None);
        };
        if let Err(err) = self.publish(&row).await {
            // The row is pending without queued_at: the sweeper will publish it.
            tracing::warn!(task_id = id, error = %err, "retry publish failed; sweeper will resend");
        }
        tracing::info!(task_id = id, attempt = row.attempt, "task retried by user");
        self.db.task(id).await
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("task {0} has an unreadable type or parameters")]
    Unreadable(TaskId),
}

/// The queue message for the current attempt of a stored task.
pub fn message_of(row: &TaskRow) -> Option<TaskMessage> {
    let task_type = TaskType::parse(&row.task_type)?;
    let params: Value = row.params();
    params.is_object().then(|| {
        TaskMessage::V1(TaskOrder {
            task_id: row.id,
            user_id: row.user_id,
            batch_id: row.batch_id.clone().unwrap_or_default(),
            task_type,
            task_params: params,
            attempt: row.attempt.max(1) as u32,
        })
    })
}
