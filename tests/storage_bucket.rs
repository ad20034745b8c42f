#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Files in an S3-compatible bucket: the client against a store that checks signatures,
//! and the whole resize flow with no file on the web host's disk.

mod common;

use std::time::Duration;

use aigc_studio::settings::Secret;
use aigc_studio::storage::{Bucket, StorageError};
use common::objects::ObjectStore;
use common::{fixtures, Client, Setup, TestApp};
use serde_json::json;

#[tokio::test]
async fn objects_round_trip_under_chinese_names() {
    let store = ObjectStore::start().await;
    let bucket = Bucket::new(&store.bucket_settings()).unwrap();
    let key = "results/ab12/竖图 (1)_white.jpg";
    let bytes = fixtures::jpeg(64, 48);
    bucket.put(key, &bytes, "image/jpeg").await.unwrap();
    assert_eq!(bucket.get(key).await.unwrap(), bytes);
    assert_eq!(std::fs::read(store.object_path(key)).unwrap(), bytes);
}

#[tokio::test]
async fn a_missing_object_is_reported_as_missing() {
    let store = ObjectStore::start().await;
    let bucket = Bucket::new(&store.bucket_settings()).unwrap();
    let err = bucket.get("temp/never-written.jpg").await.unwrap_err();
    assert!(err.is_missing(), "{err}");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_is_not_passing_trouble() {
    let store = ObjectStore::start().await;
    let mut settings = store.bucket_settings();
    settings.secret_access_key = Secret::new("not-the-secret");
    let bucket = Bucket::new(&settings).unwrap();
    let err = bucket
        .put("temp/a.jpg", b"bytes", "image/jpeg")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StorageError::Remote {
                status: Some(403),
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.is_transient());
    assert!(!store.object_path("temp/a.jpg").exists());
}

#[tokio::test]
async fn a_store_that_does_not_answer_is_passing_trouble() {
    let store = ObjectStore::start().await;
    let mut settings = store.bucket_settings();
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    settings.endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let bucket = Bucket::new(&settings).unwrap();
    let err = bucket.get("temp/a.jpg").await.unwrap_err();
    assert!(err.is_transient(), "{err}");
}

#[tokio::test]
async fn resize_runs_with_every_file_in_the_bucket() {
    let store = ObjectStore::start().await;
    let app = TestApp::spawn_with(Setup {
        extra: store.settings(),
        ..Setup::default()
    })
    .await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[
            ("IMG_0012.jpg", fixtures::jpeg(1600, 1200)),
            ("竖图.png", fixtures::png(600, 900)),
        ])
        .await;
    let batch = client
        .submit("resize", &urls, json!({"width": 400, "height": 400}))
        .await;
    let batch_id = batch["batch_id"].as_str().unwrap();
    let tasks = client.wait_batch(batch_id, Duration::from_secs(30)).await;
    for task in &tasks {
        assert_eq!(task["task_status"], "completed", "{task}");
        let id = task["task_id"].as_i64().unwrap();
        let download = client.get(&format!("/api/tasks/{id}/result")).await;
        assert_eq!(download.status(), 200);
        assert_eq!(
            fixtures::size_of(&download.bytes().await.unwrap()),
            (400, 400)
        );

        // The public URL, which DashScope and the pages use, is served from the bucket.
        let public = reqwest::get(task["result_url"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(public.status(), 200);
        assert_eq!(public.headers()["x-content-type-options"], "nosniff");
        let kind = public.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(kind.starts_with("image/"), "{kind}");
    }
    for url in &urls {
        let name = url.rsplit('/').next().unwrap();
        assert!(
            store.object_path(&format!("temp/{name}")).exists(),
            "{url} in the bucket"
        );
    }
    assert!(
        !app.storage_root().join("temp").exists() && !app.dir.path().join("public").exists(),
        "nothing written to the web host's disk"
    );

    let (names, mut archive) = client.batch_zip(batch_id).await;
    assert_eq!(names, ["IMG_0012_400x400.jpg", "竖图_400x400.png"]);
    let first = Client::zip_picture_size(&mut archive, "IMG_0012_400x400.jpg");
    assert_eq!(first, (400, 400));

    let unknown = reqwest::get(format!("{}/public/temp/nothing.jpg", app.base))
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    app.stop().await;
}
