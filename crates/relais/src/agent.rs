//! `relais agent add`: creates a console account (the password read from stdin, never
//! from the command line, where other users could see it).

use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context;
use relais_store::{NewAgent, Role};

/// Shortest accepted password.
const MIN_PASSWORD_CHARS: usize = 8;

#[derive(clap::Subcommand)]
pub enum AgentCommand {
    /// Add an agent who can log in to the console.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// agent or admin.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Where conversations and agents are kept.
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
    },
}

pub fn run(command: AgentCommand) -> anyhow::Result<()> {
    let AgentCommand::Add {
        email,
        name,
        role,
        password_stdin: _,
        data_dir,
    } = command;
    let role = Role::from_str(&role)?;
    if !email.contains('@') || name.trim().is_empty() {
        anyhow::bail!("give an email address (--email) and a name (--name)");
    }
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < MIN_PASSWORD_CHARS {
        anyhow::bail!("the password must have at least {MIN_PASSWORD_CHARS} characters");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let agent = runtime.block_on(async {
        let store = crate::serve::open_store(&data_dir).await?;
        let agent = store
            .add_agent(
                NewAgent {
                    email,
                    name,
                    role,
                    password,
                },
                relais_server::now_ms(),
            )
            .await?;
        store.close().await;
        anyhow::Ok(agent)
    })?;
    println!(
        "added {} <{}> as {} (id {})",
        agent.name, agent.email, agent.role, agent.id
    );
    Ok(())
}
