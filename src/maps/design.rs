//! Design matrices for the learning maps: dense or sparse (CSR), with the products
//! `A v`, `Aᵀ w` written into caller buffers (no allocation in iteration loops), and
//! the spectral constants `L = λ_max(AᵀA)`, `μ = λ_min(AᵀA)` that step sizes need.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::Scalar;

/// A sparse matrix in compressed sparse row form.
///
/// Row `i` holds the entries `values[k]` at columns `indices[k]` for
/// `k ∈ indptr[i]..indptr[i+1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Csr<S> {
    rows: usize,
    cols: usize,
    indptr: Vec<usize>,
    indices: Vec<usize>,
    values: Vec<S>,
}

impl<S: Scalar> Csr<S> {
    /// A CSR matrix from its arrays; errors unless `indptr` has `rows + 1` non-decreasing
    /// entries ending at `indices.len() == values.len()`, every column index is
    /// `< cols`, and every value is finite.
    pub fn new(
        rows: usize,
        cols: usize,
        indptr: Vec<usize>,
        indices: Vec<usize>,
        values: Vec<S>,
    ) -> Result<Self> {
        let bad = |why: &str| Error::InvalidInput(format!("Csr::new: {why}"));
        if indptr.len() != rows + 1 || indptr.first() != Some(&0) {
            return Err(bad("indptr must have rows + 1 entries starting at 0"));
        }
        if indptr.windows(2).any(|w| w[0] > w[1]) {
            return Err(bad("indptr must be non-decreasing"));
        }
        if indptr[rows] != indices.len() || indices.len() != values.len() {
            return Err(bad(
                "indptr[rows], indices.len() and values.len() must agree",
            ));
        }
        if indices.iter().any(|&j| j >= cols) {
            return Err(bad("column index out of range"));
        }
        if !values.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFinite {
                context: "Csr::new values".into(),
            });
        }
        Ok(Csr {
            rows,
            cols,
            indptr,
            indices,
            values,
        })
    }

    /// The nonzero entries of a dense matrix (exact zeros dropped).
    pub fn from_dense(m: &Matrix<S>) -> Self {
        let (rows, cols) = m.shape();
        let mut indptr = Vec::with_capacity(rows + 1);
        let mut indices = Vec::new();
        let mut values = Vec::new();
        indptr.push(0);
        for i in 0..rows {
            for j in 0..cols {
                if !m[(i, j)].is_zero().is_true() {
                    indices.push(j);
                    values.push(m[(i, j)].clone());
                }
            }
            indptr.push(indices.len());
        }
        Csr {
            rows,
            cols,
            indptr,
            indices,
            values,
        }
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// `out = A v`.
    pub fn mul_vec_into(&self, v: &[S], out: &mut [S]) {
        for (i, o) in out.iter_mut().enumerate().take(self.rows) {
            let mut acc = S::zero();
            for k in self.indptr[i]..self.indptr[i + 1] {
                acc = acc.mul_add(&self.values[k], &v[self.indices[k]]);
            }
            *o = acc;
        }
    }

    /// `out = Aᵀ w`.
    pub fn tr_mul_vec_into(&self, w: &[S], out: &mut [S]) {
        for o in out.iter_mut().take(self.cols) {
            *o = S::zero();
        }
        for (i, wi) in w.iter().enumerate().take(self.rows) {
            for k in self.indptr[i]..self.indptr[i + 1] {
                let j = self.indices[k];
                out[j] = out[j].mul_add(&self.values[k], wi);
            }
        }
    }

    /// `A v` (allocating); errors on a length mismatch.
    pub fn mul_vec(&self, v: &[S]) -> Result<Vec<S>> {
        if v.len() != self.cols {
            return Err(Error::DimensionMismatch {
                op: "Csr::mul_vec",
                left: self.shape(),
                right: (v.len(), 1),
            });
        }
        let mut out = vec![S::zero(); self.rows];
        self.mul_vec_into(v, &mut out);
        Ok(out)
    }

    /// `Aᵀ w` (allocating); errors on a length mismatch.
    pub fn tr_mul_vec(&self, w: &[S]) -> Result<Vec<S>> {
        if w.len() != self.rows {
            return Err(Error::DimensionMismatch {
                op: "Csr::tr_mul_vec",
                left: self.shape(),
                right: (w.len(), 1),
            });
        }
        let mut out = vec![S::zero(); self.cols];
        self.tr_mul_vec_into(w, &mut out);
        Ok(out)
    }

    /// The dense matrix.
    pub fn to_dense(&self) -> Matrix<S> {
        let mut m = Matrix::<S>::zeros(self.rows, self.cols);
        for i in 0..self.rows {
            for k in self.indptr[i]..self.indptr[i + 1] {
                m[(i, self.indices[k])] = m[(i, self.indices[k])].add(&self.values[k]);
            }
        }
        m
    }

    /// Entrywise conversion to another scalar.
    pub fn map<T: Scalar>(&self, f: impl Fn(&S) -> T) -> Csr<T> {
        Csr {
            rows: self.rows,
            cols: self.cols,
            indptr: self.indptr.clone(),
            indices: self.indices.clone(),
            values: self.values.iter().map(f).collect(),
        }
    }
}

