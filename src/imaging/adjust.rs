//! Brightness and contrast, as the `remove_defect` tool applies them after the model.

use image::DynamicImage;

/// Changes brightness and contrast in place; both run from -100 to 100 (values outside are
/// clamped), 0 leaves the picture unchanged.
///
/// Brightness shifts every channel by up to half the range (-100 = 128 darker). Contrast scales
/// the distance from mid-grey by `tan((contrast + 100) / 200 * 90°)`: -100 flattens the picture
/// to grey, 0 keeps it, 100 approaches a hard threshold. This is the classic curve image editors
/// use, so an operator's slider feels familiar. Alpha is never touched.
pub fn adjust_brightness_contrast(img: &mut DynamicImage, brightness: i32, contrast: i32) {
    let (brightness, contrast) = (brightness.clamp(-100, 100), contrast.clamp(-100, 100));
    if brightness == 0 && contrast == 0 {
        return;
    }
    let lut = build_lut(brightness, contrast);
    match img {
        DynamicImage::ImageRgb8(buf) => buf.iter_mut().for_each(|v| *v = lut[usize::from(*v)]),
        DynamicImage::ImageRgba8(buf) => buf.chunks_exact_mut(4).for_each(|px| {
            px[..3].iter_mut().for_each(|v| *v = lut[usize::from(*v)]);
        }),
        other => {
            let mut converted = super::decode::to_8bit_rgb(other.clone());
            adjust_brightness_contrast(&mut converted, brightness, contrast);
            *other = converted;
        }
    }
}

fn build_lut(brightness: i32, contrast: i32) -> [u8; 256] {
    // Stop just short of 90°, where the tangent is infinite.
    let angle = ((f64::from(contrast) + 100.0) / 200.0 * 90.0).min(89.9);
    let slope = angle.to_radians().tan();
    let offset = f64::from(brightness) * 1.28;
    let mut lut = [0u8; 256];
    for (i, out) in lut.iter_mut().enumerate() {
        let v = (i as f64 - 127.5) * slope + 127.5 + offset;
        *out = v.round().clamp(0.0, 255.0) as u8;
    }
    lut
}
