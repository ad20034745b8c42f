-- Account-wide pacing of DashScope calls, shared by every worker process on every host.
-- One row per account and model (`name`). A worker reserves a slot with SELECT ... FOR UPDATE and
-- an UPDATE in one transaction, reading the time from the server (UNIX_TIMESTAMP(NOW(3))), so the
-- clocks of the worker hosts never matter. InnoDB for the row lock; the row is tiny and hot.
-- `next_slot_ms`: Unix milliseconds (server clock) before which no further request may be sent.
-- `interval_ms`: current spacing between requests; widened on 429, narrowed back on each grant.
CREATE TABLE IF NOT EXISTS dashscope_rate (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    next_slot_ms BIGINT NOT NULL,
    interval_ms BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
