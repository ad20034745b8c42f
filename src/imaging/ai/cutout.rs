//! The `crop_png` result: the product with a real alpha channel, at the upload's resolution.

use image::{DynamicImage, GrayImage, RgbImage, Rgba, RgbaImage};

use super::align::{agrees, estimate_alignment, flatten_rgb, Alignment};
use super::key::border_median;
use super::matte::{
    alpha_from_key, decontaminate, estimate_key_background, key_presence, solve_fg, to_f,
};
use super::plane::{AxisMap, Plane};

/// Trimmed cut-outs keep this fraction of the product's longer side around it.
pub const TRIM_MARGIN: f64 = 0.02;
/// Edge pixels of the upload look this far (pixels) for the backdrop they were mixed with and
/// the product colour next to them.
const SEARCH: i64 = 6;

/// A cut-out and what was learnt making it.
#[derive(Debug, Clone)]
pub struct CutoutResult {
    /// RGBA at the upload's resolution (or its trimmed part); background alpha exactly 0.
    pub image: RgbaImage,
    /// Whether the product's colours come from the upload (the output lined up with it).
    pub used_original_pixels: bool,
    pub alignment: Alignment,
    /// Mean alpha over the upload's whole canvas (0..=1), before any trim.
    pub mask_coverage: f32,
    /// Fraction of the output's border near the key (see [`super::key_presence`]).
    pub key_presence: f32,
}

impl CutoutResult {
    /// The quality gate for this cut-out (see [`super::check_cutout_stats`]).
    pub fn gate(&self) -> Result<(), super::GateFailure> {
        super::gate::check_cutout_stats(self.mask_coverage, self.key_presence)
    }
}

/// Cuts the product out of `original` using the model's key-colour output.
///
/// Alpha comes from the output's backdrop and is mapped onto the upload. Where the output
/// lines up with the upload ([`agrees`]), colours are the upload's own, exactly as photographed,
/// with edge pixels freed from the upload's backdrop; otherwise the model's decontaminated
/// colours are resized onto the upload's canvas. With `trim`, the result is cropped to the
/// product plus [`TRIM_MARGIN`]; otherwise it keeps the upload's size.
pub fn cutout(
    original: &DynamicImage,
    model_output: &RgbImage,
    key: [u8; 3],
    trim: bool,
) -> CutoutResult {
    let (w, h) = (original.width(), original.height());
    let alpha = alpha_from_key(model_output, key);
    let presence = key_presence(model_output, key);
    let alignment = estimate_alignment(original, model_output, &alpha);
    let used_original_pixels = agrees(&alignment);

    let mut image = if used_original_pixels {
        let upload_alpha = warp_gray(&alpha, &alignment, w, h);
        from_upload(&flatten_rgb(original), &upload_alpha)
    } else {
        let backdrop = estimate_key_background(model_output, key);
        let fg = decontaminate(model_output, &alpha, backdrop);
        let base = Alignment::from_sizes((w, h), model_output.dimensions());
        warp_premultiplied(&fg, &base, w, h)
    };
    let mask_coverage = coverage(&image);
    if trim {
        image = trimmed(&image);
    }
    CutoutResult {
        image,
        used_original_pixels,
        alignment,
        mask_coverage,
        key_presence: presence,
    }
}

/// `alpha` (output frame) carried onto a `w` x `h` upload through `mapping`.
pub(crate) fn warp_gray(alpha: &GrayImage, mapping: &Alignment, w: u32, h: u32) -> GrayImage {
    let (mx, my) = mapping.axis_maps(1.0);
    Plane::from_gray(alpha)
        .warp(w as usize, h as usize, mx, my)
        .to_gray()
}

