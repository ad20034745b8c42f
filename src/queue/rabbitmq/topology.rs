//! The exchanges, queues, bindings and policy of one install, described once.
//!
//! The same description is declared by the binaries at start (and after every reconnect)
//! and rendered as RabbitMQ's definitions format, which is what `rabbitmq/definitions.json`
//! holds for the default prefix; a test keeps the two equal.
//!
//! Task queues are quorum queues with a delivery limit that dead-letter into one queue with
//! RabbitMQ's default `at-most-once` strategy. `at-least-once` (which keeps a message in the
//! task queue until the dead-letter queue confirms it, and needs `overflow = reject-publish`)
//! was tried and dropped: on RabbitMQ 3.10 a burst of crashing dead-letter workers, which
//! deleting a freshly restarted queue is enough to cause, stops the node-wide supervisor
//! of those workers, after which every `at-least-once` queue of the node fails to start
//! until the node is restarted (rabbitmq-server issue 16652). A dead task queue would stop
//! all work; with `at-most-once` the worst case is one dead letter lost while the dead-letter
//! queue is unavailable, which leaves its task row `processing` for the sweeper to find.

use lapin::options::{
    ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, Connection, ExchangeKind};
use serde_json::{json, Map, Value};

use super::error::RabbitError;
use crate::task::Lane;

#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeSpec {
    pub name: String,
    /// `direct` or `fanout`.
    pub kind: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueSpec {
    pub name: String,
    /// `x-` arguments, as JSON strings and integers.
    pub arguments: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BindingSpec {
    pub exchange: String,
    pub queue: String,
    pub routing_key: String,
}

/// A policy cannot be declared over AMQP 0-9-1; it lives in `definitions.json` only.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySpec {
    pub name: String,
    pub pattern: String,
    pub definition: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct Topology {
    prefix: String,
    pub exchanges: Vec<ExchangeSpec>,
    pub queues: Vec<QueueSpec>,
    pub bindings: Vec<BindingSpec>,
    pub policies: Vec<PolicySpec>,
}

impl Topology {
    /// `delivery_limit`: deliveries of one task message before it is dead-lettered.
    pub fn new(prefix: &str, delivery_limit: u32) -> Topology {
        let names = Names { prefix };
        let exchanges = vec![
            ExchangeSpec {
                name: names.tasks(),
                kind: "direct",
            },
            ExchangeSpec {
                name: names.dead(),
                kind: "fanout",
            },
            ExchangeSpec {
                name: names.events(),
                kind: "fanout",
            },
        ];
        let mut queues: Vec<QueueSpec> = Lane::ALL
            .into_iter()
            .map(|lane| task_queue(names.task_queue(lane), &names.dead(), delivery_limit))
            .collect();
        queues.push(plain_queue(names.dead_queue()));
        queues.push(plain_queue(names.events()));
        let mut bindings: Vec<BindingSpec> = Lane::ALL
            .into_iter()
            .map(|lane| binding(&names.tasks(), &names.task_queue(lane), lane.as_str()))
            .collect();
        bindings.push(binding(&names.dead(), &names.dead_queue(), ""));
        bindings.push(binding(&names.events(), &names.events(), ""));

        let policies = vec![leader_policy(prefix)];
        Topology {
            prefix: prefix.to_string(),
            exchanges,
            queues,
            bindings,
            policies,
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn tasks_exchange(&self) -> String {
        Names {
            prefix: &self.prefix,
        }
        .tasks()
    }

    pub fn events_exchange(&self) -> String {
        Names {
            prefix: &self.prefix,
        }
        .events()
    }

    pub fn task_queue(&self, lane: Lane) -> String {
        Names {
            prefix: &self.prefix,
        }
        .task_queue(lane)
    }

    pub fn events_queue(&self) -> String {
        Names {
            prefix: &self.prefix,
        }
        .events()
    }

    pub fn dead_queue(&self) -> String {
        Names {
            prefix: &self.prefix,
        }
        .dead_queue()
    }

    /// Declares everything; idempotent. A queue or exchange that already exists with other
    /// settings makes the broker close the channel, reported as [`RabbitError::Mismatch`].
    pub(super) async fn declare(&self, connection: &Connection) -> Result<(), RabbitError> {
        let channel = connection.create_channel().await?;
        self.declare_exchanges(&channel).await?;
        self.declare_queues(&channel).await?;
        for bind in &self.bindings {
            let (options, args) = (QueueBindOptions::default(), FieldTable::default());
            let (queue, exchange) = (&bind.queue, &bind.exchange);
            channel
                .queue_bind(
                    queue.as_str().into(),
                    exchange.as_str().into(),
                    bind.routing_key.as_str().into(),
                    options,
                    args,
                )
                .await?;
        }
        channel.close(200, "topology declared".into()).await?;
        Ok(())
    }

    async fn declare_exchanges(&self, channel: &Channel) -> Result<(), RabbitError> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        for exchange in &self.exchanges {
            let kind = match exchange.kind {
                "fanout" => ExchangeKind::Fanout,
                _ => ExchangeKind::Direct,
            };
            channel
                .exchange_declare(
                    exchange.name.as_str().into(),
                    kind,
                    durable,
                    FieldTable::default(),
                )
                .await
                .map_err(|err| RabbitError::declare("exchange", &exchange.name, err))?;
        }
        Ok(())
    }

    async fn declare_queues(&self, channel: &Channel) -> Result<(), RabbitError> {
        let durable = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        for queue in &self.queues {
            channel
                .queue_declare(
                    queue.name.as_str().into(),
                    durable,
                    field_table(&queue.arguments),
                )
                .await
                .map_err(|err| RabbitError::declare("queue", &queue.name, err))?;
        }
        Ok(())
    }

    /// Deletes every queue and exchange of this prefix, messages included. For tests and
    /// for operators tearing an install down; missing objects are not an error.
    pub(super) async fn delete(&self, connection: &Connection) -> Result<(), RabbitError> {
        let channel = connection.create_channel().await?;
        for queue in &self.queues {
            channel
                .queue_delete(queue.name.as_str().into(), QueueDeleteOptions::default())
                .await?;
        }
        for exchange in &self.exchanges {
            channel
                .exchange_delete(
                    exchange.name.as_str().into(),
                    ExchangeDeleteOptions::default(),
                )
                .await?;
        }
        channel.close(200, "topology deleted".into()).await?;
        Ok(())
    }

    /// The description in RabbitMQ's definitions format (for the default vhost `/`).
    pub fn definitions(&self) -> Value {
        let exchanges: Vec<Value> = self.exchanges.iter().map(exchange_definition).collect();
        let queues: Vec<Value> = self.queues.iter().map(queue_definition).collect();
        let bindings: Vec<Value> = self.bindings.iter().map(binding_definition).collect();
        let policies: Vec<Value> = self.policies.iter().map(policy_definition).collect();
        json!({
            "exchanges": exchanges,
            "queues": queues,
            "bindings": bindings,
            "policies": policies,
        })
    }
}

struct Names<'a> {
    prefix: &'a str,
}

impl Names<'_> {
    fn tasks(&self) -> String {
        format!("{}.tasks", self.prefix)
    }

    fn task_queue(&self, lane: Lane) -> String {
        format!("{}.tasks.{}", self.prefix, lane.as_str())
    }

    fn dead(&self) -> String {
        format!("{}.dead", self.prefix)
    }

    fn dead_queue(&self) -> String {
        format!("{}.tasks.dead", self.prefix)
    }

    fn events(&self) -> String {
        format!("{}.events", self.prefix)
    }
}

