use serde_json::{json, Value};

use super::Submitter;
use crate::storage::random_token;
use crate::store::{NewTask, StoreError, UploadRow};
use crate::task::{TaskId, TaskType, UserId};
use crate::tools::{OptionError, ToolOptions};

/// What `POST /api/tasks` carries.
#[derive(Debug, Clone)]
pub struct Submission {
    pub task_type: String,
    pub images: Vec<String>,
    pub options: Value,
}

#[derive(Debug, Clone)]
pub struct SubmittedBatch {
    pub batch_id: String,
    pub tasks: Vec<(TaskId, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Refused input: `field` names what was wrong, `message` says it in Chinese.
    #[error("{field}: {message}")]
    Invalid {
        code: &'static str,
        field: String,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<OptionError> for SubmitError {
    fn from(err: OptionError) -> Self {
        SubmitError::Invalid {
            code: "invalid_option",
            field: err.field,
            message: err.message,
        }
    }
}

fn invalid(
    code: &'static str,
    field: impl Into<String>,
    message: impl Into<String>,
) -> SubmitError {
    SubmitError::Invalid {
        code,
        field: field.into(),
        message: message.into(),
    }
}

impl Submitter {
    /// Checks a submission, stores one task per image and queues them.
    pub async fn submit(
        &self,
        user_id: UserId,
        sub: Submission,
    ) -> Result<SubmittedBatch, SubmitError> {
        let task_type = TaskType::parse(&sub.task_type)
            .ok_or_else(|| invalid("unknown_task_type", "task_type", "不支持的工具类型"))?;
        let options = ToolOptions::parse(task_type, &sub.options)?;
        self.check_count(sub.images.len())?;
        let inputs = self.own_uploads(user_id, &sub.images).await?;
        let reference = self.reference(user_id, &options).await?;
        let batch_id = random_token(16);
        let tasks: Vec<NewTask> = inputs
            .iter()
            .map(|(url, upload)| NewTask {
                user_id,
                batch_id: batch_id.clone(),
                task_type,
                task_params: params(task_type, url, upload, &options, reference.as_ref()),
                original_path: url.clone(),
            })
            .collect();
        let ids = self.db.insert_tasks(&tasks).await?;
        tracing::info!(%batch_id, %task_type, tasks = ids.len(), user_id, "batch accepted");
        self.publish_new(&ids).await;
        let tasks = ids.into_iter().zip(sub.images).collect();
        Ok(SubmittedBatch { batch_id, tasks })
    }

    fn check_count(&self, count: usize) -> Result<(), SubmitError> {
        if count == 0 {
            return Err(invalid("no_images", "images", "请至少选择一张图片"));
        }
        if count > self.files_per_batch {
            let msg = format!(
                "一批最多 {} 张图片，本次提交了 {count} 张",
                self.files_per_batch
            );
            return Err(invalid("too_many_images", "images", msg));
        }
        Ok(())
    }

    /// Each image must be an upload of this user, named by its URL.
    async fn own_uploads(
        &self,
        user_id: UserId,
        urls: &[String],
    ) -> Result<Vec<(String, UploadRow)>, SubmitError> {
        let mut found = Vec::with_capacity(urls.len());
        for (i, url) in urls.iter().enumerate() {
            let field = format!("images[{i}]");
            found.push((url.clone(), self.own_upload(user_id, url, &field).await?));
        }
        Ok(found)
    }

    async fn own_upload(
        &self,
        user_id: UserId,
        url: &str,
        field: &str,
    ) -> Result<UploadRow, SubmitError> {
        let missing = || invalid("unknown_image", field, "图片不存在或已过期，请重新上传");
        let name = self.storage.temp_name_of(url).ok_or_else(missing)?;
        self.db.upload(user_id, &name).await?.ok_or_else(missing)
    }

    async fn reference(
        &self,
        user_id: UserId,
        options: &ToolOptions,
    ) -> Result<Option<(String, UploadRow)>, SubmitError> {
        let Some(url) = options.ref_image() else {
            return Ok(None);
        };
        let field = match options {
            ToolOptions::Watermark(_) => "options.image",
            _ => "options.face_image",
        };
        let upload = self.own_upload(user_id, url, field).await?;
        Ok(Some((url.to_string(), upload)))
    }

    async fn publish_new(&self, ids: &[TaskId]) {
        for id in ids {
            let row = match self.db.task(*id).await {
                Ok(Some(row)) => row,
                _ => continue,
            };
            if let Err(err) = self.publish(&row).await {
                tracing::warn!(task_id = id, error = %err, "publish failed; sweeper will resend");
            }
        }
    }
}

fn params(
    task_type: TaskType,
    url: &str,
    upload: &UploadRow,
    options: &ToolOptions,
    reference: Option<&(String, UploadRow)>,
) -> Value {
    let mut params = json!({
        "image": url,
        "action": task_type.as_str(),
        "options": options.to_json(),
        "original_name": upload.original_name,
        "width": upload.width,
        "height": upload.height,
        // Results of this task go to one random folder, chosen now so that a rerun
        // overwrites its own files.
        "result_dir": random_token(16),
    });
    if let Some((ref_url, ref_upload)) = reference {
        params["ref_image"] = json!(ref_url);
        params["ref_original_name"] = json!(ref_upload.original_name);
    }
    params
}
