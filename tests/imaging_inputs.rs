//! Reading every kind of input: formats, orientation, colour models, limits and bad files.
#![allow(clippy::unwrap_used)]

mod imaging_support;

use aigc_studio::imaging::{decode, probe, validate_upload, ImagingError, Limits, SourceFormat};
use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, Rgb, Rgba};
use imaging_support::*;

fn limits() -> Limits {
    Limits::default()
}

fn code(result: Result<impl std::fmt::Debug, ImagingError>) -> &'static str {
    result.unwrap_err().code()
}

#[test]
fn every_accepted_format_is_sniffed_and_decoded() {
    let img = DynamicImage::ImageRgb8(quadrants(64, 48));
    let cases = [
        (ImageFormat::Jpeg, SourceFormat::Jpeg),
        (ImageFormat::Png, SourceFormat::Png),
        (ImageFormat::WebP, SourceFormat::Webp),
        (ImageFormat::Bmp, SourceFormat::Bmp),
        (ImageFormat::Tiff, SourceFormat::Tiff),
        (ImageFormat::Gif, SourceFormat::Gif),
    ];
    for (written, expected) in cases {
        let bytes = encode_as(&img, written);
        let p = probe(&bytes, &limits()).unwrap();
        assert_eq!(
            (p.format, p.width, p.height),
            (expected, 64, 48),
            "{written:?}"
        );
        let decoded = decode(&bytes, &limits()).unwrap();
        assert!(
            matches!(decoded, DynamicImage::ImageRgb8(_)),
            "{written:?} gives RGB8"
        );
        assert!(
            diff(rgb_at(&decoded, 5, 5), [220, 30, 30]) < 40,
            "{written:?} keeps colours"
        );
    }
}

#[test]
fn format_comes_from_the_bytes_not_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("really-a-png.jpg");
    std::fs::write(
        &path,
        png_of(&DynamicImage::ImageRgb8(solid(8, 8, [1, 2, 3]))),
    )
    .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(probe(&bytes, &limits()).unwrap().format, SourceFormat::Png);
    assert_eq!(SourceFormat::Png.extension(), "png");
    assert_eq!(SourceFormat::Jpeg.mime(), "image/jpeg");
}

#[test]
fn exif_orientation_is_applied_to_size_and_pixels() {
    // Stored 80x40: left half red, right half blue. Orientation 6 = rotate 90 clockwise, so
    // the displayed picture is 40x80 with red on top.
    let stored = image::RgbImage::from_fn(80, 40, |x, _| {
        if x < 40 {
            Rgb([230, 20, 20])
        } else {
            Rgb([20, 20, 230])
        }
    });
    let bytes = with_exif_orientation(&jpeg_of(&stored, 95), 6);
    let p = probe(&bytes, &limits()).unwrap();
    assert_eq!((p.width, p.height), (40, 80));

    let img = decode(&bytes, &limits()).unwrap();
    assert_eq!((img.width(), img.height()), (40, 80));
    assert!(diff(rgb_at(&img, 20, 10), [230, 20, 20]) < 30, "red on top");
    assert!(diff(rgb_at(&img, 20, 70), [20, 20, 230]) < 30, "blue below");
}

#[test]
fn cmyk_jpeg_becomes_rgb() {
    // Adobe-style inverted CMYK (255 = no ink): a pure red made of magenta and yellow ink.
    let (w, h) = (32usize, 16usize);
    let red_ink = [255u8, 0, 0, 255];
    let pixels: Vec<u8> = red_ink.iter().copied().cycle().take(w * h * 4).collect();
    let image = turbojpeg::Image {
        pixels: pixels.as_slice(),
        width: w,
        pitch: w * 4,
        height: h,
        format: turbojpeg::PixelFormat::CMYK,
    };
    let bytes = turbojpeg::compress(image, 95, turbojpeg::Subsamp::None)
        .unwrap()
        .to_vec();

    let img = decode(&bytes, &limits()).unwrap();
    assert!(matches!(img, DynamicImage::ImageRgb8(_)));
    assert!(
        diff(rgb_at(&img, 10, 8), [255, 0, 0]) < 12,
        "got {:?}",
        rgb_at(&img, 10, 8)
    );
}