/// RabbitMQ counts a message's returns and dead-letters it once they exceed
/// `x-delivery-limit`, so a limit of N allows N + 1 deliveries. The product's setting counts
/// deliveries (as the in-process engine does), hence the minus one.
pub fn broker_delivery_limit(delivery_limit: u32) -> u32 {
    delivery_limit.max(1) - 1
}

fn task_queue(name: String, dead_exchange: &str, delivery_limit: u32) -> QueueSpec {
    let mut arguments = quorum();
    arguments.insert(
        "x-delivery-limit".into(),
        broker_delivery_limit(delivery_limit).into(),
    );
    arguments.insert("x-dead-letter-exchange".into(), dead_exchange.into());
    arguments.insert("x-dead-letter-strategy".into(), "at-most-once".into());
    QueueSpec { name, arguments }
}

/// Events and dead letters carry no delivery limit: they are only handed back while the
/// database is unreachable, and an outcome must not be dropped for that. (RabbitMQ 4 gives
/// quorum queues a default limit of 20; there, a policy with `delivery-limit = -1` lifts it.)
fn plain_queue(name: String) -> QueueSpec {
    QueueSpec {
        name,
        arguments: quorum(),
    }
}

fn quorum() -> Map<String, Value> {
    let mut arguments = Map::new();
    arguments.insert("x-queue-type".into(), "quorum".into());
    arguments
}

fn binding(exchange: &str, queue: &str, routing_key: &str) -> BindingSpec {
    BindingSpec {
        exchange: exchange.to_string(),
        queue: queue.to_string(),
        routing_key: routing_key.to_string(),
    }
}

/// Spreads the leaders of the quorum queues over the nodes of a cluster instead of placing
/// them all on the node the first worker happened to connect to. Harmless on one node.
fn leader_policy(prefix: &str) -> PolicySpec {
    let mut definition = Map::new();
    definition.insert("queue-leader-locator".into(), "balanced".into());
    PolicySpec {
        name: format!("{prefix}.quorum-leaders"),
        pattern: format!("^{}\\.", regex_escape(prefix)),
        definition,
    }
}

fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() && c != '_' {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn field_table(arguments: &Map<String, Value>) -> FieldTable {
    let mut table = FieldTable::default();
    for (key, value) in arguments {
        let value = match value {
            Value::Number(n) => AMQPValue::LongLongInt(n.as_i64().unwrap_or_default()),
            Value::Bool(b) => AMQPValue::Boolean(*b),
            other => AMQPValue::LongString(LongString::from(other.as_str().unwrap_or_default())),
        };
        table.insert(key.as_str().into(), value);
    }
    table
}

fn exchange_definition(exchange: &ExchangeSpec) -> Value {
    json!({
        "name": exchange.name,
        "vhost": "/",
        "type": exchange.kind,
        "durable": true,
        "auto_delete": false,
        "internal": false,
        "arguments": {},
    })
}

fn queue_definition(queue: &QueueSpec) -> Value {
    json!({
        "name": queue.name,
        "vhost": "/",
        "durable": true,
        "auto_delete": false,
        "arguments": queue.arguments,
    })
}

fn binding_definition(bind: &BindingSpec) -> Value {
    json!({
        "source": bind.exchange,
        "vhost": "/",
        "destination": bind.queue,
        "destination_type": "queue",
        "routing_key": bind.routing_key,
        "arguments": {},
    })
}

fn policy_definition(policy: &PolicySpec) -> Value {
    json!({
        "vhost": "/",
        "name": policy.name,
        "pattern": policy.pattern,
        "apply-to": "queues",
        "definition": policy.definition,
        "priority": 0,
    })
}
