//! A gate for one process: enough when a single worker calls the service.

use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::{wait_for_slot, Pacer, PacerRow, RateGate, ThrottleHold};

pub struct LocalRateGate {
    pacer: Pacer,
    origin: Instant,
    // Held across the sleep so at most one slot is reserved ahead: a 429 then reaches the very
    // next grant instead of a queue of slots handed out earlier.
    row: Mutex<PacerRow>,
    hold: ThrottleHold,
}

impl LocalRateGate {
    /// A gate spacing requests by at least `base` (see `DashscopeSettings::base_interval`).
    pub fn new(base: Duration) -> Self {
        Self::with_pacer(Pacer::new(base))
    }

    pub fn with_pacer(pacer: Pacer) -> Self {
        let row = PacerRow {
            next_slot_ms: -pacer.idle_ms - 1,
            interval_ms: pacer.base_ms,
        };
        Self {
            pacer,
            origin: Instant::now(),
            row: Mutex::new(row),
            hold: ThrottleHold::new(Duration::from_secs(1)),
        }
    }

    fn now_ms(&self) -> i64 {
        self.origin.elapsed().as_millis() as i64
    }
}

#[async_trait::async_trait]
impl RateGate for LocalRateGate {
    async fn acquire(&self) {
        let mut row = self.row.lock().await;
        loop {
            let now = self.now_ms();
            let (slot, next) = self.pacer.grant(*row, now);
            *row = next;
            let at = self.origin + Duration::from_millis(slot.max(0) as u64);
            if wait_for_slot(at, self.pacer.late_tolerance).await {
                return;
            }
        }
    }

    async fn on_throttled(&self) {
        if self.hold.should_react() {
            let mut row = self.row.lock().await;
            *row = self.pacer.throttle(*row);
        }
    }
}
