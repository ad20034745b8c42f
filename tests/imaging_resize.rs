//! Resize: every mode, every preset, padding colour, transparency, formats, upscaling.
#![allow(clippy::unwrap_used)]

mod imaging_support;

use aigc_studio::imaging::{
    fit_on_canvas, resize, FitMode, FormatChoice, Limits, OutputFormat, ResizeSpec,
};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use imaging_support::*;

const WHITE: [u8; 3] = [255, 255, 255];
const PRESETS: [(u32, u32); 5] = [
    (1920, 1080),
    (1200, 1200),
    (800, 800),
    (400, 400),
    (333, 517),
];

fn spec(width: u32, height: u32, mode: FitMode, format: FormatChoice) -> ResizeSpec {
    ResizeSpec {
        width,
        height,
        mode,
        format,
        background: WHITE,
    }
}

fn run(bytes: &[u8], spec: &ResizeSpec) -> (aigc_studio::imaging::Encoded, DynamicImage) {
    let encoded = resize(bytes, spec, &Limits::default()).unwrap();
    let img = load(&encoded.bytes);
    assert_eq!(
        (img.width(), img.height()),
        (spec.width, spec.height),
        "{spec:?}"
    );
    assert_eq!((encoded.width, encoded.height), (spec.width, spec.height));
    (encoded, img)
}

#[test]
fn every_preset_and_mode_gives_the_exact_size() {
    let bytes = jpeg_of(&quadrants(640, 480), 90);
    for (w, h) in PRESETS {
        for mode in [FitMode::Contain, FitMode::Cover, FitMode::Stretch] {
            let (encoded, _) = run(&bytes, &spec(w, h, mode, FormatChoice::Keep));
            assert_eq!(encoded.format, OutputFormat::Jpeg);
            assert_eq!(format_of(&encoded.bytes), ImageFormat::Jpeg);
        }
    }
}

#[test]
fn contain_pads_with_exactly_the_background_colour() {
    // 400x200 into 300x300: content 300x150, bands of 75 rows above and below.
    let bytes = png_of(&DynamicImage::ImageRgb8(quadrants(400, 200)));
    for background in [WHITE, [10, 20, 30]] {
        let mut s = spec(300, 300, FitMode::Contain, FormatChoice::Png);
        s.background = background;
        let (_, img) = run(&bytes, &s);
        let rgb = img.to_rgb8();
        for y in (0..74).chain(226..300) {
            for x in (0..300).step_by(7) {
                assert_eq!(rgb.get_pixel(x, y).0, background, "pad at {x},{y}");
            }
        }
        assert!(
            diff(rgb.get_pixel(30, 100).0, [220, 30, 30]) < 10,
            "content in the middle"
        );
    }
}

#[test]
fn contain_padding_in_jpeg_is_white_away_from_the_content() {
    let bytes = jpeg_of(&quadrants(400, 200), 90);
    let (_, img) = run(
        &bytes,
        &spec(300, 300, FitMode::Contain, FormatChoice::Keep),
    );
    for (x, y) in [(5, 5), (150, 40), (290, 290), (10, 250)] {
        assert!(
            diff(rgb_at(&img, x, y), WHITE) <= 2,
            "{x},{y}: {:?}",
            rgb_at(&img, x, y)
        );
    }
}

#[test]
fn cover_crops_the_centre_and_never_pads() {
    // Three vertical bands; covering a square keeps only the middle (red) one.
    let bands = RgbImage::from_fn(300, 100, |x, _| match x / 100 {
        0 => Rgb([20, 200, 20]),
        1 => Rgb([220, 20, 20]),
        _ => Rgb([20, 20, 220]),
    });
    let bytes = png_of(&DynamicImage::ImageRgb8(bands));
    let (_, img) = run(&bytes, &spec(100, 100, FitMode::Cover, FormatChoice::Keep));
    for (x, y) in [(2, 2), (97, 2), (2, 97), (97, 97), (50, 50)] {
        assert!(diff(rgb_at(&img, x, y), [220, 20, 20]) < 20, "{x},{y}");
    }
}

