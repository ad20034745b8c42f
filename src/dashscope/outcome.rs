//! What a successful edit returns. Everything but the image bytes serialises into the task's
//! `result_data`.

use bytes::Bytes;
use serde::Serialize;

use super::wire::Usage;

/// One HTTP attempt, as recorded in `result_data`.
#[derive(Clone, Debug, Serialize)]
pub struct AttemptRecord {
    pub attempt: u32,
    /// `ok` or the stable error code.
    pub code: String,
    pub request_id: Option<String>,
    /// Time spent waiting for the rate gate before this attempt.
    pub gate_wait_ms: u64,
    pub call_ms: u64,
    /// Backoff slept after this attempt, if it was retried.
    pub retry_delay_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Durations {
    /// From the call of `edit` to its return, in-flight wait included.
    pub total_ms: u64,
    /// Waiting for a free in-flight permit.
    pub queued_ms: u64,
    pub gate_wait_ms: u64,
    /// Sum of the HTTP calls to the service.
    pub call_ms: u64,
    pub download_ms: u64,
}

/// One downloaded output. The model always returns PNG (RGB).
#[derive(Clone)]
pub struct OutputImage {
    pub url: String,
    pub bytes: Bytes,
}

impl std::fmt::Debug for OutputImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputImage")
            .field("url", &self.url)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct EditOutcome {
    pub request_id: String,
    pub model: String,
    /// `image_count` is what the call is billed for.
    pub usage: Usage,
    /// The service's expiring links; kept for the record only, never served to users.
    pub output_urls: Vec<String>,
    #[serde(skip)]
    pub images: Vec<OutputImage>,
    pub attempts: u32,
    pub attempt_log: Vec<AttemptRecord>,
    pub durations: Durations,
}
