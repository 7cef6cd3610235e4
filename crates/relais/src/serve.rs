//! `relais serve`: loads the assistant, opens the event store and serves the widget,
//! the console, the help centre and protocol v1 until SIGTERM or Ctrl-C, re-indexing the
//! knowledge base (and updating the help centre) when an article is edited on disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use relais_server::Signer;
use relais_store::Store;
use tokio::net::TcpListener;

use crate::config::{Settings, StoreAt};

/// How long after the last edit of an article the knowledge base is re-indexed (an
/// editor's save often writes a file several times).
const KNOWLEDGE_DEBOUNCE: Duration = Duration::from_millis(500);

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default: [server] bind of relais.toml, 127.0.0.1:8080).
    #[arg(long)]
    bind: Option<String>,
    /// The data folder: conversations and agents (relais.db), the token signing key
    /// (secret.key) and, unless relais.toml puts them elsewhere, trained models and the
    /// knowledge index [default: `data_dir` of relais.toml, "data"].
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// The data folder whose relais.db to migrate, unless [store] url names a database
    /// [default: `data_dir` of relais.toml, "data"].
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// `relais migrate`: applies the migrations the store lacks (before starting the nodes
/// of a new version one by one, say) and prints the schema version.
pub fn migrate(args: MigrateArgs, settings: &Settings) -> anyhow::Result<()> {
    let data_dir = args.data_dir.unwrap_or_else(|| settings.assistant.data_dir.clone());
    let at = settings.store_at(&data_dir);
    let version = with_store(&at, |store| async move { Ok(store.schema_version().await?) })?;
    println!("{at}: schema version {version}");
    Ok(())
}

/// The encoder's threads when neither `threads` nor `RAYON_NUM_THREADS` says: one core
/// fewer than the machine has, so sockets and the store keep a core while the encoder
/// is busy (on 2 cores: 150 replies/s at p99 140 ms, against p99 > 1 s when the encoder
/// takes both).
pub fn encoder_threads() -> Option<usize> {
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return None;
    }
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    Some(cpus.saturating_sub(1).max(1))
}

/// The event store at `at`.
pub async fn open_store(at: &StoreAt) -> anyhow::Result<Store> {
    Store::connect(&at.url)
        .await
        .with_context(|| format!("opening the event store {at}"))
}

/// Runs `work` on the store at `at`, then closes it (for the commands that read or
/// change the store without serving).
pub fn with_store<T, F: Future<Output = anyhow::Result<T>>>(
    at: &StoreAt,
    work: impl FnOnce(Store) -> F,
) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = open_store(at).await?;
        let result = work(store.clone()).await;
        store.close().await;
        result
    })
}

/// Logs to stderr at `RELAIS_LOG`'s level, `default` without it.
pub fn init_logging(default: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RELAIS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .with_writer(std::io::stderr)
        .init();
}

pub fn run(args: ServeArgs, settings: Settings, config_path: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    init_logging("info");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let settings = settings.served(args.data_dir)?;
    let thresholds = settings.thresholds_path();
    let intents_dir = settings.assistant.nlu.intents_dir.clone();
    let store_at = settings.store_at(&settings.assistant.data_dir);
    let mut config = settings.server;
    if let Some(bind) = args.bind {
        config.bind = bind;
    }
    let data_dir = settings.assistant.data_dir.clone();
    let reloader = reloader(config_path.to_path_buf(), data_dir.clone());
    let bot = Arc::new(crate::bot::load_bot(&settings.assistant)?);
    let help = help_centre(settings.help, &settings.assistant.knowledge.dir)?;
    let channels = settings.channels.checked().map_err(anyhow::Error::msg)?;
    let edited = help.clone();
    let _watcher = bot
        .watch_knowledge(KNOWLEDGE_DEBOUNCE, move |reload| match reload {
            Ok(warnings) => {
                tracing::info!("knowledge base re-indexed after an edit");
                for warning in warnings {
                    tracing::warn!("{warning}");
                }
                if let Some(help) = &edited {
                    match help.reload() {
                        Ok(_) => tracing::info!("help centre updated"),
                        Err(error) => tracing::warn!("{error}; the help centre's pages stay as they were"),
                    }
                }
            }
            Err(error) => tracing::warn!("{error}; the knowledge base in use stays as it was"),
        })
        .context("watching the knowledge folder for edited articles")?;
    runtime.block_on(async move {
        let store = open_store(&store_at).await?;
        let signer = Signer::load_or_create(&data_dir.join("secret.key"))?;
        let listener = TcpListener::bind(&config.bind)
            .await
            .with_context(|| format!("cannot listen on {}; is another server running there?", config.bind))?;
        let address = listener.local_addr()?;
        println!(
            "listening on http://{address} (ready in {} ms)",
            started.elapsed().as_millis()
        );
        let mut server = relais_server::Server::new(config, store, bot, signer)?
            .with_insights(settings.insights)
            .with_reloader(reloader)
            .with_thresholds_file(thresholds)
            .with_intents_dir(intents_dir)
            .with_channels(channels);
        if let Some(help) = help {
            server = server.with_help(help);
        }
        tokio::spawn(reload_on_hangup(server.reload_handle()));
        server.serve(listener, shutdown_signal()).await;
        println!("stopped");
        Ok(())
    })
}

