#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Submitting batches: option checks naming the field, order of tasks, listing and paging,
//! retry of failed tasks.

mod common;

use std::time::Duration;

use common::{fixtures, TestApp};
use serde_json::{json, Value};

async fn refused(client: &common::Client, body: Value) -> (u16, String, String) {
    let response = client.post_json("/api/tasks", &body).await;
    let status = response.status().as_u16();
    let json: Value = response.json().await.unwrap();
    let code = json["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (
        status,
        code,
        json["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test]
async fn bad_submissions_are_refused_with_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[("a.jpg", fixtures::jpeg(200, 200))])
        .await;
    let cases = [
        (json!({"task_type": "sharpen", "images": urls}), "task_type"),
        (
            json!({"task_type": "resize", "images": urls, "options": {"width": 100}}),
            "options.height",
        ),
        (
            json!({"task_type": "resize", "images": urls, "options": {"width": 0, "height": 5}}),
            "options.width",
        ),
        (
            json!({"task_type": "resize", "images": urls, "options": {"width": 10, "height": 10, "zoom": 2}}),
            "options.zoom",
        ),
        (
            json!({"task_type": "resize", "images": urls, "options": {"width": 100, "height": 100, "mode": "fill"}}),
            "options.mode",
        ),
        (
            json!({"task_type": "watermark", "images": urls, "options": {"kind": "text"}}),
            "options.text",
        ),
        (
            json!({"task_type": "watermark", "images": urls, "options": {"text": "a", "opacity": 2}}),
            "options.opacity",
        ),
        (
            json!({"task_type": "crop_white_bg", "images": urls, "options": {"fill": 0.99}}),
            "options.fill",
        ),
        (
            json!({"task_type": "other", "images": urls, "options": {"n": 7, "prompt": "x"}}),
            "options.n",
        ),
        (
            json!({"task_type": "resize", "images": [], "options": {"width": 100, "height": 100}}),
            "images",
        ),
        (
            json!({"task_type": "resize", "images": ["http://evil.example/x.jpg"], "options": {"width": 100, "height": 100}}),
            "images[0]",
        ),
    ];
    for (body, field) in cases {
        let (status, _, message) = refused(&client, body.clone()).await;
        assert_eq!(status, 422, "{body}");
        assert!(message.starts_with(field), "{field} not named in {message}");
    }
    app.stop().await;
}

#[tokio::test]
async fn tasks_come_back_in_the_order_of_images_and_list_newest_first_with_paging() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let files: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| (format!("p{i}.jpg"), fixtures::jpeg(120 + i * 10, 100)))
        .collect();
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let urls = client.upload_ok(&refs).await;
    let batch = client
        .submit("resize", &urls, json!({"width": 64, "height": 64}))
        .await;
    let images: Vec<&str> = batch["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["image"].as_str().unwrap())
        .collect();
    assert_eq!(images, urls.iter().map(String::as_str).collect::<Vec<_>>());
    let batch_id = batch["batch_id"].as_str().unwrap();
    let tasks = client.wait_batch(batch_id, Duration::from_secs(30)).await;
    assert!(
        tasks.iter().all(|t| t["task_status"] == "completed"),
        "{tasks:?}"
    );
    let page: Value = client.get("/api/tasks?limit=2").await.json().await.unwrap();
    let ids: Vec<i64> = page["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] > ids[1]);
    let before = page["next_before"].as_i64().unwrap();
    let next: Value = client
        .get(&format!("/api/tasks?limit=2&before={before}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(next["tasks"][0]["task_id"].as_i64().unwrap() < before);
    let filtered: Value = client
        .get("/api/tasks?status=failed")
        .await
        .json()
        .await
        .unwrap();
    assert!(filtered["tasks"].as_array().unwrap().is_empty());
    assert_eq!(client.get("/api/tasks?status=done").await.status(), 422);
    app.stop().await;
}

/// A stored upload taken away, so the task that reads it fails; `put_back` restores it.
struct Hidden {
    path: std::path::PathBuf,
    bytes: Vec<u8>,
}

impl Hidden {
    fn take(app: &TestApp, url: &str) -> Hidden {
        let name = url.rsplit('/').next().unwrap();
        let path = app.storage_root().join("temp").join(name);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        Hidden { path, bytes }
    }

    fn put_back(&self) {
        std::fs::write(&self.path, &self.bytes).unwrap();
    }
}

#[tokio::test]
async fn a_failed_task_can_be_retried_and_a_completed_one_cannot() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[("a.jpg", fixtures::jpeg(200, 150))])
        .await;
    // Remove the stored upload so the first run fails, then put it back and retry.
    let hidden = Hidden::take(&app, &urls[0]);
    let batch = client
        .submit("resize", &urls, json!({"width": 80, "height": 80}))
        .await;
    let batch_id = batch["batch_id"].as_str().unwrap();
    let tasks = client.wait_batch(batch_id, Duration::from_secs(20)).await;
    assert_eq!(tasks[0]["task_status"], "failed");
    assert_eq!(tasks[0]["process_status"], "failed");
    assert_eq!(tasks[0]["error"]["code"], "input_missing");
    hidden.put_back();
    let id = tasks[0]["task_id"].as_i64().unwrap();
    let retried = client
        .post_json(&format!("/api/tasks/{id}/retry"), &json!({}))
        .await;
    assert_eq!(retried.status(), 202);
    let tasks = client.wait_batch(batch_id, Duration::from_secs(20)).await;
    assert_eq!(tasks[0]["task_status"], "completed", "{:?}", tasks[0]);
    assert_eq!(tasks[0]["attempt"], 2);
    let again = client
        .post_json(&format!("/api/tasks/{id}/retry"), &json!({}))
        .await;
    assert_eq!(again.status(), 409);
    app.stop().await;
}

#[tokio::test]
async fn a_batch_retries_all_its_failed_tasks_at_once_and_only_those() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[
            ("ok.jpg", fixtures::jpeg(200, 150)),
            ("gone-1.jpg", fixtures::jpeg(210, 150)),
            ("gone-2.jpg", fixtures::jpeg(220, 150)),
        ])
        .await;
    // Two stored uploads disappear before the batch runs: those two tasks fail.
    let hidden: Vec<Hidden> = urls[1..].iter().map(|u| Hidden::take(&app, u)).collect();
    let batch = client
        .submit("resize", &urls, json!({"width": 80, "height": 80}))
        .await;
    let batch_id = batch["batch_id"].as_str().unwrap();
    let tasks = client.wait_batch(batch_id, Duration::from_secs(20)).await;
    let states: Vec<&str> = tasks
        .iter()
        .map(|t| t["task_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        states.iter().filter(|s| **s == "failed").count(),
        2,
        "{states:?}"
    );

    // The task page can show the failures alone.
    let page = client
        .get("/aigc/tasks?status=failed")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("data-status=\"failed\">").count(), 2);
    assert_eq!(page.matches("data-status=\"completed\">").count(), 0);
    assert!(page.contains("2 张失败"), "the batch says what is listed");
    assert!(
        page.contains("href=\"/aigc/tasks?status=failed\" class=\"current\"")
            || page.contains("class=\"current\" href=\"/aigc/tasks?status=failed\"")
    );

    hidden.iter().for_each(Hidden::put_back);
    let response = client
        .post_json(&format!("/api/batches/{batch_id}/retry"), &json!({}))
        .await;
    assert_eq!(response.status(), 202);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["retried"], 2);
    let tasks = client.wait_batch(batch_id, Duration::from_secs(20)).await;
    for task in &tasks {
        assert_eq!(task["task_status"], "completed", "{task}");
        let retried = task["original_name"] != "ok.jpg";
        assert_eq!(task["attempt"], if retried { 2 } else { 1 }, "{task}");
    }

    // Nothing failed any more; another user's batch and an unknown one are not found.
    let again = client
        .post_json(&format!("/api/batches/{batch_id}/retry"), &json!({}))
        .await;
    assert_eq!(again.status(), 409);
    let bob = app.user("bob").await;
    let theirs = bob
        .post_json(&format!("/api/batches/{batch_id}/retry"), &json!({}))
        .await;
    assert_eq!(theirs.status(), 404);
    app.stop().await;
}
