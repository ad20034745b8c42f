//! Objects in an S3-compatible bucket (Aliyun OSS, AWS S3, MinIO): the storage of a
//! distributed install whose hosts share no folder.
//!
//! Only what the studio needs: put an object, get it back. Requests are signed with
//! Signature Version 4 and retried a few times on network errors and 5xx answers; what is
//! left after that is reported as passing trouble, so the task that needed the file is
//! tried again later instead of failing.

mod settings;
mod sign;

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::StatusCode;

pub use settings::BucketSettings;
use sign::{encode_key, sign, Credentials, Unsigned};

use super::StorageError;

#[derive(Debug, Clone)]
pub struct Bucket {
    settings: BucketSettings,
    http: reqwest::Client,
    /// `https://host[:port]` of the endpoint, and the host as signed.
    origin: String,
    host: String,
}

impl Bucket {
    pub fn new(settings: &BucketSettings) -> Result<Bucket, StorageError> {
        let invalid = |why: &str| StorageError::Config(format!("storage.s3.endpoint: {why}"));
        let endpoint = url::Url::parse(&settings.endpoint).map_err(|e| invalid(&e.to_string()))?;
        let endpoint_host = endpoint.host_str().ok_or_else(|| invalid("no host"))?;
        let port = endpoint.port().map(|p| format!(":{p}")).unwrap_or_default();
        let host = if settings.path_style {
            format!("{endpoint_host}{port}")
        } else {
            format!("{}.{endpoint_host}{port}", settings.bucket)
        };
        let origin = format!("{}://{host}", endpoint.scheme());
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| StorageError::Config(e.to_string()))?;
        Ok(Bucket {
            settings: settings.clone(),
            http,
            origin,
            host,
        })
    }

    /// Stores `bytes` under `key` (relative to `storage.s3.prefix`).
    pub async fn put(
        &self,
        key: &str,
        bytes: &[u8],
        content_type: &str,
    ) -> Result<(), StorageError> {
        let attempt = || async { self.send("PUT", key, bytes, content_type).await.map(|_| ()) };
        attempt
            .retry(backoff())
            .when(StorageError::is_transient)
            .await
    }

    /// The object under `key`; `StorageError::Missing` when there is none.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        let attempt = || async { self.send("GET", key, b"", "").await };
        attempt
            .retry(backoff())
            .when(StorageError::is_transient)
            .await
    }

    async fn send(
        &self,
        method: &str,
        key: &str,
        payload: &[u8],
        content_type: &str,
    ) -> Result<Vec<u8>, StorageError> {
        let path = self.path_of(key);
        let extra: Vec<(&str, &str)> = if content_type.is_empty() {
            Vec::new()
        } else {
            vec![("content-type", content_type)]
        };
        let request = Unsigned {
            method,
            host: &self.host,
            path: &path,
            payload,
            extra: &extra,
        };
        let credentials = Credentials {
            access_key_id: &self.settings.access_key_id,
            secret_access_key: self.settings.secret_access_key.expose(),
            region: &self.settings.region,
        };
        let signed = sign(&request, &credentials, chrono::Utc::now());
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| StorageError::Config(e.to_string()))?;
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.origin))
            .header("authorization", signed.authorization)
            .header("x-amz-date", signed.amz_date)
            .header("x-amz-content-sha256", signed.content_sha256);
        for (name, value) in &extra {
            builder = builder.header(*name, *value);
        }
        if !payload.is_empty() {
            builder = builder.body(payload.to_vec());
        }
        let response = builder.send().await.map_err(|e| unreachable(key, &e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| unreachable(key, &e))?;
        answer(key, status, body.to_vec())
    }

    /// `/bucket/prefix/key` (path style) or `/prefix/key`, percent-encoded.
    fn path_of(&self, key: &str) -> String {
        let prefix = self.settings.prefix.trim_matches('/');
        let full = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}/{key}")
        };
        if self.settings.path_style {
            format!("/{}/{}", self.settings.bucket, encode_key(&full))
        } else {
            format!("/{}", encode_key(&full))
        }
    }
}

fn backoff() -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_secs(3))
        .with_max_times(3)
        .with_jitter()
}

fn unreachable(key: &str, err: &reqwest::Error) -> StorageError {
    StorageError::Remote {
        key: key.to_string(),
        status: None,
        detail: err.to_string(),
    }
}

/// Sorts the store's answer: the body on success, `Missing` for 404, the store's own error
/// code otherwise (S3 answers errors as XML with a `<Code>`).
fn answer(key: &str, status: StatusCode, body: Vec<u8>) -> Result<Vec<u8>, StorageError> {
    if status.is_success() {
        return Ok(body);
    }
    if status == StatusCode::NOT_FOUND {
        return Err(StorageError::Missing(key.to_string()));
    }
    let text = String::from_utf8_lossy(&body);
    let code = text
        .split("<Code>")
        .nth(1)
        .and_then(|rest| rest.split("</Code>").next())
        .unwrap_or("no error code");
    Err(StorageError::Remote {
        key: key.to_string(),
        status: Some(status.as_u16()),
        detail: code.chars().take(100).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(path_style: bool) -> BucketSettings {
        BucketSettings {
            endpoint: "https://oss-cn-hangzhou.aliyuncs.com".into(),
            bucket: "shop".into(),
            region: "oss-cn-hangzhou".into(),
            path_style,
            prefix: "/aigc/".into(),
            ..BucketSettings::default()
        }
    }

    #[test]
    fn virtual_hosted_style_puts_the_bucket_in_the_host() {
        let bucket = Bucket::new(&settings(false)).expect("valid settings");
        assert_eq!(bucket.origin, "https://shop.oss-cn-hangzhou.aliyuncs.com");
        assert_eq!(bucket.path_of("temp/a b.jpg"), "/aigc/temp/a%20b.jpg");
    }

    #[test]
    fn path_style_puts_the_bucket_in_the_path() {
        let bucket = Bucket::new(&settings(true)).expect("valid settings");
        assert_eq!(bucket.origin, "https://oss-cn-hangzhou.aliyuncs.com");
        assert_eq!(bucket.path_of("temp/x.jpg"), "/shop/aigc/temp/x.jpg");
    }

    #[test]
    fn an_endpoint_that_is_not_a_url_is_a_settings_error() {
        let mut broken = settings(false);
        broken.endpoint = "oss-cn-hangzhou".into();
        assert!(matches!(Bucket::new(&broken), Err(StorageError::Config(_))));
    }
}
