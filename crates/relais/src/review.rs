//! `relais review export [--data-dir] [--intents-dir]`: the turns reviewers labelled
//! become training examples, `intents/<lang>/reviewed.yml` per language
//! (relais_nlu::reviewed), which `relais nlu train` reads with the intent files. Every
//! label left out is printed with why; `needs_article` labels are not examples (they are
//! knowledge gaps).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use relais_nlu::reviewed::{self, Labelled, REVIEWED_FILE};
use relais_nlu::{Example, OOS};
use relais_store::ReviewTurn;

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
    if !data_dir.join("relais.db").is_file() {
        anyhow::bail!(
            "no labels in {}: there is no relais.db; pass the data folder of `relais serve` with --data-dir",
            data_dir.display()
        );
    }
    let labelled =
        crate::serve::with_store(&data_dir, |store| async move { Ok(store.labelled_turns(i64::MIN, i64::MAX, None).await?) })?;
    let mut by_lang: BTreeMap<String, Vec<Labelled>> = BTreeMap::new();
    let (mut for_articles, mut without_lang) = (0, 0);
    for (turn, label) in &labelled {
        match (example_intent(turn, label), &turn.lang) {
            (None, _) => for_articles += usize::from(label == "needs_article"),
            (Some(_), None) => without_lang += 1,
            (Some(intent), Some(lang)) => by_lang.entry(lang.clone()).or_default().push(Labelled {
                text: turn.text.clone(),
                intent,
            }),
        }
    }
    println!("{} labelled turns", labelled.len());
    // A language whose labels no longer give examples still has its file rewritten: empty.
    for folder in std::fs::read_dir(&intents_dir).into_iter().flatten().flatten() {
        let lang = folder.file_name().to_string_lossy().into_owned();
        if folder.path().join(REVIEWED_FILE).is_file() {
            by_lang.entry(lang).or_default();
        }
    }
    for (lang, labels) in &by_lang {
        let folder = intents_dir.join(lang);
        if !folder.is_dir() {
            println!("{lang}: {} labels left out: no intent folder {}", labels.len(), folder.display());
            continue;
        }
        let out = reviewed::export(labels, &other_examples(&folder)?);
        let path = folder.join(REVIEWED_FILE);
        std::fs::write(&path, reviewed::file_text(&out.examples)).with_context(|| format!("writing {}", path.display()))?;
        println!(
            "{lang}: {} examples written to {} ({} already examples); {} left out",
            out.examples.len(),
            path.display(),
            out.already_examples,
            out.left_out.len()
        );
        for why in &out.left_out {
            println!("  left out: {why}");
        }
    }
    if for_articles > 0 {
        println!("{for_articles} turns need an article: they are knowledge gaps, not examples");
    }
    if without_lang > 0 {
        println!("{without_lang} labelled turns have no language: left out");
    }
    println!("train with `relais nlu train`, then reload the server");
    Ok(())
}

/// The intent a labelled turn is an example of: the label's intent, `oos`, or for
/// `confirm` what the classifier said (out of scope included); none for `needs_article`
/// and for a confirmed ambiguous turn (no one intent was confirmed).
fn example_intent(turn: &ReviewTurn, label: &str) -> Option<String> {
    let prediction = &turn.prediction;
    match label {
        "needs_article" => None,
        "confirm" if prediction.oos => Some(OOS.to_owned()),
        "confirm" if prediction.ambiguous => None,
        "confirm" => Some(prediction.intent.clone()),
        intent => Some(intent.to_owned()),
    }
}

/// The examples of a language folder's files but the reviewed one.
fn other_examples(folder: &Path) -> anyhow::Result<Vec<Example>> {
    let mut examples = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .with_context(|| format!("reading {}", folder.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.file_name().is_some_and(|name| name != REVIEWED_FILE))
        .filter(|path| matches!(path.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        examples.extend(relais_nlu::parse_yaml(&text, &file)?);
    }
    Ok(examples)
}
