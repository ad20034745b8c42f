//! Turns each [`ImageSource`] into the string sent in the request: its URL when the service can
//! download it and it needs no rescaling, otherwise a data URI.

use std::time::Duration;

use bytes::Bytes;
use url::Url;

use super::download::{fetch_limited, FetchError};
use super::error::ErrorKind;
use super::hosts::publicly_reachable;
use super::images::{prepare_inline, probe};
use super::request::ImageSource;
use super::settings::InlineImages;

pub(crate) struct Preparer<'a> {
    pub http: &'a reqwest::Client,
    pub mode: InlineImages,
    pub input_max_bytes: u64,
    pub timeout: Duration,
}

impl Preparer<'_> {
    /// `force_inline` is set after the service failed to download a URL we sent: the contract
    /// says a data URI fixes that.
    pub async fn prepare(
        &self,
        src: &ImageSource,
        force_inline: bool,
    ) -> Result<String, ErrorKind> {
        let must_rescale = match &src.bytes {
            Some(b) => !probe(b)?.sendable_as_is(b.len()),
            None => false,
        };
        let inline = match self.mode {
            InlineImages::Always => true,
            InlineImages::Never => false,
            InlineImages::Auto => force_inline || must_rescale || !self.url_reachable(src).await,
        };

        if !inline {
            let url = src.url.as_ref().ok_or_else(|| {
                ErrorKind::InvalidRequest("inline_images = never needs image URLs".into())
            })?;
            if must_rescale {
                tracing::warn!(url = %url, "image outside 384..3072 px sent as URL (never inline)");
            }
            return Ok(url.to_string());
        }

        let bytes = match (&src.bytes, &src.url) {
            (Some(b), _) => b.clone(),
            (None, Some(url)) => self.fetch_input(url).await?,
            (None, None) => return Err(ErrorKind::InvalidRequest("image without source".into())),
        };
        tokio::task::spawn_blocking(move || prepare_inline(&bytes))
            .await
            .map_err(|e| ErrorKind::InputImage(format!("image worker stopped: {e}")))?
    }

    async fn url_reachable(&self, src: &ImageSource) -> bool {
        match &src.url {
            Some(url) => publicly_reachable(url).await,
            None => false,
        }
    }

    async fn fetch_input(&self, url: &Url) -> Result<Bytes, ErrorKind> {
        match fetch_limited(self.http, url, self.input_max_bytes, self.timeout).await {
            Ok(bytes) => Ok(bytes),
            Err(FetchError::Status(s)) if (400..500).contains(&s) => {
                Err(ErrorKind::InputImage(format!("input answered {s}")))
            }
            Err(FetchError::Status(s)) => Err(ErrorKind::InputFetch(format!("status {s}"))),
            Err(FetchError::TooLarge) => Err(ErrorKind::InputImage("input too large".into())),
            Err(FetchError::Transport(kind)) => Err(ErrorKind::InputFetch(kind.to_string())),
        }
    }
}
