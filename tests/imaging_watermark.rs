//! Watermarks: positions, tile, text (Chinese), image marks, opacity, formats, errors.
//!
//! The text tests need a CJK font on the machine (Debian: fonts-wqy-microhei); without one
//! they fail with `font_missing`, which is exactly what production would report.
#![allow(clippy::unwrap_used)]

mod imaging_support;

use std::path::PathBuf;

use aigc_studio::imaging::{
    watermark, FontSource, Limits, WatermarkMark, WatermarkPosition, WatermarkSpec,
};
use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use imaging_support::*;

const W: u32 = 400;
const H: u32 = 300;

fn white_png() -> (RgbImage, Vec<u8>) {
    let img = solid(W, H, [255, 255, 255]);
    let bytes = png_of(&DynamicImage::ImageRgb8(img.clone()));
    (img, bytes)
}

fn red_square_png(side: u32) -> Vec<u8> {
    png_of(&DynamicImage::ImageRgba8(RgbaImage::from_pixel(
        side,
        side,
        image::Rgba([255, 0, 0, 255]),
    )))
}

fn image_spec(position: WatermarkPosition, opacity: f32) -> WatermarkSpec {
    WatermarkSpec {
        mark: WatermarkMark::Image {
            png_bytes: red_square_png(20),
        },
        position,
        size: 0.1, // 40 px on a 400 px picture
        opacity,
        margin: 0.03, // 12 px
    }
}

fn text_spec(text: &str, position: WatermarkPosition) -> WatermarkSpec {
    WatermarkSpec {
        mark: WatermarkMark::Text {
            text: text.to_string(),
            color: [0, 0, 0],
        },
        position,
        size: 0.08,
        opacity: 1.0,
        margin: 0.03,
    }
}

fn fonts() -> FontSource {
    FontSource::system()
}

fn stamp(bytes: &[u8], spec: &WatermarkSpec) -> RgbImage {
    let encoded = watermark(bytes, spec, &fonts(), &Limits::default()).unwrap();
    let img = load(&encoded.bytes);
    assert_eq!((img.width(), img.height()), (W, H), "size kept");
    img.to_rgb8()
}

#[test]
fn image_mark_lands_exactly_where_each_position_says() {
    let (before, bytes) = white_png();
    let expected = [
        (WatermarkPosition::TopLeft, (12, 12)),
        (WatermarkPosition::TopRight, (W - 12 - 40, 12)),
        (WatermarkPosition::BottomLeft, (12, H - 12 - 40)),
        (WatermarkPosition::BottomRight, (W - 12 - 40, H - 12 - 40)),
        (WatermarkPosition::Center, ((W - 40) / 2, (H - 40) / 2)),
    ];
    for (position, (x, y)) in expected {
        let after = stamp(&bytes, &image_spec(position, 1.0));
        let bbox = changed_box(&before, &after, 0).unwrap();
        assert_eq!(bbox, (x, y, x + 40, y + 40), "{position:?}");
        assert_eq!(after.get_pixel(x + 20, y + 20).0, [255, 0, 0]);
    }
}

#[test]
fn opacity_blends_the_mark() {
    let (_, bytes) = white_png();
    let after = stamp(&bytes, &image_spec(WatermarkPosition::Center, 0.5));
    let p = after.get_pixel(W / 2, H / 2).0;
    assert!(diff(p, [255, 128, 128]) <= 2, "{p:?}");
}

#[test]
fn tile_covers_the_whole_picture() {
    let (before, bytes) = white_png();
    let after = stamp(&bytes, &image_spec(WatermarkPosition::Tile, 1.0));
    let quarters = [(0, 0), (W / 2, 0), (0, H / 2), (W / 2, H / 2)];
    for (qx, qy) in quarters {
        let changed = (qy..qy + H / 2)
            .flat_map(|y| (qx..qx + W / 2).map(move |x| (x, y)))
            .filter(|&(x, y)| after.get_pixel(x, y) != before.get_pixel(x, y))
            .count();
        assert!(
            changed > 1000,
            "quarter at {qx},{qy} has {changed} marked pixels"
        );
    }
}

#[test]
fn chinese_text_draws_glyphs_in_the_expected_corner() {
    let (before, bytes) = white_png();
    let after = stamp(
        &bytes,
        &text_spec("中文水印", WatermarkPosition::BottomRight),
    );
    let (x0, y0, x1, y1) = changed_box(&before, &after, 10).expect("text must change pixels");
    assert!(
        x0 > W / 4 && y0 > H / 2,
        "in the bottom right: {:?}",
        (x0, y0, x1, y1)
    );
    assert!(x1 <= W - 12 && y1 <= H - 12, "margin kept: {:?}", (x1, y1));
    // Four ideographs at 32 px are well over a thousand dark pixels; a font without Chinese
    // would leave empty boxes or nothing.
    assert!(changed_count(&before, &after, 10) > 800);
}

