//! The client against the double: success shape, retries, timeouts, links, hosts, inputs.

mod common;

use std::time::Duration;

use aigc_studio::dashscope::double::{DoubleConfig, Fault};
use aigc_studio::dashscope::{EditRequest, ErrorClass, ImageSource, InlineImages};
use common::{client, fast_double, jpeg, one_attempt, simple_request, start_double};
use image::{ColorType, ImageFormat};

#[tokio::test]
async fn success_returns_downloaded_rgb_pngs_and_the_record() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |_| {});
    let mut req = simple_request();
    req.n = 2;
    req.seed = Some(42);
    let out = client.edit(req).await.expect("edit");

    assert_eq!(out.attempts, 1);
    assert_eq!(out.usage.image_count, 2);
    assert_eq!(out.model, "qwen-image-edit-plus");
    assert!(!out.request_id.is_empty());
    assert_eq!(out.output_urls.len(), 2);
    // Small outputs here (debug builds encode slowly); the 1 MP sizes are a unit test.
    let (w, h) = (out.usage.width, out.usage.height);
    assert!(
        w % 32 == 0 && h % 32 == 0 && w > h,
        "{w}x{h}: multiples of 32, input's aspect"
    );
    for img in &out.images {
        assert_eq!(
            image::guess_format(&img.bytes).expect("format"),
            ImageFormat::Png
        );
        let decoded = image::load_from_memory(&img.bytes).expect("decode");
        assert_eq!(decoded.color(), ColorType::Rgb8, "no alpha from the model");
        assert_eq!((decoded.width(), decoded.height()), (w, h));
    }

    let record = serde_json::to_value(&out).expect("summary");
    assert!(
        record.get("images").is_none(),
        "bytes never go into result_data"
    );
    assert_eq!(record["attempt_log"][0]["code"], "ok");
}

#[tokio::test]
async fn size_and_last_image_aspect_decide_the_output() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |_| {});
    let portrait = ImageSource::bytes(jpeg(600, 800));
    let landscape = ImageSource::bytes(jpeg(800, 600));
    let req = EditRequest::new("用图1的脸替换图2的脸", vec![landscape, portrait]);
    let out = client.edit(req).await.expect("two images");
    assert!(
        out.usage.height > out.usage.width,
        "aspect of the last image"
    );

    let mut sized = simple_request();
    sized.size = Some((800, 1200));
    let out = client.edit(sized).await.expect("sized");
    assert_eq!((out.usage.width, out.usage.height), (800, 1200));
}

#[tokio::test]
async fn transient_failures_are_retried_until_success() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |_| {});
    double.push_faults([
        Fault::Throttle,
        Fault::error(500, "InternalError", "boom"),
        Fault::Html { status: 502 },
        Fault::error(503, "ModelUnavailable", "busy"),
    ]);
    let out = client.edit(simple_request()).await.expect("retried");
    assert_eq!(out.attempts, 5);
    let codes: Vec<&str> = out.attempt_log.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "throttled",
            "server_error",
            "bad_gateway",
            "server_error",
            "ok"
        ]
    );
    assert!(out.attempt_log[..4]
        .iter()
        .all(|a| a.retry_delay_ms.is_some()));
}

#[tokio::test]
async fn final_errors_are_not_retried() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |_| {});
    double.push_faults([Fault::error(400, "DataInspectionFailed", "inappropriate")]);
    let err = client.edit(simple_request()).await.expect_err("moderation");
    assert_eq!((err.code(), err.attempts), ("content_rejected", 1));
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |s| s.retry_after_max_secs = 5);
    double.push_faults([Fault::RetryAfter { secs: 1 }]);
    let out = client.edit(simple_request()).await.expect("after wait");
    assert_eq!(out.attempts, 2);
    let waited = out.attempt_log[0].retry_delay_ms.expect("delay recorded");
    assert!(
        waited >= 1000,
        "waited {waited} ms, the server asked for 1000"
    );
}

#[tokio::test]
async fn retry_after_is_bounded() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |s| s.retry_after_max_secs = 0);
    double.push_faults([Fault::RetryAfter { secs: 3600 }]);
    let out = client.edit(simple_request()).await.expect("bounded wait");
    let waited = out.attempt_log[0].retry_delay_ms.expect("delay recorded");
    assert!(waited < 3_600_000);
}

