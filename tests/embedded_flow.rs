#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The whole product on its embedded defaults: SQLite, the in-process queue, consumers in
//! the web process.

mod common;

use std::time::Duration;

use common::{fixtures, Client, TestApp};
use serde_json::json;

#[tokio::test]
async fn upload_three_photos_resize_to_800_and_download_them() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[
            ("IMG_0012.jpg", fixtures::jpeg(1600, 1200)),
            ("竖图.jpg", fixtures::jpeg(900, 1400)),
            ("small.png", fixtures::png(640, 480)),
        ])
        .await;
    let batch = client
        .submit("resize", &urls, json!({"width": 800, "height": 800}))
        .await;
    let batch_id = batch["batch_id"].as_str().unwrap();
    let tasks = client.wait_batch(batch_id, Duration::from_secs(30)).await;
    assert_eq!(tasks.len(), 3);
    for task in &tasks {
        assert_eq!(task["task_status"], "completed", "{task}");
        assert_eq!(task["process_status"], "success");
        let id = task["task_id"].as_i64().unwrap();
        let response = client.get(&format!("/api/tasks/{id}/result")).await;
        assert_eq!(response.status(), 200);
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        let bytes = response.bytes().await.unwrap();
        assert_eq!(fixtures::size_of(&bytes), (800, 800));
        let original = task["original_name"].as_str().unwrap();
        let stem = original.rsplit_once('.').unwrap().0;
        let encoded_stem: String = stem
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'_' {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        assert!(
            disposition.contains(&encoded_stem),
            "{disposition} names {original}"
        );
    }
    let small = tasks
        .iter()
        .find(|t| t["original_name"] == "small.png")
        .unwrap();
    assert!(small["result_url"]
        .as_str()
        .unwrap()
        .ends_with("/small_800x800.png"));
    let (names, mut archive) = client.batch_zip(batch_id).await;
    assert_eq!(
        names,
        [
            "IMG_0012_800x800.jpg",
            "small_800x800.png",
            "竖图_800x800.jpg"
        ]
    );
    let first = Client::zip_picture_size(&mut archive, "IMG_0012_800x800.jpg");
    assert_eq!(first, (800, 800));

    let page = client.get("/aigc/tasks").await.text().await.unwrap();
    assert!(page.contains("竖图.jpg"), "the task page lists the batch");
    assert!(page.contains(&format!("/api/batches/{batch_id}/zip")));
    assert!(
        page.contains("<time datetime=\"20") && page.contains("Z\">"),
        "batch time in RFC 3339 UTC for the page script to localise"
    );
    app.stop().await;
}

#[tokio::test]
async fn tasks_left_unfinished_are_queued_again_when_the_process_restarts() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[
            ("a.jpg", fixtures::jpeg(300, 300)),
            ("b.jpg", fixtures::jpeg(300, 300)),
        ])
        .await;
    let database_url = app.database_url.clone();
    let db = app.state.db.clone();
    let batch = client
        .submit("resize", &urls, json!({"width": 50, "height": 50}))
        .await;
    let batch_id = batch["batch_id"].as_str().unwrap().to_string();
    client.wait_batch(&batch_id, Duration::from_secs(20)).await;
    // Put the rows back the way a crashed process leaves them: one pending, one processing.
    let aigc_studio::store::Db::Sqlite(pool) = &db else {
        panic!("sqlite expected")
    };
    sqlx::query(
        "UPDATE aigc_tasks SET task_status = 'pending', process_status = NULL, \
         result_url = NULL, result_data = NULL",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE aigc_tasks SET task_status = 'processing' \
         WHERE id = (SELECT MIN(id) FROM aigc_tasks)",
    )
    .execute(pool)
    .await
    .unwrap();
    let dir = app.stop().await;
    let again = TestApp::restart(dir, database_url).await;
    let client = common::Client::new(&again.base);
    client.login("alice", common::PASSWORD).await;
    let tasks = client.wait_batch(&batch_id, Duration::from_secs(30)).await;
    assert_eq!(tasks.len(), 2);
    assert!(
        tasks.iter().all(|t| t["task_status"] == "completed"),
        "{tasks:?}"
    );
    again.stop().await;
}

#[tokio::test]
async fn a_chinese_text_watermark_keeps_the_size_and_format_and_options_read_back_as_sent() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[("商品.png", fixtures::png(900, 600))])
        .await;
    let options = json!({"kind": "text", "text": "青年汽车 正品保证", "position": "tile",
                         "color": "#FF0000", "opacity": 0.6});
    let batch = client.submit("watermark", &urls, options).await;
    let tasks = client
        .wait_batch(batch["batch_id"].as_str().unwrap(), Duration::from_secs(30))
        .await;
    let task = &tasks[0];
    assert_eq!(task["task_status"], "completed", "{task}");
    assert!(task["result_url"].as_str().unwrap().ends_with("_wm.png"));
    assert_eq!(task["task_params"]["options"]["color"], "#FF0000");
    assert_eq!(task["task_params"]["options"]["position"], "tile");
    let id = task["task_id"].as_i64().unwrap();
    let bytes = client
        .get(&format!("/api/tasks/{id}/result"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(fixtures::size_of(&bytes), (900, 600));
    let original = image::load_from_memory(&fixtures::png(900, 600))
        .unwrap()
        .to_rgb8();
    let marked = image::load_from_memory(&bytes).unwrap().to_rgb8();
    let changed = original
        .pixels()
        .zip(marked.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        changed > 900 * 600 / 50,
        "the tiled mark covers the picture: {changed} px changed"
    );
    app.stop().await;
}
