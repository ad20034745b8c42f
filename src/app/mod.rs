//! Building the product from its settings: the pieces both binaries share, and the web
//! application with its background tasks. Tests build the same application on port 0.

mod parts;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use parts::{job_context, open_broker, storage};
pub use worker::{run_worker, spawn_lanes};

use crate::batch::Submitter;
use crate::imaging::ImagingPool;
use crate::recorder::{self, Sweeper};
use crate::settings::Settings;
use crate::storage::retention::retention_loop;
use crate::web::{self, AppState};

/// The web process: HTTP server, recorder, sweeper, and (without RabbitMQ) the consumers.
pub struct Application {
    pub state: AppState,
    listener: TcpListener,
    background: JoinSet<()>,
    shutdown: CancellationToken,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let settings = Arc::new(settings);
        let storage = storage(&settings)?;
        storage
            .ensure_folders()
            .await
            .context("creating storage folders")?;
        let db = crate::store::connect(&settings.database.url, settings.database.max_connections)
            .await
            .context("opening the database (database.url)")?;
        crate::auth::bootstrap_admin(&db)
            .await
            .context("creating the first user")?;
        let broker = open_broker(&settings).await?;
        let submitter = Submitter::new(
            db.clone(),
            broker.clone(),
            storage.clone(),
            settings.limits.files_per_batch,
        );
        let state = AppState {
            settings,
            db,
            broker,
            storage,
            submitter,
            previews: ImagingPool::with_available_cores(),
        };
        let listener = TcpListener::bind(&state.settings.server.bind)
            .await
            .with_context(|| format!("listening on {}", state.settings.server.bind))?;
        let mut app = Application {
            state,
            listener,
            background: JoinSet::new(),
            shutdown: CancellationToken::new(),
        };
        app.start_background().await?;
        Ok(app)
    }

    async fn start_background(&mut self) -> anyhow::Result<()> {
        let state = self.state.clone();
        let token = self.shutdown.clone();
        let (db, broker) = (state.db.clone(), state.broker.clone());
        self.background.spawn(log_err(
            "recorder",
            recorder::run(db, broker, token.clone()),
        ));
        let sweeper = Sweeper {
            db: state.db.clone(),
            broker: state.broker.clone(),
            submitter: state.submitter.clone(),
            republish_after: Duration::from_secs(state.settings.queue.republish_after_secs),
            stale_after: Duration::from_secs(state.settings.queue.stale_after_secs),
        };
        self.background
            .spawn(sweeper.clone().republish_loop(token.clone()));
        self.background.spawn(log_err(
            "dead letters",
            sweeper.dead_letter_loop(token.clone()),
        ));
        self.start_retention();
        if !state.settings.is_distributed() {
            let lanes = state.settings.worker.lanes.clone();
            let jobs = job_context(&state.settings, &state.db).await?;
            let broker = state.broker.clone();
            spawn_lanes(
                &state.settings,
                jobs,
                broker,
                &lanes,
                &state.db,
                &token,
                &mut self.background,
            );
        }
        if state.broker.is_volatile() {
            recorder::refill(&state.db, &state.submitter).await?;
        }
        Ok(())
    }

    /// Old files are removed by the web process only: one walker per install is enough,
    /// and workers may not share its folder.
    fn start_retention(&mut self) {
        let keep_days = self.state.settings.storage.keep_days;
        if keep_days == 0 {
            return;
        }
        let Some(root) = self.state.storage.folder() else {
            tracing::warn!(
                "storage.keep_days applies to the folder only; give the bucket a lifecycle rule"
            );
            return;
        };
        let walk = retention_loop(root.to_path_buf(), keep_days, self.shutdown.clone());
        self.background.spawn(walk);
    }

    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` resolves, then stops the background tasks.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = web::router(self.state.clone());
        let shutdown = self.shutdown.clone();
        axum::serve(self.listener, router)
            .with_graceful_shutdown(async move {
                stop.await;
                shutdown.cancel();
            })
            .await
            .context("serving HTTP")?;
        self.shutdown.cancel();
        let mut background = self.background;
        while background.join_next().await.is_some() {}
        self.state.db.close().await;
        Ok(())
    }
}

async fn log_err<E: std::fmt::Display>(
    what: &'static str,
    fut: impl std::future::Future<Output = Result<(), E>>,
) {
    if let Err(err) = fut.await {
        tracing::error!(error = %err, "{what} stopped");
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown requested");
}
