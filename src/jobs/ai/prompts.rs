//! The instructions sent to the model, one per tool. Each says plainly what must stay
//! unchanged, because the model edits well but drifts wherever it is not told otherwise;
//! `prompt_extend` stays off so they reach the model word for word.

use crate::tools::View;

/// Shared by every tool that must not touch the product itself.
const KEEP_PRODUCT: &str =
    "商品本身保持完全不变：形状、颜色、材质、纹理、logo、文字和图案都不能改变，\
     不要添加或删除任何物体，不要裁切商品。";

pub const NEGATIVE_COMMON: &str =
    "变形, 扭曲, 模糊, 文字错误, logo改变, 颜色改变, 新增物体, 水印, 边框, 低质量";

pub fn remove_defect() -> String {
    format!(
        "修复图1中的商品照片：去除商品和背景上的污点、灰尘、划痕、指纹和瑕疵，\
         适度校正亮度和对比度，让画面干净清晰、曝光均匀。{KEEP_PRODUCT}\
         构图、视角和背景布局保持不变。"
    )
}

/// The product on one flat colour, from which the alpha is computed locally.
pub fn key_background(color_zh: &str, rgb: [u8; 3]) -> String {
    let [r, g, b] = rgb;
    format!(
        "把图1中商品以外的全部背景替换成均匀的{color_zh}纯色背景（RGB {r},{g},{b}），\
         背景上不要有阴影、倒影、渐变、纹理或光斑。{KEEP_PRODUCT}\
         商品在画面中的位置和大小保持不变。"
    )
}

pub const NEGATIVE_KEY: &str =
    "阴影, 倒影, 渐变背景, 背景纹理, 商品变形, 商品颜色改变, 文字改变, 商品被裁切";

/// 图1 is the reference face, 图2 the model photo whose framing is kept (it goes last).
pub fn face_swap() -> String {
    "将图2中人物的脸部替换为图1中人物的脸部五官和脸型。保留图2的发型、头部角度、表情方向、\
     姿势、服装、饰品、光线、背景和构图完全不变，肤色与图2的光线自然融合，边缘无痕迹。"
        .to_string()
}

pub const NEGATIVE_FACE: &str = "五官扭曲, 双脸, 面部模糊, 发型改变, 服装改变, 背景改变, 低质量";

pub fn view(view: View) -> String {
    format!(
        "生成图1中同一件商品的{}。商品的形状、比例、颜色、材质、logo和文字与图1保持一致，\
         纯白色背景，柔和的影棚光，商品完整居中显示，不要出现其他物体。",
        view_zh(view)
    )
}

pub fn view_zh(view: View) -> &'static str {
    match view {
        View::Front => "正面视图",
        View::Left => "左侧面视图",
        View::Right => "右侧面视图",
        View::Back => "背面视图",
        View::Top => "俯视图（从正上方看）",
        View::ThreeQuarter => "45度斜侧前方视图",
    }
}

pub fn view_slug(view: View) -> &'static str {
    match view {
        View::Front => "front",
        View::Left => "left",
        View::Right => "right",
        View::Back => "back",
        View::Top => "top",
        View::ThreeQuarter => "three_quarter",
    }
}
