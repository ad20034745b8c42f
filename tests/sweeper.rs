#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The sweeper catches what fell between the cracks: a task whose publish was lost is
//! published again, and a task stuck in `processing` fails with a reason.

mod common;

use std::time::Duration;

use aigc_studio::recorder::Sweeper;
use aigc_studio::store::NewTask;
use aigc_studio::task::TaskType;
use common::{fixtures, TestApp};
use serde_json::json;

fn sweeper(app: &TestApp, stale_after: Duration) -> Sweeper {
    Sweeper {
        db: app.state.db.clone(),
        broker: app.state.broker.clone(),
        submitter: app.state.submitter.clone(),
        republish_after: Duration::ZERO,
        stale_after,
    }
}

#[tokio::test]
async fn a_task_whose_publish_was_lost_is_published_again_and_completes() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[("lost.jpg", fixtures::jpeg(400, 300))])
        .await;
    let done = client
        .submit("resize", &urls, json!({"width": 100, "height": 100}))
        .await;
    let batch_id = done["batch_id"].as_str().unwrap();
    let first = client.wait_batch(batch_id, Duration::from_secs(20)).await;
    // A row written like the web process writes it, but never published.
    let mut params = first[0]["task_params"].clone();
    params["result_dir"] = json!("0123456789abcdef0123456789abcdef");
    let user_id = app
        .state
        .db
        .user_by_name("alice")
        .await
        .unwrap()
        .unwrap()
        .id;
    let row = NewTask {
        user_id,
        batch_id: "lostbatch".into(),
        task_type: TaskType::Resize,
        task_params: params,
        original_path: urls[0].clone(),
    };
    let ids = app.state.db.insert_tasks(&[row]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waiting = app.state.db.task(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        waiting.task_status, "pending",
        "nothing runs a task nobody published"
    );

    let sent = sweeper(&app, Duration::from_secs(3600))
        .republish_once()
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let tasks = client
        .wait_batch("lostbatch", Duration::from_secs(20))
        .await;
    assert_eq!(tasks[0]["task_status"], "completed", "{}", tasks[0]);
    assert_eq!(
        sweeper(&app, Duration::from_secs(3600))
            .republish_once()
            .await
            .unwrap(),
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn a_task_stuck_in_processing_fails_with_a_reason() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[("stuck.jpg", fixtures::jpeg(300, 300))])
        .await;
    let batch = client
        .submit("resize", &urls, json!({"width": 64, "height": 64}))
        .await;
    let batch_id = batch["batch_id"].as_str().unwrap();
    let tasks = client.wait_batch(batch_id, Duration::from_secs(20)).await;
    let id = tasks[0]["task_id"].as_i64().unwrap();
    let aigc_studio::store::Db::Sqlite(pool) = &app.state.db else {
        panic!("sqlite")
    };
    let long_ago = chrono::Utc::now() - chrono::Duration::hours(3);
    sqlx::query("UPDATE aigc_tasks SET task_status = 'processing', started_at = ? WHERE id = ?")
        .bind(long_ago)
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    let failed = sweeper(&app, Duration::from_secs(3600))
        .fail_stale_once()
        .await
        .unwrap();
    assert_eq!(failed, 1);
    let task: serde_json::Value = client
        .get(&format!("/api/tasks/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(task["task_status"], "failed");
    assert_eq!(task["error"]["code"], "stale_task");
    assert!(task["error"]["message"].as_str().unwrap().contains("重试"));
    app.stop().await;
}
