//! `sup ‖·‖` over a set of matrices.
//!
//! Every norm here is convex, so over a hull the supremum is attained at a vertex.
//! On a box every norm used is monotone in the entries' absolute values, so the
//! supremum is the norm of the entrywise `max(|lo|, |hi|)` corner. On a `DiagBox`
//! the norms separate over rows (∞, Frobenius²) or over entries of a column (1), and
//! each piece is convex in `qᵢ`, so it is maximised at `qᵢ ∈ {q_lo, q_hi}`.

use super::{MatrixSet, Repr};
use crate::error::Result;
use crate::linalg::norms::{spectral_bound_from, Norm};
use crate::linalg::Matrix;
use crate::scalar::Scalar;

fn max_all<S: Scalar>(xs: impl Iterator<Item = S>) -> S {
    xs.fold(S::zero(), |a, x| a.max(&x))
}

impl<S: Scalar> MatrixSet<S> {
    /// `sup_{M ∈ self} ‖M‖²_F`, exact over rationals (enclosed over intervals).
    pub fn sup_frobenius_sq(&self) -> Result<S> {
        match &self.0 {
            Repr::Finite(_) | Repr::Hull(_) => Ok(max_all(
                self.members()?.iter().map(|m| m.norm_frobenius_sq()),
            )),
            Repr::Box { .. } => Ok(self.abs_corner()?.norm_frobenius_sq()),
            Repr::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            } => {
                // Σᵢ max_{q ∈ {lo, hi}} ‖q·mᵢ + cᵢ‖².
                let mut total = S::zero();
                for i in 0..m.rows() {
                    let row_sq = |q: &S| {
                        (0..m.cols()).fold(S::zero(), |a, j| {
                            a.add(&q.mul(&m[(i, j)]).add(&offset[(i, j)]).square())
                        })
                    };
                    total = total.add(&row_sq(&q_lo[i]).max(&row_sq(&q_hi[i])));
                }
                Ok(total)
            }
        }
    }

    /// `sup_{M ∈ self} ‖M‖` for the chosen norm: exact for 1, ∞ and max, the
    /// `sqrt_upper` of the exact square for Frobenius, and an upper bound of
    /// `sup ‖M‖₂` for [`Norm::Two`] (per member, [`Norm::of_matrix`], for finite sets
    /// and hulls; [`spectral_bound_from`] the sups of the other three for boxes and
    /// `DiagBox`).
    pub fn sup_norm(&self, norm: Norm) -> Result<S> {
        match (&self.0, norm) {
            (Repr::Finite(_) | Repr::Hull(_), _) => {
                Ok(max_all(self.members()?.iter().map(|m| norm.of_matrix(m))))
            }
            (_, Norm::Frobenius) => Ok(self.sup_frobenius_sq()?.sqrt_upper()),
            // Each entry is affine in the box / diagonal parameters: its largest absolute
            // value is at a corner of the bounding box.
            (_, Norm::Max) => Ok(Norm::Max.of_matrix(&self.abs_corner()?)),
            (Repr::Box { .. }, Norm::One | Norm::Inf) => Ok(norm.of_matrix(&self.abs_corner()?)),
            (
                Repr::DiagBox {
                    q_lo,
                    q_hi,
                    m,
                    offset,
                },
                Norm::One | Norm::Inf,
            ) => {
                let abs_at =
                    |i: usize, j: usize, q: &S| q.mul(&m[(i, j)]).add(&offset[(i, j)]).abs();
                if norm == Norm::Inf {
                    Ok(max_all((0..m.rows()).map(|i| {
                        let s =
                            |q: &S| (0..m.cols()).fold(S::zero(), |a, j| a.add(&abs_at(i, j, q)));
                        s(&q_lo[i]).max(&s(&q_hi[i]))
                    })))
                } else {
                    Ok(max_all((0..m.cols()).map(|j| {
                        (0..m.rows()).fold(S::zero(), |a, i| {
                            a.add(&abs_at(i, j, &q_lo[i]).max(&abs_at(i, j, &q_hi[i])))
                        })
                    })))
                }
            }
            (_, Norm::Two) => Ok(spectral_bound_from(
                &self.sup_norm(Norm::One)?,
                &self.sup_norm(Norm::Inf)?,
                &self.sup_frobenius_sq()?,
            )),
        }
    }

    /// For a box: the entrywise `max(|lo|, |hi|)` matrix (every member is bounded by
    /// it in absolute value); for other sets, the same over the bounding box.
    fn abs_corner(&self) -> Result<Matrix<S>> {
        let (lo, hi) = self.bounding_box()?;
        lo.zip_with(&hi, "abs_corner", |a, b| a.abs().max(&b.abs()))
    }
}
