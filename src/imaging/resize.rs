//! Resizing to an exact size: contain (pad), cover (centre crop) or stretch.

use std::borrow::Cow;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, Rgb, RgbImage, Rgba, RgbaImage};
use serde::{Deserialize, Serialize};

use super::decode::decode_at_least;
use super::encode::{flatten, DEFAULT_JPEG_QUALITY};
use super::{encode, Encoded, FormatChoice, ImagingError, Limits, OutputFormat};

/// The largest side a result may have.
pub const MAX_SIDE: u32 = 16_384;

/// How a picture goes into a box of another shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitMode {
    /// The whole picture, scaled to fit, centred, the rest padded.
    #[default]
    Contain,
    /// The box filled, scaled to cover it, the overflow cut evenly from both sides.
    Cover,
    /// Scaled to the box on each axis independently: distorts unless the shapes match.
    Stretch,
}

/// A resize request, as the `resize` tool's options describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResizeSpec {
    pub width: u32,
    pub height: u32,
    pub mode: FitMode,
    pub format: FormatChoice,
    /// Padding colour for `Contain`, and the colour transparency is flattened onto for JPEG.
    pub background: [u8; 3],
}

/// What fills the padding of a contained picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Padding {
    Color([u8; 3]),
    Transparent,
}

/// Decodes, resizes and encodes one picture.
///
/// Padding for `Contain` is transparent when both the source has an alpha channel and the
/// output format can keep it (PNG, WEBP): a cut-out product stays a cut-out. Everywhere else it
/// is `background` (white by default), so a photo never gains a transparent border it never had.
/// Upscaling is done when the box asks for it, and reported in [`Encoded::upscaled`].
pub fn resize(bytes: &[u8], spec: &ResizeSpec, limits: &Limits) -> Result<Encoded, ImagingError> {
    check_target(spec.width, spec.height, limits)?;
    let needed = |w, h| content_size(w, h, spec.width, spec.height, spec.mode);
    let decoded = decode_at_least(bytes, limits, &needed)?;
    let output = spec.format.resolve(decoded.format);
    let (content_w, content_h) = needed(decoded.full_width, decoded.full_height);
    let upscaled = content_w > decoded.full_width || content_h > decoded.full_height;

    let keeps_alpha = output.supports_alpha() && decoded.image.color().has_alpha();
    let padding = if keeps_alpha {
        Padding::Transparent
    } else {
        Padding::Color(spec.background)
    };
    let mut result = fit_padded(&decoded.image, spec.width, spec.height, spec.mode, padding);
    if output == OutputFormat::Jpeg {
        if let DynamicImage::ImageRgba8(rgba) = &result {
            result = DynamicImage::ImageRgb8(flatten(rgba, spec.background));
        }
    }

    let mut encoded = encode(&result, output, DEFAULT_JPEG_QUALITY)?;
    encoded.upscaled = upscaled;
    Ok(encoded)
}

/// Refuses empty, oversized or over-limit target sizes.
pub(crate) fn check_target(width: u32, height: u32, limits: &Limits) -> Result<(), ImagingError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImagingError::InvalidSize { width, height });
    }
    limits.check(width, height)
}

/// Puts a picture into an exact `width` x `height` canvas (see [`FitMode`]). Padding is
/// `background`, opaque; a picture with alpha keeps its own alpha inside the canvas.
pub fn fit_on_canvas(
    img: &DynamicImage,
    width: u32,
    height: u32,
    mode: FitMode,
    background: [u8; 3],
) -> DynamicImage {
    fit_padded(img, width, height, mode, Padding::Color(background))
}

/// Decodes a picture that is about to be scaled into `width` x `height` with `mode`. A JPEG
/// much larger than that is shrunk while decoding (1/2, 1/4 or 1/8 in the DCT domain), which is
/// several times faster than a full decode; the result is still at least as large as needed,
/// so a following [`fit_on_canvas`] or [`place_on_canvas`] loses no quality.
pub fn decode_for_target(
    bytes: &[u8],
    limits: &Limits,
    width: u32,
    height: u32,
    mode: FitMode,
) -> Result<DynamicImage, ImagingError> {
    let needed = |w, h| content_size(w, h, width.max(1), height.max(1), mode);
    decode_at_least(bytes, limits, &needed).map(|d| d.image)
}

/// Scales the whole picture to fit inside `fill` x the canvas (on both axes) and centres it on
/// an opaque `width` x `height` canvas of `background`: the white-background product shot.
/// `fill` is clamped to 0.01..=1.
pub fn place_on_canvas(
    img: &DynamicImage,
    width: u32,
    height: u32,
    fill: f32,
    background: [u8; 3],
) -> DynamicImage {
    let (width, height) = (width.max(1), height.max(1));
    let fill = if fill.is_finite() {
        fill.clamp(0.01, 1.0)
    } else {
        1.0
    };
    let box_w = ((width as f32 * fill).round() as u32).max(1);
    let box_h = ((height as f32 * fill).round() as u32).max(1);
    let (w, h) = content_size(img.width(), img.height(), box_w, box_h, FitMode::Contain);
    pad(
        &scale_to(img, w, h, false),
        width,
        height,
        Padding::Color(background),
    )
}

pub(crate) fn fit_padded(
    img: &DynamicImage,
    width: u32,
    height: u32,
    mode: FitMode,
    padding: Padding,
) -> DynamicImage {
    let (width, height) = (width.max(1), height.max(1));
    match mode {
        FitMode::Stretch => scale_to(img, width, height, false),
        FitMode::Cover => scale_to(img, width, height, true),
        FitMode::Contain => {
            let (w, h) = content_size(img.width(), img.height(), width, height, mode);
            let scaled = scale_to(img, w, h, false);
            pad(&scaled, width, height, padding)
        }
    }
}

