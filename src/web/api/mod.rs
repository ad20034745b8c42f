//! The JSON API. Every route but login and health needs a session; unsafe methods also need
//! the CSRF header (checked by the [`CurrentUser`](super::session::CurrentUser) extractor).

mod batch_actions;
mod batches;
mod health;
mod login;
mod tasks;
mod uploads;
mod view;

use axum::routing::{get, post};
use axum::Router;

pub use health::healthz;
pub use view::task_json;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login::login))
        .route("/logout", post(login::logout))
        .route("/uploads", post(uploads::upload))
        .route("/tasks", post(tasks::create).get(tasks::list))
        .route("/tasks/{id}", get(tasks::show))
        .route("/tasks/{id}/result", get(tasks::result))
        .route("/tasks/{id}/retry", post(tasks::retry))
        .route("/batches/{batch_id}/zip", get(batches::zip))
        .route(
            "/batches/{batch_id}/retry",
            post(batch_actions::retry_failed),
        )
        .route(
            "/batches/{batch_id}/cancel",
            post(batch_actions::cancel_pending),
        )
}
