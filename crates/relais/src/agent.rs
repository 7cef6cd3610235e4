//! `relais agent add|list|reviewer|disable`: console accounts. The password is read from stdin,
//! never from the command line, where other users could see it. Disabling an agent
//! ends their sessions in the database; a running server closes their sockets within
//! seconds.

use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context;
use relais_store::{NewAgent, Role};

use crate::serve::with_store;

use crate::config::{Settings, StoreAt};

/// Shortest accepted password.
const MIN_PASSWORD_CHARS: usize = 8;

#[derive(clap::Args)]
pub struct AgentArgs {
    /// The data folder, where conversations and agents are kept (relais.db)
    /// [default: `data_dir` of relais.toml, "data"].
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: AgentCommand,
}

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
        /// Give an agent the reviewer role: they work the review inbox as admins do.
        #[arg(long)]
        reviewer: bool,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the agents, disabled ones included.
    List,
    /// Give an agent the reviewer role (the review inbox), or take it away with --revoke.
    Reviewer {
        #[arg(long)]
        email: String,
        #[arg(long)]
        revoke: bool,
    },
    /// Disable an agent: their sessions end, they can no longer log in, and the
    /// conversations they held go back to the queue.
    Disable {
        #[arg(long)]
        email: String,
    },
}

pub fn run(args: AgentArgs, settings: &Settings) -> anyhow::Result<()> {
    let data_dir = args
        .data_dir
        .unwrap_or_else(|| settings.assistant.data_dir.clone());
    let store_at = settings.store_at(&data_dir);
    match args.command {
        AgentCommand::Add {
            email,
            name,
            role,
            reviewer,
            password_stdin: _,
        } => add(email, name, &role, reviewer, &store_at),
        AgentCommand::List => {
            let agents = with_store(&store_at, |store| async move { Ok(store.agents().await?) })?;
            for agent in agents {
                let status = match agent.disabled_at {
                    Some(at) => format!("disabled {}", relais_server::rfc3339(at)),
                    None => "active".to_string(),
                };
                let role = if agent.reviewer { format!("{} reviewer", agent.role) } else { agent.role.to_string() };
                println!("{}\t{}\t{role}\t{status}", agent.email, agent.name);
            }
            Ok(())
        }
        AgentCommand::Reviewer { email, revoke } => {
            let agent = with_store(&store_at, |store| async move { Ok(store.set_reviewer(&email, !revoke).await?) })?;
            let now = if agent.reviewer { "now reviews" } else { "no longer reviews" };
            println!("{} <{}> {now} turns in the review inbox", agent.name, agent.email);
            Ok(())
        }
        AgentCommand::Disable { email } => {
            let agent = with_store(&store_at, |store| async move {
                Ok(store.disable_agent(&email, relais_server::now_ms()).await?)
            })?;
            println!(
                "disabled {} <{}>: their sessions are ended; the server puts the conversations they held \
                 back in the queue within 30 s (or as it starts)",
                agent.name, agent.email
            );
            Ok(())
        }
    }
}

fn add(email: String, name: String, role: &str, reviewer: bool, store_at: &StoreAt) -> anyhow::Result<()> {
    let role = Role::from_str(role)?;
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
    let new = NewAgent {
        email,
        name,
        role,
        reviewer,
        password,
    };
    let agent = with_store(store_at, |store| async move {
        Ok(store.add_agent(new, relais_server::now_ms()).await?)
    })?;
    println!(
        "added {} <{}> as {}{} (id {})",
        agent.name,
        agent.email,
        agent.role,
        if agent.reviewer { " and reviewer" } else { "" },
        agent.id
    );
    Ok(())
}
