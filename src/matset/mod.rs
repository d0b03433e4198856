//! Sets of matrices (MATH.md §3): the representations the differentiation engines
//! and certificates work with.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::Scalar;

/// A set of `rows × cols` matrices.
///
/// Every variant is compact. Which operations are exact and which return a sound
/// over-approximation is stated on each operation.
#[derive(Clone, Debug, PartialEq)]
pub enum MatrixSet<S> {
    /// A finite set `{M₁, …, M_k}` (k ≥ 1).
    Finite(Vec<Matrix<S>>),
    /// The convex hull `conv{V₁, …, V_k}` of finitely many vertices (k ≥ 1).
    Hull(Vec<Matrix<S>>),
    /// The interval matrix `{M : lo ≤ M ≤ hi}` (entrywise; `lo ≤ hi`).
    Box {
        /// Entrywise lower bounds.
        lo: Matrix<S>,
        /// Entrywise upper bounds.
        hi: Matrix<S>,
    },
    /// The structured set `{diag(q)·M + C : q ∈ [q_lo, q_hi]}` (a box of row
    /// scalings), e.g. forward–backward with ties at the threshold. Its extreme points
    /// are among the `2^k` choices of `q` at the ends of its `k` non-degenerate
    /// coordinates.
    DiagBox {
        /// Lower bounds of `q` (one per row).
        q_lo: Vec<S>,
        /// Upper bounds of `q`.
        q_hi: Vec<S>,
        /// The matrix whose rows are scaled.
        m: Matrix<S>,
        /// The constant offset `C` (same shape as `m`).
        offset: Matrix<S>,
    },
}

impl<S: Scalar> MatrixSet<S> {
    /// The one-element set `{M}`.
    pub fn singleton(m: Matrix<S>) -> Self {
        MatrixSet::Finite(vec![m])
    }

    /// A finite set; errors if empty or if shapes differ.
    pub fn finite(ms: Vec<Matrix<S>>) -> Result<Self> {
        check_same_shape(&ms, "MatrixSet::finite")?;
        Ok(MatrixSet::Finite(ms))
    }

    /// A convex hull of vertices; errors if empty or if shapes differ.
    pub fn hull(vs: Vec<Matrix<S>>) -> Result<Self> {
        check_same_shape(&vs, "MatrixSet::hull")?;
        Ok(MatrixSet::Hull(vs))
    }

    /// Shape `(rows, cols)` of the member matrices.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            MatrixSet::Finite(ms) | MatrixSet::Hull(ms) => ms[0].shape(),
            MatrixSet::Box { lo, .. } => lo.shape(),
            MatrixSet::DiagBox { m, .. } => m.shape(),
        }
    }
}

fn check_same_shape<S: Scalar>(ms: &[Matrix<S>], op: &'static str) -> Result<()> {
    let first = ms
        .first()
        .ok_or_else(|| Error::InvalidInput(format!("{op}: empty set")))?;
    if let Some(bad) = ms.iter().find(|m| m.shape() != first.shape()) {
        return Err(Error::DimensionMismatch {
            op,
            left: first.shape(),
            right: bad.shape(),
        });
    }
    Ok(())
}