#[test]
fn sixteen_bit_png_becomes_8_bit() {
    let img: ImageBuffer<Rgb<u16>, Vec<u16>> =
        ImageBuffer::from_pixel(16, 16, Rgb([65535, 32896, 0]));
    let bytes = png_of(&DynamicImage::ImageRgb16(img));
    let decoded = decode(&bytes, &limits()).unwrap();
    assert!(matches!(decoded, DynamicImage::ImageRgb8(_)));
    assert!(diff(rgb_at(&decoded, 3, 3), [255, 128, 0]) <= 1);
}

#[test]
fn sixteen_bit_rgba_png_keeps_alpha_in_8_bit() {
    let img: ImageBuffer<Rgba<u16>, Vec<u16>> =
        ImageBuffer::from_pixel(8, 8, Rgba([0, 65535, 0, 32896]));
    let decoded = decode(&png_of(&DynamicImage::ImageRgba16(img)), &limits()).unwrap();
    let DynamicImage::ImageRgba8(rgba) = decoded else {
        panic!("expected RGBA8")
    };
    assert_eq!(rgba.get_pixel(1, 1).0, [0, 255, 0, 128]);
}

#[test]
fn palette_png_becomes_rgb() {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, 4, 2);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_palette(vec![255, 0, 0, 0, 0, 255]);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[0, 0, 1, 1, 1, 1, 0, 0]).unwrap();
    }
    let img = decode(&bytes, &limits()).unwrap();
    assert!(matches!(img, DynamicImage::ImageRgb8(_)));
    assert_eq!(rgb_at(&img, 0, 0), [255, 0, 0]);
    assert_eq!(rgb_at(&img, 3, 0), [0, 0, 255]);
}

#[test]
fn grayscale_png_and_jpeg_become_rgb() {
    let gray = ImageBuffer::from_pixel(16, 16, Luma([100u8]));
    let png = png_of(&DynamicImage::ImageLuma8(gray.clone()));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .encode_image(&DynamicImage::ImageLuma8(gray))
        .unwrap();
    for bytes in [png, jpeg] {
        let img = decode(&bytes, &limits()).unwrap();
        assert!(matches!(img, DynamicImage::ImageRgb8(_)));
        assert!(diff(rgb_at(&img, 4, 4), [100, 100, 100]) <= 2);
    }
}

#[test]
fn animated_gif_gives_its_first_frame() {
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame, RgbaImage};
    let frame = |c: [u8; 4]| {
        Frame::from_parts(
            RgbaImage::from_pixel(10, 10, Rgba(c)),
            0,
            0,
            Delay::from_numer_denom_ms(100, 1),
        )
    };
    let mut bytes = Vec::new();
    GifEncoder::new(&mut bytes)
        .encode_frames([frame([255, 0, 0, 255]), frame([0, 0, 255, 255])])
        .unwrap();
    let img = decode(&bytes, &limits()).unwrap();
    assert_eq!(rgb_at(&img, 5, 5), [255, 0, 0]);
}

#[test]
fn icc_profile_is_converted_to_srgb_in_png_and_jpeg() {
    let icc = linear_rgb_icc();
    let source = solid(16, 16, [128, 128, 128]);

    let png = decode(&png_with_icc(&source, icc.clone()), &limits()).unwrap();
    assert!(
        diff(rgb_at(&png, 8, 8), [188, 188, 188]) <= 2,
        "PNG {:?}",
        rgb_at(&png, 8, 8)
    );

    let jpeg = decode(&with_icc_segment(&jpeg_of(&source, 98), &icc), &limits()).unwrap();
    assert!(
        diff(rgb_at(&jpeg, 8, 8), [188, 188, 188]) <= 3,
        "JPEG {:?}",
        rgb_at(&jpeg, 8, 8)
    );
}

