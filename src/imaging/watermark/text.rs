//! Drawing watermark text into a small RGBA picture, which is then stamped like an image mark.
//!
//! swash shapes each line (kerning, ligatures, the right glyph forms) and rasterises the glyph
//! outlines with anti-aliasing.

use image::RgbaImage;
use swash::scale::{Render, ScaleContext, Source};
use swash::shape::ShapeContext;
use swash::zeno::{Format, Vector};
use swash::FontRef;

/// One glyph of a shaped line: its id and pen position (x from the line start).
struct Placed {
    id: u16,
    x: f32,
}

/// Renders `text` (lines split at `\n`) at `px` pixels per em in `color`, with alpha holding
/// the anti-aliased coverage. Returns `None` when nothing visible would be drawn.
///
/// Characters the font lacks come out of shaping as glyph 0 ("notdef"); they are left out,
/// keeping their advance so the words around them do not run together, and logged. They are
/// never an error: an operator's stray emoji must not fail a batch of two hundred photos.
pub(crate) fn render_text(
    font: FontRef<'_>,
    text: &str,
    px: f32,
    color: [u8; 3],
) -> Option<RgbaImage> {
    let px = px.max(1.0);
    let metrics = font.metrics(&[]).scale(px);
    let (ascent, descent) = (metrics.ascent.ceil(), metrics.descent.abs().ceil());
    let line_height = ascent + descent + metrics.leading.max(0.0).round();

    let mut shaper = ShapeContext::new();
    let lines: Vec<(Vec<Placed>, f32)> = text
        .lines()
        .map(|line| shape_line(&mut shaper, font, px, line))
        .collect();
    let width = lines.iter().map(|(_, w)| *w).fold(0.0f32, f32::max).ceil() as u32 + 2;
    let height = (line_height * lines.len() as f32).ceil() as u32 + 2;
    if width <= 2 || height <= 2 {
        return None;
    }

    let mut coverage = Coverage {
        width,
        height,
        alpha: vec![0u8; (width * height) as usize],
    };
    let mut missing = 0usize;
    let mut context = ScaleContext::new();
    let mut scaler = context.builder(font).size(px).hint(false).build();
    for (index, (glyphs, _)) in lines.iter().enumerate() {
        let baseline = 1.0 + ascent + line_height * index as f32;
        missing += draw_line(&mut scaler, glyphs, baseline, &mut coverage);
    }
    if missing > 0 {
        tracing::debug!(
            missing,
            "watermark characters missing from the font were skipped"
        );
    }
    coverage.any().then(|| coverage.colorize(color))
}

/// Rasterises the glyphs of one line; returns how many had to be skipped as missing.
fn draw_line(
    scaler: &mut swash::scale::Scaler<'_>,
    glyphs: &[Placed],
    baseline: f32,
    coverage: &mut Coverage,
) -> usize {
    let mut missing = 0;
    for glyph in glyphs {
        if glyph.id == 0 {
            missing += 1;
            continue;
        }
        // Whole pixels by placement, the fraction by the rasteriser: no jitter between glyphs.
        let (x, fraction) = (1.0 + glyph.x.floor(), glyph.x.fract());
        let image = Render::new(&[Source::Outline])
            .format(Format::Alpha)
            .offset(Vector::new(fraction, 0.0))
            .render(scaler, glyph.id);
        if let Some(image) = image {
            coverage.add(&image, x as i64, baseline as i64);
        }
    }
    missing
}

/// Shapes one line; returns its glyphs and its advance width.
fn shape_line(
    context: &mut ShapeContext,
    font: FontRef<'_>,
    px: f32,
    line: &str,
) -> (Vec<Placed>, f32) {
    let mut shaper = context.builder(font).size(px).build();
    shaper.add_str(line);
    let mut glyphs = Vec::new();
    let mut pen = 0.0f32;
    shaper.shape_with(|cluster| {
        for glyph in cluster.glyphs {
            glyphs.push(Placed {
                id: glyph.id,
                x: pen + glyph.x,
            });
            pen += glyph.advance;
        }
    });
    (glyphs, pen)
}

/// The anti-aliased alpha of the whole text block.
struct Coverage {
    width: u32,
    height: u32,
    alpha: Vec<u8>,
}

impl Coverage {
    /// Adds a rendered glyph whose origin is at `(x, baseline)`; overlapping glyphs keep the
    /// larger coverage instead of adding up into dark seams.
    fn add(&mut self, glyph: &swash::scale::image::Image, x: i64, baseline: i64) {
        let p = glyph.placement;
        let (left, top) = (x + i64::from(p.left), baseline - i64::from(p.top));
        for row in 0..p.height as usize {
            let y = top + row as i64;
            if y < 0 || y >= i64::from(self.height) {
                continue;
            }
            for col in 0..p.width as usize {
                let gx = left + col as i64;
                if gx < 0 || gx >= i64::from(self.width) {
                    continue;
                }
                let value = glyph.data[row * p.width as usize + col];
                let cell = &mut self.alpha[y as usize * self.width as usize + gx as usize];
                *cell = (*cell).max(value);
            }
        }
    }

    fn any(&self) -> bool {
        self.alpha.iter().any(|&a| a > 0)
    }

    fn colorize(&self, [r, g, b]: [u8; 3]) -> RgbaImage {
        let raw = self.alpha.iter().flat_map(|&a| [r, g, b, a]).collect();
        RgbaImage::from_raw(self.width, self.height, raw)
            .unwrap_or_else(|| RgbaImage::new(self.width, self.height))
    }
}
