//! The dense side: nearest passages by cosine similarity of unit-length embeddings.
//! [`VectorIndex`] is the seam where an approximate index could replace the exact
//! [`FlatIndex`], which keeps every vector in one contiguous buffer and scores them
//! all with dot products (10,000 × 384 in well under a millisecond).

/// Search over embeddings by similarity (dot product of unit vectors = cosine).
pub trait VectorIndex: Send + Sync {
    /// Number of vectors.
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k` most similar vectors among those `keep` accepts, as (position, similarity),
    /// most similar first.
    fn search(&self, query: &[f32], k: usize, keep: &dyn Fn(usize) -> bool) -> Vec<(usize, f32)>;

    /// Similarity of the query to the vector at `position`.
    fn similarity(&self, query: &[f32], position: usize) -> f32;
}

/// Exact search over all vectors.
pub struct FlatIndex {
    dim: usize,
    data: Vec<f32>,
}

impl FlatIndex {
    /// Builds the index; every vector must have length `dim`.
    pub fn new(dim: usize, vectors: impl IntoIterator<Item = Vec<f32>>) -> Self {
        let mut data = Vec::new();
        for vector in vectors {
            debug_assert_eq!(vector.len(), dim);
            data.extend(vector.into_iter().chain(std::iter::repeat(0.0)).take(dim));
        }
        Self { dim, data }
    }

    fn row(&self, position: usize) -> &[f32] {
        &self.data[position * self.dim..(position + 1) * self.dim]
    }
}

impl VectorIndex for FlatIndex {
    fn len(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    fn search(&self, query: &[f32], k: usize, keep: &dyn Fn(usize) -> bool) -> Vec<(usize, f32)> {
        if self.dim == 0 || query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let mut scored: Vec<(usize, f32)> = self
            .data
            .chunks_exact(self.dim)
            .enumerate()
            .filter(|(position, _)| keep(*position))
            .map(|(position, row)| (position, dot(query, row)))
            .collect();
        let by_score = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if scored.len() > k {
            scored.select_nth_unstable_by(k - 1, by_score);
            scored.truncate(k);
        }
        scored.sort_unstable_by(by_score);
        scored
    }

    fn similarity(&self, query: &[f32], position: usize) -> f32 {
        if query.len() != self.dim || position >= self.len() {
            return 0.0;
        }
        dot(query, self.row(position))
    }
}

/// Dot product with eight independent sums, which the compiler turns into SIMD.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 8;
    let mut sums = [0.0f32; LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..LANES {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(values: &[f32]) -> Vec<f32> {
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        values.iter().map(|v| v / norm).collect()
    }

    #[test]
    fn dot_matches_the_plain_sum() {
        let a: Vec<f32> = (0..21).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..21).map(|i| 1.0 - i as f32 * 0.1).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-3);
    }

    #[test]
    fn finds_the_nearest_in_order_and_respects_the_filter() {
        let index = FlatIndex::new(
            3,
            [
                unit(&[1.0, 0.0, 0.0]),
                unit(&[0.0, 1.0, 0.0]),
                unit(&[1.0, 1.0, 0.0]),
            ],
        );
        let query = unit(&[1.0, 0.2, 0.0]);
        let positions: Vec<usize> = index
            .search(&query, 2, &|_| true)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(positions, [0, 2]);
        let filtered: Vec<usize> = index
            .search(&query, 5, &|p| p != 0)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(filtered, [2, 1]);
        assert!(
            (index.similarity(&query, 0) - index.search(&query, 1, &|_| true)[0].1).abs() < 1e-6
        );
        assert!(index.search(&[1.0], 2, &|_| true).is_empty());
    }
}
