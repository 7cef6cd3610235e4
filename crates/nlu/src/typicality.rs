//! How typical a text is of the assistant's intents: the relative Mahalanobis distance of
//! its embedding (Ren et al., 2021, "A Simple Fix to Mahalanobis Distance for Improving
//! Near-OOD Detection").
//!
//! Each intent is a Gaussian around the mean of its examples' embeddings, all intents
//! sharing one covariance; the background is one Gaussian over every in-scope example. A
//! text's typicality is how much closer it lies to the nearest intent than to the
//! background, in squared Mahalanobis units per dimension (higher: more typical). The
//! nearest-example similarity asks only whether one example is close; this weighs the
//! directions in which an intent's examples vary, and taking the background off
//! discounts what every sentence shares. The distances to the intents also vote on which
//! intent a text is (a shared-covariance Gaussian posterior, `model.rs`'s `gaussian_vote`).
//!
//! With ten examples an intent, a covariance over hundreds of dimensions is far from full
//! rank, so both are shrunk most of the way towards the identity, scaled to their mean
//! variance. The covariances are products of candle tensors; their Cholesky factors are
//! written out here (two 384 × 384 factorisations a fit): nalgebra would do it, but
//! brings eighteen versions of glam into the lock file, all downloaded by every build.

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::NluError;

/// Weight of the identity (scaled to the covariance's mean variance) in each shrunk
/// covariance. On CLINC150 with 10 examples an intent under MiniLM, out-of-scope recall
/// with this distance alone at 3% of in-scope queries turned away was 0.75 at 0.5, 0.79
/// at 0.8 and 0.9, 0.78 at 0.95.
const SHRINKAGE: f64 = 0.9;

/// The fitted Gaussians, ready to score embeddings.
#[derive(Serialize, Deserialize)]
pub(crate) struct Typicality {
    dim: usize,
    /// Inverse of the Cholesky factor of the shared covariance, row-major: it whitens.
    within: Vec<f32>,
    /// Every intent's mean embedding, whitened by `within`, one row each.
    means: Vec<f32>,
    /// The label of each row of `means`.
    classes: Vec<usize>,
    /// Inverse of the Cholesky factor of the background covariance, row-major.
    background: Vec<f32>,
    /// Mean of every in-scope example.
    background_mean: Vec<f32>,
}

impl Typicality {
    /// Fits on `rows` (row after row, `dim` wide) labelled by `labels`; labels need not
    /// be contiguous.
    pub(crate) fn fit(rows: &[f32], labels: &[usize], dim: usize) -> Result<Self, NluError> {
        let mut classes: Vec<usize> = labels.to_vec();
        classes.sort_unstable();
        classes.dedup();
        let mut sums = vec![vec![0.0f32; dim]; classes.len()];
        let mut counts = vec![0usize; classes.len()];
        let mut member_of = Vec::with_capacity(labels.len());
        let mut background_mean = vec![0.0f32; dim];
        for (row, label) in rows.chunks_exact(dim).zip(labels) {
            let class = classes.binary_search(label).expect("listed above");
            sums[class].iter_mut().zip(row).for_each(|(s, x)| *s += x);
            background_mean.iter_mut().zip(row).for_each(|(s, x)| *s += x);
            counts[class] += 1;
            member_of.push(class);
        }
        let class_means: Vec<Vec<f32>> = sums
            .into_iter()
            .zip(&counts)
            .map(|(sum, &count)| sum.into_iter().map(|s| s / count as f32).collect())
            .collect();
        background_mean
            .iter_mut()
            .for_each(|s| *s /= labels.len().max(1) as f32);
        let mut residuals = Vec::with_capacity(rows.len());
        let mut centred = Vec::with_capacity(rows.len());
        for (row, &class) in rows.chunks_exact(dim).zip(&member_of) {
            residuals.extend(row.iter().zip(&class_means[class]).map(|(x, m)| x - m));
            centred.extend(row.iter().zip(&background_mean).map(|(x, m)| x - m));
        }
        let n = labels.len();
        let within = whitener(residuals, n, dim, n.saturating_sub(classes.len()))?;
        let background = whitener(centred, n, dim, n.saturating_sub(1))?;
        let means = class_means
            .iter()
            .flat_map(|mean| multiply(&within, mean, dim))
            .collect();
        Ok(Self {
            dim,
            within,
            means,
            classes,
            background,
            background_mean,
        })
    }

