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
            RabbitError::Unreachable(_) | RabbitError::Protocol(_) | RabbitError::Nacked
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
            RabbitError::Unreachable(_) | RabbitError::Protocol(_) => {
                QueueError::Connection(err.to_string())
            }
        }
    }
}
