//! Consumer streams that outlive the connection they started on.
//!
//! Each stream owns one channel (so the prefetch is per stream). When the channel or the
//! connection dies, or the broker cancels the consumer, the stream reconnects with backoff,
//! declares the topology again, subscribes again and goes on yielding. The deliveries that
//! were unsettled on the dead channel are redelivered by RabbitMQ; settling them through the
//! old channel returns an error that the caller may ignore.
//!
//! lapin does not always tell a consumer that its connection died: after a RabbitMQ
//! restart a subscription could sit silent forever while the queue filled. So every
//! exchange with the broker here is bounded in time, and a waiting stream looks at its
//! channel every few seconds and resubscribes when the channel is no longer open.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{stream, Stream, StreamExt};
use lapin::message::Delivery as RawDelivery;
use lapin::options::{BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Consumer};
use tracing::{debug, error, info, warn};

use super::error::{answer_within, RabbitError};
use super::incoming::{delivery_count, settled, Incoming, RabbitSettle};
use super::link::Link;
use crate::queue::{Delivery, DeliveryStream};

#[derive(Clone)]
pub struct Subscription {
    pub link: Arc<Link>,
    pub queue: String,
    pub prefetch: u16,
}

/// The consumer and the channel it lives on; dropping both cancels the consumer and closes
/// the channel, which hands the unsettled deliveries back to the queue.
struct Active {
    channel: Channel,
    consumer: Consumer,
}

/// How often a stream waiting for a delivery checks that its channel is still open.
const CHANNEL_CHECK: Duration = Duration::from_secs(5);

/// Typed deliveries of one queue. A body that does not decode is dead-lettered (nack
/// without requeue) with a warning and the stream goes on.
pub fn typed_stream<T: Incoming>(subscription: Subscription) -> DeliveryStream<T> {
    let queue = subscription.queue.clone();
    let settle_within = subscription.link.options().answer_timeout;
    let deliveries = raw_stream(subscription).filter_map(move |raw| {
        let queue = queue.clone();
        async move { accept::<T>(raw, &queue, settle_within).await }
    });
    Box::pin(deliveries)
}

async fn accept<T: Incoming>(
    raw: RawDelivery,
    queue: &str,
    settle_within: Duration,
) -> Option<Delivery<T>> {
    let previous = delivery_count(&raw.properties);
    let delivery_tag = raw.delivery_tag;
    match T::decode(&raw) {
        Ok(body) => {
            let task_id = body.task_id();
            debug!(
                queue,
                delivery_tag,
                task_id,
                previous_deliveries = previous,
                "received"
            );
            let settle = RabbitSettle::new(raw.acker, queue, delivery_tag, settle_within);
            Some(Delivery::new(body, previous, Box::new(settle)))
        }
        Err(err) => {
            warn!(queue, delivery_tag, error = %err, "unreadable message; dead-lettering it");
            let refuse = BasicNackOptions {
                requeue: false,
                multiple: false,
            };
            let refused = answer_within("a nack", settle_within, raw.acker.nack(refuse)).await;
            if let Err(err) = refused.map_err(|err| err.to_string()).and_then(settled) {
                // The channel is gone; the broker hands the message out again and the next
                // consumer refuses it the same way.
                warn!(queue, delivery_tag, error = %err, "could not refuse unreadable message");
            }
            None
        }
    }
}

/// Raw deliveries of one queue, across reconnects. Ends only when the broker handle is
/// closed.
fn raw_stream(subscription: Subscription) -> impl Stream<Item = RawDelivery> + Send {
    stream::unfold(
        (subscription, None),
        |(subscription, mut active)| async move {
            let raw = subscription.next_raw(&mut active).await?;
            Some((raw, (subscription, active)))
        },
    )
}

impl Subscription {
    /// The next delivery, subscribing again as often as the subscription is lost.
    async fn next_raw(&self, active: &mut Option<Active>) -> Option<RawDelivery> {
        let queue = self.queue.as_str();
        loop {
            let current = match active {
                Some(current) => current,
                None => active.insert(self.open_until_ready().await?),
            };
            let next = tokio::select! {
                next = current.consumer.next() => next,
                () = closed(&current.channel) => {
                    warn!(queue, "channel closed without notice; resubscribing");
                    *active = None;
                    continue;
                }
            };
            match next {
                Some(Ok(raw)) => return Some(raw),
                Some(Err(err)) => warn!(queue, error = %err, "consumer lost; resubscribing"),
                None => warn!(queue, "consumer cancelled by the broker; resubscribing"),
            }
            *active = None;
        }
    }

    /// Subscribes, retrying with backoff until it works. `None` once the broker is closed.
    async fn open_until_ready(&self) -> Option<Active> {
        let options = self.link.options();
        let mut delays = options.backoff();
        let mut attempt: u32 = 1;
        loop {
            let err = match self.open().await {
                Ok(active) => return Some(active),
                Err(RabbitError::Closed) => return None,
                Err(err) => err,
            };
            let delay = options.next_delay(&mut delays);
            let retry_in_ms = delay.as_millis() as u64;
            let queue = self.queue.as_str();
            if err.is_final() {
                // Someone redeclared the queue differently; the stream keeps trying so that
                // it resumes once an operator has fixed the broker.
                error!(queue, attempt, retry_in_ms, error = %err, "cannot subscribe");
            } else {
                warn!(queue, attempt, retry_in_ms, error = %err, "cannot subscribe");
            }
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn open(&self) -> Result<Active, RabbitError> {
        let live = self.link.live().await?;
        // Declared again on every subscribe: the queue may have been deleted while the
        // connection stayed up, and declaring an existing queue costs one round trip.
        self.link.declare(&live.connection).await?;
        let after = self.link.options().answer_timeout;
        answer_within("a subscription", after, self.subscribe(&live.connection)).await
    }

    async fn subscribe(&self, connection: &lapin::Connection) -> Result<Active, RabbitError> {
        let channel = connection.create_channel().await?;
        channel
            .basic_qos(self.prefetch.max(1), BasicQosOptions::default())
            .await?;
        let tag = format!("{}.{}", self.queue, uuid::Uuid::new_v4().simple());
        let options = BasicConsumeOptions::default();
        let (queue, consumer_tag) = (self.queue.as_str().into(), tag.as_str().into());
        let consumer = channel.basic_consume(queue, consumer_tag, options, FieldTable::default());
        let consumer = consumer.await?;
        info!(queue = %self.queue, prefetch = self.prefetch, consumer_tag = %tag, "subscribed");
        Ok(Active { channel, consumer })
    }
}

/// Resolves once `channel` is no longer open; never while it is.
async fn closed(channel: &Channel) {
    while channel.status().connected() {
        tokio::time::sleep(CHANNEL_CHECK).await;
    }
}
