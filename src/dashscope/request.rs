//! What a caller asks for, its checks, and the body sent to the service.

use std::fmt;

use bytes::Bytes;
use url::Url;

use super::error::ErrorKind;
use super::wire::{ContentItem, GenerationRequest, Input, Message, Parameters};

/// One input picture: its public URL, its bytes, or both (the best case: the client then picks
/// per `inline_images` without fetching anything).
#[derive(Clone, Default)]
pub struct ImageSource {
    pub url: Option<Url>,
    pub bytes: Option<Bytes>,
}

impl ImageSource {
    pub fn url(url: Url) -> Self {
        Self {
            url: Some(url),
            bytes: None,
        }
    }

    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            url: None,
            bytes: Some(bytes.into()),
        }
    }

    pub fn both(url: Url, bytes: impl Into<Bytes>) -> Self {
        Self {
            url: Some(url),
            bytes: Some(bytes.into()),
        }
    }
}

// Image bytes never reach a log: only their length does.
impl fmt::Debug for ImageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageSource")
            .field("url", &self.url.as_ref().map(Url::as_str))
            .field("bytes", &self.bytes.as_ref().map(Bytes::len))
            .finish()
    }
}

/// One edit: 1 to 3 images (referred to as 图1..图3 in the prompt) and an instruction.
#[derive(Clone, Debug)]
pub struct EditRequest {
    /// For tracing only.
    pub task_id: Option<String>,
    pub images: Vec<ImageSource>,
    pub prompt: String,
    pub negative_prompt: Option<String>,
    /// Output images, 1..=6, each billed.
    pub n: u32,
    pub seed: Option<u32>,
    /// Output `(width, height)`, each 512..=2048; only with `n == 1`.
    pub size: Option<(u32, u32)>,
    /// false keeps the instruction literal (the product's tools are written precisely).
    pub prompt_extend: bool,
}

impl EditRequest {
    pub fn new(prompt: impl Into<String>, images: Vec<ImageSource>) -> Self {
        Self {
            task_id: None,
            images,
            prompt: prompt.into(),
            negative_prompt: None,
            n: 1,
            seed: None,
            size: None,
            prompt_extend: false,
        }
    }

    /// Refuses, before anything is sent or billed, what the contract would refuse.
    pub fn validate(&self) -> Result<(), ErrorKind> {
        let refuse = |why: &str| Err(ErrorKind::InvalidRequest(why.to_string()));
        if self.images.is_empty() || self.images.len() > 3 {
            return refuse("1 to 3 images are required");
        }
        if self
            .images
            .iter()
            .any(|i| i.url.is_none() && i.bytes.is_none())
        {
            return refuse("an image has neither URL nor bytes");
        }
        if self.prompt.trim().is_empty() {
            return refuse("the instruction is empty");
        }
        if !(1..=6).contains(&self.n) {
            return refuse("n must be 1 to 6");
        }
        if self.seed.is_some_and(|s| s > i32::MAX as u32) {
            return refuse("seed must be 0 to 2147483647");
        }
        if let Some((w, h)) = self.size {
            if !(512..=2048).contains(&w) || !(512..=2048).contains(&h) {
                return refuse("size sides must be 512 to 2048");
            }
            // Whether the service allows both is unknown; the contract says not to try.
            if self.n > 1 {
                return refuse("size cannot be combined with n > 1");
            }
        }
        Ok(())
    }

    /// The wire body; `images` are the prepared URL or data-URI strings, in order.
    pub fn to_wire(&self, model: &str, images: Vec<String>) -> GenerationRequest {
        let mut content: Vec<ContentItem> = images
            .into_iter()
            .map(|i| ContentItem {
                image: Some(i),
                text: None,
            })
            .collect();
        content.push(ContentItem {
            image: None,
            text: Some(self.prompt.clone()),
        });

        let parameters = Parameters {
            n: Some(self.n.into()),
            negative_prompt: self.negative_prompt.clone().map(Into::into),
            prompt_extend: Some(self.prompt_extend.into()),
            watermark: Some(false.into()),
            seed: self.seed.map(Into::into),
            size: self.size.map(|(w, h)| format!("{w}*{h}").into()),
        };
        GenerationRequest {
            model: model.to_string(),
            input: Input {
                messages: vec![Message {
                    role: "user".into(),
                    content,
                }],
            },
            parameters,
        }
    }
}
