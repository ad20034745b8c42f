use serde::Deserialize;

use crate::settings::Secret;

/// `[storage.s3]`: with a `bucket` set, uploads and results live in that bucket instead of
/// under `storage.root`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BucketSettings {
    /// `https://oss-cn-hangzhou.aliyuncs.com`, `https://s3.eu-central-1.amazonaws.com`,
    /// `http://minio:9000`.
    pub endpoint: String,
    pub bucket: String,
    /// The region named in signatures (`us-east-1`, `oss-cn-hangzhou`, …).
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO and most self-hosted
    /// stores; Aliyun OSS and AWS want the latter).
    pub path_style: bool,
    /// A folder inside the bucket for everything the studio stores (`aigc/`), empty for none.
    pub prefix: String,
}

impl BucketSettings {
    pub fn is_enabled(&self) -> bool {
        !self.bucket.trim().is_empty()
    }
}
