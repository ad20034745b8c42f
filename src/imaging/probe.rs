//! Cheap checks on uploaded bytes: format, size, pixel limit.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{ImageDecoder, ImageReader};
use serde::Serialize;

use super::header::stored_size;
use super::jpeg_meta::read_jpeg_info;
use super::{decode, ImagingError, SourceFormat};

/// Limits applied to every picture we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest decoded size, width x height. Checked from the header, before any pixel is
    /// decoded, so a small file that claims a huge canvas (a "decompression bomb") costs nothing.
    pub max_pixels: u64,
}

impl Default for Limits {
    /// 50 megapixels, the product's default (`limits.image_pixels`).
    fn default() -> Self {
        Self {
            max_pixels: 50_000_000,
        }
    }
}

impl Limits {
    pub(crate) fn check(&self, width: u32, height: u32) -> Result<(), ImagingError> {
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_pixels {
            return Err(ImagingError::TooManyPixels {
                pixels,
                limit: self.max_pixels,
            });
        }
        Ok(())
    }

    /// The same limit handed to the `image` crate's decoders, as a second line of defence for
    /// formats whose header can lie about what follows. 16 bytes a pixel covers 16-bit RGBA.
    pub(crate) fn for_decoder(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(self.max_pixels.saturating_mul(16).saturating_add(64 << 20));
        limits
    }
}

/// What a header says about a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Probe {
    pub format: SourceFormat,
    /// Size as displayed, that is after the EXIF orientation is applied.
    pub width: u32,
    pub height: u32,
}

/// Reads the format and size from the header only; no pixel is decoded.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe, ImagingError> {
    let format = SourceFormat::sniff(bytes)?;
    let (width, height, orientation) = match format {
        SourceFormat::Jpeg => {
            let info = read_jpeg_info(bytes)?;
            (info.width, info.height, info.orientation)
        }
        _ => {
            if let Some((w, h)) = stored_size(format, bytes) {
                limits.check(w, h)?;
            }
            header_of(bytes, format, limits)?
        }
    };
    limits.check(width, height)?;
    let (width, height) = oriented_size(width, height, orientation);
    Ok(Probe {
        format,
        width,
        height,
    })
}

/// Probes and then decodes the whole picture once, so that a truncated or damaged upload is
/// refused at upload time rather than failing later inside a task.
pub fn validate_upload(bytes: &[u8], limits: &Limits) -> Result<Probe, ImagingError> {
    let probe = probe(bytes, limits)?;
    decode(bytes, limits)?;
    Ok(probe)
}

fn header_of(
    bytes: &[u8],
    format: SourceFormat,
    limits: &Limits,
) -> Result<(u32, u32, Orientation), ImagingError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits.for_decoder());
    let mut decoder = reader.into_decoder().map_err(ImagingError::from_decode)?;
    let (width, height) = decoder.dimensions();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    Ok((width, height, orientation))
}

/// Width and height once the orientation is applied: the quarter turns swap them.
pub(crate) fn oriented_size(width: u32, height: u32, orientation: Orientation) -> (u32, u32) {
    if swaps_axes(orientation) {
        (height, width)
    } else {
        (width, height)
    }
}

pub(crate) fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}
