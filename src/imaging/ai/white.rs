//! The `crop_white_bg` result: the cut-out product centred on pure white at a set fill.

use image::{DynamicImage, RgbImage, RgbaImage};

use crate::imaging::encode::flatten;
use crate::imaging::resize::scale_to;

/// Alpha from which a pixel counts as part of the product when measuring its extent: the
/// product's visible outline is where it is at least half opaque. Fainter edge pixels are
/// still drawn, just outside the measured box.
pub const EXTENT_ALPHA: u8 = 128;
/// Pixels farther than this from the measured box are dropped before scaling, so a stray
/// faint speck can never reach the white border.
const EXTENT_SLACK: u32 = 2;

/// Puts the product of `cutout` on an exactly white `width` x `height` canvas: its bounding box
/// (alpha >= [`EXTENT_ALPHA`]) scaled to fit inside `fill * width` by `fill * height`, centred.
/// `fill` is clamped to 0.05..=1. Edges are blended with white; every pixel away from the
/// product is exactly 255, 255, 255. A cut-out without product gives a blank white canvas.
pub fn white_background(cutout: &RgbaImage, width: u32, height: u32, fill: f32) -> RgbImage {
    let (width, height) = (width.max(1), height.max(1));
    let fill = if fill.is_finite() {
        fill.clamp(0.05, 1.0)
    } else {
        0.8
    };
    let mut canvas = RgbaImage::new(width, height);
    let Some((x0, y0, x1, y1)) = alpha_bbox(cutout, EXTENT_ALPHA) else {
        return flatten(&canvas, [255, 255, 255]);
    };
    let (bw, bh) = (f64::from(x1 - x0), f64::from(y1 - y0));
    let scale =
        (f64::from(fill) * f64::from(width) / bw).min(f64::from(fill) * f64::from(height) / bh);

    let (cx0, cy0) = (
        x0.saturating_sub(EXTENT_SLACK),
        y0.saturating_sub(EXTENT_SLACK),
    );
    let cx1 = (x1 + EXTENT_SLACK).min(cutout.width());
    let cy1 = (y1 + EXTENT_SLACK).min(cutout.height());
    let crop = image::imageops::crop_imm(cutout, cx0, cy0, cx1 - cx0, cy1 - cy0).to_image();
    let sw = ((f64::from(crop.width()) * scale).round() as u32).max(1);
    let sh = ((f64::from(crop.height()) * scale).round() as u32).max(1);
    let scaled = scale_to(&DynamicImage::ImageRgba8(crop), sw, sh, false).to_rgba8();

    // Where the box's centre lands, measured in the scaled crop's actual pixels.
    let (kx, ky) = (
        f64::from(sw) / f64::from(cx1 - cx0),
        f64::from(sh) / f64::from(cy1 - cy0),
    );
    let centre_x = (f64::from(x0 + x1) / 2.0 - f64::from(cx0)) * kx;
    let centre_y = (f64::from(y0 + y1) / 2.0 - f64::from(cy0)) * ky;
    let left = (f64::from(width) / 2.0 - centre_x).round() as i64;
    let top = (f64::from(height) / 2.0 - centre_y).round() as i64;
    image::imageops::overlay(&mut canvas, &scaled, left, top);
    flatten(&canvas, [255, 255, 255])
}

/// Bounding box `(x0, y0, x1, y1)`, ends exclusive, of the pixels with alpha >= `threshold`.
pub fn alpha_bbox(img: &RgbaImage, threshold: u8) -> Option<(u32, u32, u32, u32)> {
    let mut bbox: Option<(u32, u32, u32, u32)> = None;
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[3] >= threshold {
            let b = bbox.get_or_insert((x, y, x + 1, y + 1));
            *b = (b.0.min(x), b.1.min(y), b.2.max(x + 1), b.3.max(y + 1));
        }
    }
    bbox
}
