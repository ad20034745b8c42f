//! What a good model would return for the fixtures: the edits the DashScope test double makes.
//!
//! The double decodes its input images, recognises fixtures with [`identify`], and asks for
//! the edit here. Each edit draws the fixture's scene again at the output size, the way the
//! real model redraws a picture: content stretched to the output's shape and moved by `shift`
//! output pixels when a test wants to exercise alignment.

use image::{imageops, DynamicImage, Rgb, RgbImage};

pub use super::fixtures::identify;
use super::fixtures::{FixtureId, View};
use super::key::key_color_from_text;

/// Recognises a fixture from encoded bytes (any format `image` reads).
pub fn identify_bytes(bytes: &[u8]) -> Option<FixtureId> {
    image::load_from_memory(bytes)
        .ok()
        .as_ref()
        .and_then(identify)
}

/// The product of fixture `id` on the flat `key` colour, at `width` x `height`, moved by
/// `shift` pixels: a cut-out request done right.
pub fn product_on_key(
    id: FixtureId,
    key: [u8; 3],
    width: u32,
    height: u32,
    shift: (i32, i32),
) -> RgbImage {
    let scene = id.scene();
    let mut view = output_view(width, height, shift);
    view.backdrop = Some(key);
    super::fixtures::draw(&scene, &view)
}

/// Fixture `id` without its defect spots, at `width` x `height`, moved by `shift`.
pub fn defects_removed(id: FixtureId, width: u32, height: u32, shift: (i32, i32)) -> RgbImage {
    super::fixtures::draw(&id.scene(), &output_view(width, height, shift))
}

/// Fixture `model_photo` at `width` x `height` with the face inside its face box replaced by
/// the face of `reference` (its face box when it is a fixture, else its centre), blended in
/// with a soft oval. A fixture without a face box is returned unchanged.
pub fn face_painted(
    model_photo: FixtureId,
    reference: &DynamicImage,
    width: u32,
    height: u32,
) -> RgbImage {
    let scene = model_photo.scene();
    let mut out = super::fixtures::draw(&scene, &output_view(width, height, (0, 0)));
    let Some(target) = scene.face else {
        return out;
    };
    let (kx, ky) = (
        width as f32 / scene.width as f32,
        height as f32 / scene.height as f32,
    );
    let (x0, y0) = (
        (target.x * kx).round() as u32,
        (target.y * ky).round() as u32,
    );
    let (w, h) = (
        (target.w * kx).round() as u32,
        (target.h * ky).round() as u32,
    );
    let face = reference_face(reference).resize_exact(w.max(1), h.max(1), imageops::Lanczos3);
    paste_oval(&mut out, &face.to_rgb8(), x0, y0);
    out
}

/// The edit a good model makes for `images` and `prompt`, when the images are fixtures:
/// a named key colour means a cut-out, the defect photo means defect removal, the model photo
/// last (after a reference) means a face swap. `None` when the inputs are not fixtures.
pub fn edit_for_prompt(
    images: &[DynamicImage],
    prompt: &str,
    width: u32,
    height: u32,
    shift: (i32, i32),
) -> Option<RgbImage> {
    let last = identify(images.last()?)?;
    if let (Some(key), true) = (
        key_color_from_text(prompt),
        FixtureId::PRODUCTS.contains(&last),
    ) {
        return Some(product_on_key(last, key, width, height, shift));
    }
    match last {
        FixtureId::DefectPhoto => Some(defects_removed(last, width, height, shift)),
        FixtureId::ModelPhoto if images.len() >= 2 => {
            Some(face_painted(last, &images[0], width, height))
        }
        _ => None,
    }
}

fn output_view(width: u32, height: u32, shift: (i32, i32)) -> View {
    View {
        width,
        height,
        shift: (shift.0 as f32, shift.1 as f32),
        backdrop: None,
        defects: false,
    }
}

/// The face part of a reference picture.
fn reference_face(reference: &DynamicImage) -> DynamicImage {
    let fixture_box = identify(reference)
        .and_then(|id| id.scene().face.map(|f| (id.scene(), f)))
        .map(|(scene, f)| {
            let kx = reference.width() as f32 / scene.width as f32;
            let ky = reference.height() as f32 / scene.height as f32;
            (f.x * kx, f.y * ky, f.w * kx, f.h * ky)
        });
    let (w, h) = (reference.width() as f32, reference.height() as f32);
    let (x, y, fw, fh) = fixture_box.unwrap_or((w * 0.2, h * 0.2, w * 0.6, h * 0.6));
    reference.crop_imm(x as u32, y as u32, (fw as u32).max(1), (fh as u32).max(1))
}

/// Blends `patch` onto `out` at (x0, y0) inside an oval that fades over its outer 10%.
fn paste_oval(out: &mut RgbImage, patch: &RgbImage, x0: u32, y0: u32) {
    let (pw, ph) = (patch.width() as f32, patch.height() as f32);
    for (x, y, p) in patch.enumerate_pixels() {
        let (u, v) = ((x as f32 + 0.5) / pw - 0.5, (y as f32 + 0.5) / ph - 0.5);
        let r = (u * u + v * v).sqrt() * 2.0;
        let t = ((1.0 - r) / 0.1).clamp(0.0, 1.0);
        let (ox, oy) = (x0 + x, y0 + y);
        if t > 0.0 && ox < out.width() && oy < out.height() {
            let Rgb(base) = *out.get_pixel(ox, oy);
            let mixed: [u8; 3] = std::array::from_fn(|c| {
                (f32::from(base[c]) + (f32::from(p.0[c]) - f32::from(base[c])) * t).round() as u8
            });
            out.put_pixel(ox, oy, Rgb(mixed));
        }
    }
}
