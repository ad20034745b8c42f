//! Benchmark of the AI lane: N edits through the real client and the SQL rate gate against the
//! double, with 1 or more worker processes sharing one SQLite file.
//!
//! `cargo run --release --example bench_ai_lane -- --tasks 200 --latency 5 --workers 1,3`
//! `cargo run --release --example bench_ai_lane -- --tasks 200 --latency 5 --workers 3 \
//!     --faults 0.30,0.05`
//!
//! The coordinator starts the double in-process and re-runs this binary as worker processes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aigc_studio::dashscope::double::{self, DoubleConfig, DoubleStats, FaultOdds};
use aigc_studio::dashscope::{
    DashscopeClient, DashscopeSettings, EditRequest, ImageSource, InlineImages, RatePool, Secret,
    SqlRateGate,
};
use anyhow::Context;
use clap::Parser;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

const MIGRATION: &str = include_str!("../migrations/sqlite/20261203000500_dashscope_rate.sql");

#[derive(Parser, Debug, Clone)]
struct Args {
    #[arg(long, default_value_t = 200)]
    tasks: usize,
    /// Seconds the double takes per call.
    #[arg(long, default_value_t = 5.0)]
    latency: f64,
    /// Worker process counts to run, one after the other: `1,3`.
    #[arg(long, default_value = "1,3", value_delimiter = ',')]
    workers: Vec<usize>,
    /// Injected fault probabilities: `p429,p5xx`.
    #[arg(long, default_value = "0,0", value_delimiter = ',')]
    faults: Vec<f64>,
    #[arg(long, default_value_t = 2)]
    rate: u32,
    #[arg(long, default_value_t = 64)]
    in_flight: usize,
    /// Internal: run as a worker process.
    #[arg(long, hide = true)]
    worker: Option<usize>,
    #[arg(long, hide = true)]
    base_url: Option<String>,
    #[arg(long, hide = true)]
    db: Option<PathBuf>,
}

/// What one worker process reports back on stdout.
#[derive(Debug, Default, Serialize, Deserialize)]
struct WorkerReport {
    completed: usize,
    failed: usize,
    attempts: u64,
    errors: BTreeMap<String, usize>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(index) = args.worker {
        let report = run_worker(&args, index).await?;
        serde_json::to_writer(std::io::stdout(), &report)?;
        return Ok(());
    }
    for &workers in &args.workers {
        run_scenario(&args, workers.max(1)).await?;
    }
    Ok(())
}

async fn run_scenario(args: &Args, workers: usize) -> anyhow::Result<()> {
    let odds = FaultOdds {
        throttle: args.faults.first().copied().unwrap_or(0.0),
        server_error: args.faults.get(1).copied().unwrap_or(0.0),
        ..FaultOdds::default()
    };
    let config = DoubleConfig {
        rate: args.rate,
        latency: Duration::from_secs_f64(args.latency),
        odds,
        ..DoubleConfig::default()
    };
    let double = double::start(config).await?;
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("lane.db");
    drop(sqlite_pool(&db).await?);

    let started = Instant::now();
    let reports = spawn_workers(args, workers, &double.base_url(), &db).await?;
    let makespan = started.elapsed().as_secs_f64();

    print_figures(args, workers, makespan, &reports, &double.stats())?;
    Ok(())
}

async fn spawn_workers(
    args: &Args,
    workers: usize,
    base_url: &str,
    db: &Path,
) -> anyhow::Result<Vec<WorkerReport>> {
    let exe = std::env::current_exe()?;
    let mut children = Vec::new();
    for index in 0..workers {
        let child = tokio::process::Command::new(&exe)
            .args([
                "--tasks",
                &args.tasks.to_string(),
                "--rate",
                &args.rate.to_string(),
            ])
            .args([
                "--workers",
                &workers.to_string(),
                "--worker",
                &index.to_string(),
            ])
            .args([
                "--in-flight",
                &args.in_flight.to_string(),
                "--base-url",
                base_url,
            ])
            .arg("--db")
            .arg(db)
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        children.push(child);
    }

    let mut reports = Vec::new();
    for child in children {
        let out = child.wait_with_output().await?;
        // A crashed worker reports nothing: its tasks count as lost.
        let report = serde_json::from_slice(&out.stdout).unwrap_or_default();
        reports.push(report);
    }
    Ok(reports)
}

