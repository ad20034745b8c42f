//! The ZIP of a batch: every stored output, named after the original files. The outputs are
//! read one after the other (from the folder or the bucket) and handed to a writer on a
//! blocking thread that fills a temporary file, which is then streamed; at most a couple of
//! pictures are in memory at a time, whatever the size of the batch.

use std::io::Write;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use tokio_util::io::ReaderStream;
use zip::write::SimpleFileOptions;

use super::tasks::content_disposition;
use super::view::task_json;
use crate::storage::download_name;
use crate::web::session::CurrentUser;
use crate::web::{ApiError, ApiResult, AppState};

pub async fn zip(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(batch_id): Path<String>,
) -> ApiResult<Response> {
    let rows = state.db.batch_tasks(user.user_id, &batch_id).await?;
    if rows.is_empty() {
        return Err(ApiError::not_found("批次"));
    }
    let mut entries = Vec::new();
    for row in &rows {
        for url in task_json(row)["result_urls"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(url) = url.as_str() else { continue };
            entries.push((download_name(url), url.to_string()));
        }
    }
    if entries.is_empty() {
        return Err(ApiError::not_found("这一批的结果"));
    }
    let file = gather(&state, entries).await?;
    let name = format!("batch_{}.zip", &batch_id[..batch_id.len().min(8)]);
    let file = tokio::fs::File::from_std(file);
    let mut response = Body::from_stream(ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Reads each `(download name, result URL)` and feeds the ZIP writer. A result that is no
/// longer stored is left out with a warning; a store that does not answer fails the
/// download (503) rather than handing out a ZIP with pictures silently missing.
async fn gather(state: &AppState, entries: Vec<(String, String)>) -> ApiResult<std::fs::File> {
    let (send, receive) = tokio::sync::mpsc::channel::<(String, Vec<u8>)>(2);
    let writer = tokio::task::spawn_blocking(move || write_zip(receive));
    let mut failure = None;
    for (name, url) in entries {
        match state.storage.read_result(&url).await {
            Ok(bytes) => {
                if send.send((name, bytes)).await.is_err() {
                    break; // the writer stopped; its error is reported below
                }
            }
            Err(err) if err.is_missing() => {
                tracing::warn!(url, error = %err, "result file missing; left out of the ZIP");
            }
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    drop(send);
    let written = writer.await.map_err(|e| ApiError::internal(&e))?;
    if let Some(err) = failure {
        return Err(ApiError::unavailable(&err));
    }
    written.map_err(|e| ApiError::internal(&e))
}

/// Pictures are compressed already, so entries are stored as they are; two outputs with the
/// same name get `(2)`, `(3)` before the extension.
fn write_zip(
    mut entries: tokio::sync::mpsc::Receiver<(String, Vec<u8>)>,
) -> std::io::Result<std::fs::File> {
    let file = tempfile::tempfile()?;
    let mut zip = zip::ZipWriter::new(file);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut used = std::collections::HashSet::new();
    while let Some((name, bytes)) = entries.blocking_recv() {
        let name = unique_name(&name, &mut used);
        zip.start_file(name, options)
            .map_err(std::io::Error::other)?;
        zip.write_all(&bytes)?;
    }
    let mut file = zip.finish().map_err(std::io::Error::other)?;
    std::io::Seek::rewind(&mut file)?;
    Ok(file)
}

fn unique_name(name: &str, used: &mut std::collections::HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{stem}({n}).{ext}");
        n += 1;
    }
    candidate
}
