//! Stored files: uploads in `temp/`, outputs in `results/`, both under `storage.root` (or
//! under those keys in an S3-compatible bucket, see [`bucket`]) and served at
//! `<public_url>/public/...` either way.
//!
//! Stored names are random so that URLs cannot be guessed. Results live in a random folder
//! per task that keeps the original file's name readable (`results/8f3ac1.../IMG_0012_white.jpg`);
//! the folder is chosen when the task is created, so a task that runs twice overwrites its
//! own files instead of leaving copies.

pub mod bucket;
mod names;
pub mod retention;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use bucket::{Bucket, BucketSettings};
pub use names::{download_name, random_token, result_file_name, sanitize_stem};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("file i/o at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("not a file of this server: {0}")]
    ForeignUrl(String),
    #[error("no stored object `{0}`")]
    Missing(String),
    #[error("object store, `{key}`: {} {detail}", status.map(|s| s.to_string()).unwrap_or_else(|| "no answer:".into()))]
    Remote {
        key: String,
        status: Option<u16>,
        detail: String,
    },
    #[error("storage settings: {0}")]
    Config(String),
}

impl StorageError {
    /// Worth trying again soon: the store did not answer, was busy or failed inside.
    pub fn is_transient(&self) -> bool {
        match self {
            StorageError::Remote { status: None, .. } => true,
            StorageError::Remote {
                status: Some(status),
                ..
            } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }

    /// The file is simply not there (deleted, or never written).
    pub fn is_missing(&self) -> bool {
        match self {
            StorageError::Missing(_) => true,
            StorageError::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
    bucket: Option<Arc<Bucket>>,
    public_url: String,
}

impl Storage {
    /// Files under `root` on this host's disk (or a folder shared between hosts).
    pub fn new(root: impl Into<PathBuf>, public_url: &str) -> Storage {
        Storage {
            root: root.into(),
            bucket: None,
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    /// Files in an S3-compatible bucket; nothing is written to local disk.
    pub fn in_bucket(bucket: Bucket, public_url: &str) -> Storage {
        Storage {
            bucket: Some(Arc::new(bucket)),
            ..Storage::new(PathBuf::new(), public_url)
        }
    }

    /// The configured folder (empty when files are kept in a bucket).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The local folder, when files are kept on disk.
    pub fn folder(&self) -> Option<&Path> {
        self.bucket.is_none().then_some(self.root.as_path())
    }

    pub async fn ensure_folders(&self) -> Result<(), StorageError> {
        if self.bucket.is_some() {
            return Ok(());
        }
        for sub in ["temp", "results"] {
            let path = self.root.join(sub);
            tokio::fs::create_dir_all(&path)
                .await
                .map_err(|source| StorageError::Io { path, source })?;
        }
        Ok(())
    }

    pub fn temp_url(&self, name: &str) -> String {
        format!("{}/public/temp/{name}", self.public_url)
    }

    /// The public URL of a stored result; each path segment is percent-encoded, so names
    /// such as `竖图_white.jpg` make valid URLs everywhere.
    pub fn result_url(&self, relative: &str) -> String {
        let encoded: Vec<String> = relative.split('/').map(names::encode_segment).collect();
        format!("{}/public/results/{}", self.public_url, encoded.join("/"))
    }

    /// The stored name of an upload from its URL (`.../public/temp/<name>`).
    ///
    /// Only the path is read, not the host: URLs stored in `aigc_tasks` keep working when
    /// `public_url` changes (a new domain, a new port). Every such URL was checked against
    /// the user's own uploads when its task was accepted.
    pub fn temp_name_of(&self, url: &str) -> Option<String> {
        let name = path_after(url, "/public/temp/")?;
        names::is_plain_name(&name).then_some(name)
    }

    /// The path under `results/` of one of our result URLs (`<folder>/<file>`).
    pub fn result_relative_of(&self, url: &str) -> Option<String> {
        let relative = path_after(url, "/public/results/")?;
        let mut parts = relative.split('/');
        let ok = parts.by_ref().take(2).all(names::is_plain_name) && parts.next().is_none();
        (ok && relative.contains('/')).then_some(relative)
    }

    pub fn temp_path(&self, name: &str) -> PathBuf {
        self.root.join("temp").join(name)
    }

    pub fn result_path(&self, relative: &str) -> PathBuf {
        self.root.join("results").join(relative)
    }

    /// Reads an input given by its public URL; only our own uploads can be read.
    pub async fn read_upload(&self, url: &str) -> Result<Vec<u8>, StorageError> {
        let name = self
            .temp_name_of(url)
            .ok_or_else(|| StorageError::ForeignUrl(url.into()))?;
        self.read(&format!("temp/{name}")).await
    }

    /// Reads a stored result by its public URL.
    pub async fn read_result(&self, url: &str) -> Result<Vec<u8>, StorageError> {
        let rel = self
            .result_relative_of(url)
            .ok_or_else(|| StorageError::ForeignUrl(url.into()))?;
        self.read(&format!("results/{rel}")).await
    }

    pub async fn write_upload(&self, name: &str, bytes: &[u8]) -> Result<String, StorageError> {
        self.write(&format!("temp/{name}"), bytes).await?;
        Ok(self.temp_url(name))
    }

    /// Writes a result as `results/<folder>/<file_name>` and returns its public URL.
    pub async fn write_result(
        &self,
        folder: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<String, StorageError> {
        let relative = format!("{folder}/{file_name}");
        self.write(&format!("results/{relative}"), bytes).await?;
        Ok(self.result_url(&relative))
    }

    /// `key` is `temp/<name>` or `results/<folder>/<file>`, already checked to be plain.
    async fn read(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        match &self.bucket {
            Some(bucket) => bucket.get(key).await,
            None => {
                let path = self.root.join(key);
                tokio::fs::read(&path)
                    .await
                    .map_err(|source| StorageError::Io { path, source })
            }
        }
    }

    async fn write(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        match &self.bucket {
            Some(bucket) => bucket.put(key, bytes, content_type_of(key)).await,
            None => write_atomic(&self.root.join(key), bytes).await,
        }
    }

    /// A stored upload or result by its request path (`/public/temp/<name>`, still
    /// percent-encoded), for serving it from a bucket; folders are served straight from disk.
    /// `None` for a path that names none of our files.
    pub async fn read_public(&self, path: &str) -> Option<Result<Vec<u8>, StorageError>> {
        let key = if path.starts_with("/public/temp/") {
            format!("temp/{}", self.temp_name_of(path)?)
        } else if path.starts_with("/public/results/") {
            format!("results/{}", self.result_relative_of(path)?)
        } else {
            return None;
        };
        Some(self.read(&key).await)
    }
}

/// The media type of a stored file, from the extension the studio gave it after sniffing
/// its content.
pub fn content_type_of(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Writes through a temporary file and a rename, so a reader (or a crash) never sees half
/// a file.
async fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let io = |source| StorageError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(io)?;
    }
    let partial = path.with_extension(format!("part-{}", random_token(6)));
    tokio::fs::write(&partial, bytes).await.map_err(io)?;
    tokio::fs::rename(&partial, path).await.map_err(io)
}

/// The decoded path of `url` after its last `marker` (`/public/temp/`), without query.
fn path_after(url: &str, marker: &str) -> Option<String> {
    let path = match url::Url::parse(url) {
        Ok(parsed) => parsed.path().to_string(),
        Err(_) => url.split(['?', '#']).next().unwrap_or(url).to_string(),
    };
    let at = path.rfind(marker)?;
    let raw = &path[at + marker.len()..];
    let decoded = percent_decode(raw)?;
    (!decoded.is_empty()).then_some(decoded)
}

/// `%E7%AB%96` → `竖`; `None` for broken escapes or bytes that are not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
