//! Every row of the contract's error table, as the client classifies it.

mod common;

use aigc_studio::dashscope::double::Fault;
use aigc_studio::dashscope::{EditRequest, ErrorClass, ImageSource};
use common::{client, fast_double, one_attempt, simple_request, start_double};

/// (status, code, message, expected code, expected class)
const TABLE: &[(u16, &str, &str, &str, ErrorClass)] = &[
    (
        401,
        "InvalidApiKey",
        "Invalid API-key provided.",
        "invalid_api_key",
        ErrorClass::StopLane,
    ),
    (
        400,
        "InvalidParameter",
        "num_images_per_prompt must be 1",
        "invalid_parameter",
        ErrorClass::Final,
    ),
    (
        400,
        "BadRequest.TooLarge",
        "Payload too large",
        "invalid_parameter",
        ErrorClass::Final,
    ),
    (
        400,
        "InvalidParameter.DataInspection",
        "Failed to download the image from the url, timeout",
        "input_download_failed",
        ErrorClass::Retry,
    ),
    (
        400,
        "InvalidParameter.DataInspection",
        "Image format illegal",
        "invalid_parameter",
        ErrorClass::Final,
    ),
    (
        400,
        "DataInspectionFailed",
        "Input data may contain inappropriate content.",
        "content_rejected",
        ErrorClass::Final,
    ),
    (
        400,
        "IPInfringementSuspect",
        "Input data is suspected of IP infringement.",
        "content_rejected",
        ErrorClass::Final,
    ),
    (
        400,
        "Arrearage",
        "Access denied, please make sure your account is in good standing.",
        "arrearage",
        ErrorClass::StopLane,
    ),
    (
        403,
        "AllocationQuota.FreeTierOnly",
        "The free tier of the model has been exhausted.",
        "access_denied",
        ErrorClass::StopLane,
    ),
    (
        403,
        "AccessDenied",
        "Access denied.",
        "access_denied",
        ErrorClass::StopLane,
    ),
    (
        403,
        "AccessDenied.Unpurchased",
        "Access to model denied.",
        "access_denied",
        ErrorClass::StopLane,
    ),
    (
        403,
        "Model.AccessDenied",
        "Model access denied.",
        "access_denied",
        ErrorClass::StopLane,
    ),
    (
        404,
        "ModelNotFound",
        "Model not exist.",
        "model_not_found",
        ErrorClass::Final,
    ),
    (
        429,
        "Throttling",
        "Requests throttled.",
        "throttled",
        ErrorClass::Retry,
    ),
    (
        429,
        "Throttling.RateQuota",
        "Requests rate limit exceeded.",
        "throttled",
        ErrorClass::Retry,
    ),
    (
        429,
        "Throttling.BurstRate",
        "Request rate increased too quickly.",
        "throttled",
        ErrorClass::Retry,
    ),
    (
        429,
        "Throttling.AllocationQuota",
        "Allocated quota exceeded.",
        "throttled",
        ErrorClass::Retry,
    ),
    (
        429,
        "PrepaidBillOverdue",
        "The prepaid bill is overdue.",
        "bill_overdue",
        ErrorClass::StopLane,
    ),
    (
        429,
        "PostpaidBillOverdue",
        "The postpaid bill is overdue.",
        "bill_overdue",
        ErrorClass::StopLane,
    ),
    (
        500,
        "InternalError",
        "An internal error has occured.",
        "server_error",
        ErrorClass::Retry,
    ),
    (
        500,
        "InternalError.Algo",
        "An internal error has occured during execution.",
        "server_error",
        ErrorClass::Retry,
    ),
    (
        500,
        "SystemError",
        "System error.",
        "server_error",
        ErrorClass::Retry,
    ),
    (
        500,
        "ModelServingError",
        "Model serving error.",
        "server_error",
        ErrorClass::Retry,
    ),
    (
        503,
        "ModelUnavailable",
        "Model is unavailable.",
        "server_error",
        ErrorClass::Retry,
    ),
    (
        500,
        "RequestTimeOut",
        "Request timed out.",
        "server_error",
        ErrorClass::Retry,
    ),
    (
        500,
        "RewriteFailed",
        "Prompt rewrite failed.",
        "server_error",
        ErrorClass::Retry,
    ),
];

