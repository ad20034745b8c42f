//! Tools whose deliverable is the model's picture, fitted locally: defect removal, face swap,
//! other views, free instructions.

use image::{DynamicImage, RgbImage};
use serde_json::json;

use super::call::AiJob;
use super::prompts;
use super::store::{store, Deliverable};
use crate::dashscope::EditRequest;
use crate::imaging::ai::{check_edited_photo, finish_defect_output, GateFailure};
use crate::imaging::{fit_on_canvas, FitMode, OutputFormat};
use crate::jobs::{param_u32, JobError, JobOutput};
use crate::tools::{MultiAngleOptions, OtherOptions, RemoveDefectOptions};

/// Largest side of a face-swap result: the model photo's own size, up to this.
const MAX_FACE_SIDE: u32 = 4096;

pub async fn remove_defect(mut job: AiJob, o: &RemoveDefectOptions) -> Result<JobOutput, JobError> {
    let size = input_size(&job);
    let make = |seed| {
        with(
            EditRequest::new(prompts::remove_defect(), vec![job.input_source()]),
            seed,
            prompts::NEGATIVE_COMMON,
        )
    };
    let first = make(None);
    let retry = make(Some(rand::random::<u32>() >> 1));
    let output = gated(&mut job, first, retry, move |img| {
        check_edited_photo(size, img)
    })
    .await?;
    let (w, h, b, c) = (o.width, o.height, o.brightness as i32, o.contrast as i32);
    let mode = o.fit;
    let image = job
        .ctx
        .pool
        .run(move || Ok(finish_defect_output(&output, w, h, mode, b, c)))
        .await?;
    let item = Deliverable {
        image: DynamicImage::ImageRgb8(image),
        format: OutputFormat::Jpeg,
        suffix: "clean".into(),
    };
    store(&job, vec![item], json!({})).await
}

/// The reference face is 图1 and the model photo 图2: without `size` the output takes the
/// last image's aspect, so the model photo's framing is kept.
pub async fn face_swap(mut job: AiJob) -> Result<JobOutput, JobError> {
    let size = input_size(&job);
    let images = vec![job.ref_source().await?, job.input_source()];
    let make = |seed| {
        with(
            EditRequest::new(prompts::face_swap(), images.clone()),
            seed,
            prompts::NEGATIVE_FACE,
        )
    };
    let (first, retry) = (make(None), make(Some(rand::random::<u32>() >> 1)));
    let output = gated(&mut job, first, retry, move |img| {
        check_edited_photo(size, img)
    })
    .await?;
    let (w, h) = cap(size, MAX_FACE_SIDE);
    let image = job
        .ctx
        .pool
        .run(move || {
            Ok(fit_on_canvas(
                &DynamicImage::ImageRgb8(output),
                w,
                h,
                FitMode::Cover,
                [255; 3],
            ))
        })
        .await?;
    let item = Deliverable {
        image,
        format: OutputFormat::Jpeg,
        suffix: "face".into(),
    };
    store(&job, vec![item], json!({})).await
}

/// One call per view: `n` would only give variations of one instruction.
pub async fn multi_angle(mut job: AiJob, o: &MultiAngleOptions) -> Result<JobOutput, JobError> {
    let mut items = Vec::new();
    for view in &o.views {
        let make = |seed| {
            with(
                EditRequest::new(prompts::view(*view), vec![job.input_source()]),
                seed,
                prompts::NEGATIVE_COMMON,
            )
        };
        let (first, retry) = (make(None), make(Some(rand::random::<u32>() >> 1)));
        let output = gated(&mut job, first, retry, |img| {
            check_edited_photo(img.dimensions(), img)
        })
        .await?;
        let suffix = prompts::view_slug(*view).to_string();
        items.push(Deliverable {
            image: DynamicImage::ImageRgb8(output),
            format: OutputFormat::Jpeg,
            suffix,
        });
    }
    let views: Vec<&str> = o.views.iter().map(|v| prompts::view_slug(*v)).collect();
    store(&job, items, json!({"views": views})).await
}

pub async fn other(mut job: AiJob, o: &OtherOptions) -> Result<JobOutput, JobError> {
    let mut request = EditRequest::new(o.prompt.clone(), vec![job.input_source()]);
    request.negative_prompt = o.negative_prompt.clone();
    request.seed = o.seed.map(|s| s as u32);
    request.n = o.n;
    let outputs = job.call(request).await?;
    if outputs.is_empty() {
        return Err(JobError::retry("no_output", "模型没有返回图片"));
    }
    let items = outputs
        .into_iter()
        .enumerate()
        .map(|(i, img)| Deliverable {
            image: DynamicImage::ImageRgb8(img),
            format: OutputFormat::Jpeg,
            suffix: if i == 0 {
                "edit".into()
            } else {
                format!("edit_{}", i + 1)
            },
        })
        .collect();
    store(&job, items, json!({})).await
}

fn with(mut request: EditRequest, seed: Option<u32>, negative: &str) -> EditRequest {
    request.seed = seed;
    request.negative_prompt = Some(negative.to_string());
    request
}

/// Calls, checks the first output, and tries once more with another seed when the check
/// refuses it; junk is never delivered.
pub(super) async fn gated(
    job: &mut AiJob,
    first: EditRequest,
    retry: EditRequest,
    check: impl Fn(&RgbImage) -> Result<(), GateFailure>,
) -> Result<RgbImage, JobError> {
    let mut last = None;
    for request in [first, retry] {
        let output = job.call(request).await?.into_iter().next();
        let Some(output) = output else { continue };
        match check(&output) {
            Ok(()) => return Ok(output),
            Err(failure) => {
                tracing::warn!(
                    code = failure.code(),
                    "model output refused by the quality gate"
                );
                last = Some(failure);
            }
        }
    }
    let failure = last.unwrap_or(GateFailure::BlankOutput);
    let mut err = JobError::final_error(
        failure.code(),
        format!("模型结果不合格，已重试一次：{failure}"),
    );
    err.data = job.data(json!({}));
    Err(err)
}

fn input_size(job: &AiJob) -> (u32, u32) {
    let w = param_u32(&job.order, "width").unwrap_or(1);
    let h = param_u32(&job.order, "height").unwrap_or(1);
    (w, h)
}

fn cap((w, h): (u32, u32), max: u32) -> (u32, u32) {
    let longest = w.max(h).max(1);
    if longest <= max {
        return (w.max(1), h.max(1));
    }
    let scale = f64::from(max) / f64::from(longest);
    (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    )
}