    /// The squared Mahalanobis distance of one embedding to each intent, as `(label,
    /// distance)`, and its typicality: the distance to the background less that to the
    /// nearest intent, per dimension.
    pub(crate) fn read(&self, embedding: &[f32]) -> (Vec<(usize, f32)>, f32) {
        let whitened = multiply(&self.within, embedding, self.dim);
        let distances: Vec<(usize, f32)> = self
            .means
            .chunks_exact(self.dim)
            .zip(&self.classes)
            .map(|(mean, &label)| (label, squared_distance(&whitened, mean)))
            .collect();
        let nearest = distances.iter().map(|&(_, d)| d).fold(f32::INFINITY, f32::min);
        let offset: Vec<f32> = embedding
            .iter()
            .zip(&self.background_mean)
            .map(|(x, m)| x - m)
            .collect();
        let from_background = multiply(&self.background, &offset, self.dim)
            .iter()
            .map(|x| x * x)
            .sum::<f32>();
        (distances, (from_background - nearest) / self.dim as f32)
    }
}

/// The inverse Cholesky factor (row-major) of the shrunk covariance of `n` centred rows
/// of `dim` values, `degrees` being the divisor of their sum of squares.
fn whitener(centred: Vec<f32>, n: usize, dim: usize, degrees: usize) -> Result<Vec<f32>, NluError> {
    let rows = Tensor::from_vec(centred, (n, dim), &Device::Cpu)?;
    let products = rows.t()?.matmul(&rows)?.to_vec2::<f32>()?;
    let divisor = degrees.max(1) as f64;
    let variance = (0..dim).map(|j| f64::from(products[j][j])).sum::<f64>() / divisor / dim as f64;
    // Even with no spread at all (one example an intent), the target stays positive.
    let target = SHRINKAGE * variance.max(1e-6);
    let shrunk = |i: usize, j: usize| {
        (1.0 - SHRINKAGE) * f64::from(products[i][j]) / divisor + if i == j { target } else { 0.0 }
    };
    // Cholesky–Banachiewicz: shrunk = L Lᵀ, L lower triangular, row-major.
    let mut factor = vec![0.0f64; dim * dim];
    for i in 0..dim {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| factor[i * dim + k] * factor[j * dim + k]).sum();
            factor[i * dim + j] = if i == j {
                (shrunk(i, i) - dot).sqrt()
            } else {
                (shrunk(i, j) - dot) / factor[j * dim + j]
            };
        }
    }
    // L⁻¹ is lower triangular too: solve L X = I column by column, top down.
    let mut inverse = vec![0.0f64; dim * dim];
    for column in 0..dim {
        inverse[column * dim + column] = 1.0 / factor[column * dim + column];
        for i in column + 1..dim {
            let dot: f64 = (column..i)
                .map(|k| factor[i * dim + k] * inverse[k * dim + column])
                .sum();
            inverse[i * dim + column] = -dot / factor[i * dim + i];
        }
    }
    Ok(inverse.into_iter().map(|x| x as f32).collect())
}

/// `matrix` (row-major, `dim` × `dim`) times `vector`.
fn multiply(matrix: &[f32], vector: &[f32], dim: usize) -> Vec<f32> {
    matrix
        .chunks_exact(dim)
        .map(|row| lanes(row, vector, |a, b| a * b))
        .collect()
}

fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    lanes(a, b, |x, y| (x - y) * (x - y))
}

