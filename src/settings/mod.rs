//! Settings, layered with the `config` crate: the built-in `config/default.toml`, then
//! `config/aigc.toml` (or the file given with `--config`), then `AIGC__SECTION__KEY`
//! environment variables. The DashScope key may also come from the admin panel's
//! `config.php`.

mod php;
mod secret;

use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

pub use php::read_php_defines;
pub use secret::Secret;

use crate::dashscope::DashscopeSettings;
use crate::task::Lane;

const DEFAULTS: &str = include_str!("../../config/default.toml");
const LOCAL_FILE: &str = "config/aigc.toml";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub queue: QueueSettings,
    pub worker: WorkerSettings,
    pub storage: StorageSettings,
    pub limits: LimitSettings,
    pub admin_panel: AdminPanelSettings,
    pub watermark: WatermarkSettings,
    pub dashscope: DashscopeSettings,
    /// Where these settings were read from, to read them again (`None`: built by hand).
    #[serde(skip)]
    pub origin: Option<SettingsOrigin>,
}

/// The layers' inputs: the file given (if any) and the overrides.
#[derive(Clone, Default)]
pub struct SettingsOrigin {
    pub file: Option<PathBuf>,
    pub overrides: Vec<(String, String)>,
}

/// Override values may be secrets (a key, a password in a URL): only their names print.
impl std::fmt::Debug for SettingsOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.overrides.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("SettingsOrigin")
            .field("file", &self.file)
            .field("overrides", &keys)
            .finish()
    }
}

impl SettingsOrigin {
    /// The DashScope key as the configuration gives it now: files (`config/aigc.toml` or
    /// `--config`, the admin panel's `config.php`) may have been edited since the start.
    pub fn reread_api_key(&self) -> Result<Option<Secret>, SettingsError> {
        let overrides: Vec<(&str, &str)> = self
            .overrides
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let settings = Settings::load_with(self.file.as_deref(), &overrides)?;
        Ok(settings.dashscope.api_key)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    pub public_url: String,
    pub session_hours: u32,
    pub secure_cookie: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct QueueSettings {
    pub url: String,
    pub prefix: String,
    pub delivery_limit: u32,
    pub republish_after_secs: u64,
    pub stale_after_secs: u64,
    /// PEM file of the authority that signed the broker's certificate, for `amqps://` to a
    /// broker with a private CA; empty trusts the system's roots.
    #[serde(default)]
    pub tls_ca_file: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WorkerSettings {
    pub lanes: Vec<Lane>,
    pub local_prefetch: u16,
    pub ai_prefetch: u16,
    pub shutdown_grace_secs: u64,
    pub lane_pause_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    pub root: PathBuf,
    /// Days an upload or result is kept in `root` before the web process removes it; 0
    /// keeps everything (a bucket uses its own lifecycle rule instead).
    #[serde(default)]
    pub keep_days: u32,
    /// `[storage.s3]`; used instead of `root` when its `bucket` is set.
    #[serde(default)]
    pub s3: crate::storage::BucketSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LimitSettings {
    pub files_per_batch: usize,
    pub file_bytes: u64,
    pub image_pixels: u64,
}

impl LimitSettings {
    /// The decoded-size limit every picture is held to: uploads, jobs and previews alike.
    pub fn pixels(&self) -> crate::imaging::Limits {
        crate::imaging::Limits {
            max_pixels: self.image_pixels,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct AdminPanelSettings {
    pub config_php: String,
    /// `ALIYUN_API_ID` from `config.php`, when it has one (kept for the record; calls need
    /// only the key).
    #[serde(skip)]
    pub api_id: Secret,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WatermarkSettings {
    pub font: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration: {0}")]
    Config(#[from] config::ConfigError),
    #[error("admin panel config {path}: {source}")]
    AdminPanel {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Settings {
    /// Loads the layers. `file` replaces `config/aigc.toml` when given, and must exist.
    pub fn load(file: Option<&Path>) -> Result<Settings, SettingsError> {
        Self::load_with(file, &[])
    }

    /// Like [`Settings::load`], with `overrides` (`("server.bind", "...")`) applied last.
    /// Tests use it to give each application its own database, port and queue prefix
    /// without touching the process environment.
    pub fn load_with(
        file: Option<&Path>,
        overrides: &[(&str, &str)],
    ) -> Result<Settings, SettingsError> {
        let raw = layered(file, overrides)?;
        let mut settings: Settings = raw.try_deserialize()?;
        settings.resolve_api_key()?;
        settings.origin = Some(SettingsOrigin {
            file: file.map(Path::to_path_buf),
            overrides: overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        });
        Ok(settings)
    }

    /// Everything layered, for sections that other modules deserialize themselves.
    pub fn raw(file: Option<&Path>) -> Result<Config, SettingsError> {
        Ok(layered(file, &[])?)
    }

    /// The key's sources in order: configuration, `ALIYUN_API_KEY`, `DASHSCOPE_API_KEY`,
    /// then the admin panel's `config.php`.
    fn resolve_api_key(&mut self) -> Result<(), SettingsError> {
        let configured = self
            .dashscope
            .api_key
            .as_ref()
            .is_some_and(|k| !k.is_empty());
        if !configured {
            self.dashscope.api_key = ["ALIYUN_API_KEY", "DASHSCOPE_API_KEY"]
                .iter()
                .filter_map(|name| std::env::var(name).ok())
                .map(Secret::new)
                .find(|key| !key.is_empty());
        }
        let path = PathBuf::from(&self.admin_panel.config_php);
        if self.admin_panel.config_php.is_empty() {
            return Ok(());
        }
        let text = std::fs::read_to_string(&path).map_err(|source| SettingsError::AdminPanel {
            path: path.clone(),
            source,
        })?;
        let defines = read_php_defines(&text);
        if self.dashscope.api_key.is_none() {
            self.dashscope.api_key = defines.get("ALIYUN_API_KEY").map(Secret::new);
        }
        if let Some(id) = defines.get("ALIYUN_API_ID") {
            self.admin_panel.api_id = Secret::new(id.clone());
        }
        Ok(())
    }

    pub fn is_distributed(&self) -> bool {
        !self.queue.url.trim().is_empty()
    }
}

fn layered(file: Option<&Path>, overrides: &[(&str, &str)]) -> Result<Config, config::ConfigError> {
    let local = match file {
        Some(path) => File::from(path).required(true),
        None => File::new(LOCAL_FILE, FileFormat::Toml).required(false),
    };
    let mut builder = Config::builder()
        .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
        .add_source(local)
        .add_source(
            Environment::with_prefix("AIGC")
                .prefix_separator("__")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("dashscope.result_hosts")
                .with_list_parse_key("worker.lanes")
                .try_parsing(true),
        );
    for (key, value) in overrides {
        builder = builder.set_override(*key, *value)?;
    }
    builder.build()
}
