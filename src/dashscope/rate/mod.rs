//! The account-wide rate gate. Every attempt waits for a slot before it is sent; slots are spaced
//! by an interval that starts wide (ramp-up), widens on 429 and narrows back with each grant.
//! See `src/dashscope/README.md` for the mechanism across processes.

mod local;
mod sql;

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use local::LocalRateGate;
pub use sql::{RatePool, SqlRateGate};

/// Waits for permission to send one request under the account's rate.
#[async_trait::async_trait]
pub trait RateGate: Send + Sync {
    /// Returns when this caller may send one request.
    async fn acquire(&self);
    /// The service answered 429: slow every worker down.
    async fn on_throttled(&self);
    /// A request went through. The pacer recovers per grant, so the default does nothing.
    async fn on_success(&self) {}
}

/// The pacing rules, as data. Both gates apply the same [`Pacer::grant`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pacer {
    /// Spacing at full speed (1/rate plus the safety margin), in milliseconds.
    pub base_ms: i64,
    /// After an idle spell the interval restarts this many times wider (ramp-up).
    pub ramp_factor: f64,
    /// Each grant multiplies the interval by this, down to `base_ms`.
    pub recover_factor: f64,
    /// Each 429 multiplies the interval by this (at most once per `throttle_hold`).
    pub throttle_factor: f64,
    /// Ceiling of the interval, as a multiple of `base_ms`.
    pub max_factor: f64,
    /// A lane silent for this long ramps up again.
    pub idle_ms: i64,
    /// A caller that wakes later than this after its slot (a stalled host, a slow commit)
    /// gives the slot up and takes the next one: sending late would crowd the next request.
    pub late_tolerance: Duration,
}

/// The shared state: the earliest time the next request may go, and the current spacing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacerRow {
    pub next_slot_ms: i64,
    pub interval_ms: i64,
}

impl Pacer {
    pub fn new(base: Duration) -> Self {
        Self {
            base_ms: (base.as_millis() as i64).max(1),
            ramp_factor: 1.5,
            recover_factor: 0.85,
            throttle_factor: 1.25,
            max_factor: 4.0,
            idle_ms: 10_000,
            late_tolerance: Duration::from_millis(20),
        }
    }

    fn max_ms(&self) -> i64 {
        (self.base_ms as f64 * self.max_factor) as i64
    }

    /// Grants the slot for one request at `now_ms`: returns the slot time and the new row.
    pub fn grant(&self, row: PacerRow, now_ms: i64) -> (i64, PacerRow) {
        let idle = now_ms - row.next_slot_ms > self.idle_ms;
        let interval = if idle {
            let ramp = (self.base_ms as f64 * self.ramp_factor) as i64;
            row.interval_ms.max(ramp)
        } else {
            ((row.interval_ms as f64 * self.recover_factor) as i64).max(self.base_ms)
        };
        let interval = interval.min(self.max_ms()).max(self.base_ms);

        let slot = row.next_slot_ms.max(now_ms);
        (
            slot,
            PacerRow {
                next_slot_ms: slot + interval,
                interval_ms: interval,
            },
        )
    }

    /// The row after a 429.
    pub fn throttle(&self, row: PacerRow) -> PacerRow {
        let widened = (row.interval_ms.max(self.base_ms) as f64 * self.throttle_factor) as i64;
        PacerRow {
            interval_ms: widened.min(self.max_ms()),
            ..row
        }
    }
}

/// Lets one 429 per hold period through to the pacer: many calls in flight are throttled
/// together, and that is one signal, not fifty.
pub(crate) struct ThrottleHold {
    last: Mutex<Option<Instant>>,
    hold: Duration,
}

impl ThrottleHold {
    pub(crate) fn new(hold: Duration) -> Self {
        Self {
            last: Mutex::new(None),
            hold,
        }
    }

    pub(crate) fn should_react(&self) -> bool {
        let Ok(mut last) = self.last.lock() else {
            return true;
        };
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < self.hold) {
            return false;
        }
        *last = Some(now);
        true
    }
}

/// Sleeps until `at`; false when the wake-up came too late to use the slot.
pub(crate) async fn wait_for_slot(at: Instant, tolerance: Duration) -> bool {
    tokio::time::sleep_until(at.into()).await;
    let late = Instant::now().saturating_duration_since(at);
    if late > tolerance {
        tracing::debug!(
            late_ms = late.as_millis() as u64,
            "rate slot missed, taking the next"
        );
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_never_below_base_and_ramps_down() {
        let pacer = Pacer::new(Duration::from_millis(500));
        let mut row = PacerRow {
            next_slot_ms: 0,
            interval_ms: 500,
        };
        let mut slots = Vec::new();
        for _ in 0..20 {
            let (slot, next) = pacer.grant(row, 100_000);
            slots.push(slot);
            row = next;
        }
        let gaps: Vec<i64> = slots.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(gaps[0], 750, "ramp-up starts wider");
        assert!(gaps.iter().all(|g| *g >= 500));
        assert_eq!(*gaps.last().unwrap_or(&0), 500);
    }

    #[test]
    fn throttle_widens_up_to_cap() {
        let pacer = Pacer::new(Duration::from_millis(500));
        let mut row = PacerRow {
            next_slot_ms: 0,
            interval_ms: 500,
        };
        for _ in 0..20 {
            row = pacer.throttle(row);
        }
        assert_eq!(row.interval_ms, 2000);
    }
}
