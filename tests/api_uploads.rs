#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every kind of refused upload is named with its reason while the rest of the request goes on.

mod common;

use common::{fixtures, Setup, TestApp};
use serde_json::Value;

fn error_for<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn each_bad_file_is_refused_with_its_reason_and_the_good_ones_go_on() {
    let setup = Setup {
        extra: vec![
            ("limits.file_bytes".into(), "200000".into()),
            ("limits.image_pixels".into(), "4000000".into()),
        ],
        ..Setup::default()
    };
    let app = TestApp::spawn_with(setup).await;
    let client = app.user("alice").await;
    let good = fixtures::jpeg(640, 480);
    let truncated = good[..good.len() / 2].to_vec();
    let too_big = fixtures::png(1200, 1200); // plain PNG, well over 200 kB? checked below
                                             // 2100 x 2100 = 4.41 MP, over the 4 MP limit, yet a small file (flat colour).
    let too_many_pixels = fixtures::encode(
        image::DynamicImage::ImageRgb8(image::RgbImage::new(2100, 2100)),
        image::ImageFormat::Png,
    );
    let png_named_jpg = fixtures::png(50, 40);
    let noise: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let (status, body) = client
        .upload(&[
            ("good.jpg", good.clone()),
            ("empty.jpg", Vec::new()),
            ("half.jpg", truncated),
            ("notes.jpg", b"this is a text file, not a picture".to_vec()),
            ("huge.jpg", noise),
            ("wide.png", too_many_pixels),
            ("really-png.jpg", png_named_jpg),
        ])
        .await;
    assert_eq!(status, 201, "{body}");
    let accepted: Vec<&str> = body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(accepted, ["good.jpg", "really-png.jpg"]);
    assert_eq!(
        body["files"][1]["format"], "png",
        "format comes from the bytes, not the name"
    );
    assert!(body["files"][1]["url"].as_str().unwrap().ends_with(".png"));
    assert_eq!(body["files"][0]["width"], 640);
    assert_eq!(body["files"][0]["height"], 480);
    assert_eq!(error_for(&body, "empty.jpg")["code"], "empty_file");
    assert_eq!(error_for(&body, "half.jpg")["code"], "damaged_image");
    assert_eq!(error_for(&body, "notes.jpg")["code"], "not_an_image");
    assert_eq!(error_for(&body, "huge.jpg")["code"], "file_too_large");
    assert_eq!(error_for(&body, "wide.png")["code"], "too_many_pixels");
    for error in body["errors"].as_array().unwrap() {
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(error["name"].as_str().unwrap()),
            "message names the file: {message}"
        );
    }
    let _ = too_big;
    app.stop().await;
}

#[tokio::test]
async fn a_request_where_every_file_is_bad_answers_422() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let (status, body) = client.upload(&[("x.txt", b"hello".to_vec())]).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "no_valid_files");
    assert_eq!(body["errors"][0]["code"], "not_an_image");
    app.stop().await;
}

#[tokio::test]
async fn files_beyond_the_batch_limit_are_refused_by_name() {
    let setup = Setup {
        extra: vec![("limits.files_per_batch".into(), "2".into())],
        ..Setup::default()
    };
    let app = TestApp::spawn_with(setup).await;
    let client = app.user("alice").await;
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("1.jpg", fixtures::jpeg(64, 64)),
        ("2.jpg", fixtures::jpeg(64, 64)),
        ("3.jpg", fixtures::jpeg(64, 64)),
    ];
    let (status, body) = client.upload(&files).await;
    assert_eq!(status, 201);
    assert_eq!(body["files"].as_array().unwrap().len(), 2);
    assert_eq!(error_for(&body, "3.jpg")["code"], "too_many_files");
    app.stop().await;
}

#[tokio::test]
async fn uploaded_files_are_served_as_images_only() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client.upload_ok(&[("a.png", fixtures::png(30, 30))]).await;
    let response = reqwest::get(&urls[0]).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    let missing = reqwest::get(app.url("/public/temp/../aigc.db"))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    app.stop().await;
}
