//! A fresh MariaDB database per test, on the machine's server (127.0.0.1:3306, root).

use sqlx::Connection;

pub const SERVER: &str = "mysql://root@127.0.0.1:3306";

/// Creates an empty database and returns its URL.
pub async fn fresh_database() -> String {
    let name = format!("aigc_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::MySqlConnection::connect(&format!("{SERVER}/test"))
        .await
        .expect("MariaDB at 127.0.0.1:3306 (root, no password) must be running");
    sqlx::query(&format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        .execute(&mut conn)
        .await
        .expect("create database");
    format!("{SERVER}/{name}")
}

pub async fn drop_database(url: &str) {
    let Some(name) = url.rsplit('/').next() else {
        return;
    };
    if let Ok(mut conn) = sqlx::MySqlConnection::connect(&format!("{SERVER}/test")).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS `{name}`"))
            .execute(&mut conn)
            .await;
    }
}