/// A design matrix `A` (samples × features), dense or sparse.
#[derive(Clone, Debug, PartialEq)]
pub enum Design<S> {
    /// Dense, column-major.
    Dense(Matrix<S>),
    /// Sparse, compressed rows.
    Sparse(Csr<S>),
}

impl<S: Scalar> Design<S> {
    /// `(samples, features)`.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Design::Dense(m) => m.shape(),
            Design::Sparse(c) => c.shape(),
        }
    }

    /// Number of rows (samples).
    pub fn rows(&self) -> usize {
        self.shape().0
    }

    /// Number of columns (features).
    pub fn cols(&self) -> usize {
        self.shape().1
    }

    /// Errors unless every entry is finite.
    pub fn check_finite(&self) -> Result<()> {
        match self {
            Design::Dense(m) => m.check_finite("design matrix"),
            // Csr::new already rejects non-finite values.
            Design::Sparse(_) => Ok(()),
        }
    }

    /// `out = A v` (`v` of length `cols`, `out` of length `rows`).
    pub fn mul_vec_into(&self, v: &[S], out: &mut [S]) {
        match self {
            Design::Dense(m) => {
                for o in out.iter_mut() {
                    *o = S::zero();
                }
                let r = m.rows();
                for (j, vj) in v.iter().enumerate().take(m.cols()) {
                    if vj.is_zero().is_true() {
                        continue;
                    }
                    let col = &m.as_slice()[j * r..(j + 1) * r];
                    for (o, a) in out.iter_mut().zip(col) {
                        *o = o.mul_add(a, vj);
                    }
                }
            }
            Design::Sparse(c) => c.mul_vec_into(v, out),
        }
    }

    /// `out = Aᵀ w` (`w` of length `rows`, `out` of length `cols`).
    pub fn tr_mul_vec_into(&self, w: &[S], out: &mut [S]) {
        match self {
            Design::Dense(m) => {
                let r = m.rows();
                for (j, o) in out.iter_mut().enumerate().take(m.cols()) {
                    let col = &m.as_slice()[j * r..(j + 1) * r];
                    *o = col
                        .iter()
                        .zip(w)
                        .fold(S::zero(), |acc, (a, b)| acc.mul_add(a, b));
                }
            }
            Design::Sparse(c) => c.tr_mul_vec_into(w, out),
        }
    }

    /// The dense matrix.
    pub fn to_dense(&self) -> Matrix<S> {
        match self {
            Design::Dense(m) => m.clone(),
            Design::Sparse(c) => c.to_dense(),
        }
    }

    /// Entrywise conversion to another scalar (same storage kind).
    pub fn map<T: Scalar>(&self, f: impl Fn(&S) -> T) -> Design<T> {
        match self {
            Design::Dense(m) => Design::Dense(m.map(f)),
            Design::Sparse(c) => Design::Sparse(c.map(f)),
        }
    }

    /// `‖A‖_F² = Σ aᵢⱼ²`, exact over rationals: an upper bound of `L = ‖A‖₂²`.
    pub fn frobenius_sq(&self) -> S {
        match self {
            Design::Dense(m) => m.norm_frobenius_sq(),
            Design::Sparse(c) => c.values.iter().fold(S::zero(), |acc, x| acc.mul_add(x, x)),
        }
    }

    /// Estimates of `L = λ_max(AᵀA)` and `μ = λ_min(AᵀA)` in f64 (see
    /// [`SpectralEstimate`]). Estimates, not bounds.
    pub fn spectral_estimate(&self) -> SpectralEstimate {
        spectral_estimate(&self.map(|x| x.to_f64()))
    }
}

/// f64 estimates of the extreme eigenvalues of `AᵀA` (`L`, `μ`).
///
/// For at most [`SpectralEstimate::DENSE_LIMIT`] features the Gram matrix is formed and
/// diagonalised (nalgebra's symmetric eigensolver: accurate to rounding); above that,
/// 300 steps of power iteration give `L`, and power iteration on `L̂ I − AᵀA` gives `μ`
/// (slow when `AᵀA` is ill-conditioned: treat `μ` as a rough estimate there).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpectralEstimate {
    /// Estimate of `λ_max(AᵀA)` (the Lipschitz constant of `∇ ½‖Ax − b‖²`).
    pub l: f64,
    /// Estimate of `λ_min(AᵀA)` (strong convexity of `½‖Ax − b‖²`; 0 when rank deficient).
    pub mu: f64,
}

