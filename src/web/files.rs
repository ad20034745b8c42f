//! Serving stored uploads and results. Files are stored under names with an image extension
//! chosen from their sniffed content, and are served with `nosniff` and a sandboxing CSP, so
//! nothing a user uploads can ever be rendered as a page or run as a script.
//!
//! From a folder they are served straight from disk; from a bucket the web process fetches
//! them, so their public URLs (which DashScope and the pages use) are the same either way.
//! Previews (`/thumbs/...`, see [`super::thumbs`]) get the same protective headers.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use super::AppState;
use crate::storage::{content_type_of, Storage};

pub fn router(storage: &Storage) -> Router<AppState> {
    let files = match storage.folder() {
        Some(root) => Router::new()
            .nest_service("/public/temp", ServeDir::new(root.join("temp")))
            .nest_service("/public/results", ServeDir::new(root.join("results"))),
        None => Router::new().route("/public/{*path}", get(from_bucket)),
    };
    files
        .merge(super::thumbs::router())
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=86400"),
        ))
}

/// The raw path is used, not axum's decoded one, so a name is percent-decoded exactly once.
async fn from_bucket(State(state): State<AppState>, uri: Uri) -> Response {
    let path = uri.path();
    match read_stored(&state, path).await {
        Ok(bytes) => {
            let mut response = Body::from(bytes).into_response();
            let kind = HeaderValue::from_static(content_type_of(path));
            response.headers_mut().insert(header::CONTENT_TYPE, kind);
            response
        }
        Err(status) => status.into_response(),
    }
}

/// A stored file by its request path (`/public/...`, still percent-encoded): 404 for a
/// path that names none of our files or a file that is gone, 503 when the store fails.
pub(super) async fn read_stored(state: &AppState, path: &str) -> Result<Vec<u8>, StatusCode> {
    match state.storage.read_public(path).await {
        Some(Ok(bytes)) => Ok(bytes),
        Some(Err(err)) if !err.is_missing() => {
            tracing::warn!(path, error = %err, "stored file unreadable");
            Err(StatusCode::SERVICE_UNAVAILABLE)
        }
        _ => Err(StatusCode::NOT_FOUND),
    }
}