/// The size the whole source is scaled to before any cropping or padding.
pub(crate) fn content_size(sw: u32, sh: u32, tw: u32, th: u32, mode: FitMode) -> (u32, u32) {
    let (sw, sh) = (f64::from(sw.max(1)), f64::from(sh.max(1)));
    let (fw, fh) = (f64::from(tw) / sw, f64::from(th) / sh);
    let scaled = |s: f64| ((sw * s).round() as u32, (sh * s).round() as u32);
    match mode {
        FitMode::Stretch => (tw, th),
        FitMode::Contain => {
            let (w, h) = scaled(fw.min(fh));
            (w.clamp(1, tw), h.clamp(1, th))
        }
        FitMode::Cover => {
            let (w, h) = scaled(fw.max(fh));
            (w.max(tw), h.max(th))
        }
    }
}

/// Lanczos3 resampling to exactly `width` x `height`; with `crop`, the source is first cut to
/// the target's aspect ratio around its centre.
pub(crate) fn scale_to(img: &DynamicImage, width: u32, height: u32, crop: bool) -> DynamicImage {
    if img.width() == width && img.height() == height {
        return img.clone();
    }
    let img = as_rgb_or_rgba(img);
    let mut dst = match img.color().has_alpha() {
        true => DynamicImage::ImageRgba8(RgbaImage::new(width, height)),
        false => DynamicImage::ImageRgb8(RgbImage::new(width, height)),
    };
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    if crop {
        options = options.fit_into_destination(Some((0.5, 0.5)));
    }
    // Both images are RGB8 or RGBA8 of matching kind, which fast_image_resize always supports,
    // so an error here is a bug; falling back to the `image` crate keeps the job alive anyway.
    if let Err(err) = Resizer::new().resize(&*img, &mut dst, &options) {
        tracing::warn!(%err, "fast_image_resize failed; using the slower image crate resize");
        return img.resize_exact(width, height, image::imageops::FilterType::Lanczos3);
    }
    dst
}

fn as_rgb_or_rgba(img: &DynamicImage) -> Cow<'_, DynamicImage> {
    match img {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => Cow::Borrowed(img),
        other => Cow::Owned(super::decode::to_8bit_rgb(other.clone())),
    }
}

/// Centres `img` on a canvas of the given size.
fn pad(img: &DynamicImage, width: u32, height: u32, padding: Padding) -> DynamicImage {
    if img.width() == width && img.height() == height {
        return img.clone();
    }
    let x = (width - img.width().min(width)) / 2;
    let y = (height - img.height().min(height)) / 2;
    match (padding, img.color().has_alpha()) {
        (Padding::Color(c), false) => {
            let mut canvas = RgbImage::from_pixel(width, height, Rgb(c));
            let src = match img {
                DynamicImage::ImageRgb8(buf) => Cow::Borrowed(buf),
                other => Cow::Owned(other.to_rgb8()),
            };
            copy_rows(canvas.as_mut(), width, &*src, x, y, 3);
            DynamicImage::ImageRgb8(canvas)
        }
        (padding, _) => {
            let fill = match padding {
                Padding::Color([r, g, b]) => Rgba([r, g, b, 255]),
                Padding::Transparent => Rgba([0, 0, 0, 0]),
            };
            let mut canvas = RgbaImage::from_pixel(width, height, fill);
            let src = match img {
                DynamicImage::ImageRgba8(buf) => Cow::Borrowed(buf),
                other => Cow::Owned(other.to_rgba8()),
            };
            copy_rows(canvas.as_mut(), width, &*src, x, y, 4);
            DynamicImage::ImageRgba8(canvas)
        }
    }
}

/// Copies `src` into `dst` (a `dst_width` wide buffer of the same pixel layout) at `(x, y)`,
/// row by row, clipped to `dst`. The `image` crate's generic copy goes pixel by pixel through
/// a colour conversion and costs a hundred times more.
fn copy_rows<P, C>(
    dst: &mut [u8],
    dst_width: u32,
    src: &image::ImageBuffer<P, C>,
    x: u32,
    y: u32,
    channels: usize,
) where
    P: image::Pixel<Subpixel = u8>,
    C: std::ops::Deref<Target = [u8]>,
{
    let dst_stride = dst_width as usize * channels;
    let dst_rows = dst.len() / dst_stride.max(1);
    let copy_w = (src.width().min(dst_width.saturating_sub(x)) as usize) * channels;
    let src_stride = src.width() as usize * channels;
    for (row, src_row) in src.as_raw().chunks_exact(src_stride.max(1)).enumerate() {
        let dst_row = y as usize + row;
        if dst_row >= dst_rows {
            break;
        }
        let start = dst_row * dst_stride + x as usize * channels;
        dst[start..start + copy_w].copy_from_slice(&src_row[..copy_w]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_size_follows_the_mode() {
        assert_eq!(
            content_size(4000, 3000, 1200, 1200, FitMode::Contain),
            (1200, 900)
        );
        assert_eq!(
            content_size(4000, 3000, 400, 400, FitMode::Cover),
            (533, 400)
        );
        assert_eq!(
            content_size(4000, 3000, 300, 500, FitMode::Stretch),
            (300, 500)
        );
        // A sliver never rounds to nothing.
        assert_eq!(
            content_size(10_000, 1, 100, 100, FitMode::Contain),
            (100, 1)
        );
    }
}