/// The help centre of the knowledge folder, unless `[help] enabled = false`; its
/// warnings (unknown translations) are logged.
fn help_centre(config: relais_help::HelpConfig, knowledge_dir: &Path) -> anyhow::Result<Option<Arc<relais_help::HelpCentre>>> {
    if !config.enabled {
        return Ok(None);
    }
    let config = config.checked()?;
    let (centre, warnings) = relais_help::HelpCentre::open(config, knowledge_dir)
        .with_context(|| format!("reading the articles of {} for the help centre", knowledge_dir.display()))?;
    for warning in warnings {
        tracing::warn!("help centre: {warning}");
    }
    Ok(Some(Arc::new(centre)))
}

/// Builds the next bot for a reload: relais.toml and the thresholds file read again (with
/// `data_dir` as served), then the intents retrained or reused and the dialogue settings applied
/// (`relais_assistant::reload`); each step reported as text.
fn reloader(config_path: PathBuf, data_dir: PathBuf) -> relais_server::Reloader {
    Arc::new(move |current, step| {
        step(format!("reading {}", config_path.display()));
        let settings = Settings::load(&config_path)
            .and_then(|settings| settings.served(Some(data_dir.clone())))
            .map_err(|error| format!("{error:#}"))?;
        relais_assistant::reload(&settings.assistant, current, |event| {
            if let Some(text) = describe(&event) {
                step(text);
            }
        })
        .map_err(|error| format!("{:#}", anyhow::Error::from(error)))
    })
}

/// A reload's step as text; `None` for the many embedding and epoch ticks in between.
fn describe(event: &relais_assistant::Loading<'_>) -> Option<String> {
    use relais_nlu::{Preparing, TrainProgress};
    match event {
        relais_assistant::Loading::Intents(Preparing::UpToDate { data, .. }) => {
            Some(format!("{}: the intents have not changed, the model is reused", data.display()))
        }
        relais_assistant::Loading::Intents(Preparing::Training { examples, intents, data }) => {
            Some(format!("{}: training on {examples} examples of {intents} intents", data.display()))
        }
        relais_assistant::Loading::Intents(Preparing::Train(TrainProgress::Fitting { epoch, epochs, .. })) if epoch % 10 == 0 => {
            Some(format!("fitting: epoch {epoch} of {epochs}"))
        }
        relais_assistant::Loading::Intents(Preparing::Warning(warning)) => Some(format!("warning: {warning}")),
        relais_assistant::Loading::Intents(Preparing::StrangersClaimed { claimed, of }) => {
            Some(format!("note: {}", relais_nlu::describe_claims(claimed, *of)))
        }
        _ => None,
    }
}

/// Starts a reload on every SIGHUP.
async fn reload_on_hangup(reload: relais_server::ReloadHandle) {
    let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
        tracing::warn!("SIGHUP cannot be caught here: reload with POST /v1/admin/reload");
        return;
    };
    while hangups.recv().await.is_some() {
        tracing::info!("SIGHUP: reloading the intents and settings");
        reload.start();
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