#[test]
fn stretch_fills_the_box_with_the_whole_picture() {
    let bytes = png_of(&DynamicImage::ImageRgb8(quadrants(200, 100)));
    let (_, img) = run(
        &bytes,
        &spec(100, 100, FitMode::Stretch, FormatChoice::Keep),
    );
    assert!(diff(rgb_at(&img, 10, 10), [220, 30, 30]) < 10);
    assert!(diff(rgb_at(&img, 90, 10), [30, 200, 30]) < 10);
    assert!(diff(rgb_at(&img, 10, 90), [30, 30, 220]) < 10);
    assert!(diff(rgb_at(&img, 90, 90), [230, 230, 30]) < 10);
}

#[test]
fn png_keeps_transparency_and_pads_transparent() {
    let bytes = png_of(&DynamicImage::ImageRgba8(cutout(200, 100)));
    let (encoded, img) = run(
        &bytes,
        &spec(200, 200, FitMode::Contain, FormatChoice::Keep),
    );
    assert_eq!(encoded.format, OutputFormat::Png);
    let rgba = img.to_rgba8();
    assert!(img.color().has_alpha());
    assert_eq!(rgba.get_pixel(100, 10).0[3], 0, "padding is transparent");
    assert_eq!(
        rgba.get_pixel(10, 100).0[3],
        0,
        "transparent source stays transparent"
    );
    assert_eq!(
        rgba.get_pixel(100, 100).0,
        [200, 20, 20, 255],
        "product stays opaque"
    );
}

#[test]
fn webp_output_keeps_transparency_too() {
    let bytes = png_of(&DynamicImage::ImageRgba8(cutout(100, 100)));
    let (encoded, img) = run(&bytes, &spec(50, 50, FitMode::Cover, FormatChoice::Webp));
    assert_eq!(format_of(&encoded.bytes), ImageFormat::WebP);
    assert_eq!(img.to_rgba8().get_pixel(1, 1).0[3], 0);
}

#[test]
fn transparency_is_flattened_onto_the_background_for_jpeg() {
    let bytes = png_of(&DynamicImage::ImageRgba8(cutout(100, 100)));
    let mut s = spec(100, 100, FitMode::Contain, FormatChoice::Jpg);
    s.background = [0, 0, 255];
    let (encoded, img) = run(&bytes, &s);
    assert_eq!(encoded.format, OutputFormat::Jpeg);
    assert!(diff(rgb_at(&img, 5, 5), [0, 0, 255]) < 6);
    assert!(diff(rgb_at(&img, 50, 50), [200, 20, 20]) < 10);
}

#[test]
fn keep_maps_each_source_format() {
    let img = DynamicImage::ImageRgb8(quadrants(64, 64));
    let cases = [
        (ImageFormat::Jpeg, ImageFormat::Jpeg),
        (ImageFormat::Png, ImageFormat::Png),
        (ImageFormat::WebP, ImageFormat::WebP),
        (ImageFormat::Gif, ImageFormat::Png),
        (ImageFormat::Bmp, ImageFormat::Png),
        (ImageFormat::Tiff, ImageFormat::Png),
    ];
    for (input, output) in cases {
        let bytes = encode_as(&img, input);
        let (encoded, _) = run(&bytes, &spec(32, 32, FitMode::Contain, FormatChoice::Keep));
        assert_eq!(format_of(&encoded.bytes), output, "{input:?}");
    }
}

#[test]
fn explicit_formats_are_honoured() {
    let bytes = jpeg_of(&quadrants(64, 64), 90);
    for (choice, expected) in [
        (FormatChoice::Jpg, ImageFormat::Jpeg),
        (FormatChoice::Png, ImageFormat::Png),
        (FormatChoice::Webp, ImageFormat::WebP),
    ] {
        let (encoded, _) = run(&bytes, &spec(40, 30, FitMode::Cover, choice));
        assert_eq!(format_of(&encoded.bytes), expected);
    }
}

#[test]
fn upscaling_is_done_and_reported() {
    let small = jpeg_of(&quadrants(100, 100), 90);
    let (up, _) = run(
        &small,
        &spec(400, 400, FitMode::Contain, FormatChoice::Keep),
    );
    assert!(up.upscaled);
    let big = jpeg_of(&quadrants(800, 800), 90);
    let (down, _) = run(&big, &spec(400, 400, FitMode::Contain, FormatChoice::Keep));
    assert!(!down.upscaled);
}

