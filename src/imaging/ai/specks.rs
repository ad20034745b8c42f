//! Dropping tiny islands from a mask: the model's compression noise and stray marks on the
//! backdrop make small clusters that are not part of the product.

use image::GrayImage;

/// Islands smaller than this fraction of the picture (and than `MIN_AREA_PX`) are removed.
const MAX_SPECK_FRACTION: f64 = 0.0002;
const MIN_AREA_PX: usize = 12;

/// Sets every 8-connected island of non-zero alpha smaller than the speck size to 0.
pub(crate) fn remove_specks(alpha: &mut GrayImage) {
    let (w, h) = (alpha.width() as usize, alpha.height() as usize);
    let limit = ((w * h) as f64 * MAX_SPECK_FRACTION).max(MIN_AREA_PX as f64) as usize;
    let mut seen = vec![false; w * h];
    let raw: Vec<u8> = alpha.as_raw().clone();
    let buf = alpha.as_mut();

    for start in 0..w * h {
        if seen[start] || raw[start] == 0 {
            continue;
        }
        let island = flood(&raw, &mut seen, w, h, start);
        if island.len() < limit {
            island.into_iter().for_each(|i| buf[i] = 0);
        }
    }
}

/// The 8-connected island of non-zero pixels containing `start`, marked as seen.
fn flood(raw: &[u8], seen: &mut [bool], w: usize, h: usize, start: usize) -> Vec<usize> {
    let mut island = Vec::new();
    let mut stack = vec![start];
    seen[start] = true;
    while let Some(i) = stack.pop() {
        island.push(i);
        let (x, y) = (i % w, i / w);
        for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
            for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                let j = ny * w + nx;
                if !seen[j] && raw[j] != 0 {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
    }
    island
}
