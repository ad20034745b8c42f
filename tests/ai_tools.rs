#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The AI tools end to end against the DashScope double, on the fixtures whose truth is
//! known: exact sizes, real alpha, white borders, one stored result per view, cost recorded.
//! The lane's pauses and cancelled batches are in `ai_lane_pause.rs`.

mod common;

use std::time::Duration;

use aigc_studio::imaging::ai::fixtures::FixtureId;
use common::studio_ai::{app_on, studio_double};
use common::Client;
use image::GenericImageView;
use serde_json::{json, Value};

async fn run_one(client: &Client, tool: &str, files: &[(&str, Vec<u8>)], options: Value) -> Value {
    let urls = client.upload_ok(files).await;
    let batch = client.submit(tool, &urls[..1], options).await;
    let tasks = client
        .wait_batch(
            batch["batch_id"].as_str().unwrap(),
            Duration::from_secs(120),
        )
        .await;
    tasks.into_iter().next().unwrap()
}

async fn result(client: &Client, task: &Value, index: usize) -> image::DynamicImage {
    let id = task["task_id"].as_i64().unwrap();
    let response = client
        .get(&format!("/api/tasks/{id}/result?index={index}"))
        .await;
    assert_eq!(response.status(), 200);
    image::load_from_memory(&response.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn crop_png_gives_real_alpha_at_the_upload_size_from_a_shifted_output() {
    let double = studio_double((3, -2)).await;
    let app = app_on(&double).await;
    let client = app.user("alice").await;
    let fixture = FixtureId::WhiteProduct;
    let task = run_one(
        &client,
        "crop_png",
        &[("white.png", fixture.png_bytes())],
        json!({}),
    )
    .await;
    assert_eq!(task["task_status"], "completed", "{task}");
    assert!(task["result_url"]
        .as_str()
        .unwrap()
        .ends_with("/white_cutout.png"));
    let png = result(&client, &task, 0).await;
    assert!(png.color().has_alpha());
    let truth = fixture.truth_alpha();
    assert_eq!(png.dimensions(), truth.dimensions());
    let rgba = png.to_rgba8();
    let (mut inter, mut union) = (0u64, 0u64);
    for (p, t) in rgba.pixels().zip(truth.pixels()) {
        let (a, b) = (p[3] >= 128, t[0] >= 128);
        inter += u64::from(a && b);
        union += u64::from(a || b);
    }
    // Background (everything more than 2 px from the product's true edge) is exactly 0.
    let (w, h) = truth.dimensions();
    for (x, y, t) in truth.enumerate_pixels() {
        let near = (x.saturating_sub(2)..=(x + 2).min(w - 1)).any(|nx| {
            (y.saturating_sub(2)..=(y + 2).min(h - 1)).any(|ny| truth.get_pixel(nx, ny)[0] > 0)
        });
        if t[0] == 0 && !near {
            assert_eq!(rgba.get_pixel(x, y)[3], 0, "background alpha at {x},{y}");
        }
    }
    let iou = inter as f64 / union as f64;
    assert!(iou >= 0.97, "alpha IoU {iou}");
    assert_eq!(task["task_params"]["action"], "crop_png");
    let data = &app
        .state
        .db
        .task(task["task_id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap()
        .data();
    assert_eq!(data["cost"]["images"], 1);
    assert_eq!(data["used_original_pixels"], true);
    app.stop().await;
}

#[tokio::test]
async fn white_background_is_exact_and_the_product_fills_the_asked_share() {
    let double = studio_double((2, 3)).await;
    let app = app_on(&double).await;
    let client = app.user("alice").await;
    let files = [("dark.png", FixtureId::DarkProduct.png_bytes())];
    let task = run_one(&client, "crop_white_bg", &files, json!({"fill": 0.8})).await;
    assert_eq!(task["task_status"], "completed", "{task}");
    let img = result(&client, &task, 0).await.to_rgb8();
    assert_eq!(img.dimensions(), (800, 800));
    for (x, y) in [(0, 0), (799, 0), (0, 799), (799, 799), (400, 2), (2, 400)] {
        let p = img.get_pixel(x, y);
        assert!(p.0.iter().all(|&c| c >= 254), "border at {x},{y} is {p:?}");
    }
    // The product's box: pixels clearly darker than white.
    let (mut x0, mut y0, mut x1, mut y1) = (800, 800, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if p.0.iter().any(|&c| c < 200) {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    let longer = f64::from((x1 - x0 + 1).max(y1 - y0 + 1));
    assert!(
        (longer / 800.0 - 0.8).abs() <= 0.015,
        "longer side {longer}"
    );
    let centre = (f64::from(x0 + x1) / 2.0, f64::from(y0 + y1) / 2.0);
    assert!(
        (centre.0 - 399.5).abs() <= 8.0 && (centre.1 - 399.5).abs() <= 8.0,
        "{centre:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn remove_defect_gives_a_1200_square_jpeg_without_the_spots() {
    let double = studio_double((0, 0)).await;
    let app = app_on(&double).await;
    let client = app.user("alice").await;
    let fixture = FixtureId::DefectPhoto;
    let task = run_one(
        &client,
        "remove_defect",
        &[("spots.png", fixture.png_bytes())],
        json!({}),
    )
    .await;
    assert_eq!(task["task_status"], "completed", "{task}");
    assert!(task["result_url"]
        .as_str()
        .unwrap()
        .ends_with("/spots_clean.jpg"));
    let img = result(&client, &task, 0).await.to_rgb8();
    assert_eq!(img.dimensions(), (1200, 1200));
    // 640x480 contained in 1200x1200: scale 1.875, 150 px of white above and below.
    let scene = fixture.scene();
    for spot in &scene.defects {
        let (x, y) = ((spot.x * 1.875) as u32, (spot.y * 1.875 + 150.0) as u32);
        let p = img.get_pixel(x.min(1199), y.min(1199));
        assert!(
            p.0.iter().map(|&c| u32::from(c)).sum::<u32>() > 150,
            "spot left at {x},{y}: {p:?}"
        );
    }
    assert!(
        img.get_pixel(600, 5).0.iter().all(|&c| c >= 254),
        "white padding"
    );
    app.stop().await;
}

#[tokio::test]
async fn face_swap_keeps_the_model_photos_framing() {
    let double = studio_double((0, 0)).await;
    let app = app_on(&double).await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[
            ("model.png", FixtureId::ModelPhoto.png_bytes()),
            ("face.png", FixtureId::ReferenceFace.png_bytes()),
        ])
        .await;
    let batch = client
        .submit("face_swap", &urls[..1], json!({"face_image": urls[1]}))
        .await;
    let tasks = client
        .wait_batch(
            batch["batch_id"].as_str().unwrap(),
            Duration::from_secs(120),
        )
        .await;
    assert_eq!(tasks[0]["task_status"], "completed", "{}", tasks[0]);
    let img = result(&client, &tasks[0], 0).await;
    assert_eq!(img.dimensions(), FixtureId::ModelPhoto.image().dimensions());
    app.stop().await;
}

#[tokio::test]
async fn multi_angle_stores_one_result_per_view_and_the_zip_has_them_all() {
    let double = studio_double((0, 0)).await;
    let app = app_on(&double).await;
    let client = app.user("alice").await;
    let files = [("bottle.png", FixtureId::GreenProduct.png_bytes())];
    let task = run_one(
        &client,
        "multi_angle",
        &files,
        json!({"views": ["front", "left", "back"]}),
    )
    .await;
    assert_eq!(task["task_status"], "completed", "{task}");
    let urls: Vec<&str> = task["result_urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 3);
    assert!(urls[1].ends_with("/bottle_left.jpg"));
    for i in 0..3 {
        result(&client, &task, i).await;
    }
    let zip = client
        .get(&format!(
            "/api/batches/{}/zip",
            task["batch_id"].as_str().unwrap()
        ))
        .await;
    let archive =
        zip::ZipArchive::new(std::io::Cursor::new(zip.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(archive.len(), 3);
    let id = task["task_id"].as_i64().unwrap();
    let data = app.state.db.task(id).await.unwrap().unwrap().data();
    assert_eq!(data["cost"]["images"], 3, "one billed image per view");
    let batch = task["batch_id"].as_str().unwrap();
    let listed: Value = client
        .get(&format!("/api/tasks?batch_id={batch}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["batch_cost"]["images"], 3);
    assert_eq!(listed["tasks"][0]["cost"]["images"], 3);
    app.stop().await;
}

#[tokio::test]
async fn other_stores_every_output_of_n() {
    let double = studio_double((0, 0)).await;
    let app = app_on(&double).await;
    let client = app.user("alice").await;
    let files = [("p.jpg", common::fixtures::jpeg(800, 600))];
    let options = json!({"prompt": "把背景换成木纹桌面", "n": 2, "seed": 7});
    let task = run_one(&client, "other", &files, options).await;
    assert_eq!(task["task_status"], "completed", "{task}");
    assert_eq!(task["result_urls"].as_array().unwrap().len(), 2);
    app.stop().await;
}
