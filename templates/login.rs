use maud::{html, Markup};

use super::page;

pub fn login_page(error: Option<&str>, username: &str) -> Markup {
    page(
        "登录",
        None,
        html! {
            main.login {
                h1 { "登录" }
                @if let Some(message) = error {
                    p.error role="alert" { (message) }
                }
                form method="post" action="/login" {
                    label { "用户名" input name="username" value=(username) required autofocus; }
                    label { "密码" input name="password" type="password" required; }
                    button type="submit" { "登录" }
                }
            }
        },
    )
}
