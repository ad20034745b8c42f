#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The AI lane when the service refuses the key: tasks wait with a notice instead of failing,
//! the lane resumes once the key is right (even corrected in the configuration file while the
//! studio runs), and a batch cancelled while it waits never reaches the model.

mod common;

use std::time::Duration;

use aigc_studio::dashscope::double::Fault;
use common::studio_ai::{app_on, app_with_key_file, studio_double, write_key};
use common::{Setup, TestApp};
use serde_json::{json, Value};

#[tokio::test]
async fn a_refused_key_pauses_the_lane_and_tasks_wait_then_resume() {
    let double = studio_double((0, 0)).await;
    double.push_faults([
        Fault::error(401, "InvalidApiKey", "Invalid API-key provided."),
        Fault::error(401, "InvalidApiKey", "Invalid API-key provided."),
    ]);
    let app = app_on(&double).await;
    let client = app.user("alice").await;
    let files = [("p.jpg", common::fixtures::jpeg(640, 480))];
    let urls = client.upload_ok(&files).await;
    let batch = client
        .submit("other", &urls, json!({"prompt": "提亮画面"}))
        .await;
    let id = batch["tasks"][0]["task_id"].as_i64().unwrap();
    // While the lane is paused the task waits with a notice, and never fails.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut saw_notice = false;
    loop {
        let task: Value = client
            .get(&format!("/api/tasks/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_ne!(task["task_status"], "failed", "{task}");
        saw_notice |= task["notice"]["code"] == "invalid_api_key";
        if task["task_status"] == "completed" || tokio::time::Instant::now() > deadline {
            assert_eq!(task["task_status"], "completed", "{task}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(saw_notice, "the waiting task told the user why");
    app.stop().await;
}

#[tokio::test]
async fn a_key_corrected_in_the_config_file_resumes_the_lane_without_a_restart() {
    let double = studio_double((0, 0)).await;
    let (app, config) = app_with_key_file(&double, "a-mistyped-key").await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[("p.jpg", common::fixtures::jpeg(640, 480))])
        .await;
    let batch = client
        .submit("other", &urls, json!({"prompt": "提亮画面"}))
        .await;
    let id = batch["tasks"][0]["task_id"].as_i64().unwrap();
    let task_now = || async {
        let response = client.get(&format!("/api/tasks/{id}")).await;
        response.json::<Value>().await.unwrap()
    };

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let task = task_now().await;
        if task["notice"]["code"] == "invalid_api_key" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no notice: {task}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The operator corrects the file; nothing is restarted.
    write_key(config.path(), &double, "test-key");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let task = task_now().await;
        assert_ne!(task["task_status"], "failed", "{task}");
        if task["task_status"] == "completed" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not resumed: {task}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn without_a_key_ai_tasks_wait_with_a_notice_instead_of_failing() {
    let setup = Setup {
        extra: vec![("worker.lane_pause_secs".into(), "1".into())],
        ..Setup::default()
    };
    let app = TestApp::spawn_with(setup).await;
    if app.state.settings.dashscope.api_key.is_some() {
        return; // a key in this machine's environment: the case cannot be made here
    }
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[("p.jpg", common::fixtures::jpeg(640, 480))])
        .await;
    let batch = client.submit("crop_png", &urls, json!({})).await;
    let id = batch["tasks"][0]["task_id"].as_i64().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let task: Value = client
            .get(&format!("/api/tasks/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_ne!(task["task_status"], "failed", "{task}");
        if task["notice"]["code"] == "api_key_missing" {
            assert_eq!(task["task_status"], "pending");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no notice: {task}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = client
        .get("/aigc?tool=crop_png")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("API Key"),
        "the tool page says the key is missing"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_cancelled_batch_ends_its_waiting_tasks_before_any_further_model_call() {
    let double = studio_double((0, 0)).await;
    let (app, config) = app_with_key_file(&double, "a-mistyped-key").await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[
            ("a.jpg", common::fixtures::jpeg(640, 480)),
            ("b.jpg", common::fixtures::jpeg(600, 480)),
            ("c.jpg", common::fixtures::jpeg(560, 480)),
        ])
        .await;
    let batch = client
        .submit("other", &urls, json!({"prompt": "提亮画面"}))
        .await;
    let batch_id = batch["batch_id"].as_str().unwrap();
    // The refused key pauses the lane: the three tasks wait in the queue.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while double.stats().total == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no call reached the double"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The paused lane tries one task again every second; a task caught `processing` is not
    // cancelled, so the operator presses again until all three are.
    let cancel = format!("/api/batches/{batch_id}/cancel");
    let mut cancelled = 0;
    while cancelled < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {cancelled} cancelled"
        );
        let response = client.post_json(&cancel, &json!({})).await;
        if response.status() == 200 {
            let body: Value = response.json().await.unwrap();
            cancelled += body["cancelled"].as_u64().unwrap();
        } else {
            assert_eq!(response.status(), 409);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(cancelled, 3);
    let calls_at_cancel = double.stats().total;

    // The key is corrected: the lane resumes and meets the cancelled tasks' messages, which
    // must not become model calls.
    write_key(config.path(), &double, "test-key");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        double.stats().total,
        calls_at_cancel,
        "a cancelled task was sent to the model"
    );
    let tasks = client.wait_batch(batch_id, Duration::from_secs(5)).await;
    for task in &tasks {
        assert_eq!(task["task_status"], "failed", "{task}");
        assert_eq!(task["error"]["code"], "cancelled", "{task}");
    }
    assert_eq!(client.post_json(&cancel, &json!({})).await.status(), 409);
    let bob = app.user("bob").await;
    assert_eq!(bob.post_json(&cancel, &json!({})).await.status(), 404);
    app.stop().await;
}
