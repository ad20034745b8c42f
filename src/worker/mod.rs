//! The consumer loop of one lane: take a task message, tell the recorder it started, run the
//! job, publish the outcome, and only then acknowledge the message. A worker that dies at
//! any point leaves the message unacknowledged, so the broker hands it to another worker.

mod handle;
mod pause;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::jobs::JobContext;
use crate::queue::{Broker, QueueError};
use crate::store::Db;
use crate::task::Lane;

pub use pause::{LanePause, Paused};

#[derive(Clone)]
pub struct LaneWorker {
    pub broker: Arc<dyn Broker>,
    pub jobs: JobContext,
    pub lane: Lane,
    pub prefetch: u16,
    /// Deliveries a message gets; the last one fails its task with the job's own reason.
    pub delivery_limit: u32,
    /// How long a stopping worker waits for the tasks it holds.
    pub grace: Duration,
    /// Set when the service refuses the whole lane (see [`LanePause`]).
    pub pause: Arc<LanePause>,
    /// The task table, asked before a job runs whether its task still waits for it.
    pub tasks: Db,
}

impl LaneWorker {
    /// Consumes until `shutdown`, then waits up to the grace period for tasks in hand.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), QueueError> {
        let mut deliveries = self.broker.consume_tasks(self.lane, self.prefetch).await?;
        let mut running = JoinSet::new();
        tracing::info!(lane = %self.lane, prefetch = self.prefetch, "lane consumer started");
        loop {
            if let Some(paused) = self.pause.current() {
                // Wait out the pause, then try one task alone: its outcome ends or lengthens
                // the pause.
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep_until(paused.until) => {}
                }
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    next = deliveries.next() => match next {
                        Some(delivery) => self.clone().handle(delivery).await,
                        None => break,
                    },
                }
                continue;
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(done) = running.join_next(), if !running.is_empty() => log_panic(done),
                next = deliveries.next() => match next {
                    Some(delivery) => {
                        let worker = self.clone();
                        running.spawn(async move { worker.handle(delivery).await });
                    }
                    None => break,
                },
            }
        }
        drop(deliveries);
        self.drain(running).await;
        Ok(())
    }

    async fn drain(&self, mut running: JoinSet<()>) {
        let held = running.len();
        tracing::info!(lane = %self.lane, held, "lane stopping; finishing tasks in hand");
        let finished = tokio::time::timeout(self.grace, async {
            while let Some(done) = running.join_next().await {
                log_panic(done);
            }
        })
        .await;
        if finished.is_err() {
            // Unacknowledged messages go back to the queue when the connection closes (or
            // are refilled from the database in the embedded engine).
            tracing::warn!(lane = %self.lane, left = running.len(), "grace period over");
            running.abort_all();
        }
    }
}

fn log_panic(done: Result<(), tokio::task::JoinError>) {
    if let Err(err) = done {
        if err.is_panic() {
            tracing::error!(error = %err, "task handler panicked; message will be redelivered");
        }
    }
}
