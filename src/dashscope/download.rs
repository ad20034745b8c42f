//! Bounded downloads: result images from the service's object storage, and our own inputs when
//! they must be inlined. Both stream with a byte limit so a bad server cannot fill memory.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use url::Url;

use super::error::{classify_transport, ErrorKind};
use super::hosts::host_allowed;

/// Why a bounded fetch failed, before the caller decides what it means.
#[derive(Debug)]
pub enum FetchError {
    Status(u16),
    TooLarge,
    Transport(ErrorKind),
}

/// GETs `url` with a whole-transfer timeout, refusing bodies over `max_bytes`.
pub async fn fetch_limited(
    http: &reqwest::Client,
    url: &Url,
    max_bytes: u64,
    timeout: Duration,
) -> Result<Bytes, FetchError> {
    let transfer = async {
        let mut resp = http.get(url.clone()).send().await.map_err(transport)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        if resp.content_length().is_some_and(|len| len > max_bytes) {
            return Err(FetchError::TooLarge);
        }

        let mut body = BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            if (body.len() + chunk.len()) as u64 > max_bytes {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(timeout, transfer)
        .await
        .unwrap_or(Err(FetchError::Transport(ErrorKind::Timeout)))
}

fn transport(err: reqwest::Error) -> FetchError {
    FetchError::Transport(classify_transport(&err))
}

/// Limits of a result download, from the settings.
#[derive(Clone, Debug)]
pub struct ResultLimits {
    pub hosts: Vec<String>,
    pub max_bytes: u64,
    pub timeout: Duration,
}

/// Downloads one result link. Transient failures are retried here (cheap) rather than by
/// calling the model again (billed).
pub async fn download_result(
    http: &reqwest::Client,
    link: &str,
    limits: &ResultLimits,
) -> Result<Bytes, ErrorKind> {
    let url = Url::parse(link).map_err(|e| ErrorKind::MalformedResponse(format!("link: {e}")))?;
    if !host_allowed(&url, &limits.hosts) {
        let host = url.host_str().unwrap_or_default().to_string();
        return Err(ErrorKind::ResultHostRefused { host });
    }

    let mut last = ErrorKind::ResultDownload("not attempted".into());
    for wait_ms in [0_u64, 500, 1500] {
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        match fetch_limited(http, &url, limits.max_bytes, limits.timeout).await {
            Ok(bytes) => return Ok(bytes),
            Err(err) => last = result_error(err, limits.max_bytes),
        }
        if !matches!(last, ErrorKind::ResultDownload(_)) {
            break;
        }
        tracing::debug!(error = %last, "result download failed, retrying");
    }
    Err(last)
}

fn result_error(err: FetchError, limit: u64) -> ErrorKind {
    match err {
        // Object storage answers 403 for an expired signature; some gateways use 404 or 410.
        FetchError::Status(status @ (403 | 404 | 410)) => ErrorKind::ResultExpired { status },
        FetchError::Status(status) => ErrorKind::ResultDownload(format!("status {status}")),
        FetchError::TooLarge => ErrorKind::ResultTooLarge { limit },
        FetchError::Transport(kind) => ErrorKind::ResultDownload(kind.to_string()),
    }
}
