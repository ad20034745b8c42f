//! Previews for the pages: a batch of a hundred 12-megapixel photos would otherwise load
//! gigabytes into the task page just to draw 72-pixel squares.

use super::{probe, resize, Encoded, FitMode, FormatChoice, ImagingError, Limits, ResizeSpec};

/// Longest side of a preview: twice the largest card on the pages, for high-density screens.
pub const PREVIEW_SIDE: u32 = 320;

/// The picture scaled so that its longer side is at most `side` (never enlarged), upright,
/// as a lossy WEBP that keeps transparency, so a cut-out still shows as one.
pub fn thumbnail(bytes: &[u8], limits: &Limits, side: u32) -> Result<Encoded, ImagingError> {
    let header = probe(bytes, limits)?;
    let (width, height) = preview_size(header.width, header.height, side);
    let spec = ResizeSpec {
        width,
        height,
        // The box has the picture's own shape (to the pixel), so nothing is padded or cut.
        mode: FitMode::Stretch,
        format: FormatChoice::Webp,
        background: [255, 255, 255],
    };
    resize(bytes, &spec, limits)
}

/// `width` x `height` shrunk to fit in `side` x `side`, keeping the shape; at least 1 px.
fn preview_size(width: u32, height: u32, side: u32) -> (u32, u32) {
    let longer = width.max(height).max(1);
    if longer <= side {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(side) / f64::from(longer);
    let shrink = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, side);
    (shrink(width), shrink(height))
}

#[cfg(test)]
mod tests {
    use super::preview_size;

    #[test]
    fn previews_keep_the_shape_and_never_grow() {
        assert_eq!(preview_size(4000, 3000, 320), (320, 240));
        assert_eq!(preview_size(3000, 4000, 320), (240, 320));
        assert_eq!(preview_size(200, 100, 320), (200, 100));
        assert_eq!(preview_size(10000, 10, 320), (320, 1));
    }
}
