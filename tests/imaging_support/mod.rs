//! Small generated fixtures for the imaging tests. Every picture is made here, in code, so the
//! tests need no files and each fixture says what it is.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

/// A picture split in four coloured quadrants: red, green / blue, yellow.
pub fn quadrants(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        match (x < width / 2, y < height / 2) {
            (true, true) => Rgb([220, 30, 30]),
            (false, true) => Rgb([30, 200, 30]),
            (true, false) => Rgb([30, 30, 220]),
            (false, false) => Rgb([230, 230, 30]),
        }
    })
}

pub fn solid(width: u32, height: u32, color: [u8; 3]) -> RgbImage {
    RgbImage::from_pixel(width, height, Rgb(color))
}

/// JPEG written by the `image` crate's own encoder, independent of the code under test.
pub fn jpeg_of(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .unwrap();
    out
}

pub fn png_of(img: &DynamicImage) -> Vec<u8> {
    encode_as(img, ImageFormat::Png)
}

pub fn encode_as(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

pub fn png_with_icc(img: &RgbImage, icc: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new(&mut out);
    encoder.set_icc_profile(icc).unwrap();
    encoder
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// A transparent canvas with an opaque red square in the middle half.
pub fn cutout(width: u32, height: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, y| {
        let inside = x >= width / 4 && x < width * 3 / 4 && y >= height / 4 && y < height * 3 / 4;
        if inside {
            Rgba([200, 20, 20, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    })
}

/// Inserts an APP1 Exif segment with only an orientation tag right after SOI.
pub fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes()); // offset of IFD0
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes()); // count
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD

    let mut body = b"Exif\0\0".to_vec();
    body.extend_from_slice(&tiff);
    insert_segment(jpeg, 0xE1, &body)
}

/// Inserts an APP2 ICC_PROFILE segment (profiles under 64 KB fit one segment).
pub fn with_icc_segment(jpeg: &[u8], icc: &[u8]) -> Vec<u8> {
    let mut body = b"ICC_PROFILE\0".to_vec();
    body.extend_from_slice(&[1, 1]);
    body.extend_from_slice(icc);
    insert_segment(jpeg, 0xE2, &body)
}

fn insert_segment(jpeg: &[u8], marker: u8, body: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let len = u16::try_from(body.len() + 2).unwrap();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// An ICC profile with sRGB primaries but a linear (gamma 1.0) tone curve: a mid value of 128
/// in such a file is 21.6% light, which sRGB writes as about 188.
pub fn linear_rgb_icc() -> Vec<u8> {
    let mut profile = moxcms::ColorProfile::new_srgb();
    let linear = moxcms::ToneReprCurve::Parametric(vec![1.0]);
    profile.red_trc = Some(linear.clone());
    profile.green_trc = Some(linear.clone());
    profile.blue_trc = Some(linear);
    profile.cicp = None;
    profile.encode().unwrap()
}

/// Decodes a result with the `image` crate (not the code under test).
pub fn load(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).unwrap()
}

pub fn format_of(bytes: &[u8]) -> ImageFormat {
    image::guess_format(bytes).unwrap()
}

/// Largest per-channel difference between two colours.
pub fn diff(a: [u8; 3], b: [u8; 3]) -> u8 {
    (0..3).map(|i| a[i].abs_diff(b[i])).max().unwrap()
}

pub fn rgb_at(img: &DynamicImage, x: u32, y: u32) -> [u8; 3] {
    let p = img.to_rgb8().get_pixel(x, y).0;
    [p[0], p[1], p[2]]
}

/// Bounding box (x0, y0, x1 exclusive, y1 exclusive) of pixels that differ from `base` by more
/// than `tolerance` in any channel, or `None` when nothing changed.
pub fn changed_box(
    before: &RgbImage,
    after: &RgbImage,
    tolerance: u8,
) -> Option<(u32, u32, u32, u32)> {
    assert_eq!(before.dimensions(), after.dimensions());
    let mut bbox: Option<(u32, u32, u32, u32)> = None;
    for (x, y, p) in after.enumerate_pixels() {
        let q = before.get_pixel(x, y);
        if diff(p.0, q.0) > tolerance {
            bbox = Some(match bbox {
                None => (x, y, x + 1, y + 1),
                Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1)),
            });
        }
    }
    bbox
}

/// How many pixels differ by more than `tolerance`.
pub fn changed_count(before: &RgbImage, after: &RgbImage, tolerance: u8) -> usize {
    before
        .pixels()
        .zip(after.pixels())
        .filter(|(a, b)| diff(a.0, b.0) > tolerance)
        .count()
}
