-- Account-wide pacing of DashScope calls, shared by every worker process that uses this database.
-- One row per account and model (`name`). A worker reserves a slot by moving `next_slot_ms`
-- forward inside a BEGIN IMMEDIATE transaction, reading the time from the database's own clock,
-- so the clocks of the worker hosts never matter.
-- `next_slot_ms`: Unix milliseconds (database clock) before which no further request may be sent.
-- `interval_ms`: current spacing between requests; widened on 429, narrowed back on each grant.
CREATE TABLE IF NOT EXISTS dashscope_rate (
    name VARCHAR(64) PRIMARY KEY NOT NULL,
    next_slot_ms BIGINT NOT NULL,
    interval_ms BIGINT NOT NULL
);
