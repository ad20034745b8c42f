//! Local image processing: reading uploads, resizing, canvases, watermarks, writing results.
//!
//! Every tool of the product ends here, AI or not. All functions are synchronous and CPU-bound;
//! run them through [`ImagingPool`] (or `spawn_blocking`) from async code.
//!
//! The shape of the pixels between steps is always the same: 8-bit sRGB, RGB8, or RGBA8 when
//! the source has an alpha channel, upright. [`decode`] produces it from any accepted input.
//!
//! Speed comes from three choices: JPEG goes through libjpeg-turbo, which can also shrink by
//! 1/2, 1/4 or 1/8 while decoding when the result is much smaller than the photo; resampling
//! uses fast_image_resize (SIMD Lanczos3); colour profiles use moxcms and are skipped when they
//! are sRGB already. `scripts/bench-imaging.sh` compares the result with libvips and
//! ImageMagick.

mod adjust;
pub mod ai;
mod color;
mod decode;
mod encode;
mod error;
mod format;
mod header;
mod jpeg_meta;
mod pool;
mod probe;
mod resize;
mod thumbnail;
mod turbo;
mod watermark;

pub use adjust::adjust_brightness_contrast;
pub use decode::decode;
pub use encode::{encode, Encoded, DEFAULT_JPEG_QUALITY};
pub use error::ImagingError;
pub use format::{FormatChoice, OutputFormat, SourceFormat};
pub use pool::ImagingPool;
pub use probe::{probe, validate_upload, Limits, Probe};
pub use resize::{
    decode_for_target, fit_on_canvas, place_on_canvas, resize, FitMode, ResizeSpec, MAX_SIDE,
};
pub use thumbnail::{thumbnail, PREVIEW_SIDE};
pub use watermark::{
    watermark, FontSource, WatermarkMark, WatermarkPosition, WatermarkSpec, DEFAULT_IMAGE_SIZE,
    DEFAULT_MARGIN, DEFAULT_OPACITY, DEFAULT_TEXT_SIZE,
};
