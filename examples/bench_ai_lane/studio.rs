//! The product under test: the web application in this process (uploads, tasks, recorder)
//! on a fresh MariaDB database and a fresh queue prefix, and worker processes beside it.

use std::path::PathBuf;
use std::time::Duration;

use aigc_studio::app::Application;
use aigc_studio::dashscope::double::DoubleHandle;
use aigc_studio::queue::RabbitBroker;
use aigc_studio::settings::Settings;
use anyhow::{bail, Context};
use serde_json::{json, Value};
use sqlx::Connection;
use tokio::sync::oneshot;

use crate::figures::Outcome;
use crate::Args;

const USER: &str = "bench";
const PASSWORD: &str = "bench-password-1";
/// The operator's instruction: any edit will do, every call is one billed image.
const PROMPT: &str = "把背景换成纯白色,保持商品不变";

pub struct Studio {
    base: String,
    http: reqwest::Client,
    csrf: String,
    mysql: String,
    database_url: String,
    amqp: String,
    prefix: String,
    double_url: String,
    rate: u32,
    dir: tempfile::TempDir,
    batch_limit: usize,
    stop: oneshot::Sender<()>,
    served: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Studio {
    pub async fn start(args: &Args, double: &DoubleHandle) -> anyhow::Result<Studio> {
        let database_url = create_database(&args.mysql).await?;
        let prefix = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        let storage = dir.path().join("public").display().to_string();
        let bind = format!("127.0.0.1:{port}");
        let overrides = [
            ("server.bind", bind.as_str()),
            ("server.public_url", base.as_str()),
            ("database.url", database_url.as_str()),
            ("storage.root", storage.as_str()),
            ("queue.url", args.amqp.as_str()),
            ("queue.prefix", prefix.as_str()),
        ];
        let settings = Settings::load_with(None, &overrides)?;
        let batch_limit = settings.limits.files_per_batch;
        let app = Application::build(settings).await?;
        aigc_studio::auth::set_user(&app.state.db, USER, PASSWORD).await?;
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));