/// The upload's pixels under `alpha`. An edge pixel is solved against the backdrop around it;
/// where alpha is low that solution is mostly backdrop (the mapped edge is never exact to the
/// pixel), so it is blended towards the nearby solid product colour, which keeps a halo of
/// the upload's backdrop off the cut-out.
fn from_upload(upload: &RgbImage, alpha: &GrayImage) -> RgbaImage {
    let fallback = to_f(border_median(upload));
    RgbaImage::from_fn(upload.width(), upload.height(), |x, y| {
        let a = alpha.get_pixel(x, y).0[0];
        let p = upload.get_pixel(x, y).0;
        match a {
            0 => Rgba([0, 0, 0, 0]),
            255 => Rgba([p[0], p[1], p[2], 255]),
            _ => {
                let af = f32::from(a) / 255.0;
                let near = surroundings(upload, alpha, x, y);
                let solved = to_f(solve_fg(p, af, near.backdrop.unwrap_or(fallback)));
                let trust = ((af - 0.25) / 0.5).clamp(0.0, 1.0);
                let fg = near.solid.map_or(solved, |s| {
                    std::array::from_fn(|c| trust * solved[c] + (1.0 - trust) * s[c])
                });
                let fg = fg.map(|v| v.round().clamp(0.0, 255.0) as u8);
                Rgba([fg[0], fg[1], fg[2], a])
            }
        }
    })
}

/// Mean colours of the fully transparent and of the fully opaque upload pixels near a pixel.
struct Surroundings {
    backdrop: Option<[f32; 3]>,
    solid: Option<[f32; 3]>,
}

fn surroundings(upload: &RgbImage, alpha: &GrayImage, x: u32, y: u32) -> Surroundings {
    let (w, h) = (i64::from(upload.width()), i64::from(upload.height()));
    let (cx, cy) = (i64::from(x), i64::from(y));
    let mut sums = [([0.0f32; 3], 0u32); 2];
    for yy in (cy - SEARCH).max(0)..=(cy + SEARCH).min(h - 1) {
        for xx in (cx - SEARCH).max(0)..=(cx + SEARCH).min(w - 1) {
            let slot = match alpha.get_pixel(xx as u32, yy as u32).0[0] {
                0 => 0,
                255 => 1,
                _ => continue,
            };
            let p = upload.get_pixel(xx as u32, yy as u32).0;
            (0..3).for_each(|c| sums[slot].0[c] += f32::from(p[c]));
            sums[slot].1 += 1;
        }
    }
    let mean = |(sum, n): ([f32; 3], u32)| (n > 0).then(|| sum.map(|s| s / n as f32));
    Surroundings {
        backdrop: mean(sums[0]),
        solid: mean(sums[1]),
    }
}

/// Resamples RGBA through `mapping` with colours premultiplied, so the transparent black
/// around the product never darkens its edge.
fn warp_premultiplied(fg: &RgbaImage, mapping: &Alignment, w: u32, h: u32) -> RgbaImage {
    let (mx, my): (AxisMap, AxisMap) = mapping.axis_maps(1.0);
    let (sw, sh) = (fg.width() as usize, fg.height() as usize);
    let channel = |c: usize| {
        let data = fg
            .pixels()
            .map(|p| f32::from(p.0[c]) * f32::from(p.0[3]) / 255.0)
            .collect();
        Plane {
            width: sw,
            height: sh,
            data,
        }
        .warp(w as usize, h as usize, mx, my)
    };
    let planes: [Plane; 4] = std::array::from_fn(channel);
    RgbaImage::from_fn(w, h, |x, y| {
        let i = y as usize * w as usize + x as usize;
        let a = planes[3].data[i].round().clamp(0.0, 255.0);
        if a == 0.0 {
            return Rgba([0, 0, 0, 0]);
        }
        let un = |c: usize| (planes[c].data[i] * 255.0 / a).round().clamp(0.0, 255.0) as u8;
        Rgba([un(0), un(1), un(2), a as u8])
    })
}

/// Mean alpha over the whole canvas, 0..=1.
fn coverage(img: &RgbaImage) -> f32 {
    let n = u64::from(img.width()) * u64::from(img.height());
    let sum: u64 = img.pixels().map(|p| u64::from(p.0[3])).sum();
    (sum as f64 / 255.0 / n.max(1) as f64) as f32
}

/// Cropped to the product's bounding box (any alpha) plus the trim margin, clipped to the
/// canvas. A picture without product is returned whole.
fn trimmed(img: &RgbaImage) -> RgbaImage {
    let Some((x0, y0, x1, y1)) = super::white::alpha_bbox(img, 1) else {
        return img.clone();
    };
    let longer = (x1 - x0).max(y1 - y0);
    let m = ((f64::from(longer) * TRIM_MARGIN).round() as u32).max(2);
    let (x0, y0) = (x0.saturating_sub(m), y0.saturating_sub(m));
    let (x1, y1) = ((x1 + m).min(img.width()), (y1 + m).min(img.height()));
    image::imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image()
}
