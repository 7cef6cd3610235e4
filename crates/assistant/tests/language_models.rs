//! `[nlu.language_models]`: the intents of one language recognised with an encoder of
//! their own (multilingual-e5-small for French), while English and the knowledge base
//! keep the default one (all-MiniLM-L6-v2).

use std::path::{Path, PathBuf};

use relais_assistant::{AssistantConfig, Bot, Conversation, Loading};
use relais_nlu::Preparing;
use relais_dialogue::{EventKind, Input, Turn};

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The repository's assistant with its data in `data` and French intents embedded by the
/// encoder in `french` (a folder under the repository).
fn config(data: &Path, french: &str) -> AssistantConfig {
    let root = root();
    let mut config = AssistantConfig {
        data_dir: data.to_path_buf(),
        ..AssistantConfig::default()
    };
    config.nlu.model_dir = root.join(&config.nlu.model_dir);
    config.nlu.intents_dir = root.join(&config.nlu.intents_dir);
    config.knowledge.dir = root.join(&config.knowledge.dir);
    config.nlu.language_models.insert("fr".into(), root.join(french));
    config
}

/// The intent `bot` predicts for `text`, in a conversation started in `lang`.
fn intent(bot: &Bot, lang: &str, text: &str) -> String {
    let mut conversation = Conversation::default();
    let start = Input::start("c", Some(lang.into()));
    conversation.take(bot, Turn::new(1, start)).expect("started");
    let message = Input::Message {
        client_id: "m1".into(),
        text: text.into(),
    };
    let events = conversation.take(bot, Turn::new(2, message)).expect("answered");
    events
        .iter()
        .find_map(|event| match &event.kind {
            EventKind::IntentPredicted { intent, .. } => Some(intent.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{text}: no intent predicted in {events:?}"))
}

#[test]
fn french_intents_can_have_an_encoder_of_their_own() {
    let data = tempfile::tempdir().expect("temp dir");
    let config = config(data.path(), "models/multilingual-e5-small");
    let bot = relais_assistant::load(&config, |_| {}).expect("loads (run `make models` first)");

    let fingerprint = |lang: &str| bot.intent_encoder(lang).expect("a model").fingerprint().to_owned();
    assert_ne!(fingerprint("fr"), bot.encoder().fingerprint());
    assert_eq!(fingerprint("en"), bot.encoder().fingerprint());
    assert_eq!(fingerprint("de"), bot.encoder().fingerprint(), "German falls back on English");
    // all-MiniLM-L6-v2 takes the first for cancel_subscription and the second for
    // refund_status.
    for (lang, text, expected) in [
        ("fr", "je n'arrive plus à me connecter à mon espace client", "reset_password"),
        ("fr", "donne-moi une recette de crêpes", "oos"),
        ("en", "where is my order", "order_status"),
    ] {
        assert_eq!(intent(&bot, lang, text), expected, "{text}");
    }
}

#[test]
fn a_missing_language_model_folder_is_named() {
    let data = tempfile::tempdir().expect("temp dir");
    let config = config(data.path(), "models/no-such-model");
    let Err(error) = relais_assistant::load(&config, |_| {}) else {
        panic!("a missing folder loads");
    };
    assert_eq!(error.to_string(), "loading the encoder of the fr intents ([nlu.language_models] fr)");
    let cause = std::error::Error::source(&error).expect("a cause").to_string();
    assert!(cause.contains("no-such-model"), "{cause}");
}

#[test]
fn a_language_without_intents_loads_no_encoder() {
    let data = tempfile::tempdir().expect("temp dir");
    let english = data.path().join("intents/en");
    std::fs::create_dir_all(&english).unwrap();
    for file in std::fs::read_dir(root().join("intents/en")).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), english.join(file.file_name())).unwrap();
    }
    let mut config = config(data.path(), "models/no-such-model");
    config.nlu.intents_dir = data.path().join("intents");
    let mut warnings = Vec::new();
    let bot = relais_assistant::load(&config, |event| {
        if let Loading::Intents(Preparing::Warning(warning)) = event {
            warnings.push(warning.to_string());
        }
    })
    .expect("no French intents: the French encoder's folder is not even read");
    assert!(bot.language_encoders().is_empty());
    // Not the shipped entry: the user named it, so they hear that nothing uses it.
    assert!(
        warnings.iter().any(|w| w.contains("names fr, but") && w.contains("no intents use its encoder")),
        "{warnings:?}"
    );

    config.nlu.language_models = relais_assistant::NluConfig::default().language_models;
    warnings.clear();
    relais_assistant::load(&config, |event| {
        if let Loading::Intents(Preparing::Warning(warning)) = event {
            warnings.push(warning.to_string());
        }
    })
    .expect("loads");
    assert!(
        !warnings.iter().any(|w| w.contains("[nlu.language_models]")),
        "the shipped French entry is silent without French intents: {warnings:?}"
    );
}

#[test]
fn model_dir_written_another_way_is_not_loaded_twice() {
    let data = tempfile::tempdir().expect("temp dir");
    let config = config(data.path(), "models/./all-MiniLM-L6-v2/");
    let bot = relais_assistant::load(&config, |_| {}).expect("loads (run `make models` first)");
    assert!(bot.language_encoders().is_empty(), "French uses model_dir's encoder, loaded once");
    assert_eq!(bot.intent_encoder("fr").expect("a model").fingerprint(), bot.encoder().fingerprint());
}
