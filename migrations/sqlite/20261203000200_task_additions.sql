-- Columns the studio adds to aigc_tasks; see the MySQL migration of the same number for why
-- each exists.
ALTER TABLE aigc_tasks ADD COLUMN batch_id TEXT NULL;
ALTER TABLE aigc_tasks ADD COLUMN created_at TEXT NULL;
ALTER TABLE aigc_tasks ADD COLUMN started_at TEXT NULL;
ALTER TABLE aigc_tasks ADD COLUMN completed_at TEXT NULL;
ALTER TABLE aigc_tasks ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE aigc_tasks ADD COLUMN queued_at TEXT NULL;

CREATE INDEX idx_aigc_tasks_user_id_desc ON aigc_tasks (user_id, id);
CREATE INDEX idx_aigc_tasks_batch ON aigc_tasks (batch_id);
CREATE INDEX idx_aigc_tasks_status ON aigc_tasks (task_status, queued_at);
