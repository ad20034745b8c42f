//! Cut-outs: the model puts the product on a flat key colour, and the alpha, the edges and
//! the product's own pixels are made locally (see `imaging::ai::cutout`).

use image::{DynamicImage, RgbImage};
use serde_json::json;

use super::call::AiJob;
use super::prompts;
use super::store::{store, Deliverable};
use crate::dashscope::EditRequest;
use crate::imaging::ai::{
    choose_key_color, choose_key_color_excluding, cutout, key_color_name_zh, white_background,
    CutoutResult,
};
use crate::imaging::OutputFormat;
use crate::jobs::{JobError, JobOutput};
use crate::tools::{CropPngOptions, WhiteBgOptions};

pub async fn crop_png(mut job: AiJob, o: &CropPngOptions) -> Result<JobOutput, JobError> {
    let (result, key) = cut(&mut job, o.trim).await?;
    let extra = facts(&result, key);
    let item = Deliverable {
        image: DynamicImage::ImageRgba8(result.image),
        format: OutputFormat::Png,
        suffix: "cutout".into(),
    };
    store(&job, vec![item], extra).await
}

pub async fn white_bg(mut job: AiJob, o: &WhiteBgOptions) -> Result<JobOutput, JobError> {
    let (result, key) = cut(&mut job, false).await?;
    let extra = facts(&result, key);
    let (w, h, fill) = (o.width, o.height, o.fill as f32);
    let image = job
        .ctx
        .pool
        .run(move || Ok(white_background(&result.image, w, h, fill)))
        .await?;
    let item = Deliverable {
        image: DynamicImage::ImageRgb8(image),
        format: OutputFormat::Jpeg,
        suffix: "white".into(),
    };
    store(&job, vec![item], extra).await
}

/// Asks for the product on a key colour that contrasts with it; when the gate refuses the
/// result, asks once more on another key colour and seed.
async fn cut(job: &mut AiJob, trim: bool) -> Result<(CutoutResult, [u8; 3]), JobError> {
    let original = job.decode_input().await?;
    let mut tried: Vec<[u8; 3]> = Vec::new();
    let mut refusal = None;
    for round in 0..2 {
        let (orig, seen) = (original.clone(), tried.clone());
        let key = job.ctx.pool.run(move || Ok(pick_key(&orig, &seen))).await?;
        tried.push(key);
        let output = job
            .call(key_request(job, key, round))
            .await?
            .into_iter()
            .next();
        let Some(output) = output else { continue };
        let result = compose(job, original.clone(), output, key, trim).await?;
        match result.gate() {
            Ok(()) => return Ok((result, key)),
            Err(failure) => {
                tracing::warn!(
                    code = failure.code(),
                    round,
                    "cut-out refused by the quality gate"
                );
                refusal = Some(failure);
            }
        }
    }
    let failure = refusal.map_or_else(
        || ("no_output".to_string(), "模型没有返回图片".to_string()),
        |f| (f.code().to_string(), f.to_string()),
    );
    let mut err = JobError::final_error(
        &failure.0,
        format!("抠图结果不合格，已重试一次：{}", failure.1),
    );
    err.data = job.data(json!({"key_colors": tried}));
    Err(err)
}

fn pick_key(original: &DynamicImage, tried: &[[u8; 3]]) -> [u8; 3] {
    if tried.is_empty() {
        choose_key_color(original)
    } else {
        choose_key_color_excluding(original, tried)
    }
}

fn key_request(job: &AiJob, key: [u8; 3], round: usize) -> EditRequest {
    let prompt = prompts::key_background(&key_color_name_zh(key), key);
    let mut request = EditRequest::new(prompt, vec![job.input_source()]);
    request.negative_prompt = Some(prompts::NEGATIVE_KEY.to_string());
    if round > 0 {
        request.seed = Some(rand::random::<u32>() >> 1);
    }
    request
}

async fn compose(
    job: &AiJob,
    original: DynamicImage,
    output: RgbImage,
    key: [u8; 3],
    trim: bool,
) -> Result<CutoutResult, JobError> {
    Ok(job
        .ctx
        .pool
        .run(move || Ok(cutout(&original, &output, key, trim)))
        .await?)
}

fn facts(result: &CutoutResult, key: [u8; 3]) -> serde_json::Value {
    json!({
        "key_color": key,
        "used_original_pixels": result.used_original_pixels,
        "mask_coverage": result.mask_coverage,
        "alignment": {
            "scale_x": result.alignment.scale_x,
            "scale_y": result.alignment.scale_y,
            "dx": result.alignment.dx,
            "dy": result.alignment.dy,
            "score": result.alignment.score,
        },
    })
}
