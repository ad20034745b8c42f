//! What the double "generates". The default is a deterministic, visible edit of the last input;
//! tool-specific behaviours plug in through [`EditBehaviour`].

use image::imageops::FilterType;
use image::{DynamicImage, RgbImage};

/// Everything the model would see for one output image.
pub struct EditInput<'a> {
    pub model: &'a str,
    pub images: &'a [DynamicImage],
    pub prompt: &'a str,
    pub negative_prompt: Option<&'a str>,
    pub seed: Option<u32>,
    /// Output size the double decided (from `size`, or about 1 MP at the last image's aspect).
    pub width: u32,
    pub height: u32,
    /// Which of the `n` outputs this is, from 0.
    pub index: u32,
}

/// Hook for teaching the double tool-specific edits. Output is RGB: the real model never
/// returns alpha, and a behaviour should not pretend it does.
pub trait EditBehaviour: Send + Sync + 'static {
    fn edit(&self, input: &EditInput<'_>) -> RgbImage;
}

/// The last image cropped to fill the output size, then inverted so a test can tell it was
/// edited; output `i` is also brightened by `8 * i` so the `n` outputs differ.
pub struct InvertEdit;

impl EditBehaviour for InvertEdit {
    fn edit(&self, input: &EditInput<'_>) -> RgbImage {
        let Some(last) = input.images.last() else {
            return RgbImage::new(input.width, input.height);
        };
        let filled = last.resize_to_fill(input.width, input.height, FilterType::Triangle);
        let mut rgb = filled.to_rgb8();
        let lift = (8 * input.index).min(255) as u8;
        for px in rgb.pixels_mut() {
            for c in px.0.iter_mut() {
                *c = (255 - *c).saturating_add(lift);
            }
        }
        rgb
    }
}

/// About `megapixels` at the aspect of `width`x`height`, both sides multiples of 32.
pub fn default_output_size(width: u32, height: u32, megapixels: f64) -> (u32, u32) {
    let aspect = width.max(1) as f64 / height.max(1) as f64;
    let area = megapixels.max(0.01) * 1024.0 * 1024.0;
    let w = (area * aspect).sqrt();
    let h = w / aspect;
    let round32 = |v: f64| (((v / 32.0).round() as u32) * 32).max(32);
    (round32(w), round32(h))
}

/// The product's own tools as a good model would do them, for the synthetic fixtures of
/// `imaging::ai::fixtures` (cut-outs on the asked key colour, defects removed, the face
/// painted in), shifted by `shift` pixels like the real model's outputs; any other input gets
/// [`InvertEdit`].
pub struct StudioEdit {
    pub shift: (i32, i32),
}

impl EditBehaviour for StudioEdit {
    fn edit(&self, input: &EditInput<'_>) -> RgbImage {
        let edited = crate::imaging::ai::double_edits::edit_for_prompt(
            input.images,
            input.prompt,
            input.width,
            input.height,
            self.shift,
        );
        edited.unwrap_or_else(|| InvertEdit.edit(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_contract_examples() {
        assert_eq!(default_output_size(1500, 1000, 1.0), (1248, 832));
        assert_eq!(default_output_size(800, 800, 1.0), (1024, 1024));
    }
}
