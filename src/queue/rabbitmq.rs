//! Temporary: replaced by the RabbitMQ engine when it lands.
use std::sync::Arc;

use super::QueueError;

pub struct RabbitBroker;

impl RabbitBroker {
    pub async fn connect(
        _url: &str,
        _prefix: &str,
        _limit: u32,
    ) -> Result<Arc<super::MemoryBroker>, QueueError> {
        Err(QueueError::Connection(
            "RabbitMQ engine not built yet".into(),
        ))
    }
}
