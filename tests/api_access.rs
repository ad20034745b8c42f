#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Who may do what: login, sessions, CSRF, and one user's tasks hidden from another.

mod common;

use common::{fixtures, Client, TestApp, PASSWORD};
use serde_json::{json, Value};

#[tokio::test]
async fn api_without_login_answers_401_with_the_error_shape() {
    let app = TestApp::spawn().await;
    let anonymous = Client::new(&app.base);
    for path in ["/api/tasks", "/api/tasks/1", "/api/batches/abc/zip"] {
        let response = anonymous.get(path).await;
        assert_eq!(response.status(), 401, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "login_required");
        assert!(body["error"]["message"].as_str().unwrap().contains("登录"));
    }
    let response = anonymous
        .post_json("/api/tasks", &json!({"task_type": "resize"}))
        .await;
    assert_eq!(response.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn pages_without_login_redirect_to_the_login_page() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/aigc", "/aigc.php", "/aigc/tasks", "/aigc_task.php"] {
        let response = http.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/login");
    }
    app.stop().await;
}

#[tokio::test]
async fn wrong_password_is_refused_and_right_one_sets_an_httponly_cookie() {
    let app = TestApp::spawn().await;
    aigc_studio::auth::set_user(&app.state.db, "ops", PASSWORD)
        .await
        .unwrap();
    let client = Client::new(&app.base);
    let refused = client.login("ops", "not-the-password").await;
    assert_eq!(refused.status(), 401);
    let response = client
        .http
        .post(app.url("/api/login"))
        .json(&json!({"username": "ops", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["csrf_token"].as_str().unwrap().len(), 64);
    app.stop().await;
}

#[tokio::test]
async fn php_password_hash_verifies_unchanged() {
    let app = TestApp::spawn().await;
    // What PHP's password_hash('secret-php-1', PASSWORD_DEFAULT) writes: a $2y$ bcrypt hash.
    let php_hash = bcrypt::hash_with_result("secret-php-1", 10)
        .unwrap()
        .format_for_version(bcrypt::Version::TwoY);
    assert!(php_hash.starts_with("$2y$"));
    app.state
        .db
        .upsert_user("php-user", &php_hash)
        .await
        .unwrap();
    let client = Client::new(&app.base);
    client.login("php-user", "secret-php-1").await;
    assert_eq!(client.csrf().len(), 64, "login with a PHP hash failed");
    app.stop().await;
}

#[tokio::test]
async fn unsafe_calls_without_the_csrf_header_answer_403() {
    let app = TestApp::spawn().await;
    let client = app.user("alice").await;
    let body = json!({"task_type": "resize", "images": [], "options": {}});
    let missing = client
        .http
        .post(app.url("/api/tasks"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 403);
    let wrong = client
        .http
        .post(app.url("/api/tasks"))
        .header("X-CSRF-Token", "0".repeat(64))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let json: Value = wrong.json().await.unwrap();
    assert_eq!(json["error"]["code"], "csrf_token_invalid");
    app.stop().await;
}

#[tokio::test]
async fn another_users_task_answers_404_never_403() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let urls = alice
        .upload_ok(&[("a.jpg", fixtures::jpeg(300, 200))])
        .await;
    let batch = alice
        .submit("resize", &urls, json!({"width": 100, "height": 100}))
        .await;
    let id = batch["tasks"][0]["task_id"].as_i64().unwrap();
    let batch_id = batch["batch_id"].as_str().unwrap();
    alice
        .wait_batch(batch_id, std::time::Duration::from_secs(20))
        .await;
    for path in [
        format!("/api/tasks/{id}"),
        format!("/api/tasks/{id}/result"),
        format!("/api/batches/{batch_id}/zip"),
    ] {
        assert_eq!(bob.get(&path).await.status(), 404, "{path}");
        assert_eq!(alice.get(&path).await.status(), 200, "{path}");
    }
    assert_eq!(
        bob.post_json(&format!("/api/tasks/{id}/retry"), &json!({}))
            .await
            .status(),
        404
    );
    let listed: Value = bob.get("/api/tasks").await.json().await.unwrap();
    assert!(listed["tasks"].as_array().unwrap().is_empty());
    // Bob cannot use Alice's upload either.
    let body =
        json!({"task_type": "resize", "images": urls, "options": {"width": 50, "height": 50}});
    let refused = bob.post_json("/api/tasks", &body).await;
    assert_eq!(refused.status(), 422);
    app.stop().await;
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let client = app.user("carol").await;
    assert_eq!(client.get("/api/tasks").await.status(), 200);
    assert_eq!(
        client.post_json("/api/logout", &json!({})).await.status(),
        204
    );
    assert_eq!(client.get("/api/tasks").await.status(), 401);
    app.stop().await;
}
