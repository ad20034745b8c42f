use maud::{html, Markup, PreEscaped, DOCTYPE};

const STYLE: &str = include_str!("static/style.css");

/// The frame of every page; `csrf` is embedded for the scripts' unsafe calls.
pub fn page(title: &str, csrf: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(token) = csrf {
                    meta name="csrf-token" content=(token);
                }
                title { (title) " · AIGC 批量修图" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.top {
                    a.brand href="/aigc" { "AIGC 批量修图" }
                    @if let Some(token) = csrf {
                        nav {
                            a href="/aigc" { "工具" }
                            a href="/aigc/tasks" { "我的任务" }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf_token" value=(token);
                                button.link type="submit" { "退出" }
                            }
                        }
                    }
                }
                (body)
            }
        }
    }
}
