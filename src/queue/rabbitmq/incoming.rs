//! Turning RabbitMQ deliveries into the product's messages, and settling them.

use std::time::Duration;

use async_trait::async_trait;
use lapin::message::Delivery as RawDelivery;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Acker, BasicProperties};
use tracing::{debug, warn};

use super::error::answer_within;
use crate::queue::{DeadLetter, Event, QueueError, Settle, TaskMessage};
use crate::task::TaskId;

/// A message type that a consumer stream can yield.
pub trait Incoming: Sized + Send + 'static {
    fn decode(raw: &RawDelivery) -> Result<Self, serde_json::Error>;

    /// For the logs.
    fn task_id(&self) -> Option<TaskId>;
}

impl Incoming for TaskMessage {
    fn decode(raw: &RawDelivery) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(&raw.data)
    }

    fn task_id(&self) -> Option<TaskId> {
        Some(self.order().task_id)
    }
}

impl Incoming for Event {
    fn decode(raw: &RawDelivery) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(&raw.data)
    }

    fn task_id(&self) -> Option<TaskId> {
        Some(Event::task_id(self))
    }
}

/// Never fails: a dead letter whose body is unreadable is still reported, with no message
/// and the reason `unreadable`, because that is what the sweeper needs to know about it.
impl Incoming for DeadLetter {
    fn decode(raw: &RawDelivery) -> Result<Self, serde_json::Error> {
        let broker_reason = death_reason(&raw.properties);
        match serde_json::from_slice::<TaskMessage>(&raw.data) {
            Ok(message) => Ok(DeadLetter {
                message: Some(message),
                reason: broker_reason,
            }),
            Err(err) => {
                debug!(broker_reason, error = %err, "dead letter with an unreadable body");
                Ok(DeadLetter {
                    message: None,
                    reason: "unreadable".into(),
                })
            }
        }
    }

    fn task_id(&self) -> Option<TaskId> {
        self.message.as_ref().map(|message| message.order().task_id)
    }
}

/// How often the message was handed out before: quorum queues count it in
/// `x-delivery-count`, absent on the first delivery.
pub fn delivery_count(properties: &BasicProperties) -> u32 {
    header(properties.headers(), "x-delivery-count")
        .and_then(as_u32)
        .unwrap_or(0)
}

/// Why the broker dead-lettered a message: the latest `x-death` entry (they are kept newest
/// first), else `x-first-death-reason`. `delivery_limit`, `rejected`, `expired`, `maxlen`.
pub fn death_reason(properties: &BasicProperties) -> String {
    let headers = properties.headers();
    let latest = match header(headers, "x-death") {
        Some(AMQPValue::FieldArray(deaths)) => {
            deaths.as_slice().first().and_then(|death| match death {
                AMQPValue::FieldTable(death) => death.inner().get("reason").and_then(as_text),
                _ => None,
            })
        }
        _ => None,
    };
    latest
        .or_else(|| header(headers, "x-first-death-reason").and_then(as_text))
        .unwrap_or_else(|| "unknown".into())
}

fn header<'a>(headers: &'a Option<FieldTable>, name: &str) -> Option<&'a AMQPValue> {
    headers.as_ref()?.inner().get(name)
}

fn as_u32(value: &AMQPValue) -> Option<u32> {
    let number: i64 = match value {
        AMQPValue::ShortShortInt(n) => (*n).into(),
        AMQPValue::ShortShortUInt(n) => (*n).into(),
        AMQPValue::ShortInt(n) => (*n).into(),
        AMQPValue::ShortUInt(n) => (*n).into(),
        AMQPValue::LongInt(n) => (*n).into(),
        AMQPValue::LongUInt(n) => (*n).into(),
        AMQPValue::LongLongInt(n) => *n,
        _ => return None,
    };
    u32::try_from(number).ok()
}

fn as_text(value: &AMQPValue) -> Option<String> {
    match value {
        AMQPValue::LongString(text) => Some(text.to_string()),
        AMQPValue::ShortString(text) => Some(text.to_string()),
        _ => None,
    }
}

/// Settles one delivery on the channel it arrived on.
pub struct RabbitSettle {
    acker: Acker,
    queue: String,
    delivery_tag: u64,
    /// A settlement on a connection that died unnoticed never resolves; past this it
    /// counts as failed, which is safe because the broker redelivers the message.
    within: Duration,
}

impl RabbitSettle {
    pub fn new(acker: Acker, queue: &str, delivery_tag: u64, within: Duration) -> RabbitSettle {
        RabbitSettle {
            acker,
            queue: queue.to_string(),
            delivery_tag,
            within,
        }
    }

    fn failed(&self, action: &str, err: &dyn std::fmt::Display) -> QueueError {
        // Expected after a reconnect: the old channel is gone and RabbitMQ has already put
        // the message back in the queue, so the caller may ignore this.
        warn!(queue = %self.queue, delivery_tag = self.delivery_tag, action, error = %err,
            "could not settle delivery; the broker redelivers it");
        QueueError::Connection(format!("{action} on a closed channel: {err}"))
    }

    async fn nack(self: Box<Self>, requeue: bool) -> Result<(), QueueError> {
        let options = BasicNackOptions {
            requeue,
            multiple: false,
        };
        let action = if requeue { "retry" } else { "reject" };
        debug!(queue = %self.queue, delivery_tag = self.delivery_tag, action, "settled");
        let outcome = answer_within("a nack", self.within, self.acker.nack(options)).await;
        let outcome = outcome.map_err(|err| err.to_string()).and_then(settled);
        outcome.map_err(|err| self.failed(action, &err))
    }
}

#[async_trait]
impl Settle for RabbitSettle {
    async fn ack(self: Box<Self>) -> Result<(), QueueError> {
        debug!(queue = %self.queue, delivery_tag = self.delivery_tag, action = "ack", "settled");
        let ack = self.acker.ack(BasicAckOptions::default());
        let outcome = answer_within("an ack", self.within, ack).await;
        let outcome = outcome.map_err(|err| err.to_string()).and_then(settled);
        outcome.map_err(|err| self.failed("ack", &err))
    }

    /// Back in the queue; the quorum queue counts the return and dead-letters the message
    /// once the delivery limit is reached.
    async fn retry(self: Box<Self>) -> Result<(), QueueError> {
        self.nack(true).await
    }

    /// To the dead-letter exchange at once (for queues that have one; events are dropped).
    async fn reject(self: Box<Self>) -> Result<(), QueueError> {
        self.nack(false).await
    }
}

/// lapin answers `Ok(false)` instead of an error when the acker's channel is gone (or the
/// delivery was already settled); both mean the broker did not get this settlement.
pub fn settled(done: bool) -> Result<(), String> {
    if done {
        Ok(())
    } else {
        Err("the channel is closed or the delivery was already settled".into())
    }
}
