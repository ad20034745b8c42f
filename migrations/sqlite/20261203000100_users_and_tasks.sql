-- SQLite twin of the MySQL schema: same tables and columns; ENUM columns become TEXT with a
-- CHECK on the same values.

CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS aigc_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    task_type TEXT NOT NULL CHECK (task_type IN ('remove_defect', 'crop_png', 'crop_white_bg',
        'resize', 'watermark', 'face_swap', 'multi_angle', 'other')),
    task_params TEXT NULL,
    original_path TEXT NULL,
    result_url TEXT NULL,
    result_data TEXT NULL,
    task_status TEXT NOT NULL DEFAULT 'pending'
        CHECK (task_status IN ('pending', 'processing', 'completed', 'failed')),
    process_status TEXT NULL CHECK (process_status IN ('success', 'failed'))
);
CREATE INDEX IF NOT EXISTS idx_aigc_tasks_user ON aigc_tasks (user_id);
