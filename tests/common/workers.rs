//! Worker processes for distributed tests: the real `worker` binary, configured through the
//! environment like an operator would.

use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const RABBITMQ: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

pub struct WorkerProcess {
    pub child: Child,
}

pub struct WorkerEnv {
    pub public_url: String,
    pub database_url: String,
    pub storage_root: String,
    pub prefix: String,
    /// More `AIGC__...` variables (an object store's settings, say).
    pub extra: Vec<(String, String)>,
}

impl WorkerProcess {
    pub fn start(env: &WorkerEnv, log: &Path) -> WorkerProcess {
        let log = std::fs::File::create(log).expect("worker log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_worker"));
        for (key, value) in &env.extra {
            command.env(key, value);
        }
        let child = command
            .env("AIGC__QUEUE__URL", RABBITMQ)
            .env("AIGC__QUEUE__PREFIX", &env.prefix)
            .env("AIGC__SERVER__PUBLIC_URL", &env.public_url)
            .env("AIGC__DATABASE__URL", &env.database_url)
            .env("AIGC__STORAGE__ROOT", &env.storage_root)
            .env("AIGC__WORKER__SHUTDOWN_GRACE_SECS", "5")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("worker binary starts");
        WorkerProcess { child }
    }

    /// SIGKILL: no chance to finish or acknowledge anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a clean exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().expect("worker exit")
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Deletes the exchanges and queues a test created under `prefix`.
pub async fn delete_topology(prefix: &str) {
    if let Ok(broker) =
        aigc_studio::queue::rabbitmq::RabbitBroker::connect(RABBITMQ, prefix, 5).await
    {
        let _ = broker.delete_topology().await;
        broker.close().await;
    }
}

pub fn unique_prefix(test: &str) -> String {
    format!(
        "t-{test}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

/// The worker's log lines that say something about the broker connection or a warning, so a
/// failed distributed test shows why without the temp folder it ran in.
pub fn log_digest(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let keep = [
        "WARN",
        "ERROR",
        "subscribed",
        "connected",
        "resubscrib",
        "lost",
    ];
    text.lines()
        .filter(|line| keep.iter().any(|word| line.contains(word)))
        .collect::<Vec<_>>()
        .join("\n")
}
