//! Assembly of the whole assistant from its [`AssistantConfig`]: the encoder (and the
//! encoders `[nlu.language_models]` gives some languages' intents), an intent model per
//! language folder of the intents (trained, or reused when the intents have not
//! changed), the knowledge base (indexed incrementally), the dialogue engine and the
//! action client. What happens on the way is reported, not printed: the caller
//! decides how to show it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use relais_dialogue::{Engine, Playbook};
use relais_encoder::{Encoder, EncoderError};
use relais_knowledge::{IndexProgress, KnowledgeBase, KnowledgeError, Warning};
use relais_nlu::{IntentModel, NluError, Preparing};

use crate::bot::LanguageEncoder;
use crate::{ActionClient, AssistantConfig, Bot, NluConfig};

/// The encoders of some languages' intents, by language.
type LanguageEncoders = BTreeMap<String, LanguageEncoder>;

/// What [`load`] reports as it goes.
#[derive(Debug)]
pub enum Loading<'a> {
    /// An intent model is being trained or reused.
    Intents(Preparing<'a>),
    /// Passages of changed articles are being embedded.
    Indexing(IndexProgress),
    /// An article was skipped or partly used.
    KnowledgeWarning(&'a Warning),
}

/// Why the assistant could not be loaded; each names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("loading the sentence encoder")]
    Encoder(#[source] EncoderError),
    #[error("loading the encoder of the {lang} intents ([nlu.language_models] {lang})")]
    LanguageEncoder {
        lang: String,
        #[source]
        source: Box<EncoderError>,
    },
    #[error("loading the intents from {}", dir.display())]
    Playbook {
        dir: PathBuf,
        #[source]
        source: relais_dialogue::LoadError,
    },
    #[error("preparing the intent model of {}", data.display())]
    Intents {
        data: PathBuf,
        #[source]
        source: NluError,
    },
    #[error("indexing the knowledge base {}", dir.display())]
    Knowledge {
        dir: PathBuf,
        #[source]
        source: KnowledgeError,
    },
}

/// Loads the encoders, trains (or reuses) an intent model for every language folder of
/// the intents, and opens the knowledge base.
pub fn load(
    config: &AssistantConfig,
    mut report: impl FnMut(Loading<'_>),
) -> Result<Bot, LoadError> {
    let encoder = load_encoder(&config.nlu.model_dir)?;
    let (language_encoders, models, engine) =
        intents(config, &encoder, &BTreeMap::new(), &mut report)?;
    let knowledge = open_knowledge(&config.knowledge.dir, &config.index_dir(), &encoder, report)?;
    Ok(Bot::new(
        encoder,
        language_encoders,
        models,
        knowledge,
        engine,
        ActionClient::new(config.actions.timeout()),
    ))
}

/// `current` with the intents and `[dialogue]` settings of `config` as they are now: an
/// intent model trained (or reused) for every language folder, the intents' responses
/// and the thresholds, sharing `current`'s encoder, knowledge base (which follows edits
/// of its own, [`Bot::watch_knowledge`]) and action client. On error `current` is
/// untouched: the caller keeps serving with it.
pub fn reload(
    config: &AssistantConfig,
    current: &Bot,
    mut report: impl FnMut(Loading<'_>),
) -> Result<Bot, LoadError> {
    let (language_encoders, models, engine) = intents(
        config,
        current.encoder(),
        current.language_encoders(),
        &mut report,
    )?;
    Ok(current.with_intents(language_encoders, models, engine))
}

/// The encoders of `[nlu.language_models]` for the languages the intents have
/// (`has_intents`), by language. A folder already loaded (in `loaded`, the running bot's,
/// or named twice) is not loaded again, and a language given `model_dir` itself needs
/// none of its own. A language without intents gets no encoder: the shipped French one
/// costs an English-only assistant nothing.
fn language_encoders(
    config: &AssistantConfig,
    loaded: &LanguageEncoders,
    has_intents: impl Fn(&str) -> bool,
) -> Result<LanguageEncoders, LoadError> {
    let mut encoders = LanguageEncoders::new();
    for (lang, dir) in &config.nlu.language_models {
        if same_dir(dir, &config.nlu.model_dir) || !has_intents(lang) {
            continue;
        }
        let known = loaded.values().chain(encoders.values()).find(|own| same_dir(&own.dir, dir));
        let encoder = match known {
            Some(own) => own.encoder.clone(),
            None => Arc::new(Encoder::load(dir).map_err(|source| LoadError::LanguageEncoder {
                lang: lang.clone(),
                source: Box::new(source),
            })?),
        };
        encoders.insert(lang.clone(), LanguageEncoder { dir: dir.clone(), encoder });
    }
    Ok(encoders)
}

/// Whether `a` and `b` name the same folder (`models/e5` and `./models/e5/`, or a link
/// to it), so that one encoder is not loaded twice; as written when either is missing.
fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The encoders of the intents' languages that `[nlu.language_models]` names (reusing
/// those in `loaded`), the playbook of the intents folder with `[dialogue]`, and an
/// intent model per language, each trained with its language's encoder or else
/// `encoder`.
fn intents(
    config: &AssistantConfig,
    encoder: &Encoder,
    loaded: &LanguageEncoders,
    report: &mut impl FnMut(Loading<'_>),
) -> Result<(LanguageEncoders, BTreeMap<String, IntentModel>, Engine), LoadError> {
    let intents_dir = &config.nlu.intents_dir;
    let playbook = Playbook::load_dir(intents_dir).map_err(|source| LoadError::Playbook {
        dir: intents_dir.clone(),
        source,
    })?;
    let has_intents = |lang: &str| playbook.languages().any(|l| l == lang);
    // The shipped French entry is there for assistants that have French intents; an entry
    // of the user's own that matches no intents folder is likely a mistake.
    let shipped = NluConfig::default().language_models;
    for (lang, dir) in &config.nlu.language_models {
        if !has_intents(lang) && shipped.get(lang) != Some(dir) {
            let warning = format!(
                "[nlu.language_models] names {lang}, but {} has no {lang} folder: no intents use its encoder",
                intents_dir.display()
            );
            report(Loading::Intents(Preparing::Warning(&warning)));
        }
    }
    let language_encoders = language_encoders(config, loaded, has_intents)?;
    let models_dir = config.models_dir();
    let mut models = BTreeMap::new();
    for lang in playbook.languages() {
        let data = intents_dir.join(lang);
        let out = models_dir.join(format!("intents-{lang}.bin"));
        let model = IntentModel::train_or_reuse(
            language_encoders.get(lang).map_or(encoder, |own| own.encoder.as_ref()),
            &data,
            None,
            &out,
            &config.nlu.training,
            |event| report(Loading::Intents(event)),
        )
        .map_err(|source| LoadError::Intents { data, source })?;
        models.insert(lang.to_string(), model);
    }
    Ok((
        language_encoders,
        models,
        Engine::new(playbook, config.dialogue.clone()),
    ))
}

/// Loads the sentence encoder from a sentence-transformer folder.
pub fn load_encoder(dir: &Path) -> Result<Encoder, LoadError> {
    Encoder::load(dir).map_err(LoadError::Encoder)
}

/// Opens the knowledge base of the articles in `dir`, with its index in `index_dir`,
/// embedding only the passages that changed since the index was written.
pub fn open_knowledge(
    dir: &Path,
    index_dir: &Path,
    encoder: &Encoder,
    mut report: impl FnMut(Loading<'_>),
) -> Result<KnowledgeBase, LoadError> {
    let (knowledge, warnings) = KnowledgeBase::open_with_progress(dir, index_dir, encoder, |p| {
        report(Loading::Indexing(p))
    })
    .map_err(|source| LoadError::Knowledge {
        dir: dir.to_path_buf(),
        source,
    })?;
    for warning in &warnings {
        report(Loading::KnowledgeWarning(warning));
    }
    Ok(knowledge)
}
