//! The maud views of the Chinese UI. Handlers pass plain data in; nothing here touches the
//! database or the session.

mod layout;
mod login;
mod tasks;
mod tools;

pub use layout::page;
pub use login::login_page;
pub use tasks::{tasks_page, BatchView, Listing, TaskView};
pub use tools::tool_page;
