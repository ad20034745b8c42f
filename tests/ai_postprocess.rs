//! Post-processing of the AI tools against fixtures with known truth.
#![allow(clippy::unwrap_used)]

use aigc_studio::imaging::ai::double_edits::{
    defects_removed, edit_for_prompt, face_painted, identify_bytes, product_on_key,
};
use aigc_studio::imaging::ai::fixtures::FixtureId;
use aigc_studio::imaging::ai::*;
use aigc_studio::imaging::FitMode;
use image::{DynamicImage, GrayImage, RgbImage, RgbaImage};

/// About one megapixel at the aspect of `w` x `h`, sides multiples of 32, like the double.
fn model_size(w: u32, h: u32) -> (u32, u32) {
    let aspect = f64::from(w) / f64::from(h);
    let width = (1024.0 * 1024.0 * aspect).sqrt();
    let round32 = |v: f64| ((v / 32.0).round() as u32) * 32;
    (round32(width), round32(width / aspect))
}

fn original(id: FixtureId) -> DynamicImage {
    DynamicImage::ImageRgb8(id.image())
}

fn model_output(id: FixtureId, key: [u8; 3], shift: (i32, i32)) -> RgbImage {
    let s = id.scene();
    let (w, h) = model_size(s.width, s.height);
    product_on_key(id, key, w, h, shift)
}

fn alpha_of(img: &RgbaImage) -> GrayImage {
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        image::Luma([img.get_pixel(x, y).0[3]])
    })
}

/// Soft IoU: sum of minima over sum of maxima.
fn iou(a: &GrayImage, b: &GrayImage) -> f64 {
    let (mut inter, mut union) = (0u64, 0u64);
    for (p, q) in a.pixels().zip(b.pixels()) {
        inter += u64::from(p.0[0].min(q.0[0]));
        union += u64::from(p.0[0].max(q.0[0]));
    }
    inter as f64 / union as f64
}

/// Whether every pixel within `r` of (x, y) has truth alpha equal to `value`.
fn all_around(truth: &GrayImage, x: u32, y: u32, r: u32, value: u8) -> bool {
    let (x0, y0) = (x.saturating_sub(r), y.saturating_sub(r));
    let (x1, y1) = (
        (x + r).min(truth.width() - 1),
        (y + r).min(truth.height() - 1),
    );
    (y0..=y1).all(|yy| (x0..=x1).all(|xx| truth.get_pixel(xx, yy).0[0] == value))
}

fn dist(a: [u8; 3], b: [u8; 3]) -> f64 {
    (0..3)
        .map(|c| (f64::from(a[c]) - f64::from(b[c])).powi(2))
        .sum::<f64>()
        .sqrt()
}

const SHIFTS: [(i32, i32); 2] = [(0, 0), (3, 3)];

#[test]
fn key_colour_contrasts_with_the_product() {
    for id in FixtureId::PRODUCTS {
        let key = choose_key_color(&original(id));
        let product = id.scene().product.unwrap().colour;
        assert!(dist(key, product) > 150.0, "{}: key {key:?}", id.name());
    }
    let green = choose_key_color(&original(FixtureId::GreenProduct));
    assert_ne!(green, [0, 255, 0]);
    let retry = choose_key_color_excluding(&original(FixtureId::GreenProduct), &[green]);
    assert_ne!(retry, green);
    assert!(key_color_name_zh([0, 0, 255]).contains("蓝"));
}

#[test]
fn cutout_alpha_matches_the_truth_with_a_clean_background() {
    for id in FixtureId::PRODUCTS {
        let orig = original(id);
        let key = choose_key_color(&orig);
        let truth = id.truth_alpha();
        for shift in SHIFTS {
            let result = cutout(&orig, &model_output(id, key, shift), key, false);
            let alpha = alpha_of(&result.image);
            let score = iou(&alpha, &truth);
            let name = id.name();
            assert!(score >= 0.97, "{name} {shift:?}: IoU {score:.4}");
            assert!(
                result.used_original_pixels,
                "{name} {shift:?}: {:?}",
                result.alignment
            );
            assert_eq!(result.image.dimensions(), orig.to_rgb8().dimensions());
            for (x, y, a) in alpha.enumerate_pixels() {
                if all_around(&truth, x, y, 3, 0) {
                    assert_eq!(a.0[0], 0, "{name} {shift:?}: background alpha at {x},{y}");
                }
            }
            assert!(result.gate().is_ok(), "{name}: {:?}", result.gate());
        }
    }
}