#[test]
fn srgb_profile_leaves_pixels_alone() {
    let icc = moxcms::ColorProfile::new_srgb().encode().unwrap();
    let source = solid(8, 8, [128, 64, 32]);
    let img = decode(&png_with_icc(&source, icc), &limits()).unwrap();
    assert_eq!(rgb_at(&img, 4, 4), [128, 64, 32]);
}

#[test]
fn pixel_limit_is_refused_from_the_header_alone() {
    // Headers that claim a 60000 x 60000 canvas and carry no pixel data at all: a decoder that
    // tried to read pixels would report damage, not the limit.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&60000u32.to_be_bytes());
    png.extend_from_slice(&60000u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0]);
    let crc = crc32(&png[12..]);
    png.extend_from_slice(&crc.to_be_bytes());

    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8];
    jpeg.extend_from_slice(&60000u16.to_be_bytes());
    jpeg.extend_from_slice(&60000u16.to_be_bytes());
    jpeg.extend_from_slice(&[1, 1, 0x11, 0]);
    jpeg.extend_from_slice(&[0xFF, 0xDA, 0, 2]);

    for bytes in [png, jpeg] {
        assert_eq!(code(probe(&bytes, &limits())), "too_many_pixels");
        assert_eq!(code(decode(&bytes, &limits())), "too_many_pixels");
    }
    let small = Limits { max_pixels: 100 };
    let ok = jpeg_of(&solid(20, 20, [0, 0, 0]), 80);
    assert_eq!(code(decode(&ok, &small)), "too_many_pixels");
}

#[test]
fn truncated_files_pass_probe_but_fail_validation() {
    // Busy enough that the pixel data, not the header, makes up most of the file.
    let busy = image::RgbImage::from_fn(256, 256, |x, y| {
        Rgb([
            (x * 7 % 256) as u8,
            (y * 13 % 256) as u8,
            ((x ^ y) % 256) as u8,
        ])
    });
    let img = DynamicImage::ImageRgb8(busy);
    for bytes in [jpeg_of(&img.to_rgb8(), 90), png_of(&img)] {
        let cut = &bytes[..bytes.len() / 2];
        assert!(probe(cut, &limits()).is_ok());
        assert_eq!(code(validate_upload(cut, &limits())), "damaged_image");
    }
}

#[test]
fn empty_and_non_image_bytes_are_named() {
    assert_eq!(code(probe(&[], &limits())), "empty_file");
    assert_eq!(
        code(validate_upload(b"hello, this is text", &limits())),
        "not_an_image"
    );
    assert_eq!(
        code(probe(b"BM but not a bitmap at all", &limits())),
        "not_an_image"
    );
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    let err = probe(heic, &limits()).unwrap_err();
    assert_eq!(err.code(), "unsupported_format");
    assert!(err.message_zh().contains("HEIC"));
}

#[test]
fn validate_upload_accepts_a_good_file() {
    let bytes = jpeg_of(&quadrants(40, 30), 85);
    let p = validate_upload(&bytes, &limits()).unwrap();
    assert_eq!((p.format, p.width, p.height), (SourceFormat::Jpeg, 40, 30));
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn stray_bytes_before_the_end_marker_are_tolerated() {
    // Some cameras and editors leave junk between the last scan and EOI; libjpeg only warns,
    // and browsers show such files, so they must not be refused as damaged.
    let good = jpeg_of(&quadrants(64, 48), 90);
    let mut sloppy = good[..good.len() - 2].to_vec();
    sloppy.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    let img = decode(&sloppy, &limits()).unwrap();
    assert!(diff(rgb_at(&img, 5, 5), [220, 30, 30]) < 30);
    assert!(validate_upload(&sloppy, &limits()).is_ok());

    // Junk between two header segments (after SOI + APP0) draws the same warning.
    let app0_end = 4 + usize::from(u16::from_be_bytes([good[4], good[5]]));
    let mut junk = good[..app0_end].to_vec();
    junk.extend_from_slice(&[0x00, 0x11, 0x22]);
    junk.extend_from_slice(&good[app0_end..]);
    let img = decode(&junk, &limits()).unwrap();
    assert!(diff(rgb_at(&img, 5, 5), [220, 30, 30]) < 30);
}
