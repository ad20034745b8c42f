//! The embedded engine: channels inside the process.
//!
//! It keeps nothing across a restart, which is why [`Broker::is_volatile`] is true and the
//! web process requeues every unfinished task from the database when it starts. Within one
//! run it keeps RabbitMQ's promises: unsettled messages stay counted against the prefetch,
//! a retried message comes back, and one that has been delivered too often is dead-lettered.

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::stream;
use tokio::sync::{mpsc, Mutex, OwnedSemaphorePermit, Semaphore};

use super::{Broker, DeadLetter, Delivery, DeliveryStream, Event, QueueError, Settle, TaskMessage};
use crate::task::Lane;

type Item<T> = (T, u32);

struct Channel<T> {
    tx: mpsc::UnboundedSender<Item<T>>,
    rx: Arc<Mutex<mpsc::UnboundedReceiver<Item<T>>>>,
}

impl<T> Channel<T> {
    fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Channel {
            tx,
            rx: Arc::new(Mutex::new(rx)),
        }
    }
}

pub struct MemoryBroker {
    ai: Channel<TaskMessage>,
    local: Channel<TaskMessage>,
    events: Channel<Event>,
    dead: Channel<DeadLetter>,
    delivery_limit: u32,
}

impl MemoryBroker {
    /// `delivery_limit`: how many deliveries a task message gets before it is dead-lettered.
    pub fn new(delivery_limit: u32) -> Arc<Self> {
        Arc::new(MemoryBroker {
            ai: Channel::new(),
            local: Channel::new(),
            events: Channel::new(),
            dead: Channel::new(),
            delivery_limit: delivery_limit.max(1),
        })
    }

    fn lane(&self, lane: Lane) -> &Channel<TaskMessage> {
        match lane {
            Lane::Ai => &self.ai,
            Lane::Local => &self.local,
        }
    }
}

#[async_trait]
impl Broker for MemoryBroker {
    async fn publish_task(&self, message: &TaskMessage) -> Result<(), QueueError> {
        let lane = self.lane(message.lane());
        lane.tx
            .send((message.clone(), 0))
            .map_err(|_| QueueError::Closed)
    }

    async fn publish_event(&self, event: &Event) -> Result<(), QueueError> {
        self.events
            .tx
            .send((event.clone(), 0))
            .map_err(|_| QueueError::Closed)
    }

    async fn consume_tasks(
        &self,
        lane: Lane,
        prefetch: u16,
    ) -> Result<DeliveryStream<TaskMessage>, QueueError> {
        let channel = self.lane(lane);
        let back = Requeue {
            lane: channel.tx.clone(),
            dead: self.dead.tx.clone(),
            limit: self.delivery_limit,
        };
        Ok(consume(
            channel.rx.clone(),
            prefetch,
            move |msg, count, permit| {
                Box::new(TaskSettle {
                    msg,
                    count,
                    back: back.clone(),
                    _permit: permit,
                })
            },
        ))
    }

    async fn consume_events(&self) -> Result<DeliveryStream<Event>, QueueError> {
        let tx = self.events.tx.clone();
        Ok(consume(
            self.events.rx.clone(),
            64,
            move |event, count, permit| {
                Box::new(PlainSettle {
                    item: Some((event, count)),
                    tx: tx.clone(),
                    _permit: permit,
                })
            },
        ))
    }

    async fn consume_dead_letters(&self) -> Result<DeliveryStream<DeadLetter>, QueueError> {
        let tx = self.dead.tx.clone();
        Ok(consume(
            self.dead.rx.clone(),
            16,
            move |letter, count, permit| {
                Box::new(PlainSettle {
                    item: Some((letter, count)),
                    tx: tx.clone(),
                    _permit: permit,
                })
            },
        ))
    }

    async fn health(&self) -> Result<(), QueueError> {
        Ok(())
    }

    fn is_volatile(&self) -> bool {
        true
    }
}

/// A stream over a shared receiver that hands out at most `prefetch` unsettled items.
fn consume<T, F>(
    rx: Arc<Mutex<mpsc::UnboundedReceiver<Item<T>>>>,
    prefetch: u16,
    settle: F,
) -> DeliveryStream<T>
where
    T: Clone + Send + 'static,
    F: Fn(T, u32, OwnedSemaphorePermit) -> Box<dyn Settle> + Send + Sync + 'static,
{
    let permits = Arc::new(Semaphore::new(usize::from(prefetch.max(1))));
    let state = (rx, permits, Arc::new(settle));
    Box::pin(stream::unfold(state, |(rx, permits, settle)| async move {
        let permit = permits.clone().acquire_owned().await.ok()?;
        let (body, count) = rx.lock().await.recv().await?;
        let delivery = Delivery::new(body.clone(), count, settle(body, count, permit));
        Some((delivery, (rx, permits, settle)))
    }))
}

#[derive(Clone)]
struct Requeue {
    lane: mpsc::UnboundedSender<Item<TaskMessage>>,
    dead: mpsc::UnboundedSender<Item<DeadLetter>>,
    limit: u32,
}

impl Requeue {
    fn dead_letter(&self, msg: TaskMessage, reason: &str) -> Result<(), QueueError> {
        let letter = DeadLetter {
            message: Some(msg),
            reason: reason.to_string(),
        };
        self.dead.send((letter, 0)).map_err(|_| QueueError::Closed)
    }
}

struct TaskSettle {
    msg: TaskMessage,
    count: u32,
    back: Requeue,
    _permit: OwnedSemaphorePermit,
}

#[async_trait]
impl Settle for TaskSettle {
    async fn ack(self: Box<Self>) -> Result<(), QueueError> {
        Ok(())
    }

    async fn retry(self: Box<Self>) -> Result<(), QueueError> {
        let next = self.count + 1;
        if next >= self.back.limit {
            return self.back.dead_letter(self.msg, "delivery_limit");
        }
        self.back
            .lane
            .send((self.msg, next))
            .map_err(|_| QueueError::Closed)
    }

    async fn reject(self: Box<Self>) -> Result<(), QueueError> {
        self.back.dead_letter(self.msg, "rejected")
    }
}

/// Events and dead letters are retried without limit: the web process only gives one back
/// when the database is unreachable, and an outcome must never be dropped for that.
struct PlainSettle<T> {
    item: Option<Item<T>>,
    tx: mpsc::UnboundedSender<Item<T>>,
    _permit: OwnedSemaphorePermit,
}

#[async_trait]
impl<T: Send + Sync + 'static> Settle for PlainSettle<T> {
    async fn ack(self: Box<Self>) -> Result<(), QueueError> {
        Ok(())
    }

    async fn retry(mut self: Box<Self>) -> Result<(), QueueError> {
        match self.item.take() {
            Some((body, count)) => self
                .tx
                .send((body, count + 1))
                .map_err(|_| QueueError::Closed),
            None => Ok(()),
        }
    }

    async fn reject(self: Box<Self>) -> Result<(), QueueError> {
        tracing::warn!("in-process event rejected and dropped");
        Ok(())
    }
}
