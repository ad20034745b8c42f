//! One error type for the lane. Every case of the contract's error table is sorted here, once,
//! into retry, final or stop-the-lane; callers act on [`ErrorClass`] and never re-read codes.

use std::time::Duration;

use thiserror::Error;

use super::outcome::AttemptRecord;

/// What the caller should do with a failed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Transient: the same request may succeed later (throttling, server trouble, network).
    Retry,
    /// This task cannot succeed as it is: fail it with the message.
    Final,
    /// No task can succeed until an operator fixes the account or configuration.
    StopLane,
}

/// The cause of a failure, with the facts each class needs.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum ErrorKind {
    #[error("API key rejected ({code})")]
    InvalidApiKey { code: String },
    #[error("no API key configured")]
    MissingApiKey,
    #[error("account in arrears ({code})")]
    Arrearage { code: String },
    #[error("access denied or free quota exhausted ({code})")]
    AccessDenied { code: String },
    #[error("bills overdue ({code})")]
    BillOverdue { code: String },
    #[error("model not found ({code})")]
    ModelNotFound { code: String },
    #[error("invalid parameter ({code}): {message}")]
    InvalidParameter { code: String, message: String },
    #[error("service could not download an input image: {message}")]
    InputDownload { message: String },
    #[error("content moderation refused the request ({code})")]
    ContentRejected { code: String },
    #[error("throttled ({code})")]
    Throttled {
        code: String,
        retry_after: Option<Duration>,
    },
    #[error("server error {status} ({code})")]
    ServerError {
        status: u16,
        code: String,
        retry_after: Option<Duration>,
    },
    #[error("non-JSON answer with status {status}")]
    NonJsonBody { status: u16 },
    #[error("unexpected answer {status} ({code})")]
    UnexpectedStatus { status: u16, code: String },
    #[error("malformed success answer: {0}")]
    MalformedResponse(String),
    #[error("call timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("request refused before sending: {0}")]
    InvalidRequest(String),
    #[error("input image unusable: {0}")]
    InputImage(String),
    #[error("input image could not be fetched: {0}")]
    InputFetch(String),
    #[error("result host {host} is not in dashscope.result_hosts")]
    ResultHostRefused { host: String },
    #[error("result link expired or refused with status {status}")]
    ResultExpired { status: u16 },
    #[error("result larger than {limit} bytes")]
    ResultTooLarge { limit: u64 },
    #[error("result download failed: {0}")]
    ResultDownload(String),
}

impl ErrorKind {
    pub fn class(&self) -> ErrorClass {
        use ErrorKind::*;
        match self {
            InvalidApiKey { .. }
            | MissingApiKey
            | Arrearage { .. }
            | AccessDenied { .. }
            | BillOverdue { .. } => ErrorClass::StopLane,
            // Every call would be billed and then thrown away: an operator must fix the list.
            ResultHostRefused { .. } => ErrorClass::StopLane,
            Throttled { .. } | ServerError { .. } | NonJsonBody { .. } | Timeout => {
                ErrorClass::Retry
            }
            Connection(_) | MalformedResponse(_) | InputFetch(_) | ResultDownload(_) => {
                ErrorClass::Retry
            }
            // Retried a limited number of times by the client, see `retry::RetryPolicy`.
            InputDownload { .. } => ErrorClass::Retry,
            ModelNotFound { .. } | InvalidParameter { .. } | ContentRejected { .. } => {
                ErrorClass::Final
            }
            UnexpectedStatus { .. } | InvalidRequest(_) | InputImage(_) => ErrorClass::Final,
            ResultExpired { .. } | ResultTooLarge { .. } => ErrorClass::Final,
        }
    }

