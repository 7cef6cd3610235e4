//! The `relais` command: one binary for training, evaluating and talking to a Relais
//! assistant. Each subcommand lives in its own module; this file only dispatches.

mod advise;
mod agent;
mod bot;
mod channel;
mod chat;
mod config;
mod conversation_tests;
mod knowledge;
mod lang;
mod nlu;
mod output;
mod progress;
mod purge;
mod report;
mod review;
mod serve;
mod simulate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "relais",
    version,
    about = "A digital assistant engine for customer service"
)]
struct Cli {
    /// Configuration file; every key can be overridden by RELAIS__SECTION__KEY.
    #[arg(long, global = true, default_value = "relais.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train, test and evaluate intent models.
    Nlu {
        #[command(subcommand)]
        command: nlu::NluCommand,
    },
    /// Talk to the assistant in the terminal.
    Chat(chat::ChatArgs),
    /// Index, search and evaluate the knowledge base.
    Knowledge {
        #[command(subcommand)]
        command: knowledge::KnowledgeCommand,
    },
    /// Serve the widget, the agent console and the WebSocket protocol.
    Serve(serve::ServeArgs),
    /// Bring the event store's schema up to this version (`relais serve` does it too) and
    /// say which version it is at.
    Migrate(serve::MigrateArgs),
    /// Manage the agents who log in to the console.
    Agent(agent::AgentArgs),
    /// Keys of the REST channel.
    Channel(channel::ChannelArgs),
    /// The figures for managers over the conversations started in a window.
    Report(report::ReportArgs),
    /// The reviewed turns: export their labels as training examples.
    Review {
        #[command(subcommand)]
        command: review::ReviewCommand,
    },
    /// Recommend the intent-confidence threshold from the reviewed turns.
    Advise(advise::AdviseArgs),
    /// Fill a data folder with simulated conversations for a demo, through the real server.
    Simulate(simulate::SimulateArgs),
    /// Remove the simulated conversations (only those: pass --simulated).
    Purge(purge::PurgeArgs),
    /// Run conversation tests (YAML) against the whole assistant.
    Test {
        /// Files or folders of tests.
        #[arg(default_value = "tests/conversations")]
        paths: Vec<PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = config::Settings::load(&cli.config)?;
    let threads = match cli.command {
        Command::Serve(_) | Command::Simulate(_) => settings.threads.or_else(serve::encoder_threads),
        _ => settings.threads,
    };
    // SAFETY: nothing else runs yet.
    unsafe { relais_encoder::configure_threads(threads) };
    match cli.command {
        Command::Nlu { command } => nlu::run(command, &settings),
        Command::Chat(args) => chat::run(args, &settings),
        Command::Knowledge { command } => knowledge::run(command, &settings),
        Command::Serve(args) => serve::run(args, settings, &cli.config),
        Command::Migrate(args) => serve::migrate(args, &settings),
        Command::Agent(args) => agent::run(args, &settings),
        Command::Channel(args) => channel::run(args, &settings),
        Command::Report(args) => report::run(args, &settings),
        Command::Review { command } => review::run(command, &settings),
        Command::Advise(args) => advise::run(args, settings),
        Command::Simulate(args) => simulate::run(args, settings),
        Command::Purge(args) => purge::run(args, &settings),
        Command::Test { paths } => {
            let mut bot = bot::load_bot(&settings.assistant)?;
            let summary = conversation_tests::run(&mut bot, &paths)?;
            if summary.failed > 0 {
                anyhow::bail!("{} conversation test(s) failed", summary.failed);
            }
            Ok(())
        }
    }
}
