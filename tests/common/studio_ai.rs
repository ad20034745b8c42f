//! The studio wired to a DashScope double that knows the studio's edits: shared by the
//! tests of the AI tools and of the AI lane's pauses.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aigc_studio::dashscope::double::{DoubleConfig, DoubleHandle, StudioEdit};

use super::{start_double, Setup, TestApp};

/// A fast, unthrottled double whose outputs are shifted by `shift` pixels.
pub async fn studio_double(shift: (i32, i32)) -> DoubleHandle {
    let config = DoubleConfig {
        latency: Duration::from_millis(20),
        rate: 1000,
        behaviour: Arc::new(StudioEdit { shift }),
        ..DoubleConfig::default()
    };
    start_double(config).await
}

/// The studio calling `double` with its key, a paused lane retrying after one second.
pub async fn app_on(double: &DoubleHandle) -> TestApp {
    let mut dashscope = double.client_settings();
    dashscope.requests_per_second = 50.0;
    let setup = Setup {
        dashscope: Some(dashscope),
        extra: vec![("worker.lane_pause_secs".into(), "1".into())],
        ..Setup::default()
    };
    TestApp::spawn_with(setup).await
}

/// The configuration file as an operator writes it, pointing at the double with `key`.
pub fn config_with_key(double: &DoubleHandle, key: &str) -> String {
    let settings = double.client_settings();
    format!(
        "[dashscope]\nbase_url = \"{}\"\napi_key = \"{key}\"\ninline_images = \"always\"\n\
         result_hosts = [\"{}\"]\nrequests_per_second = 50.0\nretry_base_ms = 50\n\
         retry_cap_secs = 1\n",
        settings.base_url, settings.result_hosts[0]
    )
}

/// The studio reading its DashScope settings, with `key`, from a configuration file the
/// test can rewrite while it runs (see [`write_key`]).
pub async fn app_with_key_file(
    double: &DoubleHandle,
    key: &str,
) -> (TestApp, tempfile::NamedTempFile) {
    let config = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temporary configuration file");
    write_key(config.path(), double, key);
    let app = TestApp::spawn_with(Setup {
        config_file: Some(config.path().to_path_buf()),
        extra: vec![("worker.lane_pause_secs".into(), "1".into())],
        ..Setup::default()
    })
    .await;
    (app, config)
}

/// The operator edits the key in the configuration file; nothing is restarted.
pub fn write_key(config: &Path, double: &DoubleHandle, key: &str) {
    std::fs::write(config, config_with_key(double, key)).expect("configuration written");
}
