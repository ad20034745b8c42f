//! Drawing watermark text into a small RGBA picture, which is then stamped like an image mark.

use ab_glyph::{point, Font, FontArc, GlyphId, PxScale, ScaleFont};
use image::RgbaImage;

/// Renders `text` (lines split at `\n`) at `px` pixels per em in `color`, with alpha holding
/// the anti-aliased coverage. Returns `None` when nothing visible would be drawn.
///
/// Characters the font lacks are left out, with the space of half an em kept so the words
/// around them do not run together; they are logged, never an error, because an operator's
/// stray emoji must not fail a batch of two hundred photos.
pub(crate) fn render_text(
    font: &FontArc,
    text: &str,
    px: f32,
    color: [u8; 3],
) -> Option<RgbaImage> {
    let scaled = font.as_scaled(PxScale::from(px.max(1.0)));
    let line_height = (scaled.ascent() - scaled.descent() + scaled.line_gap()).ceil();
    let lines: Vec<&str> = text.lines().collect();
    let widths: Vec<f32> = lines.iter().map(|l| line_width(font, px, l)).collect();
    let width = widths.iter().copied().fold(0.0f32, f32::max).ceil() as u32 + 2;
    let height = (line_height * lines.len() as f32).ceil() as u32 + 2;
    if width <= 2 || height <= 2 {
        return None;
    }

    let mut coverage = vec![0f32; width as usize * height as usize];
    let mut missing = 0usize;
    for (index, line) in lines.iter().enumerate() {
        let baseline = 1.0 + scaled.ascent() + line_height * index as f32;
        missing += draw_line(font, px, line, baseline, width, &mut coverage);
    }
    if missing > 0 {
        tracing::debug!(
            missing,
            "watermark characters missing from the font were skipped"
        );
    }
    if coverage.iter().all(|&c| c <= 0.0) {
        return None;
    }
    Some(colorize(width, height, &coverage, color))
}

/// The id to draw for `c`, or `None` when the font has no glyph for it.
fn glyph_for(font: &FontArc, c: char) -> Option<GlyphId> {
    let id = font.glyph_id(c);
    (id.0 != 0).then_some(id)
}

fn advance(font: &FontArc, px: f32, c: char, prev: Option<GlyphId>) -> (f32, Option<GlyphId>) {
    let scaled = font.as_scaled(PxScale::from(px));
    match glyph_for(font, c) {
        Some(id) => {
            let kern = prev.map_or(0.0, |p| scaled.kern(p, id));
            (kern + scaled.h_advance(id), Some(id))
        }
        None if c.is_control() => (0.0, None),
        None => (px * 0.5, None),
    }
}

fn line_width(font: &FontArc, px: f32, line: &str) -> f32 {
    let mut prev = None;
    line.chars()
        .map(|c| {
            let (step, id) = advance(font, px, c, prev);
            prev = id;
            step
        })
        .sum()
}

/// Rasterises one line into `coverage`; returns how many characters had no glyph.
fn draw_line(
    font: &FontArc,
    px: f32,
    line: &str,
    baseline: f32,
    width: u32,
    coverage: &mut [f32],
) -> usize {
    let scaled = font.as_scaled(PxScale::from(px));
    let (mut caret, mut prev, mut missing) = (1.0f32, None, 0);
    for c in line.chars() {
        let Some(id) = glyph_for(font, c) else {
            missing += usize::from(!c.is_whitespace() && !c.is_control());
            caret += advance(font, px, c, None).0;
            prev = None;
            continue;
        };
        caret += prev.map_or(0.0, |p| scaled.kern(p, id));
        draw_glyph(
            font,
            id.with_scale_and_position(px, point(caret, baseline)),
            width,
            coverage,
        );
        caret += scaled.h_advance(id);
        prev = Some(id);
    }
    missing
}

fn draw_glyph(font: &FontArc, glyph: ab_glyph::Glyph, width: u32, coverage: &mut [f32]) {
    let Some(outline) = font.outline_glyph(glyph) else {
        return; // spaces and other blank glyphs have no outline
    };
    let height = coverage.len() / width as usize;
    let bounds = outline.px_bounds();
    outline.draw(|x, y, c| {
        let gx = bounds.min.x as i64 + i64::from(x);
        let gy = bounds.min.y as i64 + i64::from(y);
        if gx >= 0 && gy >= 0 && (gx as u32) < width && (gy as usize) < height {
            let cell = &mut coverage[gy as usize * width as usize + gx as usize];
            *cell = cell.max(c);
        }
    });
}

fn colorize(width: u32, height: u32, coverage: &[f32], [r, g, b]: [u8; 3]) -> RgbaImage {
    let mut raw = Vec::with_capacity(coverage.len() * 4);
    for &c in coverage {
        raw.extend([r, g, b, (c.clamp(0.0, 1.0) * 255.0).round() as u8]);
    }
    RgbaImage::from_raw(width, height, raw).unwrap_or_else(|| RgbaImage::new(width, height))
}
