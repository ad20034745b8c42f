//! The options of each tool, checked when a batch is submitted so that a bad value is
//! refused with the field's name before anything is queued.

mod fields;
mod options;

pub use fields::OptionError;
pub use options::{
    AiOptions, CropPngOptions, FaceSwapOptions, FitChoice, FormatChoice, MultiAngleOptions,
    OtherOptions, Position, RemoveDefectOptions, ResizeOptions, ToolOptions, View, WatermarkKind,
    WatermarkOptions, WhiteBgOptions,
};
