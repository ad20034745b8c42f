//! Serving stored uploads and results. Files are stored under names with an image extension
//! chosen from their sniffed content, and are served with `nosniff` and a sandboxing CSP, so
//! nothing a user uploads can ever be rendered as a page or run as a script.

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use super::AppState;
use crate::storage::Storage;

pub fn router(storage: &Storage) -> Router<AppState> {
    Router::new()
        .nest_service("/public/temp", ServeDir::new(storage.root().join("temp")))
        .nest_service(
            "/public/results",
            ServeDir::new(storage.root().join("results")),
        )
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
