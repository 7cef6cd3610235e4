//! Sentence encoder: a BERT or MPNet sentence-transformer (all-MiniLM-L6-v2 by default)
//! run on the CPU with candle, giving one L2-normalised embedding per text.
//!
//! A model that wants a prompt in front of every text (e5's `query: `) says so in its
//! `config_sentence_transformers.json`: the prompt its `default_prompt_name` names, as
//! sentence-transformers applies it. Intent examples, visitor messages and articles all
//! get that one prompt, so that a message is embedded once for intents and articles
//! alike (e5 advises `query: ` on both sides of a symmetric task).

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use sha2::{Digest, Sha256};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use crate::EncoderError;
use crate::bert::{Bert, BertConfig};
use crate::chance::ChanceSimilarity;

/// Longest input, in tokens, that the encoder looks at; the rest of a text is cut.
pub const MAX_TOKENS: usize = 256;

/// How many texts go through the model in one forward pass.
const BATCH_SIZE: usize = 32;

/// Files a sentence-transformer folder must hold.
const REQUIRED_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// Turns texts into unit-length sentence embeddings.
pub struct Encoder {
    model: Bert,
    tokenizer: Tokenizer,
    dim: usize,
    fingerprint: String,
    /// Put in front of every text.
    prompt: String,
    device: Device,
    /// See [`Encoder::chance_similarity`].
    chance: ChanceSimilarity,
}

