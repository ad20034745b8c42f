//! The work behind each tool. A job reads its inputs from storage, does the work, writes its
//! outputs to storage and returns their URLs with the data for `result_data`. Failures are
//! sorted here, once, into retry, final and stop-the-lane.

mod ai;
mod failure;
mod local;

use std::sync::Arc;

use serde_json::Value;

pub use ai::AiTools;
pub use failure::{FailClass, JobError};

use crate::imaging::{FontSource, ImagingPool, Limits};
use crate::queue::TaskOrder;
use crate::storage::Storage;
use crate::task::Lane;

/// Everything a job may use; one per worker process, shared by its tasks.
#[derive(Clone)]
pub struct JobContext {
    pub storage: Storage,
    pub limits: Limits,
    pub fonts: Arc<FontSource>,
    pub pool: ImagingPool,
    /// The DashScope client; `None` when no key is configured (AI tasks then wait).
    pub ai: Option<Arc<AiTools>>,
}

/// A finished job: its stored outputs (the first is the task's `result_url`) and what goes
/// into `result_data`.
#[derive(Debug, Clone)]
pub struct JobOutput {
    pub result_urls: Vec<String>,
    pub data: Value,
}

/// Runs the task's tool.
pub async fn run(ctx: &JobContext, order: &TaskOrder) -> Result<JobOutput, JobError> {
    match order.task_type.lane() {
        Lane::Local => local::run(ctx, order).await,
        Lane::Ai => ai::run(ctx, order).await,
    }
}

/// Reads `task_params.<key>` as text.
pub(crate) fn param<'a>(order: &'a TaskOrder, key: &str) -> Option<&'a str> {
    order.task_params.get(key).and_then(Value::as_str)
}

/// Reads `task_params.<key>` as a number.
pub(crate) fn param_u32(order: &TaskOrder, key: &str) -> Option<u32> {
    order
        .task_params
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
}
