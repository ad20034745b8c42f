//! A gate shared by every process that reaches the same database. The slot is reserved inside a
//! transaction against the database's own clock, and each worker sleeps only the difference, so
//! skew between the hosts' clocks cannot bunch requests together.

use std::time::{Duration, Instant};

use sqlx::{Connection, MySqlPool, SqlitePool};
use tokio::sync::Mutex;

use super::super::settings::DashscopeSettings;
use super::{wait_for_slot, Pacer, PacerRow, RateGate, ThrottleHold};

const SQLITE_NOW: &str = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
const MYSQL_NOW: &str = "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)";

/// The store's own pool, whichever engine it runs on: the gate shares the database of the
/// tasks rather than naming the engines again.
pub use crate::store::Db as RatePool;

pub struct SqlRateGate {
    pool: RatePool,
    name: String,
    pacer: Pacer,
    // One reservation ahead per process, as in the local gate.
    turn: Mutex<()>,
    hold: ThrottleHold,
}

type Reading = (i64, i64, i64);

impl SqlRateGate {
    /// `name` is the row shared by all workers of one account and model. The table comes from
    /// the `dashscope_rate` migration; the row is created here when missing.
    pub async fn new(pool: RatePool, name: &str, base: Duration) -> Result<Self, sqlx::Error> {
        let gate = Self {
            pool,
            name: name.to_string(),
            pacer: Pacer::new(base),
            turn: Mutex::new(()),
            hold: ThrottleHold::new(Duration::from_secs(1)),
        };
        gate.ensure_row().await?;
        Ok(gate)
    }

    /// The gate for `settings`: its `rate_name` row, spaced by its rate and margin.
    pub async fn for_settings(
        pool: RatePool,
        settings: &DashscopeSettings,
    ) -> Result<Self, sqlx::Error> {
        Self::new(pool, &settings.rate_name, settings.base_interval()).await
    }

    async fn ensure_row(&self) -> Result<(), sqlx::Error> {
        let base = self.pacer.base_ms;
        match &self.pool {
            RatePool::Sqlite(pool) => {
                let sql = "INSERT OR IGNORE INTO dashscope_rate (name, next_slot_ms, interval_ms) \
                           VALUES (?, 0, ?)";
                sqlx::query(sql)
                    .bind(&self.name)
                    .bind(base)
                    .execute(pool)
                    .await?;
            }
            RatePool::MySql(pool) => {
                let sql = "INSERT IGNORE INTO dashscope_rate (name, next_slot_ms, interval_ms) \
                           VALUES (?, 0, ?)";
                sqlx::query(sql)
                    .bind(&self.name)
                    .bind(base)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// Reserves the next slot; returns the local instant at which it falls.
    async fn reserve(&self) -> Result<Instant, sqlx::Error> {
        match &self.pool {
            RatePool::Sqlite(pool) => self.reserve_sqlite(pool).await,
            RatePool::MySql(pool) => self.reserve_mysql(pool).await,
        }
    }

    async fn reserve_sqlite(&self, pool: &SqlitePool) -> Result<Instant, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        // IMMEDIATE takes the write lock up front; a deferred transaction would read, then
        // fail with SQLITE_BUSY when two processes both try to upgrade to write.
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let select = format!(
            "SELECT next_slot_ms, interval_ms, {SQLITE_NOW} FROM dashscope_rate WHERE name = ?"
        );
        let (next, interval, now): Reading = sqlx::query_as(&select)
            .bind(&self.name)
            .fetch_one(&mut *tx)
            .await?;
        // The wait is counted from here, not from after the commit: a slow commit (an fsync)
        // must not shift this request closer to the next one.
        let read_at = Instant::now();

        let (slot, row) = self.pacer.grant(
            PacerRow {
                next_slot_ms: next,
                interval_ms: interval,
            },
            now,
        );
        let update = "UPDATE dashscope_rate SET next_slot_ms = ?, interval_ms = ? WHERE name = ?";
        sqlx::query(update)
            .bind(row.next_slot_ms)
            .bind(row.interval_ms)
            .bind(&self.name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(slot_instant(read_at, slot, now))
    }

    async fn reserve_mysql(&self, pool: &MySqlPool) -> Result<Instant, sqlx::Error> {
        let mut tx = pool.begin().await?;
        // FOR UPDATE serialises the workers on the row until commit.
        let select = format!(
            "SELECT next_slot_ms, interval_ms, {MYSQL_NOW} FROM dashscope_rate \
             WHERE name = ? FOR UPDATE"
        );
        let (next, interval, now): Reading = sqlx::query_as(&select)
            .bind(&self.name)
            .fetch_one(&mut *tx)
            .await?;
        // The wait is counted from here, not from after the commit: a slow commit (an fsync)
        // must not shift this request closer to the next one.
        let read_at = Instant::now();

        let (slot, row) = self.pacer.grant(
            PacerRow {
                next_slot_ms: next,
                interval_ms: interval,
            },
            now,
        );
        let update = "UPDATE dashscope_rate SET next_slot_ms = ?, interval_ms = ? WHERE name = ?";
        sqlx::query(update)
            .bind(row.next_slot_ms)
            .bind(row.interval_ms)
            .bind(&self.name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(slot_instant(read_at, slot, now))
    }

    /// Widens the shared interval; written as one statement so no transaction is needed.
    async fn widen(&self) -> Result<(), sqlx::Error> {
        let p = &self.pacer;
        let max = (p.base_ms as f64 * p.max_factor) as i64;
        let (base, factor) = (p.base_ms, p.throttle_factor);
        match &self.pool {
            RatePool::Sqlite(pool) => {
                let sql = "UPDATE dashscope_rate SET interval_ms = \
                           MIN(?, CAST(MAX(interval_ms, ?) * ? AS INTEGER)) WHERE name = ?";
                let q = sqlx::query(sql)
                    .bind(max)
                    .bind(base)
                    .bind(factor)
                    .bind(&self.name);
                q.execute(pool).await?;
            }
            RatePool::MySql(pool) => {
                let sql = "UPDATE dashscope_rate SET interval_ms = \
                           LEAST(?, CAST(GREATEST(interval_ms, ?) * ? AS SIGNED)) WHERE name = ?";
                let q = sqlx::query(sql)
                    .bind(max)
                    .bind(base)
                    .bind(factor)
                    .bind(&self.name);
                q.execute(pool).await?;
            }
        }
        Ok(())
    }
}

/// The local instant of database time `slot`, given that the database read `now` at `read_at`.
fn slot_instant(read_at: Instant, slot: i64, now: i64) -> Instant {
    read_at + Duration::from_millis(slot.saturating_sub(now).max(0) as u64)
}

#[async_trait::async_trait]
impl RateGate for SqlRateGate {
    async fn acquire(&self) {
        let _turn = self.turn.lock().await;
        loop {
            match self.reserve().await {
                Ok(at) if wait_for_slot(at, self.pacer.late_tolerance).await => return,
                Ok(_) => continue,
                Err(err) => {
                    // Sending without a slot could break the account limit for every worker;
                    // waiting is the safe side. The store's health check reports the database.
                    tracing::warn!(error = %err, gate = %self.name, "rate slot not reserved");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn on_throttled(&self) {
        if !self.hold.should_react() {
            return;
        }
        if let Err(err) = self.widen().await {
            tracing::warn!(error = %err, gate = %self.name, "rate interval not widened");
        }
    }
}
