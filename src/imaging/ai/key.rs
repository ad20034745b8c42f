//! Choosing the flat key colour the model is asked to put behind the product.
//!
//! The key must be far from every colour of the product, or the local matte eats into it: a
//! white product is never keyed on white, a green one never on green. Distances are measured in
//! Oklab, where equal steps look roughly equally different, so "far" means far to the eye.

use image::{DynamicImage, RgbImage};

/// The keys we ask for, in order of preference (green and blue are what screens and models
/// know best), with the words used in the Chinese prompt.
pub const KEY_CANDIDATES: [([u8; 3], &str); 5] = [
    ([0, 255, 0], "纯绿色"),
    ([0, 0, 255], "纯蓝色"),
    ([255, 0, 255], "洋红色"),
    ([0, 255, 255], "青色"),
    ([255, 255, 0], "纯黄色"),
];

/// Fraction of the product's pixels allowed to be nearer a key than the chosen key's score:
/// ignoring the nearest 2% keeps a few stray pixels (a small sticker) from deciding.
const LOW_QUANTILE: f32 = 0.02;

/// Pixels this close (Oklab) to the border colour are taken for background, not product.
const BACKGROUND_LIKE: f32 = 0.06;

/// The key colour for `original`: the candidate farthest from the product's colours.
pub fn choose_key_color(original: &DynamicImage) -> [u8; 3] {
    choose_key_color_excluding(original, &[])
}

/// As [`choose_key_color`], skipping keys already tried (the retry after a refused output).
/// When every candidate is excluded the best one is returned anyway.
pub fn choose_key_color_excluding(original: &DynamicImage, tried: &[[u8; 3]]) -> [u8; 3] {
    let product = product_samples(&original.to_rgb8());
    let mut ranked: Vec<([u8; 3], f32)> = KEY_CANDIDATES
        .iter()
        .map(|&(key, _)| (key, key_score(&product, key)))
        .collect();
    // Stable sort: equal scores keep the preference order.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked
        .iter()
        .find(|(key, _)| !tried.contains(key))
        .or(ranked.first())
        .map_or(KEY_CANDIDATES[0].0, |(key, _)| *key)
}

/// The Chinese name of a key for the prompt; a colour that is not a candidate is spelled out.
pub fn key_color_name_zh(color: [u8; 3]) -> String {
    KEY_CANDIDATES
        .iter()
        .find(|(key, _)| *key == color)
        .map(|(_, name)| (*name).to_string())
        .unwrap_or_else(|| {
            let [r, g, b] = color;
            format!("纯色 RGB({r},{g},{b})")
        })
}

/// The first candidate key named in `text` (what the test double reads from a prompt).
pub fn key_color_from_text(text: &str) -> Option<[u8; 3]> {
    KEY_CANDIDATES
        .iter()
        .filter_map(|&(key, name)| text.find(name).map(|at| (at, key)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, key)| key)
}

/// How far the product is from `key`: a low quantile of the Oklab distances.
fn key_score(product: &[[f32; 3]], key: [u8; 3]) -> f32 {
    if product.is_empty() {
        return 0.0;
    }
    let k = oklab(key);
    let mut d: Vec<f32> = product.iter().map(|p| distance(*p, k)).collect();
    let at = ((d.len() as f32 * LOW_QUANTILE) as usize).min(d.len() - 1);
    *d.select_nth_unstable_by(at, f32::total_cmp).1
}

/// Oklab colours of the likely product: the centre half of the picture, minus pixels that
/// look like the border. If that leaves almost nothing (a product filling the frame, or one the
/// colour of its background) the whole centre is used.
fn product_samples(img: &RgbImage) -> Vec<[f32; 3]> {
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let border = oklab(border_median(img));
    let step = ((w * h / 4 / 20_000) as f64).sqrt().max(1.0) as usize;
    let centre: Vec<[f32; 3]> = (h / 4..h - h / 4)
        .step_by(step)
        .flat_map(|y| (w / 4..w - w / 4).step_by(step).map(move |x| (x, y)))
        .map(|(x, y)| oklab(img.get_pixel(x, y).0))
        .collect();
    let product: Vec<[f32; 3]> = centre
        .iter()
        .copied()
        .filter(|p| distance(*p, border) > BACKGROUND_LIKE)
        .collect();
    if product.len() * 10 < centre.len() {
        centre
    } else {
        product
    }
}

/// Per-channel median of the outermost pixels (2% of each side, at least one).
pub(crate) fn border_median(img: &RgbImage) -> [u8; 3] {
    let (w, h) = (img.width(), img.height());
    let band = (w.max(h) / 50).max(1);
    let mut channels: [Vec<u8>; 3] = Default::default();
    for (x, y, p) in img.enumerate_pixels() {
        if x < band || y < band || x + band >= w || y + band >= h {
            (0..3).for_each(|c| channels[c].push(p.0[c]));
        }
    }
    channels.map(|mut v| {
        if v.is_empty() {
            return 0;
        }
        let mid = v.len() / 2;
        *v.select_nth_unstable(mid).1
    })
}

fn distance(a: [f32; 3], b: [f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// sRGB 8-bit to Oklab (Björn Ottosson's published matrices).
pub(crate) fn oklab(rgb: [u8; 3]) -> [f32; 3] {
    let lin = rgb.map(|v| {
        let c = f32::from(v) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    let [r, g, b] = lin;
    let l = (0.412_221_46 * r + 0.536_332_55 * g + 0.051_445_995 * b).cbrt();
    let m = (0.211_903_5 * r + 0.680_699_5 * g + 0.107_396_96 * b).cbrt();
    let s = (0.088_302_46 * r + 0.281_718_85 * g + 0.629_978_7 * b).cbrt();
    [
        0.210_454_26 * l + 0.793_617_8 * m - 0.004_072_047 * s,
        1.977_998_5 * l - 2.428_592_2 * m + 0.450_593_7 * s,
        0.025_904_037 * l + 0.782_771_77 * m - 0.808_675_77 * s,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_a_prompt() {
        for (key, _) in KEY_CANDIDATES {
            let prompt = format!("把背景换成{}，保持商品不变", key_color_name_zh(key));
            assert_eq!(key_color_from_text(&prompt), Some(key));
        }
    }

    #[test]
    fn white_is_near_one_in_lightness() {
        assert!((oklab([255, 255, 255])[0] - 1.0).abs() < 1e-3);
    }
}
