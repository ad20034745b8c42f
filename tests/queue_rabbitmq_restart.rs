#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A consumer stream and a publisher across a full broker restart.
//!
//! Ignored by default because it stops the shared RabbitMQ for a few seconds, which breaks
//! whatever else is using it. Run it alone:
//! `cargo test --test queue_rabbitmq_restart -- --ignored`

#[path = "support/rabbit.rs"]
mod rabbit;

use std::time::Duration;

use aigc_studio::queue::{Broker, QueueError, RabbitOptions};
use aigc_studio::task::{Lane, TaskType};
use rabbit::{next, rabbitmqctl, task, Scope};

#[tokio::test]
#[ignore = "restarts the shared RabbitMQ; run alone with --ignored"]
async fn stream_and_publisher_survive_a_broker_restart() {
    let scope = Scope::new();
    let broker = scope.broker_with(patient()).await;
    let impatient = scope.broker_with(impatient()).await;
    let mut local = broker.consume_tasks(Lane::Local, 4).await.expect("stream");
    broker
        .publish_task(&task(1, TaskType::Resize))
        .await
        .expect("publish before");
    next(&mut local).await.ack().await.expect("ack before");

    // A worker waiting on its stream while the broker goes away and comes back.
    let waiting = tokio::spawn(async move {
        let got = next(&mut local).await;
        let task_id = got.body.order().task_id;
        got.ack().await.expect("ack after restart");
        task_id
    });

    rabbitmqctl(&["stop_app"]);
    let during = impatient.publish_task(&task(2, TaskType::Resize)).await;
    assert!(
        matches!(during, Err(QueueError::Connection(_))),
        "got {during:?}"
    );
    assert!(broker.health().await.is_err());
    rabbitmqctl(&["start_app"]);

    broker
        .publish_task(&task(3, TaskType::Resize))
        .await
        .expect("publish after restart");
    assert_eq!(waiting.await.expect("consumer task"), 3);
    assert!(broker.health().await.is_ok());
}

/// Waits out the restart: quorum queues need a moment to elect their leaders again.
fn patient() -> RabbitOptions {
    RabbitOptions {
        publish_wait: Duration::from_secs(30),
        ..rabbit::quick()
    }
}

fn impatient() -> RabbitOptions {
    RabbitOptions {
        publish_wait: Duration::from_secs(1),
        ..rabbit::quick()
    }
}