#[test]
fn alignment_finds_the_models_shift() {
    let id = FixtureId::GreenProduct;
    let orig = original(id);
    let key = choose_key_color(&orig);
    let out = model_output(id, key, (3, -2));
    let alpha = alpha_from_key(&out, key);
    let a = estimate_alignment(&orig, &out, &alpha);
    assert!(agrees(&a), "{a:?}");
    // Content moved by +3 output pixels maps back by -3 * scale in the upload.
    assert!((a.dx + 3.0 * a.scale_x).abs() < 0.5, "{a:?}");
    assert!((a.dy - 2.0 * a.scale_y).abs() < 0.5, "{a:?}");
}

#[test]
fn product_core_is_the_uploads_own_pixels_and_edges_carry_no_key() {
    for id in FixtureId::PRODUCTS {
        let orig = original(id).to_rgb8();
        let key = choose_key_color(&original(id));
        let truth = id.truth_alpha();
        let product = id.scene().product.unwrap().colour;
        let result = cutout(&original(id), &model_output(id, key, (3, 3)), key, false);
        for (x, y, p) in result.image.enumerate_pixels() {
            let rgb = [p.0[0], p.0[1], p.0[2]];
            if all_around(&truth, x, y, 3, 255) {
                assert_eq!(p.0[3], 255, "{}: core alpha at {x},{y}", id.name());
                assert_eq!(
                    rgb,
                    orig.get_pixel(x, y).0,
                    "{}: core at {x},{y}",
                    id.name()
                );
            } else if p.0[3] > 0 && p.0[3] < 255 {
                let fringe = dist(rgb, key) < dist(rgb, product);
                assert!(!fringe, "{}: key fringe {rgb:?} at {x},{y}", id.name());
            }
        }
    }
}

#[test]
fn decontaminated_model_edges_carry_no_key() {
    for id in FixtureId::PRODUCTS {
        let key = choose_key_color(&original(id));
        let out = model_output(id, key, (0, 0));
        let alpha = alpha_from_key(&out, key);
        let product = id.scene().product.unwrap().colour;
        let clean = decontaminate(&out, &alpha, estimate_key_background(&out, key));
        let edges = clean.pixels().filter(|p| p.0[3] > 0 && p.0[3] < 255);
        let mut n = 0;
        for p in edges {
            let rgb = [p.0[0], p.0[1], p.0[2]];
            assert!(
                dist(rgb, key) > dist(rgb, product),
                "{}: {rgb:?}",
                id.name()
            );
            n += 1;
        }
        assert!(
            n > 100,
            "{}: soft edge expected, {n} edge pixels",
            id.name()
        );
    }
}

#[test]
fn trim_keeps_the_product_and_a_small_margin() {
    let id = FixtureId::GreenProduct;
    let orig = original(id);
    let key = choose_key_color(&orig);
    let result = cutout(&orig, &model_output(id, key, (0, 0)), key, true);
    // The bottle is 220 x 300 with a soft edge; 2% of 300 is 6 on each side.
    let (w, h) = result.image.dimensions();
    assert!((230..=238).contains(&w), "{w}");
    assert!((310..=318).contains(&h), "{h}");
}

/// Bounding box of the pixels clearly darker than white (any channel below 190).
fn non_white_bbox(img: &RgbImage) -> (u32, u32, u32, u32) {
    let mut b = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if p.0.iter().any(|&c| c < 190) {
            b = (b.0.min(x), b.1.min(y), b.2.max(x + 1), b.3.max(y + 1));
        }
    }
    b
}