#[test]
fn large_jpeg_shrunk_while_decoding_keeps_its_layout() {
    // 2400x1600 to 300x200 goes through the 1/4 DCT scale before Lanczos.
    let bytes = jpeg_of(&quadrants(2400, 1600), 90);
    let (encoded, img) = run(
        &bytes,
        &spec(300, 200, FitMode::Contain, FormatChoice::Keep),
    );
    assert!(!encoded.upscaled);
    assert!(diff(rgb_at(&img, 20, 20), [220, 30, 30]) < 12);
    assert!(diff(rgb_at(&img, 280, 20), [30, 200, 30]) < 12);
    assert!(diff(rgb_at(&img, 20, 180), [30, 30, 220]) < 12);
    assert!(diff(rgb_at(&img, 280, 180), [230, 230, 30]) < 12);
    // The shape was 3:2 like the box: no padding row at the top.
    assert!(diff(rgb_at(&img, 150, 0), WHITE) > 40);
}

#[test]
fn rotated_jpeg_is_resized_upright() {
    let stored = quadrants(200, 100);
    let bytes = with_exif_orientation(&jpeg_of(&stored, 92), 6);
    let (_, img) = run(&bytes, &spec(100, 200, FitMode::Contain, FormatChoice::Png));
    // Rotated 90 clockwise, the stored bottom-left (blue) is now top-left.
    assert!(
        diff(rgb_at(&img, 20, 20), [30, 30, 220]) < 20,
        "{:?}",
        rgb_at(&img, 20, 20)
    );
    assert!(
        diff(rgb_at(&img, 50, 1), WHITE) > 40,
        "no padding: shapes match"
    );
}

#[test]
fn bad_target_sizes_are_refused() {
    let bytes = jpeg_of(&quadrants(10, 10), 90);
    for (w, h) in [(0, 100), (100, 0), (20_000, 10)] {
        let err = resize(
            &bytes,
            &spec(w, h, FitMode::Cover, FormatChoice::Keep),
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_size");
    }
}

#[test]
fn fit_on_canvas_places_the_picture_on_a_coloured_canvas() {
    let img = DynamicImage::ImageRgb8(solid(100, 50, [0, 0, 0]));
    let out = fit_on_canvas(&img, 80, 80, FitMode::Contain, [255, 255, 255]);
    assert_eq!((out.width(), out.height()), (80, 80));
    assert_eq!(rgb_at(&out, 40, 5), WHITE);
    assert_eq!(rgb_at(&out, 40, 40), [0, 0, 0]);
    let cover = fit_on_canvas(&img, 80, 80, FitMode::Cover, [255, 255, 255]);
    assert_eq!(rgb_at(&cover, 40, 2), [0, 0, 0]);

    let rgba = DynamicImage::ImageRgba8(cutout(40, 20));
    let out = fit_on_canvas(&rgba, 40, 40, FitMode::Contain, [0, 255, 0]);
    assert_eq!(
        out.to_rgba8().get_pixel(20, 2).0,
        [0, 255, 0, 255],
        "opaque padding"
    );
}

#[test]
fn place_on_canvas_fills_the_asked_fraction() {
    use aigc_studio::imaging::{decode_for_target, place_on_canvas};
    let bytes = jpeg_of(&solid(1600, 800, [0, 0, 0]), 90);
    let img = decode_for_target(&bytes, &Limits::default(), 640, 640, FitMode::Contain).unwrap();
    assert!(
        img.width() >= 640 && img.width() < 1600,
        "shrunk while decoding: {}",
        img.width()
    );
    let out = place_on_canvas(&img, 800, 800, 0.8, WHITE);
    assert_eq!((out.width(), out.height()), (800, 800));
    // Content is 640x320, centred: x 80..720, y 240..560.
    let rgb = out.to_rgb8();
    assert_eq!(rgb.get_pixel(79, 400).0, WHITE);
    assert!(rgb.get_pixel(81, 400).0[0] < 10);
    assert!(rgb.get_pixel(718, 400).0[0] < 10);
    assert_eq!(rgb.get_pixel(721, 400).0, WHITE);
    assert_eq!(rgb.get_pixel(400, 238).0, WHITE);
    assert!(rgb.get_pixel(400, 242).0[0] < 10);
}
