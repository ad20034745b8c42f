//! Canvas sizes read straight from the fixed headers of PNG, GIF, BMP and WEBP.
//!
//! The pixel limit must be checked before any decoder runs: some decoders allocate or read far
//! into the file while they are being set up, and a crafted file can claim a huge canvas with
//! almost no data behind it. These headers sit at fixed offsets, so reading them is a few
//! bounds-checked byte loads. TIFF (size inside an IFD) and JPEG (see `jpeg_meta`) are handled
//! elsewhere.

use super::SourceFormat;

/// Stored width and height, when the format has a fixed header and the bytes are long enough.
pub(crate) fn stored_size(format: SourceFormat, b: &[u8]) -> Option<(u32, u32)> {
    match format {
        SourceFormat::Png => png(b),
        SourceFormat::Gif => Some((u32::from(le16(b, 6)?), u32::from(le16(b, 8)?))),
        SourceFormat::Bmp => bmp(b),
        SourceFormat::Webp => webp(b),
        SourceFormat::Jpeg | SourceFormat::Tiff => None,
    }
}

fn png(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be32(b, 16)?, be32(b, 20)?))
}

fn bmp(b: &[u8]) -> Option<(u32, u32)> {
    if le32(b, 14)? == 12 {
        // The old OS/2 header stores 16-bit sizes.
        return Some((u32::from(le16(b, 18)?), u32::from(le16(b, 20)?)));
    }
    // Height is negative for top-down bitmaps.
    let width = le32(b, 18)? as i32;
    let height = le32(b, 22)? as i32;
    Some((width.unsigned_abs(), height.unsigned_abs()))
}

fn webp(b: &[u8]) -> Option<(u32, u32)> {
    match b.get(12..16)? {
        b"VP8X" => Some((le24(b, 24)? + 1, le24(b, 27)? + 1)),
        b"VP8L" => {
            let bits = le32(b, 21)?;
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8 " => Some((
            u32::from(le16(b, 26)? & 0x3FFF),
            u32::from(le16(b, 28)? & 0x3FFF),
        )),
        _ => None,
    }
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Cursor;

    use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};

    use super::*;

    fn written(img: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn reads_the_size_of_each_fixed_header_format() {
        let rgb = DynamicImage::ImageRgb8(RgbImage::new(37, 21));
        let rgba = DynamicImage::ImageRgba8(RgbaImage::new(37, 21));
        let cases = [
            (SourceFormat::Png, written(rgb.clone(), ImageFormat::Png)),
            (SourceFormat::Gif, written(rgb.clone(), ImageFormat::Gif)),
            (SourceFormat::Bmp, written(rgb.clone(), ImageFormat::Bmp)),
            (SourceFormat::Webp, written(rgb, ImageFormat::WebP)),
            (SourceFormat::Webp, written(rgba, ImageFormat::WebP)),
        ];
        for (format, bytes) in cases {
            assert_eq!(stored_size(format, &bytes), Some((37, 21)), "{format:?}");
        }
    }

    #[test]
    fn short_input_gives_no_size() {
        assert_eq!(stored_size(SourceFormat::Png, b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(
            stored_size(SourceFormat::Webp, b"RIFF\0\0\0\0WEBPVP8X"),
            None
        );
    }
}