fn border_is_white(img: &RgbImage) -> bool {
    let (w, h) = img.dimensions();
    img.enumerate_pixels()
        .filter(|(x, y, _)| *x == 0 || *y == 0 || *x == w - 1 || *y == h - 1)
        .all(|(_, _, p)| p.0 == [255, 255, 255])
}

#[test]
fn white_background_fills_and_centres_the_product() {
    let id = FixtureId::GreenProduct;
    let orig = original(id);
    let key = choose_key_color(&orig);
    let cut = cutout(&orig, &model_output(id, key, (3, 3)), key, false).image;
    for (w, h, fill) in [(800u32, 800u32, 0.8f64), (1000, 600, 0.9), (400, 400, 0.5)] {
        let out = white_background(&cut, w, h, fill as f32);
        assert_eq!(out.dimensions(), (w, h));
        assert!(border_is_white(&out), "{w}x{h}");
        let (x0, y0, x1, y1) = non_white_bbox(&out);
        let (bw, bh) = (f64::from(x1 - x0), f64::from(y1 - y0));
        // The bottle is portrait: its height fills the canvas's height share, unless the
        // width share is the tighter one.
        let target = (fill * f64::from(h)).min(fill * f64::from(w) * 300.0 / 220.0);
        assert!(
            (bh - target).abs() <= 0.01 * f64::from(h),
            "{w}x{h}: {bw}x{bh} vs {target}"
        );
        let (cx, cy) = (f64::from(x0 + x1) / 2.0, f64::from(y0 + y1) / 2.0);
        assert!(
            (cx - f64::from(w) / 2.0).abs() <= 0.01 * f64::from(w),
            "{w}x{h}: cx {cx}"
        );
        assert!(
            (cy - f64::from(h) / 2.0).abs() <= 0.01 * f64::from(h),
            "{w}x{h}: cy {cy}"
        );
    }
}

#[test]
fn white_background_of_a_white_product_keeps_its_edge() {
    let id = FixtureId::WhiteProduct;
    let orig = original(id);
    let key = choose_key_color(&orig);
    let cut = cutout(&orig, &model_output(id, key, (0, 0)), key, false).image;
    let out = white_background(&cut, 800, 800, 0.8);
    assert!(border_is_white(&out));
    // The product is 300 px wide: its longer side becomes 640 px.
    let (x0, _, x1, _) = alpha_bbox(&cut, EXTENT_ALPHA).unwrap();
    assert!((i64::from(x1 - x0) - 300).abs() <= 2);
}

#[test]
fn defect_output_is_fitted_exactly_on_white() {
    let out = defects_removed(FixtureId::DefectPhoto, 1248, 928, (2, 0));
    for mode in [FitMode::Contain, FitMode::Cover] {
        let fitted = fit_defect_output(&out, 1200, 1200, mode);
        assert_eq!(fitted.dimensions(), (1200, 1200));
        let corner = fitted.get_pixel(0, 0).0;
        assert_eq!(
            corner == [255, 255, 255],
            mode == FitMode::Contain,
            "{mode:?}"
        );
    }
    let adjusted = finish_defect_output(&out, 1200, 1200, FitMode::Contain, 30, 20);
    assert_eq!(adjusted.dimensions(), (1200, 1200));
    assert_eq!(adjusted.get_pixel(0, 0).0, [255, 255, 255]);
    assert!(check_edited_photo((640, 480), &out).is_ok());
}

#[test]
fn the_double_removes_the_defects() {
    let id = FixtureId::DefectPhoto;
    let (w, h) = (1280, 960);
    let out = defects_removed(id, w, h, (0, 0));
    let with_spots = id.image();
    for d in id.scene().defects {
        let before = with_spots.get_pixel(d.x as u32, d.y as u32).0;
        let after = out.get_pixel((d.x * 2.0) as u32, (d.y * 2.0) as u32).0;
        assert!(
            dist(before, d.colour) < 20.0,
            "spot drawn at {},{}",
            d.x,
            d.y
        );
        assert!(dist(after, d.colour) > 80.0, "spot left at {},{}", d.x, d.y);
    }
}

