use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth;
use crate::web::session::{self, CurrentUser};
use crate::web::{ApiError, ApiResult, AppState};

#[derive(Deserialize)]
pub struct LoginBody {
    username: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Json(body): Json<LoginBody>,
) -> ApiResult<(CookieJar, Json<Value>)> {
    let user_id = auth::verify_login(&state.db, &body.username, &body.password)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "用户名或密码错误",
            )
        })?;
    let (cookie, csrf) = session::start(&state, user_id).await?;
    tracing::info!(user_id, "user logged in");
    Ok((
        jar.add(cookie),
        Json(json!({"user_id": user_id, "csrf_token": csrf})),
    ))
}

pub async fn logout(
    State(state): State<AppState>,
    _user: CurrentUser,
    jar: CookieJar,
) -> ApiResult<(CookieJar, StatusCode)> {
    session::end(&state, &jar).await?;
    Ok((jar.remove(session::COOKIE), StatusCode::NO_CONTENT))
}
