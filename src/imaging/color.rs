//! Colour normalisation: embedded ICC profiles to sRGB, and CMYK to RGB.
//!
//! moxcms (pure Rust, also used by the `image` crate) does the profile maths. A profile that is
//! sRGB already is recognised and skipped, because phones embed one in nearly every photo and the
//! transform would cost time for nothing.

use image::{DynamicImage, RgbImage};
use moxcms::{ColorProfile, DataColorSpace, Layout, ToneReprCurve, TransformOptions};

/// Converts an RGB or RGBA picture described by `icc` to sRGB in place.
///
/// A profile that cannot be parsed, or that does not describe RGB data (a grayscale profile on a
/// picture we already expanded to RGB, say), is ignored: the pixels are then taken as sRGB,
/// which is what every browser does with such a file too.
pub(crate) fn icc_to_srgb(img: &mut DynamicImage, icc: &[u8]) {
    let Ok(profile) = ColorProfile::new_from_slice(icc) else {
        tracing::debug!("embedded ICC profile could not be parsed; assuming sRGB");
        return;
    };
    if profile.color_space != DataColorSpace::Rgb || is_srgb(&profile) {
        return;
    }
    let srgb = ColorProfile::new_srgb();
    let options = TransformOptions::default();
    let result = match img {
        DynamicImage::ImageRgb8(buf) => profile
            .create_transform_8bit(Layout::Rgb, &srgb, Layout::Rgb, options)
            .and_then(|t| transform_in_place(&*t, buf.as_mut())),
        DynamicImage::ImageRgba8(buf) => profile
            .create_transform_8bit(Layout::Rgba, &srgb, Layout::Rgba, options)
            .and_then(|t| transform_in_place(&*t, buf.as_mut())),
        _ => Ok(()),
    };
    if let Err(err) = result {
        tracing::debug!(%err, "ICC transform failed; keeping the pixels as they are");
    }
}

/// moxcms transforms from one buffer into another; doing it row block by row block keeps the
/// extra memory small instead of doubling the picture.
fn transform_in_place(
    t: &(dyn moxcms::TransformExecutor<u8> + Send + Sync),
    pixels: &mut [u8],
) -> Result<(), moxcms::CmsError> {
    const BLOCK: usize = 64 * 1024 * 3 * 4;
    let mut out = vec![0u8; BLOCK.min(pixels.len())];
    for chunk in pixels.chunks_mut(BLOCK) {
        let dst = &mut out[..chunk.len()];
        t.transform(chunk, dst)?;
        chunk.copy_from_slice(dst);
    }
    Ok(())
}

/// True when the primaries and tone curves are those of sRGB (within rounding of the common
/// sRGB profiles, which store the curve as a parametric function or a table).
fn is_srgb(p: &ColorProfile) -> bool {
    let reference = ColorProfile::new_srgb();
    let near = |a: moxcms::Xyzd, b: moxcms::Xyzd| {
        (a.x - b.x).abs() < 0.003 && (a.y - b.y).abs() < 0.003 && (a.z - b.z).abs() < 0.003
    };
    near(p.red_colorant, reference.red_colorant)
        && near(p.green_colorant, reference.green_colorant)
        && near(p.blue_colorant, reference.blue_colorant)
        && [&p.red_trc, &p.green_trc, &p.blue_trc]
            .iter()
            .all(|c| is_srgb_curve(c.as_ref()))
}

fn is_srgb_curve(curve: Option<&ToneReprCurve>) -> bool {
    let samples = [0.02f64, 0.1, 0.3, 0.5, 0.8];
    match curve {
        Some(ToneReprCurve::Parametric(params)) => {
            let expected = [2.4f32, 1. / 1.055, 0.055 / 1.055, 1. / 12.92, 0.04045];
            params.len() >= 5
                && params
                    .iter()
                    .zip(expected)
                    .all(|(a, b)| (a - b).abs() < 0.002)
        }
        Some(ToneReprCurve::Lut(table)) if table.len() >= 16 => samples.iter().all(|&x| {
            let index = (x * (table.len() - 1) as f64).round() as usize;
            let value = f64::from(table[index]) / 65535.0;
            (value - srgb_to_linear(index as f64 / (table.len() - 1) as f64)).abs() < 0.01
        }),
        _ => false,
    }
}

fn srgb_to_linear(v: f64) -> f64 {
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// Turns decoded CMYK samples into an sRGB picture.
///
/// `inverted` follows the Adobe convention (255 means no ink), which is how Photoshop and
/// nearly every other program store CMYK in JPEG. With a CMYK ICC profile the conversion goes
/// through it; without one, the naive formula is used, which is what browsers do too.
pub(crate) fn cmyk_to_rgb(
    width: u32,
    height: u32,
    mut cmyk: Vec<u8>,
    inverted: bool,
    icc: Option<&[u8]>,
) -> RgbImage {
    let profile = icc
        .and_then(|bytes| ColorProfile::new_from_slice(bytes).ok())
        .filter(|p| p.color_space == DataColorSpace::Cmyk);
    if let Some(profile) = profile {
        if inverted {
            cmyk.iter_mut().for_each(|v| *v = 255 - *v);
        }
        if let Some(rgb) = cmyk_with_profile(&profile, &cmyk) {
            if let Some(img) = RgbImage::from_raw(width, height, rgb) {
                return img;
            }
        }
        // The profile failed: undo the inversion so the naive formula below sees stored values.
        if inverted {
            cmyk.iter_mut().for_each(|v| *v = 255 - *v);
        }
    }
    naive_cmyk(width, height, &cmyk, inverted)
}

fn cmyk_with_profile(profile: &ColorProfile, cmyk: &[u8]) -> Option<Vec<u8>> {
    let srgb = ColorProfile::new_srgb();
    let transform = profile
        .create_transform_8bit(
            Layout::Rgba,
            &srgb,
            Layout::Rgb,
            TransformOptions::default(),
        )
        .ok()?;
    let mut rgb = vec![0u8; cmyk.len() / 4 * 3];
    transform.transform(cmyk, &mut rgb).ok()?;
    Some(rgb)
}

fn naive_cmyk(width: u32, height: u32, cmyk: &[u8], inverted: bool) -> RgbImage {
    let mut rgb = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let [c, m, y, k] = if inverted {
            [px[0], px[1], px[2], px[3]].map(u32::from)
        } else {
            [px[0], px[1], px[2], px[3]].map(|v| 255 - u32::from(v))
        };
        // With "no ink" stored as 255, each channel is the product of two coverages.
        rgb.extend([c, m, y].map(|v| ((v * k + 127) / 255) as u8));
    }
    RgbImage::from_raw(width, height, rgb).unwrap_or_else(|| RgbImage::new(width, height))
}
