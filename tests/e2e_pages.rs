#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The pages in a real browser: `tests/e2e/pages.js` drives Debian's chromium through
//! playwright-core against a studio started here. scripts/test.sh installs both.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{fixtures, TestApp};

fn write_fixtures(dir: &Path) {
    std::fs::write(dir.join("good.jpg"), fixtures::jpeg(900, 600)).unwrap();
    std::fs::write(dir.join("tall.png"), fixtures::png(300, 700)).unwrap();
    std::fs::write(dir.join("broken.jpg"), b"a text file with a picture's name").unwrap();
    std::fs::write(dir.join("again.jpg"), fixtures::jpeg(640, 480)).unwrap();
}

#[tokio::test]
async fn an_operator_uploads_submits_and_sees_the_finished_batch() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    assert!(
        e2e.join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing: run `npm ci --prefix tests/e2e` (scripts/test.sh does)"
    );
    let app = TestApp::spawn().await;
    app.user("operator").await;
    let files = tempfile::tempdir().unwrap();
    write_fixtures(files.path());

    let run = tokio::process::Command::new("node")
        .arg(e2e.join("pages.js"))
        .env("BASE", app.url(""))
        .env("USERNAME", "operator")
        .env("PASSWORD", common::PASSWORD)
        .env("FIXTURES", files.path())
        .env("STORAGE", app.storage_root())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("the browser test finished within 3 minutes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        // Keep the screenshot where it can be looked at after the run.
        let _ = files.keep();
    }
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("pages: ok"), "{stdout}");
    app.stop().await;
}
