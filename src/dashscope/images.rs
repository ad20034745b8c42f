//! Input preparation: the contract wants each side in 384..3072 px and a data URI of at most
//! 10,485,760 bytes. Anything outside is decoded, turned upright, scaled and re-encoded here.
//! CPU-bound: call from `spawn_blocking`.

use std::io::Cursor;

use base64::Engine;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, GenericImageView, ImageDecoder, ImageFormat, ImageReader};

use super::error::ErrorKind;
use super::wire::DATA_URI_MAX_BYTES;

pub const SIDE_MIN: u32 = 384;
pub const SIDE_MAX: u32 = 3072;
/// Raw size that still fits the data-URI limit after base64 (4/3) and the prefix.
pub const INLINE_RAW_MAX: usize = (DATA_URI_MAX_BYTES - 64) / 4 * 3;
const JPEG_QUALITY: u8 = 90;

/// What the header says, read without decoding the pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageFacts {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    pub upright: bool,
}

impl ImageFacts {
    /// True when the bytes can go to the service unchanged.
    pub fn sendable_as_is(&self, byte_len: usize) -> bool {
        let in_range = |side: u32| (SIDE_MIN..=SIDE_MAX).contains(&side);
        mime_of(self.format).is_some()
            && in_range(self.width)
            && in_range(self.height)
            && self.upright
            && byte_len <= INLINE_RAW_MAX
    }
}

/// Mime type of the formats the service accepts.
pub fn mime_of(format: ImageFormat) -> Option<&'static str> {
    Some(match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        ImageFormat::Bmp => "image/bmp",
        ImageFormat::Tiff => "image/tiff",
        ImageFormat::WebP => "image/webp",
        ImageFormat::Gif => "image/gif",
        _ => return None,
    })
}

fn bad(err: impl std::fmt::Display) -> ErrorKind {
    ErrorKind::InputImage(err.to_string())
}

pub fn probe(bytes: &[u8]) -> Result<ImageFacts, ErrorKind> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(bad)?;
    let format = reader.format().ok_or_else(|| bad("unknown image format"))?;
    let mut decoder = reader.into_decoder().map_err(bad)?;
    let (width, height) = decoder.dimensions();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let upright = orientation == Orientation::NoTransforms;
    Ok(ImageFacts {
        format,
        width,
        height,
        upright,
    })
}

pub fn data_uri(mime: &str, bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("data:{mime};base64,{b64}")
}

/// The data URI to send for `bytes`: unchanged when acceptable, otherwise upright, scaled into
/// range and re-encoded until it fits the size limit.
pub fn prepare_inline(bytes: &[u8]) -> Result<String, ErrorKind> {
    let facts = probe(bytes)?;
    if facts.sendable_as_is(bytes.len()) {
        if let Some(mime) = mime_of(facts.format) {
            return Ok(data_uri(mime, bytes));
        }
    }
    let img = decode_upright(bytes)?;
    let (mime, encoded) = reencode_within_limit(&img)?;
    Ok(data_uri(mime, &encoded))
}

pub fn decode_upright(bytes: &[u8]) -> Result<DynamicImage, ErrorKind> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(bad)?;
    let mut decoder = reader.into_decoder().map_err(bad)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(bad)?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// Target size inside 384..3072 keeping the aspect ratio. For aspects beyond 8:1 both bounds
/// cannot hold; the long side wins, since the service is documented to be slow, not to fail.
pub fn target_size(width: u32, height: u32) -> (u32, u32) {
    let (w, h) = (width.max(1) as f64, height.max(1) as f64);
    let mut scale = 1.0_f64;
    if w.max(h) > SIDE_MAX as f64 {
        scale = SIDE_MAX as f64 / w.max(h);
    }
    if w.min(h) * scale < SIDE_MIN as f64 {
        scale = (SIDE_MIN as f64 / w.min(h)).min(SIDE_MAX as f64 / w.max(h));
    }
    let side = |v: f64| ((v * scale).round() as u32).clamp(1, SIDE_MAX);
    (side(w), side(h))
}

fn reencode_within_limit(img: &DynamicImage) -> Result<(&'static str, Vec<u8>), ErrorKind> {
    let (mut w, mut h) = target_size(img.width(), img.height());
    // Alpha survives as PNG; the model ignores transparency anyway, so JPEG is the fallback.
    let mut as_png = img.color().has_alpha();
    for _ in 0..8 {
        let scaled = if (w, h) == img.dimensions() {
            std::borrow::Cow::Borrowed(img)
        } else {
            std::borrow::Cow::Owned(img.resize_exact(w, h, FilterType::Lanczos3))
        };
        let (mime, bytes) = if as_png {
            encode_png(&scaled)?
        } else {
            encode_jpeg(&scaled)?
        };
        if bytes.len() <= INLINE_RAW_MAX {
            return Ok((mime, bytes));
        }
        if as_png {
            as_png = false;
            continue;
        }
        w = ((w as f64) * 0.8) as u32;
        h = ((h as f64) * 0.8) as u32;
        if w.min(h) < SIDE_MIN / 2 {
            break;
        }
    }
    Err(bad("image cannot be made small enough to send inline"))
}

fn encode_png(img: &DynamicImage) -> Result<(&'static str, Vec<u8>), ErrorKind> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).map_err(bad)?;
    Ok(("image/png", out.into_inner()))
}

fn encode_jpeg(img: &DynamicImage) -> Result<(&'static str, Vec<u8>), ErrorKind> {
    let mut out = Vec::new();
    let rgb = img.to_rgb8();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(bad)?;
    Ok(("image/jpeg", out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_size_scales_into_range() {
        assert_eq!(target_size(200, 100), (768, 384));
        assert_eq!(target_size(6000, 4000), (3072, 2048));
        assert_eq!(target_size(1000, 800), (1000, 800));
        assert_eq!(target_size(10000, 100), (3072, 31));
    }
}
