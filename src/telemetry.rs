//! Tracing set-up shared by the binaries: human-readable lines by default, JSON lines with
//! `AIGC_LOG_FORMAT=json` for log collectors; the level comes from `RUST_LOG`.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,lapin=warn,hyper=warn,tower_http=info"));
    let json = std::env::var("AIGC_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = fmt().with_env_filter(filter).with_target(false);
    let result = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A second init (tests build several apps in one process) keeps the first subscriber.
    let _ = result;
}

/// For tests: the same filter, written through libtest's capture so that only a failing
/// test shows its logs.
pub fn init_for_tests() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,lapin=warn,hyper=warn"));
    let _ = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_test_writer()
        .try_init();
}
