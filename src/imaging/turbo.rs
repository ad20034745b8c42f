//! JPEG through libjpeg-turbo (the `turbojpeg` crate, built from its bundled sources).
//!
//! Two things make it the fastest path we have: SIMD entropy and colour code, and scaling in
//! the DCT domain while decoding (1/2, 1/4, 1/8), which skips most of the work when a 12 MP
//! photo is only needed at 1200 px. Every JPEG we read or write goes through here.

use image::{DynamicImage, RgbImage};
use turbojpeg::{Compressor, Decompressor, Image, PixelFormat, ScalingFactor, Subsamp};

use super::color;
use super::jpeg_meta::JpegInfo;
use super::ImagingError;

/// Decodes a JPEG into 8-bit sRGB, shrunk by the largest DCT factor that still leaves at least
/// `min_stored` pixels (in stored orientation). Orientation is not applied here.
pub(crate) fn decode_jpeg(
    bytes: &[u8],
    info: &JpegInfo,
    min_stored: (u32, u32),
) -> Result<DynamicImage, ImagingError> {
    let cmyk = info.components == 4;
    let format = if cmyk {
        PixelFormat::CMYK
    } else {
        PixelFormat::RGB
    };
    let bytes = info.cleaned.as_deref().unwrap_or(bytes);
    let (pixels, width, height) = decompress_scaled(bytes, format, min_stored)?;

    if cmyk {
        let rgb = color::cmyk_to_rgb(width, height, pixels, info.adobe, info.icc.as_deref());
        return Ok(DynamicImage::ImageRgb8(rgb));
    }
    let rgb = RgbImage::from_raw(width, height, pixels)
        .ok_or_else(|| ImagingError::DamagedImage("decoded buffer has the wrong size".into()))?;
    let mut img = DynamicImage::ImageRgb8(rgb);
    if let Some(icc) = &info.icc {
        color::icc_to_srgb(&mut img, icc);
    }
    Ok(img)
}

/// Runs libjpeg-turbo; returns the packed pixels in `format` and their size.
fn decompress_scaled(
    bytes: &[u8],
    format: PixelFormat,
    min_stored: (u32, u32),
) -> Result<(Vec<u8>, u32, u32), ImagingError> {
    let damaged = |e: turbojpeg::Error| ImagingError::DamagedImage(e.to_string());
    let mut decompressor = Decompressor::new().map_err(damaged)?;
    let header = decompressor.read_header(bytes).map_err(damaged)?;
    let factor = if header.is_lossless {
        ScalingFactor::ONE
    } else {
        pick_factor(header.width, header.height, min_stored)
    };
    decompressor.set_scaling_factor(factor).map_err(damaged)?;

    let (width, height) = (factor.scale(header.width), factor.scale(header.height));
    let pitch = width * format.size();
    let mut pixels = vec![0u8; pitch * height];
    let output = Image {
        pixels: pixels.as_mut_slice(),
        width,
        pitch,
        height,
        format,
    };
    if let Err(err) = decompressor.decompress(bytes, output) {
        if !is_harmless_warning(&err) {
            return Err(damaged(err));
        }
        tracing::debug!(%err, "JPEG decoded despite a harmless warning");
    }
    Ok((pixels, to_u32(width)?, to_u32(height)?))
}

/// TurboJPEG reports libjpeg's warnings as failures, but still decodes the whole picture.
/// Stray bytes between segments (JWRN_EXTRANEOUS_DATA, worded the same since libjpeg 6) are
/// common in files from cameras and editors that every browser shows, so they are accepted.
/// Every other warning (premature end of file, corrupt data) means missing pixels: damaged.
/// The crate gives only the message text, hence the match on it.
fn is_harmless_warning(err: &turbojpeg::Error) -> bool {
    matches!(err, turbojpeg::Error::TurboJpegError(msg) if msg.contains("extraneous bytes"))
}

/// The smallest of 1/8, 1/4, 1/2 that keeps both sides at least as large as asked; the
/// Lanczos pass that follows then only ever shrinks, so quality matches a full decode.
fn pick_factor(width: usize, height: usize, min: (u32, u32)) -> ScalingFactor {
    let (min_w, min_h) = (min.0 as usize, min.1 as usize);
    [
        ScalingFactor::ONE_EIGHTH,
        ScalingFactor::ONE_QUARTER,
        ScalingFactor::ONE_HALF,
    ]
    .into_iter()
    .find(|f| f.scale(width) >= min_w && f.scale(height) >= min_h)
    .unwrap_or(ScalingFactor::ONE)
}

fn to_u32(v: usize) -> Result<u32, ImagingError> {
    u32::try_from(v).map_err(|_| ImagingError::DamagedImage("image is too large".into()))
}

/// Encodes 8-bit RGB as a baseline JPEG.
///
/// Chroma is subsampled 4:2:0 below quality 90 and kept whole (4:4:4) from 90 up, the same
/// rule libvips and ImageMagick follow: at high quality, red and blue edges (price tags, logos)
/// otherwise bleed visibly.
pub(crate) fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>, ImagingError> {
    let failed = |e: turbojpeg::Error| ImagingError::EncodeFailed(e.to_string());
    let quality = quality.clamp(1, 100);
    let mut compressor = Compressor::new().map_err(failed)?;
    compressor.set_quality(i32::from(quality)).map_err(failed)?;
    let subsamp = if quality >= 90 {
        Subsamp::None
    } else {
        Subsamp::Sub2x2
    };
    compressor.set_subsamp(subsamp).map_err(failed)?;

    let width = img.width() as usize;
    let image = Image {
        pixels: img.as_raw().as_slice(),
        width,
        pitch: width * 3,
        height: img.height() as usize,
        format: PixelFormat::RGB,
    };
    compressor.compress_to_vec(image).map_err(failed)
}
