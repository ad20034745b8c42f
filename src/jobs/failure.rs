use serde_json::{json, Value};

use crate::imaging::ImagingError;
use crate::storage::StorageError;

/// What the worker does with a failed task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailClass {
    /// Passing trouble (throttling, a server error, a lost connection): the message goes back
    /// to the queue and is delivered again, up to the delivery limit.
    Retry,
    /// The task cannot succeed as given (bad picture, refused content): it fails now, with
    /// the reason shown to the user.
    Final,
    /// Nothing on this lane can succeed until an operator fixes the setup (wrong key,
    /// account in arrears): the lane pauses and its tasks wait.
    StopLane,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct JobError {
    pub class: FailClass,
    /// Stable snake_case code for scripts.
    pub code: String,
    /// Plain Chinese sentence for the user.
    pub message: String,
    /// Extra facts for `result_data` (request id, attempts...).
    pub data: Value,
}

impl JobError {
    pub fn final_error(code: &str, message: impl Into<String>) -> JobError {
        JobError {
            class: FailClass::Final,
            code: code.into(),
            message: message.into(),
            data: json!({}),
        }
    }

    pub fn retry(code: &str, message: impl Into<String>) -> JobError {
        JobError {
            class: FailClass::Retry,
            code: code.into(),
            message: message.into(),
            data: json!({}),
        }
    }
}

impl From<ImagingError> for JobError {
    fn from(err: ImagingError) -> JobError {
        match err {
            // A panic or a lost blocking thread says nothing about the picture: try again.
            ImagingError::Internal(_) => JobError::retry(err.code(), err.message_zh()),
            _ => JobError::final_error(err.code(), err.message_zh()),
        }
    }
}

impl From<StorageError> for JobError {
    fn from(err: StorageError) -> JobError {
        if err.is_missing() {
            return JobError::final_error("input_missing", "原图文件已不存在，请重新上传");
        }
        match &err {
            StorageError::ForeignUrl(_) => {
                JobError::final_error("input_missing", "原图不是本站上传的文件")
            }
            // A full disk, a shared folder that went away, an object store that is down or
            // refuses our credentials: all may come back, and the task must not be lost.
            _ => {
                tracing::warn!(error = %err, "storage error");
                JobError::retry("storage_unavailable", "文件存储暂时不可用")
            }
        }
    }
}
