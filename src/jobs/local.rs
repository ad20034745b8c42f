//! The tools that never go to the model: resize and watermark.

use serde_json::{json, Value};

use super::{param, JobContext, JobError, JobOutput};
use crate::imaging::{self, Encoded, ResizeSpec, WatermarkMark, WatermarkSpec};
use crate::queue::TaskOrder;
use crate::storage::result_file_name;
use crate::task::TaskType;
use crate::tools::{ResizeOptions, WatermarkKind, WatermarkOptions};

pub async fn run(ctx: &JobContext, order: &TaskOrder) -> Result<JobOutput, JobError> {
    let input_url = param(order, "image").ok_or_else(|| bad_params("image"))?;
    let input = ctx.storage.read_upload(input_url).await?;
    let options = order
        .task_params
        .get("options")
        .cloned()
        .unwrap_or(Value::Null);
    let (encoded, suffix) = match order.task_type {
        TaskType::Resize => {
            let opts: ResizeOptions =
                serde_json::from_value(options).map_err(|_| bad_params("options"))?;
            let suffix = format!("{}x{}", opts.width, opts.height);
            (resize(ctx, input, &opts).await?, suffix)
        }
        TaskType::Watermark => {
            let opts: WatermarkOptions =
                serde_json::from_value(options).map_err(|_| bad_params("options"))?;
            (watermark(ctx, order, input, &opts).await?, "wm".to_string())
        }
        other => {
            return Err(JobError::final_error(
                "wrong_lane",
                format!("{other} 不是本地工具"),
            ))
        }
    };
    store(ctx, order, &encoded, &suffix).await
}

fn bad_params(field: &str) -> JobError {
    JobError::final_error("bad_task_params", format!("任务参数缺少或有误：{field}"))
}

async fn resize(
    ctx: &JobContext,
    input: Vec<u8>,
    opts: &ResizeOptions,
) -> Result<Encoded, JobError> {
    let spec = ResizeSpec {
        width: opts.width,
        height: opts.height,
        mode: opts.mode,
        format: opts.format,
        background: opts.background,
    };
    let limits = ctx.limits;
    Ok(ctx
        .pool
        .run(move || imaging::resize(&input, &spec, &limits))
        .await?)
}

async fn watermark(
    ctx: &JobContext,
    order: &TaskOrder,
    input: Vec<u8>,
    opts: &WatermarkOptions,
) -> Result<Encoded, JobError> {
    let mark = match opts.kind {
        WatermarkKind::Text => WatermarkMark::Text {
            text: opts
                .text
                .clone()
                .ok_or_else(|| bad_params("options.text"))?,
            color: opts.color,
        },
        WatermarkKind::Image => {
            let url = param(order, "ref_image").ok_or_else(|| bad_params("ref_image"))?;
            WatermarkMark::Image {
                png_bytes: ctx.storage.read_upload(url).await?,
            }
        }
    };
    let spec = WatermarkSpec {
        mark,
        position: opts.position,
        size: opts.size as f32,
        opacity: opts.opacity as f32,
        margin: opts.margin as f32,
    };
    let (limits, fonts) = (ctx.limits, ctx.fonts.clone());
    Ok(ctx
        .pool
        .run(move || imaging::watermark(&input, &spec, &fonts, &limits))
        .await?)
}

async fn store(
    ctx: &JobContext,
    order: &TaskOrder,
    encoded: &Encoded,
    suffix: &str,
) -> Result<JobOutput, JobError> {
    let folder = param(order, "result_dir").ok_or_else(|| bad_params("result_dir"))?;
    let original = param(order, "original_name").unwrap_or("image");
    let name = result_file_name(original, suffix, None, encoded.format.extension());
    let url = ctx
        .storage
        .write_result(folder, &name, &encoded.bytes)
        .await?;
    let data = json!({
        "result_urls": [url],
        "outputs": [{
            "url": url, "width": encoded.width, "height": encoded.height,
            "format": encoded.format.extension(), "bytes": encoded.bytes.len(),
            "upscaled": encoded.upscaled,
        }],
    });
    Ok(JobOutput {
        result_urls: vec![url],
        data,
    })
}
