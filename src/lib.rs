//! AIGC batch image studio: the library behind the `web` and `worker` binaries.
//!
//! Where things live: `web` (HTTP: pages, API, files) with its views in `templates/`,
//! `batch` (accepting submissions), `store` (the database), `queue` (in-process and RabbitMQ
//! engines), `worker` (consumer loop), `jobs` (what each tool does), `imaging` (local picture
//! work), `recorder` (events into the database, and the sweeper), `settings`, `storage`.

pub mod app;
pub mod auth;
pub mod batch;
pub mod dashscope;
pub mod imaging;
pub mod jobs;
pub mod queue;
pub mod recorder;
pub mod settings;
pub mod storage;
pub mod store;
pub mod task;
pub mod telemetry;
pub mod tools;
pub mod web;
pub mod worker;

#[path = "../templates/mod.rs"]
pub mod templates;
