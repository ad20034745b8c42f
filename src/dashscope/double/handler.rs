//! The generation endpoint of the double: auth, rate, faults, checks, latency, edit, answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use image::DynamicImage;
use rand::Rng;
use serde_json::json;

use super::edit::{default_output_size, EditInput};
use super::faults::Fault;
use super::results::unix_ms;
use super::validate::{check_shape, decode_image, load_image, ApiError, Checked};
use super::DoubleState;

const BODY_LIMIT: usize = 48 * 1024 * 1024;

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let body = json!({"request_id": request_id(), "code": self.code, "message": self.message});
        (status, axum::Json(body)).into_response()
    }
}

pub(crate) async fn generate(
    State(state): State<Arc<DoubleState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Arrival is stamped before the body is read, as a gateway would count it.
    let in_window = state.arrive(Instant::now());
    match gate(&state, &headers, in_window) {
        Ok(fault) => run(&state, fault, body).await,
        Err(err) if err.status == 429 => err.into_response(),
        Err(err) => state.error(err),
    }
}

/// The checks done on headers alone, then the fault for this request.
fn gate(state: &DoubleState, headers: &HeaderMap, in_window: u32) -> Result<Fault, ApiError> {
    let expected = format!("Bearer {}", state.config.api_key);
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if auth != Some(expected.as_str()) {
        let err = ApiError::new(401, "InvalidApiKey", "Invalid API-key provided.");
        return Err(err);
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !json.is_some_and(|v| v.starts_with("application/json")) {
        return Err(ApiError::new(
            400,
            "InvalidParameter",
            "Content-Type must be application/json",
        ));
    }
    if headers.get("x-dashscope-async").is_some() {
        let err = ApiError::new(
            403,
            "AccessDenied",
            "current user api does not support asynchronous calls",
        );
        return Err(err);
    }
    if state.config.rate > 0 && in_window > state.config.rate {
        state.count(|s| s.rate_limited += 1);
        let err = ApiError::new(
            429,
            "Throttling.RateQuota",
            "Requests rate limit exceeded, please try again later.",
        );
        return Err(err);
    }
    Ok(state.next_fault())
}

async fn run(state: &Arc<DoubleState>, fault: Fault, body: Body) -> Response {
    match fault {
        Fault::Pass | Fault::ExpiredLinks | Fault::ForeignHost => {}
        Fault::Throttle => return throttle(state, None),
        Fault::RetryAfter { secs } => return throttle(state, Some(secs)),
        Fault::Error {
            status,
            code,
            message,
        } => {
            if status >= 500 {
                state.count(|s| s.injected_5xx += 1);
            } else {
                state.count(|s| s.errors += 1);
            }
            return ApiError {
                status,
                code,
                message,
            }
            .into_response();
        }
        Fault::Html { status } => return html_page(state, status),
        Fault::Hang => {
            state.count(|s| s.hangs += 1);
            tokio::time::sleep(state.config.hang_for).await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
    }

    match succeed(state, &fault, body).await {
        Ok(resp) => resp,
        Err(err) => state.error(err),
    }
}

fn throttle(state: &DoubleState, retry_after: Option<u64>) -> Response {
    state.count(|s| s.injected_429 += 1);
    let err = ApiError::new(
        429,
        "Throttling",
        "Requests throttled, please try again later.",
    );
    let mut resp = err.into_response();
    if let Some(secs) = retry_after {
        resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    resp
}

fn html_page(state: &DoubleState, status: u16) -> Response {
    state.count(|s| s.injected_5xx += 1);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let page = format!(
        "<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center>\
         <hr><center>Tengine</center></body></html>"
    );
    (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
}

async fn succeed(
    state: &Arc<DoubleState>,
    fault: &Fault,
    body: Body,
) -> Result<Response, ApiError> {
    let body = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::new(400, "InvalidParameter", "Request body too large or broken"))?;
    let checked = check_shape(&body)?;
    let images = load_images(state, &checked.images).await?;
    state.sleep_latency().await;

    let worker = Arc::clone(state);
    let urls = tokio::task::spawn_blocking(move || render(&worker, &checked, &images))
        .await
        .map_err(|_| ApiError::new(500, "InternalError", "render failed"))??;
    let (width, height, count) = urls.1;
    let links: Vec<String> = urls
        .0
        .into_iter()
        .map(|(id, png)| state.publish(id, png, fault))
        .collect();

    state.count(|s| {
        s.succeeded += 1;
        s.images_generated += u64::from(count);
    });
    let content: Vec<_> = links.iter().map(|l| json!({"image": l})).collect();
    let answer = json!({
        "output": {"choices": [{"finish_reason": "stop",
            "message": {"role": "assistant", "content": content}}]},
        "usage": {"width": width, "height": height, "image_count": count},
        "request_id": request_id(),
    });
    Ok(axum::Json(answer).into_response())
}

async fn load_images(state: &DoubleState, items: &[String]) -> Result<Vec<DynamicImage>, ApiError> {
    let mut raw = Vec::with_capacity(items.len());
    for item in items {
        raw.push(load_image(item, &state.http).await?);
    }
    let strict = state.config.strict_sizes;
    tokio::task::spawn_blocking(move || raw.iter().map(|b| decode_image(b, strict)).collect())
        .await
        .map_err(|_| ApiError::new(500, "InternalError", "decode failed"))?
}

type Rendered = (Vec<(String, Bytes)>, (u32, u32, u32));

/// Runs the edit behaviour `n` times and encodes each output as an RGB PNG.
fn render(
    state: &DoubleState,
    req: &Checked,
    images: &[DynamicImage],
) -> Result<Rendered, ApiError> {
    let (width, height) = match (req.size, images.last()) {
        (Some(size), _) => size,
        (None, Some(last)) => {
            default_output_size(last.width(), last.height(), state.config.output_megapixels)
        }
        (None, None) => return Err(ApiError::new(400, "InvalidParameter", "no image")),
    };
    let mut out = Vec::with_capacity(req.n as usize);
    for index in 0..req.n {
        let input = EditInput {
            model: &req.model,
            images,
            prompt: &req.prompt,
            negative_prompt: req.negative_prompt.as_deref(),
            seed: req.seed,
            width,
            height,
            index,
        };
        let rgb = state.config.behaviour.edit(&input);
        let mut png = std::io::Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(rgb)
            .write_to(&mut png, image::ImageFormat::Png)
            .map_err(|_| ApiError::new(500, "InternalError", "encode failed"))?;
        out.push((
            uuid::Uuid::new_v4().simple().to_string(),
            Bytes::from(png.into_inner()),
        ));
    }
    Ok((out, (width, height, req.n)))
}

impl DoubleState {
    async fn sleep_latency(&self) {
        let base = self.config.latency;
        let jitter = self.config.latency_jitter.as_secs_f64();
        let extra = if jitter > 0.0 {
            rand::rng().random_range(0.0..jitter)
        } else {
            0.0
        };
        tokio::time::sleep(base + Duration::from_secs_f64(extra)).await;
    }

    /// Stores one result and returns its signed link.
    fn publish(&self, id: String, png: Bytes, fault: &Fault) -> String {
        let expires_ms = match fault {
            Fault::ExpiredLinks => unix_ms() - 1,
            _ => unix_ms() + self.config.result_ttl.as_millis() as i64,
        };
        let (expires, signature) = self.results.put(id.clone(), png, expires_ms);
        let base = match fault {
            Fault::ForeignHost => "https://results.example.invalid",
            _ => self.base_url.as_str(),
        };
        format!("{base}/results/{id}.png?Expires={expires}&Signature={signature}")
    }
}