#[test]
fn text_lands_in_each_position_region() {
    let (before, bytes) = white_png();
    for position in [
        WatermarkPosition::TopLeft,
        WatermarkPosition::TopRight,
        WatermarkPosition::BottomLeft,
        WatermarkPosition::Center,
    ] {
        let after = stamp(&bytes, &text_spec("水印 Logo", position));
        let (x0, y0, x1, y1) = changed_box(&before, &after, 10).unwrap();
        let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
        let ok = match position {
            WatermarkPosition::TopLeft => x0 >= 12 && y0 >= 12 && cx < W / 2 && cy < H / 2,
            WatermarkPosition::TopRight => x1 <= W - 12 && y0 >= 12 && cx > W / 2 && cy < H / 2,
            WatermarkPosition::BottomLeft => x0 >= 12 && y1 <= H - 12 && cx < W / 2,
            _ => cx.abs_diff(W / 2) < 10 && cy.abs_diff(H / 2) < 12,
        };
        assert!(ok, "{position:?}: box {:?}", (x0, y0, x1, y1));
    }
}

#[test]
fn characters_missing_from_the_font_do_not_fail() {
    let (before, bytes) = white_png();
    let after = stamp(
        &bytes,
        &text_spec("价格🦀\u{10FFFD}OK", WatermarkPosition::Center),
    );
    assert!(changed_count(&before, &after, 10) > 100);
    let nothing_drawable = stamp(&bytes, &text_spec("\u{10FFFD}", WatermarkPosition::Center));
    assert_eq!(changed_count(&before, &nothing_drawable, 0), 0);
}

#[test]
fn very_long_text_is_shrunk_to_fit() {
    let (before, bytes) = white_png();
    let long = "超长的水印文字".repeat(10);
    let after = stamp(&bytes, &text_spec(&long, WatermarkPosition::TopLeft));
    let (x0, _, x1, _) = changed_box(&before, &after, 10).unwrap();
    assert!(x0 >= 12 && x1 <= W - 12, "{x0}..{x1}");
}

#[test]
fn output_keeps_the_input_format() {
    let img = DynamicImage::ImageRgb8(quadrants(W, H));
    let cases = [
        (ImageFormat::Jpeg, ImageFormat::Jpeg),
        (ImageFormat::Png, ImageFormat::Png),
        (ImageFormat::WebP, ImageFormat::WebP),
        (ImageFormat::Gif, ImageFormat::Png),
        (ImageFormat::Bmp, ImageFormat::Png),
    ];
    for (input, output) in cases {
        let bytes = encode_as(&img, input);
        let spec = image_spec(WatermarkPosition::BottomRight, 0.5);
        let encoded = watermark(&bytes, &spec, &fonts(), &Limits::default()).unwrap();
        assert_eq!(format_of(&encoded.bytes), output, "{input:?}");
        assert_eq!((encoded.width, encoded.height), (W, H));
    }
}

#[test]
fn png_transparency_is_kept_under_the_watermark() {
    let bytes = png_of(&DynamicImage::ImageRgba8(cutout(W, H)));
    let spec = image_spec(WatermarkPosition::TopLeft, 1.0);
    let encoded = watermark(&bytes, &spec, &fonts(), &Limits::default()).unwrap();
    let img = load(&encoded.bytes).to_rgba8();
    assert_eq!(
        img.get_pixel(W - 5, H - 5).0[3],
        0,
        "untouched transparent corner"
    );
    assert_eq!(
        img.get_pixel(30, 30).0,
        [255, 0, 0, 255],
        "mark over transparency is opaque"
    );
}

#[test]
fn jpeg_watermark_changes_only_the_mark_region() {
    let source = quadrants(W, H);
    let bytes = jpeg_of(&source, 95);
    let before = load(&bytes).to_rgb8();
    let after = stamp(&bytes, &image_spec(WatermarkPosition::BottomRight, 1.0));
    let (x0, y0, _, _) = changed_box(&before, &after, 24).unwrap();
    // JPEG re-encoding moves pixels a little everywhere; real changes stay near the mark.
    assert!(
        x0 >= W - 12 - 40 - 8 && y0 >= H - 12 - 40 - 8,
        "{:?}",
        (x0, y0)
    );
}

#[test]
fn rotated_jpeg_is_watermarked_upright() {
    let bytes = with_exif_orientation(&jpeg_of(&solid(H, W, [255, 255, 255]), 95), 6);
    let encoded = watermark(
        &bytes,
        &image_spec(WatermarkPosition::TopLeft, 1.0),
        &fonts(),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!((encoded.width, encoded.height), (W, H));
}

#[test]
fn bad_requests_get_clear_codes() {
    let (_, bytes) = white_png();
    let limits = Limits::default();
    let mut spec = image_spec(WatermarkPosition::Center, 1.0);
    spec.mark = WatermarkMark::Image {
        png_bytes: b"not a png".to_vec(),
    };
    assert_eq!(
        watermark(&bytes, &spec, &fonts(), &limits)
            .unwrap_err()
            .code(),
        "bad_watermark_image"
    );

    let blank = text_spec("   ", WatermarkPosition::Center);
    assert_eq!(
        watermark(&bytes, &blank, &fonts(), &limits)
            .unwrap_err()
            .code(),
        "empty_watermark_text"
    );

    let text = text_spec("水印", WatermarkPosition::Center);
    let nowhere = FontSource::new(Some(PathBuf::from("/nonexistent/font.ttf")));
    let err = watermark(&bytes, &text, &nowhere, &limits).unwrap_err();
    assert_eq!(err.code(), "font_missing");
    assert!(err.message_zh().contains("字体"));

    let latin_only = PathBuf::from("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    if latin_only.exists() {
        let err =
            watermark(&bytes, &text, &FontSource::new(Some(latin_only)), &limits).unwrap_err();
        assert_eq!(
            err.code(),
            "font_missing",
            "a font without Chinese is not usable"
        );
    }
}
