//! Building the product from its settings: the pieces both binaries share, and the web
//! application with its background tasks. Tests build the same application on port 0.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::batch::Submitter;
use crate::dashscope::{ApiKeySource, DashscopeClient, ReadKey, SqlRateGate};
use crate::imaging::{FontSource, ImagingPool, Limits};
use crate::jobs::{AiTools, JobContext};
use crate::queue::rabbitmq::{RabbitBroker, RabbitOptions};
use crate::queue::{Broker, MemoryBroker};
use crate::recorder::{self, Sweeper};
use crate::settings::Settings;
use crate::storage::retention::retention_loop;
use crate::storage::Storage;
use crate::store::Db;
use crate::task::Lane;
use crate::web::{self, AppState};
use crate::worker::{LanePause, LaneWorker};

pub async fn open_broker(settings: &Settings) -> anyhow::Result<Arc<dyn Broker>> {
    let queue = &settings.queue;
    if !settings.is_distributed() {
        return Ok(MemoryBroker::new(queue.delivery_limit));
    }
    let options = RabbitOptions {
        tls_ca_pem: broker_ca(&queue.tls_ca_file)?,
        ..RabbitOptions::default()
    };
    let broker =
        RabbitBroker::connect_with(&queue.url, &queue.prefix, queue.delivery_limit, options)
            .await
            .context("connecting to RabbitMQ (queue.url)")?;
    Ok(broker)
}

/// The PEM text of `queue.tls_ca_file`, read once at start.
fn broker_ca(path: &str) -> anyhow::Result<Option<String>> {
    let path = path.trim();
    if path.is_empty() {
        return Ok(None);
    }
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("reading queue.tls_ca_file {path}"))?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        anyhow::bail!("queue.tls_ca_file {path} holds no PEM certificate");
    }
    Ok(Some(pem))
}

/// The shared folder, or the bucket when `storage.s3.bucket` is set.
pub fn storage(settings: &Settings) -> anyhow::Result<Storage> {
    let public_url = &settings.server.public_url;
    let s3 = &settings.storage.s3;
    if !s3.is_enabled() {
        return Ok(Storage::new(settings.storage.root.clone(), public_url));
    }
    let bucket = crate::storage::Bucket::new(s3).context("storage.s3")?;
    tracing::info!(endpoint = %s3.endpoint, bucket = %s3.bucket, "files are kept in an object store");
    Ok(Storage::in_bucket(bucket, public_url))
}

pub async fn job_context(settings: &Settings, db: &Db) -> anyhow::Result<JobContext> {
    let font = Some(settings.watermark.font.trim())
        .filter(|f| !f.is_empty())
        .map(PathBuf::from);
    Ok(JobContext {
        storage: storage(settings)?,
        limits: Limits {
            max_pixels: settings.limits.image_pixels,
        },
        fonts: Arc::new(FontSource::new(font)),
        pool: ImagingPool::with_available_cores(),
        ai: ai_tools(settings, db).await?,
    })
}

/// The DashScope client with the account-wide rate gate kept in the shared database, so
/// every process on every host draws from the same budget. Built even without a key: AI
/// tasks then wait with a notice, and the lane starts once a key is configured.
async fn ai_tools(settings: &Settings, db: &Db) -> anyhow::Result<Option<Arc<AiTools>>> {
    let ds = &settings.dashscope;
    if ds.api_key.as_ref().is_none_or(|k| k.is_empty()) {
        tracing::warn!("no DashScope API key configured: AI tasks will wait until one is set");
    }
    let gate = SqlRateGate::for_settings(db.clone(), ds)
        .await
        .context("rate gate table")?;
    let client = DashscopeClient::new(ds.clone(), Arc::new(gate))
        .map_err(|e| anyhow::anyhow!("DashScope client: {e:?}"))?
        .with_key_source(Arc::new(key_source(settings)));
    tracing::info!(model = %ds.model, rate = ds.requests_per_second, "AI tools ready");
    Ok(Some(Arc::new(AiTools { client })))
}

/// The configured key, read again from the configuration after the service refuses it.
fn key_source(settings: &Settings) -> ApiKeySource {
    let key = settings.dashscope.api_key.clone();
    let Some(origin) = settings.origin.clone() else {
        return ApiKeySource::fixed(key);
    };
    let read: ReadKey = Arc::new(move || origin.reread_api_key().map_err(|e| e.to_string()));
    ApiKeySource::rereading(key, read)
}

/// Consumers of the configured lanes, each running until `shutdown`.
pub fn spawn_lanes(
    settings: &Settings,
    jobs: JobContext,
    broker: Arc<dyn Broker>,
    lanes: &[Lane],
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
    spawn_lanes(settings, jobs, broker, lanes, &shutdown, &mut tasks);
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
