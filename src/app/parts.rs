//! The pieces every binary builds from the settings: the broker, the file store, and what
//! the jobs need (imaging limits, fonts, the DashScope client and its rate gate).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::dashscope::{ApiKeySource, DashscopeClient, ReadKey, SqlRateGate};
use crate::imaging::{FontSource, ImagingPool};
use crate::jobs::{AiTools, JobContext};
use crate::queue::rabbitmq::{RabbitBroker, RabbitOptions};
use crate::queue::{Broker, MemoryBroker};
use crate::settings::Settings;
use crate::storage::Storage;
use crate::store::Db;

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
        limits: settings.limits.pixels(),
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
