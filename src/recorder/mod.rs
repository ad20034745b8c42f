//! The recorder applies outcome events to `aigc_tasks`, and the sweeper catches what fell
//! between the cracks: tasks whose publish was lost, and task messages that were
//! dead-lettered.

mod sweeper;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

pub use sweeper::{refill, Sweeper};

use crate::queue::{Broker, Event, QueueError};
use crate::store::{Db, StoreError};

/// Applies events until `shutdown`. An event is acknowledged once its update is committed;
/// when the database is unreachable it goes back to the queue and is tried again.
pub async fn run(
    db: Db,
    broker: std::sync::Arc<dyn Broker>,
    shutdown: CancellationToken,
) -> Result<(), QueueError> {
    let mut events = broker.consume_events().await?;
    tracing::info!("recorder started");
    loop {
        let delivery = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            next = events.next() => match next {
                Some(delivery) => delivery,
                None => return Ok(()),
            },
        };
        match apply(&db, &delivery.body).await {
            Ok(()) => {
                let _ = delivery.ack().await;
            }
            Err(err) if err.is_transient() => {
                tracing::warn!(error = %err, "database unavailable; event will be applied later");
                let _ = delivery.retry().await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(err) => {
                tracing::error!(error = %err, task_id = delivery.body.task_id(), "event refused");
                let _ = delivery.reject().await;
            }
        }
    }
}

/// Moves the task forward. Events for a finished task, an older attempt or an unknown
/// task change nothing, which makes redelivered and late events harmless.
pub async fn apply(db: &Db, event: &Event) -> Result<(), StoreError> {
    let changed = match event {
        Event::Started {
            task_id,
            attempt,
            at,
        } => db.record_started(*task_id, *attempt, *at).await?,
        Event::Completed {
            task_id,
            attempt,
            at,
            result_url,
            result_urls,
            result_data,
        } => {
            let data = with_urls(result_data, result_urls);
            db.record_completed(*task_id, *attempt, *at, result_url, &data)
                .await?
        }
        Event::Failed {
            task_id,
            attempt,
            at,
            code,
            message,
            result_data,
        } => {
            let mut data = result_data.clone();
            if data.get("error").is_none() {
                data = with_key(data, "error", json!({"code": code, "message": message}));
            }
            db.record_failed(*task_id, Some(*attempt), *at, &data)
                .await?
        }
        Event::Waiting {
            task_id,
            attempt,
            at,
            code,
            message,
        } => {
            let notice = json!({"notice": {"code": code, "message": message, "at": at}});
            db.record_waiting(*task_id, *attempt, &notice).await?
        }
    };
    tracing::debug!(
        task_id = event.task_id(),
        attempt = event.attempt(),
        changed,
        "event applied"
    );
    Ok(())
}

fn with_urls(data: &Value, urls: &[String]) -> Value {
    with_key(data.clone(), "result_urls", json!(urls))
}

fn with_key(data: Value, key: &str, value: Value) -> Value {
    let mut data = if data.is_object() { data } else { json!({}) };
    if let Some(map) = data.as_object_mut() {
        map.insert(key.to_string(), value);
    }
    data
}
