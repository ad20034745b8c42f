//! The web layer: pages, JSON API and file serving, one router per resource.

mod api;
mod error;
mod files;
mod pages;
pub mod session;
mod thumbs;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ApiResult};

use crate::batch::Submitter;
use crate::imaging::ImagingPool;
use crate::queue::Broker;
use crate::settings::Settings;
use crate::storage::Storage;
use crate::store::Db;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub broker: Arc<dyn Broker>,
    pub storage: Storage,
    pub submitter: Submitter,
    /// Bounds the previews made at once, apart from the tools' own imaging work.
    pub previews: ImagingPool,
}

pub fn router(state: AppState) -> Router {
    let limits = &state.settings.limits;
    // The body of one upload request may carry a whole batch; each file is still held to
    // `file_bytes` while it streams.
    let body_limit = (limits.file_bytes as usize)
        .saturating_mul(limits.files_per_batch.max(1))
        .saturating_add(1024 * 1024);
    Router::new()
        .merge(pages::router())
        .nest("/api", api::router())
        .merge(files::router(&state.storage))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                tracing::info_span!(
                    "http",
                    method = %req.method(),
                    path = %req.uri().path(),
                    user_id = tracing::field::Empty,
                )
            }),
        )
        .with_state(state)
}
