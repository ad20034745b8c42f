//! Typed options per tool, with the design's defaults and ranges.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{refuse, Fields, OptionError};
use crate::imaging::{FitMode, FormatChoice, WatermarkPosition};
use crate::task::TaskType;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolOptions {
    Resize(ResizeOptions),
    Watermark(WatermarkOptions),
    Ai(AiOptions),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AiOptions {
    RemoveDefect(RemoveDefectOptions),
    CropPng(CropPngOptions),
    WhiteBg(WhiteBgOptions),
    FaceSwap(FaceSwapOptions),
    MultiAngle(MultiAngleOptions),
    Other(OtherOptions),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResizeOptions {
    pub width: u32,
    pub height: u32,
    pub mode: FitMode,
    pub format: FormatChoice,
    #[serde(with = "super::fields::hex_color")]
    pub background: [u8; 3],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatermarkKind {
    Text,
    Image,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatermarkOptions {
    pub kind: WatermarkKind,
    pub text: Option<String>,
    /// URL of the user's uploaded PNG, for `kind = image`.
    pub image: Option<String>,
    pub position: WatermarkPosition,
    pub size: f64,
    #[serde(with = "super::fields::hex_color")]
    pub color: [u8; 3],
    pub opacity: f64,
    pub margin: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoveDefectOptions {
    pub width: u32,
    pub height: u32,
    pub fit: FitMode,
    pub brightness: i64,
    pub contrast: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CropPngOptions {
    pub trim: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhiteBgOptions {
    pub width: u32,
    pub height: u32,
    pub fill: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceSwapOptions {
    pub face_image: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    Front,
    Left,
    Right,
    Back,
    Top,
    ThreeQuarter,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiAngleOptions {
    pub views: Vec<View>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherOptions {
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub seed: Option<i64>,
    pub n: u32,
}

const SIDE: (u32, u32) = (16, 10000);
const FIT: [(&str, FitMode); 3] = [
    ("contain", FitMode::Contain),
    ("cover", FitMode::Cover),
    ("stretch", FitMode::Stretch),
];
const VIEWS: [(&str, View); 6] = [
    ("front", View::Front),
    ("left", View::Left),
    ("right", View::Right),
    ("back", View::Back),
    ("top", View::Top),
    ("three_quarter", View::ThreeQuarter),
];

impl ToolOptions {
    /// Checks `options` for `task_type`, filling in defaults.
    pub fn parse(task_type: TaskType, options: &Value) -> Result<ToolOptions, OptionError> {
        Ok(match task_type {
            TaskType::Resize => ToolOptions::Resize(resize(options)?),
            TaskType::Watermark => ToolOptions::Watermark(watermark(options)?),
            TaskType::RemoveDefect => ToolOptions::Ai(AiOptions::RemoveDefect(defect(options)?)),
            TaskType::CropPng => ToolOptions::Ai(AiOptions::CropPng(crop_png(options)?)),
            TaskType::CropWhiteBg => ToolOptions::Ai(AiOptions::WhiteBg(white_bg(options)?)),
            TaskType::FaceSwap => ToolOptions::Ai(AiOptions::FaceSwap(face_swap(options)?)),
            TaskType::MultiAngle => ToolOptions::Ai(AiOptions::MultiAngle(multi_angle(options)?)),
            TaskType::Other => ToolOptions::Ai(AiOptions::Other(other(options)?)),
        })
    }

    /// The URL of a second uploaded picture the tool needs, if any.
    pub fn ref_image(&self) -> Option<&str> {
        match self {
            ToolOptions::Watermark(w) => w.image.as_deref(),
            ToolOptions::Ai(AiOptions::FaceSwap(f)) => Some(&f.face_image),
            _ => None,
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

fn resize(options: &Value) -> Result<ResizeOptions, OptionError> {
    let f = Fields::new(
        options,
        &["width", "height", "mode", "format", "background"],
    )?;
    for side in ["width", "height"] {
        if !f.has(side) {
            return Err(refuse(side, "改尺寸必须给出宽和高"));
        }
    }
    let formats = [
        ("keep", FormatChoice::Keep),
        ("jpg", FormatChoice::Jpg),
        ("jpeg", FormatChoice::Jpg),
        ("png", FormatChoice::Png),
        ("webp", FormatChoice::Webp),
    ];
    Ok(ResizeOptions {
        width: f.uint("width", SIDE, 0)?,
        height: f.uint("height", SIDE, 0)?,
        mode: f.choice("mode", &FIT, FitMode::Contain)?,
        format: f.choice("format", &formats, FormatChoice::Keep)?,
        background: f.color("background", [255, 255, 255])?,
    })
}

fn watermark(options: &Value) -> Result<WatermarkOptions, OptionError> {
    let names = [
        "kind", "text", "image", "position", "size", "color", "opacity", "margin",
    ];
    let f = Fields::new(options, &names)?;
    let kinds = [
        ("text", WatermarkKind::Text),
        ("image", WatermarkKind::Image),
    ];
    let kind = f.choice("kind", &kinds, WatermarkKind::Text)?;
    let positions = [
        ("top_left", WatermarkPosition::TopLeft),
        ("top_right", WatermarkPosition::TopRight),
        ("bottom_left", WatermarkPosition::BottomLeft),
        ("bottom_right", WatermarkPosition::BottomRight),
        ("center", WatermarkPosition::Center),
        ("tile", WatermarkPosition::Tile),
    ];
    let text = f.text("text", 200)?;
    let image = f.text("image", 1000)?;
    match kind {
        WatermarkKind::Text if text.is_none() => {
            return Err(refuse("text", "文字水印需要填写文字"))
        }
        WatermarkKind::Image if image.is_none() => {
            return Err(refuse("image", "图片水印需要先上传一张 PNG 图片"))
        }
        _ => {}
    }
    let default_size = if kind == WatermarkKind::Text {
        0.05
    } else {
        0.2
    };
    Ok(WatermarkOptions {
        kind,
        text,
        image,
        position: f.choice("position", &positions, WatermarkPosition::BottomRight)?,
        size: f.float("size", (0.01, 1.0), default_size)?,
        color: f.color("color", [255, 255, 255])?,
        opacity: f.float("opacity", (0.0, 1.0), 0.5)?,
        margin: f.float("margin", (0.0, 0.25), 0.03)?,
    })
}

fn defect(options: &Value) -> Result<RemoveDefectOptions, OptionError> {
    let names = ["width", "height", "fit", "brightness", "contrast"];
    let f = Fields::new(options, &names)?;
    let fits = [("contain", FitMode::Contain), ("cover", FitMode::Cover)];
    Ok(RemoveDefectOptions {
        width: f.uint("width", SIDE, 1200)?,
        height: f.uint("height", SIDE, 1200)?,
        fit: f.choice("fit", &fits, FitMode::Contain)?,
        brightness: f.int("brightness", (-100, 100), 0)?,
        contrast: f.int("contrast", (-100, 100), 0)?,
    })
}

fn crop_png(options: &Value) -> Result<CropPngOptions, OptionError> {
    let f = Fields::new(options, &["trim"])?;
    Ok(CropPngOptions {
        trim: f.boolean("trim", false)?,
    })
}

/// `preset: "amazon"` is the marketplace's main-image rule: 1600 px or more, 85% fill.
fn white_bg(options: &Value) -> Result<WhiteBgOptions, OptionError> {
    let f = Fields::new(options, &["width", "height", "fill", "preset"])?;
    let presets = [("none", (800, 0.8)), ("amazon", (1600, 0.85))];
    let (side, fill) = f.choice("preset", &presets, (800, 0.8))?;
    Ok(WhiteBgOptions {
        width: f.uint("width", SIDE, side)?,
        height: f.uint("height", SIDE, side)?,
        fill: f.float("fill", (0.5, 0.95), fill)?,
    })
}

fn face_swap(options: &Value) -> Result<FaceSwapOptions, OptionError> {
    let f = Fields::new(options, &["face_image"])?;
    let face_image = f
        .text("face_image", 1000)?
        .ok_or_else(|| refuse("face_image", "请先上传参考人脸图片"))?;
    Ok(FaceSwapOptions { face_image })
}

fn multi_angle(options: &Value) -> Result<MultiAngleOptions, OptionError> {
    let f = Fields::new(options, &["views"])?;
    let default = vec![
        View::Front,
        View::Left,
        View::Right,
        View::Back,
        View::ThreeQuarter,
    ];
    let Some(items) = f.array("views")? else {
        return Ok(MultiAngleOptions { views: default });
    };
    let mut views = Vec::new();
    for item in items {
        let name = item.as_str().unwrap_or_default();
        let view = VIEWS
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                refuse(
                    "views",
                    "视角只能是 front, left, right, back, top, three_quarter",
                )
            })?;
        if !views.contains(&view) {
            views.push(view);
        }
    }
    if views.is_empty() {
        return Err(refuse("views", "至少选择一个视角"));
    }
    Ok(MultiAngleOptions { views })
}

fn other(options: &Value) -> Result<OtherOptions, OptionError> {
    let f = Fields::new(options, &["prompt", "negative_prompt", "seed", "n"])?;
    let prompt = f
        .text("prompt", 800)?
        .ok_or_else(|| refuse("prompt", "请填写修图指令"))?;
    let seed = if f.has("seed") {
        Some(f.int("seed", (0, 2_147_483_647), 0)?)
    } else {
        None
    };
    Ok(OtherOptions {
        prompt,
        negative_prompt: f.text("negative_prompt", 500)?,
        seed,
        n: f.uint("n", (1, 6), 1)?,
    })
}
