//! Removing old files from the storage folder, for installs that set `storage.keep_days`.
//! A shop uploads hundreds of photos a day; without a limit the disk fills up. Off (0) by
//! default: nothing is ever removed unless the operator asks for it.

use std::path::Path;
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

/// How often the folder is walked: old files go within the hour, and a walk is cheap.
const EVERY: Duration = Duration::from_secs(3600);

/// What one walk removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub files: usize,
    pub folders: usize,
}

/// Removes uploads (`temp/<name>`) and results (`results/<folder>/<name>`) last written
/// more than `age` ago, then the result folders left empty. Blocking: run it off the runtime.
pub fn remove_older_than(root: &Path, age: Duration) -> std::io::Result<Removed> {
    let cutoff = SystemTime::now()
        .checked_sub(age)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut removed = Removed::default();
    removed.files += remove_old_files(&root.join("temp"), cutoff)?;
    let results = root.join("results");
    for folder in entries(&results)? {
        if folder.is_dir() {
            removed.files += remove_old_files(&folder, cutoff)?;
            // Fails harmlessly when a file was written in between: the folder stays.
            if std::fs::remove_dir(&folder).is_ok() {
                removed.folders += 1;
            }
        }
    }
    Ok(removed)
}

fn remove_old_files(folder: &Path, cutoff: SystemTime) -> std::io::Result<usize> {
    let mut count = 0;
    for path in entries(folder)? {
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.is_file() && meta.modified()? < cutoff {
            std::fs::remove_file(&path)?;
            count += 1;
        }
    }
    Ok(count)
}

/// The entries of a folder; none when it does not exist (yet).
fn entries(folder: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    match std::fs::read_dir(folder) {
        Ok(dir) => dir.map(|e| e.map(|e| e.path())).collect(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(err),
    }
}

/// Walks `root` every hour until `token` is cancelled, removing files older than
/// `keep_days` days. An error is logged and the next walk tries again.
pub async fn retention_loop(root: std::path::PathBuf, keep_days: u32, token: CancellationToken) {
    let age = Duration::from_secs(u64::from(keep_days) * 86_400);
    let mut ticks = tokio::time::interval(EVERY);
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let folder = root.clone();
        match tokio::task::spawn_blocking(move || remove_older_than(&folder, age)).await {
            Ok(Ok(removed)) if removed != Removed::default() => tracing::info!(
                files = removed.files,
                folders = removed.folders,
                keep_days,
                "old uploads and results removed"
            ),
            Ok(Ok(_)) => {}
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "removing old files failed; next walk retries")
            }
            Err(err) => tracing::error!(error = %err, "file retention walk panicked"),
        }
    }
}