/// The sum of `term` over pairs of `a` and `b`, in eight running sums: a single sum waits
/// on each addition in turn, eight let the compiler use vector instructions (a
/// prediction's typicality takes about 40 µs with 150 intents).
fn lanes(a: &[f32], b: &[f32], term: impl Fn(f32, f32) -> f32) -> f32 {
    let mut sums = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(&x, &y)| term(x, y))
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..8 {
            sums[lane] += term(x[lane], y[lane]);
        }
    }
    sums.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two intents spread along different axes of a 3-d space.
    fn two_intents() -> (Vec<f32>, Vec<usize>) {
        let rows = [
            [1.0, 0.1, 0.0],
            [1.0, -0.1, 0.0],
            [1.0, 0.2, 0.0],
            [1.0, -0.2, 0.0],
            [-1.0, 0.0, 0.1],
            [-1.0, 0.0, -0.1],
            [-1.0, 0.0, 0.2],
            [-1.0, 0.0, -0.2],
        ];
        (rows.concat(), vec![3, 3, 3, 3, 7, 7, 7, 7])
    }

    #[test]
    fn a_text_near_an_intent_is_more_typical_than_one_between_or_beyond() {
        let (rows, labels) = two_intents();
        let typicality = Typicality::fit(&rows, &labels, 3).unwrap();
        let near = typicality.read(&[1.0, 0.05, 0.0]).1;
        let between = typicality.read(&[0.0, 0.0, 0.0]).1;
        let beyond = typicality.read(&[0.0, 0.0, 3.0]).1;
        assert!(near > between, "{near} vs {between}");
        assert!(between > beyond, "{between} vs {beyond}");
    }

    #[test]
    fn the_whitener_turns_the_shrunk_covariance_into_the_identity() {
        let (dim, n) = (4, 6);
        let mut rows: Vec<f32> = (0..n * dim)
            .map(|i| ((i * 7 + 3) % 11) as f32 / 11.0 + if i % dim == 1 { i as f32 / 5.0 } else { 0.0 })
            .collect();
        for j in 0..dim {
            let mean = (0..n).map(|i| rows[i * dim + j]).sum::<f32>() / n as f32;
            (0..n).for_each(|i| rows[i * dim + j] -= mean);
        }
        let degrees = n - 1;
        let covariance = |a: usize, b: usize| {
            (0..n).map(|i| f64::from(rows[i * dim + a] * rows[i * dim + b])).sum::<f64>()
                / degrees as f64
        };
        let variance = (0..dim).map(|j| covariance(j, j)).sum::<f64>() / dim as f64;
        let shrunk = |a: usize, b: usize| {
            (1.0 - SHRINKAGE) * covariance(a, b) + if a == b { SHRINKAGE * variance } else { 0.0 }
        };
        let w = whitener(rows.clone(), n, dim, degrees).unwrap();
        // W S Wᵀ = I.
        for a in 0..dim {
            for b in 0..dim {
                let product: f64 = (0..dim)
                    .flat_map(|k| (0..dim).map(move |l| (k, l)))
                    .map(|(k, l)| f64::from(w[a * dim + k]) * shrunk(k, l) * f64::from(w[b * dim + l]))
                    .sum();
                let expected = if a == b { 1.0 } else { 0.0 };
                assert!((product - expected).abs() < 1e-4, "({a}, {b}): {product}");
            }
        }
    }

    #[test]
    fn moving_every_example_and_the_text_alike_keeps_its_typicality() {
        let (rows, labels) = two_intents();
        let shift = [0.3, -0.7, 2.0];
        let moved: Vec<f32> = rows.iter().enumerate().map(|(i, x)| x + shift[i % 3]).collect();
        let text = [0.8, 0.1, -0.1];
        let moved_text: Vec<f32> = text.iter().zip(shift).map(|(x, s)| x + s).collect();
        let before = Typicality::fit(&rows, &labels, 3).unwrap().read(&text).1;
        let after = Typicality::fit(&moved, &labels, 3).unwrap().read(&moved_text).1;
        assert!((before - after).abs() < 1e-3, "{before} vs {after}");
    }

    #[test]
    fn each_intent_s_distance_is_labelled_and_the_nearest_is_the_own() {
        let (rows, labels) = two_intents();
        let (distances, _) = Typicality::fit(&rows, &labels, 3).unwrap().read(&[1.0, 0.05, 0.0]);
        assert_eq!(distances.iter().map(|&(label, _)| label).collect::<Vec<_>>(), [3, 7]);
        assert!(distances[0].1 < distances[1].1, "{distances:?}");
    }

    #[test]
    fn one_example_an_intent_still_fits() {
        let typicality = Typicality::fit(&[1.0, 0.0, 0.0, 1.0], &[0, 1], 2).unwrap();
        let score = typicality.read(&[1.0, 0.0]).1;
        assert!(score.is_finite());
        assert!(score > typicality.read(&[-1.0, -1.0]).1);
    }
}
