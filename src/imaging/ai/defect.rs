//! The `remove_defect` result: the model's output fitted to the ordered size, then adjusted.

use image::{DynamicImage, RgbImage};

use crate::imaging::{adjust_brightness_contrast, fit_on_canvas, FitMode};

/// The model's output at exactly `width` x `height`: the whole picture centred on white
/// (`Contain`) or the box filled with the overflow cut evenly (`Cover`). `Stretch` is honoured
/// too, though no tool asks for it.
pub fn fit_defect_output(
    model_output: &RgbImage,
    width: u32,
    height: u32,
    mode: FitMode,
) -> RgbImage {
    let img = DynamicImage::ImageRgb8(model_output.clone());
    fit_on_canvas(&img, width, height, mode, [255, 255, 255]).to_rgb8()
}

/// The operator's brightness and contrast (-100..=100, 0 leaves the picture alone) applied to
/// the model's output, then [`fit_defect_output`]. Adjusting first keeps the padding pure
/// white whatever the sliders say.
pub fn finish_defect_output(
    model_output: &RgbImage,
    width: u32,
    height: u32,
    mode: FitMode,
    brightness: i32,
    contrast: i32,
) -> RgbImage {
    let mut img = DynamicImage::ImageRgb8(model_output.clone());
    adjust_brightness_contrast(&mut img, brightness, contrast);
    fit_defect_output(&img.to_rgb8(), width, height, mode)
}
