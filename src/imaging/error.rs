//! The one error type of the imaging layer.
//!
//! Callers map it to an HTTP answer or a failed task: `code()` is stable and machine-readable,
//! `message_zh()` is what the operator reads. The `Display` text (English, with details) is for
//! logs only.

use thiserror::Error;

/// Everything that can go wrong while reading, changing or writing a picture.
#[derive(Debug, Error)]
pub enum ImagingError {
    /// Zero bytes were given.
    #[error("the file is empty")]
    EmptyFile,

    /// The bytes do not start like any image format we know.
    #[error("the bytes are not an image")]
    NotAnImage,

    /// A known image format that we do not accept (for example AVIF or ICO).
    #[error("unsupported image format: {0}")]
    UnsupportedFormat(String),

    /// The header looked right but the picture could not be read to the end.
    #[error("damaged image: {0}")]
    DamagedImage(String),

    /// The decoded picture would exceed the configured pixel limit.
    #[error("image has {pixels} pixels, the limit is {limit}")]
    TooManyPixels { pixels: u64, limit: u64 },

    /// A requested output size is zero or absurdly large.
    #[error("invalid target size {width}x{height}")]
    InvalidSize { width: u32, height: u32 },

    /// No usable CJK font was found for a text watermark.
    #[error("no usable font: {0}")]
    FontMissing(String),

    /// The watermark text is empty (after trimming).
    #[error("the watermark text is empty")]
    EmptyWatermarkText,

    /// The picture given as an image watermark could not be used.
    #[error("bad watermark image: {0}")]
    BadWatermarkImage(String),

    /// Writing the result failed (this is a bug or an out-of-memory, not bad input).
    #[error("encoding failed: {0}")]
    EncodeFailed(String),

    /// A job panicked or the pool was shut down: a bug, never the operator's fault.
    #[error("internal imaging error: {0}")]
    Internal(String),
}

impl ImagingError {
    /// A stable snake_case code for APIs, task results and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyFile => "empty_file",
            Self::NotAnImage => "not_an_image",
            Self::UnsupportedFormat(_) => "unsupported_format",
            Self::DamagedImage(_) => "damaged_image",
            Self::TooManyPixels { .. } => "too_many_pixels",
            Self::InvalidSize { .. } => "invalid_size",
            Self::FontMissing(_) => "font_missing",
            Self::EmptyWatermarkText => "empty_watermark_text",
            Self::BadWatermarkImage(_) => "bad_watermark_image",
            Self::EncodeFailed(_) => "encode_failed",
            Self::Internal(_) => "imaging_internal",
        }
    }

    /// One Chinese sentence that tells the operator what is wrong and what to do.
    pub fn message_zh(&self) -> String {
        match self {
            Self::EmptyFile => "文件为空（0 字节），请重新上传。".to_string(),
            Self::NotAnImage => {
                "文件不是图片，请上传 JPEG、PNG、WEBP、BMP、TIFF 或 GIF。".to_string()
            }
            Self::UnsupportedFormat(name) => {
                format!("不支持的图片格式（{name}），请转换为 JPEG、PNG 或 WEBP 后再上传。")
            }
            Self::DamagedImage(_) => "图片已损坏或不完整，无法读取，请重新导出后上传。".to_string(),
            Self::TooManyPixels { pixels, limit } => format!(
                "图片像素过多（{:.1} 百万像素，上限 {:.1} 百万像素），请缩小后再上传。",
                megapixels(*pixels),
                megapixels(*limit)
            ),
            Self::InvalidSize { width, height } => {
                format!("目标尺寸 {width}x{height} 无效，宽和高须在 1 到 16384 像素之间。")
            }
            Self::FontMissing(_) => {
                "服务器上没有可用的中文字体，无法添加文字水印，请联系管理员配置字体。".to_string()
            }
            Self::EmptyWatermarkText => "水印文字为空，请填写水印内容。".to_string(),
            Self::BadWatermarkImage(_) => {
                "水印图片无法使用，请上传带透明背景的 PNG 图片。".to_string()
            }
            Self::EncodeFailed(_) => "生成结果图片失败，请稍后重试。".to_string(),
            Self::Internal(_) => "图片处理出现内部错误，请稍后重试或联系管理员。".to_string(),
        }
    }

    /// Turns an error of the `image` crate met while reading input into our classification.
    pub(crate) fn from_decode(err: image::ImageError) -> Self {
        use image::error::ImageError as E;
        match err {
            E::Unsupported(u) => Self::UnsupportedFormat(u.to_string()),
            E::Limits(l) => Self::DamagedImage(format!("decoder limit: {l}")),
            other => Self::DamagedImage(other.to_string()),
        }
    }
}

fn megapixels(pixels: u64) -> f64 {
    pixels as f64 / 1_000_000.0
}
