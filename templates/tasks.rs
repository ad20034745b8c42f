use maud::{html, Markup, PreEscaped};

use super::page;
use crate::task::TaskStatus;

const SCRIPT: &str = include_str!("static/tasks.js");

/// One task row as the page shows it.
pub struct TaskView {
    pub id: i64,
    pub status: String,
    pub status_label: String,
    pub original_name: String,
    pub input_url: Option<String>,
    pub result_urls: Vec<String>,
    pub error: Option<String>,
    /// Why a pending task waits (its lane is paused).
    pub notice: Option<String>,
}

pub struct BatchView {
    pub batch_id: String,
    pub tool_label: String,
    /// In UTC, as the server knows it; the page's script shows it in the browser's time zone.
    pub created: String,
    /// The same moment in RFC 3339, for that script.
    pub created_iso: String,
    pub tasks: Vec<TaskView>,
}

/// One page of the task list.
pub struct Listing {
    pub batches: Vec<BatchView>,
    /// Only tasks in this state, when the operator chose one.
    pub status: Option<TaskStatus>,
    /// The id to continue below, when there are older tasks.
    pub next_before: Option<i64>,
}

pub fn tasks_page(csrf: &str, listing: &Listing) -> Markup {
    let status_query = listing
        .status
        .map(|s| format!("&status={}", s.as_str()))
        .unwrap_or_default();
    let body = html! {
        main.tasks {
            h1 { "我的任务" }
            (status_filter(listing.status))
            @if listing.batches.is_empty() {
                @if listing.status.is_some() {
                    p.empty { "没有这个状态的任务。" a href="/aigc/tasks" { "看全部任务" } }
                } @else {
                    p.empty { "还没有任务。" a href="/aigc" { "去上传图片" } }
                }
            }
            @for batch in &listing.batches { (batch_section(batch, listing.status)) }
            @if let Some(before) = listing.next_before {
                p.more { a href={ "/aigc/tasks?before=" (before) (status_query) } { "更早的任务 →" } }
            }
        }
        script { (PreEscaped(SCRIPT)) }
    };
    page("我的任务", Some(csrf), body)
}

/// Links to all tasks or to the tasks of one state, the current one marked.
fn status_filter(current: Option<TaskStatus>) -> Markup {
    html! {
        nav.status-filter aria-label="按状态筛选" {
            a.current[current.is_none()] href="/aigc/tasks" { "全部" }
            @for status in TaskStatus::ALL {
                a.current[current == Some(status)] href={ "/aigc/tasks?status=" (status.as_str()) } {
                    (status.label_zh())
                }
            }
        }
    }
}

/// `filtered`: only the tasks of that state are listed, so the batch's progress is not
/// counted from them.
fn batch_section(batch: &BatchView, filtered: Option<TaskStatus>) -> Markup {
    let count = |status: &str| batch.tasks.iter().filter(|t| t.status == status).count();
    let (done, failed, waiting) = (count("completed"), count("failed"), count("pending"));
    html! {
        section.batch data-batch=(batch.batch_id) {
            header {
                h2 { (batch.tool_label) }
                span.meta {
                    time datetime=(batch.created_iso) { (batch.created) } " · "
                    @if let Some(status) = filtered {
                        (batch.tasks.len()) " 张" (status.label_zh())
                    } @else {
                        span.count { (done) "/" (batch.tasks.len()) } " 已完成"
                    }
                }
                button.retry-batch type="button" data-retry-batch=(batch.batch_id) hidden[failed == 0] {
                    "重试失败的 " span.failed-count { (failed) } " 张"
                }
                button.cancel-batch type="button" data-cancel-batch=(batch.batch_id) hidden[waiting == 0] {
                    "取消排队中的 " span.waiting-count { (waiting) } " 张"
                }
                a.zip href={ "/api/batches/" (batch.batch_id) "/zip" } hidden[done == 0] { "下载整批 ZIP" }
            }
            table {
                thead { tr { th { "原图" } th { "结果" } th { "文件" } th { "状态" } th { "操作" } } }
                tbody { @for task in &batch.tasks { (task_row(task)) } }
            }
        }
    }
}

fn task_row(task: &TaskView) -> Markup {
    html! {
        tr data-task=(task.id) data-status=(task.status) {
            td { @if let Some(url) = &task.input_url { (thumb(url, "原图")) } }
            td.result {
                @for url in &task.result_urls { (thumb(url, "结果")) }
            }
            td.name { (task.original_name) }
            td.status {
                span class={ "badge " (task.status) } { (task.status_label) }
                @if let Some(error) = &task.error { p.error { (error) } }
                @if let Some(notice) = &task.notice { p.notice { (notice) } }
            }
            td.actions {
                @if task.status == "completed" {
                    @for (i, _) in task.result_urls.iter().enumerate() {
                        a.download href={ "/api/tasks/" (task.id) "/result?index=" (i) } { "下载" @if i > 0 { " " (i + 1) } }
                    }
                }
                @if task.status == "failed" {
                    button.retry type="button" data-retry=(task.id) { "重试" }
                }
            }
        }
    }
}

/// A preview that opens the full picture. Previews come from `/thumbs/...` (see
/// `web::thumbs`): the stored files can be photos of many megabytes each.
fn thumb(url: &str, alt: &str) -> Markup {
    html! {
        a.thumb href=(url) target="_blank" rel="noopener" {
            img.thumb src=(preview_url(url)) alt=(alt) loading="lazy";
        }
    }
}

/// `<public_url>/public/temp/x.jpg` -> `/thumbs/temp/x.jpg`; tasks.js does the same.
pub fn preview_url(url: &str) -> String {
    ["temp/", "results/"]
        .iter()
        .find_map(|kind| {
            let at = url.find(&format!("/public/{kind}"))?;
            Some(format!("/thumbs/{}", &url[at + "/public/".len()..]))
        })
        .unwrap_or_else(|| url.to_string())
}
