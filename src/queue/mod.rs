//! The queue between the web process and the workers, behind one trait with two engines:
//! an in-process one (the embedded default) and RabbitMQ (distributed).
//!
//! Both promise the same thing to the rest of the product: a published message is kept
//! until a consumer acknowledges it, a message that keeps failing ends in the dead-letter
//! stream, and a consumer stream outlives broker restarts.

mod memory;
mod message;
pub mod rabbitmq;

use std::pin::Pin;

use async_trait::async_trait;
use futures_util::Stream;

pub use memory::MemoryBroker;
pub use message::{Event, TaskMessage, TaskOrder};
pub use rabbitmq::{RabbitBroker, RabbitOptions};

use crate::task::Lane;

pub type DeliveryStream<T> = Pin<Box<dyn Stream<Item = Delivery<T>> + Send>>;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The broker could not be reached or dropped the connection; trying again later helps.
    #[error("queue connection: {0}")]
    Connection(String),
    /// The broker refused a publish (negative confirm); trying again may help.
    #[error("publish not confirmed: {0}")]
    NotConfirmed(String),
    #[error("queue closed")]
    Closed,
    /// The broker holds an exchange or queue that does not match what this build declares
    /// (another type or other arguments). Retrying cannot help: an operator must act.
    #[error("queue topology: {0}")]
    Topology(String),
    #[error("message encoding: {0}")]
    Encoding(#[from] serde_json::Error),
}

/// One received message. It must be settled with [`Delivery::ack`] once its outcome is
/// safely recorded, or [`Delivery::retry`] to hand it back; dropping it unsettled leaves it
/// to the engine (RabbitMQ redelivers when the channel closes).
pub struct Delivery<T> {
    pub body: T,
    /// How many times this message was handed out before (0 on the first delivery).
    pub previous_deliveries: u32,
    settle: Box<dyn Settle>,
}

#[async_trait]
pub trait Settle: Send + Sync {
    async fn ack(self: Box<Self>) -> Result<(), QueueError>;
    /// Give the message back. After the delivery limit the engine dead-letters it.
    async fn retry(self: Box<Self>) -> Result<(), QueueError>;
    /// Refuse the message for good: it goes to the dead-letter stream at once.
    async fn reject(self: Box<Self>) -> Result<(), QueueError>;
}

impl<T> Delivery<T> {
    pub fn new(body: T, previous_deliveries: u32, settle: Box<dyn Settle>) -> Self {
        Delivery {
            body,
            previous_deliveries,
            settle,
        }
    }

    pub async fn ack(self) -> Result<(), QueueError> {
        self.settle.ack().await
    }

    pub async fn retry(self) -> Result<(), QueueError> {
        self.settle.retry().await
    }

    pub async fn reject(self) -> Result<(), QueueError> {
        self.settle.reject().await
    }
}

/// A task message that was dead-lettered, with the engine's reason.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub message: Option<TaskMessage>,
    /// `delivery_limit`, `rejected`, `unreadable`, ...
    pub reason: String,
}

#[async_trait]
pub trait Broker: Send + Sync {
    /// Publishes a task to its lane and returns once the engine has taken responsibility
    /// for it (a publisher confirm on RabbitMQ).
    async fn publish_task(&self, message: &TaskMessage) -> Result<(), QueueError>;

    /// Publishes an outcome event, confirmed like a task.
    async fn publish_event(&self, event: &Event) -> Result<(), QueueError>;

    /// Task messages of one lane, at most `prefetch` unsettled at a time.
    async fn consume_tasks(
        &self,
        lane: Lane,
        prefetch: u16,
    ) -> Result<DeliveryStream<TaskMessage>, QueueError>;

    /// Outcome events, for the recorder.
    async fn consume_events(&self) -> Result<DeliveryStream<Event>, QueueError>;

    /// Task messages that were dead-lettered, for the sweeper.
    async fn consume_dead_letters(&self) -> Result<DeliveryStream<DeadLetter>, QueueError>;

    /// Answers when the engine is reachable, for `/healthz`.
    async fn health(&self) -> Result<(), QueueError>;

    /// True when the engine forgets everything on restart, so the web process must refill
    /// it from the unfinished rows of `aigc_tasks` at start.
    fn is_volatile(&self) -> bool;
}
