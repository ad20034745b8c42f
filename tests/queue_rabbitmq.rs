#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The RabbitMQ engine against a real broker, each test on its own prefix.

#[path = "support/rabbit.rs"]
mod rabbit;

use aigc_studio::queue::rabbitmq::Topology;
use aigc_studio::queue::{Broker, Event, QueueError, RabbitBroker};
use aigc_studio::task::{Lane, TaskType};
use chrono::Utc;
use lapin::options::{QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use rabbit::{
    close_connections_of, next, nothing_more, publish_raw, rabbitmqctl, task, url, Scope, Vhost,
    LIMIT,
};
use serde_json::Value;

#[tokio::test]
async fn tasks_of_both_lanes_and_events_go_round() {
    let scope = Scope::new();
    let broker = scope.broker().await;
    let mut local = broker
        .consume_tasks(Lane::Local, 4)
        .await
        .expect("local stream");
    let mut ai = broker.consume_tasks(Lane::Ai, 4).await.expect("ai stream");
    let mut events = broker.consume_events().await.expect("event stream");

    let resize = task(1, TaskType::Resize);
    let cutout = task(2, TaskType::CropPng);
    broker.publish_task(&resize).await.expect("publish resize");
    broker
        .publish_task(&cutout)
        .await
        .expect("publish crop_png");
    let started = Event::Started {
        task_id: 1,
        attempt: 1,
        at: Utc::now(),
    };
    broker.publish_event(&started).await.expect("publish event");

    let got = next(&mut local).await;
    assert_eq!((&got.body, got.previous_deliveries), (&resize, 0));
    got.ack().await.expect("ack local");
    let got = next(&mut ai).await;
    assert_eq!((&got.body, got.previous_deliveries), (&cutout, 0));
    got.ack().await.expect("ack ai");
    let got = next(&mut events).await;
    assert_eq!(got.body, started);
    got.ack().await.expect("ack event");

    nothing_more(&mut local).await;
    nothing_more(&mut ai).await;
    assert!(broker.health().await.is_ok());
    assert!(!broker.is_volatile());
}

#[tokio::test]
async fn messages_outlive_the_connection_that_published_them() {
    let scope = Scope::new();
    let publisher = scope.broker().await;
    publisher
        .publish_task(&task(3, TaskType::Resize))
        .await
        .expect("publish");
    publisher.close().await;
    let closed = publisher.publish_task(&task(4, TaskType::Resize)).await;
    assert!(matches!(closed, Err(QueueError::Closed)), "got {closed:?}");

    let consumer = scope.broker().await;
    let mut local = consumer
        .consume_tasks(Lane::Local, 1)
        .await
        .expect("stream");
    let got = next(&mut local).await;
    assert_eq!(got.body.order().task_id, 3);
    got.ack().await.expect("ack");
}

#[tokio::test]
async fn retried_task_is_dead_lettered_after_the_delivery_limit() {
    let scope = Scope::new();
    let broker = scope.broker().await;
    let mut ai = broker.consume_tasks(Lane::Ai, 1).await.expect("stream");
    let mut dead = broker.consume_dead_letters().await.expect("dead letters");
    let message = task(5, TaskType::FaceSwap);
    broker.publish_task(&message).await.expect("publish");

    for expected in 0..LIMIT {
        let got = next(&mut ai).await;
        assert_eq!(got.previous_deliveries, expected);
        got.retry().await.expect("retry");
    }

    let letter = next(&mut dead).await;
    assert_eq!(letter.body.message.as_ref(), Some(&message));
    assert_eq!(letter.body.reason, "delivery_limit");
    letter.ack().await.expect("ack dead letter");
    nothing_more(&mut ai).await;
}

#[tokio::test]
async fn rejected_task_is_dead_lettered_at_once() {
    let scope = Scope::new();
    let broker = scope.broker().await;
    let mut local = broker.consume_tasks(Lane::Local, 1).await.expect("stream");
    let mut dead = broker.consume_dead_letters().await.expect("dead letters");
    let message = task(6, TaskType::Watermark);
    broker.publish_task(&message).await.expect("publish");

    next(&mut local).await.reject().await.expect("reject");

    let letter = next(&mut dead).await;
    assert_eq!(letter.body.message.as_ref(), Some(&message));
    assert_eq!(letter.body.reason, "rejected");
    letter.ack().await.expect("ack dead letter");
    nothing_more(&mut local).await;
}

#[tokio::test]
async fn unreadable_body_is_dead_lettered_and_the_stream_goes_on() {
    let scope = Scope::new();
    let broker = scope.broker().await;
    let mut local = broker.consume_tasks(Lane::Local, 2).await.expect("stream");
    let mut dead = broker.consume_dead_letters().await.expect("dead letters");

    let topology = broker.topology();
    publish_raw(
        &topology.tasks_exchange(),
        "local",
        br#"{"type":"task.v9"}"#,
    )
    .await;
    broker
        .publish_task(&task(8, TaskType::Resize))
        .await
        .expect("publish");

    let got = next(&mut local).await;
    assert_eq!(got.body.order().task_id, 8);
    got.ack().await.expect("ack");
    let letter = next(&mut dead).await;
    assert!(letter.body.message.is_none());
    assert_eq!(letter.body.reason, "unreadable");
    letter.ack().await.expect("ack dead letter");
}

#[tokio::test]
async fn prefetch_bounds_unsettled_deliveries() {
    let scope = Scope::new();
    let broker = scope.broker().await;
    let mut local = broker.consume_tasks(Lane::Local, 2).await.expect("stream");
    for task_id in 10..15 {
        broker
            .publish_task(&task(task_id, TaskType::Resize))
            .await
            .expect("publish");
    }

    let first = next(&mut local).await;
    let second = next(&mut local).await;
    nothing_more(&mut local).await;

    first.ack().await.expect("ack");
    let third = next(&mut local).await;
    nothing_more(&mut local).await;
    for delivery in [second, third] {
        delivery.ack().await.expect("ack");
    }
    for _ in 0..2 {
        next(&mut local).await.ack().await.expect("ack");
    }
    nothing_more(&mut local).await;
}

#[tokio::test]
async fn stream_survives_a_closed_connection() {
    let scope = Scope::new();
    let broker = scope.broker().await;
    let mut local = broker.consume_tasks(Lane::Local, 4).await.expect("stream");
    broker
        .publish_task(&task(20, TaskType::Resize))
        .await
        .expect("publish");
    let held = next(&mut local).await;

    close_connections_of(&scope.prefix);

    // The delivery died with its channel: it comes back, and settling the old copy fails
    // harmlessly.
    let again = next(&mut local).await;
    assert_eq!(again.body.order().task_id, 20);
    assert_eq!(again.previous_deliveries, 1);
    assert!(held.ack().await.is_err());
    again.ack().await.expect("ack after reconnect");

    broker
        .publish_task(&task(21, TaskType::Resize))
        .await
        .expect("publish after reconnect");
    next(&mut local).await.ack().await.expect("ack");
}

#[tokio::test]
async fn queue_with_other_arguments_is_reported_clearly() {
    let scope = Scope::new();
    let queue = format!("{}.tasks.ai", scope.prefix);
    let connection = Connection::connect(&url(), ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("channel");
    let classic = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .queue_declare(queue.as_str().into(), classic, FieldTable::default())
        .await
        .expect("declare");

    let options = rabbit::quick();
    let result = RabbitBroker::connect_with(&url(), &scope.prefix, LIMIT, options).await;
    let Err(QueueError::Topology(message)) = result else {
        panic!("expected a topology error");
    };
    assert!(message.contains(&queue), "{message}");
    assert!(message.contains("queue.prefix"), "{message}");
    let _ = connection.close(200, "done".into()).await;
}

#[tokio::test]
async fn declaring_twice_is_harmless() {
    let scope = Scope::new();
    let first = scope.broker().await;
    let second = scope.broker().await;
    first
        .publish_task(&task(30, TaskType::Resize))
        .await
        .expect("publish");
    let mut local = second.consume_tasks(Lane::Local, 1).await.expect("stream");
    next(&mut local).await.ack().await.expect("ack");
    drop(local);
    second.delete_topology().await.expect("delete");
    first.delete_topology().await.expect("delete twice");
}

#[tokio::test]
async fn unroutable_task_is_an_error_not_a_silent_drop() {
    let scope = Scope::new();
    let broker = scope.broker().await;
    let connection = Connection::connect(&url(), ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("channel");
    let queue = broker.topology().task_queue(Lane::Local);
    let options = QueueDeleteOptions::default();
    channel
        .queue_delete(queue.as_str().into(), options)
        .await
        .expect("delete the local queue");

    let result = broker.publish_task(&task(50, TaskType::Resize)).await;
    let Err(QueueError::NotConfirmed(message)) = result else {
        panic!("expected NotConfirmed, got {result:?}");
    };
    assert!(message.contains("no queue is bound"), "{message}");
    let _ = connection.close(200, "done".into()).await;
}

/// `rabbitmq/definitions.json` names what the code declares for the default prefix.
#[test]
fn definitions_file_matches_the_declared_topology() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rabbitmq/definitions.json");
    let text = std::fs::read_to_string(path).expect("read definitions.json");
    let file: Value = serde_json::from_str(&text).expect("definitions.json is JSON");
    let code = Topology::new("aigc", 5).definitions();

    for section in ["exchanges", "queues", "bindings", "policies"] {
        assert_eq!(
            file[section],
            code[section],
            "section `{section}` of definitions.json differs from the code; expected:\n{}",
            serde_json::to_string_pretty(&code[section]).unwrap_or_default()
        );
    }
    let limit = &file["queues"][0]["arguments"]["x-delivery-limit"];
    assert_eq!(
        limit, 4,
        "5 deliveries allowed means 4 returns for RabbitMQ"
    );
}

/// Imported by an operator first, `definitions.json` must leave the binaries nothing to
/// argue with: connecting declares the same objects again and the broker accepts them.
#[tokio::test]
async fn imported_definitions_are_accepted_by_the_code() {
    let vhost = Vhost::new();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rabbitmq/definitions.json");
    let mut definitions: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON");
    for section in ["exchanges", "queues", "bindings", "policies"] {
        for object in definitions[section].as_array_mut().expect("a list") {
            object["vhost"] = Value::from(vhost.name.as_str());
        }
    }
    let file = std::env::temp_dir().join(format!("{}.json", vhost.name));
    std::fs::write(&file, definitions.to_string()).expect("write copy");
    rabbitmqctl(&["import_definitions", file.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_file(&file);
    vhost.wait_for_queues(4).await;

    let url = format!("amqp://guest:guest@127.0.0.1:5672/{}", vhost.name);
    let broker = RabbitBroker::connect_with(&url, "aigc", 5, rabbit::quick())
        .await
        .expect("the code accepts the imported topology");
    broker
        .publish_task(&task(40, TaskType::Resize))
        .await
        .expect("publish");
    let mut local = broker.consume_tasks(Lane::Local, 1).await.expect("stream");
    next(&mut local).await.ack().await.expect("ack");
}
