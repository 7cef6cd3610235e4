//! `relais chat`: talk to the assistant in the terminal. For now it shows what the
//! intent model makes of each line; the dialogue manager will answer here.

use std::io::{BufRead, Write};

use clap::Args;

use crate::config::Settings;
use crate::nlu::{load_encoder, train_or_reuse};

#[derive(Args)]
pub struct ChatArgs {
    /// Language of the conversation: the intents are read from `intents/<lang>/`.
    #[arg(long, default_value = "en")]
    lang: String,
}

pub fn run(args: ChatArgs, settings: &Settings) -> anyhow::Result<()> {
    let encoder = load_encoder(&settings.nlu.model_dir)?;
    let data = settings.nlu.intents_dir.join(&args.lang);
    let out = settings.nlu.models_out.join(format!("intents-{}.bin", args.lang));
    let model = train_or_reuse(&encoder, &data, None, &out, &settings.nlu.training)?;
    println!("Relais is listening ({}). Type a message, or an empty line to quit.", args.lang);
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        print!("> ");
        std::io::stdout().flush()?;
        line.clear();
        if stdin.lock().read_line(&mut line)? == 0 || line.trim().is_empty() {
            return Ok(());
        }
        let prediction = model.predict(&encoder, line.trim())?;
        let runner_up = prediction
            .ranking
            .get(1)
            .map(|s| format!(", then {} {:.2}", s.intent, s.probability))
            .unwrap_or_default();
        println!(
            "  intent: {} (confidence {:.2}{runner_up}; nearest example {:.2}){}",
            prediction.intent,
            prediction.confidence,
            prediction.nearest_similarity,
            if prediction.ambiguous { " — ambiguous" } else { "" }
        );
    }
}
