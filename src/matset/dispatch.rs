//! Which kind of arithmetic a scalar type does (its declared [`Scalar::KIND`]), and the
//! typed views of whole matrices and single values as `f64` or `inari::Interval` used
//! by the fast paths.
//!
//! Generic algorithms stay written once; only the *decision rule* (exact, with a
//! tolerance, or certify-after-an-f64-solve) depends on the kind. Everything here is
//! built on the slice-level views of [`Scalar`] ([`Scalar::as_f64s`],
//! [`Scalar::from_f64s`], [`Scalar::as_intervals`], …), the crate's one specialisation
//! mechanism (see `crate::scalar`): no `Any` downcasts.

use crate::error::Result;
use crate::linalg::Matrix;
use crate::scalar::{ArithmeticKind, Interval, Scalar};

/// The arithmetic a scalar type performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `f64`: rounded, comparisons need a tolerance.
    Float,
    /// `inari::Interval`: enclosures; decisions are certified after an f64 solve.
    Interval,
    /// Exact rationals: comparisons are exact.
    Exact,
}

/// The kind of `S`, as the scalar type declares it.
pub(crate) fn kind<S: Scalar>() -> Kind {
    match S::KIND {
        ArithmeticKind::Rounded => Kind::Float,
        ArithmeticKind::Enclosure => Kind::Interval,
        ArithmeticKind::Exact => Kind::Exact,
    }
}

/// `x` as an interval when `S` is the interval type.
pub(crate) fn as_interval<S: Scalar>(x: &S) -> Option<Interval> {
    S::as_intervals(std::slice::from_ref(x)).map(|v| v[0])
}

/// An interval as `S` when `S` is the interval type.
pub(crate) fn from_interval<S: Scalar>(x: Interval) -> Option<S> {
    let mut slot = S::zero();
    S::as_intervals_mut(std::slice::from_mut(&mut slot))?[0] = x;
    Some(slot)
}

/// An f64 matrix borrowed from a `Matrix<S>` with `S = f64`: shape and column-major
/// entries (what the f64 kernels read).
#[derive(Clone, Copy, Debug)]
pub(crate) struct F64View<'a> {
    rows: usize,
    cols: usize,
    data: &'a [f64],
}

impl<'a> F64View<'a> {
    /// `(rows, cols)`.
    pub(crate) fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
    /// Number of columns.
    pub(crate) fn cols(&self) -> usize {
        self.cols
    }
    /// Column-major entries.
    pub(crate) fn as_slice(&self) -> &'a [f64] {
        self.data
    }
}

/// `m` viewed as an f64 matrix when `S` is `f64` (the fast paths).
pub(crate) fn as_f64_matrix<S: Scalar>(m: &Matrix<S>) -> Option<F64View<'_>> {
    Some(F64View {
        rows: m.rows(),
        cols: m.cols(),
        data: S::as_f64s(m.as_slice())?,
    })
}

/// An f64 as `S` when `S` is `f64`.
pub(crate) fn from_f64_value<S: Scalar>(x: f64) -> Option<S> {
    let mut slot = S::zero();
    S::as_f64s_mut(std::slice::from_mut(&mut slot))?[0] = x;
    Some(slot)
}

/// f64 matrices re-typed as `Matrix<S>` (moved, not copied) when `S` is `f64`;
/// `Ok(None)` otherwise.
pub(crate) fn from_f64_matrices<S: Scalar>(ms: Vec<Matrix<f64>>) -> Result<Option<Vec<Matrix<S>>>> {
    let mut out = Vec::with_capacity(ms.len());
    for m in ms {
        let (rows, cols) = m.shape();
        let Some(data) = S::from_f64s(m.into_vec()) else {
            return Ok(None);
        };
        out.push(Matrix::from_col_major(rows, cols, data)?);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scalar::{BigRational, Rational};

    #[test]
    fn kinds_and_views() {
        assert_eq!(kind::<f64>(), Kind::Float);
        assert_eq!(kind::<Interval>(), Kind::Interval);
        assert_eq!(kind::<Rational>(), Kind::Exact);
        assert_eq!(kind::<BigRational>(), Kind::Exact);
        assert_eq!(from_f64_value::<f64>(2.5), Some(2.5));
        assert!(from_f64_value::<Rational>(2.5).is_none());
        assert!(from_f64_value::<Interval>(2.5).is_none());
        let iv = Interval::from_ratio(1, 3).unwrap();
        assert_eq!(from_interval::<Interval>(iv), Some(iv));
        assert!(from_interval::<f64>(iv).is_none());
        assert_eq!(as_interval(&iv), Some(iv));
        assert!(as_interval(&Rational::from(1)).is_none());
        assert!(as_interval(&1.0f64).is_none());
        let m = Matrix::<f64>::from_fn(2, 3, |i, j| (i + 10 * j) as f64);
        let v = as_f64_matrix(&m).unwrap();
        assert_eq!((v.shape(), v.cols()), ((2, 3), 3));
        assert_eq!(v.as_slice(), m.as_slice());
        assert!(as_f64_matrix(&Matrix::<Rational>::zeros(1, 1)).is_none());
        assert!(as_f64_matrix(&Matrix::<Interval>::zeros(1, 1)).is_none());
        let back = from_f64_matrices::<f64>(vec![m.clone()]).unwrap().unwrap();
        assert_eq!(back, vec![m.clone()]);
        assert!(from_f64_matrices::<Rational>(vec![m]).unwrap().is_none());
    }
}
