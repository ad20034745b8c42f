//! What travels through the queues: ids and parameters, never image bytes.
//!
//! Every message carries a `type` tag that includes its version, so a consumer that meets a
//! newer message it cannot read refuses it (it goes to the dead-letter queue) instead of
//! guessing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::task::{Lane, TaskId, TaskType, UserId};

/// One task for a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum TaskMessage {
    #[serde(rename = "task.v1")]
    V1(TaskOrder),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskOrder {
    pub task_id: TaskId,
    pub user_id: UserId,
    pub batch_id: String,
    pub task_type: TaskType,
    pub task_params: Value,
    /// Starts at 1; a retry from the task page publishes the next attempt. Events carry it
    /// back so that a late event of an old attempt cannot overwrite the new one.
    pub attempt: u32,
}

/// What a worker tells the recorder about a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    #[serde(rename = "task.started.v1")]
    Started {
        task_id: TaskId,
        attempt: u32,
        at: DateTime<Utc>,
    },
    #[serde(rename = "task.completed.v1")]
    Completed {
        task_id: TaskId,
        attempt: u32,
        at: DateTime<Utc>,
        result_url: String,
        result_urls: Vec<String>,
        result_data: Value,
    },
    #[serde(rename = "task.failed.v1")]
    Failed {
        task_id: TaskId,
        attempt: u32,
        at: DateTime<Utc>,
        code: String,
        message: String,
        result_data: Value,
    },
    /// The task went back to the queue because its lane is paused (a wrong key, an account
    /// in arrears): it waits, with a message for the user, instead of failing.
    #[serde(rename = "task.waiting.v1")]
    Waiting {
        task_id: TaskId,
        attempt: u32,
        at: DateTime<Utc>,
        code: String,
        message: String,
    },
}

impl TaskMessage {
    pub fn order(&self) -> &TaskOrder {
        match self {
            TaskMessage::V1(order) => order,
        }
    }

    pub fn lane(&self) -> Lane {
        self.order().task_type.lane()
    }
}

impl Event {
    pub fn task_id(&self) -> TaskId {
        match self {
            Event::Started { task_id, .. }
            | Event::Completed { task_id, .. }
            | Event::Failed { task_id, .. }
            | Event::Waiting { task_id, .. } => *task_id,
        }
    }

    pub fn attempt(&self) -> u32 {
        match self {
            Event::Started { attempt, .. }
            | Event::Completed { attempt, .. }
            | Event::Failed { attempt, .. }
            | Event::Waiting { attempt, .. } => *attempt,
        }
    }
}
