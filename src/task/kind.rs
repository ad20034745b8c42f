use serde::{Deserialize, Serialize};

/// The tools of the studio, spelled as the `task_type` enum of `aigc_tasks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskType {
    RemoveDefect,
    CropPng,
    CropWhiteBg,
    Resize,
    Watermark,
    FaceSwap,
    MultiAngle,
    Other,
}

/// A queue lane: AI work is slow and rate limited, local work is fast and CPU bound,
/// so each gets its own queue and its own prefetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    Ai,
    Local,
}

impl TaskType {
    pub const ALL: [TaskType; 8] = [
        TaskType::RemoveDefect,
        TaskType::CropPng,
        TaskType::CropWhiteBg,
        TaskType::Resize,
        TaskType::Watermark,
        TaskType::FaceSwap,
        TaskType::MultiAngle,
        TaskType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskType::RemoveDefect => "remove_defect",
            TaskType::CropPng => "crop_png",
            TaskType::CropWhiteBg => "crop_white_bg",
            TaskType::Resize => "resize",
            TaskType::Watermark => "watermark",
            TaskType::FaceSwap => "face_swap",
            TaskType::MultiAngle => "multi_angle",
            TaskType::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<TaskType> {
        TaskType::ALL.into_iter().find(|t| t.as_str() == value)
    }

    pub fn lane(self) -> Lane {
        match self {
            TaskType::Resize | TaskType::Watermark => Lane::Local,
            _ => Lane::Ai,
        }
    }

    /// The tool's name in the Chinese UI.
    pub fn label_zh(self) -> &'static str {
        match self {
            TaskType::RemoveDefect => "去瑕疵",
            TaskType::CropPng => "抠图（透明PNG）",
            TaskType::CropWhiteBg => "白底图",
            TaskType::Resize => "改尺寸",
            TaskType::Watermark => "加水印",
            TaskType::FaceSwap => "模特换脸",
            TaskType::MultiAngle => "多角度图",
            TaskType::Other => "自定义指令",
        }
    }

    /// Suffix of result file names, so `IMG_0012.jpg` becomes `IMG_0012_white.jpg`.
    pub fn result_suffix(self) -> &'static str {
        match self {
            TaskType::RemoveDefect => "clean",
            TaskType::CropPng => "cutout",
            TaskType::CropWhiteBg => "white",
            TaskType::Resize => "resized",
            TaskType::Watermark => "wm",
            TaskType::FaceSwap => "face",
            TaskType::MultiAngle => "view",
            TaskType::Other => "edit",
        }
    }
}

impl Lane {
    pub const ALL: [Lane; 2] = [Lane::Ai, Lane::Local];

    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Ai => "ai",
            Lane::Local => "local",
        }
    }

    pub fn parse(value: &str) -> Option<Lane> {
        Lane::ALL.into_iter().find(|l| l.as_str() == value)
    }
}

impl std::fmt::Display for TaskType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Lane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