async fn sqlite_pool(path: &Path) -> anyhow::Result<sqlx::SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        // WAL: a commit does not wait for an fsync, as the store's pool is expected to run.
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(30));
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await?;
    sqlx::raw_sql(MIGRATION).execute(&pool).await?;
    Ok(pool)
}

async fn run_worker(args: &Args, index: usize) -> anyhow::Result<WorkerReport> {
    let workers = args.workers.first().copied().unwrap_or(1).max(1);
    let base_url = args.base_url.clone().context("--base-url")?;
    let db = args.db.clone().context("--db")?;
    let host = base_url.trim_start_matches("http://").to_string();
    let settings = DashscopeSettings {
        base_url,
        api_key: Some(Secret::new("test-key")),
        requests_per_second: f64::from(args.rate),
        inline_images: InlineImages::Always,
        result_hosts: vec![host],
        max_in_flight: args.in_flight,
        timeout_secs: 60,
        ..DashscopeSettings::default()
    };
    let pool = sqlite_pool(&db).await?;
    let gate = SqlRateGate::new(RatePool::Sqlite(pool), "bench", settings.base_interval()).await?;
    let client = Arc::new(DashscopeClient::new(settings, Arc::new(gate))?);

    let input = bytes::Bytes::from(input_picture()?);
    let mut handles = Vec::new();
    for task in (index..args.tasks).step_by(workers) {
        let client = Arc::clone(&client);
        let mut req = EditRequest::new("把背景换成纯白色", vec![ImageSource::bytes(input.clone())]);
        req.task_id = Some(format!("bench-{task}"));
        handles.push(tokio::spawn(async move { client.edit(req).await }));
    }

    let mut report = WorkerReport::default();
    for handle in handles {
        match handle.await? {
            Ok(outcome) => {
                report.completed += 1;
                report.attempts += u64::from(outcome.attempts);
            }
            Err(err) => {
                report.failed += 1;
                report.attempts += u64::from(err.attempts);
                *report.errors.entry(err.code().to_string()).or_default() += 1;
            }
        }
    }
    Ok(report)
}

fn input_picture() -> anyhow::Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(768, 512, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 2) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}

fn print_figures(
    args: &Args,
    workers: usize,
    makespan: f64,
    reports: &[WorkerReport],
    stats: &DoubleStats,
) -> std::io::Result<()> {
    let completed: usize = reports.iter().map(|r| r.completed).sum();
    let failed: usize = reports.iter().map(|r| r.failed).sum();
    let attempts: u64 = reports.iter().map(|r| r.attempts).sum();
    let lost = args.tasks - completed - failed;
    let ideal = args.tasks as f64 / f64::from(args.rate) + args.latency;
    let errors: BTreeMap<&str, usize> = reports
        .iter()
        .flat_map(|r| r.errors.iter().map(|(k, v)| (k.as_str(), *v)))
        .collect();

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "workers={workers} tasks={} latency={}s rate={}/s faults={:?}",
        args.tasks, args.latency, args.rate, args.faults
    )?;
    writeln!(
        out,
        "  makespan {makespan:.1} s, ideal {ideal:.1} s, ratio {:.3}",
        makespan / ideal
    )?;
    writeln!(
        out,
        "  max requests in any 1-s window: {}",
        stats.max_per_window
    )?;
    writeln!(
        out,
        "  429: {} (rate limit {}, injected {}); 5xx injected {}",
        stats.total_429(),
        stats.rate_limited,
        stats.injected_429,
        stats.injected_5xx
    )?;
    writeln!(
        out,
        "  requests {} attempts {attempts}; completed {completed}, failed {failed}, \
        lost {lost}; errors {errors:?}",
        stats.total
    )?;
    Ok(())
}
