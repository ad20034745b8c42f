//! Login sessions: a random token in an HttpOnly, SameSite=Lax cookie; the database keeps its
//! SHA-256 and the session's CSRF token. Unsafe API calls must echo the CSRF token in the
//! `X-CSRF-Token` header, which a cross-site form cannot do.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Method;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::AppState;
use crate::storage::random_token;
use crate::task::UserId;

pub const COOKIE: &str = "aigc_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The logged-in user of a request. As an extractor it answers 401 without a session and,
/// for unsafe methods, 403 without the right CSRF header.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user_id: UserId,
    pub csrf_token: String,
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts a session and returns the cookie to set and the CSRF token.
pub async fn start(
    state: &AppState,
    user_id: UserId,
) -> Result<(Cookie<'static>, String), ApiError> {
    let token = random_token(32);
    let csrf = random_token(32);
    let hours = i64::from(state.settings.server.session_hours.max(1));
    let expires = Utc::now() + Duration::hours(hours);
    state
        .db
        .insert_session(&token_hash(&token), user_id, &csrf, expires)
        .await?;
    let cookie = Cookie::build((COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.server.secure_cookie)
        .path("/")
        .max_age(cookie::time::Duration::hours(hours))
        .build();
    Ok((cookie, csrf))
}

pub async fn end(state: &AppState, jar: &CookieJar) -> Result<(), ApiError> {
    if let Some(cookie) = jar.get(COOKIE) {
        state.db.delete_session(&token_hash(cookie.value())).await?;
    }
    Ok(())
}

/// The session of a request's cookie, if any.
pub async fn lookup(state: &AppState, jar: &CookieJar) -> Result<Option<CurrentUser>, ApiError> {
    let Some(cookie) = jar.get(COOKIE) else {
        return Ok(None);
    };
    let row = state.db.session(&token_hash(cookie.value())).await?;
    Ok(row.map(|r| CurrentUser {
        user_id: r.user_id,
        csrf_token: r.csrf_token,
    }))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Compares without an early exit, so timing does not reveal how much of a guess was right.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn csrf_ok(user: &CurrentUser, presented: Option<&str>) -> bool {
    presented.is_some_and(|p| same_token(p, &user.csrf_token))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let user = lookup(state, &jar)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        if !is_safe(&parts.method) {
            let header = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !csrf_ok(&user, header) {
                return Err(ApiError::csrf());
            }
        }
        tracing::Span::current().record("user_id", user.user_id);
        Ok(user)
    }
}
