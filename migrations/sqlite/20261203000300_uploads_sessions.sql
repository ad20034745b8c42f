-- See the MySQL migration of the same number for why these tables exist.
CREATE TABLE IF NOT EXISTS aigc_uploads (
    name TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    original_name TEXT NOT NULL,
    format TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_aigc_uploads_user ON aigc_uploads (user_id);

CREATE TABLE IF NOT EXISTS aigc_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_aigc_sessions_expiry ON aigc_sessions (expires_at);
