use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::batch::Submitter;
use crate::queue::{Broker, DeadLetter, QueueError};
use crate::store::{Db, StoreError};

#[derive(Clone)]
pub struct Sweeper {
    pub db: Db,
    pub broker: Arc<dyn Broker>,
    pub submitter: Submitter,
    /// A pending task older than this without a confirmed publish is published again.
    pub republish_after: Duration,
    /// A task `processing` for longer than this is failed (its message was lost).
    pub stale_after: Duration,
}

impl Sweeper {
    /// Republishes unconfirmed tasks every few seconds until `shutdown`.
    pub async fn republish_loop(self, shutdown: CancellationToken) {
        let period =
            (self.republish_after / 3).clamp(Duration::from_secs(1), Duration::from_secs(30));
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(period) => {}
            }
            if let Err(err) = self.republish_once().await {
                tracing::warn!(error = %err, "sweeper pass failed");
            }
            if let Err(err) = self.fail_stale_once().await {
                tracing::warn!(error = %err, "stale task pass failed");
            }
        }
    }

    pub async fn republish_once(&self) -> Result<usize, StoreError> {
        let cutoff =
            Utc::now() - chrono::Duration::from_std(self.republish_after).unwrap_or_default();
        let rows = self.db.unqueued_tasks(cutoff).await?;
        let mut sent = 0;
        for row in &rows {
            match self.submitter.publish(row).await {
                Ok(()) => sent += 1,
                Err(err) => {
                    tracing::warn!(task_id = row.id, error = %err, "republish failed");
                    break;
                }
            }
        }
        if sent > 0 {
            tracing::info!(sent, "sweeper republished tasks whose publish was lost");
        }
        Ok(sent)
    }

    pub async fn fail_stale_once(&self) -> Result<u64, StoreError> {
        let age = chrono::Duration::from_std(self.stale_after).unwrap_or_default();
        let data = json!({"error": {"code": "stale_task",
            "message": "任务处理时间过长，已停止，请重试"}});
        let failed = self.db.fail_stale(Utc::now() - age, &data).await?;
        if failed > 0 {
            tracing::warn!(failed, "failed tasks stuck in processing");
        }
        Ok(failed)
    }

    /// Fails the task of every dead-lettered message, with the reason, until `shutdown`.
    pub async fn dead_letter_loop(self, shutdown: CancellationToken) -> Result<(), QueueError> {
        let mut letters = self.broker.consume_dead_letters().await?;
        loop {
            let delivery = tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                next = letters.next() => match next {
                    Some(delivery) => delivery,
                    None => return Ok(()),
                },
            };
            match self.fail_dead(&delivery.body).await {
                Ok(()) => {
                    let _ = delivery.ack().await;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "could not record a dead letter; retrying");
                    let _ = delivery.retry().await;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn fail_dead(&self, letter: &DeadLetter) -> Result<(), StoreError> {
        let Some(message) = &letter.message else {
            tracing::error!(reason = %letter.reason, "unreadable dead letter dropped");
            return Ok(());
        };
        let order = message.order();
        let text = match letter.reason.as_str() {
            "delivery_limit" => "任务多次处理都没有完成（可能是处理进程中断），已停止，请重试",
            _ => "任务无法处理，已停止，请重试",
        };
        let data = json!({"error": {"code": "dead_lettered", "message": text},
                          "dead_letter_reason": letter.reason, "attempt": order.attempt});
        let changed = self
            .db
            .record_failed(order.task_id, Some(order.attempt), Utc::now(), &data)
            .await?;
        let reason = &letter.reason;
        tracing::warn!(task_id = order.task_id, %reason, changed, "task dead-lettered");
        Ok(())
    }
}

/// Refills a volatile queue with every unfinished task, at start.
pub async fn refill(db: &Db, submitter: &Submitter) -> Result<usize, StoreError> {
    let rows = db.unfinished_tasks().await?;
    for row in &rows {
        if let Err(err) = submitter.publish(row).await {
            tracing::warn!(task_id = row.id, error = %err, "refill publish failed");
        }
    }
    if !rows.is_empty() {
        tracing::info!(
            tasks = rows.len(),
            "queued unfinished tasks again after start"
        );
    }
    Ok(rows.len())
}
