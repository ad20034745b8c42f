//! Pictures made in the test, so fixtures never drift from what a test expects.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};

/// A JPEG of `width` x `height` with a gradient, so resized outputs are not blank.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            120,
        ])
    });
    encode(image::DynamicImage::ImageRgb8(img), ImageFormat::Jpeg)
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, _| Rgb([(x % 256) as u8, 90, 200]));
    encode(image::DynamicImage::ImageRgb8(img), ImageFormat::Png)
}

pub fn encode(img: image::DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode fixture");
    out.into_inner()
}

/// Dimensions of an encoded picture.
pub fn size_of(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).expect("decodable output");
    (img.width(), img.height())
}
