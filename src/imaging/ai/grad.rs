//! Gradient maps and their normalised correlation over a window of shifts, for alignment.

use super::plane::Plane;

/// A rectangle of pixels, `x0..x1` by `y0..y1` (exclusive ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

impl Rect {
    /// The bounding box of the values above `threshold`.
    pub fn of_mask(p: &Plane, threshold: f32) -> Option<Rect> {
        let mut r: Option<Rect> = None;
        for y in 0..p.height {
            for x in 0..p.width {
                if p.at(x, y) > threshold {
                    let b = r.get_or_insert(Rect {
                        x0: x,
                        y0: y,
                        x1: x + 1,
                        y1: y + 1,
                    });
                    b.x0 = b.x0.min(x);
                    b.x1 = b.x1.max(x + 1);
                    b.y1 = y + 1;
                }
            }
        }
        r
    }

    /// Grown by `m` on every side, clipped to `w` x `h`.
    pub fn grown(self, m: usize, w: usize, h: usize) -> Rect {
        Rect {
            x0: self.x0.saturating_sub(m),
            y0: self.y0.saturating_sub(m),
            x1: (self.x1 + m).min(w),
            y1: (self.y1 + m).min(h),
        }
    }
}

/// Horizontal and vertical central differences of a plane.
pub(crate) struct Grads {
    pub width: usize,
    pub height: usize,
    gx: Vec<f32>,
    gy: Vec<f32>,
}

impl Grads {
    pub fn of(p: &Plane) -> Self {
        let (w, h) = (p.width, p.height);
        let mut gx = vec![0.0; w * h];
        let mut gy = vec![0.0; w * h];
        for y in 1..h.saturating_sub(1) {
            for x in 1..w.saturating_sub(1) {
                let i = y * w + x;
                gx[i] = (p.data[i + 1] - p.data[i - 1]) * 0.5;
                gy[i] = (p.data[i + w] - p.data[i - w]) * 0.5;
            }
        }
        Self {
            width: w,
            height: h,
            gx,
            gy,
        }
    }

    /// Correlation of `self` shifted by (tx, ty) with `other`, over `rect` of `other`, for
    /// every shift within `radius`.
    pub fn correlations(&self, other: &Grads, rect: Rect, radius: i64) -> Scores {
        let side = (2 * radius + 1) as usize;
        let mut values = vec![f32::NAN; side * side];
        for ty in -radius..=radius {
            for tx in -radius..=radius {
                let i = (ty + radius) as usize * side + (tx + radius) as usize;
                values[i] = self.correlation(other, rect, tx, ty);
            }
        }
        Scores {
            radius,
            side,
            values,
        }
    }

    fn correlation(&self, other: &Grads, rect: Rect, tx: i64, ty: i64) -> f32 {
        let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
        for y in rect.y0..rect.y1 {
            let sy = y as i64 + ty;
            if sy < 0 || sy >= self.height as i64 {
                continue;
            }
            let x0 = (rect.x0 as i64).max(-tx) as usize;
            let x1 = (rect.x1 as i64).min(self.width as i64 - tx).max(0) as usize;
            for x in x0..x1.max(x0) {
                let i = y * other.width + x;
                let j = sy as usize * self.width + (x as i64 + tx) as usize;
                let (ax, ay) = (f64::from(self.gx[j]), f64::from(self.gy[j]));
                let (bx, by) = (f64::from(other.gx[i]), f64::from(other.gy[i]));
                dot += ax * bx + ay * by;
                na += ax * ax + ay * ay;
                nb += bx * bx + by * by;
            }
        }
        let norm = (na * nb).sqrt();
        if norm < 1e-9 {
            return 0.0;
        }
        (dot / norm) as f32
    }
}

/// Correlation for each shift of a square window.
pub(crate) struct Scores {
    radius: i64,
    side: usize,
    values: Vec<f32>,
}

impl Scores {
    fn get(&self, tx: i64, ty: i64) -> Option<f32> {
        if tx.abs() > self.radius || ty.abs() > self.radius {
            return None;
        }
        let i = (ty + self.radius) as usize * self.side + (tx + self.radius) as usize;
        self.values.get(i).copied().filter(|v| v.is_finite())
    }

    /// The best integer shift and its score.
    pub fn peak(&self) -> Option<(i64, i64, f32)> {
        let r = self.radius;
        (-r..=r)
            .flat_map(|ty| (-r..=r).map(move |tx| (tx, ty)))
            .filter_map(|(tx, ty)| self.get(tx, ty).map(|s| (tx, ty, s)))
            .max_by(|a, b| a.2.total_cmp(&b.2))
    }

    /// Sub-pixel offsets of the peak at (tx, ty) from a parabola through its neighbours.
    pub fn subpixel(&self, tx: i64, ty: i64) -> (f64, f64) {
        let centre = self.get(tx, ty).unwrap_or(0.0);
        let along = |before: Option<f32>, after: Option<f32>| match (before, after) {
            (Some(a), Some(b)) => {
                let curve = f64::from(a) - 2.0 * f64::from(centre) + f64::from(b);
                if curve < -1e-9 {
                    (0.5 * f64::from(a - b) / curve).clamp(-0.5, 0.5)
                } else {
                    0.0
                }
            }
            _ => 0.0,
        };
        (
            along(self.get(tx - 1, ty), self.get(tx + 1, ty)),
            along(self.get(tx, ty - 1), self.get(tx, ty + 1)),
        )
    }
}
