//! The JSON shapes of the contract, shared by the client and the test double. Unknown fields are
//! ignored everywhere (serde's default), as the contract requires.

use serde::{Deserialize, Serialize};

pub const GENERATION_PATH: &str = "/api/v1/services/aigc/multimodal-generation/generation";

/// Largest data URI the service accepts, in bytes of the whole `data:...` string.
pub const DATA_URI_MAX_BYTES: usize = 10_485_760;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenerationRequest {
    pub model: String,
    pub input: Input,
    #[serde(default)]
    pub parameters: Parameters,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Input {
    pub messages: Vec<Message>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    pub content: Vec<ContentItem>,
}

/// One content item: either `{"image": ...}` or `{"text": ...}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ContentItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Parameters are kept as loose JSON values on the way in so the double can report a wrong
/// type as `InvalidParameter` instead of failing to parse the whole body.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Parameters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_extend: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenerationResponse {
    pub output: Output,
    #[serde(default)]
    pub usage: Usage,
    #[serde(default)]
    pub request_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Output {
    #[serde(default)]
    pub choices: Vec<Choice>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Choice {
    #[serde(default)]
    pub finish_reason: Option<String>,
    pub message: Message,
}

/// Billing facts of one call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    #[serde(default)]
    pub width: u32,
    #[serde(default)]
    pub height: u32,
    #[serde(default)]
    pub image_count: u32,
}

/// The error body of every non-2xx answer.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}
