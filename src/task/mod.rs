//! The product's vocabulary: tools, lanes, task states and the ids that tie them together.

mod kind;
mod status;

pub use kind::{Lane, TaskType};
pub use status::{ProcessStatus, TaskStatus};

/// Row id of `aigc_tasks`.
pub type TaskId = i64;
/// Row id of `users` (the admin panel's table).
pub type UserId = i64;
