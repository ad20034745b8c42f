//! The data-URI size limit: the double refuses an oversized URI, the client never sends one.

mod common;

use aigc_studio::dashscope::images::INLINE_RAW_MAX;
use aigc_studio::dashscope::wire::{DATA_URI_MAX_BYTES, GENERATION_PATH};
use aigc_studio::dashscope::{EditRequest, ImageSource};
use base64::Engine;
use common::{client, fast_double, start_double};
use image::ImageFormat;
use serde_json::json;

#[tokio::test]
async fn the_double_refuses_a_data_uri_over_the_limit() {
    let double = start_double(fast_double()).await;
    let payload = vec![0_u8; DATA_URI_MAX_BYTES / 4 * 3 + 3];
    let b64 = base64::engine::general_purpose::STANDARD.encode(&payload);
    let body = json!({
        "model": "qwen-image-edit-plus",
        "input": {"messages": [{"role": "user", "content": [
            {"image": format!("data:image/png;base64,{b64}")}, {"text": "x"}]}]},
    });
    let resp = reqwest::Client::new()
        .post(format!("{}{}", double.base_url(), GENERATION_PATH))
        .bearer_auth("test-key")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    let err: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(err["code"], "InvalidParameter");
    assert!(err["message"]
        .as_str()
        .unwrap_or_default()
        .contains("10485760"));
}

#[tokio::test]
async fn async_header_and_mime_mismatch_are_refused() {
    let double = start_double(fast_double()).await;
    let jpeg = common::jpeg(500, 500);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&jpeg);
    let body = json!({
        "model": "qwen-image-edit-plus",
        "input": {"messages": [{"role": "user", "content": [
            {"image": format!("data:image/png;base64,{b64}")}, {"text": "x"}]}]},
    });
    let url = format!("{}{}", double.base_url(), GENERATION_PATH);
    let http = reqwest::Client::new();
    let send = |asynchronous: bool| {
        let mut req = http.post(&url).bearer_auth("test-key").json(&body);
        if asynchronous {
            req = req.header("X-DashScope-Async", "enable");
        }
        req.send()
    };
    let resp = send(true).await.expect("async");
    assert_eq!(resp.status().as_u16(), 403);
    let resp = send(false).await.expect("mismatch");
    assert_eq!(resp.status().as_u16(), 400, "png mime on jpeg bytes");
}

#[tokio::test]
async fn a_too_big_input_is_reencoded_to_fit() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |s| s.timeout_secs = 120);
    // An uncompressed BMP: accepted format and size, but too many bytes to inline as is.
    let big = common::picture(1700, 1600, ImageFormat::Bmp);
    assert!(
        big.len() > INLINE_RAW_MAX,
        "test input must exceed the inline limit"
    );
    let req = EditRequest::new("去除瑕疵", vec![ImageSource::bytes(big)]);
    client.edit(req).await.expect("re-encoded input accepted");
    assert_eq!(double.stats().errors, 0);
}
