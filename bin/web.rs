//! The web process: pages, API, files, the recorder, and — without `queue.url` — the
//! consumers too, so `cargo run --release --bin web` is the whole product.

use std::path::PathBuf;

use aigc_studio::app::{shutdown_signal, Application};
use aigc_studio::settings::Settings;
use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "web", about = "AIGC batch image studio: web process")]
struct Cli {
    /// Settings file replacing config/aigc.toml.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the product (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user, or set the password of an existing one.
    Add {
        name: String,
        #[arg(long, env = "AIGC_USER_PASSWORD")]
        password: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    aigc_studio::telemetry::init();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("loading settings")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => migrate(&settings).await,
        Command::User {
            action: UserAction::Add { name, password },
        } => add_user(&settings, &name, &password).await,
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let addr = app.local_addr()?;
    let public = app.state.settings.server.public_url.clone();
    tracing::info!(%addr, %public, "serving; open {public}/aigc");
    app.run_until(shutdown_signal()).await
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = aigc_studio::store::connect(&settings.database.url, 1).await?;
    db.close().await;
    tracing::info!("database schema is up to date");
    Ok(())
}

async fn add_user(settings: &Settings, name: &str, password: &str) -> anyhow::Result<()> {
    let db = aigc_studio::store::connect(&settings.database.url, 1).await?;
    let id = aigc_studio::auth::set_user(&db, name, password).await?;
    db.close().await;
    tracing::info!(user_id = id, username = name, "user saved");
    Ok(())
}
