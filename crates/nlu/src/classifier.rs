//! A multinomial logistic regression over a dense block (the sentence embedding) and a
//! sparse block (n-gram TF-IDF), trained with mini-batch AdamW.
//!
//! Written here rather than taken from linfa: linfa-logistic wants one dense matrix,
//! and the n-gram block has tens of thousands of columns of which a text uses a few
//! dozen; updating only the rows a batch touches is what keeps training in seconds.

use serde::{Deserialize, Serialize};

use crate::features::Sparse;

/// One row of input.
pub(crate) struct Input {
    pub dense: Vec<f32>,
    pub sparse: Sparse,
}

/// How to fit the weights.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct FitOptions {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f32,
    pub weight_decay: f32,
    pub seed: u64,
}

/// Weights, one row per feature (dense features first), one column per class.
#[derive(Serialize, Deserialize)]
pub(crate) struct Linear {
    classes: usize,
    dense_dim: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Linear {
    /// Raw class scores for one input.
    pub(crate) fn logits(&self, input: &Input) -> Vec<f32> {
        let mut logits = self.bias.clone();
        for (j, &x) in input.dense.iter().enumerate() {
            axpy(x, self.row(j), &mut logits);
        }
        for &(j, x) in &input.sparse {
            axpy(x, self.row(self.dense_dim + j as usize), &mut logits);
        }
        logits
    }

    fn row(&self, feature: usize) -> &[f32] {
        &self.weights[feature * self.classes..(feature + 1) * self.classes]
    }

    /// Fits the weights; `progress(epoch)` is called after each epoch.
    pub(crate) fn fit(
        inputs: &[Input],
        labels: &[usize],
        classes: usize,
        sparse_dim: usize,
        options: &FitOptions,
        mut progress: impl FnMut(usize),
    ) -> Self {
        let dense_dim = inputs.first().map_or(0, |input| input.dense.len());
        let features = dense_dim + sparse_dim;
        let mut model = Self {
            classes,
            dense_dim,
            weights: vec![0.0; features * classes],
            bias: vec![0.0; classes],
        };
        let mut weights_opt = Adam::new(features * classes);
        let mut bias_opt = Adam::new(classes);
        let mut grad = vec![0.0f32; features * classes];
        let mut bias_grad = vec![0.0f32; classes];
        let mut touched = vec![false; features];
        let mut touched_rows: Vec<usize> = (0..dense_dim).collect();
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        let mut rng = fastrand::Rng::with_seed(options.seed);
        let steps_per_epoch = inputs.len().div_ceil(options.batch_size).max(1);
        let total_steps = (steps_per_epoch * options.epochs) as f32;
        let mut step = 0usize;
        for epoch in 0..options.epochs {
            rng.shuffle(&mut order);
            for batch in order.chunks(options.batch_size) {
                let scale = 1.0 / batch.len() as f32;
                for &i in batch {
                    let input = &inputs[i];
                    let mut error = softmax(&model.logits(input), 1.0);
                    error[labels[i]] -= 1.0;
                    error.iter_mut().for_each(|e| *e *= scale);
                    axpy(1.0, &error, &mut bias_grad);
                    for (j, &x) in input.dense.iter().enumerate() {
                        axpy(x, &error, &mut grad[j * classes..(j + 1) * classes]);
                    }
                    for &(j, x) in &input.sparse {
                        let row = dense_dim + j as usize;
                        if !touched[row] {
                            touched[row] = true;
                            touched_rows.push(row);
                        }
                        axpy(x, &error, &mut grad[row * classes..(row + 1) * classes]);
                    }
                }
                step += 1;
                let lr = options.learning_rate * (1.0 - (step - 1) as f32 / total_steps);
                for &row in &touched_rows {
                    let range = row * classes..(row + 1) * classes;
                    weights_opt.update(
                        range.clone(),
                        &mut model.weights[range.clone()],
                        &mut grad[range],
                        step,
                        lr,
                        options.weight_decay,
                    );
                    touched[row] = false;
                }
                touched_rows.truncate(dense_dim);
                bias_opt.update(0..classes, &mut model.bias, &mut bias_grad, step, lr, 0.0);
            }
            progress(epoch + 1);
        }
        model
    }
}

/// Probabilities from raw scores divided by `temperature`.
pub(crate) fn softmax(logits: &[f32], temperature: f32) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut out: Vec<f32> = logits
        .iter()
        .map(|&l| ((l - max) / temperature).exp())
        .collect();
    let sum: f32 = out.iter().sum();
    out.iter_mut().for_each(|p| *p /= sum);
    out
}

fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// AdamW moments for a flat parameter vector, updated a range at a time.
struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
}

impl Adam {
    const BETA1: f32 = 0.9;
    const BETA2: f32 = 0.999;
    const EPSILON: f32 = 1e-8;

    fn new(len: usize) -> Self {
        Self {
            m: vec![0.0; len],
            v: vec![0.0; len],
        }
    }

    /// Applies `grad` to `params` (the slice at `range` of the whole vector) and zeroes it.
    fn update(
        &mut self,
        range: std::ops::Range<usize>,
        params: &mut [f32],
        grad: &mut [f32],
        step: usize,
        lr: f32,
        weight_decay: f32,
    ) {
        let correction1 = 1.0 - Self::BETA1.powi(step as i32);
        let correction2 = 1.0 - Self::BETA2.powi(step as i32);
        let m = &mut self.m[range.clone()];
        let v = &mut self.v[range];
        for (((p, g), m), v) in params.iter_mut().zip(grad.iter_mut()).zip(m).zip(v) {
            *m = Self::BETA1 * *m + (1.0 - Self::BETA1) * *g;
            *v = Self::BETA2 * *v + (1.0 - Self::BETA2) * *g * *g;
            let update = (*m / correction1) / ((*v / correction2).sqrt() + Self::EPSILON);
            *p -= lr * (update + weight_decay * *p);
            *g = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem_from_dense_and_sparse_features() {
        let inputs: Vec<Input> = (0..60)
            .map(|i| Input {
                dense: vec![if i % 3 == 0 { 1.0 } else { 0.0 }, 0.5],
                sparse: vec![((i % 3) as u32, 1.0)],
            })
            .collect();
        let labels: Vec<usize> = (0..60).map(|i| i % 3).collect();
        let options = FitOptions {
            epochs: 30,
            batch_size: 8,
            learning_rate: 0.05,
            weight_decay: 0.0,
            seed: 7,
        };
        let mut epochs = 0;
        let model = Linear::fit(&inputs, &labels, 3, 3, &options, |e| epochs = e);
        assert_eq!(epochs, 30);
        for (input, &label) in inputs.iter().zip(&labels) {
            let p = softmax(&model.logits(input), 1.0);
            assert!(p[label] > 0.9, "{p:?} for label {label}");
        }
    }

    #[test]
    fn softmax_sums_to_one_and_temperature_flattens() {
        let sharp = softmax(&[2.0, 0.0, -1.0], 1.0);
        let flat = softmax(&[2.0, 0.0, -1.0], 4.0);
        assert!((sharp.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(flat[0] < sharp[0] && flat[0] > flat[1]);
    }
}