#[tokio::test]
async fn a_hanging_call_times_out_and_is_retried() {
    let double = start_double(fast_double()).await;
    let single = client(&double, |s| {
        one_attempt(s);
        s.timeout_secs = 1;
    });
    double.push_faults([Fault::Hang]);
    let err = single.edit(simple_request()).await.expect_err("hang");
    assert_eq!((err.code(), err.class()), ("timeout", ErrorClass::Retry));

    // Long enough for a normal call in a debug build on a busy 2-core box.
    let retrying = client(&double, |s| s.timeout_secs = 3);
    double.push_faults([Fault::Hang]);
    let out = retrying
        .edit(simple_request())
        .await
        .expect("second attempt");
    assert_eq!(out.attempt_log[0].code, "timeout");
    assert!(out.attempts >= 2);
}

#[tokio::test]
async fn retries_stop_when_the_budget_is_spent() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |s| {
        s.retry_budget_secs = 0;
    });
    double.push_faults([Fault::error(500, "InternalError", "boom")]);
    let err = client.edit(simple_request()).await.expect_err("no budget");
    assert_eq!(
        (err.code(), err.class(), err.attempts),
        ("server_error", ErrorClass::Retry, 1)
    );
}

#[tokio::test]
async fn an_expired_result_link_fails_the_task() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |_| {});
    double.push_faults([Fault::ExpiredLinks]);
    let err = client.edit(simple_request()).await.expect_err("expired");
    assert_eq!(
        (err.code(), err.class()),
        ("result_link_expired", ErrorClass::Final)
    );
    assert_eq!(
        double.stats().results_refused,
        1,
        "refused once, not retried"
    );
}

#[tokio::test]
async fn expired_links_answer_oss_style_xml() {
    let double = start_double(DoubleConfig {
        result_ttl: Duration::ZERO,
        ..fast_double()
    })
    .await;
    let client = client(&double, one_attempt);
    let err = client.edit(simple_request()).await.expect_err("ttl 0");
    assert_eq!(err.code(), "result_link_expired");

    let out = reqwest::get(format!(
        "{}/results/nope.png?Expires=1&Signature=x",
        double.base_url()
    ))
    .await
    .expect("get");
    assert_eq!(out.status().as_u16(), 403);
    let body = out.text().await.expect("body");
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );
}

#[tokio::test]
async fn result_hosts_outside_the_allow_list_are_refused() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |_| {});
    double.push_faults([Fault::ForeignHost]);
    let err = client.edit(simple_request()).await.expect_err("foreign");
    assert_eq!(
        (err.code(), err.class()),
        ("result_host_refused", ErrorClass::StopLane)
    );

    let aliyun_only = common::client(&double, |s| s.result_hosts = vec!["*.aliyuncs.com".into()]);
    let err = aliyun_only
        .edit(simple_request())
        .await
        .expect_err("double not allowed");
    assert_eq!(err.code(), "result_host_refused");
    assert_eq!(double.stats().results_served, 0, "nothing downloaded");
}

#[tokio::test]
async fn out_of_range_inputs_are_rescaled_before_sending() {
    // The strict double refuses sides outside 384..3072; the client must scale first.
    let double = start_double(fast_double()).await;
    let client = client(&double, |_| {});
    let small = EditRequest::new("去除瑕疵", vec![ImageSource::bytes(jpeg(200, 150))]);
    client.edit(small).await.expect("small input scaled up");
    let huge = EditRequest::new("去除瑕疵", vec![ImageSource::bytes(jpeg(3200, 400))]);
    client.edit(huge).await.expect("wide input scaled down");
    assert_eq!(double.stats().errors, 0);
}

#[tokio::test]
async fn input_download_failure_switches_to_a_data_uri() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |s| s.inline_images = InlineImages::Auto);
    // A public-looking address the double cannot fetch, with the bytes at hand.
    let url = "http://203.0.113.9/public/temp/a.jpg".parse().expect("url");
    let req = EditRequest::new("去除瑕疵", vec![ImageSource::both(url, jpeg(600, 400))]);
    let out = client.edit(req).await.expect("inline fallback");
    assert_eq!(out.attempt_log[0].code, "input_download_failed");
    assert_eq!(out.attempts, 2);
}

#[tokio::test]
async fn loopback_urls_are_inlined_in_auto_mode() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |s| s.inline_images = InlineImages::Auto);
    // The stats endpoint is not an image; in auto mode the client fetches and probes it itself.
    let url = format!("{}/_double/stats", double.base_url())
        .parse()
        .expect("url");
    let err = client
        .edit(EditRequest::new("x", vec![ImageSource::url(url)]))
        .await;
    let err = err.expect_err("not an image");
    assert_eq!((err.code(), err.attempts), ("input_image_invalid", 0));
}
