//! Writing an AI task's deliverables next to each other in the task's result folder.

use serde_json::{json, Value};

use super::call::AiJob;
use crate::imaging::{self, Encoded, OutputFormat};
use crate::jobs::{param, JobError, JobOutput};
use crate::storage::sanitize_stem;

/// One deliverable: its picture and the word after the original name (`IMG_0012_white.jpg`).
pub struct Deliverable {
    pub image: image::DynamicImage,
    pub format: OutputFormat,
    pub suffix: String,
}

/// Encodes and stores the deliverables in order; the first is the task's `result_url`.
pub async fn store(
    job: &AiJob,
    items: Vec<Deliverable>,
    extra: Value,
) -> Result<JobOutput, JobError> {
    let folder = param(&job.order, "result_dir")
        .ok_or_else(|| JobError::final_error("bad_task_params", "任务参数缺少 result_dir"))?;
    let stem = sanitize_stem(param(&job.order, "original_name").unwrap_or("image"));
    let mut urls = Vec::new();
    let mut outputs = Vec::new();
    for item in items {
        let encoded = encode(job, item.image, item.format).await?;
        let name = format!("{stem}_{}.{}", item.suffix, encoded.format.extension());
        let url = job
            .ctx
            .storage
            .write_result(folder, &name, &encoded.bytes)
            .await?;
        outputs.push(
            json!({"url": url, "width": encoded.width, "height": encoded.height,
                            "format": encoded.format.extension(), "bytes": encoded.bytes.len()}),
        );
        urls.push(url);
    }
    let mut data = job.data(extra);
    data["result_urls"] = json!(urls);
    data["outputs"] = json!(outputs);
    Ok(JobOutput {
        result_urls: urls,
        data,
    })
}

async fn encode(
    job: &AiJob,
    image: image::DynamicImage,
    format: OutputFormat,
) -> Result<Encoded, JobError> {
    let quality = imaging::DEFAULT_JPEG_QUALITY;
    Ok(job
        .ctx
        .pool
        .run(move || imaging::encode(&image, format, quality))
        .await?)
}
