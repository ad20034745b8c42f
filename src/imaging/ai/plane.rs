//! A single-channel f32 picture and an axis-aligned resampler (scale + translate per axis).
//!
//! The AI post-processing moves masks and colours between the model's frame (about 1 MP) and
//! the upload's frame through a mapping `dst = scale * src + offset` on each axis. The kernels
//! here are non-negative on purpose: a region that is exactly 0 in the source (background alpha)
//! stays exactly 0 in the result, which Lanczos-style kernels cannot promise.

use image::{GrayImage, RgbImage};

/// One channel, row-major, values usually in 0..=1 (alpha) or 0..=255 (colour).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

/// `dst = scale * src + offset` along one axis, in continuous pixel coordinates where pixel
/// `i` covers `[i, i + 1)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AxisMap {
    pub scale: f64,
    pub offset: f64,
}

impl Plane {
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            data: vec![0.0; width * height],
        }
    }

    /// Alpha as 0..=1.
    pub fn from_gray(img: &GrayImage) -> Self {
        let data = img.as_raw().iter().map(|&v| f32::from(v) / 255.0).collect();
        Self {
            width: img.width() as usize,
            height: img.height() as usize,
            data,
        }
    }

    /// Luma (Rec. 601 weights, 0..=255) of an RGB picture.
    pub fn luma(img: &RgbImage) -> Self {
        let data = img
            .as_raw()
            .chunks_exact(3)
            .map(|p| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]))
            .collect();
        Self {
            width: img.width() as usize,
            height: img.height() as usize,
            data,
        }
    }

    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.width + x]
    }

    /// 0..=1 back to 0..=255, rounded; anything below half a level becomes exactly 0.
    pub fn to_gray(&self) -> GrayImage {
        let raw = self
            .data
            .iter()
            .map(|&v| (v * 255.0).round().clamp(0.0, 255.0) as u8)
            .collect();
        GrayImage::from_raw(self.width as u32, self.height as u32, raw)
            .unwrap_or_else(|| GrayImage::new(self.width as u32, self.height as u32))
    }

    /// Resamples into a `width` x `height` plane through `mx` and `my`. Outside the source the
    /// edge pixels repeat.
    pub fn warp(&self, width: usize, height: usize, mx: AxisMap, my: AxisMap) -> Plane {
        let tx = taps(self.width, width, mx);
        let ty = taps(self.height, height, my);

        let mut rows = Plane::new(width, self.height);
        for y in 0..self.height {
            let src = &self.data[y * self.width..(y + 1) * self.width];
            let dst = &mut rows.data[y * width..(y + 1) * width];
            for (out, taps) in dst.iter_mut().zip(&tx) {
                *out = taps.iter().map(|&(i, w)| src[i] * w).sum();
            }
        }

        let mut out = Plane::new(width, height);
        for (y, taps) in ty.iter().enumerate() {
            let dst = &mut out.data[y * width..(y + 1) * width];
            for &(sy, w) in taps {
                let src = &rows.data[sy * width..(sy + 1) * width];
                dst.iter_mut().zip(src).for_each(|(d, s)| *d += s * w);
            }
        }
        out
    }
}

/// Source indices and weights for each destination index. Shrinking averages the footprint
/// (area), enlarging interpolates linearly; both kernels sum to 1 and are never negative.
fn taps(src_len: usize, dst_len: usize, map: AxisMap) -> Vec<Vec<(usize, f32)>> {
    let last = src_len.saturating_sub(1) as f64;
    let clamp = |k: f64| k.clamp(0.0, last) as usize;
    let footprint = 1.0 / map.scale.abs().max(1e-9);
    (0..dst_len)
        .map(|i| {
            let i = i as f64;
            if footprint >= 1.0 {
                let a = (i - map.offset) / map.scale;
                let b = a + footprint;
                let mut taps = Vec::with_capacity(footprint.ceil() as usize + 1);
                let mut k = a.floor();
                while k < b {
                    let overlap = b.min(k + 1.0) - a.max(k);
                    if overlap > 0.0 {
                        taps.push((clamp(k), (overlap / footprint) as f32));
                    }
                    k += 1.0;
                }
                taps
            } else {
                let c = (i + 0.5 - map.offset) / map.scale - 0.5;
                let k = c.floor();
                let t = (c - k) as f32;
                vec![(clamp(k), 1.0 - t), (clamp(k + 1.0), t)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_keeps_values() {
        let mut p = Plane::new(5, 4);
        p.data
            .iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = i as f32);
        let id = AxisMap {
            scale: 1.0,
            offset: 0.0,
        };
        assert_eq!(p.warp(5, 4, id, id), p);
    }

    #[test]
    fn halving_averages_pairs() {
        let p = Plane {
            width: 4,
            height: 1,
            data: vec![0.0, 1.0, 1.0, 1.0],
        };
        let half = AxisMap {
            scale: 0.5,
            offset: 0.0,
        };
        let id = AxisMap {
            scale: 1.0,
            offset: 0.0,
        };
        assert_eq!(p.warp(2, 1, half, id).data, vec![0.5, 1.0]);
    }
}
