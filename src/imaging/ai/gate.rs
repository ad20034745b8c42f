//! The quality gate: model outputs that are clearly wrong are refused, never delivered.
//!
//! The caller retries a refused output once (another seed, for a cut-out another key colour)
//! and then fails the task with [`GateFailure`]'s message, which is written for the operator.

use image::{GrayImage, RgbImage};

/// Less than this share of the canvas covered: no product was found.
pub const MIN_COVERAGE: f32 = 0.005;
/// More than this share covered: the model did not paint a backdrop.
pub const MAX_COVERAGE: f32 = 0.97;
/// Less than this share of the output's border near the key: the key colour is missing.
pub const MIN_KEY_PRESENCE: f32 = 0.3;
/// An output whose luma varies less than this (standard deviation, 0..=255) is blank.
const BLANK_SPREAD: f32 = 2.0;
/// Aspect ratios further apart than this (relative) mean the model reframed the picture.
const MAX_ASPECT_DRIFT: f64 = 0.12;

/// Why a model output was refused. `code` is stable for programs, the message is for people.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GateFailure {
    #[error("模型输出中没有识别到商品（商品面积仅占 {:.1}%）", coverage * 100.0)]
    NoProduct { coverage: f32 },
    #[error("模型没有生成纯色背景，抠图几乎覆盖整张图（{:.1}%）", coverage * 100.0)]
    MaskCoversAll { coverage: f32 },
    #[error("模型输出的背景不是要求的纯色（边缘只有 {:.0}% 是背景色）", presence * 100.0)]
    KeyColorMissing { presence: f32 },
    #[error("模型输出是一张空白图片")]
    BlankOutput,
    #[error("模型输出的画面比例与原图不符（{output:.2} 对比原图 {original:.2}）")]
    WrongAspect { original: f64, output: f64 },
}

impl GateFailure {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoProduct { .. } => "no_product",
            Self::MaskCoversAll { .. } => "mask_covers_all",
            Self::KeyColorMissing { .. } => "key_color_missing",
            Self::BlankOutput => "blank_output",
            Self::WrongAspect { .. } => "wrong_aspect",
        }
    }
}

/// Checks a cut-out's mask (`alpha` from [`super::alpha_from_key`], in the output's frame) and
/// the key's presence on the output's border (from [`super::key_presence`]).
pub fn check_cutout(alpha: &GrayImage, key_presence: f32) -> Result<(), GateFailure> {
    let n = u64::from(alpha.width()) * u64::from(alpha.height());
    let sum: u64 = alpha.as_raw().iter().map(|&a| u64::from(a)).sum();
    let coverage = (sum as f64 / 255.0 / n.max(1) as f64) as f32;
    check_cutout_stats(coverage, key_presence)
}

/// [`check_cutout`] from the numbers alone.
pub fn check_cutout_stats(coverage: f32, key_presence: f32) -> Result<(), GateFailure> {
    if key_presence < MIN_KEY_PRESENCE {
        return Err(GateFailure::KeyColorMissing {
            presence: key_presence,
        });
    }
    if coverage < MIN_COVERAGE {
        return Err(GateFailure::NoProduct { coverage });
    }
    if coverage > MAX_COVERAGE {
        return Err(GateFailure::MaskCoversAll { coverage });
    }
    Ok(())
}

/// Checks an edited photo (defect removal, face swap): not blank, and framed like the input
/// of `original` size.
pub fn check_edited_photo(
    original: (u32, u32),
    model_output: &RgbImage,
) -> Result<(), GateFailure> {
    let aspect = |(w, h): (u32, u32)| f64::from(w.max(1)) / f64::from(h.max(1));
    let (a, b) = (aspect(original), aspect(model_output.dimensions()));
    if (a / b - 1.0).abs() > MAX_ASPECT_DRIFT {
        return Err(GateFailure::WrongAspect {
            original: a,
            output: b,
        });
    }
    if luma_spread(model_output) < BLANK_SPREAD {
        return Err(GateFailure::BlankOutput);
    }
    Ok(())
}

fn luma_spread(img: &RgbImage) -> f32 {
    let luma: Vec<f64> = img
        .pixels()
        .map(|p| 0.299 * f64::from(p.0[0]) + 0.587 * f64::from(p.0[1]) + 0.114 * f64::from(p.0[2]))
        .collect();
    let n = luma.len().max(1) as f64;
    let mean = luma.iter().sum::<f64>() / n;
    (luma.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt() as f32
}
