//! `relais review export [--data-dir] [--intents-dir]`: the turns reviewers labelled
//! become training examples, `intents/<lang>/reviewed.yml` per language
//! (relais_review), which `relais nlu train` reads with the intent files. Every label left
//! out is printed with why; `needs_article` labels are not examples (they are knowledge
//! gaps).

use std::path::PathBuf;

use crate::config::Settings;

#[derive(clap::Subcommand)]
pub enum ReviewCommand {
    /// Write the labelled turns as training examples (intents/<lang>/reviewed.yml).
    Export(ExportArgs),
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The data folder, where conversations and labels are kept (relais.db)
    /// [default: `data_dir` of relais.toml, "data"].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The intent folders, one per language [default: `[nlu] intents_dir`, "intents"].
    #[arg(long)]
    intents_dir: Option<PathBuf>,
}

pub fn run(command: ReviewCommand, settings: &Settings) -> anyhow::Result<()> {
    let ReviewCommand::Export(args) = command;
    let data_dir = args.data_dir.unwrap_or_else(|| settings.assistant.data_dir.clone());
    let intents_dir = args.intents_dir.unwrap_or_else(|| settings.assistant.nlu.intents_dir.clone());
    let store_at = settings.store_at(&data_dir);
    if !store_at.exists() {
        anyhow::bail!(
            "no labels in {}: there is no relais.db; pass the data folder of `relais serve` with --data-dir",
            data_dir.display()
        );
    }
    let labelled =
        crate::serve::with_store(&store_at, |store| async move { Ok(store.labelled_turns(i64::MIN, i64::MAX, None).await?) })?;
    let report = relais_review::export(&labelled, &intents_dir)?;
    println!("{} labelled turns", report.labelled_turns);
    for language in &report.languages {
        match &language.path {
            Some(path) => println!(
                "{}: {} examples written to {} ({} already examples); {} left out",
                language.lang,
                language.examples,
                path.display(),
                language.already_examples,
                language.left_out.len()
            ),
            None => println!("{}: {} labels left out", language.lang, language.labels),
        }
        for why in &language.left_out {
            println!("  left out: {why}");
        }
    }
    if report.needs_article > 0 {
        println!("{} turns need an article: they are knowledge gaps, not examples", report.needs_article);
    }
    if report.without_language > 0 {
        println!("{} labelled turns have no language: left out", report.without_language);
    }
    println!("train with `relais nlu train`, then reload the server");
    Ok(())
}
