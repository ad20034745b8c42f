-- Uploaded files: who owns each one and its original name, so a task can only use its own
-- user's uploads and results are named after the original file.
CREATE TABLE IF NOT EXISTS aigc_uploads (
    name VARCHAR(80) NOT NULL,
    user_id INT NOT NULL,
    original_name VARCHAR(255) NOT NULL,
    format VARCHAR(8) NOT NULL,
    width INT NOT NULL,
    height INT NOT NULL,
    bytes BIGINT NOT NULL,
    created_at DATETIME(3) NOT NULL,
    PRIMARY KEY (name),
    KEY idx_aigc_uploads_user (user_id),
    CONSTRAINT fk_aigc_uploads_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Login sessions. Only a hash of the cookie's token is stored, so a leaked table does not
-- let anyone in.
CREATE TABLE IF NOT EXISTS aigc_sessions (
    token_hash CHAR(64) NOT NULL,
    user_id INT NOT NULL,
    csrf_token CHAR(64) NOT NULL,
    expires_at DATETIME(3) NOT NULL,
    PRIMARY KEY (token_hash),
    KEY idx_aigc_sessions_expiry (expires_at),
    CONSTRAINT fk_aigc_sessions_user FOREIGN KEY (user_id) REFERENCES users (id)
        ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
