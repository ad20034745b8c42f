//! A local stand-in for DashScope that behaves as the contract says: it checks requests,
//! answers success and every error class, keeps the account rate across all its clients,
//! injects faults, and serves result images behind links that expire.
//!
//! In tests: `let double = double::start(DoubleConfig::default()).await?;` then point a client
//! at `double.client_settings()`. Alone: `cargo run --bin dashscope-double -- --help`.

mod edit;
mod faults;
mod handler;
mod results;
mod stats;
mod validate;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub use edit::{default_output_size, EditBehaviour, EditInput, InvertEdit, StudioEdit};
pub use faults::{Fault, FaultOdds};
pub use stats::DoubleStats;
pub use validate::ApiError;

use super::settings::{DashscopeSettings, InlineImages, Secret};
use super::wire::GENERATION_PATH;
use faults::FaultSource;
use results::{Refusal, ResultStore};
use stats::Recorder;

/// How the double behaves. `Default` is a well-behaved service at 2 requests/s, no latency.
#[derive(Clone)]
pub struct DoubleConfig {
    pub api_key: String,
    pub latency: Duration,
    /// Uniform extra latency in `0..latency_jitter`.
    pub latency_jitter: Duration,
    /// Requests allowed in any one-second window; 0 disables the limit.
    pub rate: u32,
    pub result_ttl: Duration,
    pub odds: FaultOdds,
    /// Faults for the next requests, in order, before `odds` apply.
    pub script: Vec<Fault>,
    pub hang_for: Duration,
    /// Refuse inputs with a side outside 384..3072 px.
    pub strict_sizes: bool,
    pub output_megapixels: f64,
    /// Seed of the fault dice, so a probabilistic run can be replayed.
    pub seed: u64,
    pub behaviour: Arc<dyn EditBehaviour>,
}

impl Default for DoubleConfig {
    fn default() -> Self {
        Self {
            api_key: "test-key".into(),
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            rate: 2,
            result_ttl: Duration::from_secs(24 * 3600),
            odds: FaultOdds::default(),
            script: Vec::new(),
            hang_for: Duration::from_secs(3600),
            strict_sizes: true,
            output_megapixels: 1.0,
            seed: 7,
            behaviour: Arc::new(StudioEdit { shift: (0, 0) }),
        }
    }
}

pub(crate) struct DoubleState {
    pub(crate) config: DoubleConfig,
    pub(crate) base_url: String,
    pub(crate) http: reqwest::Client,
    pub(crate) results: ResultStore,
    recorder: Mutex<Recorder>,
    faults: Mutex<FaultSource>,
}

impl DoubleState {
    pub(crate) fn arrive(&self, now: Instant) -> u32 {
        self.recorder.lock().map(|mut r| r.arrive(now)).unwrap_or(0)
    }

    pub(crate) fn count(&self, f: impl FnOnce(&mut DoubleStats)) {
        if let Ok(mut r) = self.recorder.lock() {
            f(&mut r.stats);
        }
    }

    pub(crate) fn next_fault(&self) -> Fault {
        self.faults
            .lock()
            .map(|mut f| f.next())
            .unwrap_or(Fault::Pass)
    }

    /// Counts and renders an error answer.
    pub(crate) fn error(&self, err: ApiError) -> Response {
        self.count(|s| s.errors += 1);
        err.into_response()
    }

    fn stats(&self) -> DoubleStats {
        self.recorder
            .lock()
            .map(|r| r.stats.clone())
            .unwrap_or_default()
    }
}

/// A running double. Dropping it stops the server.
pub struct DoubleHandle {
    pub addr: SocketAddr,
    state: Arc<DoubleState>,
    server: tokio::task::JoinHandle<()>,
}

impl DoubleHandle {
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The `result_hosts` entry that admits this double's result links.
    pub fn result_host(&self) -> String {
        self.addr.to_string()
    }

    pub fn stats(&self) -> DoubleStats {
        self.state.stats()
    }

    /// Appends faults to the script.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        if let Ok(mut source) = self.state.faults.lock() {
            source.push(faults);
        }
    }

    /// Client settings pointing at this double: its key, its result host, inline images (the
    /// double cannot fetch anything but loopback URLs), and short retry waits.
    pub fn client_settings(&self) -> DashscopeSettings {
        DashscopeSettings {
            base_url: self.base_url(),
            api_key: Some(Secret::new(self.state.config.api_key.clone())),
            // An unlimited double (rate 0) gets a client that does not pace either.
            requests_per_second: match self.state.config.rate {
                0 => 1000.0,
                rate => f64::from(rate),
            },
            inline_images: InlineImages::Always,
            result_hosts: vec![self.result_host()],
            retry_base_ms: 50,
            retry_cap_secs: 1,
            retry_budget_secs: 60,
            ..DashscopeSettings::default()
        }
    }
}

impl Drop for DoubleHandle {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Starts the double on `127.0.0.1:0`.
pub async fn start(config: DoubleConfig) -> std::io::Result<DoubleHandle> {
    start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

pub async fn start_on(config: DoubleConfig, addr: SocketAddr) -> std::io::Result<DoubleHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let http = reqwest::Client::builder()
        .build()
        .map_err(std::io::Error::other)?;
    let state = Arc::new(DoubleState {
        base_url: format!("http://{addr}"),
        http,
        results: ResultStore::new(config.seed ^ 0x5eed),
        recorder: Mutex::new(Recorder::new()),
        faults: Mutex::new(FaultSource::new(
            config.script.clone(),
            config.odds,
            config.seed,
        )),
        config,
    });

    let app = router(Arc::clone(&state));
    let server = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(error = %err, "dashscope double stopped");
        }
    });
    Ok(DoubleHandle {
        addr,
        state,
        server,
    })
}

fn router(state: Arc<DoubleState>) -> Router {
    Router::new()
        .route(GENERATION_PATH, post(handler::generate))
        .route("/results/{file}", get(result_file))
        .route("/_double/stats", get(stats_json))
        .route("/_double/script", post(push_script))
        .with_state(state)
}

#[derive(Deserialize)]
struct LinkQuery {
    #[serde(rename = "Expires", default)]
    expires: i64,
    #[serde(rename = "Signature", default)]
    signature: String,
}

async fn result_file(
    State(state): State<Arc<DoubleState>>,
    Path(file): Path<String>,
    Query(q): Query<LinkQuery>,
) -> Response {
    let id = file.strip_suffix(".png").unwrap_or(&file);
    match state.results.get(id, q.expires, &q.signature) {
        Ok(bytes) => {
            state.count(|s| s.results_served += 1);
            ([(axum::http::header::CONTENT_TYPE, "image/png")], bytes).into_response()
        }
        Err(refusal) => {
            state.count(|s| s.results_refused += 1);
            Refusal::into_response(refusal)
        }
    }
}

async fn stats_json(State(state): State<Arc<DoubleState>>) -> Json<DoubleStats> {
    Json(state.stats())
}

async fn push_script(State(state): State<Arc<DoubleState>>, Json(faults): Json<Vec<Fault>>) {
    if let Ok(mut source) = state.faults.lock() {
        source.push(faults);
    }
}
