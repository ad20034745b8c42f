//! Running imaging work off the async runtime with bounded parallelism.
//!
//! Every imaging function is synchronous and CPU-bound; calling one on a Tokio worker thread
//! would stall every request on that thread. The pool hands each job to Tokio's blocking
//! threads, but lets only `permits` run at once: more jobs than cores only adds memory (each
//! holds a decoded picture, up to `Limits::max_pixels` x 4 bytes, plus a resized copy) and
//! makes every job slower. Jobs beyond the limit wait for a permit without holding a thread.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::ImagingError;

/// A limit on concurrent imaging jobs. Cheap to clone; clones share the limit.
#[derive(Debug, Clone)]
pub struct ImagingPool {
    permits: Arc<Semaphore>,
    size: usize,
}

impl ImagingPool {
    /// A pool running at most `size` jobs at once (at least one).
    pub fn new(size: usize) -> Self {
        let size = size.max(1);
        Self {
            permits: Arc::new(Semaphore::new(size)),
            size,
        }
    }

    /// One job per available core, the point past which jobs only queue for the CPU.
    pub fn with_available_cores() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    /// How many jobs may run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Runs `job` on the blocking pool once a permit is free and returns its result.
    ///
    /// A panic inside the job comes back as [`ImagingError::Internal`], so one bad picture
    /// cannot take a worker down.
    pub async fn run<T, F>(&self, job: F) -> Result<T, ImagingError>
    where
        F: FnOnce() -> Result<T, ImagingError> + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| ImagingError::Internal("imaging pool closed".into()))?;
        let handle = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job()
        });
        handle
            .await
            .map_err(|e| ImagingError::Internal(format!("imaging job failed: {e}")))?
    }
}
