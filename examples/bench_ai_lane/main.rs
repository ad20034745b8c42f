//! Benchmark of the AI lane through the whole product: the web application takes the
//! uploads and the tasks, RabbitMQ carries them, 1 or more real worker processes call the
//! DashScope double through the account-wide rate gate in MariaDB, and the recorder writes
//! every outcome. The clock runs from the first submission until the last task has ended.
//!
//! `cargo run --release --example bench_ai_lane -- --tasks 200 --latency 5 --workers 1,3`
//! `cargo run --release --example bench_ai_lane -- --workers 1,3 --faults 0.30,0.05`
//!
//! It needs the MariaDB and RabbitMQ that the tests use (`--mysql`, `--amqp`); each run
//! makes its own database and queue prefix and removes them at the end.

mod figures;
mod studio;

use std::time::{Duration, Instant};

use aigc_studio::dashscope::double::{self, DoubleConfig, FaultOdds};
use aigc_studio::task::Lane;
use clap::Parser;

#[derive(Parser, Debug, Clone)]
pub struct Args {
    #[arg(long, default_value_t = 200)]
    pub tasks: usize,
    /// Seconds the double takes per call.
    #[arg(long, default_value_t = 5.0)]
    pub latency: f64,
    /// Worker process counts to run, one after the other: `1,3`.
    #[arg(long, default_value = "1,3", value_delimiter = ',')]
    pub workers: Vec<usize>,
    /// Injected fault probabilities: `p429,p5xx`.
    #[arg(long, default_value = "0,0", value_delimiter = ',')]
    pub faults: Vec<f64>,
    /// The account's rate, requests per second, for the double and the studio alike.
    #[arg(long, default_value_t = 2)]
    pub rate: u32,
    /// MariaDB/MySQL server (root may create databases).
    #[arg(long, default_value = "mysql://root@127.0.0.1:3306")]
    pub mysql: String,
    #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    pub amqp: String,
    /// Internal: run as one worker process, configured by the environment.
    #[arg(long, hide = true)]
    pub worker_process: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.worker_process {
        // Exactly what `worker --lanes ai` does, configured by the same variables.
        let settings = aigc_studio::settings::Settings::load(None)?;
        return aigc_studio::app::run_worker(&settings, &[Lane::Ai]).await;
    }
    // The figures go to stdout; the studio's own log stays on stderr, warnings only, so
    // that a run's output is the table and nothing else. lapin reports the channels this
    // run closes on purpose at the end as errors: those are left out.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,lapin=off"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
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
    let studio = studio::Studio::start(args, &double).await?;
    let result = measure(args, workers, &studio, &double).await;
    studio.remove().await;
    result
}

async fn measure(
    args: &Args,
    workers: usize,
    studio: &studio::Studio,
    double: &double::DoubleHandle,
) -> anyhow::Result<()> {
    let mut processes = studio.spawn_workers(workers)?;
    let image = studio.upload_input().await?;
    // Consumers subscribe within a second or two; the clock starts with the first task.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let started = Instant::now();
    let batches = studio.submit(&image, args.tasks).await?;
    let ideal = args.tasks as f64 / f64::from(args.rate) + args.latency;
    let deadline = Duration::from_secs_f64(ideal * 10.0 + 60.0);
    let ended = studio.wait_until_ended(&batches, deadline).await?;
    let makespan = started.elapsed().as_secs_f64();

    for process in &mut processes {
        let _ = process.start_kill();
    }
    let outcome = studio.outcome(&batches, ended).await?;
    figures::print(args, workers, makespan, &outcome, &double.stats())?;
    Ok(())
}
