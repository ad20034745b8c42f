//! What an operator does to a whole batch at once.
//!
//! - `POST /api/batches/{batch_id}/retry`: every failed task queued again, so a batch of a
//!   hundred that ended with a few failures (the service was down for a minute, say) does
//!   not take a hundred clicks.
//! - `POST /api/batches/{batch_id}/cancel`: every task not started yet ends as cancelled, so
//!   a batch sent with the wrong tool or options stops before it costs more model calls.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::view::task_json;
use crate::task::TaskStatus;
use crate::web::session::CurrentUser;
use crate::web::{ApiError, ApiResult, AppState};

pub async fn retry_failed(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(batch_id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let rows = state.db.batch_tasks(user.user_id, &batch_id).await?;
    if rows.is_empty() {
        return Err(ApiError::not_found("批次"));
    }
    let mut retried = Vec::new();
    for row in rows.iter().filter(|r| r.status() == TaskStatus::Failed) {
        // A task that stopped being failed in the meantime (retried from another tab) is
        // simply not in the answer.
        if let Some(again) = state.submitter.retry(user.user_id, row.id).await? {
            retried.push(task_json(&again));
        }
    }
    if retried.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "nothing_to_retry",
            "这一批没有失败的任务",
        ));
    }
    tracing::info!(
        batch_id,
        tasks = retried.len(),
        "failed tasks of a batch retried"
    );
    let body = json!({"batch_id": batch_id, "retried": retried.len(), "tasks": retried});
    Ok((StatusCode::ACCEPTED, Json(body)))
}

pub async fn cancel_pending(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(batch_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let data = json!({"error": {"code": "cancelled", "message": "已取消：这一批被操作员取消，任务没有处理"}});
    let cancelled = state
        .db
        .cancel_pending(user.user_id, &batch_id, &data)
        .await?;
    if cancelled == 0 {
        // Only now is it worth telling an unknown batch from one with nothing queued.
        if state
            .db
            .batch_tasks(user.user_id, &batch_id)
            .await?
            .is_empty()
        {
            return Err(ApiError::not_found("批次"));
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "nothing_to_cancel",
            "这一批没有还在排队的任务",
        ));
    }
    tracing::info!(
        batch_id,
        tasks = cancelled,
        "pending tasks of a batch cancelled"
    );
    Ok(Json(json!({"batch_id": batch_id, "cancelled": cancelled})))
}
