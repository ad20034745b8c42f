//! Publishing with confirms: a publish returns once the broker has the message on disk in
//! its queue, or says why not.
//!
//! During an outage a publish keeps reconnecting for at most `RabbitOptions::publish_wait`
//! and then fails with `QueueError::Connection`. A bounded wait keeps web requests and worker
//! shutdowns from hanging on a broker that is down for long; nothing is lost by giving up,
//! because the task row stays `pending` and the sweeper publishes it again later.
//!
//! A message whose confirm was lost with the connection is sent again on the new one, so a
//! consumer may see it twice; the recorder and the workers are idempotent for that reason.
//! A negative confirm is sent again too (the broker did not keep the message). A confirm
//! that does not come in time is not: the broker may have the message, and the caller, who
//! knows whether a duplicate matters, decides.

use std::time::Instant;

use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Channel, Confirmation};
use tracing::{debug, warn};

use super::error::{answer_within, RabbitError};
use super::link::Link;

/// Where a message goes and what identifies it.
pub struct Envelope<'a> {
    pub exchange: &'a str,
    pub routing_key: &'a str,
    pub message_id: &'a str,
    pub body: &'a [u8],
}

impl Link {
    pub async fn publish(&self, envelope: &Envelope<'_>) -> Result<(), RabbitError> {
        let bound = self.options().publish_wait;
        let started = Instant::now();
        let mut delays = self.options().backoff();
        loop {
            let remaining = bound.saturating_sub(started.elapsed());
            let live = self.live_within(Some(remaining)).await?;
            let err = match self.publish_once(&live.publisher, envelope).await {
                Ok(()) => return Ok(()),
                Err(err) if err.is_resendable() => err,
                Err(err) => return Err(err),
            };

            let delay = self.options().next_delay(&mut delays);
            if started.elapsed() + delay > bound {
                return Err(err);
            }
            warn!(
                exchange = envelope.exchange,
                message_id = envelope.message_id,
                error = %err,
                "publish not taken; sending again"
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn publish_once(
        &self,
        channel: &Channel,
        envelope: &Envelope<'_>,
    ) -> Result<(), RabbitError> {
        let (send_within, confirm_within) = (
            self.options().answer_timeout,
            self.options().confirm_timeout,
        );
        let send = publish_frames(channel, envelope);
        let confirm = answer_within("a publish", send_within, send).await?;
        let confirmation = tokio::time::timeout(confirm_within, confirm)
            .await
            .map_err(|_| RabbitError::ConfirmTimeout(confirm_within))??;
        confirmed(confirmation, envelope)
    }
}

async fn publish_frames(
    channel: &Channel,
    envelope: &Envelope<'_>,
) -> Result<lapin::PublisherConfirm, lapin::Error> {
    let properties = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(envelope.message_id.into());
    // Mandatory: a message that no queue takes comes back as an error instead of vanishing.
    let options = BasicPublishOptions {
        mandatory: true,
        ..Default::default()
    };
    let exchange = envelope.exchange.into();
    let routing_key = envelope.routing_key.into();

    channel
        .basic_publish(exchange, routing_key, options, envelope.body, properties)
        .await
}

/// A positive confirm that carries the message back means no queue took it (mandatory).
fn confirmed(confirmation: Confirmation, envelope: &Envelope<'_>) -> Result<(), RabbitError> {
    let (exchange, routing_key) = (envelope.exchange, envelope.routing_key);
    match confirmation {
        Confirmation::Ack(None) => {
            let message_id = envelope.message_id;
            debug!(exchange, routing_key, message_id, "publish confirmed");
            Ok(())
        }
        Confirmation::Ack(Some(_)) => Err(RabbitError::Unroutable {
            exchange: exchange.to_string(),
            routing_key: routing_key.to_string(),
        }),
        Confirmation::Nack(_) => Err(RabbitError::Nacked),
        // The publisher channel is always put in confirm mode, so this means a broken setup.
        Confirmation::NotRequested => Err(RabbitError::Nacked),
    }
}
