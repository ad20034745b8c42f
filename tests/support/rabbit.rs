//! Shared by the RabbitMQ tests: a broker on a unique prefix that deletes its exchanges and
//! queues when the test ends, passed or failed. Each test file uses a part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use aigc_studio::queue::rabbitmq::Topology;
use aigc_studio::queue::TaskOrder;
use aigc_studio::queue::{Delivery, DeliveryStream, RabbitBroker, RabbitOptions, TaskMessage};
use aigc_studio::task::TaskType;
use futures_util::StreamExt;
use lapin::options::{BasicPublishOptions, ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{BasicProperties, Connection, ConnectionProperties};

pub const LIMIT: u32 = 3;

/// `AIGC_TEST_AMQP_URL`, or the local broker.
pub fn url() -> String {
    std::env::var("AIGC_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_string())
}

/// Short pauses so that reconnect tests finish in seconds.
pub fn quick() -> RabbitOptions {
    RabbitOptions {
        publish_wait: Duration::from_secs(5),
        confirm_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        answer_timeout: Duration::from_secs(5),
        reconnect_min: Duration::from_millis(50),
        reconnect_max: Duration::from_millis(500),
        tls_ca_pem: None,
    }
}

/// A unique prefix; its topology is deleted when this value is dropped.
pub struct Scope {
    pub prefix: String,
}

impl Scope {
    pub fn new() -> Scope {
        init_tracing();
        Scope {
            prefix: format!("test-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    pub async fn broker(&self) -> Arc<RabbitBroker> {
        self.broker_with(quick()).await
    }

    pub async fn broker_with(&self, options: RabbitOptions) -> Arc<RabbitBroker> {
        RabbitBroker::connect_with(&url(), &self.prefix, LIMIT, options)
            .await
            .expect("connect to RabbitMQ (is it running on 127.0.0.1:5672?)")
    }
}

impl Drop for Scope {
    /// Deleted over a connection of its own, without declaring anything, so that cleanup
    /// works even after a test that left a mismatching queue behind. A thread with its own
    /// runtime, because the test's runtime may be shutting down.
    fn drop(&mut self) {
        let prefix = self.prefix.clone();
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let runtime = runtime.expect("cleanup runtime");
            runtime.block_on(delete_everything(&prefix));
        });
        let _ = cleanup.join();
    }
}

async fn delete_everything(prefix: &str) {
    let topology = Topology::new(prefix, LIMIT);
    let Ok(connection) = Connection::connect(&url(), ConnectionProperties::default()).await else {
        return;
    };
    if let Ok(channel) = connection.create_channel().await {
        for queue in &topology.queues {
            let _ = channel
                .queue_delete(queue.name.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        for exchange in &topology.exchanges {
            let _ = channel
                .exchange_delete(
                    exchange.name.as_str().into(),
                    ExchangeDeleteOptions::default(),
                )
                .await;
        }
    }
    let _ = connection.close(200, "test cleanup".into()).await;
}

/// Logs of the engine with `RUST_LOG=aigc_studio=debug cargo test ... -- --nocapture`.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

pub fn task(task_id: i64, task_type: TaskType) -> TaskMessage {
    TaskMessage::V1(TaskOrder {
        task_id,
        user_id: 7,
        batch_id: "batch-1".to_string(),
        task_type,
        task_params: serde_json::json!({"image": "http://x/temp/a.jpg", "action": task_type}),
        attempt: 1,
    })
}

/// The next delivery, failing the test after a few seconds.
pub async fn next<T>(stream: &mut DeliveryStream<T>) -> Delivery<T> {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("a delivery within 10 s")
        .expect("the stream goes on")
}

/// Asserts that nothing arrives for a moment.
pub async fn nothing_more<T>(stream: &mut DeliveryStream<T>) {
    let waited = tokio::time::timeout(Duration::from_millis(500), stream.next()).await;
    assert!(waited.is_err(), "no further delivery expected");
}

/// A message that bypasses the typed publisher, as a foreign or future producer might send.
pub async fn publish_raw(exchange: &str, routing_key: &str, body: &[u8]) {
    let connection = Connection::connect(&url(), ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("channel");
    let options = BasicPublishOptions::default();
    let properties = BasicProperties::default().with_delivery_mode(2);
    let confirm = channel.basic_publish(
        exchange.into(),
        routing_key.into(),
        options,
        body,
        properties,
    );
    confirm
        .await
        .expect("publish raw")
        .await
        .expect("raw publish sent");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = connection.close(200, "done".into()).await;
}

/// Forces the broker to drop this prefix's connections, as a network failure would.
pub fn close_connections_of(prefix: &str) {
    let listed = std::process::Command::new("rabbitmqctl")
        .args([
            "list_connections",
            "-q",
            "--no-table-headers",
            "pid",
            "client_properties",
        ])
        .output()
        .expect("rabbitmqctl list_connections");
    let listed = String::from_utf8_lossy(&listed.stdout);
    let mine = format!("aigc-studio ({prefix})");
    let pids: Vec<&str> = listed
        .lines()
        .filter(|line| line.contains(&mine))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(!pids.is_empty(), "no connection named {mine} in:\n{listed}");
    for pid in pids {
        let status = std::process::Command::new("rabbitmqctl")
            .args(["close_connection", pid, "test: simulated failure"])
            .status()
            .expect("rabbitmqctl close_connection");
        assert!(status.success());
    }
}

/// A vhost of its own, deleted when the test ends.
pub struct Vhost {
    pub name: String,
}

impl Vhost {
    pub fn new() -> Vhost {
        let name = format!("test-defs-{}", uuid::Uuid::new_v4().simple());
        rabbitmqctl(&["add_vhost", &name]);
        rabbitmqctl(&["set_permissions", "-p", &name, "guest", ".*", ".*", ".*"]);
        Vhost { name }
    }

    /// The import runs in the background on the broker.
    pub async fn wait_for_queues(&self, count: usize) {
        for _ in 0..50 {
            let listed = std::process::Command::new("rabbitmqctl")
                .args([
                    "list_queues",
                    "-q",
                    "--no-table-headers",
                    "-p",
                    &self.name,
                    "name",
                ])
                .output()
                .expect("rabbitmqctl list_queues");
            if String::from_utf8_lossy(&listed.stdout).lines().count() >= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the definitions import did not finish");
    }
}

impl Drop for Vhost {
    /// Best effort: a second panic while a failed test unwinds would abort the run.
    fn drop(&mut self) {
        let _ = std::process::Command::new("rabbitmqctl")
            .args(["delete_vhost", &self.name])
            .output();
    }
}

pub fn rabbitmqctl(args: &[&str]) {
    let output = std::process::Command::new("rabbitmqctl")
        .args(args)
        .output();
    let output = output.expect("run rabbitmqctl");
    assert!(output.status.success(), "rabbitmqctl {args:?}: {output:?}");
}
