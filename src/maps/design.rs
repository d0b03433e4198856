//! Design matrices for the learning maps: dense (by columns or by rows) or sparse
//! (CSR), with the products `A v`, `Aᵀ w` and the normal-equation product
//! `Aᵀ(A v − b)` written into caller buffers (no allocation in iteration loops), and
//! the spectral constants `L = λ_max(AᵀA)`, `μ = λ_min(AᵀA)` that step sizes need.
//!
//! **Layout and speed.** `Aᵀ(A v − b)` is the whole cost of a forward–backward step
//! and of a product with its Jacobian. Stored by rows ([`DenseRows`], CSR) it takes
//! one pass over the matrix: `rᵢ = ⟨aᵢ, v⟩ − bᵢ`, then `out += rᵢ aᵢ` while row `aᵢ`
//! is still in cache. Stored by columns it needs two passes (all of `A v` before any
//! of `Aᵀ r`). The learning maps therefore keep dense designs by rows
//! ([`Design::into_row_major`]); a large dense design is memory-bound, so one pass
//! instead of two halves the time.

use crate::error::{Error, Result};
use crate::linalg::kernels::{axpy, dot};
use crate::linalg::{check_len, Matrix};
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
        let bad = |why: &str| Error::malformed("Csr::new", why);
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

    /// `⟨aᵢ, v⟩` for row `i`.
    fn row_dot(&self, i: usize, v: &[S]) -> S {
        (self.indptr[i]..self.indptr[i + 1]).fold(S::zero(), |acc, k| {
            acc.mul_add(&self.values[k], &v[self.indices[k]])
        })
    }

    /// `out += α aᵢ` for row `i`.
    fn row_axpy(&self, i: usize, alpha: &S, out: &mut [S]) {
        for k in self.indptr[i]..self.indptr[i + 1] {
            let j = self.indices[k];
            out[j] = out[j].mul_add(&self.values[k], alpha);
        }
    }

    /// `out = A v`; errors unless `v` has `cols` and `out` has `rows` entries.
    pub fn mul_vec_into(&self, v: &[S], out: &mut [S]) -> Result<()> {
        check_len("Csr::mul_vec_into v", self.cols, v.len())?;
        check_len("Csr::mul_vec_into out", self.rows, out.len())?;
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.row_dot(i, v);
        }
        Ok(())
    }

    /// `out = Aᵀ w`; errors unless `w` has `rows` and `out` has `cols` entries.
    pub fn tr_mul_vec_into(&self, w: &[S], out: &mut [S]) -> Result<()> {
        check_len("Csr::tr_mul_vec_into w", self.rows, w.len())?;
        check_len("Csr::tr_mul_vec_into out", self.cols, out.len())?;
        out.iter_mut().for_each(|o| *o = S::zero());
        for (i, wi) in w.iter().enumerate() {
            self.row_axpy(i, wi, out);
        }
        Ok(())
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
        self.mul_vec_into(v, &mut out)?;
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
        self.tr_mul_vec_into(w, &mut out)?;
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

/// A dense matrix stored by rows (row `i` is the contiguous slice
/// [`DenseRows::row`]`(i)`): the layout of one-pass normal-equation products.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseRows<S> {
    rows: usize,
    cols: usize,
    /// Row-major entries: `data[i·cols + j] = aᵢⱼ`.
    data: Vec<S>,
}

impl<S: Scalar> DenseRows<S> {
    /// The same matrix stored by rows.
    pub fn from_matrix(m: &Matrix<S>) -> Self {
        let (rows, cols) = m.shape();
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            data.extend((0..cols).map(|j| m[(i, j)].clone()));
        }
        DenseRows { rows, cols, data }
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Row `i` (`cols` entries); panics if `i ≥ rows` (an index error, as for slices).
    pub fn row(&self, i: usize) -> &[S] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// The (column-major) [`Matrix`].
    pub fn to_matrix(&self) -> Matrix<S> {
        Matrix::from_fn(self.rows, self.cols, |i, j| {
            self.data[i * self.cols + j].clone()
        })
    }

    fn rows_iter(&self) -> impl Iterator<Item = &[S]> {
        (0..self.rows).map(move |i| self.row(i))
    }
}

/// A design matrix `A` (samples × features): dense by columns (as given by users),
/// dense by rows (the learning maps' working layout), or sparse by rows.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Design<S> {
    /// Dense, column-major.
    Dense(Matrix<S>),
    /// Sparse, compressed rows.
    Sparse(Csr<S>),
    /// Dense, row-major (see the module documentation).
    DenseRows(DenseRows<S>),
}

impl<S: Scalar> Design<S> {
    /// `(samples, features)`.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Design::Dense(m) => m.shape(),
            Design::Sparse(c) => c.shape(),
            Design::DenseRows(d) => d.shape(),
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

    /// The same design stored by rows: a dense column-major matrix is transposed into
    /// [`Design::DenseRows`] (consuming it, so memory is not doubled for long); sparse
    /// and row-major designs are returned unchanged.
    pub fn into_row_major(self) -> Self {
        match self {
            Design::Dense(m) => Design::DenseRows(DenseRows::from_matrix(&m)),
            other => other,
        }
    }

    /// Errors unless every entry is finite.
    pub fn check_finite(&self) -> Result<()> {
        let ok = match self {
            Design::Dense(m) => return m.check_finite("design matrix"),
            // Csr::new already rejects non-finite values.
            Design::Sparse(_) => true,
            Design::DenseRows(d) => d.data.iter().all(|x| x.is_finite()),
        };
        if ok {
            Ok(())
        } else {
            Err(Error::NonFinite {
                context: "design matrix".into(),
            })
        }
    }

