//! The AI tools: what each sends to `qwen-image-edit-plus`, and the local work that turns the
//! model's answer into the exact deliverable (see `imaging::ai`).

mod call;
mod cutout;
mod edit;
mod prompts;
mod store;

use std::sync::Arc;

use serde_json::Value;

pub use call::AiTools;

use super::{JobContext, JobError, JobOutput};
use crate::queue::TaskOrder;
use crate::task::TaskType;
use crate::tools::AiOptions;

pub async fn run(ctx: &JobContext, order: &TaskOrder) -> Result<JobOutput, JobError> {
    let tools = ctx.ai.clone().ok_or_else(not_configured)?;
    let options = order
        .task_params
        .get("options")
        .cloned()
        .unwrap_or(Value::Null);
    let options: AiOptions = parse(order.task_type, options)?;
    let job = call::AiJob::start(ctx, tools, order).await?;
    match options {
        AiOptions::RemoveDefect(o) => edit::remove_defect(job, &o).await,
        AiOptions::CropPng(o) => cutout::crop_png(job, &o).await,
        AiOptions::WhiteBg(o) => cutout::white_bg(job, &o).await,
        AiOptions::FaceSwap(_) => edit::face_swap(job).await,
        AiOptions::MultiAngle(o) => edit::multi_angle(job, &o).await,
        AiOptions::Other(o) => edit::other(job, &o).await,
    }
}

/// No key anywhere: nothing on the AI lane can run until an operator sets one, so the lane
/// pauses and its tasks wait rather than fail.
fn not_configured() -> JobError {
    JobError {
        class: super::FailClass::StopLane,
        code: "api_key_missing".into(),
        message: "AI 服务未配置 API Key，任务已暂停排队；请管理员配置 dashscope.api_key 或 ALIYUN_API_KEY".into(),
        data: serde_json::json!({}),
    }
}

/// The options were checked at submission; here they are only read back into their type.
fn parse(task_type: TaskType, options: Value) -> Result<AiOptions, JobError> {
    let parsed = crate::tools::ToolOptions::parse(task_type, &options)
        .map_err(|e| JobError::final_error("bad_task_params", e.to_string()))?;
    match parsed {
        crate::tools::ToolOptions::Ai(ai) => Ok(ai),
        _ => Err(JobError::final_error(
            "wrong_lane",
            format!("{task_type} 不是 AI 工具"),
        )),
    }
}

pub(crate) type SharedTools = Arc<AiTools>;
