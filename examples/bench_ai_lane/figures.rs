//! What one scenario prints.

use std::collections::BTreeMap;
use std::io::Write;

use aigc_studio::dashscope::double::DoubleStats;

use crate::Args;

/// The batch as the task page would show it once every task has ended (or time ran out).
#[derive(Debug, Default)]
pub struct Outcome {
    /// Rows found for the submitted batches: more than submitted would be a duplicate.
    pub rows: usize,
    pub completed: usize,
    pub failed: usize,
    /// Completed tasks whose result file did not download.
    pub missing_files: usize,
    /// Billed images over every task (`batch_cost`).
    pub billed_images: u64,
    pub errors: BTreeMap<String, usize>,
}

pub fn print(
    args: &Args,
    workers: usize,
    makespan: f64,
    outcome: &Outcome,
    stats: &DoubleStats,
) -> std::io::Result<()> {
    let lost = args
        .tasks
        .saturating_sub(outcome.completed + outcome.failed);
    let ideal = args.tasks as f64 / f64::from(args.rate) + args.latency;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "workers={workers} tasks={} latency={}s rate={}/s faults={:?}",
        args.tasks, args.latency, args.rate, args.faults
    )?;
    writeln!(
        out,
        "  makespan {makespan:.1} s, ideal {ideal:.1} s, ratio {:.3}",
        makespan / ideal
    )?;
    writeln!(
        out,
        "  max requests in any 1-s window: {}",
        stats.max_per_window
    )?;
    writeln!(
        out,
        "  429: {} (rate limit {}, injected {}); 5xx injected {}; requests {}",
        stats.total_429(),
        stats.rate_limited,
        stats.injected_429,
        stats.injected_5xx,
        stats.total
    )?;
    writeln!(
        out,
        "  rows {} completed {} failed {} lost {lost}; result files missing {}; \
         billed images {}; errors {:?}",
        outcome.rows,
        outcome.completed,
        outcome.failed,
        outcome.missing_files,
        outcome.billed_images,
        outcome.errors
    )?;
    Ok(())
}
