use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::web::AppState;

/// 200 when the database and the queue answer, 503 naming the one that does not.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = state.db.ping().await.err().map(|e| e.to_string());
    let queue = state.broker.health().await.err().map(|e| e.to_string());
    let ok = database.is_none() && queue.is_none();
    if !ok {
        tracing::warn!(?database, ?queue, "health check failed");
    }
    let word = |err: &Option<String>| if err.is_none() { "ok" } else { "down" };
    let body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "database": word(&database),
        "queue": word(&queue),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
