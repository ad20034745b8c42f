//! Writing results: JPEG through libjpeg-turbo, PNG through the `image` crate, WEBP through
//! libwebp.

use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ImageEncoder, RgbImage, RgbaImage};
use serde::Serialize;

use super::{turbo, ImagingError, OutputFormat};

/// The JPEG quality the tools use unless told otherwise.
pub const DEFAULT_JPEG_QUALITY: u8 = 90;

/// An encoded result.
#[derive(Debug, Clone, Serialize)]
pub struct Encoded {
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub format: OutputFormat,
    pub width: u32,
    pub height: u32,
    /// The picture was enlarged beyond its original resolution somewhere on the way; the task
    /// reports it so the operator knows the result is softer than the size suggests.
    pub upscaled: bool,
}

/// Encodes an RGB8 or RGBA8 picture (other pixel types are converted first).
///
/// - JPEG has no alpha: transparent pixels are flattened onto white, the background every
///   marketplace expects.
/// - PNG keeps alpha when the picture has it; zlib at a fast level, because the results are
///   downloaded once and encoding time is what the operator waits for.
/// - WEBP is lossy at the same `quality` as JPEG, a tenth of the size of a lossless WEBP of a
///   photo, which is why shops ask for WEBP at all. Alpha is kept and compressed losslessly,
///   so a cut-out's edges stay exactly as computed.
pub fn encode(
    img: &DynamicImage,
    format: OutputFormat,
    quality: u8,
) -> Result<Encoded, ImagingError> {
    let (width, height) = (img.width(), img.height());
    let bytes = match format {
        OutputFormat::Jpeg => encode_jpeg(img, quality)?,
        OutputFormat::Png => encode_with(img, |out, buf, w, h, color| {
            PngEncoder::new_with_quality(out, CompressionType::Fast, FilterType::Adaptive)
                .write_image(buf, w, h, color)
        })?,
        OutputFormat::Webp => encode_webp(img, quality)?,
    };
    Ok(Encoded {
        bytes,
        format,
        width,
        height,
        upscaled: false,
    })
}

fn encode_jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, ImagingError> {
    match img {
        DynamicImage::ImageRgb8(rgb) => turbo::encode_jpeg(rgb, quality),
        DynamicImage::ImageRgba8(rgba) => turbo::encode_jpeg(&flatten(rgba, [255; 3]), quality),
        other if other.color().has_alpha() => {
            turbo::encode_jpeg(&flatten(&other.to_rgba8(), [255; 3]), quality)
        }
        other => turbo::encode_jpeg(&other.to_rgb8(), quality),
    }
}

fn encode_webp(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, ImagingError> {
    let (width, height) = (img.width(), img.height());
    // libwebp's own limit; checked here so the operator reads the reason, not an enum name.
    if width.max(height) > WEBP_MAX_SIDE {
        return Err(ImagingError::EncodeFailed(format!(
            "WEBP 的边长不能超过 {WEBP_MAX_SIDE} 像素（当前 {width}x{height}）"
        )));
    }
    let written = match img {
        DynamicImage::ImageRgb8(rgb) => {
            lossy_webp(webp::Encoder::from_rgb(rgb, width, height), quality)
        }
        DynamicImage::ImageRgba8(rgba) => {
            lossy_webp(webp::Encoder::from_rgba(rgba, width, height), quality)
        }
        other if other.color().has_alpha() => {
            let rgba = other.to_rgba8();
            lossy_webp(webp::Encoder::from_rgba(&rgba, width, height), quality)
        }
        other => {
            let rgb = other.to_rgb8();
            lossy_webp(webp::Encoder::from_rgb(&rgb, width, height), quality)
        }
    };
    written.map_err(|err| ImagingError::EncodeFailed(format!("WEBP: {err:?}")))
}

/// The longest side libwebp can store.
const WEBP_MAX_SIDE: u32 = 16_383;

fn lossy_webp(encoder: webp::Encoder<'_>, quality: u8) -> Result<Vec<u8>, webp::WebPEncodingError> {
    let memory = encoder.encode_simple(false, f32::from(quality.min(100)))?;
    Ok(memory.to_vec())
}

fn encode_with(
    img: &DynamicImage,
    write: impl Fn(
        &mut Cursor<&mut Vec<u8>>,
        &[u8],
        u32,
        u32,
        image::ExtendedColorType,
    ) -> image::ImageResult<()>,
) -> Result<Vec<u8>, ImagingError> {
    let converted;
    let img = match img {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => img,
        other => {
            converted = super::decode::to_8bit_rgb(other.clone());
            &converted
        }
    };
    let mut out = Vec::new();
    let mut cursor = Cursor::new(&mut out);
    write(
        &mut cursor,
        img.as_bytes(),
        img.width(),
        img.height(),
        img.color().into(),
    )
    .map_err(|e| ImagingError::EncodeFailed(e.to_string()))?;
    Ok(out)
}

/// Composites an RGBA picture over a solid colour.
pub(crate) fn flatten(rgba: &RgbaImage, background: [u8; 3]) -> RgbImage {
    let mut out = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for px in rgba.as_raw().chunks_exact(4) {
        let a = u32::from(px[3]);
        for c in 0..3 {
            let v = u32::from(px[c]) * a + u32::from(background[c]) * (255 - a);
            out.push(((v + 127) / 255) as u8);
        }
    }
    RgbImage::from_raw(rgba.width(), rgba.height(), out)
        .unwrap_or_else(|| RgbImage::new(rgba.width(), rgba.height()))
}
