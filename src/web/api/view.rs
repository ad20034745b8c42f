//! A task as the API shows it.

use serde_json::{json, Value};

use crate::store::TaskRow;

pub fn task_json(row: &TaskRow) -> Value {
    let params = row.params();
    let data = row.data();
    json!({
        "task_id": row.id,
        "batch_id": row.batch_id,
        "task_type": row.task_type,
        "task_status": row.task_status,
        "process_status": row.process_status,
        "original_path": row.original_path,
        "original_name": params.get("original_name"),
        "result_url": row.result_url,
        "result_urls": result_urls(row, &data),
        "error": error_of(row, &data),
        "notice": notice_of(row, &data),
        "attempt": row.attempt,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "completed_at": row.completed_at,
        "cost": data.get("cost"),
        "task_params": params,
    })
}

fn result_urls(row: &TaskRow, data: &Value) -> Vec<String> {
    let listed = data.get("result_urls").and_then(Value::as_array);
    match listed {
        Some(urls) => urls
            .iter()
            .filter_map(|u| u.as_str().map(String::from))
            .collect(),
        None => row.result_url.iter().cloned().collect(),
    }
}

fn error_of(row: &TaskRow, data: &Value) -> Value {
    if row.task_status != "failed" {
        return Value::Null;
    }
    match data.get("error") {
        Some(error) if error.is_object() => error.clone(),
        _ => json!({"code": "failed", "message": "处理失败"}),
    }
}

/// Why a pending task waits (its lane is paused), while it waits.
fn notice_of(row: &TaskRow, data: &Value) -> Value {
    if row.task_status != "pending" {
        return Value::Null;
    }
    data.get("notice").cloned().unwrap_or(Value::Null)
}
