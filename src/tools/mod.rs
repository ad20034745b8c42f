//! The options of each tool, checked when a batch is submitted so that a bad value is
//! refused with the field's name before anything is queued.

mod fields;
mod options;

/// The choices the imaging layer already names; options carry them as they are.
pub use crate::imaging::{FitMode, FormatChoice, WatermarkPosition};
pub use fields::OptionError;
pub use options::{
    AiOptions, CropPngOptions, FaceSwapOptions, MultiAngleOptions, OtherOptions,
    RemoveDefectOptions, ResizeOptions, ToolOptions, View, WatermarkKind, WatermarkOptions,
    WhiteBgOptions,
};
