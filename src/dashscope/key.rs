//! Where the client gets its API key, and how a corrected key reaches a running process.
//!
//! An operator who sees "API 密钥无效" fixes the key in `config/aigc.toml` or in the admin
//! panel's `config.php`; the paused AI lane should pick it up on its next probe, not after
//! every worker on every host has been restarted. So once the service refuses the key (or
//! there is none), the next call reads the configuration again before it goes out. A key
//! that works is never re-read: nothing is parsed on the hot path.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::Secret;

/// Reads the key from the configuration as it is now. `Err` when the configuration cannot
/// be read (a file half-saved in an editor): the key in use is kept.
pub type ReadKey = Arc<dyn Fn() -> Result<Option<Secret>, String> + Send + Sync>;

pub struct ApiKeySource {
    key: Mutex<Option<Secret>>,
    stale: AtomicBool,
    read: Option<ReadKey>,
}

impl ApiKeySource {
    /// A key for the life of the process (tests, the benchmark, the double).
    pub fn fixed(key: Option<Secret>) -> ApiKeySource {
        ApiKeySource {
            key: Mutex::new(key),
            stale: AtomicBool::new(false),
            read: None,
        }
    }

    /// Starts with `key`, and reads the configuration again with `read` after a refusal.
    pub fn rereading(key: Option<Secret>, read: ReadKey) -> ApiKeySource {
        ApiKeySource {
            read: Some(read),
            ..ApiKeySource::fixed(key)
        }
    }

    /// The key to send; `None` when none is configured anywhere.
    pub fn current(&self) -> Option<Secret> {
        if self.stale.swap(false, Ordering::SeqCst) {
            self.reread();
        }
        let key = self.key.lock().map(|k| k.clone()).unwrap_or_default();
        key.filter(|k| !k.is_empty())
    }

    /// The service refused the key, or there was none: read the configuration before the
    /// next call.
    pub fn refused(&self) {
        self.stale.store(true, Ordering::SeqCst);
    }

    fn reread(&self) {
        let Some(read) = &self.read else { return };
        let fresh = match read() {
            Ok(Some(fresh)) if !fresh.is_empty() => fresh,
            // No key in the configuration now: keep the one in use, which fails on its own
            // if it is wrong, rather than stopping a key that might still work.
            Ok(_) => return,
            Err(err) => {
                tracing::warn!(error = %err, "could not read the configuration for the DashScope key");
                return;
            }
        };
        let Ok(mut key) = self.key.lock() else { return };
        if key.as_ref() != Some(&fresh) {
            // The key itself is never logged.
            tracing::info!("DashScope API key changed in the configuration; using the new one");
            *key = Some(fresh);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn counting(answer: &'static str) -> (ReadKey, Arc<AtomicUsize>) {
        let reads = Arc::new(AtomicUsize::new(0));
        let counter = reads.clone();
        let read: ReadKey = Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Some(Secret::new(answer)))
        });
        (read, reads)
    }

    #[test]
    fn a_working_key_is_never_read_again() {
        let (read, reads) = counting("new");
        let source = ApiKeySource::rereading(Some(Secret::new("old")), read);
        for _ in 0..3 {
            assert_eq!(
                source.current().map(|k| k.expose().to_string()).as_deref(),
                Some("old")
            );
        }
        assert_eq!(reads.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn after_a_refusal_the_next_call_reads_the_configuration_once() {
        let (read, reads) = counting("new");
        let source = ApiKeySource::rereading(None, read);
        assert!(source.current().is_none());
        source.refused();
        assert_eq!(
            source.current().map(|k| k.expose().to_string()).as_deref(),
            Some("new")
        );
        assert_eq!(
            source.current().map(|k| k.expose().to_string()).as_deref(),
            Some("new")
        );
        assert_eq!(reads.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_unreadable_or_empty_configuration_keeps_the_key_in_use() {
        let broken: ReadKey = Arc::new(|| Err("half-saved file".into()));
        let source = ApiKeySource::rereading(Some(Secret::new("old")), broken);
        source.refused();
        assert_eq!(
            source.current().map(|k| k.expose().to_string()).as_deref(),
            Some("old")
        );
        let empty: ReadKey = Arc::new(|| Ok(None));
        let source = ApiKeySource::rereading(Some(Secret::new("old")), empty);
        source.refused();
        assert_eq!(
            source.current().map(|k| k.expose().to_string()).as_deref(),
            Some("old")
        );
    }
}