        let http = reqwest::Client::builder().cookie_store(true).build()?;
        let csrf = login(&http, &base).await?;
        Ok(Studio {
            base,
            http,
            csrf,
            mysql: args.mysql.clone(),
            database_url,
            amqp: args.amqp.clone(),
            prefix,
            double_url: double.base_url(),
            rate: args.rate,
            dir,
            batch_limit,
            stop,
            served,
        })
    }

    /// Worker processes configured through the environment, as an operator starts them.
    pub fn spawn_workers(&self, count: usize) -> anyhow::Result<Vec<tokio::process::Child>> {
        let exe = std::env::current_exe()?;
        let host = self.double_url.trim_start_matches("http://").to_string();
        let storage = self.dir.path().join("public");
        let mut children = Vec::new();
        for index in 0..count {
            let log = std::fs::File::create(self.log_path(index))?;
            let child = tokio::process::Command::new(&exe)
                .arg("--worker-process")
                .env("AIGC__QUEUE__URL", &self.amqp)
                .env("AIGC__QUEUE__PREFIX", &self.prefix)
                .env("AIGC__SERVER__PUBLIC_URL", &self.base)
                .env("AIGC__DATABASE__URL", &self.database_url)
                .env("AIGC__STORAGE__ROOT", &storage)
                .env("AIGC__DASHSCOPE__BASE_URL", &self.double_url)
                .env("AIGC__DASHSCOPE__API_KEY", "test-key")
                .env("AIGC__DASHSCOPE__RESULT_HOSTS", &host)
                .env(
                    "AIGC__DASHSCOPE__REQUESTS_PER_SECOND",
                    self.rate.to_string(),
                )
                .env("RUST_LOG", "warn")
                .stdin(std::process::Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .kill_on_drop(true)
                .spawn()
                .context("starting a worker process")?;
            children.push(child);
        }
        Ok(children)
    }

    fn log_path(&self, index: usize) -> PathBuf {
        std::env::temp_dir().join(format!("{}-worker-{index}.log", self.prefix))
    }

    /// One product photo, uploaded once and used by every task.
    pub async fn upload_input(&self) -> anyhow::Result<String> {
        let part = reqwest::multipart::Part::bytes(input_picture()?).file_name("product.jpg");
        let form = reqwest::multipart::Form::new().part("files", part);
        let response = self
            .http
            .post(format!("{}/api/uploads", self.base))
            .header("X-CSRF-Token", &self.csrf)
            .multipart(form)
            .send()
            .await?;
        let body: Value = response.json().await?;
        let url = body["files"][0]["url"].as_str().context("upload refused")?;
        Ok(url.to_string())
    }

    /// Submits `tasks` tasks of the free-instruction tool, in batches of the page's limit.
    pub async fn submit(&self, image: &str, tasks: usize) -> anyhow::Result<Vec<String>> {
        let mut batches = Vec::new();
        let mut left = tasks;
        while left > 0 {
            let size = left.min(self.batch_limit);
            let images = vec![image; size];
            let body =
                json!({"task_type": "other", "images": images, "options": {"prompt": PROMPT}});
            let response = self
                .http
                .post(format!("{}/api/tasks", self.base))
                .header("X-CSRF-Token", &self.csrf)
                .json(&body)
                .send()
                .await?;
            let answer: Value = response.json().await?;
            let batch = answer["batch_id"].as_str().context("submission refused")?;
            batches.push(batch.to_string());
            left -= size;
        }
        Ok(batches)
    }

    /// Polls the batches until every task has ended; false when `limit` passed first.
    pub async fn wait_until_ended(
        &self,
        batches: &[String],
        limit: Duration,
    ) -> anyhow::Result<bool> {
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            let mut open = 0;
            for batch in batches {
                open += self
                    .tasks(batch)
                    .await?
                    .iter()
                    .filter(|t| !ended(t))
                    .count();
            }
            if open == 0 {
                return Ok(true);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(false)
    }

    async fn list(&self, batch: &str) -> anyhow::Result<Value> {
        let url = format!("{}/api/tasks?limit=200&batch_id={batch}", self.base);
        Ok(self.http.get(url).send().await?.json().await?)
    }

    async fn tasks(&self, batch: &str) -> anyhow::Result<Vec<Value>> {
        let list = self.list(batch).await?;
        list["tasks"].as_array().cloned().context("task list")
    }

    /// What the operator ends up with: rows, states, result files, what it cost.
    pub async fn outcome(&self, batches: &[String], ended: bool) -> anyhow::Result<Outcome> {
        if !ended {
            eprintln!("time ran out before every task ended");
        }
        let mut outcome = Outcome::default();
        for batch in batches {
            let list = self.list(batch).await?;
            outcome.billed_images += list["batch_cost"]["images"].as_u64().unwrap_or(0);
            for task in list["tasks"].as_array().context("task list")? {
                self.count(task, &mut outcome).await?;
            }
        }
        Ok(outcome)
    }

    async fn count(&self, task: &Value, outcome: &mut Outcome) -> anyhow::Result<()> {
        outcome.rows += 1;
        match task["task_status"].as_str() {
            Some("completed") => {
                outcome.completed += 1;
                if !self.result_downloads(task).await? {
                    outcome.missing_files += 1;
                }
            }
            Some("failed") => {
                outcome.failed += 1;
                let code = task["error"]["code"].as_str().unwrap_or("unknown");
                *outcome.errors.entry(code.to_string()).or_default() += 1;
            }
            _ => {}
        }
        Ok(())
    }

    async fn result_downloads(&self, task: &Value) -> anyhow::Result<bool> {
        let id = task["task_id"].as_i64().context("task id")?;
        let url = format!("{}/api/tasks/{id}/result", self.base);
        let response = self.http.get(url).send().await?;
        Ok(response.status().is_success() && !response.bytes().await?.is_empty())
    }

    /// Stops the application and removes the database and the queues of this run.
    pub async fn remove(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(30), self.served).await;
        if let Ok(broker) = RabbitBroker::connect(&self.amqp, &self.prefix, 5).await {
            let _ = broker.delete_topology().await;
            broker.close().await;
        }
        let _ = drop_database(&self.mysql, &self.database_url).await;
    }
}

fn ended(task: &Value) -> bool {
    matches!(task["task_status"].as_str(), Some("completed" | "failed"))
}

async fn login(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let body = json!({"username": USER, "password": PASSWORD});
    let response = http
        .post(format!("{base}/api/login"))
        .json(&body)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("login refused: {}", response.status());
    }
    let answer: Value = response.json().await?;
    Ok(answer["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

fn free_port() -> std::io::Result<u16> {
    let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(probe.local_addr()?.port())
}

async fn create_database(server: &str) -> anyhow::Result<String> {
    let name = format!("aigc_bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::MySqlConnection::connect(&format!("{server}/test"))
        .await
        .with_context(|| format!("MariaDB/MySQL at {server}"))?;
    sqlx::query(&format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        .execute(&mut conn)
        .await?;
    Ok(format!("{server}/{name}"))
}

async fn drop_database(server: &str, url: &str) -> anyhow::Result<()> {
    let name = url.rsplit('/').next().unwrap_or_default();
    let mut conn = sqlx::MySqlConnection::connect(&format!("{server}/test")).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS `{name}`"))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// A 768x512 gradient JPEG, inside the model's 384..3072 px range.
fn input_picture() -> anyhow::Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(768, 512, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 2) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}