#[test]
fn the_double_paints_the_reference_face() {
    let reference = original(FixtureId::ReferenceFace);
    let out = face_painted(FixtureId::ModelPhoto, &reference, 896, 1184);
    let face = FixtureId::ModelPhoto.scene().face.unwrap();
    let skin = FixtureId::ReferenceFace.scene().face.unwrap().skin;
    let k = 896.0 / 450.0;
    let cheek = out.get_pixel(
        ((face.x + face.w * 0.25) * k) as u32,
        ((face.y + face.h * 0.6) * k) as u32,
    );
    assert!(dist(cheek.0, skin) < 25.0, "{cheek:?}");
    assert!(check_edited_photo((450, 600), &out).is_ok());
    let images = [reference, original(FixtureId::ModelPhoto)];
    assert!(edit_for_prompt(&images, "用图1的脸替换图2的脸", 896, 1184, (0, 0)).is_some());
}

#[test]
fn fixtures_are_recognised_after_reencoding() {
    for id in FixtureId::ALL {
        assert_eq!(identify_bytes(&id.png_bytes()), Some(id));
        let img = original(id);
        let small = img.resize(
            img.width() * 2 / 3,
            img.height() * 2 / 3,
            image::imageops::Triangle,
        );
        let mut jpeg = std::io::Cursor::new(Vec::new());
        small
            .to_rgb8()
            .write_to(&mut jpeg, image::ImageFormat::Jpeg)
            .unwrap();
        assert_eq!(identify_bytes(jpeg.get_ref()), Some(id), "{}", id.name());
    }
    let other = DynamicImage::ImageRgb8(RgbImage::from_pixel(600, 450, image::Rgb([90, 20, 200])));
    assert_eq!(
        aigc_studio::imaging::ai::double_edits::identify(&other),
        None
    );
}

#[test]
fn the_gate_refuses_clearly_wrong_outputs() {
    let key = [0, 255, 0];
    let all_key = RgbImage::from_pixel(1184, 896, image::Rgb(key));
    let err = check_cutout(&alpha_from_key(&all_key, key), key_presence(&all_key, key));
    assert_eq!(err.unwrap_err().code(), "no_product");

    let no_key = model_output(FixtureId::DarkProduct, [0, 0, 255], (0, 0));
    let err = check_cutout(&alpha_from_key(&no_key, key), key_presence(&no_key, key));
    let err = err.unwrap_err();
    assert_eq!(err.code(), "key_color_missing");
    assert!(err.to_string().contains("背景"));

    let good = model_output(FixtureId::DarkProduct, key, (0, 0));
    assert!(check_cutout(&alpha_from_key(&good, key), key_presence(&good, key)).is_ok());
    assert_eq!(
        check_cutout_stats(0.99, 1.0).unwrap_err().code(),
        "mask_covers_all"
    );

    let blank = RgbImage::from_pixel(1024, 768, image::Rgb([255, 255, 255]));
    assert_eq!(
        check_edited_photo((640, 480), &blank).unwrap_err().code(),
        "blank_output"
    );
    let squeezed = defects_removed(FixtureId::DefectPhoto, 1024, 1024, (0, 0));
    assert_eq!(
        check_edited_photo((640, 480), &squeezed)
            .unwrap_err()
            .code(),
        "wrong_aspect"
    );
}

#[test]
fn a_mismatched_output_falls_back_to_the_models_pixels() {
    let orig = original(FixtureId::GreenProduct);
    let key = choose_key_color(&orig);
    // The dark product's output is not a picture of the green bottle.
    let out = model_output(FixtureId::DarkProduct, key, (0, 0));
    let result = cutout(&orig, &out, key, false);
    assert!(!result.used_original_pixels, "{:?}", result.alignment);
    assert_eq!(result.image.dimensions(), (600, 450));
    let truth = FixtureId::DarkProduct.truth_alpha();
    assert!(iou(&alpha_of(&result.image), &truth) >= 0.97);
}
