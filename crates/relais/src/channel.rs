//! `relais channel add-key --name N [--data-dir DIR]`: makes an API key for the REST
//! channel (`POST /v1/channels/rest/messages`), prints it once and stores only its
//! SHA-256, under a name that says who uses it; `relais channel revoke-key --name N`
//! removes it (requests with it are refused from then on).

use std::path::PathBuf;

use crate::config::Settings;

#[derive(clap::Args)]
pub struct ChannelArgs {
    #[command(subcommand)]
    command: ChannelCommand,
}

#[derive(clap::Subcommand)]
enum ChannelCommand {
    /// Make an API key for the REST channel; it is shown once.
    AddKey {
        /// Who uses the key ("mobile-app"); unique.
        #[arg(long)]
        name: String,
        /// The data folder (relais.db) [default: `data_dir` of relais.toml, "data"].
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Remove a key of the REST channel: requests with it are refused at once.
    RevokeKey {
        #[arg(long)]
        name: String,
        /// The data folder (relais.db) [default: `data_dir` of relais.toml, "data"].
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

pub fn run(args: ChannelArgs, settings: &Settings) -> anyhow::Result<()> {
    let (name, data_dir) = match args.command {
        ChannelCommand::AddKey { name, data_dir } => (name, data_dir),
        ChannelCommand::RevokeKey { name, data_dir } => {
            let data_dir = data_dir.unwrap_or_else(|| settings.assistant.data_dir.clone());
            let query = name.clone();
            let removed = crate::serve::with_store(&settings.store_at(&data_dir), |store| async move { Ok(store.remove_channel_key(&query).await?) })?;
            if !removed {
                anyhow::bail!("no channel key is named {name}");
            }
            println!("revoked the channel key {name}");
            return Ok(());
        }
    };
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        anyhow::bail!("--name must be 1 to 64 characters, such as mobile-app");
    }
    let data_dir = data_dir.unwrap_or_else(|| settings.assistant.data_dir.clone());
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|error| anyhow::anyhow!("no randomness for the key: {error}"))?;
    let key = relais_channels::rest::new_key(random);
    let hash = relais_channels::rest::key_hash(&key);
    crate::serve::with_store(&settings.store_at(&data_dir), |store| async move {
        store.add_channel_key(&name, &hash, relais_server::now_ms()).await?;
        Ok(())
    })?;
    println!("{key}");
    eprintln!("this key is shown once: keep it where the caller keeps secrets (Authorization: Bearer <key>)");
    Ok(())
}
