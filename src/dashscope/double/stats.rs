//! What the double saw: totals and the most requests that arrived in any one-second window.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

const WINDOW: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoubleStats {
    /// Generation requests received, whatever their fate.
    pub total: u64,
    pub succeeded: u64,
    /// Most arrivals inside any sliding one-second window.
    pub max_per_window: u32,
    /// 429s because the account rate was exceeded (the figure that must stay 0).
    pub rate_limited: u64,
    /// 429s injected by a fault.
    pub injected_429: u64,
    /// 5xx JSON errors and HTML pages injected.
    pub injected_5xx: u64,
    pub hangs: u64,
    /// Other error answers (auth, validation, scripted errors).
    pub errors: u64,
    pub images_generated: u64,
    pub results_served: u64,
    pub results_refused: u64,
}

impl DoubleStats {
    pub fn total_429(&self) -> u64 {
        self.rate_limited + self.injected_429
    }
}

pub(crate) struct Recorder {
    pub(crate) stats: DoubleStats,
    arrivals: VecDeque<Instant>,
}

impl Recorder {
    pub(crate) fn new() -> Self {
        Self {
            stats: DoubleStats::default(),
            arrivals: VecDeque::new(),
        }
    }

    /// Records one arrival; returns how many arrived in the last second, this one included.
    pub(crate) fn arrive(&mut self, now: Instant) -> u32 {
        while self
            .arrivals
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.arrivals.pop_front();
        }
        self.arrivals.push_back(now);
        let in_window = self.arrivals.len() as u32;
        self.stats.total += 1;
        self.stats.max_per_window = self.stats.max_per_window.max(in_window);
        in_window
    }
}
