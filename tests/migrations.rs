#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The schema comes up on both engines, twice without harm, and keeps the owner's columns.

mod common;

use aigc_studio::store::{connect, Db};

const OWNER_COLUMNS: [&str; 9] = [
    "id",
    "user_id",
    "task_type",
    "task_params",
    "original_path",
    "result_url",
    "result_data",
    "task_status",
    "process_status",
];
const ADDED: [&str; 6] = [
    "batch_id",
    "created_at",
    "started_at",
    "completed_at",
    "attempt",
    "queued_at",
];

async fn columns(db: &Db) -> Vec<String> {
    match db {
        Db::Sqlite(pool) => sqlx::query_scalar("SELECT name FROM pragma_table_info('aigc_tasks')")
            .fetch_all(pool)
            .await
            .unwrap(),
        Db::MySql(pool) => sqlx::query_scalar(
            "SELECT CAST(COLUMN_NAME AS CHAR) FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'aigc_tasks'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    }
}

fn assert_schema(cols: &[String]) {
    for col in OWNER_COLUMNS.iter().chain(ADDED.iter()) {
        assert!(
            cols.iter().any(|c| c == col),
            "column {col} missing from {cols:?}"
        );
    }
}

#[tokio::test]
async fn sqlite_file_and_folder_are_created_and_migrations_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nested/folder/aigc.db", dir.path().display());
    let db = connect(&url, 2).await.unwrap();
    assert_schema(&columns(&db).await);
    db.close().await;
    let again = connect(&url, 2).await.unwrap();
    assert_schema(&columns(&again).await);
    again.close().await;
}

#[tokio::test]
async fn mariadb_schema_with_enums_and_foreign_key() {
    let url = common::mariadb::fresh_database().await;
    let db = connect(&url, 2).await.unwrap();
    assert_schema(&columns(&db).await);
    let Db::MySql(pool) = &db else {
        panic!("mysql expected")
    };
    let kind: String = sqlx::query_scalar(
        "SELECT CAST(COLUMN_TYPE AS CHAR) FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'aigc_tasks' AND COLUMN_NAME = 'task_status'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(kind, "enum('pending','processing','completed','failed')");
    let orphan =
        sqlx::query("INSERT INTO aigc_tasks (user_id, task_type) VALUES (424242, 'resize')")
            .execute(pool)
            .await;
    assert!(orphan.is_err(), "the foreign key to users(id) is enforced");
    db.close().await;
    let again = connect(&url, 2).await.unwrap();
    assert_schema(&columns(&again).await);
    again.close().await;
    common::mariadb::drop_database(&url).await;
}

#[tokio::test]
async fn an_existing_admin_panel_users_table_is_kept() {
    let url = common::mariadb::fresh_database().await;
    {
        use sqlx::Connection;
        let mut conn = sqlx::MySqlConnection::connect(&url).await.unwrap();
        sqlx::query(
            "CREATE TABLE users (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
             username VARCHAR(64) NOT NULL UNIQUE, password_hash VARCHAR(255) NOT NULL, \
             email VARCHAR(255) NULL, role VARCHAR(20) NOT NULL DEFAULT 'staff')",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO users (username, password_hash, email) VALUES ('boss', 'x', 'b@shop')",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let db = connect(&url, 2).await.unwrap();
    let user = db
        .user_by_name("boss")
        .await
        .unwrap()
        .expect("existing user kept");
    assert_eq!(user.id, 1);
    db.close().await;
    common::mariadb::drop_database(&url).await;
}
