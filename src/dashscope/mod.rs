//! DashScope (`qwen-image-edit-plus`) client, account-wide rate gate and test double.
//! `../shared/dashscope-api.md` is the contract; `README.md` here explains the rate mechanism.

mod client;
pub mod double;
mod download;
mod error;
pub mod hosts;
pub mod images;
mod key;
mod outcome;
mod prepare;
pub mod rate;
mod request;
pub mod retry;
mod settings;
pub mod wire;

pub use client::DashscopeClient;
pub use error::{DashscopeError, ErrorClass, ErrorKind};
pub use key::{ApiKeySource, ReadKey};
pub use outcome::{AttemptRecord, Durations, EditOutcome, OutputImage};
pub use rate::{LocalRateGate, RateGate, RatePool, SqlRateGate};
pub use request::{EditRequest, ImageSource};
pub use retry::RetryPolicy;
pub use settings::{DashscopeSettings, InlineImages, Secret};
pub use wire::Usage;