impl Encoder {
    /// Loads a BERT or MPNet sentence-transformer from a folder holding `config.json`,
    /// `tokenizer.json` and `model.safetensors`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, EncoderError> {
        let dir = dir.as_ref();
        let missing: Vec<&str> = REQUIRED_FILES
            .into_iter()
            .filter(|name| !dir.join(name).is_file())
            .collect();
        if !missing.is_empty() {
            return Err(EncoderError::ModelMissing {
                dir: dir.to_path_buf(),
                missing: missing.join(", "),
            });
        }
        let config_text = read(dir.join("config.json"))?;
        let config: BertConfig =
            serde_json::from_slice(&config_text).map_err(|source| EncoderError::ModelConfig {
                path: dir.join("config.json"),
                message: source.to_string(),
            })?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|source| {
            EncoderError::ModelConfig {
                path: dir.join("tokenizer.json"),
                message: source.to_string(),
            }
        })?;
        // tokenizer.json ships fixed 128-token padding; pad to the longest text instead.
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|source| EncoderError::ModelConfig {
                path: dir.join("tokenizer.json"),
                message: source.to_string(),
            })?;

        let prompt = prompt(dir)?;
        let weights_path = dir.join("model.safetensors");
        let weights = read(&weights_path)?;
        let mut hasher = Sha256::new();
        hasher.update(&weights);
        // Another prompt gives other embeddings: caches must not mix them. No prompt
        // keeps the fingerprint a hash of the weights alone.
        if !prompt.is_empty() {
            hasher.update(prompt.as_bytes());
        }
        let fingerprint = format!("{:x}", hasher.finalize());
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|source| EncoderError::weights(&weights_path, source))?;
        let model = Bert::load(vb, &config)
            .map_err(|source| EncoderError::weights(&weights_path, source))?;
        let mut encoder = Self {
            model,
            tokenizer,
            dim: config.hidden_size,
            fingerprint,
            prompt,
            device,
            chance: ChanceSimilarity::ZERO,
        };
        let texts: Vec<&str> = ChanceSimilarity::texts().collect();
        encoder.chance = ChanceSimilarity::measure(&encoder.encode(&texts)?);
        if !encoder.chance.is_usable() {
            return Err(EncoderError::ModelConfig {
                path: weights_path,
                message: format!(
                    "this model gives sentences on unrelated subjects a cosine of {:.3} (English) and {:.3} (French): it cannot tell texts apart; check that the weights belong to config.json, or use another model",
                    encoder.chance.en, encoder.chance.fr
                ),
            });
        }
        Ok(encoder)
    }

    /// Length of every embedding.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// SHA-256 of the weights (and of the prompt, when there is one), so that caches of
    /// embeddings can tell models apart.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The first 16 hex digits of [`Encoder::fingerprint`]: enough to tell encoders apart
    /// where a name is kept for each (the embedding cache's file, each stored message
    /// vector).
    pub fn short_fingerprint(&self) -> &str {
        &self.fingerprint[..16]
    }

    /// The cosine this encoder gives two texts on unrelated subjects, per language
    /// (measured on built-in sentences when it loads): limits on cosines are set above
    /// it, with [`ChanceSimilarity::relative`].
    pub fn chance_similarity(&self) -> ChanceSimilarity {
        self.chance
    }

    /// Embeds one text.
    pub fn encode_one(&self, text: &str) -> Result<Vec<f32>, EncoderError> {
        Ok(self.encode(&[text])?.remove(0))
    }

    /// Embeds many texts, in their order. Texts are grouped by length so that each
    /// forward pass pads as little as possible.
    pub fn encode<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Vec<Vec<f32>>, EncoderError> {
        self.encode_with_progress(texts, |_| {})
    }

    /// [`Encoder::encode`], calling `progress` with the number of texts done after
    /// each forward pass.
    pub fn encode_with_progress<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        mut progress: impl FnMut(usize),
    ) -> Result<Vec<Vec<f32>>, EncoderError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].as_ref().len());
        let mut out = vec![Vec::new(); texts.len()];
        let mut done = 0;
        for chunk in order.chunks(BATCH_SIZE) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i].as_ref()).collect();
            // On a worker of the pool the calling thread takes part in every matrix
            // product, instead of waking the workers and sleeping until they are done.
            let embeddings = rayon::scope(|_| self.forward(&batch))?;
            for (&i, embedding) in chunk.iter().zip(embeddings) {
                out[i] = embedding;
            }
            done += chunk.len();
            progress(done);
        }
        Ok(out)
    }

    fn forward(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EncoderError> {
        let texts: Vec<String> = texts.iter().map(|t| format!("{}{t}", self.prompt)).collect();
        let encodings = self
            .tokenizer
            .encode_batch(texts, true)
            .map_err(|source| EncoderError::Tokenize(source.to_string()))?;
        let rows = encodings.len();
        let cols = encodings[0].get_ids().len();
        let mut ids = Vec::with_capacity(rows * cols);
        let mut mask = Vec::with_capacity(rows * cols);
        for encoding in &encodings {
            ids.extend_from_slice(encoding.get_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        let ids = Tensor::from_vec(ids, (rows, cols), &self.device)?;
        let mask = Tensor::from_vec(mask, (rows, cols), &self.device)?;
        let hidden = self.model.forward(&ids, &mask)?;
        // Mean over real tokens only, then unit length.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        let unit = mean.broadcast_div(&norms)?;
        Ok(unit.to_vec2::<f32>()?)
    }
}

/// The prompt `config_sentence_transformers.json` names as its default, or none.
fn prompt(dir: &Path) -> Result<String, EncoderError> {
    #[derive(serde::Deserialize)]
    struct Prompts {
        #[serde(default)]
        prompts: std::collections::HashMap<String, String>,
        default_prompt_name: Option<String>,
    }
    let path = dir.join("config_sentence_transformers.json");
    if !path.is_file() {
        return Ok(String::new());
    }
    let config: Prompts =
        serde_json::from_slice(&read(&path)?).map_err(|source| EncoderError::ModelConfig {
            path: path.clone(),
            message: source.to_string(),
        })?;
    let Some(name) = config.default_prompt_name else {
        return Ok(String::new());
    };
    config
        .prompts
        .get(&name)
        .cloned()
        .ok_or_else(|| EncoderError::ModelConfig {
            path,
            message: format!(
                "default_prompt_name is {name:?}, but prompts has no such entry; add it, or remove default_prompt_name"
            ),
        })
}

fn read(path: impl Into<PathBuf>) -> Result<Vec<u8>, EncoderError> {
    let path = path.into();
    std::fs::read(&path).map_err(|source| EncoderError::Io { path, source })
}
