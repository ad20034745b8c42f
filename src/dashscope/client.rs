//! The client: one `edit` call runs the whole life of a task's request: permit, input
//! preparation, rate slot, HTTP call, classification, backoff and retry, result download.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::download::{download_result, ResultLimits};
use super::error::{classify_api_error, classify_transport, DashscopeError, ErrorKind};
use super::key::ApiKeySource;
use super::outcome::{AttemptRecord, Durations, EditOutcome, OutputImage};
use super::prepare::Preparer;
use super::rate::RateGate;
use super::request::EditRequest;
use super::retry::{parse_retry_after, RetryPolicy};
use super::settings::DashscopeSettings;
use super::wire::{ErrorBody, GenerationResponse, GENERATION_PATH};

pub struct DashscopeClient {
    settings: DashscopeSettings,
    http: reqwest::Client,
    gate: Arc<dyn RateGate>,
    policy: RetryPolicy,
    permits: Semaphore,
    endpoint: String,
    key: Arc<ApiKeySource>,
}

/// The outcome of one HTTP attempt.
type AttemptResult = Result<GenerationResponse, (ErrorKind, Option<String>)>;

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

impl DashscopeClient {
    pub fn new(settings: DashscopeSettings, gate: Arc<dyn RateGate>) -> Result<Self, ErrorKind> {
        // No redirects: a redirect could lead a result download off the allowed hosts.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ErrorKind::InvalidRequest(format!("http client: {e}")))?;
        let endpoint = format!(
            "{}{}",
            settings.base_url.trim_end_matches('/'),
            GENERATION_PATH
        );
        Ok(Self {
            key: Arc::new(ApiKeySource::fixed(settings.api_key.clone())),
            policy: RetryPolicy::from_settings(&settings),
            permits: Semaphore::new(settings.max_in_flight.max(1)),
            http,
            gate,
            endpoint,
            settings,
        })
    }

    /// Takes the key from `source` instead of the settings, so a corrected key reaches the
    /// running process.
    pub fn with_key_source(mut self, source: Arc<ApiKeySource>) -> Self {
        self.key = source;
        self
    }

    pub fn settings(&self) -> &DashscopeSettings {
        &self.settings
    }

    /// Runs one edit to the end, retrying transient failures within the task's budget.
    /// A `Retry`-class error returned here means the budget or the attempts are spent.
    pub async fn edit(&self, req: EditRequest) -> Result<EditOutcome, DashscopeError> {
        let task_id = req.task_id.clone().unwrap_or_default();
        let span =
            tracing::info_span!("dashscope_edit", task_id = %task_id, model = %self.settings.model);
        self.edit_inner(req).instrument(span).await
    }

