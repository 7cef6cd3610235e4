//! The encoder against independent float64 forward passes, alone and inside a padded
//! batch: of all-MiniLM-L6-v2 (BERT, `../shared/datasets/minilm-reference`) and of
//! all-mpnet-base-v2 (MPNet, `tests/data/mpnet-reference.json`, written by
//! `scripts/mpnet-reference.py`).

use std::path::{Path, PathBuf};

use relais_encoder::{Encoder, EncoderError};
use serde::Deserialize;

/// The model fetched by `make models`.
const MODEL_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/all-MiniLM-L6-v2");
/// The larger English encoder, fetched by `make models-mpnet`.
const MPNET_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/all-mpnet-base-v2");
const REPO_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

#[derive(Deserialize)]
struct Reference {
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    text: String,
    embedding: Vec<f32>,
}

/// `../shared/datasets/<name>` when it is there; the product never needs it.
fn shared_dataset(name: &str) -> Option<PathBuf> {
    let dir = Path::new(REPO_DIR).join("../shared/datasets").join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "{} is absent: this check needs the shared benchmark data",
            dir.display()
        );
        None
    }
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn matches_the_reference_embeddings_alone_and_in_a_padded_batch() {
    let Some(dir) = shared_dataset("minilm-reference") else {
        return;
    };
    let reference = std::fs::read(dir.join("reference.json")).unwrap();
    let encoder = Encoder::load(MODEL_DIR).expect("run `make models` first");
    assert_eq!(encoder.dim(), 384);
    holds_to(&encoder, &reference);
}

#[test]
fn mpnet_matches_its_reference_alone_and_in_a_padded_batch() {
    let reference = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/mpnet-reference.json"
    ))
    .unwrap();
    let encoder = Encoder::load(MPNET_DIR).expect("run `make models-mpnet` first");
    assert_eq!(encoder.dim(), 768);
    holds_to(&encoder, &reference);
}

/// Each reference text's embedding, alone and with all of them in one batch (the short
/// ones padded to the longest), is within 1e-5 of the reference's.
fn holds_to(encoder: &Encoder, reference: &[u8]) {
    let reference: Reference = serde_json::from_slice(reference).unwrap();
    for item in &reference.items {
        let alone = encoder.encode_one(&item.text).unwrap();
        let difference = max_difference(&alone, &item.embedding);
        assert!(
            difference < 1e-5,
            "{:?} alone differs by {difference}",
            item.text
        );
    }
    let texts: Vec<&str> = reference.items.iter().map(|i| i.text.as_str()).collect();
    let batch = encoder.encode(&texts).unwrap();
    for (item, embedding) in reference.items.iter().zip(&batch) {
        let difference = max_difference(embedding, &item.embedding);
        assert!(
            difference < 1e-5,
            "{:?} in a batch differs by {difference}",
            item.text
        );
    }
}

#[test]
fn long_empty_and_blank_texts_give_unit_vectors() {
    let encoder = Encoder::load(MODEL_DIR).expect("run `make models` first");
    let huge = "order ".repeat(20_000);
    for text in ["", "   ", huge.as_str()] {
        let embedding = encoder.encode_one(text).unwrap();
        let norm: f32 = embedding.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!(
            (norm - 1.0).abs() < 1e-4,
            "norm {norm} for a text of {} bytes",
            text.len()
        );
    }
}

#[test]
fn a_missing_or_incomplete_model_folder_names_make_models() {
    let empty = tempfile::tempdir().unwrap();
    let error = Encoder::load(empty.path())
        .err()
        .expect("an empty folder is no model");
    assert!(matches!(error, EncoderError::ModelMissing { .. }));
    let message = error.to_string();
    assert!(message.contains("make models"), "{message}");
    assert!(message.contains("model.safetensors"), "{message}");

    let partial =
        model_copy(|dir| std::fs::write(dir.join("model.safetensors"), b"not weights").unwrap());
    let message = Encoder::load(partial.path())
        .err()
        .expect("garbage weights")
        .to_string();
    assert!(message.contains("model.safetensors"), "{message}");
}

/// A copy of the model folder whose files `edit` may change.
fn model_copy(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for file in ["config.json", "tokenizer.json", "model.safetensors"] {
        std::fs::copy(Path::new(MODEL_DIR).join(file), copy.path().join(file)).unwrap();
    }
    edit(copy.path());
    copy
}

#[test]
fn weights_saved_under_a_bert_prefix_give_the_same_embeddings() {
    let prefixed = model_copy(|dir| {
        let weights = dir.join("model.safetensors");
        let tensors = candle_core::safetensors::load(&weights, &candle_core::Device::Cpu).unwrap();
        let renamed: std::collections::HashMap<String, candle_core::Tensor> = tensors
            .into_iter()
            .map(|(name, tensor)| (format!("bert.{name}"), tensor))
            .collect();
        candle_core::safetensors::save(&renamed, &weights).unwrap();
    });
    let text = "where is my parcel";
    let plain = Encoder::load(MODEL_DIR).unwrap().encode_one(text).unwrap();
    let from_prefixed = Encoder::load(prefixed.path())
        .unwrap()
        .encode_one(text)
        .unwrap();
    assert_eq!(plain, from_prefixed);
}

#[test]
fn an_unknown_activation_names_the_config_file() {
    let odd = model_copy(|dir| {
        let config = dir.join("config.json");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(&config, text.replace("\"gelu\"", "\"swish\"")).unwrap();
    });
    let message = Encoder::load(odd.path())
        .err()
        .expect("swish is no BERT activation here")
        .to_string();
    assert!(message.contains("config.json"), "{message}");
    assert!(message.contains("swish"), "{message}");
}

#[test]
fn a_prompt_in_the_sentence_transformers_config_goes_before_every_text() {
    let prompted = model_copy(|dir| {
        std::fs::write(
            dir.join("config_sentence_transformers.json"),
            r#"{"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "query"}"#,
        )
        .unwrap();
    });
    let plain = Encoder::load(MODEL_DIR).unwrap();
    let with_prompt = Encoder::load(prompted.path()).unwrap();
    let text = "where is my parcel";
    assert_eq!(
        with_prompt.encode_one(text).unwrap(),
        plain.encode_one(&format!("query: {text}")).unwrap()
    );
    assert_ne!(with_prompt.encode_one(text).unwrap(), plain.encode_one(text).unwrap());
    // Caches of embeddings must not mix the two.
    assert_ne!(with_prompt.fingerprint(), plain.fingerprint());
}