    /// Stable snake_case code stored in `result_data` and shown by the API.
    pub fn code(&self) -> &'static str {
        use ErrorKind::*;
        match self {
            InvalidApiKey { .. } => "invalid_api_key",
            MissingApiKey => "api_key_missing",
            Arrearage { .. } => "arrearage",
            AccessDenied { .. } => "access_denied",
            BillOverdue { .. } => "bill_overdue",
            ModelNotFound { .. } => "model_not_found",
            InvalidParameter { .. } => "invalid_parameter",
            InputDownload { .. } => "input_download_failed",
            ContentRejected { .. } => "content_rejected",
            Throttled { .. } => "throttled",
            ServerError { .. } => "server_error",
            NonJsonBody { .. } => "bad_gateway",
            UnexpectedStatus { .. } => "unexpected_response",
            MalformedResponse(_) => "malformed_response",
            Timeout => "timeout",
            Connection(_) => "connection_failed",
            InvalidRequest(_) => "invalid_request",
            InputImage(_) => "input_image_invalid",
            InputFetch(_) => "input_fetch_failed",
            ResultHostRefused { .. } => "result_host_refused",
            ResultExpired { .. } => "result_link_expired",
            ResultTooLarge { .. } => "result_too_large",
            ResultDownload(_) => "result_download_failed",
        }
    }

    /// Plain Chinese for the operator's task list; no internals, no secrets.
    pub fn message_zh(&self) -> &'static str {
        use ErrorKind::*;
        match self {
            InvalidApiKey { .. } => "API 密钥无效或不属于该地域，请管理员检查 dashscope.api_key",
            MissingApiKey => {
                "AI 服务未配置 API Key，任务已暂停排队；请管理员配置 dashscope.api_key 或 ALIYUN_API_KEY"
            }
            Arrearage { .. } => "阿里云账户已欠费，请充值后任务会自动继续",
            AccessDenied { .. } => "账户无权使用该模型或免费额度已用完，请管理员开通",
            BillOverdue { .. } => "账单逾期未付，请付清后任务会自动继续",
            ModelNotFound { .. } => "模型名称不存在，请管理员检查 dashscope.model",
            InvalidParameter { .. } => "图片或参数不符合要求（格式、尺寸或大小），请换一张图片",
            InputDownload { .. } => "AI 服务无法下载输入图片，请稍后重试",
            ContentRejected { .. } => "图片或描述未通过内容安全审核，请更换图片或描述",
            Throttled { .. } => "AI 服务繁忙（限流），稍后自动重试",
            ServerError { .. } | NonJsonBody { .. } => "AI 服务暂时故障，稍后自动重试",
            UnexpectedStatus { .. } | MalformedResponse(_) => "AI 服务返回了无法识别的结果",
            Timeout => "AI 服务响应超时",
            Connection(_) => "无法连接 AI 服务，请检查网络",
            InvalidRequest(_) => "任务参数无效",
            InputImage(_) => "输入图片已损坏或格式不支持",
            InputFetch(_) => "无法读取输入图片",
            ResultHostRefused { .. } => {
                "结果图片地址不在允许列表中，请管理员检查 dashscope.result_hosts"
            }
            ResultExpired { .. } => "结果图片链接已过期，请重试任务",
            ResultTooLarge { .. } => "结果图片过大",
            ResultDownload(_) => "下载结果图片失败",
        }
    }

    /// Delay the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ErrorKind::Throttled { retry_after, .. } => *retry_after,
            ErrorKind::ServerError { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A failed call: the classified cause plus what the caller records in `result_data`.
#[derive(Clone, Debug, Error)]
#[error("{kind}")]
pub struct DashscopeError {
    pub kind: ErrorKind,
    /// HTTP attempts made before giving up (0 when refused before sending).
    pub attempts: u32,
    /// `request_id` of the last answer, for support tickets with Alibaba.
    pub request_id: Option<String>,
    /// Every attempt made, for `result_data`.
    pub attempt_log: Vec<AttemptRecord>,
}

impl DashscopeError {
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            attempts: 0,
            request_id: None,
            attempt_log: Vec::new(),
        }
    }

    /// What `result_data` keeps of a failure: code, class, plain message, attempts. The
    /// technical detail goes along for support; it holds no secret (keys are never in errors).
    pub fn record(&self) -> serde_json::Value {
        serde_json::json!({
            "code": self.code(),
            "class": self.class(),
            "message": self.message_zh(),
            "detail": self.kind.to_string(),
            "attempts": self.attempts,
            "request_id": self.request_id,
            "attempt_log": self.attempt_log,
        })
    }

    pub fn class(&self) -> ErrorClass {
        self.kind.class()
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn message_zh(&self) -> &'static str {
        self.kind.message_zh()
    }
}

impl From<ErrorKind> for DashscopeError {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

/// Sorts a non-2xx answer that carried the contract's JSON error body.
pub fn classify_api_error(
    status: u16,
    code: &str,
    message: &str,
    retry_after: Option<Duration>,
) -> ErrorKind {
    let code_s = code.to_string();
    match (status, code) {
        (401, _) => ErrorKind::InvalidApiKey { code: code_s },
        (_, "Arrearage") => ErrorKind::Arrearage { code: code_s },
        (_, c) if c.ends_with("BillOverdue") => ErrorKind::BillOverdue { code: code_s },
        (403, _) => ErrorKind::AccessDenied { code: code_s },
        (_, "ModelNotFound") => ErrorKind::ModelNotFound { code: code_s },
        (_, "DataInspectionFailed" | "IPInfringementSuspect") => {
            ErrorKind::ContentRejected { code: code_s }
        }
        (_, "InvalidParameter.DataInspection") if mentions_download(message) => {
            ErrorKind::InputDownload {
                message: message.to_string(),
            }
        }
        (429, _) => ErrorKind::Throttled {
            code: code_s,
            retry_after,
        },
        (s, _) if s >= 500 => ErrorKind::ServerError {
            status,
            code: code_s,
            retry_after,
        },
        (400, c) if c.starts_with("InvalidParameter") || c.starts_with("BadRequest") => {
            ErrorKind::InvalidParameter {
                code: code_s,
                message: message.to_string(),
            }
        }
        _ => ErrorKind::UnexpectedStatus {
            status,
            code: code_s,
        },
    }
}

fn mentions_download(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("download") || message.contains("下载")
}

/// Sorts a transport failure from reqwest.
pub fn classify_transport(err: &reqwest::Error) -> ErrorKind {
    if err.is_timeout() {
        return ErrorKind::Timeout;
    }
    // Without the source chain the message is only "error sending request".
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    ErrorKind::Connection(text)
}
