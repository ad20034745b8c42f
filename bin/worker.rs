//! A worker process: consumes task queues from RabbitMQ and runs the jobs. Start as many as
//! the load needs, on any host that reaches RabbitMQ and the shared storage.

use std::path::PathBuf;

use aigc_studio::app::run_worker;
use aigc_studio::settings::Settings;
use aigc_studio::task::Lane;
use anyhow::{bail, Context};
use clap::Parser;

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
    run_worker(&settings, &lanes).await
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
