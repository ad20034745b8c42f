//! Lining the model's output up with the upload.
//!
//! The model returns about one megapixel at roughly the upload's aspect ratio, with the content
//! moved by a few pixels and sometimes scaled by a percent or two. The mapping from output to
//! upload coordinates starts from the size ratio and is refined by matching.
//!
//! What is matched: the model's product composited on the upload's own background colour (a
//! "synthetic upload") against the upload itself. Both then have the same kind of edge around
//! the product, even for a white product on a near-white backdrop, where the key-colour output
//! would have a strong edge the upload lacks. The comparison is the normalised correlation of
//! luma gradients over the product's neighbourhood, which ignores changes of brightness and
//! contrast the model may have made. A coarse search (a quarter of the working resolution) tries
//! a few scales and wide shifts; a fine one refines the shift to a fraction of a pixel.

use image::{DynamicImage, GrayImage, RgbImage};

use super::grad::{Grads, Rect};
use super::key::border_median;
use super::matte::decontaminate;
use super::plane::{AxisMap, Plane};

/// Below this correlation the model's output is not trusted to line up with the upload.
pub const AGREEMENT_MIN_SCORE: f32 = 0.5;

/// Longer side of the fine matching resolution (smaller uploads are matched at their own size).
const FINE_SIDE: f64 = 640.0;
/// Shifts searched, as a fraction of the upload's longer side.
const MAX_SHIFT_FRACTION: f64 = 0.04;
/// Uniform scale corrections tried on top of the size ratio.
const SCALES: [f64; 7] = [0.97, 0.98, 0.99, 1.0, 1.01, 1.02, 1.03];
/// Shifts (coarse pixels) tried around the first estimate for each scale candidate.
const SCALE_RADIUS: i64 = 2;
/// Shifts (fine pixels) tried around the coarse estimate.
const FINE_RADIUS: i64 = 2;

/// Output-to-upload mapping: `x_upload = scale_x * x_output + dx` (and the same for y), in
/// pixel coordinates where pixel `i` covers `[i, i + 1)`. `score` is the gradient correlation
/// (-1..=1) at that mapping; 0 when nothing could be matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alignment {
    pub scale_x: f64,
    pub scale_y: f64,
    pub dx: f64,
    pub dy: f64,
    pub score: f32,
}

impl Alignment {
    /// The plain size ratio: the whole output stretched onto the whole upload.
    pub fn from_sizes(upload: (u32, u32), output: (u32, u32)) -> Self {
        Self {
            scale_x: f64::from(upload.0) / f64::from(output.0.max(1)),
            scale_y: f64::from(upload.1) / f64::from(output.1.max(1)),
            dx: 0.0,
            dy: 0.0,
            score: 0.0,
        }
    }

    /// The mapping scaled by `k` (into a frame `k` times the upload's size).
    pub(crate) fn axis_maps(&self, k: f64) -> (AxisMap, AxisMap) {
        let axis = |scale: f64, offset: f64| AxisMap {
            scale: scale * k,
            offset: offset * k,
        };
        (axis(self.scale_x, self.dx), axis(self.scale_y, self.dy))
    }

    fn shifted(self, tx: f64, ty: f64) -> Self {
        Self {
            dx: self.dx + tx,
            dy: self.dy + ty,
            ..self
        }
    }
}

/// Whether the output lines up well enough to take the product's pixels from the upload.
pub fn agrees(alignment: &Alignment) -> bool {
    alignment.score >= AGREEMENT_MIN_SCORE
}

/// Estimates the output-to-upload mapping. `alpha` is the product's alpha in the output's frame
/// (from [`super::alpha_from_key`]); with an empty alpha the size ratio is returned, score 0.
pub fn estimate_alignment(
    original: &DynamicImage,
    model_output: &RgbImage,
    alpha: &GrayImage,
) -> Alignment {
    let (ow, oh) = (original.width(), original.height());
    let base = Alignment::from_sizes((ow, oh), model_output.dimensions());
    if ow < 8 || oh < 8 || alpha.dimensions() != model_output.dimensions() {
        return base;
    }
    let upload = flatten_rgb(original);
    let synth = synthetic_luma(model_output, alpha, border_median(&upload));
    let alpha = Plane::from_gray(alpha);
    let luma = Plane::luma(&upload);

    let k_fine = (FINE_SIDE / f64::from(ow.max(oh))).min(1.0);
    let k_coarse = k_fine / 4.0;
    let Some(centre) = product_centre(&alpha, &base) else {
        return base;
    };
    let frame = Frame::new(base, k_fine, scaled_size(&luma, k_fine), &synth, &alpha);

    let coarse = Matcher::new(&luma, k_coarse, &frame);
    let radius = (MAX_SHIFT_FRACTION * f64::from(ow.max(oh)) * k_coarse).ceil() as i64 + 1;
    let Some(rough) = coarse_search(&coarse, &base, centre, radius) else {
        return base;
    };
    let fine = Matcher::new(&luma, k_fine, &frame);
    match fine.best_shift(&rough, FINE_RADIUS) {
        Some(m) => Alignment {
            score: m.score,
            ..rough.shifted(m.tx / k_fine, m.ty / k_fine)
        },
        None => base,
    }
}

