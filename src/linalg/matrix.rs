//! Dense matrices over any [`Scalar`], column-major (the layout nalgebra uses, so the
//! f64 fast path converts by a plain copy).

use crate::error::{Error, Result};
use crate::scalar::Scalar;
use std::ops::{Index, IndexMut};

/// A dense `rows × cols` matrix stored column by column.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix<S> {
    rows: usize,
    cols: usize,
    data: Vec<S>,
}

impl<S> Index<(usize, usize)> for Matrix<S> {
    type Output = S;
    fn index(&self, (i, j): (usize, usize)) -> &S {
        // Checked in release builds too: column-major storage would otherwise read a
        // row past the end as the next column's entry.
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) out of range for a {}x{} matrix",
            self.rows,
            self.cols
        );
        &self.data[i + j * self.rows]
    }
}

impl<S> IndexMut<(usize, usize)> for Matrix<S> {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut S {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) out of range for a {}x{} matrix",
            self.rows,
            self.cols
        );
        &mut self.data[i + j * self.rows]
    }
}

fn mismatch(op: &'static str, a: (usize, usize), b: (usize, usize)) -> Error {
    Error::DimensionMismatch {
        op,
        left: a,
        right: b,
    }
}

impl<S: Scalar> Matrix<S> {
    /// A matrix from column-major data; errors if `data.len() != rows·cols`.
    pub fn from_col_major(rows: usize, cols: usize, data: Vec<S>) -> Result<Self> {
        if data.len() != rows * cols {
            return Err(mismatch(
                "Matrix::from_col_major",
                (rows, cols),
                (data.len(), 1),
            ));
        }
        Ok(Matrix { rows, cols, data })
    }

    /// A matrix from its rows; errors on ragged input.
    pub fn from_rows(rows: &[Vec<S>]) -> Result<Self> {
        let r = rows.len();
        let c = rows.first().map_or(0, |row| row.len());
        if let Some(bad) = rows.iter().find(|row| row.len() != c) {
            return Err(mismatch(
                "Matrix::from_rows (ragged)",
                (r, c),
                (1, bad.len()),
            ));
        }
        Ok(Self::from_fn(r, c, |i, j| rows[i][j].clone()))
    }

    /// A matrix of f64 rows converted exactly; rejects NaN and infinities and ragged rows.
    pub fn from_f64_rows(rows: &[Vec<f64>]) -> Result<Self> {
        let converted: Result<Vec<Vec<S>>> = rows
            .iter()
            .map(|r| r.iter().map(|&x| S::from_f64(x)).collect())
            .collect();
        Self::from_rows(&converted?)
    }

    /// A matrix of small integer ratios `(num, den)` given by rows (handy in tests).
    pub fn from_ratio_rows(rows: &[Vec<(i64, i64)>]) -> Result<Self> {
        let converted: Result<Vec<Vec<S>>> = rows
            .iter()
            .map(|r| r.iter().map(|&(p, q)| S::from_ratio(p, q)).collect())
            .collect();
        Self::from_rows(&converted?)
    }

