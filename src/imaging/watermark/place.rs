//! Where a mark goes and how it is blended into the picture.

use image::{DynamicImage, RgbaImage};

use super::WatermarkPosition;

/// Top-left corners (may be negative or run past the edge for tiles) of every copy of a
/// `mark_w` x `mark_h` mark on a `width` x `height` picture.
pub(crate) fn positions(
    position: WatermarkPosition,
    (width, height): (u32, u32),
    (mark_w, mark_h): (u32, u32),
    margin: u32,
) -> Vec<(i64, i64)> {
    let (w, h, mw, mh, m) = (
        i64::from(width),
        i64::from(height),
        i64::from(mark_w),
        i64::from(mark_h),
        i64::from(margin),
    );
    let right = (w - m - mw).max(0);
    let bottom = (h - m - mh).max(0);
    match position {
        WatermarkPosition::TopLeft => vec![(m.min(right), m.min(bottom))],
        WatermarkPosition::TopRight => vec![(right, m.min(bottom))],
        WatermarkPosition::BottomLeft => vec![(m.min(right), bottom)],
        WatermarkPosition::BottomRight => vec![(right, bottom)],
        WatermarkPosition::Center => vec![((w - mw).max(0) / 2, (h - mh).max(0) / 2)],
        WatermarkPosition::Tile => tile_positions(w, h, mw, mh, m),
    }
}

/// A grid covering the whole picture, every other row shifted by half a step so the marks
/// read as a pattern rather than columns. The gap between marks is as large as the mark's
/// height (at least the margin), which keeps the product visible between them.
fn tile_positions(w: i64, h: i64, mw: i64, mh: i64, m: i64) -> Vec<(i64, i64)> {
    let gap = mh.max(m).max(1);
    let (step_x, step_y) = (mw + gap, mh + gap);
    let mut out = Vec::new();
    let mut y = m;
    let mut row = 0;
    while y < h {
        let mut x = if row % 2 == 1 { m - step_x / 2 } else { m };
        while x < w {
            out.push((x, y));
            x += step_x;
        }
        y += step_y;
        row += 1;
    }
    out
}

/// Blends `mark` (straight alpha) over `base` at `(x, y)`, clipped to the picture. `base` is
/// RGB8 or RGBA8; anything else is converted to RGBA8 first.
pub(crate) fn stamp(base: &mut DynamicImage, mark: &RgbaImage, x: i64, y: i64) {
    match base {
        DynamicImage::ImageRgb8(buf) => {
            let (w, h) = buf.dimensions();
            blend_rows(buf.as_mut(), 3, (w, h), mark, x, y);
        }
        DynamicImage::ImageRgba8(buf) => {
            let (w, h) = buf.dimensions();
            blend_rows(buf.as_mut(), 4, (w, h), mark, x, y);
        }
        other => {
            let mut rgba = DynamicImage::ImageRgba8(other.to_rgba8());
            stamp(&mut rgba, mark, x, y);
            *other = rgba;
        }
    }
}

fn blend_rows(
    pixels: &mut [u8],
    channels: usize,
    (width, height): (u32, u32),
    mark: &RgbaImage,
    x: i64,
    y: i64,
) {
    let x0 = x.max(0);
    let x1 = (x + i64::from(mark.width())).min(i64::from(width));
    let y0 = y.max(0);
    let y1 = (y + i64::from(mark.height())).min(i64::from(height));
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let stride = width as usize * channels;
    for py in y0..y1 {
        let mark_row = mark.as_raw();
        let my = (py - y) as usize;
        let row_start = my * mark.width() as usize * 4;
        for px in x0..x1 {
            let mx = (px - x) as usize;
            let src = &mark_row[row_start + mx * 4..row_start + mx * 4 + 4];
            if src[3] == 0 {
                continue;
            }
            let at = py as usize * stride + px as usize * channels;
            blend_pixel(&mut pixels[at..at + channels], src);
        }
    }
}

/// Source-over compositing in 8-bit integers; the destination's alpha (if any) grows as
/// `a + b (1 - a)`, so a mark on a transparent area of a PNG shows, with its own opacity.
fn blend_pixel(dst: &mut [u8], src: &[u8]) {
    let a = u32::from(src[3]);
    if dst.len() == 3 {
        for c in 0..3 {
            let v = u32::from(src[c]) * a + u32::from(dst[c]) * (255 - a);
            dst[c] = ((v + 127) / 255) as u8;
        }
        return;
    }
    let b = u32::from(dst[3]);
    let out_a = a * 255 + b * (255 - a); // scaled by 255
    if out_a == 0 {
        return;
    }
    for c in 0..3 {
        let v = u32::from(src[c]) * a * 255 + u32::from(dst[c]) * b * (255 - a);
        dst[c] = ((v + out_a / 2) / out_a) as u8;
    }
    dst[3] = ((out_a + 127) / 255) as u8;
}