/// The shift at the plain size ratio over the whole window, then each scale candidate
/// (pivoting on the product's centre) around that shift; the best of them.
fn coarse_search(
    coarse: &Matcher<'_>,
    base: &Alignment,
    centre: (f64, f64),
    radius: i64,
) -> Option<Alignment> {
    let k = coarse.k;
    let first = coarse.best_shift(base, radius)?;
    let (tx, ty) = (first.tx.round() / k, first.ty.round() / k);
    let mut best = (base.shifted(first.tx / k, first.ty / k), first.score);
    for s in SCALES.into_iter().filter(|&s| s != 1.0) {
        let candidate = Alignment {
            scale_x: base.scale_x * s,
            scale_y: base.scale_y * s,
            dx: (1.0 - s) * centre.0 + tx,
            dy: (1.0 - s) * centre.1 + ty,
            score: 0.0,
        };
        if let Some(m) = coarse.best_shift(&candidate, SCALE_RADIUS) {
            if m.score > best.1 {
                best = (candidate.shifted(m.tx / k, m.ty / k), m.score);
            }
        }
    }
    Some(best.0)
}

/// The upload as RGB; a picture with transparency is put on white first.
pub(crate) fn flatten_rgb(img: &DynamicImage) -> RgbImage {
    match img {
        DynamicImage::ImageRgb8(rgb) => rgb.clone(),
        other if other.color().has_alpha() => {
            crate::imaging::encode::flatten(&other.to_rgba8(), [255, 255, 255])
        }
        other => other.to_rgb8(),
    }
}

/// Luma of the model's product composited on the upload's background colour, in the output's
/// frame.
fn synthetic_luma(model_output: &RgbImage, alpha: &GrayImage, upload_bg: [u8; 3]) -> Plane {
    let backdrop = mean_where_transparent(model_output, alpha);
    let fg = decontaminate(model_output, alpha, backdrop);
    let luma =
        |p: [u8; 3]| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
    let bg = luma(upload_bg);
    let data = fg
        .pixels()
        .map(|p| {
            let a = f32::from(p.0[3]) / 255.0;
            a * luma([p.0[0], p.0[1], p.0[2]]) + (1.0 - a) * bg
        })
        .collect();
    Plane {
        width: fg.width() as usize,
        height: fg.height() as usize,
        data,
    }
}

/// Mean colour of the fully transparent pixels: the backdrop the model painted.
fn mean_where_transparent(rgb: &RgbImage, alpha: &GrayImage) -> [u8; 3] {
    let (mut sum, mut n) = ([0u64; 3], 0u64);
    for (p, a) in rgb.pixels().zip(alpha.pixels()) {
        if a.0[0] == 0 {
            (0..3).for_each(|c| sum[c] += u64::from(p.0[c]));
            n += 1;
        }
    }
    sum.map(|s| (s / n.max(1)) as u8)
}

/// Centre of the product's bounding box in upload coordinates under `base`.
fn product_centre(alpha: &Plane, base: &Alignment) -> Option<(f64, f64)> {
    let rect = Rect::of_mask(alpha, 0.5)?;
    let cx = (rect.x0 + rect.x1) as f64 / 2.0 * base.scale_x + base.dx;
    let cy = (rect.y0 + rect.y1) as f64 / 2.0 * base.scale_y + base.dy;
    Some((cx, cy))
}

/// The synthetic upload and the product's alpha, already in the fine frame under `base`.
struct Frame {
    base: Alignment,
    k: f64,
    synth: Plane,
    alpha: Plane,
}

impl Frame {
    /// Shrinks the output once into the fine frame under the plain size ratio; every candidate
    /// mapping is then a small scale and shift of that, which is cheap to apply.
    fn new(base: Alignment, k: f64, (w, h): (usize, usize), synth: &Plane, alpha: &Plane) -> Self {
        let (mx, my) = base.axis_maps(k);
        Self {
            base,
            k,
            synth: synth.warp(w, h, mx, my),
            alpha: alpha.warp(w, h, mx, my),
        }
    }

    /// The axis maps from this frame into a frame `k` times the upload's size that realise
    /// `mapping` (which must share the base's aspect).
    fn maps_to(&self, mapping: &Alignment, k: f64) -> (AxisMap, AxisMap) {
        let axis = |scale: f64, base: f64, offset: f64| AxisMap {
            scale: scale / base * k / self.k,
            offset: offset * k,
        };
        (
            axis(mapping.scale_x, self.base.scale_x, mapping.dx),
            axis(mapping.scale_y, self.base.scale_y, mapping.dy),
        )
    }
}

/// The upload's gradients at one resolution, and the synthetic upload to match against them.
struct Matcher<'a> {
    k: f64,
    upload: Grads,
    frame: &'a Frame,
}

struct Match {
    tx: f64,
    ty: f64,
    score: f32,
}

impl<'a> Matcher<'a> {
    fn new(luma: &Plane, k: f64, frame: &'a Frame) -> Self {
        let (w, h) = scaled_size(luma, k);
        let map = AxisMap {
            scale: k,
            offset: 0.0,
        };
        let upload = Grads::of(&luma.warp(w, h, map, map));
        Self { k, upload, frame }
    }

    /// The best shift (in this resolution's pixels) of the synthetic upload under `mapping`.
    fn best_shift(&self, mapping: &Alignment, radius: i64) -> Option<Match> {
        let (w, h) = (self.upload.width, self.upload.height);
        let (mx, my) = self.frame.maps_to(mapping, self.k);
        let alpha = self.frame.alpha.warp(w, h, mx, my);
        let rect = Rect::of_mask(&alpha, 0.05)?.grown(3, w, h);
        let synth = Grads::of(&self.frame.synth.warp(w, h, mx, my));
        let scores = self.upload.correlations(&synth, rect, radius);
        let (tx, ty, score) = scores.peak()?;
        let (sx, sy) = scores.subpixel(tx, ty);
        Some(Match {
            tx: tx as f64 + sx,
            ty: ty as f64 + sy,
            score,
        })
    }
}

fn scaled_size(p: &Plane, k: f64) -> (usize, usize) {
    let s = |v: usize| ((v as f64 * k).round() as usize).max(1);
    (s(p.width), s(p.height))
}
