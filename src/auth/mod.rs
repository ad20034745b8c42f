//! Accounts in the admin panel's `users` table. Passwords are bcrypt; PHP's
//! `password_hash()` writes `$2y$` hashes, which verify unchanged.

use crate::store::{Db, StoreError};
use crate::task::UserId;

const COST: u32 = 10;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing: {0}")]
    Hash(#[from] bcrypt::BcryptError),
    #[error("user name must be 1 to 64 characters without spaces")]
    BadName,
    #[error("password must be at least 8 characters")]
    WeakPassword,
}

/// The user id when the name and password match. Runs bcrypt off the async threads.
pub async fn verify_login(
    db: &Db,
    username: &str,
    password: &str,
) -> Result<Option<UserId>, StoreError> {
    let Some(user) = db.user_by_name(username.trim()).await? else {
        return Ok(None);
    };
    let password = password.to_string();
    let hash = user.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
        .await
        .unwrap_or(false);
    Ok(ok.then_some(user.id))
}

/// Adds a user or changes an existing user's password.
pub async fn set_user(db: &Db, username: &str, password: &str) -> Result<UserId, AuthError> {
    let name = username.trim();
    if name.is_empty() || name.chars().count() > 64 || name.contains(char::is_whitespace) {
        return Err(AuthError::BadName);
    }
    if password.chars().count() < 8 {
        return Err(AuthError::WeakPassword);
    }
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || bcrypt::hash(password, COST))
        .await
        .map_err(|_| AuthError::WeakPassword)??;
    Ok(db.upsert_user(name, &hash).await?)
}

/// At start: when no user exists, creates `admin` with `AIGC_ADMIN_PASSWORD`, or with a
/// random password that is printed once on standard error (never logged).
pub async fn bootstrap_admin(db: &Db) -> Result<(), AuthError> {
    if db.user_count().await? > 0 {
        return Ok(());
    }
    let (password, generated) = match std::env::var("AIGC_ADMIN_PASSWORD") {
        Ok(p) if !p.trim().is_empty() => (p, false),
        _ => (crate::storage::random_token(8), true),
    };
    set_user(db, "admin", &password).await?;
    if generated {
        // Standard error, never the log: the password must not end up in log collectors.
        eprintln!("\n  Created user `admin` with password: {password}");
        eprintln!("  (shown once; change it with `web user add admin --password ...`)\n");
    }
    tracing::info!(generated, "created the first user `admin`");
    Ok(())
}
