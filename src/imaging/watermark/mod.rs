//! Text and image watermarks.

mod font;
mod place;
mod text;

pub use font::FontSource;

use image::{DynamicImage, RgbaImage};
use serde::{Deserialize, Serialize};

use super::decode::{decode_at_least, to_8bit_rgb};
use super::encode::DEFAULT_JPEG_QUALITY;
use super::resize::scale_to;
use super::{decode, encode, Encoded, ImagingError, Limits};

/// Where the mark goes. The corners keep `margin` from both edges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatermarkPosition {
    TopLeft,
    TopRight,
    BottomLeft,
    #[default]
    BottomRight,
    Center,
    /// Repeated over the whole picture.
    Tile,
}

/// What is stamped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum WatermarkMark {
    Text {
        text: String,
        color: [u8; 3],
    },
    /// Any accepted picture format works; a PNG with alpha is what operators are asked for.
    Image {
        #[serde(skip)]
        png_bytes: Vec<u8>,
    },
}

/// A watermark request, as the `watermark` tool's options describe it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatermarkSpec {
    pub mark: WatermarkMark,
    pub position: WatermarkPosition,
    /// Text: font size; image: mark width; both as a fraction of the picture's width
    /// (defaults [`DEFAULT_TEXT_SIZE`] and [`DEFAULT_IMAGE_SIZE`]). Clamped to 0.005..=1.
    pub size: f32,
    /// 0 invisible .. 1 opaque; clamped.
    pub opacity: f32,
    /// Distance from the edges as a fraction of the picture's width; clamped to 0..=0.45.
    pub margin: f32,
}

pub const DEFAULT_TEXT_SIZE: f32 = 0.05;
pub const DEFAULT_IMAGE_SIZE: f32 = 0.2;
pub const DEFAULT_OPACITY: f32 = 0.5;
pub const DEFAULT_MARGIN: f32 = 0.03;

/// Stamps a watermark on one picture. The result has the input's size and the input's
/// format (JPEG, PNG, WEBP kept; GIF, BMP, TIFF written as PNG).
///
/// A mark larger than the picture (minus margins) is shrunk to fit, so a long text on a narrow
/// picture stays whole.
pub fn watermark(
    bytes: &[u8],
    spec: &WatermarkSpec,
    fonts: &FontSource,
    limits: &Limits,
) -> Result<Encoded, ImagingError> {
    // The mark is loaded first: a missing font or a bad mark fails before the big decode.
    let source = MarkSource::load(&spec.mark, fonts, limits)?;
    let decoded = decode_at_least(bytes, limits, &|w, h| (w, h))?;
    let mut picture = decoded.image;
    let (width, height) = (picture.width(), picture.height());
    let margin = (clamp_or(spec.margin, 0.0, 0.45, DEFAULT_MARGIN) * width as f32).round() as u32;
    let room = (
        width.saturating_sub(2 * margin).max(1),
        height.saturating_sub(2 * margin).max(1),
    );

    if let Some(mut mark) = source.render(spec.size, width, room) {
        apply_opacity(&mut mark, clamp_or(spec.opacity, 0.0, 1.0, DEFAULT_OPACITY));
        let copies = place::positions(spec.position, (width, height), mark.dimensions(), margin);
        for (x, y) in copies {
            place::stamp(&mut picture, &mark, x, y);
        }
    }
    encode(
        &picture,
        decoded.format.closest_output(),
        DEFAULT_JPEG_QUALITY,
    )
}

/// A mark ready to be sized for a particular picture.
enum MarkSource<'a> {
    Text {
        font: &'a font::LoadedFont,
        text: &'a str,
        color: [u8; 3],
    },
    Image(DynamicImage),
}

impl<'a> MarkSource<'a> {
    fn load(
        mark: &'a WatermarkMark,
        fonts: &'a FontSource,
        limits: &Limits,
    ) -> Result<Self, ImagingError> {
        match mark {
            WatermarkMark::Text { text, .. } if text.trim().is_empty() => {
                Err(ImagingError::EmptyWatermarkText)
            }
            WatermarkMark::Text { text, color } => Ok(Self::Text {
                font: fonts.font()?,
                text,
                color: *color,
            }),
            WatermarkMark::Image { png_bytes } => Ok(Self::Image(decode_mark(png_bytes, limits)?)),
        }
    }

    /// The mark for a picture `width` wide, at most `room` large; `None` if nothing shows.
    fn render(&self, size: f32, width: u32, room: (u32, u32)) -> Option<RgbaImage> {
        match self {
            Self::Text { font, text, color } => {
                let px = clamp_or(size, 0.005, 1.0, DEFAULT_TEXT_SIZE) * width as f32;
                text_to_fit(font.as_ref(), text, px, *color, room)
            }
            Self::Image(img) => {
                let fraction = clamp_or(size, 0.005, 1.0, DEFAULT_IMAGE_SIZE);
                Some(image_to_fit(img, fraction * width as f32, room))
            }
        }
    }
}

fn clamp_or(value: f32, min: f32, max: f32, default: f32) -> f32 {
    if value.is_finite() {
        value.clamp(min, max)
    } else {
        default
    }
}

fn decode_mark(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, ImagingError> {
    decode(bytes, limits)
        .map(to_8bit_rgb)
        .map_err(|e| ImagingError::BadWatermarkImage(e.to_string()))
}

/// Renders the text, once more smaller if it would not fit in `room`.
fn text_to_fit(
    font: swash::FontRef<'_>,
    text: &str,
    px: f32,
    color: [u8; 3],
    room: (u32, u32),
) -> Option<RgbaImage> {
    let mark = text::render_text(font, text, px, color)?;
    let shrink = (room.0 as f32 / mark.width() as f32).min(room.1 as f32 / mark.height() as f32);
    if shrink >= 1.0 {
        return Some(mark);
    }
    text::render_text(font, text, (px * shrink).floor().max(1.0), color)
}

/// Scales the mark to `target_w` wide (keeping its shape), then down further if needed to fit.
fn image_to_fit(img: &DynamicImage, target_w: f32, room: (u32, u32)) -> RgbaImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let scale = (target_w / w).min(room.0 as f32 / w).min(room.1 as f32 / h);
    let new_w = ((w * scale).round() as u32).max(1);
    let new_h = ((h * scale).round() as u32).max(1);
    scale_to(img, new_w, new_h, false).into_rgba8()
}

fn apply_opacity(mark: &mut RgbaImage, opacity: f32) {
    if opacity >= 1.0 {
        return;
    }
    let factor = (opacity * 256.0).round() as u32;
    for px in mark.pixels_mut() {
        px[3] = ((u32::from(px[3]) * factor) >> 8) as u8;
    }
}
