//! What can go wrong talking to RabbitMQ, sorted once into "try again later" and "an
//! operator must act", then mapped onto the engine-neutral [`QueueError`].

use std::time::Duration;

use lapin::protocol::{AMQPErrorKind, AMQPSoftError};

use crate::queue::QueueError;

#[derive(Debug, thiserror::Error)]
pub enum RabbitError {
    #[error("RabbitMQ unreachable: {0}")]
    Unreachable(String),

    #[error(
        "{what} `{name}` already exists on the broker with other settings ({detail}). \
         Delete it after draining its messages (rabbitmqctl delete_queue / \
         rabbitmqadmin delete exchange) so it is declared again, or use another queue.prefix"
    )]
    Mismatch {
        what: &'static str,
        name: String,
        detail: String,
    },

    #[error("the broker refused the message (negative confirm)")]
    Nacked,

    #[error("no queue is bound to exchange `{exchange}` for routing key `{routing_key}`")]
    Unroutable {
        exchange: String,
        routing_key: String,
    },

    #[error("no publisher confirm within {0:?}")]
    ConfirmTimeout(Duration),

    #[error("RabbitMQ did not answer {what} within {after:?}")]
    Stalled { what: &'static str, after: Duration },

    #[error("the broker was closed by this process")]
    Closed,

    #[error(transparent)]
    Protocol(#[from] lapin::Error),
}

impl RabbitError {
    /// Wraps a failed declaration, recognising the broker's "inequivalent arguments" answer.
    pub fn declare(what: &'static str, name: &str, err: lapin::Error) -> RabbitError {
        match err.kind() {
            lapin::ErrorKind::ProtocolError(amqp)
                if *amqp.kind() == AMQPErrorKind::Soft(AMQPSoftError::PRECONDITIONFAILED) =>
            {
                let detail = amqp.get_message().to_string();
                RabbitError::Mismatch {
                    what,
                    name: name.to_string(),
                    detail,
                }
            }
            _ => RabbitError::Protocol(err),
        }
    }

    /// True when waiting and reconnecting cannot help.
    pub fn is_final(&self) -> bool {
        matches!(self, RabbitError::Mismatch { .. } | RabbitError::Closed)
    }

    /// True when a publish may simply be sent again: the connection or channel is gone, or
    /// the broker said no for now (a quorum queue refuses while it elects a leader), and in
    /// both cases a new attempt is the cure.
    pub fn is_resendable(&self) -> bool {
        matches!(
            self,
            RabbitError::Unreachable(_)
                | RabbitError::Protocol(_)
                | RabbitError::Nacked
                | RabbitError::Stalled { .. }
        )
    }
}

impl From<RabbitError> for QueueError {
    fn from(err: RabbitError) -> QueueError {
        match err {
            RabbitError::Mismatch { .. } => QueueError::Topology(err.to_string()),
            RabbitError::Nacked
            | RabbitError::Unroutable { .. }
            | RabbitError::ConfirmTimeout(_) => QueueError::NotConfirmed(err.to_string()),
            RabbitError::Closed => QueueError::Closed,
            RabbitError::Unreachable(_)
            | RabbitError::Protocol(_)
            | RabbitError::Stalled { .. } => QueueError::Connection(err.to_string()),
        }
    }
}

/// Waits for one exchange with the broker for at most `after`. lapin resolves an operation
/// only when its frame is answered or the connection reports an error; a connection that
/// dies between the two (seen when RabbitMQ restarts) leaves the future pending forever,
/// and with it whatever loop awaited it.
pub async fn answer_within<T, E>(
    what: &'static str,
    after: Duration,
    operation: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, RabbitError>
where
    E: Into<RabbitError>,
{
    match tokio::time::timeout(after, operation).await {
        Ok(outcome) => outcome.map_err(Into::into),
        Err(_) => Err(RabbitError::Stalled { what, after }),
    }
}
