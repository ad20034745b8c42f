//! The HTML pages. Without a session they send the browser to the login page.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use maud::Markup;
use serde::Deserialize;

use super::api::healthz;
use super::session::{self, CurrentUser};
use super::{ApiError, AppState};
use crate::store::{TaskFilter, TaskRow};
use crate::task::{TaskStatus, TaskType};
use crate::templates::{self, BatchView, TaskView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/aigc") }))
        .route("/healthz", get(healthz))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/aigc", get(tool_page))
        .route("/aigc.php", get(tool_page))
        .route("/aigc/tasks", get(tasks_page))
        .route("/aigc_task.php", get(tasks_page))
}

/// The page's user, or a redirect to the login page.
async fn page_user(state: &AppState, jar: &CookieJar) -> Result<CurrentUser, Response> {
    match session::lookup(state, jar).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(err) => Err(err.into_response()),
    }
}

async fn login_form() -> Markup {
    templates::login_page(None, "")
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let found = crate::auth::verify_login(&state.db, &form.username, &form.password).await;
    match found {
        Ok(Some(user_id)) => match session::start(&state, user_id).await {
            Ok((cookie, _)) => (jar.add(cookie), Redirect::to("/aigc")).into_response(),
            Err(err) => err.into_response(),
        },
        Ok(None) => {
            let page = templates::login_page(Some("用户名或密码错误"), &form.username);
            (StatusCode::UNAUTHORIZED, page).into_response()
        }
        Err(err) => ApiError::from(err).into_response(),
    }
}

#[derive(Deserialize)]
struct LogoutForm {
    csrf_token: String,
}

async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Response {
    let user = match page_user(&state, &jar).await {
        Ok(user) => user,
        Err(redirect) => return redirect,
    };
    if !session::csrf_ok(&user, Some(&form.csrf_token)) {
        return ApiError::csrf().into_response();
    }
    if let Err(err) = session::end(&state, &jar).await {
        return err.into_response();
    }
    (jar.remove(session::COOKIE), Redirect::to("/login")).into_response()
}

#[derive(Deserialize)]
struct ToolQuery {
    tool: Option<String>,
}

async fn tool_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<ToolQuery>,
) -> Response {
    let user = match page_user(&state, &jar).await {
        Ok(user) => user,
        Err(redirect) => return redirect,
    };
    let tool = q
        .tool
        .as_deref()
        .and_then(TaskType::parse)
        .unwrap_or(TaskType::Resize);
    let ai_key_missing =
        tool.lane() == crate::task::Lane::Ai && !ai_key_configured(&state.settings);
    let max = state.settings.limits.files_per_batch;
    templates::tool_page(&user.csrf_token, tool, ai_key_missing, max).into_response()
}

#[derive(Deserialize)]
struct TasksQuery {
    batch_id: Option<String>,
    before: Option<i64>,
    /// One status only (`failed`, say); anything else lists every task.
    status: Option<String>,
}

async fn tasks_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<TasksQuery>,
) -> Response {
    let user = match page_user(&state, &jar).await {
        Ok(user) => user,
        Err(redirect) => return redirect,
    };
    let status = q.status.as_deref().and_then(TaskStatus::parse);
    let filter = TaskFilter {
        batch_id: q.batch_id.filter(|b| !b.is_empty()),
        status,
        before: q.before,
        limit: 100,
        ..TaskFilter::default()
    };
    let rows = match state.db.list_tasks(user.user_id, &filter).await {
        Ok(rows) => rows,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let next_before = (rows.len() == filter.limit as usize)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let listing = templates::Listing {
        batches: group(&rows),
        status,
        next_before,
    };
    templates::tasks_page(&user.csrf_token, &listing).into_response()
}

/// Groups rows (newest first) by batch, keeping each batch's tasks in submission order.
fn group(rows: &[TaskRow]) -> Vec<BatchView> {
    let mut batches: Vec<BatchView> = Vec::new();
    for row in rows {
        let batch_id = row
            .batch_id
            .clone()
            .unwrap_or_else(|| format!("task-{}", row.id));
        if batches.last().is_none_or(|b| b.batch_id != batch_id) {
            batches.push(BatchView {
                batch_id: batch_id.clone(),
                tool_label: row
                    .kind()
                    .map(|t| t.label_zh())
                    .unwrap_or("任务")
                    .to_string(),
                created: row
                    .created_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default(),
                created_iso: row
                    .created_at
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default(),
                tasks: Vec::new(),
            });
        }
        if let Some(batch) = batches.last_mut() {
            batch.tasks.insert(0, task_view(row));
        }
    }
    batches
}

fn task_view(row: &TaskRow) -> TaskView {
    let json = super::api::task_json(row);
    let urls = json["result_urls"].as_array().cloned().unwrap_or_default();
    let status = row.status();
    TaskView {
        id: row.id,
        status: status.as_str().to_string(),
        status_label: status.label_zh().to_string(),
        original_name: json["original_name"].as_str().unwrap_or("").to_string(),
        input_url: row.original_path.clone(),
        result_urls: urls
            .iter()
            .filter_map(|u| u.as_str().map(String::from))
            .collect(),
        notice: json["notice"]["message"].as_str().map(String::from),
        error: (status == TaskStatus::Failed)
            .then(|| json["error"]["message"].as_str().map(String::from))
            .flatten(),
    }
}

/// Whether a DashScope key is configured, reading the configuration again when the start
/// had none, so the page's warning goes away as soon as the operator has set one.
fn ai_key_configured(settings: &crate::settings::Settings) -> bool {
    let present = |key: Option<&crate::settings::Secret>| key.is_some_and(|k| !k.is_empty());
    if present(settings.dashscope.api_key.as_ref()) {
        return true;
    }
    let Some(origin) = &settings.origin else {
        return false;
    };
    origin
        .reread_api_key()
        .is_ok_and(|key| present(key.as_ref()))
}