impl SpectralEstimate {
    /// Feature count up to which the Gram matrix is formed and diagonalised.
    pub const DENSE_LIMIT: usize = 400;
}

fn spectral_estimate(a: &Design<f64>) -> SpectralEstimate {
    let (r, n) = a.shape();
    if n == 0 {
        return SpectralEstimate { l: 0.0, mu: 0.0 };
    }
    let mut tmp = vec![0.0; r];
    let mut out = vec![0.0; n];
    let mut gram_apply = |v: &[f64], out: &mut [f64]| {
        a.mul_vec_into(v, &mut tmp);
        a.tr_mul_vec_into(&tmp, out);
    };
    if n <= SpectralEstimate::DENSE_LIMIT {
        let mut g = nalgebra::DMatrix::<f64>::zeros(n, n);
        let mut e = vec![0.0; n];
        for j in 0..n {
            e[j] = 1.0;
            gram_apply(&e, &mut out);
            e[j] = 0.0;
            for i in 0..n {
                g[(i, j)] = out[i];
            }
        }
        let g = (&g + g.transpose()) * 0.5;
        let ev = g.symmetric_eigenvalues();
        let l = ev.iter().cloned().fold(0.0f64, f64::max);
        let mu = ev.iter().cloned().fold(f64::INFINITY, f64::min).max(0.0);
        return SpectralEstimate { l, mu };
    }
    let power = |shift: f64, gram_apply: &mut dyn FnMut(&[f64], &mut [f64])| -> f64 {
        // Deterministic start with all coordinates excited.
        let mut v: Vec<f64> = (0..n).map(|i| 1.0 + (i as f64 * 0.618).fract()).collect();
        let mut w = vec![0.0; n];
        let mut lambda = 0.0;
        for _ in 0..300 {
            let nv = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if nv == 0.0 {
                return 0.0;
            }
            v.iter_mut().for_each(|x| *x /= nv);
            gram_apply(&v, &mut w);
            if shift != 0.0 {
                w.iter_mut()
                    .zip(&v)
                    .for_each(|(wi, vi)| *wi = shift * vi - *wi);
            }
            lambda = v.iter().zip(&w).map(|(a, b)| a * b).sum();
            std::mem::swap(&mut v, &mut w);
        }
        lambda
    };
    let l = power(0.0, &mut gram_apply);
    let mu = (l - power(l, &mut gram_apply)).max(0.0);
    SpectralEstimate { l, mu }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_matches_dense() {
        let m = Matrix::<f64>::from_f64_rows(&[vec![1.0, 0.0, 2.0], vec![0.0, 0.0, -1.0]]).unwrap();
        let c = Csr::from_dense(&m);
        assert_eq!(c.nnz(), 3);
        assert_eq!(c.to_dense(), m);
        assert_eq!(c.mul_vec(&[1.0, 2.0, 3.0]).unwrap(), vec![7.0, -3.0]);
        assert_eq!(c.tr_mul_vec(&[1.0, 2.0]).unwrap(), vec![1.0, 0.0, 0.0]);
        assert!(Csr::<f64>::new(2, 2, vec![0, 1], vec![0], vec![1.0]).is_err());
        assert!(Csr::<f64>::new(1, 2, vec![0, 1], vec![2], vec![1.0]).is_err());
    }

    #[test]
    fn spectral_estimate_diagonal() {
        // AᵀA = diag(9, 1, 4): L = 9, μ = 1 exactly.
        let m = Matrix::<f64>::from_f64_rows(&[
            vec![3.0, 0.0, 0.0],
            vec![0.0, 1.0, 0.0],
            vec![0.0, 0.0, 2.0],
        ])
        .unwrap();
        let s = Design::Dense(m.clone()).spectral_estimate();
        assert!((s.l - 9.0).abs() < 1e-12 && (s.mu - 1.0).abs() < 1e-12);
        let s = spectral_estimate(&Design::Sparse(Csr::from_dense(&m)));
        assert!((s.l - 9.0).abs() < 1e-12);
    }

    #[test]
    fn spectral_estimate_power_iteration_branch() {
        // n = 450 > DENSE_LIMIT: diagonal AᵀA with entries in [1, 2] and one 16, so L = 16
        // (a large spectral gap: power iteration converges fast) and μ ≈ 1.
        let n = 450;
        let vals: Vec<f64> = (0..n)
            .map(|i| {
                if i == 7 {
                    4.0
                } else {
                    (1.0 + i as f64 / n as f64).sqrt()
                }
            })
            .collect();
        let c = Csr::new(n, n, (0..=n).collect(), (0..n).collect(), vals).unwrap();
        let s = spectral_estimate(&Design::Sparse(c));
        assert!((s.l - 16.0).abs() < 1e-9, "L = {}", s.l);
        assert!(s.mu >= 0.99 && s.mu < 1.1, "μ = {}", s.mu);
    }
}
