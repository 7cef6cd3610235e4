//! Progress bars for training and indexing, drawn on the terminal (hidden when stderr
//! is not one): one bar per stage, replaced when the stage changes.

use indicatif::{ProgressBar, ProgressStyle};
use relais_knowledge::IndexProgress;
use relais_nlu::TrainProgress;

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
