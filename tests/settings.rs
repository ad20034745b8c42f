#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Configuration layering and the admin panel's config.php.

use std::io::Write;

use aigc_studio::settings::{read_php_defines, Settings};

#[test]
fn defaults_match_the_design() {
    let s = Settings::load_with(None, &[]).unwrap();
    assert_eq!(s.server.bind, "127.0.0.1:8080");
    assert_eq!(s.server.public_url, "http://127.0.0.1:8080");
    assert_eq!(s.database.url, "sqlite://data/aigc.db");
    assert_eq!(s.queue.url, "");
    assert_eq!(s.queue.prefix, "aigc");
    assert_eq!(s.storage.root.to_str(), Some("public"));
    assert_eq!(s.limits.files_per_batch, 100);
    assert_eq!(s.limits.file_bytes, 20 * 1024 * 1024);
    assert_eq!(s.limits.image_pixels, 50_000_000);
    assert!(!s.is_distributed());
    let raw = Settings::raw(None).unwrap();
    assert_eq!(
        raw.get_string("dashscope.model").unwrap(),
        "qwen-image-edit-plus"
    );
    assert_eq!(raw.get_float("dashscope.requests_per_second").unwrap(), 2.0);
}

#[test]
fn a_file_overrides_defaults_and_overrides_win_over_the_file() {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    writeln!(
        file,
        "[server]\nbind = \"0.0.0.0:9000\"\n[queue]\nprefix = \"shop1\""
    )
    .unwrap();
    let s = Settings::load_with(Some(file.path()), &[("queue.prefix", "override")]).unwrap();
    assert_eq!(s.server.bind, "0.0.0.0:9000");
    assert_eq!(s.queue.prefix, "override");
    assert_eq!(
        s.server.public_url, "http://127.0.0.1:8080",
        "untouched keys keep defaults"
    );
}

#[test]
fn a_missing_config_file_given_on_the_command_line_is_an_error() {
    let missing = std::path::Path::new("/nonexistent/aigc.toml");
    assert!(Settings::load_with(Some(missing), &[]).is_err());
}

/// Environment variables are process-wide, so this test runs the layering in a child
/// process of its own (the `web` binary would read the same variables).
#[test]
fn environment_variables_override_files_and_lists_are_comma_separated() {
    if std::env::var("AIGC_SETTINGS_CHILD").is_ok() {
        let s = Settings::load(None).unwrap();
        assert_eq!(s.database.url, "mysql://u:p@db/aigc");
        assert_eq!(s.limits.files_per_batch, 7);
        let raw = Settings::raw(None).unwrap();
        let hosts: Vec<String> = raw.get("dashscope.result_hosts").unwrap();
        assert_eq!(hosts, ["127.0.0.1", "*.aliyuncs.com"]);
        assert_eq!(
            s.dashscope.api_key.as_ref().unwrap().expose(),
            "sk-from-env"
        );
        assert_eq!(
            format!("{:?}", s.dashscope.api_key.as_ref().unwrap()),
            "***"
        );
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new(exe)
        .args([
            "--exact",
            "environment_variables_override_files_and_lists_are_comma_separated",
            "--nocapture",
        ])
        .env("AIGC_SETTINGS_CHILD", "1")
        .env("AIGC__DATABASE__URL", "mysql://u:p@db/aigc")
        .env("AIGC__LIMITS__FILES_PER_BATCH", "7")
        .env("AIGC__DASHSCOPE__RESULT_HOSTS", "127.0.0.1,*.aliyuncs.com")
        .env("ALIYUN_API_KEY", "sk-from-env")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn config_php_defines_are_read_with_either_quote_style_and_comments_ignored() {
    let php = r#"<?php
// define('ALIYUN_API_KEY', 'commented-out');
/* define("ALIYUN_API_KEY", "in a block comment"); */
# define('ALIYUN_API_ID', 'hash comment');
define('DB_HOST', "localhost"); // trailing comment
define( "ALIYUN_API_KEY" , 'sk-abc\'123' );
define("ALIYUN_API_ID", "id-\"x\"-42");
if (!defined('X')) { define('URL', 'https://a.b/c#frag'); }
$undefined = 'define("NOPE", "no")';
"#;
    let defines = read_php_defines(php);
    assert_eq!(
        defines.get("ALIYUN_API_KEY").map(String::as_str),
        Some("sk-abc'123")
    );
    assert_eq!(
        defines.get("ALIYUN_API_ID").map(String::as_str),
        Some("id-\"x\"-42")
    );
    assert_eq!(
        defines.get("DB_HOST").map(String::as_str),
        Some("localhost")
    );
    assert_eq!(
        defines.get("URL").map(String::as_str),
        Some("https://a.b/c#frag")
    );
    assert!(
        !defines.contains_key("NOPE"),
        "text inside a string is not code"
    );
}

#[test]
fn the_key_comes_from_config_php_when_configured_and_no_other_source_has_it() {
    if std::env::var("ALIYUN_API_KEY").is_ok() || std::env::var("DASHSCOPE_API_KEY").is_ok() {
        return; // a key in the environment wins, by design
    }
    let mut php = tempfile::Builder::new().suffix(".php").tempfile().unwrap();
    writeln!(
        php,
        "<?php\ndefine('ALIYUN_API_KEY', 'sk-panel');\ndefine('ALIYUN_API_ID', 'id-7');"
    )
    .unwrap();
    let path = php.path().display().to_string();
    let s = Settings::load_with(None, &[("admin_panel.config_php", &path)]).unwrap();
    assert_eq!(s.dashscope.api_key.as_ref().unwrap().expose(), "sk-panel");
    assert_eq!(s.admin_panel.api_id.expose(), "id-7");
    let configured = Settings::load_with(
        None,
        &[
            ("admin_panel.config_php", &path),
            ("dashscope.api_key", "sk-cfg"),
        ],
    )
    .unwrap();
    assert_eq!(
        configured.dashscope.api_key.as_ref().unwrap().expose(),
        "sk-cfg"
    );
    let missing = Settings::load_with(
        None,
        &[("admin_panel.config_php", "/nonexistent/config.php")],
    );
    assert!(
        missing.is_err(),
        "a configured but missing config.php is reported"
    );
}

#[test]
fn config_php_with_chinese_comments_and_strings_is_read() {
    let php = "<?php\n// 阿里云密钥\ndefine('SITE', '青年汽车');\ndefine('ALIYUN_API_KEY', 'sk-中文-ok');\n";
    let defines = read_php_defines(php);
    assert_eq!(defines.get("SITE").map(String::as_str), Some("青年汽车"));
    assert_eq!(
        defines.get("ALIYUN_API_KEY").map(String::as_str),
        Some("sk-中文-ok")
    );
}

#[test]
fn an_object_store_is_used_only_when_a_bucket_is_named_and_its_secret_stays_hidden() {
    let s = Settings::load_with(None, &[]).unwrap();
    assert!(!s.storage.s3.is_enabled());
    let s = Settings::load_with(
        None,
        &[
            ("storage.s3.bucket", "shop-photos"),
            (
                "storage.s3.endpoint",
                "https://oss-cn-hangzhou.aliyuncs.com",
            ),
            ("storage.s3.secret_access_key", "very-secret-value"),
            ("storage.s3.path_style", "true"),
        ],
    )
    .unwrap();
    assert!(s.storage.s3.is_enabled());
    assert!(s.storage.s3.path_style);
    assert_eq!(s.storage.s3.region, "us-east-1");
    assert_eq!(s.storage.s3.secret_access_key.expose(), "very-secret-value");
    assert!(!format!("{s:?}").contains("very-secret-value"));
}
