//! Micro-batching for the sentence encoder: messages that arrive while the encoder is
//! busy are embedded together in its next pass, which costs far less per message than
//! one pass each. One thread owns the encoder's turn; callers await their embedding.

use std::sync::Arc;
use std::sync::mpsc;

use relais_assistant::Bot;
use tokio::sync::oneshot;

use crate::metrics::Metrics;

/// One text waiting for its embedding.
struct Job {
    text: String,
    reply: oneshot::Sender<Result<Vec<f32>, String>>,
}

/// Hands texts to the encoder thread.
pub struct EncoderBatcher {
    jobs: mpsc::Sender<Job>,
    /// The encoder's short fingerprint, stored with the vectors it makes.
    name: String,
}

impl EncoderBatcher {
    /// Starts the encoder thread; it embeds up to `max_batch` waiting texts per pass and
    /// stops when the batcher is dropped.
    pub fn start(bot: Arc<Bot>, max_batch: usize, metrics: Arc<Metrics>) -> Self {
        let name = bot.encoder().short_fingerprint().to_owned();
        let (jobs, queue) = mpsc::channel::<Job>();
        let max_batch = max_batch.max(1);
        std::thread::Builder::new()
            .name("relais-encoder".into())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    let mut batch = vec![first];
                    while batch.len() < max_batch {
                        match queue.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    metrics.encoder_batch.observe(batch.len() as f64);
                    let texts: Vec<&str> = batch.iter().map(|job| job.text.as_str()).collect();
                    match bot.embed(&texts) {
                        Ok(embeddings) => {
                            for (job, embedding) in batch.into_iter().zip(embeddings) {
                                let _ = job.reply.send(Ok(embedding));
                            }
                        }
                        Err(error) => {
                            for job in batch {
                                let _ = job.reply.send(Err(error.to_string()));
                            }
                        }
                    }
                }
            })
            .expect("the encoder thread can start");
        Self { jobs, name }
    }

    /// The name of the encoder that makes its embeddings (relais-encoder's
    /// `Encoder::short_fingerprint`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The embedding of `text`, computed in the encoder's next pass.
    pub async fn embed(&self, text: String) -> Result<Vec<f32>, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { text, reply })
            .map_err(|_| "the encoder thread has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the encoder thread has stopped".to_string())?
    }
}