    /// `m[i, j] = f(i, j)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> S) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for j in 0..cols {
            for i in 0..rows {
                data.push(f(i, j));
            }
        }
        Matrix { rows, cols, data }
    }

    /// The zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Matrix {
            rows,
            cols,
            data: vec![S::zero(); rows * cols],
        }
    }

    /// The identity matrix.
    pub fn identity(n: usize) -> Self {
        Self::from_fn(n, n, |i, j| if i == j { S::one() } else { S::zero() })
    }

    /// The diagonal matrix `diag(d)`.
    pub fn diag(d: &[S]) -> Self {
        let n = d.len();
        Self::from_fn(n, n, |i, j| if i == j { d[i].clone() } else { S::zero() })
    }

    /// A column vector.
    pub fn column_vector(v: &[S]) -> Self {
        Matrix {
            rows: v.len(),
            cols: 1,
            data: v.to_vec(),
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
    /// Whether the matrix is square.
    pub fn is_square(&self) -> bool {
        self.rows == self.cols
    }
    /// Column-major entries.
    pub fn as_slice(&self) -> &[S] {
        &self.data
    }
    /// Mutable column-major entries.
    pub fn as_mut_slice(&mut self) -> &mut [S] {
        &mut self.data
    }
    /// Consume into column-major entries.
    pub fn into_vec(self) -> Vec<S> {
        self.data
    }
    /// Column `j` as a slice.
    pub fn column(&self, j: usize) -> &[S] {
        &self.data[j * self.rows..(j + 1) * self.rows]
    }
    /// Row `i` as a vector.
    pub fn row(&self, i: usize) -> Vec<S> {
        (0..self.cols).map(|j| self[(i, j)].clone()).collect()
    }
    /// Whether every entry is finite (intervals: both bounds).
    pub fn is_finite(&self) -> bool {
        self.data.iter().all(|x| x.is_finite())
    }
    /// Errors with [`Error::NonFinite`] if an entry is NaN or infinite.
    pub fn check_finite(&self, context: &str) -> Result<()> {
        match self.data.iter().position(|x| !x.is_finite()) {
            None => Ok(()),
            Some(k) => Err(Error::NonFinite {
                context: format!("{context}, entry ({}, {})", k % self.rows, k / self.rows),
            }),
        }
    }

    /// Apply `f` to every entry.
    pub fn map<T: Scalar>(&self, f: impl Fn(&S) -> T) -> Matrix<T> {
        Matrix {
            rows: self.rows,
            cols: self.cols,
            data: self.data.iter().map(f).collect(),
        }
    }

    /// Convert to another scalar through exact rationals where possible
    /// (`S: Exact → Interval` encloses; `f64 → rational` is exact).
    pub fn to_f64(&self) -> Matrix<f64> {
        self.map(|x| x.to_f64())
    }

    /// Exact conversion of an f64 matrix; rejects NaN and infinities.
    pub fn from_f64_matrix(m: &Matrix<f64>) -> Result<Self> {
        let data: Result<Vec<S>> = m.data.iter().map(|&x| S::from_f64(x)).collect();
        Ok(Matrix {
            rows: m.rows,
            cols: m.cols,
            data: data?,
        })
    }

    /// `Mᵀ`.
    pub fn transpose(&self) -> Self {
        Self::from_fn(self.cols, self.rows, |i, j| self[(j, i)].clone())
    }

    /// `self + rhs`.
    pub fn add(&self, rhs: &Self) -> Result<Self> {
        self.zip_with(rhs, "add", |a, b| a.add(b))
    }
    /// `self − rhs`.
    pub fn sub(&self, rhs: &Self) -> Result<Self> {
        self.zip_with(rhs, "sub", |a, b| a.sub(b))
    }
    /// Entrywise combination of two matrices of the same shape.
    pub fn zip_with(&self, rhs: &Self, op: &'static str, f: impl Fn(&S, &S) -> S) -> Result<Self> {
        if self.shape() != rhs.shape() {
            return Err(mismatch(op, self.shape(), rhs.shape()));
        }
        let data = self
            .data
            .iter()
            .zip(&rhs.data)
            .map(|(a, b)| f(a, b))
            .collect();
        Ok(Matrix {
            rows: self.rows,
            cols: self.cols,
            data,
        })
    }
    /// `c · self`.
    pub fn scale(&self, c: &S) -> Self {
        self.map(|x| x.mul(c))
    }
    /// `−self`.
    pub fn neg(&self) -> Self {
        self.map(|x| x.neg())
    }

    /// `self · rhs` (f64 goes through nalgebra's kernel for large products).
    pub fn matmul(&self, rhs: &Self) -> Result<Self> {
        if self.cols != rhs.rows {
            return Err(mismatch("matmul", self.shape(), rhs.shape()));
        }
        // f64 fast path through the typed views (see `crate::scalar`, "Specialisation"):
        // nalgebra's kernel on borrowed views. Tiny products are faster in the plain
        // loop than through nalgebra's set-up. Sound scalars never take it (BLAS-style
        // kernels ignore directed rounding).
        if self.rows * self.cols * rhs.cols >= 4096 {
            if let (Some(a), Some(b)) = (S::as_f64s(&self.data), S::as_f64s(&rhs.data)) {
                let prod = nalgebra::DMatrixView::from_slice(a, self.rows, self.cols)
                    * nalgebra::DMatrixView::from_slice(b, rhs.rows, rhs.cols);
                if let Some(data) = S::from_f64s(Vec::from(prod.data)) {
                    return Ok(Matrix {
                        rows: self.rows,
                        cols: rhs.cols,
                        data,
                    });
                }
            }
        }
        let mut out = Self::zeros(self.rows, rhs.cols);
        for j in 0..rhs.cols {
            for k in 0..self.cols {
                let b = &rhs[(k, j)];
                if b.is_zero().is_true() {
                    continue;
                }
                for i in 0..self.rows {
                    out[(i, j)] = out[(i, j)].mul_add(&self[(i, k)], b);
                }
            }
        }
        Ok(out)
    }

    /// `self · v`.
    pub fn mul_vec(&self, v: &[S]) -> Result<Vec<S>> {
        if self.cols != v.len() {
            return Err(mismatch("mul_vec", self.shape(), (v.len(), 1)));
        }
        let mut out = vec![S::zero(); self.rows];
        for (j, vj) in v.iter().enumerate() {
            if vj.is_zero().is_true() {
                continue;
            }
            for (i, o) in out.iter_mut().enumerate() {
                *o = o.mul_add(&self[(i, j)], vj);
            }
        }
        Ok(out)
    }

    /// `selfᵀ · v`.
    pub fn tr_mul_vec(&self, v: &[S]) -> Result<Vec<S>> {
        if self.rows != v.len() {
            return Err(mismatch("tr_mul_vec", (self.cols, self.rows), (v.len(), 1)));
        }
        (0..self.cols)
            .map(|j| crate::scalar::dot(self.column(j), v))
            .collect()
    }

    /// `diag(d) · self` (scale row `i` by `d[i]`).
    pub fn scale_rows(&self, d: &[S]) -> Result<Self> {
        if d.len() != self.rows {
            return Err(mismatch("scale_rows", (d.len(), d.len()), self.shape()));
        }
        Ok(Self::from_fn(self.rows, self.cols, |i, j| {
            d[i].mul(&self[(i, j)])
        }))
    }

    /// `[self, rhs]` (same number of rows).
    pub fn hstack(&self, rhs: &Self) -> Result<Self> {
        if self.rows != rhs.rows {
            return Err(mismatch("hstack", self.shape(), rhs.shape()));
        }
        let mut data = self.data.clone();
        data.extend_from_slice(&rhs.data);
        Ok(Matrix {
            rows: self.rows,
            cols: self.cols + rhs.cols,
            data,
        })
    }

    /// Split `[A, B]` after column `k` into `(A, B)`.
    pub fn split_cols(&self, k: usize) -> Result<(Self, Self)> {
        if k > self.cols {
            return Err(mismatch("split_cols", self.shape(), (self.rows, k)));
        }
        let (a, b) = self.data.split_at(k * self.rows);
        Ok((
            Matrix {
                rows: self.rows,
                cols: k,
                data: a.to_vec(),
            },
            Matrix {
                rows: self.rows,
                cols: self.cols - k,
                data: b.to_vec(),
            },
        ))
    }

    /// Sub-matrix with the given rows and columns (in that order).
    pub fn select(&self, rows: &[usize], cols: &[usize]) -> Result<Self> {
        if rows.iter().any(|&i| i >= self.rows) || cols.iter().any(|&j| j >= self.cols) {
            return Err(mismatch("select", self.shape(), (rows.len(), cols.len())));
        }
        Ok(Self::from_fn(rows.len(), cols.len(), |i, j| {
            self[(rows[i], cols[j])].clone()
        }))
    }

    /// Induced 1-norm: the largest column sum of absolute values.
    pub fn norm_1(&self) -> S {
        (0..self.cols)
            .map(|j| {
                self.column(j)
                    .iter()
                    .fold(S::zero(), |acc, x| acc.add(&x.abs()))
            })
            .fold(S::zero(), |m, s| m.max(&s))
    }

    /// Induced ∞-norm: the largest row sum of absolute values.
    pub fn norm_inf(&self) -> S {
        (0..self.rows)
            .map(|i| (0..self.cols).fold(S::zero(), |acc, j| acc.add(&self[(i, j)].abs())))
            .fold(S::zero(), |m, s| m.max(&s))
    }

    /// Squared Frobenius norm `Σ mᵢⱼ²` (exact over rationals).
    pub fn norm_frobenius_sq(&self) -> S {
        self.data.iter().fold(S::zero(), |acc, x| acc.mul_add(x, x))
    }

    /// Frobenius norm, as an upper bound (see [`Scalar::sqrt_upper`]).
    pub fn norm_frobenius_upper(&self) -> S {
        self.norm_frobenius_sq().sqrt_upper()
    }

    /// Largest absolute entry.
    pub fn max_abs(&self) -> S {
        self.data.iter().fold(S::zero(), |m, x| m.max(&x.abs()))
    }
}

impl Matrix<f64> {
    /// Copy into an nalgebra matrix.
    pub fn to_nalgebra(&self) -> nalgebra::DMatrix<f64> {
        nalgebra::DMatrix::from_column_slice(self.rows, self.cols, &self.data)
    }
    /// Copy from an nalgebra matrix.
    pub fn from_nalgebra(m: &nalgebra::DMatrix<f64>) -> Self {
        Matrix {
            rows: m.nrows(),
            cols: m.ncols(),
            data: m.as_slice().to_vec(),
        }
    }
}