#[tokio::test]
async fn every_row_of_the_error_table_is_classified() {
    let double = start_double(fast_double()).await;
    let client = client(&double, one_attempt);
    for (status, code, message, want_code, want_class) in TABLE {
        double.push_faults([Fault::error(*status, code, message)]);
        let err = client.edit(simple_request()).await.expect_err(code);
        assert_eq!(err.code(), *want_code, "{status} {code}");
        assert_eq!(err.class(), *want_class, "{status} {code}");
        assert_eq!(err.attempts, 1);
        assert!(err.request_id.is_some(), "request id kept for {code}");
        assert!(!err.message_zh().is_empty());
        let record = err.record();
        assert_eq!(record["code"], *want_code);
        assert_eq!(record["attempt_log"][0]["code"], *want_code);
    }
}

#[tokio::test]
async fn html_error_page_is_a_transient_server_error() {
    let double = start_double(fast_double()).await;
    let client = client(&double, one_attempt);
    double.push_faults([Fault::Html { status: 502 }]);
    let err = client.edit(simple_request()).await.expect_err("html page");
    assert_eq!(err.code(), "bad_gateway");
    assert_eq!(err.class(), ErrorClass::Retry);
}

#[tokio::test]
async fn wrong_key_and_model_are_refused_by_the_double_itself() {
    let double = start_double(fast_double()).await;
    let wrong_key = client(&double, |s| {
        one_attempt(s);
        s.api_key = Some(aigc_studio::dashscope::Secret::new("sk-wrong"));
    });
    let err = wrong_key
        .edit(simple_request())
        .await
        .expect_err("wrong key");
    assert_eq!(
        (err.code(), err.class()),
        ("invalid_api_key", ErrorClass::StopLane)
    );

    let wrong_model = client(&double, |s| {
        one_attempt(s);
        s.model = "wanx-unknown".into();
    });
    let err = wrong_model
        .edit(simple_request())
        .await
        .expect_err("wrong model");
    assert_eq!(
        (err.code(), err.class()),
        ("model_not_found", ErrorClass::Final)
    );

    let no_key = client(&double, |s| s.api_key = None);
    let err = no_key.edit(simple_request()).await.expect_err("no key");
    assert_eq!(
        (err.code(), err.class(), err.attempts),
        ("api_key_missing", ErrorClass::StopLane, 0),
        "no call is sent without a key, and the lane waits for one"
    );
}

#[tokio::test]
async fn corrupt_image_is_final() {
    let double = start_double(fast_double()).await;
    let client = client(&double, |s| {
        one_attempt(s);
        s.inline_images = aigc_studio::dashscope::InlineImages::Never;
    });
    // The URL is fetched by the double (loopback) and turns out not to be an image.
    let url = format!("{}/_double/stats", double.base_url())
        .parse()
        .expect("url");
    let req = EditRequest::new("去除瑕疵", vec![ImageSource::url(url)]);
    let err = client.edit(req).await.expect_err("not an image");
    assert_eq!(
        (err.code(), err.class()),
        ("invalid_parameter", ErrorClass::Final)
    );
}

#[tokio::test]
async fn requests_the_contract_forbids_are_refused_before_sending() {
    let double = start_double(fast_double()).await;
    let client = client(&double, one_attempt);
    let mut too_many = simple_request();
    too_many.images = vec![ImageSource::bytes(common::jpeg(400, 400)); 4];
    let mut size_and_n = simple_request();
    size_and_n.size = Some((1024, 1024));
    size_and_n.n = 2;
    for req in [too_many, size_and_n] {
        let err = client.edit(req).await.expect_err("refused");
        assert_eq!((err.code(), err.attempts), ("invalid_request", 0));
    }
    assert_eq!(double.stats().total, 0);
}
