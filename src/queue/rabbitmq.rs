//! RabbitMQ engine (being written).
