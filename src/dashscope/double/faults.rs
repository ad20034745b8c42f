//! Fault injection for the double: a scripted sequence (deterministic tests) consumed first,
//! then configured probabilities (benchmarks, soak runs).

use std::collections::VecDeque;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// What the double does with one generation request, beyond its normal checks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Behave normally.
    Pass,
    /// Answer with the contract's JSON error body (any row of the error table).
    Error {
        status: u16,
        code: String,
        message: String,
    },
    /// 429 `Throttling` without a `Retry-After`.
    Throttle,
    /// 429 `Throttling` with `Retry-After: <secs>`.
    RetryAfter { secs: u64 },
    /// A proxy's HTML page with this status (502 typically).
    Html { status: u16 },
    /// Accept the request and never answer (until `hang_for`).
    Hang,
    /// Succeed, but with result links that have already expired.
    ExpiredLinks,
    /// Succeed, with result links on a host no allow list should contain.
    ForeignHost,
}

impl Fault {
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Fault::Error {
            status,
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Probabilities of faults injected into requests that the script does not cover.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultOdds {
    pub throttle: f64,
    pub server_error: f64,
    pub html: f64,
    pub hang: f64,
}

pub(crate) struct FaultSource {
    script: VecDeque<Fault>,
    odds: FaultOdds,
    rng: StdRng,
}

impl FaultSource {
    pub(crate) fn new(script: Vec<Fault>, odds: FaultOdds, seed: u64) -> Self {
        Self {
            script: script.into(),
            odds,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    pub(crate) fn push(&mut self, faults: impl IntoIterator<Item = Fault>) {
        self.script.extend(faults);
    }

    pub(crate) fn next(&mut self) -> Fault {
        if let Some(fault) = self.script.pop_front() {
            return fault;
        }
        let roll: f64 = self.rng.random_range(0.0..1.0);
        let o = self.odds;
        let server = Fault::error(500, "InternalError", "An internal error has occured.");
        let bands = [
            (o.throttle, Fault::Throttle),
            (o.server_error, server),
            (o.html, Fault::Html { status: 502 }),
            (o.hang, Fault::Hang),
        ];
        let mut edge = 0.0;
        for (p, fault) in bands {
            edge += p;
            if roll < edge {
                return fault;
            }
        }
        Fault::Pass
    }
}
