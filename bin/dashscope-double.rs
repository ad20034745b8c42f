//! Runs the DashScope test double alone, so the product can be tried end to end without a key:
//! `cargo run --bin dashscope-double -- --port 8099 --latency-ms 3000`, then configure
//! `dashscope.base_url = "http://127.0.0.1:8099"`, `dashscope.api_key = "test-key"` and
//! `dashscope.result_hosts = ["127.0.0.1:8099"]`.

use std::net::SocketAddr;
use std::time::Duration;

use aigc_studio::dashscope::double::{self, DoubleConfig, FaultOdds};
use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "Local stand-in for DashScope qwen-image-edit-plus")]
struct Args {
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    #[arg(long, default_value_t = 8099)]
    port: u16,
    /// API key the double accepts.
    #[arg(long, default_value = "test-key")]
    api_key: String,
    #[arg(long, default_value_t = 5000)]
    latency_ms: u64,
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Requests per one-second window before 429 Throttling.RateQuota; 0 = unlimited.
    #[arg(long, default_value_t = 2)]
    rate: u32,
    #[arg(long, default_value_t = 86_400)]
    result_ttl_secs: u64,
    /// Probability of an injected 429.
    #[arg(long, default_value_t = 0.0)]
    p429: f64,
    /// Probability of an injected 500 InternalError.
    #[arg(long, default_value_t = 0.0)]
    p5xx: f64,
    /// Probability of a 502 HTML page.
    #[arg(long, default_value_t = 0.0)]
    phtml: f64,
    /// Probability of a request that never answers.
    #[arg(long, default_value_t = 0.0)]
    phang: f64,
    /// Accept inputs with sides outside 384..3072 px.
    #[arg(long)]
    lenient_sizes: bool,
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let args = Args::parse();
    let config = DoubleConfig {
        api_key: args.api_key,
        latency: Duration::from_millis(args.latency_ms),
        latency_jitter: Duration::from_millis(args.jitter_ms),
        rate: args.rate,
        result_ttl: Duration::from_secs(args.result_ttl_secs),
        odds: FaultOdds {
            throttle: args.p429,
            server_error: args.p5xx,
            html: args.phtml,
            hang: args.phang,
        },
        strict_sizes: !args.lenient_sizes,
        seed: args.seed,
        ..DoubleConfig::default()
    };

    let handle = double::start_on(config, SocketAddr::new(args.bind, args.port)).await?;
    tracing::info!(
        base_url = %handle.base_url(),
        stats = %format!("{}/_double/stats", handle.base_url()),
        "dashscope double listening"
    );
    tokio::signal::ctrl_c().await?;
    tracing::info!(stats = ?handle.stats(), "dashscope double stopping");
    Ok(())
}
