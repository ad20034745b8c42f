//! The distributed engine: RabbitMQ through lapin.
//!
//! Durable quorum queues, persistent messages, publisher confirms, manual acks, a prefetch
//! per consumer stream, a delivery limit with a dead-letter queue, and reconnection with
//! backoff. `topology` says what exists on the broker, `link` keeps the connection, `publish`
//! and `consume` move messages, `incoming` decodes and settles them.

mod consume;
mod error;
mod incoming;
mod link;
mod publish;
mod topology;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tracing::{info, instrument};

use self::consume::{typed_stream, Subscription};
use self::link::Link;
use self::publish::Envelope;
pub use self::topology::{
    broker_delivery_limit, BindingSpec, ExchangeSpec, PolicySpec, QueueSpec, Topology,
};
use super::{Broker, DeadLetter, DeliveryStream, Event, QueueError, TaskMessage};
use crate::task::Lane;

/// Unsettled events a recorder holds at once.
const EVENT_PREFETCH: u16 = 64;
/// Unsettled dead letters a sweeper holds at once.
const DEAD_LETTER_PREFETCH: u16 = 16;

/// Timings of the engine. The defaults suit production; tests shorten them.
#[derive(Debug, Clone)]
pub struct RabbitOptions {
    /// How long a publish (and `connect`) keeps trying while the broker is unreachable
    /// before it fails with `QueueError::Connection`.
    pub publish_wait: Duration,
    /// How long a publish waits for the broker's confirm before `QueueError::NotConfirmed`.
    pub confirm_timeout: Duration,
    /// How long one TCP + AMQP handshake may take.
    pub connect_timeout: Duration,
    /// How long any other exchange with the broker may take (declaring, opening a channel,
    /// subscribing, settling a delivery) before the connection is treated as dead.
    pub answer_timeout: Duration,
    /// First and longest pause between reconnect attempts (exponential, with jitter).
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// Extra trusted certificates (PEM) for an `amqps://` URL, on top of the system's roots.
    pub tls_ca_pem: Option<String>,
}

impl Default for RabbitOptions {
    fn default() -> Self {
        RabbitOptions {
            publish_wait: Duration::from_secs(15),
            confirm_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            answer_timeout: Duration::from_secs(10),
            reconnect_min: Duration::from_millis(200),
            reconnect_max: Duration::from_secs(10),
            tls_ca_pem: None,
        }
    }
}

pub struct RabbitBroker {
    link: Arc<Link>,
}

impl RabbitBroker {
    /// Connects and declares the topology of `prefix`. `delivery_limit`: deliveries of one
    /// task message before it is dead-lettered.
    pub async fn connect(
        url: &str,
        prefix: &str,
        delivery_limit: u32,
    ) -> Result<Arc<Self>, QueueError> {
        Self::connect_with(url, prefix, delivery_limit, RabbitOptions::default()).await
    }

    pub async fn connect_with(
        url: &str,
        prefix: &str,
        delivery_limit: u32,
        options: RabbitOptions,
    ) -> Result<Arc<Self>, QueueError> {
        let bound = options.publish_wait;
        let link = Arc::new(Link::new(
            url,
            Topology::new(prefix, delivery_limit),
            options,
        ));
        link.live_within(Some(bound)).await?;
        info!(prefix, delivery_limit, "RabbitMQ broker ready");
        Ok(Arc::new(RabbitBroker { link }))
    }

    pub fn topology(&self) -> &Topology {
        self.link.topology()
    }

    /// Deletes every exchange and queue of this prefix, with their messages. Meant for tests
    /// and for tearing an install down; streams still open would declare them again.
    pub async fn delete_topology(&self) -> Result<(), QueueError> {
        let live = self.link.live().await?;
        self.topology().delete(&live.connection).await?;
        info!(
            prefix = self.topology().prefix(),
            "RabbitMQ topology deleted"
        );
        Ok(())
    }

    /// Closes the connection. Publishing fails with `QueueError::Closed` afterwards and the
    /// consumer streams of this broker end.
    pub async fn close(&self) {
        self.link.close().await;
    }

    fn subscription(&self, queue: String, prefetch: u16) -> Subscription {
        Subscription {
            link: self.link.clone(),
            queue,
            prefetch,
        }
    }
}

#[async_trait]
impl Broker for RabbitBroker {
    #[instrument(skip_all, fields(task_id = message.order().task_id, lane = %message.lane()))]
    async fn publish_task(&self, message: &TaskMessage) -> Result<(), QueueError> {
        let order = message.order();
        let body = serde_json::to_vec(message)?;
        // Stable per attempt, so a republished task carries the same id as the first copy.
        let message_id = format!("task-{}-{}", order.task_id, order.attempt);
        let exchange = self.topology().tasks_exchange();
        let routing_key = message.lane().as_str();
        let envelope = Envelope {
            exchange: &exchange,
            routing_key,
            message_id: &message_id,
            body: &body,
        };
        Ok(self.link.publish(&envelope).await?)
    }

    #[instrument(skip_all, fields(task_id = event.task_id(), attempt = event.attempt()))]
    async fn publish_event(&self, event: &Event) -> Result<(), QueueError> {
        let body = serde_json::to_vec(event)?;
        let message_id = format!(
            "event-{}-{}-{}",
            event.task_id(),
            event.attempt(),
            kind(event)
        );
        let exchange = self.topology().events_exchange();
        let envelope = Envelope {
            exchange: &exchange,
            routing_key: "",
            message_id: &message_id,
            body: &body,
        };
        Ok(self.link.publish(&envelope).await?)
    }

    async fn consume_tasks(
        &self,
        lane: Lane,
        prefetch: u16,
    ) -> Result<DeliveryStream<TaskMessage>, QueueError> {
        let queue = self.topology().task_queue(lane);
        Ok(typed_stream(self.subscription(queue, prefetch)))
    }

    async fn consume_events(&self) -> Result<DeliveryStream<Event>, QueueError> {
        let queue = self.topology().events_queue();
        Ok(typed_stream(self.subscription(queue, EVENT_PREFETCH)))
    }

    async fn consume_dead_letters(&self) -> Result<DeliveryStream<DeadLetter>, QueueError> {
        let queue = self.topology().dead_queue();
        Ok(typed_stream(self.subscription(queue, DEAD_LETTER_PREFETCH)))
    }

    /// Answers from the open connection, or from one attempt to reopen it.
    async fn health(&self) -> Result<(), QueueError> {
        self.link.live().await?;
        Ok(())
    }

    fn is_volatile(&self) -> bool {
        false
    }
}

fn kind(event: &Event) -> &'static str {
    match event {
        Event::Started { .. } => "started",
        Event::Completed { .. } => "completed",
        Event::Failed { .. } => "failed",
        Event::Waiting { .. } => "waiting",
    }
}