    async fn edit_inner(&self, req: EditRequest) -> Result<EditOutcome, DashscopeError> {
        let started = Instant::now();
        req.validate()?;
        let api_key = self.api_key()?;
        let _permit = self.permits.acquire().await.map_err(|_| {
            DashscopeError::new(ErrorKind::InvalidRequest("client is shutting down".into()))
        })?;
        let mut run = Run {
            started: Some(started),
            queued: started.elapsed(),
            ..Run::default()
        };

        // The body is built once and rebuilt only when switching to inline images.
        let mut body: Option<Bytes> = None;
        let mut force_inline = false;
        let mut attempt = 0_u32;
        loop {
            attempt += 1;
            let result = self
                .one_attempt(&req, &api_key, force_inline, &mut body, &mut run)
                .await;
            let (kind, request_id) = match result {
                Ok(resp) => match self.finish(resp, &mut run).await {
                    Ok(outcome) => return Ok(outcome),
                    Err(kind) => (kind, None),
                },
                Err(failure) => failure,
            };

            let Some(delay) = self.after_failure(&kind, attempt, &mut run).await else {
                let attempt_log = std::mem::take(&mut run.log);
                let attempts = attempt_log.len() as u32;
                return Err(DashscopeError {
                    kind,
                    attempts,
                    request_id,
                    attempt_log,
                });
            };
            if matches!(kind, ErrorKind::InputDownload { .. }) && !force_inline {
                force_inline = true;
                body = None;
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// Reports a throttle to the gate and decides the wait before the next attempt, if any.
    async fn after_failure(
        &self,
        kind: &ErrorKind,
        attempt: u32,
        run: &mut Run,
    ) -> Option<Duration> {
        if matches!(kind, ErrorKind::Throttled { .. }) {
            self.gate.on_throttled().await;
        }
        if matches!(kind, ErrorKind::InvalidApiKey { .. }) {
            self.key.refused();
        }
        let elapsed = run.started.map(|s| s.elapsed()).unwrap_or_default();
        let delay = self.next_delay(kind, attempt, elapsed);
        if let Some(last) = run.log.last_mut() {
            last.retry_delay_ms = delay.map(ms);
        }
        match delay {
            Some(d) => tracing::info!(
                attempt,
                code = kind.code(),
                delay_ms = ms(d),
                "edit retried"
            ),
            None => {
                tracing::info!(attempt, code = kind.code(), class = ?kind.class(), "edit failed")
            }
        }
        delay
    }

    fn api_key(&self) -> Result<String, DashscopeError> {
        match self.key.current() {
            Some(key) => Ok(key.expose().to_string()),
            None => {
                self.key.refused();
                Err(ErrorKind::MissingApiKey.into())
            }
        }
    }

    fn next_delay(&self, kind: &ErrorKind, attempt: u32, elapsed: Duration) -> Option<Duration> {
        let mut rng = rand::rng();
        self.policy.next_delay(kind, attempt, elapsed, &mut rng)
    }

    /// Prepares the body, waits for a rate slot, sends, and records the attempt.
    async fn one_attempt(
        &self,
        req: &EditRequest,
        api_key: &str,
        force_inline: bool,
        body: &mut Option<Bytes>,
        run: &mut Run,
    ) -> AttemptResult {
        let body = match body {
            Some(b) => b.clone(),
            None => body
                .insert(self.body(req, force_inline).await.map_err(|k| (k, None))?)
                .clone(),
        };

        let gate_started = Instant::now();
        self.gate.acquire().await;
        let gate_wait = gate_started.elapsed();

        let call_started = Instant::now();
        let result = self.send(body, api_key).await;
        let call = call_started.elapsed();

        let (code, request_id) = match &result {
            Ok(resp) => ("ok".to_string(), resp.request_id.clone()),
            Err((kind, rid)) => (kind.code().to_string(), rid.clone()),
        };
        let attempt = run.log.len() as u32 + 1;
        tracing::debug!(attempt, code = %code, call_ms = ms(call), "attempt done");
        run.gate_wait += gate_wait;
        run.call += call;
        run.log.push(AttemptRecord {
            attempt,
            code,
            request_id,
            gate_wait_ms: ms(gate_wait),
            call_ms: ms(call),
            retry_delay_ms: None,
        });
        result
    }

    async fn body(&self, req: &EditRequest, force_inline: bool) -> Result<Bytes, ErrorKind> {
        let preparer = Preparer {
            http: &self.http,
            mode: self.settings.inline_images,
            input_max_bytes: self.settings.input_max_bytes,
            timeout: self.settings.result_timeout(),
        };
        let mut images = Vec::with_capacity(req.images.len());
        for src in &req.images {
            images.push(preparer.prepare(src, force_inline).await?);
        }
        let wire = req.to_wire(&self.settings.model, images);
        serde_json::to_vec(&wire)
            .map(Bytes::from)
            .map_err(|e| ErrorKind::InvalidRequest(format!("body: {e}")))
    }

    async fn send(&self, body: Bytes, api_key: &str) -> AttemptResult {
        let resp = self
            .http
            .post(&self.endpoint)
            .bearer_auth(api_key)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(self.settings.timeout())
            .body(body)
            .send()
            .await
            .map_err(|e| (classify_transport(&e), None))?;

        let status = resp.status().as_u16();
        let retry_after = resp.headers().get(reqwest::header::RETRY_AFTER);
        let retry_after = parse_retry_after(retry_after.and_then(|v| v.to_str().ok()));
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| (classify_transport(&e), None))?;

        if (200..300).contains(&status) {
            return serde_json::from_slice::<GenerationResponse>(&bytes)
                .map_err(|e| (ErrorKind::MalformedResponse(e.to_string()), None));
        }
        Err(classify_error_body(status, &bytes, retry_after))
    }

    async fn finish(
        &self,
        resp: GenerationResponse,
        run: &mut Run,
    ) -> Result<EditOutcome, ErrorKind> {
        let urls = output_urls(&resp);
        if urls.is_empty() {
            return Err(ErrorKind::MalformedResponse("no output image".into()));
        }

        let download_started = Instant::now();
        let limits = ResultLimits {
            hosts: self.settings.result_hosts.clone(),
            max_bytes: self.settings.result_max_bytes,
            timeout: self.settings.result_timeout(),
        };
        let mut images = Vec::with_capacity(urls.len());
        for url in &urls {
            let bytes = download_result(&self.http, url, &limits).await?;
            images.push(OutputImage {
                url: url.clone(),
                bytes,
            });
        }
        let download = download_started.elapsed();
        self.gate.on_success().await;

        let outcome = run.outcome(resp, &self.settings.model, urls, images, download);
        tracing::info!(
            request_id = %outcome.request_id,
            attempts = outcome.attempts,
            images = outcome.usage.image_count,
            total_ms = outcome.durations.total_ms,
            "edit succeeded"
        );
        Ok(outcome)
    }
}

/// Sorts a non-2xx answer; a body that is not the JSON error shape is a proxy's page.
fn classify_error_body(
    status: u16,
    bytes: &[u8],
    retry_after: Option<Duration>,
) -> (ErrorKind, Option<String>) {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) if !body.code.is_empty() => {
            let kind = classify_api_error(status, &body.code, &body.message, retry_after);
            (kind, body.request_id)
        }
        _ if status >= 500 || status == 429 => (ErrorKind::NonJsonBody { status }, None),
        _ => (
            ErrorKind::UnexpectedStatus {
                status,
                code: "non_json_body".into(),
            },
            None,
        ),
    }
}

fn output_urls(resp: &GenerationResponse) -> Vec<String> {
    let choices = resp.output.choices.iter();
    choices
        .flat_map(|c| c.message.content.iter().filter_map(|i| i.image.clone()))
        .collect()
}

/// Bookkeeping of one `edit` across its attempts.
#[derive(Default)]
struct Run {
    started: Option<Instant>,
    queued: Duration,
    gate_wait: Duration,
    call: Duration,
    log: Vec<AttemptRecord>,
}

impl Run {
    fn outcome(
        &mut self,
        resp: GenerationResponse,
        model: &str,
        output_urls: Vec<String>,
        images: Vec<OutputImage>,
        download: Duration,
    ) -> EditOutcome {
        let total = self.started.map(|s| s.elapsed()).unwrap_or_default();
        EditOutcome {
            request_id: resp.request_id.unwrap_or_default(),
            model: model.to_string(),
            usage: resp.usage,
            output_urls,
            images,
            attempts: self.log.len() as u32,
            attempt_log: std::mem::take(&mut self.log),
            durations: Durations {
                total_ms: ms(total),
                queued_ms: ms(self.queued),
                gate_wait_ms: ms(self.gate_wait),
                call_ms: ms(self.call),
                download_ms: ms(download),
            },
        }
    }
}
