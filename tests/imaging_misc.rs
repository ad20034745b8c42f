//! Brightness/contrast, the job pool, encoding and the error vocabulary.
#![allow(clippy::unwrap_used)]

mod imaging_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aigc_studio::imaging::{
    adjust_brightness_contrast, encode, ImagingError, ImagingPool, OutputFormat,
};
use image::{DynamicImage, RgbImage, Rgba, RgbaImage};
use imaging_support::*;

fn gradient() -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(256, 4, |x, _| image::Rgb([x as u8; 3])))
}

#[test]
fn zero_adjustment_changes_nothing() {
    let mut img = gradient();
    adjust_brightness_contrast(&mut img, 0, 0);
    assert_eq!(img, gradient());
}

#[test]
fn brightness_moves_every_value_the_same_way() {
    let mut brighter = gradient();
    adjust_brightness_contrast(&mut brighter, 50, 0);
    let mut darker = gradient();
    adjust_brightness_contrast(&mut darker, -50, 0);
    assert_eq!(rgb_at(&brighter, 100, 0), [164, 164, 164]);
    assert_eq!(rgb_at(&darker, 100, 0), [36, 36, 36]);
    assert_eq!(rgb_at(&brighter, 250, 0), [255, 255, 255], "clamped");
}

#[test]
fn contrast_spreads_or_flattens_around_mid_grey() {
    let mut more = gradient();
    adjust_brightness_contrast(&mut more, 0, 50);
    assert!(rgb_at(&more, 64, 0)[0] < 64 && rgb_at(&more, 192, 0)[0] > 192);
    let mut flat = gradient();
    adjust_brightness_contrast(&mut flat, 0, -100);
    assert_eq!(rgb_at(&flat, 0, 0), rgb_at(&flat, 255, 0));
}

#[test]
fn adjustment_leaves_alpha_alone() {
    let mut img = DynamicImage::ImageRgba8(RgbaImage::from_pixel(2, 2, Rgba([100, 100, 100, 77])));
    adjust_brightness_contrast(&mut img, 30, 30);
    assert_eq!(img.to_rgba8().get_pixel(0, 0).0[3], 77);
}

#[test]
fn encode_writes_each_format() {
    let img = DynamicImage::ImageRgba8(cutout(20, 10));
    for (format, guessed) in [
        (OutputFormat::Jpeg, image::ImageFormat::Jpeg),
        (OutputFormat::Png, image::ImageFormat::Png),
        (OutputFormat::Webp, image::ImageFormat::WebP),
    ] {
        let encoded = encode(&img, format, 85).unwrap();
        assert_eq!(format_of(&encoded.bytes), guessed);
        assert_eq!(
            (encoded.width, encoded.height, encoded.upscaled),
            (20, 10, false)
        );
    }
    let big = DynamicImage::ImageRgba8(cutout(64, 64));
    let jpeg = load(&encode(&big, OutputFormat::Jpeg, 95).unwrap().bytes);
    assert!(
        diff(rgb_at(&jpeg, 1, 1), [255, 255, 255]) <= 2,
        "alpha flattened onto white"
    );
}

/// Smooth shading with fine texture, like a product photo; a flat test card would flatter
/// any encoder.
fn photo_like(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let texture = ((x as f32 * 0.7).sin() * (y as f32 * 0.45).cos() * 12.0) as i32;
        let shade = |base: u32, span: u32| (base + span * x / width) as i32 + texture;
        let channel = |v: i32| v.clamp(0, 255) as u8;
        image::Rgb([
            channel(shade(60, 150)),
            channel(shade(90, 80) - (y * 40 / height) as i32),
            channel(shade(120, 60)),
        ])
    })
}

#[test]
fn webp_is_lossy_small_and_close_to_the_source() {
    let photo = DynamicImage::ImageRgb8(photo_like(600, 400));
    let webp = encode(&photo, OutputFormat::Webp, 90).unwrap();
    let png = encode(&photo, OutputFormat::Png, 90).unwrap();
    assert!(
        webp.bytes.len() * 4 < png.bytes.len(),
        "lossy WEBP {} bytes against lossless PNG {} bytes",
        webp.bytes.len(),
        png.bytes.len()
    );
    let back = load(&webp.bytes).to_rgb8();
    let source = photo.to_rgb8();
    let total: u64 = back
        .as_raw()
        .iter()
        .zip(source.as_raw())
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    let mean = total as f64 / source.as_raw().len() as f64;
    assert!(mean < 3.0, "mean error {mean:.2} per channel at quality 90");
}

#[test]
fn webp_keeps_alpha_exactly() {
    let cut = cutout(120, 80);
    let webp = encode(
        &DynamicImage::ImageRgba8(cut.clone()),
        OutputFormat::Webp,
        80,
    )
    .unwrap();
    let back = load(&webp.bytes).to_rgba8();
    let alpha = |img: &RgbaImage| img.pixels().map(|p| p.0[3]).collect::<Vec<u8>>();
    assert_eq!(alpha(&back), alpha(&cut));
}

#[test]
fn webp_refuses_a_side_beyond_its_limit_with_a_reason() {
    let wide = DynamicImage::ImageRgb8(RgbImage::new(16_384, 2));
    let err = encode(&wide, OutputFormat::Webp, 90).unwrap_err();
    assert!(err.to_string().contains("16383"), "{err}");
}

#[test]
fn every_error_has_a_code_and_a_chinese_message() {
    let errors = [
        ImagingError::EmptyFile,
        ImagingError::NotAnImage,
        ImagingError::UnsupportedFormat("AVIF".into()),
        ImagingError::DamagedImage("x".into()),
        ImagingError::TooManyPixels {
            pixels: 60_000_000,
            limit: 50_000_000,
        },
        ImagingError::InvalidSize {
            width: 0,
            height: 1,
        },
        ImagingError::FontMissing("x".into()),
        ImagingError::EmptyWatermarkText,
        ImagingError::BadWatermarkImage("x".into()),
        ImagingError::EncodeFailed("x".into()),
        ImagingError::Internal("x".into()),
    ];
    let mut codes = std::collections::HashSet::new();
    for err in errors {
        let code = err.code();
        assert!(
            code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{code}"
        );
        assert!(codes.insert(code), "{code} is unique");
        assert!(err
            .message_zh()
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    }
    let limit = ImagingError::TooManyPixels {
        pixels: 60_000_000,
        limit: 50_000_000,
    };
    assert!(limit.message_zh().contains("60.0") && limit.message_zh().contains("50.0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_bounds_concurrency_and_returns_results() {
    let pool = ImagingPool::new(2);
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let jobs = (0..6).map(|i| {
        let (pool, running, peak) = (pool.clone(), running.clone(), peak.clone());
        async move {
            pool.run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(30));
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(i * 2)
            })
            .await
        }
    });
    let results: Vec<_> = futures_util::future::join_all(jobs).await;
    let values: Vec<usize> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(values, vec![0, 2, 4, 6, 8, 10]);
    assert!(peak.load(Ordering::SeqCst) <= 2);
}

#[tokio::test]
async fn a_panicking_job_is_an_internal_error() {
    let pool = ImagingPool::new(1);
    let err = pool.run::<(), _>(|| panic!("boom")).await.unwrap_err();
    assert_eq!(err.code(), "imaging_internal");
    assert_eq!(
        pool.run(|| Ok(1)).await.unwrap(),
        1,
        "the pool still works afterwards"
    );
}