    /// `out = A v`; errors unless `v` has `cols` and `out` has `rows` entries.
    pub fn mul_vec_into(&self, v: &[S], out: &mut [S]) -> Result<()> {
        check_len("Design::mul_vec_into v", self.cols(), v.len())?;
        check_len("Design::mul_vec_into out", self.rows(), out.len())?;
        self.mul_vec_impl(v, out);
        Ok(())
    }

    /// `out = Aᵀ w`; errors unless `w` has `rows` and `out` has `cols` entries.
    pub fn tr_mul_vec_into(&self, w: &[S], out: &mut [S]) -> Result<()> {
        check_len("Design::tr_mul_vec_into w", self.rows(), w.len())?;
        check_len("Design::tr_mul_vec_into out", self.cols(), out.len())?;
        self.tr_mul_vec_impl(w, out);
        Ok(())
    }

    /// `out = Aᵀ(A v − b)` (`b = None`: `AᵀA v`), in one pass over the matrix when it
    /// is stored by rows; `scratch` (`rows` entries) holds `A v − b` for the
    /// column-major layout. Errors on any length mismatch.
    pub fn normal_into(
        &self,
        v: &[S],
        b: Option<&[S]>,
        out: &mut [S],
        scratch: &mut [S],
    ) -> Result<()> {
        let (r, c) = self.shape();
        check_len("Design::normal_into v", c, v.len())?;
        check_len("Design::normal_into out", c, out.len())?;
        check_len("Design::normal_into scratch", r, scratch.len())?;
        if let Some(b) = b {
            check_len("Design::normal_into b", r, b.len())?;
        }
        self.normal_impl(v, b, out, scratch);
        Ok(())
    }

    /// [`Design::mul_vec_into`] for callers that checked the lengths.
    pub(crate) fn mul_vec_impl(&self, v: &[S], out: &mut [S]) {
        match self {
            Design::Dense(m) => {
                out.iter_mut().for_each(|o| *o = S::zero());
                for (j, vj) in v.iter().enumerate() {
                    if !vj.is_zero().is_true() {
                        axpy(vj, m.column(j), out);
                    }
                }
            }
            Design::Sparse(c) => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = c.row_dot(i, v);
                }
            }
            Design::DenseRows(d) => {
                for (o, row) in out.iter_mut().zip(d.rows_iter()) {
                    *o = dot(row, v);
                }
            }
        }
    }

    /// [`Design::tr_mul_vec_into`] for callers that checked the lengths.
    pub(crate) fn tr_mul_vec_impl(&self, w: &[S], out: &mut [S]) {
        match self {
            Design::Dense(m) => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = dot(m.column(j), w);
                }
            }
            Design::Sparse(c) => {
                out.iter_mut().for_each(|o| *o = S::zero());
                for (i, wi) in w.iter().enumerate() {
                    c.row_axpy(i, wi, out);
                }
            }
            Design::DenseRows(d) => {
                out.iter_mut().for_each(|o| *o = S::zero());
                for (wi, row) in w.iter().zip(d.rows_iter()) {
                    if !wi.is_zero().is_true() {
                        axpy(wi, row, out);
                    }
                }
            }
        }
    }

    /// [`Design::normal_into`] for callers that checked the lengths.
    pub(crate) fn normal_impl(&self, v: &[S], b: Option<&[S]>, out: &mut [S], scratch: &mut [S]) {
        let shift = |i: usize, x: S| match b {
            Some(b) => x.sub(&b[i]),
            None => x,
        };
        match self {
            Design::Dense(_) => {
                self.mul_vec_impl(v, scratch);
                if let Some(b) = b {
                    scratch.iter_mut().zip(b).for_each(|(r, bi)| *r = r.sub(bi));
                }
                self.tr_mul_vec_impl(scratch, out);
            }
            Design::Sparse(c) => {
                out.iter_mut().for_each(|o| *o = S::zero());
                for i in 0..c.rows {
                    let ri = shift(i, c.row_dot(i, v));
                    c.row_axpy(i, &ri, out);
                }
            }
            Design::DenseRows(d) => {
                out.iter_mut().for_each(|o| *o = S::zero());
                for (i, row) in d.rows_iter().enumerate() {
                    let ri = shift(i, dot(row, v));
                    axpy(&ri, row, out);
                }
            }
        }
    }

    /// The dense matrix.
    pub fn to_dense(&self) -> Matrix<S> {
        match self {
            Design::Dense(m) => m.clone(),
            Design::Sparse(c) => c.to_dense(),
            Design::DenseRows(d) => d.to_matrix(),
        }
    }

    /// Entrywise conversion to another scalar (same storage kind).
    pub fn map<T: Scalar>(&self, f: impl Fn(&S) -> T) -> Design<T> {
        match self {
            Design::Dense(m) => Design::Dense(m.map(f)),
            Design::Sparse(c) => Design::Sparse(c.map(f)),
            Design::DenseRows(d) => Design::DenseRows(DenseRows {
                rows: d.rows,
                cols: d.cols,
                data: d.data.iter().map(f).collect(),
            }),
        }
    }

    /// `‖A‖_F² = Σ aᵢⱼ²`, exact over rationals: an upper bound of `L = ‖A‖₂²`.
    pub fn frobenius_sq(&self) -> S {
        let sum_sq = |xs: &[S]| xs.iter().fold(S::zero(), |acc, x| acc.mul_add(x, x));
        match self {
            Design::Dense(m) => m.norm_frobenius_sq(),
            Design::Sparse(c) => sum_sq(&c.values),
            Design::DenseRows(d) => sum_sq(&d.data),
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
    let mut gram_apply = |v: &[f64], out: &mut [f64]| a.normal_impl(v, None, out, &mut tmp);
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
