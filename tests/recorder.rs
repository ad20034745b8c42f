#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The recorder applies events idempotently: a completed or failed task stays so whatever
//! arrives late or twice, and events of an older attempt change nothing.

use aigc_studio::queue::Event;
use aigc_studio::recorder::apply;
use aigc_studio::store::{connect, Db, NewTask};
use aigc_studio::task::TaskType;
use chrono::Utc;
use serde_json::json;

async fn db_with_task() -> (tempfile::TempDir, Db, i64) {
    let dir = tempfile::tempdir().unwrap();
    let db = connect(&format!("sqlite://{}/r.db", dir.path().display()), 2)
        .await
        .unwrap();
    let user = db.upsert_user("u", "x").await.unwrap();
    let task = NewTask {
        user_id: user,
        batch_id: "b".into(),
        task_type: TaskType::Resize,
        task_params: json!({"image": "x"}),
        original_path: "x".into(),
    };
    let id = db.insert_tasks(&[task]).await.unwrap()[0];
    (dir, db, id)
}

fn completed(id: i64, attempt: u32) -> Event {
    Event::Completed {
        task_id: id,
        attempt,
        at: Utc::now(),
        result_url: "http://h/public/results/a/b.jpg".into(),
        result_urls: vec!["http://h/public/results/a/b.jpg".into()],
        result_data: json!({}),
    }
}

fn failed(id: i64, attempt: u32) -> Event {
    Event::Failed {
        task_id: id,
        attempt,
        at: Utc::now(),
        code: "x".into(),
        message: "late".into(),
        result_data: json!({}),
    }
}

#[tokio::test]
async fn late_and_repeated_events_never_undo_an_ending() {
    let (_dir, db, id) = db_with_task().await;
    apply(
        &db,
        &Event::Started {
            task_id: id,
            attempt: 1,
            at: Utc::now(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        db.task(id).await.unwrap().unwrap().task_status,
        "processing"
    );
    apply(&db, &completed(id, 1)).await.unwrap();
    apply(&db, &completed(id, 1)).await.unwrap();
    apply(&db, &failed(id, 1)).await.unwrap();
    apply(
        &db,
        &Event::Started {
            task_id: id,
            attempt: 1,
            at: Utc::now(),
        },
    )
    .await
    .unwrap();
    let row = db.task(id).await.unwrap().unwrap();
    assert_eq!(row.task_status, "completed");
    assert_eq!(row.process_status.as_deref(), Some("success"));
    assert_eq!(
        row.data()["result_urls"][0],
        "http://h/public/results/a/b.jpg"
    );
}

#[tokio::test]
async fn events_of_an_older_attempt_are_ignored_after_a_retry() {
    let (_dir, db, id) = db_with_task().await;
    apply(&db, &failed(id, 1)).await.unwrap();
    let user = db.task(id).await.unwrap().unwrap().user_id;
    assert_eq!(db.reset_for_retry(user, id).await.unwrap(), Some(2));
    // The first attempt's outcome arrives again, late: the retried task stays pending.
    apply(&db, &failed(id, 1)).await.unwrap();
    apply(&db, &completed(id, 1)).await.unwrap();
    assert_eq!(db.task(id).await.unwrap().unwrap().task_status, "pending");
    apply(&db, &completed(id, 2)).await.unwrap();
    assert_eq!(db.task(id).await.unwrap().unwrap().task_status, "completed");
}

#[tokio::test]
async fn an_event_for_an_unknown_task_changes_nothing_and_is_not_an_error() {
    let (_dir, db, _) = db_with_task().await;
    apply(&db, &completed(999_999, 1)).await.unwrap();
}
