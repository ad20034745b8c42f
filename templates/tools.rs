use maud::{html, Markup, PreEscaped};

use super::page;
use crate::task::TaskType;

const SCRIPT: &str = include_str!("static/tools.js");

/// The tool page: left navigation of every tool, the upload area, the chosen tool's options.
/// `ai_key_missing`: an AI tool on an installation without a DashScope key; tasks are
/// accepted and wait, and the page says so.
pub fn tool_page(csrf: &str, tool: TaskType, ai_key_missing: bool, max_files: usize) -> Markup {
    let body = html! {
        div.workspace {
            nav.tools aria-label="工具" {
                @for t in TaskType::ALL {
                    a.current[t == tool] href={ "/aigc?tool=" (t.as_str()) } { (t.label_zh()) }
                }
            }
            main.tool data-tool=(tool.as_str()) data-max-files=(max_files) data-available="true" {
                h1 { (tool.label_zh()) }
                p.hint { (description(tool)) }
                @if ai_key_missing {
                    p.notice role="status" { "AI 服务还没有配置 API Key：可以提交，任务会排队等待，管理员配置后自动开始处理。" }
                }
                (upload_zone(max_files))
                form #options {
                    (options(tool))
                    p.error #form-error role="alert" hidden {}
                    button #submit type="submit" disabled { "开始处理" }
                }
            }
        }
        script { (PreEscaped(SCRIPT)) }
    };
    page(tool.label_zh(), Some(csrf), body)
}

fn description(tool: TaskType) -> &'static str {
    match tool {
        TaskType::RemoveDefect => "去除污点、灰尘和划痕，校正亮度对比度，输出 1200×1200 JPEG。",
        TaskType::CropPng => "把商品抠出来，输出带透明背景的 PNG。",
        TaskType::CropWhiteBg => "商品放在纯白 800×800 画布中央，占画面 80%。",
        TaskType::Resize => "把图片改成 1920×1080、1200×1200、800×800、400×400 或自定义尺寸。",
        TaskType::Watermark => "加文字或图片水印，可放在四角、中间或平铺。",
        TaskType::FaceSwap => "用一张参考人脸替换这一批模特图中的人脸。",
        TaskType::MultiAngle => "生成商品的其他视角（正面、侧面、背面、俯视）。",
        TaskType::Other => "输入任意修图指令，应用到这一批的每一张图。",
    }
}

fn upload_zone(max_files: usize) -> Markup {
    html! {
        section.upload {
            label.drop #drop {
                input #files type="file" multiple accept="image/*";
                span { "把图片拖到这里，或点击选择（一次最多 " (max_files) " 张，JPEG / PNG / WEBP / BMP / TIFF / GIF）" }
            }
            ul.files #file-list {}
        }
    }
}

fn options(tool: TaskType) -> Markup {
    match tool {
        TaskType::Resize => resize_options(),
        TaskType::Watermark => watermark_options(),
        TaskType::RemoveDefect => html! {
            (select("fit", "适配方式", &[("contain", "完整保留（白边补齐）"), ("cover", "铺满裁切")]))
            (number("brightness", "亮度（-100 到 100）", "0", "-100", "100", "1"))
            (number("contrast", "对比度（-100 到 100）", "0", "-100", "100", "1"))
        },
        TaskType::CropPng => html! {
            label.check { input type="checkbox" data-opt="trim" data-kind="bool"; "裁到商品边缘（留少量边距）" }
        },
        TaskType::CropWhiteBg => html! {
            (select("preset", "规格", &[("none", "通用 800×800，占比 80%"), ("amazon", "亚马逊主图 1600×1600，占比 85%")]))
            (number("fill", "商品占比（0.5 到 0.95，留空用规格默认值）", "", "0.5", "0.95", "0.01"))
        },
        TaskType::FaceSwap => html! {
            (reference("face_image", "参考人脸图片"))
        },
        TaskType::MultiAngle => html! {
            fieldset.views data-opt="views" data-kind="list" {
                legend { "视角" }
                @for (value, label, on) in [("front", "正面", true), ("left", "左侧", true), ("right", "右侧", true),
                                            ("back", "背面", true), ("top", "俯视", false), ("three_quarter", "45° 侧前方", true)] {
                    label.check { input type="checkbox" value=(value) checked[on]; (label) }
                }
            }
        },
        TaskType::Other => html! {
            label { "修图指令（必填，最多 800 字）" textarea data-opt="prompt" data-kind="text" maxlength="800" required {} }
            label { "不希望出现的内容（可选）" input data-opt="negative_prompt" data-kind="text" maxlength="500"; }
            (number("seed", "随机种子（可选）", "", "0", "2147483647", "1"))
            (number("n", "每张生成几张（1 到 6）", "1", "1", "6", "1"))
        },
    }
}

fn resize_options() -> Markup {
    html! {
        label { "尺寸"
            select #preset {
                option value="1920x1080" { "1920×1080（横幅）" }
                option value="1200x1200" { "1200×1200" }
                option value="800x800" selected { "800×800" }
                option value="400x400" { "400×400" }
                option value="custom" { "自定义" }
            }
        }
        (number("width", "宽（像素）", "800", "16", "10000", "1"))
        (number("height", "高（像素）", "800", "16", "10000", "1"))
        (select("mode", "适配方式", &[("contain", "完整保留（补边）"), ("cover", "铺满裁切"), ("stretch", "拉伸（会变形）")]))
        (select("format", "输出格式", &[("keep", "保持原格式"), ("jpg", "JPEG"), ("png", "PNG"), ("webp", "WEBP")]))
        label { "补边颜色" input type="color" data-opt="background" data-kind="text" value="#ffffff"; }
    }
}

fn watermark_options() -> Markup {
    html! {
        (select("kind", "水印类型", &[("text", "文字"), ("image", "图片（PNG）")]))
        label { "水印文字" input data-opt="text" data-kind="text" maxlength="200" placeholder="例如：店铺名称"; }
        (reference("image", "水印图片（带透明背景的 PNG）"))
        (select("position", "位置", &[("bottom_right", "右下"), ("bottom_left", "左下"), ("top_right", "右上"),
                                      ("top_left", "左上"), ("center", "居中"), ("tile", "平铺")]))
        (number("size", "大小（占图片宽度的比例）", "", "0.01", "1", "0.01"))
        label { "文字颜色" input type="color" data-opt="color" data-kind="text" value="#ffffff"; }
        (number("opacity", "不透明度（0 到 1）", "0.5", "0", "1", "0.05"))
        (number("margin", "边距（占宽度的比例）", "0.03", "0", "0.25", "0.01"))
    }
}

fn select(key: &str, label: &str, choices: &[(&str, &str)]) -> Markup {
    html! {
        label { (label)
            select data-opt=(key) data-kind="text" {
                @for (value, text) in choices { option value=(value) { (text) } }
            }
        }
    }
}

fn number(key: &str, label: &str, value: &str, min: &str, max: &str, step: &str) -> Markup {
    html! {
        label { (label)
            input type="number" data-opt=(key) data-kind="number" value=(value) min=(min) max=(max) step=(step);
        }
    }
}

/// A second picture (reference face, watermark image), uploaded on its own.
fn reference(key: &str, label: &str) -> Markup {
    html! {
        label.reference { (label)
            input type="file" accept="image/*" data-ref=(key);
            span.ref-status {}
        }
    }
}
