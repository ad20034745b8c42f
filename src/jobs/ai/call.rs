//! One AI task's dealings with the service: its input pictures, its calls, what they cost.

use bytes::Bytes;
use image::{DynamicImage, RgbImage};
use serde_json::{json, Value};
use url::Url;

use super::SharedTools;
use crate::dashscope::{
    DashscopeClient, DashscopeError, EditOutcome, EditRequest, ErrorClass, ImageSource,
};
use crate::jobs::{param, FailClass, JobContext, JobError};
use crate::queue::TaskOrder;

/// What the AI tools share in one worker process: the client, with its rate gate and its
/// bound on calls in flight.
pub struct AiTools {
    pub client: DashscopeClient,
}

pub(super) struct AiJob {
    pub ctx: JobContext,
    pub tools: SharedTools,
    pub order: TaskOrder,
    pub input_url: Option<Url>,
    pub input: Bytes,
    calls: Vec<Value>,
    images_billed: u64,
}

impl AiJob {
    pub async fn start(
        ctx: &JobContext,
        tools: SharedTools,
        order: &TaskOrder,
    ) -> Result<AiJob, JobError> {
        let url = param(order, "image").ok_or_else(|| missing("image"))?;
        let input = Bytes::from(ctx.storage.read_upload(url).await?);
        Ok(AiJob {
            ctx: ctx.clone(),
            tools,
            order: order.clone(),
            input_url: Url::parse(url).ok(),
            input,
            calls: Vec::new(),
            images_billed: 0,
        })
    }

    /// The upload as the service should see it: its URL and its bytes, so the client can
    /// send either (a data URI when `public_url` is not reachable from the internet).
    pub fn input_source(&self) -> ImageSource {
        source(self.input_url.clone(), self.input.clone())
    }

    /// The second picture of the task (the reference face).
    pub async fn ref_source(&self) -> Result<ImageSource, JobError> {
        let url = param(&self.order, "ref_image").ok_or_else(|| missing("ref_image"))?;
        let bytes = self.ctx.storage.read_upload(url).await?;
        Ok(source(Url::parse(url).ok(), Bytes::from(bytes)))
    }

    /// The upload decoded (upright, sRGB), off the async threads.
    pub async fn decode_input(&self) -> Result<DynamicImage, JobError> {
        let (bytes, limits) = (self.input.clone(), self.ctx.limits);
        Ok(self
            .ctx
            .pool
            .run(move || crate::imaging::decode(&bytes, &limits))
            .await?)
    }

    /// One call; returns every output decoded as RGB. Each call is recorded for
    /// `result_data` and its billed images counted.
    pub async fn call(&mut self, mut request: EditRequest) -> Result<Vec<RgbImage>, JobError> {
        request.task_id = Some(self.order.task_id.to_string());
        let outcome = self
            .tools
            .client
            .edit(request)
            .await
            .map_err(|e| self.refused(e))?;
        self.record(&outcome);
        let images: Vec<Bytes> = outcome.images.iter().map(|o| o.bytes.clone()).collect();
        let limits = self.ctx.limits;
        let decoded = self
            .ctx
            .pool
            .run(move || {
                images
                    .iter()
                    .map(|b| crate::imaging::decode(b, &limits).map(|i| i.to_rgb8()))
                    .collect()
            })
            .await;
        decoded.map_err(|e| {
            JobError::retry(
                "model_output_unreadable",
                format!("模型返回的图片无法读取：{}", e.message_zh()),
            )
        })
    }

    fn record(&mut self, outcome: &EditOutcome) {
        self.images_billed += u64::from(outcome.usage.image_count);
        self.calls
            .push(serde_json::to_value(outcome).unwrap_or(Value::Null));
        tracing::info!(
            request_id = %outcome.request_id,
            images = outcome.usage.image_count,
            attempts = outcome.attempts,
            total_ms = outcome.durations.total_ms,
            "model call finished"
        );
    }

    fn refused(&mut self, err: DashscopeError) -> JobError {
        let class = match err.class() {
            ErrorClass::Retry => FailClass::Retry,
            ErrorClass::Final => FailClass::Final,
            ErrorClass::StopLane => FailClass::StopLane,
        };
        let mut data = self.data(json!({}));
        data["dashscope_error"] = err.record();
        JobError {
            class,
            code: err.code().into(),
            message: err.message_zh().into(),
            data,
        }
    }

    /// `result_data` common to every AI task: the calls made and what they cost.
    pub fn data(&self, extra: Value) -> Value {
        let mut data = json!({
            "model": self.tools.client.settings().model,
            "cost": {"images": self.images_billed, "calls": self.calls.len()},
            "calls": self.calls,
        });
        if let (Some(map), Value::Object(extra)) = (data.as_object_mut(), extra) {
            map.extend(extra);
        }
        data
    }
}

fn source(url: Option<Url>, bytes: Bytes) -> ImageSource {
    match url {
        Some(url) => ImageSource::both(url, bytes),
        None => ImageSource::bytes(bytes),
    }
}

fn missing(field: &str) -> JobError {
    JobError::final_error("bad_task_params", format!("任务参数缺少或有误：{field}"))
}
