use serde::{Deserialize, Serialize};

/// `aigc_tasks.task_status`, the product owner's four values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Pending,
    Processing,
    Completed,
    Failed,
}

/// `aigc_tasks.process_status`, set once a task has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessStatus {
    Success,
    Failed,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Processing => "processing",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
        }
    }

    pub const ALL: [TaskStatus; 4] = [
        Self::Pending,
        Self::Processing,
        Self::Completed,
        Self::Failed,
    ];

    pub fn parse(value: &str) -> Option<TaskStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, TaskStatus::Completed | TaskStatus::Failed)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TaskStatus::Pending => "排队中",
            TaskStatus::Processing => "处理中",
            TaskStatus::Completed => "已完成",
            TaskStatus::Failed => "失败",
        }
    }
}

impl ProcessStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessStatus::Success => "success",
            ProcessStatus::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<ProcessStatus> {
        match value {
            "success" => Some(ProcessStatus::Success),
            "failed" => Some(ProcessStatus::Failed),
            _ => None,
        }
    }
}
