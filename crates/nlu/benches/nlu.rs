//! Encoder and intent-model speed: one text, a batch of 32, and a whole prediction.
//! Needs the model from `make models`.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use relais_encoder::Encoder;
use relais_nlu::{IntentModel, TrainOptions, load_training_data};

const MODEL_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/all-MiniLM-L6-v2");
const INTENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../intents/en");

fn benches(c: &mut Criterion) {
    // SAFETY: criterion has not started any thread yet.
    unsafe { relais_encoder::configure_threads(None) };
    let encoder = Encoder::load(MODEL_DIR).expect("run `make models` first");
    let text = "I ordered the Atlas bookshelf last week and it still has not arrived";
    c.bench_function("encode one", |b| {
        b.iter(|| encoder.encode_one(text).unwrap())
    });
    let batch: Vec<String> = (0..32).map(|i| format!("{text} (message {i})")).collect();
    c.bench_function("encode batch of 32", |b| {
        b.iter(|| encoder.encode(&batch).unwrap())
    });

    let data = load_training_data(Path::new(INTENTS)).expect("the demo intents load");
    let model = IntentModel::train(
        &encoder,
        None,
        &data.examples,
        None,
        &TrainOptions::default(),
        |_| {},
    )
    .unwrap();
    let embedding = encoder.encode_one(text).unwrap();
    c.bench_function("predict, encoder included", |b| {
        b.iter(|| model.predict(&encoder, text).unwrap())
    });
    c.bench_function("predict from an embedding", |b| {
        b.iter(|| model.predict_embedded(text, &embedding).unwrap())
    });
}

criterion_group! {
    name = nlu;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(nlu);
