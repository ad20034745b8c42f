use std::time::Instant;

use chrono::Utc;
use serde_json::{json, Value};
use tracing::Instrument;

use super::LaneWorker;
use crate::jobs::{self, FailClass, JobError};
use crate::queue::{Delivery, Event, TaskMessage, TaskOrder};

impl LaneWorker {
    pub(super) async fn handle(self, delivery: Delivery<TaskMessage>) {
        let order = delivery.body.order().clone();
        let span = tracing::info_span!(
            "task",
            task_id = order.task_id,
            batch_id = %order.batch_id,
            task_type = %order.task_type,
            attempt = order.attempt,
            delivery = delivery.previous_deliveries + 1,
        );
        self.process(delivery, order).instrument(span).await
    }

    async fn process(&self, delivery: Delivery<TaskMessage>, order: TaskOrder) {
        if !self.still_wanted(&order).await {
            let _ = delivery.ack().await;
            return;
        }
        let started = Event::Started {
            task_id: order.task_id,
            attempt: order.attempt,
            at: Utc::now(),
        };
        if let Err(err) = self.broker.publish_event(&started).await {
            tracing::warn!(error = %err, "could not announce start; giving the task back");
            let _ = delivery.retry().await;
            return;
        }
        tracing::info!("task started");
        let clock = Instant::now();
        let outcome = jobs::run(&self.jobs, &order).await;
        let elapsed_ms = clock.elapsed().as_millis() as u64;
        let last_delivery = delivery.previous_deliveries + 1 >= self.delivery_limit;
        if outcome.is_ok() {
            self.pause.resume();
        }
        let event = match outcome {
            Ok(output) => completed(&order, output, elapsed_ms, delivery.previous_deliveries),
            Err(err) if err.class == FailClass::StopLane => {
                self.pause.pause(&err.code, &err.message);
                return self.wait_in_queue(delivery, &order, err).await;
            }
            Err(err) if err.class == FailClass::Final || last_delivery => {
                failed(&order, err, elapsed_ms, delivery.previous_deliveries)
            }
            Err(err) => {
                tracing::warn!(code = %err.code, class = ?err.class, "task will be retried");
                let _ = delivery.retry().await;
                return;
            }
        };
        self.settle(delivery, event).await;
    }

    /// A message whose task was cancelled, retried under a newer attempt, or already ended (a
    /// redelivery after a crash that followed the recorded outcome) is dropped before it costs
    /// a model call. When the database does not answer the task runs anyway: the recorder
    /// ignores an outcome for a task that has moved on.
    async fn still_wanted(&self, order: &TaskOrder) -> bool {
        match self.tasks.still_wanted(order.task_id, order.attempt).await {
            Ok(true) => true,
            Ok(false) => {
                tracing::info!(
                    "task no longer waits for this message (cancelled or ended); dropped"
                );
                false
            }
            Err(err) => {
                tracing::warn!(error = %err, "could not ask whether the task still waits; running it");
                true
            }
        }
    }

    /// Puts the task back at the end of its queue as a fresh message (so waiting does not
    /// count against its delivery limit) and tells the user why it waits.
    async fn wait_in_queue(
        &self,
        delivery: Delivery<TaskMessage>,
        order: &TaskOrder,
        err: JobError,
    ) {
        let fresh = TaskMessage::V1(order.clone());
        if let Err(publish) = self.broker.publish_task(&fresh).await {
            tracing::warn!(error = %publish, "could not requeue a waiting task; giving it back");
            let _ = delivery.retry().await;
            return;
        }
        let waiting = Event::Waiting {
            task_id: order.task_id,
            attempt: order.attempt,
            at: Utc::now(),
            code: err.code,
            message: err.message,
        };
        if let Err(publish) = self.broker.publish_event(&waiting).await {
            tracing::warn!(error = %publish, "waiting notice not recorded");
        }
        let _ = delivery.ack().await;
    }

    /// Acknowledges only after the outcome event is confirmed; otherwise the message goes
    /// back and the task runs again (its outputs are overwritten in place).
    async fn settle(&self, delivery: Delivery<TaskMessage>, event: Event) {
        match self.broker.publish_event(&event).await {
            Ok(()) => {
                if let Err(err) = delivery.ack().await {
                    tracing::warn!(error = %err, "ack failed; the broker will redeliver");
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "outcome not confirmed; giving the task back");
                let _ = delivery.retry().await;
            }
        }
    }
}

fn completed(order: &TaskOrder, output: jobs::JobOutput, ms: u64, redeliveries: u32) -> Event {
    let mut data = output.data;
    merge(
        &mut data,
        json!({"attempt": order.attempt, "duration_ms": ms, "redeliveries": redeliveries}),
    );
    tracing::info!(
        duration_ms = ms,
        outputs = output.result_urls.len(),
        "task completed"
    );
    Event::Completed {
        task_id: order.task_id,
        attempt: order.attempt,
        at: Utc::now(),
        result_url: output.result_urls.first().cloned().unwrap_or_default(),
        result_urls: output.result_urls,
        result_data: data,
    }
}

fn failed(order: &TaskOrder, err: JobError, ms: u64, redeliveries: u32) -> Event {
    tracing::info!(code = %err.code, class = ?err.class, "task failed");
    let mut data = err.data.clone();
    merge(
        &mut data,
        json!({
            "error": {"code": err.code, "message": err.message},
            "attempt": order.attempt, "duration_ms": ms, "redeliveries": redeliveries,
        }),
    );
    Event::Failed {
        task_id: order.task_id,
        attempt: order.attempt,
        at: Utc::now(),
        code: err.code,
        message: err.message,
        result_data: data,
    }
}

/// Adds the keys of `extra` to the object `data` (replacing a non-object).
fn merge(data: &mut Value, extra: Value) {
    if !data.is_object() {
        *data = json!({});
    }
    if let (Some(target), Value::Object(extra)) = (data.as_object_mut(), extra) {
        target.extend(extra);
    }
}
