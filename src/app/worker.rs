//! Consumers: the lanes of a worker process, or of the web process in embedded mode.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{job_context, open_broker, shutdown_signal};
use crate::jobs::JobContext;
use crate::queue::Broker;
use crate::settings::Settings;
use crate::store::Db;
use crate::task::Lane;
use crate::worker::{LanePause, LaneWorker};

/// Consumers of the configured lanes, each running until `shutdown`.
pub fn spawn_lanes(
    settings: &Settings,
    jobs: JobContext,
    broker: Arc<dyn Broker>,
    lanes: &[Lane],
    db: &Db,
    shutdown: &CancellationToken,
    tasks: &mut JoinSet<()>,
) {
    for lane in lanes {
        let first = Duration::from_secs(settings.worker.lane_pause_secs.max(1));
        let pause = Arc::new(LanePause::with_first_pause(first));
        let prefetch = match lane {
            Lane::Ai => settings.worker.ai_prefetch,
            Lane::Local => settings.worker.local_prefetch,
        };
        let worker = LaneWorker {
            broker: broker.clone(),
            jobs: jobs.clone(),
            lane: *lane,
            prefetch,
            delivery_limit: settings.queue.delivery_limit,
            grace: Duration::from_secs(settings.worker.shutdown_grace_secs),
            pause,
            tasks: db.clone(),
        };
        let token = shutdown.clone();
        tasks.spawn(async move {
            if let Err(err) = worker.run(token).await {
                tracing::error!(error = %err, "lane consumer stopped");
            }
        });
    }
}

/// A worker process's whole life: consume `lanes` from RabbitMQ until Ctrl-C or SIGTERM,
/// then finish what it holds. `bin/worker.rs` runs it; the AI-lane benchmark runs the same
/// function in each of its worker processes.
pub async fn run_worker(settings: &Settings, lanes: &[Lane]) -> anyhow::Result<()> {
    let broker = open_broker(settings).await?;
    // The database holds the account-wide rate budget of the AI lane.
    let db = crate::store::connect(&settings.database.url, 4)
        .await
        .context("opening the database (database.url)")?;
    let jobs = job_context(settings, &db).await?;
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    spawn_lanes(settings, jobs, broker, lanes, &db, &shutdown, &mut tasks);
    tracing::info!(lanes = ?lanes, "worker running");

    tokio::select! {
        _ = shutdown_signal() => {}
        _ = async { while tasks.join_next().await.is_some() {} } => {
            anyhow::bail!("every lane consumer stopped");
        }
    }

    shutdown.cancel();
    while tasks.join_next().await.is_some() {}
    tracing::info!("worker stopped");
    Ok(())
}
