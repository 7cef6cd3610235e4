//! `relais purge --simulated [--data-dir DIR]`: removes the conversations `relais
//! simulate` made (their `started` event is marked simulated), with every row that
//! belongs to them, in one transaction, then the two agents it made with their sessions (an agent
//! still holding a conversation or with review labels is kept, and said so). Real conversations are never purged, so the flag is required: it
//! says what goes.

use std::path::PathBuf;

use crate::config::Settings;

#[derive(clap::Args)]
pub struct PurgeArgs {
    /// Remove the simulated conversations (required: nothing else can be purged).
    #[arg(long)]
    simulated: bool,
    /// The data folder (relais.db) [default: `data_dir` of relais.toml, "data"].
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

pub fn run(args: PurgeArgs, settings: &Settings) -> anyhow::Result<()> {
    if !args.simulated {
        anyhow::bail!(
            "relais purge removes only the conversations `relais simulate` made: run `relais purge --simulated` (real conversations are never purged)"
        );
    }
    let data_dir = args.data_dir.unwrap_or_else(|| settings.assistant.data_dir.clone());
    let store_at = settings.store_at(&data_dir);
    if !store_at.exists() {
        anyhow::bail!(
            "nothing to purge in {}: there is no relais.db; pass the data folder with --data-dir",
            data_dir.display()
        );
    }
    let (conversations, agents) = crate::serve::with_store(&store_at, |store| async move {
        let conversations = store.purge_simulated().await?;
        let mut agents = 0;
        for (_, email) in crate::simulate::AGENTS {
            match store.remove_agent(email).await {
                Ok(removed) => agents += u64::from(removed),
                Err(kept @ relais_store::Error::AgentInUse { .. }) => eprintln!("kept: {kept}"),
                Err(error) => return Err(error.into()),
            }
        }
        Ok((conversations, agents))
    })?;
    println!("removed {conversations} simulated conversations and {agents} simulated agents from {store_at}");
    Ok(())
}
