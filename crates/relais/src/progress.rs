//! Progress bars for training, drawn on the terminal (hidden when stderr is not one).

use indicatif::{ProgressBar, ProgressStyle};
use relais_nlu::TrainProgress;

/// Turns [`TrainProgress`] reports into a bar per stage.
#[derive(Default)]
pub struct TrainingBars {
    bar: Option<(&'static str, ProgressBar)>,
}

impl TrainingBars {
    pub fn report(&mut self, progress: TrainProgress) {
        let (stage, done, total) = match progress {
            TrainProgress::Embedding { done, total } => ("embedding examples", done, total),
            TrainProgress::Fitting {
                epoch,
                epochs,
                final_fit: false,
            } => ("calibrating", epoch, epochs),
            TrainProgress::Fitting {
                epoch,
                epochs,
                final_fit: true,
            } => ("training", epoch, epochs),
        };
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
