//! Configuration of the DashScope lane, nested under the `dashscope` key by the config loader.

use std::time::Duration;

use serde::Deserialize;

pub use crate::settings::Secret;

/// When input images travel inside the request as data URIs instead of as URLs.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InlineImages {
    /// Inline when the image URL is not reachable from the internet (loopback, private ranges,
    /// names that do not resolve to a public address), or when the image must be rescaled.
    #[default]
    Auto,
    Always,
    Never,
}

/// Every key of the `dashscope` section. Each field has a default so an empty section works.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct DashscopeSettings {
    /// Region endpoint, or the address of the test double.
    pub base_url: String,
    pub api_key: Option<Secret>,
    pub model: String,
    /// Account-wide limit shared by every worker on every host.
    pub requests_per_second: f64,
    /// Whole-call timeout of one attempt (connect, upload, model time, answer).
    pub timeout_secs: u64,
    pub inline_images: InlineImages,
    /// Hosts results may be downloaded from: `*.aliyuncs.com`, `127.0.0.1`, `127.0.0.1:8099`.
    pub result_hosts: Vec<String>,
    /// Calls in flight per worker process; bounds memory to this many tasks' images.
    pub max_in_flight: usize,
    /// Spacing added above 1/rate so network jitter cannot squeeze three requests into a second.
    pub rate_margin: f64,
    /// Name of the row in `dashscope_rate`; one per account and model.
    pub rate_name: String,
    /// First retry delay; doubles each attempt, with full jitter.
    pub retry_base_ms: u64,
    pub retry_cap_secs: u64,
    /// Total time one task may spend on retries before it fails with the last error.
    pub retry_budget_secs: u64,
    pub max_attempts: u32,
    /// Upper bound for a server's `Retry-After`, so a wild value cannot park a task for hours.
    pub retry_after_max_secs: u64,
    pub result_max_bytes: u64,
    pub result_timeout_secs: u64,
    /// Largest input fetched from our own server when it has to be inlined.
    pub input_max_bytes: u64,
}

impl Default for DashscopeSettings {
    fn default() -> Self {
        Self {
            base_url: "https://dashscope.aliyuncs.com".into(),
            api_key: None,
            model: "qwen-image-edit-plus".into(),
            requests_per_second: 2.0,
            timeout_secs: 180,
            inline_images: InlineImages::Auto,
            result_hosts: vec!["*.aliyuncs.com".into()],
            max_in_flight: 64,
            rate_margin: 0.10,
            rate_name: "qwen-image-edit".into(),
            retry_base_ms: 1_000,
            retry_cap_secs: 30,
            retry_budget_secs: 900,
            max_attempts: 12,
            retry_after_max_secs: 60,
            result_max_bytes: 30 * 1024 * 1024,
            result_timeout_secs: 60,
            input_max_bytes: 20 * 1024 * 1024,
        }
    }
}

impl DashscopeSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    pub fn result_timeout(&self) -> Duration {
        Duration::from_secs(self.result_timeout_secs)
    }

    /// Minimum spacing between two requests of the whole account, margin included.
    pub fn base_interval(&self) -> Duration {
        let rate = self.requests_per_second.max(0.01);
        Duration::from_secs_f64((1.0 + self.rate_margin.max(0.0)) / rate)
    }
}
