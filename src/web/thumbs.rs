//! `GET /thumbs/temp/<name>` and `GET /thumbs/results/<folder>/<name>`: a small WEBP preview
//! of a stored upload or result, for the thumbnails of the pages. The file itself stays at
//! its `/public/...` URL; previews are made on request for a logged-in user (a 12-megapixel
//! JPEG is shrunk while it is decoded, so this costs milliseconds) and kept by the browser,
//! never on disk.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::files::read_stored;
use super::session::CurrentUser;
use super::AppState;
use crate::imaging::{thumbnail, PREVIEW_SIDE};

pub fn router() -> Router<AppState> {
    Router::new().route("/thumbs/{*path}", get(preview))
}

/// The raw path is used, as for the files themselves, so a name is decoded exactly once.
/// Unlike the files (which DashScope fetches), previews are for the pages only: a session is
/// required, so nobody outside can keep the server busy making them.
async fn preview(State(state): State<AppState>, _user: CurrentUser, uri: Uri) -> Response {
    let Some(rest) = uri.path().strip_prefix("/thumbs/") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let stored = match read_stored(&state, &format!("/public/{rest}")).await {
        Ok(bytes) => bytes,
        Err(status) => return status.into_response(),
    };
    let limits = state.settings.limits.pixels();
    let made = state
        .previews
        .run(move || thumbnail(&stored, &limits, PREVIEW_SIDE))
        .await;
    match made {
        Ok(encoded) => webp(encoded.bytes),
        Err(err) => {
            // Only accepted pictures are stored, so this is a damaged file or a bug; the page
            // shows its placeholder and the download still works.
            tracing::warn!(path = rest, error = %err, "no preview for a stored file");
            StatusCode::UNPROCESSABLE_ENTITY.into_response()
        }
    }
}

fn webp(bytes: Vec<u8>) -> Response {
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/webp"));
    // A retried task writes its results again under the same names: an hour keeps the page
    // fast without showing an old result for long.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    response
}
