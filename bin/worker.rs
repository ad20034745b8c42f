//! A worker process: consumes task queues from RabbitMQ and runs the jobs. Start as many as
//! the load needs, on any host that reaches RabbitMQ and the shared storage.

use std::path::PathBuf;

use aigc_studio::app::{job_context, open_broker, shutdown_signal, spawn_lanes};
use aigc_studio::settings::Settings;
use aigc_studio::task::Lane;
use anyhow::{bail, Context};
use clap::Parser;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "worker", about = "AIGC batch image studio: task consumer")]
struct Cli {
    /// Settings file replacing config/aigc.toml.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Lanes to consume, comma-separated: ai, local (default: worker.lanes).
    #[arg(long, value_delimiter = ',')]
    lanes: Vec<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    aigc_studio::telemetry::init();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("loading settings")?;
    if !settings.is_distributed() {
        bail!(
            "queue.url is empty: the web process runs the tasks itself; \
             set queue.url (amqp://...) to use workers"
        );
    }
    let lanes = lanes(&cli.lanes, &settings)?;
    let broker = open_broker(&settings).await?;
    // The database holds the account-wide rate budget of the AI lane.
    let db = aigc_studio::store::connect(&settings.database.url, 4)
        .await
        .context("opening the database (database.url)")?;
    let jobs = job_context(&settings, &db).await?;
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    spawn_lanes(&settings, jobs, broker, &lanes, &shutdown, &mut tasks);
    tracing::info!(lanes = ?lanes, "worker running");
    tokio::select! {
        _ = shutdown_signal() => {}
        _ = async { while tasks.join_next().await.is_some() {} } => {
            bail!("every lane consumer stopped");
        }
    }
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}
    tracing::info!("worker stopped");
    Ok(())
}

fn lanes(flag: &[String], settings: &Settings) -> anyhow::Result<Vec<Lane>> {
    if flag.is_empty() {
        return Ok(settings.worker.lanes.clone());
    }
    flag.iter()
        .map(|name| {
            Lane::parse(name.trim()).with_context(|| format!("unknown lane `{name}` (ai, local)"))
        })
        .collect()
}
