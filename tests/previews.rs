#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Pages show previews of uploads and results from `/thumbs/...`, not the stored photos.

mod common;

use std::time::Duration;

use common::{fixtures, Client, TestApp};
use image::{DynamicImage, GenericImageView, Rgba, RgbaImage};
use serde_json::json;

/// The preview path of a stored file's public URL, as the pages make it.
fn preview_of(url: &str) -> String {
    let at = url.find("/public/").unwrap();
    format!("/thumbs/{}", &url[at + "/public/".len()..])
}

async fn fetch_preview(client: &Client, url: &str) -> DynamicImage {
    let response = client.get(&preview_of(url)).await;
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.headers()["content-type"], "image/webp");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let bytes = response.bytes().await.unwrap();
    image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP).unwrap()
}

/// A tall cut-out: transparent everywhere but a centred opaque block.
fn cut_out_png() -> Vec<u8> {
    let img = RgbaImage::from_fn(300, 1200, |x, y| {
        let inside = (100..200).contains(&x) && (400..800).contains(&y);
        if inside {
            Rgba([200, 40, 40, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    fixtures::encode(DynamicImage::ImageRgba8(img), image::ImageFormat::Png)
}

#[tokio::test]
async fn previews_are_small_webps_that_keep_the_shape_and_the_transparency() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[
            ("photo.jpg", fixtures::jpeg(1600, 1200)),
            ("cut.png", cut_out_png()),
            ("small.jpg", fixtures::jpeg(120, 90)),
        ])
        .await;

    assert_eq!(
        fetch_preview(&client, &urls[0]).await.dimensions(),
        (320, 240)
    );
    let cut = fetch_preview(&client, &urls[1]).await;
    assert_eq!(cut.dimensions(), (80, 320));
    let rgba = cut.to_rgba8();
    assert_eq!(rgba.get_pixel(2, 2)[3], 0, "background stays transparent");
    assert_eq!(rgba.get_pixel(40, 160)[3], 255, "product stays opaque");
    // Never enlarged.
    assert_eq!(
        fetch_preview(&client, &urls[2]).await.dimensions(),
        (120, 90)
    );
    app.stop().await;
}

#[tokio::test]
async fn results_have_previews_and_the_task_page_uses_them() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let urls = client
        .upload_ok(&[("商品 1.jpg", fixtures::jpeg(900, 600))])
        .await;
    let options = json!({"width": 800, "height": 800, "mode": "contain"});
    let batch = client.submit("resize", &urls, options).await;
    let batch_id = batch["batch_id"].as_str().unwrap();
    let tasks = client.wait_batch(batch_id, Duration::from_secs(30)).await;
    let result = tasks[0]["result_urls"][0].as_str().unwrap();
    assert_eq!(
        fetch_preview(&client, result).await.dimensions(),
        (320, 320)
    );

    let page = client.get("/aigc/tasks").await.text().await.unwrap();
    let upload_path = &urls[0][urls[0].find("/public/").unwrap()..];
    assert!(page.contains(&upload_path.replacen("/public/", "/thumbs/", 1)));
    assert!(
        page.contains(&format!("href=\"{}\"", urls[0])),
        "preview opens the file"
    );
    app.stop().await;
}

#[tokio::test]
async fn only_stored_files_have_previews() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    client.upload_ok(&[("a.jpg", fixtures::jpeg(64, 64))]).await;
    let upload = client.upload_ok(&[("b.jpg", fixtures::jpeg(64, 64))]).await;
    let stranger = reqwest::get(app.url(&preview_of(&upload[0])))
        .await
        .unwrap();
    assert_eq!(stranger.status(), 401, "previews need a session");
    for path in [
        "/thumbs/temp/not-there.jpg",
        "/thumbs/temp/..%2F..%2Fdata%2Faigc.db",
        "/thumbs/results/x.jpg",
        "/thumbs/other/a.jpg",
        "/thumbs/",
    ] {
        assert_eq!(client.get(path).await.status(), 404, "{path}");
    }
    app.stop().await;
}

/// A busy 12-megapixel photo (texture everywhere, as a product shot on a patterned cloth):
/// the kind of file that made the task page heavy.
fn busy_photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(4000, 3000, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 7;
        image::Rgb([
            (n & 0xff) as u8,
            ((n >> 8) & 0xff) as u8,
            ((x + y) & 0xff) as u8,
        ])
    });
    fixtures::encode(DynamicImage::ImageRgb8(img), image::ImageFormat::Jpeg)
}

/// Measured here: a 23 kB preview of a photo of several megabytes.
#[tokio::test]
async fn a_preview_of_a_12_megapixel_photo_is_a_few_dozen_kilobytes() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let photo = busy_photo();
    assert!(
        photo.len() > 4_000_000,
        "the photo is heavy: {} bytes",
        photo.len()
    );
    let urls = client.upload_ok(&[("busy.jpg", photo)]).await;
    let response = client.get(&preview_of(&urls[0])).await;
    assert_eq!(response.status(), 200);
    let preview = response.bytes().await.unwrap();
    assert!(preview.len() < 64_000, "preview of {} bytes", preview.len());
    app.stop().await;
}
