use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::view::task_json;
use crate::batch::{Submission, SubmitError};
use crate::storage::{download_name, StorageError};
use crate::store::TaskFilter;
use crate::task::{TaskId, TaskStatus, TaskType};
use crate::web::session::CurrentUser;
use crate::web::{ApiError, ApiResult, AppState};

#[derive(Deserialize)]
pub struct CreateBody {
    task_type: String,
    #[serde(default)]
    images: Vec<String>,
    #[serde(default)]
    options: Value,
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<CreateBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let submission = Submission {
        task_type: body.task_type,
        images: body.images,
        options: body.options,
    };
    let batch = state
        .submitter
        .submit(user.user_id, submission)
        .await
        .map_err(|err| match err {
            SubmitError::Invalid {
                code,
                field,
                message,
            } => ApiError::invalid(code, format!("{field}: {message}")),
            SubmitError::Store(err) => err.into(),
        })?;
    let tasks: Vec<Value> = batch
        .tasks
        .iter()
        .map(|(id, image)| json!({"task_id": id, "task_status": "pending", "image": image}))
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(json!({"batch_id": batch.batch_id, "tasks": tasks})),
    ))
}

#[derive(Deserialize)]
pub struct ListQuery {
    batch_id: Option<String>,
    status: Option<String>,
    task_type: Option<String>,
    limit: Option<u32>,
    before: Option<TaskId>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let filter = filter_of(query)?;
    let rows = state.db.list_tasks(user.user_id, &filter).await?;
    let next_before = (rows.len() == filter.limit as usize).then(|| rows.last().map(|r| r.id));
    let tasks: Vec<Value> = rows.iter().map(task_json).collect();
    let mut body = json!({"tasks": tasks, "next_before": next_before.flatten()});
    if let Some(batch_id) = &filter.batch_id {
        body["batch_cost"] = batch_cost(&state, user.user_id, batch_id).await?;
    }
    Ok(Json(body))
}

/// What a batch cost: the model images billed over all its tasks (each output image of
/// each call is billed; failed calls cost nothing).
async fn batch_cost(state: &AppState, user_id: i64, batch_id: &str) -> ApiResult<Value> {
    let rows = state.db.batch_tasks(user_id, batch_id).await?;
    let images: u64 = rows
        .iter()
        .filter_map(|r| r.data()["cost"]["images"].as_u64())
        .sum();
    let calls: u64 = rows
        .iter()
        .filter_map(|r| r.data()["cost"]["calls"].as_u64())
        .sum();
    Ok(json!({"images": images, "calls": calls, "tasks": rows.len()}))
}

fn filter_of(query: ListQuery) -> ApiResult<TaskFilter> {
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            TaskStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("invalid_query", "status: 不支持的状态"))?,
        ),
        None => None,
    };
    let task_type = match query.task_type.as_deref().filter(|s| !s.is_empty()) {
        Some(t) => Some(
            TaskType::parse(t)
                .ok_or_else(|| ApiError::invalid("invalid_query", "task_type: 不支持的工具类型"))?,
        ),
        None => None,
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid(
            "invalid_query",
            "limit: 必须在 1 到 200 之间",
        ));
    }
    let batch_id = query.batch_id.filter(|b| !b.is_empty());
    Ok(TaskFilter {
        batch_id,
        status,
        task_type,
        before: query.before,
        limit,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TaskId>,
) -> ApiResult<Json<Value>> {
    let row = state
        .db
        .task_of(user.user_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("任务"))?;
    Ok(Json(task_json(&row)))
}

#[derive(Deserialize)]
pub struct ResultQuery {
    /// Which output of a task that made several (0-based).
    index: Option<usize>,
}

pub async fn result(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TaskId>,
    Query(query): Query<ResultQuery>,
) -> ApiResult<Response> {
    let row = state
        .db
        .task_of(user.user_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("任务"))?;
    let urls = task_json(&row)["result_urls"].clone();
    let url = urls
        .get(query.index.unwrap_or(0))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::not_found("结果"))?
        .to_string();
    let bytes = state
        .storage
        .read_result(&url)
        .await
        .map_err(|e| unreadable_result(id, &e))?;
    Ok(file_response(bytes, &download_name(&url)))
}

fn unreadable_result(id: TaskId, err: &StorageError) -> ApiError {
    if err.is_missing() {
        // Removed by hand or after `storage.keep_days`: the task itself stays listed.
        tracing::info!(task_id = id, error = %err, "result file no longer stored");
        return ApiError::new(
            StatusCode::GONE,
            "result_removed",
            "结果文件已不在服务器上（超过保存期限的文件会被自动清理）",
        );
    }
    match err {
        StorageError::ForeignUrl(_) => ApiError::not_found("结果文件"),
        _ => ApiError::unavailable(err),
    }
}

pub fn file_response(bytes: Vec<u8>, file_name: &str) -> Response {
    let mime = crate::storage::content_type_of(file_name);
    let disposition = content_disposition(file_name);
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266), so Chinese file names
/// survive in every browser.
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

pub async fn retry(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TaskId>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if let Some(row) = state.submitter.retry(user.user_id, id).await? {
        return Ok((StatusCode::ACCEPTED, Json(task_json(&row))));
    }
    match state.db.task_of(user.user_id, id).await? {
        None => Err(ApiError::not_found("任务")),
        Some(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_failed",
            "只有失败的任务可以重试",
        )),
    }
}
