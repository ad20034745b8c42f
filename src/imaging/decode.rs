//! Decoding into the one pixel shape every tool works on: 8-bit sRGB, RGB8 or RGBA8 (when the
//! source has an alpha channel), upright (EXIF orientation applied).

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};

use super::header::stored_size;
use super::jpeg_meta::read_jpeg_info;
use super::probe::{oriented_size, swaps_axes};
use super::{color, turbo, ImagingError, Limits, SourceFormat};

/// A decoded picture and what we knew about it before decoding.
pub(crate) struct Decoded {
    pub image: DynamicImage,
    pub format: SourceFormat,
    /// Displayed size at full resolution. `image` may be smaller when a JPEG was shrunk while
    /// decoding (see [`decode_at_least`]).
    pub full_width: u32,
    pub full_height: u32,
}

/// Decodes the whole picture at full resolution.
///
/// The pixel limit is checked from the header first. CMYK, 16-bit, palette and grayscale
/// sources become RGB8 (RGBA8 when they carry alpha), embedded ICC profiles are converted to
/// sRGB, an animated GIF gives its first frame.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, ImagingError> {
    decode_at_least(bytes, limits, &|w, h| (w, h)).map(|d| d.image)
}

/// Like [`decode`], but a JPEG may be decoded at 1/2, 1/4 or 1/8 of its size (in the DCT
/// domain, far cheaper than a full decode) as long as the result stays at least as large as
/// `needed(full_width, full_height)` returns. Other formats always decode at full size.
pub(crate) fn decode_at_least(
    bytes: &[u8],
    limits: &Limits,
    needed: &dyn Fn(u32, u32) -> (u32, u32),
) -> Result<Decoded, ImagingError> {
    let format = SourceFormat::sniff(bytes)?;
    if format == SourceFormat::Jpeg {
        return decode_jpeg(bytes, limits, needed);
    }

    if let Some((w, h)) = stored_size(format, bytes) {
        limits.check(w, h)?;
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits.for_decoder());
    let mut decoder = reader.into_decoder().map_err(ImagingError::from_decode)?;
    let (width, height) = decoder.dimensions();
    limits.check(width, height)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();

    let image = DynamicImage::from_decoder(decoder).map_err(ImagingError::from_decode)?;
    let mut image = to_8bit_rgb(image);
    if format == SourceFormat::Gif {
        image = drop_opaque_alpha(image);
    }
    if let Some(icc) = icc {
        color::icc_to_srgb(&mut image, &icc);
    }
    image.apply_orientation(orientation);
    let (full_width, full_height) = (image.width(), image.height());
    Ok(Decoded {
        image,
        format,
        full_width,
        full_height,
    })
}

fn decode_jpeg(
    bytes: &[u8],
    limits: &Limits,
    needed: &dyn Fn(u32, u32) -> (u32, u32),
) -> Result<Decoded, ImagingError> {
    let info = read_jpeg_info(bytes)?;
    limits.check(info.width, info.height)?;
    let (full_width, full_height) = oriented_size(info.width, info.height, info.orientation);

    // `needed` speaks in displayed orientation; the decoder in stored orientation.
    let (need_w, need_h) = needed(full_width, full_height);
    let min_stored = if swaps_axes(info.orientation) {
        (need_h, need_w)
    } else {
        (need_w, need_h)
    };
    let mut image = turbo::decode_jpeg(bytes, &info, min_stored)?;
    image.apply_orientation(info.orientation);
    Ok(Decoded {
        image,
        format: SourceFormat::Jpeg,
        full_width,
        full_height,
    })
}

/// Brings any decoded pixel type to RGB8, or RGBA8 when the type has alpha.
pub(crate) fn to_8bit_rgb(img: DynamicImage) -> DynamicImage {
    match img {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => img,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// GIF decoders always hand out RGBA; a GIF without any transparent pixel is treated as the
/// RGB picture it is, so it gets the same treatment (padding colour, JPEG output) as a photo.
fn drop_opaque_alpha(img: DynamicImage) -> DynamicImage {
    match img {
        DynamicImage::ImageRgba8(rgba) if rgba.pixels().all(|p| p[3] == 255) => {
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(rgba).to_rgb8())
        }
        other => other,
    }
}
