-- Columns the studio adds to the owner's aigc_tasks. Each is nullable or defaulted, so rows
-- written by the admin panel's own code stay valid.

-- The tasks submitted together in one request; the task page groups by it and the ZIP
-- download is per batch.
ALTER TABLE aigc_tasks ADD COLUMN batch_id CHAR(32) NULL;
-- When the task was accepted; the pages sort and show it.
ALTER TABLE aigc_tasks ADD COLUMN created_at DATETIME(3) NULL;
-- When a worker began the current attempt.
ALTER TABLE aigc_tasks ADD COLUMN started_at DATETIME(3) NULL;
-- When the task ended (completed or failed).
ALTER TABLE aigc_tasks ADD COLUMN completed_at DATETIME(3) NULL;
-- Attempt number of the current run (a retry increments it); events of an older attempt
-- are ignored, so a late message cannot overwrite a retried task.
ALTER TABLE aigc_tasks ADD COLUMN attempt INT NOT NULL DEFAULT 1;
-- When the broker confirmed the task message; NULL means the publish may have been lost
-- and the sweeper publishes it again.
ALTER TABLE aigc_tasks ADD COLUMN queued_at DATETIME(3) NULL;

-- The task page lists a user's tasks newest first, filtered by batch or status.
CREATE INDEX idx_aigc_tasks_user_id_desc ON aigc_tasks (user_id, id);
CREATE INDEX idx_aigc_tasks_batch ON aigc_tasks (batch_id);
-- The sweeper and the start-up refill look for unfinished tasks.
CREATE INDEX idx_aigc_tasks_status ON aigc_tasks (task_status, queued_at);
