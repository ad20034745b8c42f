//! The account-wide rate: several gates (standing for worker processes) share one SQLite file
//! and the double counts what arrives in every one-second window.

mod common;

use std::sync::Arc;
use std::time::Duration;

use aigc_studio::dashscope::double::{DoubleConfig, Fault};
use aigc_studio::dashscope::{DashscopeClient, RateGate, RatePool, SqlRateGate};
use common::{simple_request, start_double};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

const MIGRATION: &str = include_str!("../migrations/sqlite/20261203000500_dashscope_rate.sql");

async fn sqlite_pool(path: &std::path::Path) -> sqlx::SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await;
    pool.expect("sqlite pool")
}

#[tokio::test]
async fn gates_sharing_one_database_keep_the_account_rate() {
    let rate = 4;
    let double = start_double(DoubleConfig {
        rate,
        latency: Duration::from_millis(100),
        output_megapixels: common::SMALL_MP,
        ..DoubleConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("rate.db");

    let mut clients = Vec::new();
    for _ in 0..3 {
        // A pool per "process": nothing is shared but the file.
        let pool = sqlite_pool(&db).await;
        sqlx::raw_sql(MIGRATION)
            .execute(&pool)
            .await
            .expect("migrate");
        let mut settings = double.client_settings();
        settings.requests_per_second = f64::from(rate);
        // The margin is the slack (in seconds) between requests `rate` apart. Production uses
        // 0.08; a loaded 2-core CI box delays wake-ups and the double's stamps by more.
        settings.rate_margin = 0.3;
        let gate = SqlRateGate::for_settings(RatePool::Sqlite(pool), &settings).await;
        let gate = gate.expect("gate");
        clients.push(Arc::new(
            DashscopeClient::new(settings, Arc::new(gate)).expect("client"),
        ));
    }

    let mut tasks = Vec::new();
    for i in 0..18 {
        let client = Arc::clone(&clients[i % 3]);
        tasks.push(tokio::spawn(
            async move { client.edit(simple_request()).await },
        ));
    }
    for task in tasks {
        task.await.expect("join").expect("edit");
    }

    let stats = double.stats();
    assert_eq!(stats.succeeded, 18);
    assert_eq!(stats.rate_limited, 0, "{stats:?}");
    assert!(stats.max_per_window <= rate, "{stats:?}");
}

#[tokio::test]
async fn throttling_widens_the_shared_interval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pool = sqlite_pool(&dir.path().join("rate.db")).await;
    sqlx::raw_sql(MIGRATION)
        .execute(&pool)
        .await
        .expect("migrate");
    let base = Duration::from_millis(100);
    let gate = SqlRateGate::new(RatePool::Sqlite(pool.clone()), "t", base)
        .await
        .expect("gate");

    gate.acquire().await;
    gate.on_throttled().await;
    let interval: i64 =
        sqlx::query_scalar("SELECT interval_ms FROM dashscope_rate WHERE name = 't'")
            .fetch_one(&pool)
            .await
            .expect("row");
    assert!(interval > 100, "interval {interval} not widened");
}

#[tokio::test]
async fn a_throttled_client_reports_to_its_gate_and_recovers() {
    let double = start_double(DoubleConfig {
        rate: 0,
        ..DoubleConfig::default()
    })
    .await;
    double.push_faults([Fault::Throttle, Fault::Throttle]);
    let client = common::client(&double, |_| {});
    let out = client.edit(simple_request()).await.expect("recovered");
    assert_eq!(out.attempts, 3);
    assert_eq!(double.stats().injected_429, 2);
}

/// The same account-wide budget through MariaDB, the production database: three gates, each
/// with its own pool, on one fresh database.
#[tokio::test]
async fn gates_sharing_one_mariadb_keep_the_account_rate() {
    let rate = 4;
    let double = start_double(DoubleConfig {
        rate,
        latency: Duration::from_millis(100),
        output_megapixels: common::SMALL_MP,
        ..DoubleConfig::default()
    })
    .await;
    let url = common::mariadb::fresh_database().await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let Ok(aigc_studio::store::Db::MySql(pool)) = aigc_studio::store::connect(&url, 2).await
        else {
            panic!("MariaDB store");
        };
        let mut settings = double.client_settings();
        settings.requests_per_second = f64::from(rate);
        settings.rate_margin = 0.3;
        let gate = SqlRateGate::for_settings(RatePool::MySql(pool), &settings).await;
        let client = DashscopeClient::new(settings, Arc::new(gate.expect("gate")));
        clients.push(Arc::new(client.expect("client")));
    }
    let mut tasks = Vec::new();
    for i in 0..18 {
        let client = Arc::clone(&clients[i % 3]);
        tasks.push(tokio::spawn(
            async move { client.edit(simple_request()).await },
        ));
    }
    for task in tasks {
        task.await.expect("join").expect("edit");
    }
    let stats = double.stats();
    assert_eq!(stats.succeeded, 18);
    assert_eq!(stats.rate_limited, 0, "{stats:?}");
    assert!(stats.max_per_window <= rate, "{stats:?}");
    common::mariadb::drop_database(&url).await;
}
