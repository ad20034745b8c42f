//! Test harness: the real application on port 0 with its own storage folder, its own
//! database (a fresh SQLite file, or a fresh MariaDB database) and its own queue prefix.
#![allow(dead_code)]

pub mod ds;
pub mod fixtures;
pub mod mariadb;
pub mod objects;
pub mod studio_ai;
pub mod workers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use aigc_studio::app::Application;
use aigc_studio::settings::Settings;
use aigc_studio::web::AppState;
#[allow(unused_imports)]
pub use ds::*;
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub const PASSWORD: &str = "test-password-1";

pub struct TestApp {
    pub base: String,
    pub dir: tempfile::TempDir,
    pub state: AppState,
    pub database_url: String,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Where a test application keeps its tasks and messages.
#[derive(Clone, Default)]
pub struct Setup {
    pub database_url: Option<String>,
    pub queue_url: Option<String>,
    pub queue_prefix: Option<String>,
    pub storage: Option<PathBuf>,
    pub extra: Vec<(String, String)>,
    /// Replaces the whole `dashscope` section (tests point it at a double).
    pub dashscope: Option<aigc_studio::dashscope::DashscopeSettings>,
    /// A configuration file, as `--config` gives one (read again when a key is refused).
    pub config_file: Option<PathBuf>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Setup::default()).await
    }

    pub async fn spawn_with(setup: Setup) -> TestApp {
        aigc_studio::telemetry::init_for_tests();
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = setup
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}/aigc.db", dir.path().display()));
        let storage = setup
            .storage
            .clone()
            .unwrap_or_else(|| dir.path().join("public"));
        Self::start(dir, database_url, storage, &setup).await
    }

    async fn start(
        dir: tempfile::TempDir,
        database_url: String,
        storage: PathBuf,
        setup: &Setup,
    ) -> TestApp {
        // Bind first to learn the port, since public URLs must carry it.
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = probe.local_addr().expect("addr").port();
        drop(probe);
        let base = format!("http://127.0.0.1:{port}");
        let mut settings = settings_for(&base, &database_url, &storage, setup);
        if let Some(dashscope) = &setup.dashscope {
            settings.dashscope = dashscope.clone();
            // Reading the configuration again would not give this section back.
            settings.origin = None;
        }
        let app = Application::build(settings)
            .await
            .expect("application builds");
        let state = app.state.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        TestApp {
            base,
            dir,
            state,
            database_url,
            stop: Some(stop),
            handle: Some(handle),
        }
    }

    pub fn storage_root(&self) -> &Path {
        self.state.storage.root()
    }

    /// Stops the server and its background tasks and waits for them. The returned folder
    /// keeps the database and the files, for a restart.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), handle).await;
        }
        let placeholder = tempfile::tempdir().expect("temp dir");
        std::mem::replace(&mut self.dir, placeholder)
    }

    /// Starts again on the database and files of a stopped application.
    pub async fn restart(dir: tempfile::TempDir, database_url: String) -> TestApp {
        let storage = dir.path().join("public");
        Self::start(dir, database_url, storage, &Setup::default()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Adds a user and returns a logged-in client for it.
    pub async fn user(&self, name: &str) -> Client {
        aigc_studio::auth::set_user(&self.state.db, name, PASSWORD)
            .await
            .expect("user added");
        let client = Client::new(&self.base);
        client.login(name, PASSWORD).await;
        client
    }
}

pub fn settings_for(base: &str, database_url: &str, storage: &Path, setup: &Setup) -> Settings {
    let bind = base.trim_start_matches("http://").to_string();
    let storage = storage.display().to_string();
    let queue_url = setup.queue_url.clone().unwrap_or_default();
    let prefix = setup.queue_prefix.clone().unwrap_or_else(|| "aigc".into());
    let mut overrides: Vec<(&str, &str)> = vec![
        ("server.bind", &bind),
        ("server.public_url", base),
        ("database.url", database_url),
        ("storage.root", &storage),
        ("queue.url", &queue_url),
        ("queue.prefix", &prefix),
    ];
    for (k, v) in &setup.extra {
        overrides.push((k, v));
    }
    Settings::load_with(setup.config_file.as_deref(), &overrides).expect("settings")
}

/// An HTTP client with its own cookie jar, and the CSRF token of its session.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: std::sync::Mutex<String>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        Client {
            http,
            base: base.to_string(),
            csrf: std::sync::Mutex::new(String::new()),
        }
    }

    pub fn csrf(&self) -> String {
        self.csrf.lock().expect("lock").clone()
    }

    pub async fn login(&self, name: &str, password: &str) -> reqwest::Response {
        let response = self
            .http
            .post(format!("{}/api/login", self.base))
            .json(&json!({"username": name, "password": password}))
            .send()
            .await
            .expect("login request");
        if response.status().is_success() {
            let body: Value = response.json().await.expect("login json");
            *self.csrf.lock().expect("lock") =
                body["csrf_token"].as_str().unwrap_or("").to_string();
            return self
                .http
                .get(format!("{}/healthz", self.base))
                .send()
                .await
                .expect("ping");
        }
        response
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("X-CSRF-Token", self.csrf())
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// Uploads `(file name, bytes)` pairs in one request.
    pub async fn upload(&self, files: &[(&str, Vec<u8>)]) -> (u16, Value) {
        let mut form = reqwest::multipart::Form::new();
        for (name, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string());
            form = form.part("files", part);
        }
        let response = self
            .http
            .post(format!("{}/api/uploads", self.base))
            .header("X-CSRF-Token", self.csrf())
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Uploads and returns the URLs of the accepted files.
    pub async fn upload_ok(&self, files: &[(&str, Vec<u8>)]) -> Vec<String> {
        let (status, body) = self.upload(files).await;
        assert_eq!(status, 201, "upload refused: {body}");
        body["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| f["url"].as_str().expect("url").to_string())
            .collect()
    }

    pub async fn submit(&self, task_type: &str, images: &[String], options: Value) -> Value {
        let body = json!({"task_type": task_type, "images": images, "options": options});
        let response = self.post_json("/api/tasks", &body).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, 201, "submit refused: {body}");
        body
    }

    /// Downloads the batch's ZIP; returns its entries' names, sorted, and the archive.
    pub async fn batch_zip(
        &self,
        batch_id: &str,
    ) -> (Vec<String>, zip::ZipArchive<std::io::Cursor<Vec<u8>>>) {
        let response = self.get(&format!("/api/batches/{batch_id}/zip")).await;
        assert_eq!(response.status(), 200, "ZIP of batch {batch_id}");
        let bytes = response.bytes().await.expect("ZIP body").to_vec();
        let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid ZIP");
        let mut names: Vec<String> = archive.file_names().map(String::from).collect();
        names.sort();
        (names, archive)
    }

    /// The size of the picture stored in the ZIP under `name`.
    pub fn zip_picture_size(
        archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>,
        name: &str,
    ) -> (u32, u32) {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name(name).expect("entry"), &mut bytes)
            .expect("entry bytes");
        fixtures::size_of(&bytes)
    }

    /// Polls the batch until every task has ended or `timeout` passes; returns the tasks.
    pub async fn wait_batch(&self, batch_id: &str, timeout: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let body: Value = self
                .get(&format!("/api/tasks?limit=200&batch_id={batch_id}"))
                .await
                .json()
                .await
                .expect("json");
            let tasks = body["tasks"].as_array().cloned().unwrap_or_default();
            let done = tasks
                .iter()
                .all(|t| matches!(t["task_status"].as_str(), Some("completed" | "failed")));
            if (done && !tasks.is_empty()) || tokio::time::Instant::now() > deadline {
                return tasks;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
