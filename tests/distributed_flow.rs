#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The distributed mode: web on MariaDB and RabbitMQ, the work done by two `worker`
//! processes sharing the storage folder, or sharing only an object store.

mod common;

use std::time::Duration;

use common::objects::ObjectStore;
use common::workers::{delete_topology, unique_prefix, WorkerEnv, WorkerProcess, RABBITMQ};
use common::{fixtures, mariadb, Setup, TestApp};
use serde_json::json;

#[tokio::test]
async fn web_and_two_workers_on_mariadb_and_rabbitmq_resize_a_batch() {
    let database_url = mariadb::fresh_database().await;
    let prefix = unique_prefix("flow");
    let setup = Setup {
        database_url: Some(database_url.clone()),
        queue_url: Some(RABBITMQ.into()),
        queue_prefix: Some(prefix.clone()),
        ..Setup::default()
    };
    let app = TestApp::spawn_with(setup).await;
    let env = WorkerEnv {
        public_url: app.base.clone(),
        database_url: database_url.clone(),
        storage_root: app.storage_root().display().to_string(),
        prefix: prefix.clone(),
        extra: Vec::new(),
    };
    let logs = app.dir.path();
    let mut workers = [
        WorkerProcess::start(&env, &logs.join("w1.log")),
        WorkerProcess::start(&env, &logs.join("w2.log")),
    ];
    let health: serde_json::Value = reqwest::get(app.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["queue"], "ok");
    assert_eq!(health["database"], "ok");

    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[
            ("IMG_1.jpg", fixtures::jpeg(1600, 1200)),
            ("IMG_2.jpg", fixtures::jpeg(900, 1400)),
            ("IMG_3.png", fixtures::png(640, 480)),
        ])
        .await;
    let batch = client
        .submit(
            "resize",
            &urls,
            json!({"width": 800, "height": 800, "format": "webp"}),
        )
        .await;
    let batch_id = batch["batch_id"].as_str().unwrap();
    let tasks = client.wait_batch(batch_id, Duration::from_secs(60)).await;
    for task in &tasks {
        assert_eq!(task["task_status"], "completed", "{task}");
        let id = task["task_id"].as_i64().unwrap();
        let bytes = client
            .get(&format!("/api/tasks/{id}/result"))
            .await
            .bytes()
            .await
            .unwrap();
        assert_eq!(&bytes[8..12], b"WEBP");
        assert_eq!(fixtures::size_of(&bytes), (800, 800));
    }
    for worker in &mut workers {
        assert!(
            worker.terminate().success(),
            "worker stops cleanly on SIGTERM"
        );
    }
    app.stop().await;
    delete_topology(&prefix).await;
    mariadb::drop_database(&database_url).await;
}

/// Hosts that share no folder: the web process and a worker each have their own empty disk
/// folder, and every file goes through the bucket.
#[tokio::test]
async fn a_worker_sharing_no_folder_with_web_works_through_the_bucket() {
    let store = ObjectStore::start().await;
    let database_url = mariadb::fresh_database().await;
    let prefix = unique_prefix("bucket");
    let setup = Setup {
        database_url: Some(database_url.clone()),
        queue_url: Some(RABBITMQ.into()),
        queue_prefix: Some(prefix.clone()),
        extra: store.settings(),
        ..Setup::default()
    };
    let app = TestApp::spawn_with(setup).await;
    let worker_disk = app.dir.path().join("worker-host");
    let as_env = |(key, value): (String, String)| {
        let name = format!("AIGC__{}", key.replace('.', "__").to_uppercase());
        (name, value)
    };
    let env = WorkerEnv {
        public_url: app.base.clone(),
        database_url: database_url.clone(),
        storage_root: worker_disk.display().to_string(),
        prefix: prefix.clone(),
        extra: store.settings().into_iter().map(as_env).collect(),
    };
    let mut worker = WorkerProcess::start(&env, &app.dir.path().join("worker.log"));

    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[("IMG_1.jpg", fixtures::jpeg(1600, 1200))])
        .await;
    let batch = client
        .submit("resize", &urls, json!({"width": 600, "height": 600}))
        .await;
    let batch_id = batch["batch_id"].as_str().unwrap();
    let tasks = client.wait_batch(batch_id, Duration::from_secs(60)).await;
    assert_eq!(tasks[0]["task_status"], "completed", "{}", tasks[0]);
    let result_url = tasks[0]["result_url"].as_str().unwrap();
    // An ASCII name, so the URL path is the object key as it is.
    let key = result_url.split("/public/").nth(1).unwrap();
    let stored = std::fs::read(store.object_path(key)).expect("result in the bucket");
    assert_eq!(fixtures::size_of(&stored), (600, 600));
    assert!(
        !worker_disk.exists(),
        "the worker wrote nothing to its own disk"
    );

    assert!(worker.terminate().success());
    app.stop().await;
    delete_topology(&prefix).await;
    mariadb::drop_database(&database_url).await;
}
