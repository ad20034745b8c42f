//! Benchmark driver for `scripts/bench-imaging.sh`, which compares the product's imaging code
//! with libvips and ImageMagick on the same generated photos. Build it in release mode:
//!
//! ```text
//! bench_imaging generate DIR                  photo_12mp.jpg, photo_2mp.jpg, mark.png and,
//!                                             for the other tools, pre-sized marks + geometry
//! bench_imaging run OP INPUT OUTPUT MARK      one operation, once (timed from outside)
//! bench_imaging loop OP INPUT MARK RUNS       RUNS times in this process; prints the median ms
//! ```
//!
//! OP is one of `fit1200` (fit into 1200x1200 on white), `cover400` (400x400 centre crop),
//! `canvas800` (the picture at 80% on an 800x800 white canvas), `watermark` (image mark, 20% of
//! the width, 50% opacity, bottom right, full size). Every result is a quality-90 JPEG.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use aigc_studio::imaging::{
    decode_for_target, encode, place_on_canvas, resize, watermark, FitMode, FontSource,
    FormatChoice, Limits, OutputFormat, ResizeSpec, WatermarkMark, WatermarkPosition,
    WatermarkSpec, DEFAULT_JPEG_QUALITY,
};
use anyhow::{bail, Context, Result};
use image::{DynamicImage, Rgb, RgbImage, Rgba, RgbaImage};

const WHITE: [u8; 3] = [255, 255, 255];
const SIZES: [(&str, u32, u32); 2] = [("12mp", 4000, 3000), ("2mp", 1732, 1155)];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", dir] => generate(Path::new(dir)),
        ["run", op, input, output, mark] => {
            let bytes = run_op(op, &std::fs::read(input)?, &std::fs::read(mark)?)?;
            std::fs::write(output, bytes)?;
            Ok(())
        }
        ["loop", op, input, mark, runs] => {
            let (input, mark) = (std::fs::read(input)?, std::fs::read(mark)?);
            let mut times = Vec::new();
            for _ in 0..runs.parse::<usize>()? {
                let start = Instant::now();
                run_op(op, &input, &mark)?;
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            println!("{:.1}", times[times.len() / 2]);
            Ok(())
        }
        _ => bail!("usage: bench_imaging generate DIR | run OP IN OUT MARK | loop OP IN MARK N"),
    }
}

/// One benchmark operation on an in-memory JPEG; returns the encoded result.
fn run_op(op: &str, input: &[u8], mark: &[u8]) -> Result<Vec<u8>> {
    let limits = Limits::default();
    let box_spec = |size, mode| ResizeSpec {
        width: size,
        height: size,
        mode,
        format: FormatChoice::Jpg,
        background: WHITE,
    };
    let encoded = match op {
        "fit1200" => resize(input, &box_spec(1200, FitMode::Contain), &limits)?,
        "cover400" => resize(input, &box_spec(400, FitMode::Cover), &limits)?,
        "canvas800" => {
            let img = decode_for_target(input, &limits, 640, 640, FitMode::Contain)?;
            let canvas = place_on_canvas(&img, 800, 800, 0.8, WHITE);
            encode(&canvas, OutputFormat::Jpeg, DEFAULT_JPEG_QUALITY)?
        }
        "watermark" => {
            let spec = WatermarkSpec {
                mark: WatermarkMark::Image {
                    png_bytes: mark.to_vec(),
                },
                position: WatermarkPosition::BottomRight,
                size: 0.2,
                opacity: 0.5,
                margin: 0.03,
            };
            watermark(input, &spec, &FontSource::system(), &limits)?
        }
        other => bail!("unknown operation {other}"),
    };
    Ok(encoded.bytes)
}

/// Writes the test photos, the mark, and for each photo a mark already sized and faded for
/// the tools that cannot do it themselves in one command, plus where it goes.
fn generate(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let mark = logo(600, 240);
    mark.save(dir.join("mark.png"))?;
    let mut geometry = String::new();
    for (name, width, height) in SIZES {
        let photo = product_photo(width, height);
        std::fs::write(dir.join(format!("photo_{name}.jpg")), camera_jpeg(&photo)?)?;

        let mark_w = (width as f32 * 0.2).round() as u32;
        let mark_h = (mark_w as f32 * 240.0 / 600.0).round() as u32;
        let margin = (width as f32 * 0.03).round() as u32;
        let mut sized = DynamicImage::ImageRgba8(mark.clone())
            .resize_exact(mark_w, mark_h, image::imageops::FilterType::Lanczos3)
            .to_rgba8();
        sized
            .pixels_mut()
            .for_each(|p| p[3] = (u16::from(p[3]) / 2) as u8);
        sized.save(mark_path(dir, name))?;
        let (x, y) = (width - margin - mark_w, height - margin - mark_h);
        geometry.push_str(&format!("{name} {width} {height} {x} {y} {margin}\n"));
    }
    std::fs::write(dir.join("geometry.txt"), geometry)?;
    Ok(())
}

fn mark_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("mark_{name}.png"))
}

/// A studio-like product shot: a soft background gradient, a shaded object, some printed
/// detail and sensor noise, so the JPEG holds about as much detail as a real photo does.
fn product_photo(width: u32, height: u32) -> RgbImage {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let (cx, cy) = (width as f32 / 2.0, height as f32 * 0.55);
    let (rx, ry) = (width as f32 * 0.28, height as f32 * 0.32);
    RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed % 13) as f32 - 6.0;
        let (fx, fy) = (x as f32, y as f32);
        let d = ((fx - cx) / rx).powi(2) + ((fy - cy) / ry).powi(2);
        let base = if d < 1.0 {
            let shade = 1.0 - 0.45 * d + 0.15 * ((fx / 37.0).sin() * (fy / 23.0).cos());
            let stripe = if (x / 24 + y / 24) % 9 == 0 { 0.6 } else { 1.0 };
            [200.0 * shade * stripe, 90.0 * shade, 60.0 * shade * stripe]
        } else {
            let g = 235.0 - 40.0 * fy / height as f32 + 10.0 * (fx / width as f32);
            [g, g - 3.0, g - 8.0]
        };
        Rgb(base.map(|v| (v + noise).clamp(0.0, 255.0) as u8))
    })
}

/// JPEG the way cameras write it: quality 92, chroma 4:2:0.
fn camera_jpeg(img: &RgbImage) -> Result<Vec<u8>> {
    let image = turbojpeg::Image {
        pixels: img.as_raw().as_slice(),
        width: img.width() as usize,
        pitch: img.width() as usize * 3,
        height: img.height() as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    let jpeg = turbojpeg::compress(image, 92, turbojpeg::Subsamp::Sub2x2).context("compress")?;
    Ok(jpeg.to_vec())
}

/// A shop logo: an opaque rounded badge with soft edges on transparency.
fn logo(width: u32, height: u32) -> RgbaImage {
    let r = height as f32 * 0.3;
    RgbaImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        let qx = (fx - width as f32 / 2.0).abs() - (width as f32 / 2.0 - r - 4.0);
        let qy = (fy - height as f32 / 2.0).abs() - (height as f32 / 2.0 - r - 4.0);
        let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt() - r;
        let alpha = (0.5 - outside).clamp(0.0, 1.0);
        let band = if (x / 40) % 2 == 0 {
            [250, 250, 250]
        } else {
            [20, 90, 200]
        };
        Rgba([band[0], band[1], band[2], (alpha * 255.0) as u8])
    })
}
