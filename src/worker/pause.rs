//! Pausing a lane. When the service says that nothing can succeed until an operator acts
//! (a wrong key, an account in arrears, no access to the model), failing every task of the
//! lane one by one would lose the batch. Instead the lane stops taking tasks, its tasks wait
//! in the queue with a plain message, and one task is tried again after a growing pause: the
//! lane resumes by itself once the key or the account is fixed.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

const FIRST_PAUSE: Duration = Duration::from_secs(30);
const LONGEST_PAUSE: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct Paused {
    pub until: Instant,
    pub length: Duration,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct LanePause {
    state: Mutex<Option<Paused>>,
    first: Option<Duration>,
}

impl LanePause {
    /// A pause whose first wait is `first` instead of 30 s (tests use short ones).
    pub fn with_first_pause(first: Duration) -> LanePause {
        LanePause {
            state: Mutex::new(None),
            first: Some(first),
        }
    }

    /// Pauses the lane, or lengthens the pause when the probe failed again.
    pub fn pause(&self, code: &str, message: &str) {
        let first = self.first.unwrap_or(FIRST_PAUSE);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let length = match state.as_ref() {
            Some(p) if p.until <= Instant::now() => (p.length * 2).min(LONGEST_PAUSE.max(first)),
            Some(p) => p.length,
            None => first,
        };
        if state.is_none() {
            tracing::error!(code, message, "lane paused: tasks wait until this is fixed");
        }
        *state = Some(Paused {
            until: Instant::now() + length,
            length,
            code: code.to_string(),
            message: message.to_string(),
        });
    }

    /// Ends the pause; true when the lane was paused.
    pub fn resume(&self) -> bool {
        let was = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some();
        if was {
            tracing::info!("lane resumed");
        }
        was
    }

    pub fn current(&self) -> Option<Paused> {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
