#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `storage.keep_days`: old uploads and results go, recent ones and the folders still in
//! use stay.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use aigc_studio::storage::retention::{remove_older_than, Removed};
use common::{fixtures, TestApp};
use serde_json::{json, Value};

fn file(path: &Path, days_old: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, b"picture").unwrap();
    let when = SystemTime::now() - Duration::from_secs(days_old * 86_400 + 60);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[test]
fn files_older_than_the_limit_are_removed_with_their_empty_result_folders() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    file(&root.join("temp/old.jpg"), 10);
    file(&root.join("temp/new.jpg"), 1);
    file(&root.join("results/a1/old_white.jpg"), 10);
    file(&root.join("results/b2/old_1.jpg"), 10);
    file(&root.join("results/b2/new_2.jpg"), 0);
    file(&root.join("results/c3/new.png"), 2);

    let removed = remove_older_than(root, Duration::from_secs(7 * 86_400)).unwrap();

    assert_eq!(
        removed,
        Removed {
            files: 3,
            folders: 1
        }
    );
    assert!(!root.join("temp/old.jpg").exists());
    assert!(root.join("temp/new.jpg").exists());
    assert!(!root.join("results/a1").exists(), "emptied folder removed");
    assert!(!root.join("results/b2/old_1.jpg").exists());
    assert!(root.join("results/b2/new_2.jpg").exists());
    assert!(root.join("results/c3/new.png").exists());
}

#[test]
fn a_missing_folder_is_nothing_to_remove() {
    let dir = tempfile::tempdir().unwrap();
    let removed = remove_older_than(&dir.path().join("nowhere"), Duration::ZERO).unwrap();
    assert_eq!(removed, Removed::default());
}

#[tokio::test]
async fn a_removed_result_answers_410_and_its_task_stays_listed() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[("a.jpg", fixtures::jpeg(300, 200))])
        .await;
    let batch = client
        .submit("resize", &urls, json!({"width": 100, "height": 100}))
        .await;
    let batch_id = batch["batch_id"].as_str().unwrap();
    let tasks = client.wait_batch(batch_id, Duration::from_secs(20)).await;
    let id = tasks[0]["task_id"].as_i64().unwrap();
    assert_eq!(
        client
            .get(&format!("/api/tasks/{id}/result"))
            .await
            .status(),
        200
    );

    // Everything is older than zero days.
    remove_older_than(app.storage_root(), Duration::ZERO).unwrap();
    let gone = client.get(&format!("/api/tasks/{id}/result")).await;
    assert_eq!(gone.status(), 410);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(body["error"]["code"], "result_removed");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("保存期限"));
    let listed = client.get(&format!("/api/tasks/{id}")).await;
    assert_eq!(listed.status(), 200);
    app.stop().await;
}
