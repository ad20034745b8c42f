//! `POST /api/uploads`: each file is held to the byte limit while it streams, its format is
//! sniffed from its bytes (never from its name), its pixel count is checked from the header
//! before decoding, and a full decode proves it is not damaged. A refused file is named with
//! its reason; the other files of the request go on.

use axum::extract::multipart::{Field, Multipart};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};

use crate::imaging::{self, Limits, Probe};
use crate::storage::random_token;
use crate::store::UploadRow;
use crate::web::session::CurrentUser;
use crate::web::{ApiError, ApiResult, AppState};

struct Refused {
    name: String,
    code: &'static str,
    message: String,
}

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = 0usize;
    while let Some(field) = next_field(&mut multipart).await? {
        if !matches!(field.name(), Some("files" | "files[]" | "file")) {
            continue;
        }
        seen += 1;
        let name = field.file_name().unwrap_or("未命名").to_string();
        match accept(&state, user.user_id, field, &name, seen).await? {
            Ok(file) => files.push(file),
            Err(refused) => errors.push(refused),
        }
    }
    Ok(answer(files, errors, seen))
}

async fn next_field(multipart: &mut Multipart) -> ApiResult<Option<Field<'_>>> {
    multipart.next_field().await.map_err(|e| {
        ApiError::new(
            e.status(),
            "bad_multipart",
            format!("上传数据不完整：{}", e.body_text()),
        )
    })
}

fn answer(files: Vec<Value>, errors: Vec<Refused>, seen: usize) -> (StatusCode, Json<Value>) {
    let errors: Vec<Value> = errors
        .into_iter()
        .map(|r| json!({"name": r.name, "code": r.code, "message": r.message}))
        .collect();
    if seen == 0 {
        let error = json!({"code": "no_files", "message": "没有收到文件（表单字段名应为 files）"});
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": error, "files": [], "errors": []})),
        );
    }
    if files.is_empty() {
        let error = json!({"code": "no_valid_files", "message": "所有文件都未通过检查"});
        let body = json!({"error": error, "files": [], "errors": errors});
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body));
    }
    (
        StatusCode::CREATED,
        Json(json!({"files": files, "errors": errors})),
    )
}

/// Reads, checks and stores one file. The outer error is ours (storage, database); the inner
/// one is the file's fault and is reported next to its name.
async fn accept(
    state: &AppState,
    user_id: i64,
    field: Field<'_>,
    name: &str,
    position: usize,
) -> ApiResult<Result<Value, Refused>> {
    let limits = &state.settings.limits;
    let refuse = |code, message: String| {
        Ok(Err(Refused {
            name: name.to_string(),
            code,
            message,
        }))
    };
    if position > limits.files_per_batch {
        drain(field).await;
        let msg = format!(
            "一次最多上传 {} 个文件，{name} 未上传",
            limits.files_per_batch
        );
        return refuse("too_many_files", msg);
    }
    let Some(bytes) = read_limited(field, limits.file_bytes).await? else {
        let mb = limits.file_bytes as f64 / 1_048_576.0;
        return refuse(
            "file_too_large",
            format!("{name} 超过 {mb:.0} MB 的大小限制"),
        );
    };
    let (bytes, checked) = check(bytes, limits.pixels()).await?;
    let probe = match checked {
        Ok(probe) => probe,
        Err(err) => return refuse(err.code(), format!("{name}：{}", err.message_zh())),
    };
    Ok(Ok(store(state, user_id, name, &bytes, &probe).await?))
}

/// Decodes off the async threads; the bytes go there and come back instead of being copied,
/// since a file may be 20 MB and a batch a hundred files.
async fn check(bytes: Vec<u8>, limits: Limits) -> ApiResult<(Vec<u8>, CheckResult)> {
    tokio::task::spawn_blocking(move || {
        let result = imaging::validate_upload(&bytes, &limits);
        (bytes, result)
    })
    .await
    .map_err(|e| ApiError::internal(&e))
}

type CheckResult = Result<Probe, imaging::ImagingError>;

/// The whole field, or `None` as soon as it passes `max` bytes (the rest is read and
/// discarded so the next file can follow).
async fn read_limited(mut field: Field<'_>, max: u64) -> ApiResult<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if (bytes.len() + chunk.len()) as u64 > max {
            drain(field).await;
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(status, "request_too_large", "本次上传的总大小超过限制");
    }
    ApiError::new(status, "bad_multipart", "上传数据不完整，请重试")
}

async fn drain(mut field: Field<'_>) {
    while let Ok(Some(_)) = field.chunk().await {}
}

async fn store(
    state: &AppState,
    user_id: i64,
    original_name: &str,
    bytes: &[u8],
    probe: &Probe,
) -> ApiResult<Value> {
    let stored = format!("{}.{}", random_token(16), probe.format.extension());
    let url = state
        .storage
        .write_upload(&stored, bytes)
        .await
        .map_err(|e| ApiError::unavailable(&e))?;
    let row = UploadRow {
        name: stored,
        user_id,
        original_name: original_name.chars().take(255).collect(),
        format: probe.format.extension().to_string(),
        width: i64::from(probe.width),
        height: i64::from(probe.height),
        bytes: bytes.len() as i64,
        created_at: Utc::now(),
    };
    state.db.insert_upload(&row).await?;
    tracing::info!(user_id, bytes = row.bytes, format = %row.format, "file uploaded");
    Ok(json!({
        "name": original_name, "url": url, "width": probe.width, "height": probe.height,
        "bytes": bytes.len(), "format": row.format,
    }))
}
