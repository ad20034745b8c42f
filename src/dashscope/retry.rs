//! The retry schedule, written as data: exponential growth with full jitter, a cap per wait, a
//! total budget per task, and the server's `Retry-After` honoured within bounds.

use std::time::Duration;

use rand::Rng;

use super::error::{ErrorClass, ErrorKind};
use super::settings::DashscopeSettings;

/// How many times an input-download failure is retried: the contract says once or twice.
const INPUT_DOWNLOAD_RETRIES: u32 = 2;

#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub factor: f64,
    pub cap: Duration,
    pub budget: Duration,
    pub max_attempts: u32,
    /// Bounds applied to a server-sent `Retry-After`.
    pub retry_after_min: Duration,
    pub retry_after_max: Duration,
}

impl RetryPolicy {
    pub fn from_settings(s: &DashscopeSettings) -> Self {
        Self {
            base: Duration::from_millis(s.retry_base_ms),
            factor: 2.0,
            cap: Duration::from_secs(s.retry_cap_secs),
            budget: Duration::from_secs(s.retry_budget_secs),
            max_attempts: s.max_attempts.max(1),
            retry_after_min: Duration::from_millis(100),
            retry_after_max: Duration::from_secs(s.retry_after_max_secs),
        }
    }

    /// Upper bound of the wait after `attempt` (1-based) failed, before jitter.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let exp = self.factor.powi(attempt.saturating_sub(1).min(30) as i32);
        let secs = self.base.as_secs_f64() * exp;
        Duration::from_secs_f64(secs.min(self.cap.as_secs_f64()))
    }

    /// The wait before the next attempt, or `None` when the error must not be retried or the
    /// attempts or the budget are spent. `elapsed` is the time the task has used so far.
    pub fn next_delay(
        &self,
        kind: &ErrorKind,
        attempt: u32,
        elapsed: Duration,
        rng: &mut impl Rng,
    ) -> Option<Duration> {
        if kind.class() != ErrorClass::Retry || attempt >= self.max_attempts {
            return None;
        }
        if matches!(kind, ErrorKind::InputDownload { .. }) && attempt > INPUT_DOWNLOAD_RETRIES {
            return None;
        }

        // Full jitter spreads the retries of tasks that were throttled together.
        let ceiling = self.ceiling(attempt);
        let jittered = ceiling.mul_f64(rng.random_range(0.0..=1.0));
        let delay = match kind.retry_after() {
            // Not `clamp`: it panics when a configured max is below the floor.
            Some(asked) => asked
                .max(self.retry_after_min)
                .min(self.retry_after_max)
                .max(jittered),
            None => jittered,
        };

        (elapsed + delay <= self.budget).then_some(delay)
    }
}

/// Parses `Retry-After` given in seconds; the HTTP-date form is ignored (not worth a parser
/// for a header the contract does not even promise).
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    let secs: f64 = value?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn policy() -> RetryPolicy {
        RetryPolicy::from_settings(&DashscopeSettings::default())
    }

    fn throttled(after: Option<u64>) -> ErrorKind {
        let retry_after = after.map(Duration::from_secs);
        ErrorKind::Throttled {
            code: "Throttling".into(),
            retry_after,
        }
    }

    #[test]
    fn ceilings_grow_then_cap() {
        let p = policy();
        let secs: Vec<u64> = (1..=7).map(|a| p.ceiling(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30]);
    }

    #[test]
    fn only_retry_class_within_attempts_and_budget() {
        let (p, rng) = (policy(), &mut StdRng::seed_from_u64(1));
        let zero = Duration::ZERO;
        let moderation = ErrorKind::ContentRejected {
            code: "DataInspectionFailed".into(),
        };
        assert!(p.next_delay(&moderation, 1, zero, rng).is_none());
        assert!(p.next_delay(&throttled(None), 1, zero, rng).is_some());
        assert!(p
            .next_delay(&throttled(None), p.max_attempts, zero, rng)
            .is_none());
        assert!(p.next_delay(&throttled(None), 1, p.budget, rng).is_none());
        let download = ErrorKind::InputDownload {
            message: "download timeout".into(),
        };
        assert!(p.next_delay(&download, 2, zero, rng).is_some());
        assert!(p.next_delay(&download, 3, zero, rng).is_none());
    }

    #[test]
    fn retry_after_is_a_floor_within_bounds() {
        let (p, rng) = (policy(), &mut StdRng::seed_from_u64(2));
        let asked = p.next_delay(&throttled(Some(7)), 1, Duration::ZERO, rng);
        assert!(asked.is_some_and(|d| d >= Duration::from_secs(7)));
        let wild = p.next_delay(&throttled(Some(86_400)), 1, Duration::ZERO, rng);
        assert!(wild.is_some_and(|d| d <= p.retry_after_max.max(p.cap)));
        assert_eq!(parse_retry_after(Some(" 3 ")), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
    }
}
