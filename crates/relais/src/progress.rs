//! Progress bars for training and indexing, drawn on the terminal (hidden when stderr
//! is not one): one bar per stage, replaced when the stage changes; and the lines that
//! say what loading the assistant did (a model reused, trained again, a file skipped).

use std::fmt::Display;

use indicatif::{ProgressBar, ProgressStyle};
use relais_assistant::Loading;
use relais_knowledge::IndexProgress;
use relais_nlu::{Preparing, TrainProgress};

#[derive(Default)]
pub struct StageBars {
    bar: Option<(&'static str, ProgressBar)>,
}

impl StageBars {
    /// Shows a [`TrainProgress`] report.
    pub fn training(&mut self, progress: TrainProgress) {
        match progress {
            TrainProgress::Embedding { done, total } => {
                self.show("embedding examples", done, total)
            }
            TrainProgress::Fitting {
                epoch,
                epochs,
                final_fit: false,
            } => self.show("calibrating", epoch, epochs),
            TrainProgress::Fitting {
                epoch,
                epochs,
                final_fit: true,
            } => self.show("training", epoch, epochs),
        }
    }

    /// Shows what loading the assistant reports.
    pub fn loading(&mut self, event: Loading<'_>) {
        match event {
            Loading::Intents(event) => self.preparing(event),
            Loading::Indexing(progress) => self.indexing(progress),
            Loading::KnowledgeWarning(warning) => self.say(format_args!("warning: {warning}")),
        }
    }

    /// Shows what training or reusing an intent model reports.
    pub fn preparing(&mut self, event: Preparing<'_>) {
        match event {
            Preparing::Warning(warning) => self.say(format_args!("warning: {warning}")),
            Preparing::UpToDate { out, data } => self.say(format_args!(
                "{} is up to date with {}",
                out.display(),
                data.display()
            )),
            Preparing::Unreadable(error) => self.say(format_args!("retraining: {error}")),
            Preparing::Training {
                examples,
                intents,
                data,
            } => self.say(format_args!(
                "training on {examples} examples of {intents} intents from {}",
                data.display()
            )),
            Preparing::Train(progress) => self.training(progress),
            Preparing::StrangersClaimed { claimed, of } => {
                self.say(format_args!("note: {}", relais_nlu::describe_claims(claimed, of)))
            }
        }
    }

    /// Prints a line under the finished bar.
    fn say(&mut self, line: impl Display) {
        self.finish();
        eprintln!("{line}");
    }

    /// Shows an [`IndexProgress`] report.
    pub fn indexing(&mut self, progress: IndexProgress) {
        let IndexProgress::Embedding { done, total } = progress;
        self.show("embedding passages", done, total);
    }

    fn show(&mut self, stage: &'static str, done: usize, total: usize) {
        if self
            .bar
            .as_ref()
            .is_none_or(|(current, _)| *current != stage)
        {
            self.finish();
            let bar = ProgressBar::new(total as u64).with_message(stage);
            bar.set_style(
                ProgressStyle::with_template("{msg:>20} [{bar:30}] {pos}/{len} {elapsed}")
                    .expect("the template is valid")
                    .progress_chars("=> "),
            );
            self.bar = Some((stage, bar));
        }
        if let Some((_, bar)) = &self.bar {
            bar.set_position(done as u64);
        }
    }

    pub fn finish(&mut self) {
        if let Some((_, bar)) = self.bar.take() {
            bar.finish();
        }
    }
}
