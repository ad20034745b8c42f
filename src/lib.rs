//! AIGC batch image studio: the library behind the `web` and `worker` binaries.

pub mod queue;
pub mod task;
pub mod settings;
pub mod store;
