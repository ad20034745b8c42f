//! The double's checks of a generation request, in the contract's words.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use image::DynamicImage;
use serde_json::Value;
use url::{Host, Url};

use crate::dashscope::images::{mime_of, SIDE_MAX, SIDE_MIN};
use crate::dashscope::wire::{ContentItem, GenerationRequest, Parameters, DATA_URI_MAX_BYTES};

const IMAGE_MAX_BYTES: usize = 10 * 1024 * 1024;
const TEXT_MAX_CHARS: usize = 800;
const NEGATIVE_MAX_CHARS: usize = 500;

/// An error answer of the double: status and the contract's code and message.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameter", message)
    }
}

/// A request that passed the shape checks; images are still strings (URL or data URI).
pub struct Checked {
    pub model: String,
    pub images: Vec<String>,
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub n: u32,
    pub seed: Option<u32>,
    pub size: Option<(u32, u32)>,
}

pub fn check_shape(body: &[u8]) -> Result<Checked, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("Request body is not valid JSON: {e}")))?;
    let req: GenerationRequest = serde_json::from_value(value)
        .map_err(|e| ApiError::invalid(format!("Request body has a wrong shape: {e}")))?;
    if req.model.trim().is_empty() {
        return Err(ApiError::invalid("Model not specified"));
    }
    if !req.model.starts_with("qwen-image-edit") {
        return Err(ApiError::new(404, "ModelNotFound", "Model not exist."));
    }

    let [message] = req.input.messages.as_slice() else {
        return Err(ApiError::invalid("messages must hold exactly one message"));
    };
    if message.role != "user" {
        return Err(ApiError::invalid("the message role must be user"));
    }
    let (images, prompt) = split_content(&message.content)?;
    let params = check_params(&req.parameters, &req.model)?;
    Ok(Checked {
        model: req.model,
        images,
        prompt,
        ..params
    })
}

fn split_content(content: &[ContentItem]) -> Result<(Vec<String>, String), ApiError> {
    let Some((last, images)) = content.split_last() else {
        return Err(ApiError::invalid("content is empty"));
    };
    let text = match (&last.text, &last.image) {
        (Some(t), None) if !t.trim().is_empty() => t.chars().take(TEXT_MAX_CHARS).collect(),
        _ => {
            return Err(ApiError::invalid(
                "content must end with one non-empty text item",
            ))
        }
    };
    if images.is_empty() || images.len() > 3 {
        return Err(ApiError::invalid(
            "content must hold 1 to 3 images before the text",
        ));
    }
    let images = images
        .iter()
        .map(|item| match (&item.image, &item.text) {
            (Some(i), None) => Ok(i.clone()),
            _ => Err(ApiError::invalid(
                "images must come first, one per item, then the text",
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((images, text))
}

fn check_params(p: &Parameters, model: &str) -> Result<Checked, ApiError> {
    let max_n = if model == "qwen-image-edit" { 1 } else { 6 };
    let n = int_param(&p.n, "n", 1, max_n)?.unwrap_or(1) as u32;
    let seed = int_param(&p.seed, "seed", 0, 2_147_483_647)?.map(|s| s as u32);
    for (name, v) in [
        ("prompt_extend", &p.prompt_extend),
        ("watermark", &p.watermark),
    ] {
        if v.as_ref().is_some_and(|v| !v.is_boolean()) {
            return Err(ApiError::invalid(format!(
                "parameters.{name} must be a boolean"
            )));
        }
    }
    let negative_prompt = match &p.negative_prompt {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.chars().take(NEGATIVE_MAX_CHARS).collect()),
        Some(_) => {
            return Err(ApiError::invalid(
                "parameters.negative_prompt must be a string",
            ))
        }
    };
    let size = p.size.as_ref().map(parse_size).transpose()?;
    let (images, prompt, model) = (Vec::new(), String::new(), String::new());
    Ok(Checked {
        model,
        images,
        prompt,
        negative_prompt,
        n,
        seed,
        size,
    })
}

fn int_param(v: &Option<Value>, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(i) if (min..=max).contains(&i) => Ok(Some(i)),
            _ => Err(ApiError::invalid(format!(
                "parameters.{name} must be {min} to {max}"
            ))),
        },
    }
}

fn parse_size(v: &Value) -> Result<(u32, u32), ApiError> {
    let bad = || ApiError::invalid("parameters.size must be \"W*H\", each side 512 to 2048");
    let (w, h) = v.as_str().and_then(|s| s.split_once('*')).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    let ok = |s: u32| (512..=2048).contains(&s);
    (ok(w) && ok(h)).then_some((w, h)).ok_or_else(bad)
}

/// Bytes of one image item: a data URI decoded, or a URL fetched (loopback only: the double,
/// like the real service, cannot see private networks other than its own machine).
pub async fn load_image(item: &str, http: &reqwest::Client) -> Result<Vec<u8>, ApiError> {
    if let Some(rest) = item.strip_prefix("data:") {
        return decode_data_uri(item.len(), rest);
    }
    let download_failed = |why: &str| {
        let message = format!("Failed to download the image from the url: {why}");
        ApiError::new(400, "InvalidParameter.DataInspection", message)
    };
    let url =
        Url::parse(item).map_err(|_| ApiError::invalid("image is neither URL nor data URI"))?;
    if !is_loopback(&url) {
        return Err(download_failed("host not reachable"));
    }
    let fetch = async {
        let resp = http.get(url).send().await.ok()?.error_for_status().ok()?;
        resp.bytes().await.ok()
    };
    match tokio::time::timeout(Duration::from_secs(10), fetch).await {
        Ok(Some(bytes)) if bytes.len() <= IMAGE_MAX_BYTES => Ok(bytes.to_vec()),
        Ok(Some(_)) => Err(ApiError::invalid("image exceeds 10MB")),
        _ => Err(download_failed("timeout or error status")),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn decode_data_uri(total_len: usize, rest: &str) -> Result<Vec<u8>, ApiError> {
    if total_len > DATA_URI_MAX_BYTES {
        return Err(ApiError::invalid(
            "The data URI exceeds the limit of 10485760 bytes",
        ));
    }
    let (mime, data) = rest
        .split_once(";base64,")
        .ok_or_else(|| ApiError::invalid("data URI must be data:<mime>;base64,<data>"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| ApiError::invalid("data URI is not valid base64"))?;
    let sniffed = image::guess_format(&bytes).ok().and_then(mime_of);
    if sniffed != Some(mime) {
        let message = format!("data URI mime {mime} does not match the image bytes");
        return Err(ApiError::invalid(message));
    }
    Ok(bytes)
}

/// Decodes one input; `strict` refuses sides outside 384..3072 (whether the real service does
/// is unknown, so the double can play both).
pub fn decode_image(bytes: &[u8], strict: bool) -> Result<DynamicImage, ApiError> {
    if bytes.len() > IMAGE_MAX_BYTES {
        return Err(ApiError::invalid("image exceeds 10MB"));
    }
    let img = image::load_from_memory(bytes)
        .map_err(|e| ApiError::invalid(format!("The image is corrupt or unsupported: {e}")))?;
    let in_range = |s: u32| (SIDE_MIN..=SIDE_MAX).contains(&s);
    if strict && !(in_range(img.width()) && in_range(img.height())) {
        let message = format!(
            "image sides must be 384 to 3072, got {}x{}",
            img.width(),
            img.height()
        );
        return Err(ApiError::invalid(message));
    }
    Ok(img)
}
