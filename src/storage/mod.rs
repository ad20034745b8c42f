//! Files on disk: uploads in `temp/`, outputs in `results/`, both under `storage.root` and
//! served at `<public_url>/public/...`.
//!
//! Stored names are random so that URLs cannot be guessed. Results live in a random folder
//! per task that keeps the original file's name readable (`results/8f3ac1.../IMG_0012_white.jpg`);
//! the folder is chosen when the task is created, so a task that runs twice overwrites its
//! own files instead of leaving copies.

mod names;

use std::path::{Path, PathBuf};

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
}

#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
    public_url: String,
}

impl Storage {
    pub fn new(root: impl Into<PathBuf>, public_url: &str) -> Storage {
        Storage {
            root: root.into(),
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub async fn ensure_folders(&self) -> Result<(), StorageError> {
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
        let path = self.temp_path(&name);
        tokio::fs::read(&path)
            .await
            .map_err(|source| StorageError::Io { path, source })
    }

    /// Reads a stored result by its public URL.
    pub async fn read_result(&self, url: &str) -> Result<Vec<u8>, StorageError> {
        let rel = self
            .result_relative_of(url)
            .ok_or_else(|| StorageError::ForeignUrl(url.into()))?;
        let path = self.result_path(&rel);
        tokio::fs::read(&path)
            .await
            .map_err(|source| StorageError::Io { path, source })
    }

    pub async fn write_upload(&self, name: &str, bytes: &[u8]) -> Result<String, StorageError> {
        write_atomic(&self.temp_path(name), bytes).await?;
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
        write_atomic(&self.result_path(&relative), bytes).await?;
        Ok(self.result_url(&relative))
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
