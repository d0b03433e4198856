//! Sets of matrices (docs/mathematics.md §3): the representations the differentiation engines
//! and certificates work with.
//!
//! # Exactness policy
//! Operations that build a new set ([`MatrixSet::sum`], [`MatrixSet::product`],
//! [`MatrixSet::act`], [`MatrixSet::union`]) return `(set, Exactness)`:
//! [`Exactness::Exact`] when the returned set *is* the exact result,
//! [`Exactness::Over`] when it is a superset of it (a sound over-approximation), and,
//! only under the inner overflow policies of [`SetOptions`], [`Exactness::Under`] (a
//! subset: every member is a true member) or [`Exactness::Approximate`].
//!
//! This module is the one owner of set algebra in the crate (vertex enumeration,
//! bounding boxes, interval-matrix products, the action and its overflow policies);
//! the differentiation engines, maps and certificate finders call it. The trusted
//! certificate checker keeps its own small copy on purpose (it must not depend on
//! the code it checks).
//!
//! | operands | result |
//! |---|---|
//! | finite ∘ finite | finite, exact (sizes multiply) |
//! | hull + hull | `conv{Vᵢ + Wⱼ}`, exact (Minkowski sum of polytopes) |
//! | hull · hull, `J(X)` with both hulls | `conv{Vᵢ Wⱼ}` / `conv{Aᵢ Xⱼ + Bᵢ}`: **over** (the bilinear image of two hulls is not convex in general; the hull of pairwise vertex products contains it) |
//! | one side a singleton, the other a hull | hull of the images, exact (affine image of a hull) |
//! | finite (≥2) with hull | hull of all images, over (a union of hulls) |
//! | box with box (sum) | box, exact |
//! | anything with a box (product, action) | box by interval-matrix arithmetic, over |
//! | `DiagBox` | converted to the hull of its `2^k` extreme points (exact) when `2^k ≤ cap`, else to its bounding box (over) |
//! | result larger than `cap` | by default ([`Overflow::Enclose`]) the bounding box computed by interval-matrix arithmetic on the operands' bounding boxes, over; see [`Overflow`] for the inner policies |
//!
//! Over intervals a "box" has interval bounds; the set it stands for is the widest one
//! (`lo.inf ≤ M ≤ hi.sup`), and every enclosure here contains every exact member.

pub(crate) mod dispatch;
mod norms;
mod ops;
mod overflow;
mod prune;
mod vertices;

pub use crate::linalg::norms::Norm;
pub use ops::{box_act, box_matmul};
pub use overflow::{Overflow, SetOptions};
pub use vertices::{for_each_corner, hull_over_box};

/// Default cap on the number of matrices an exact finite or hull result (or a
/// vertex enumeration) may have before a sound box enclosure is returned instead.
pub const DEFAULT_CAP: usize = 4096;

/// Whether a computed set (or number) is exact, a sound over-approximation, or an
/// inner approximation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exactness {
    /// The result is the exact set (or value; over intervals: an enclosure of it; in
    /// f64: an estimate of it).
    Exact,
    /// The result contains the exact set (for a number: is an upper bound of it).
    Over,
    /// The result is contained in the exact set (an inner approximation: every member
    /// is a true member; sups over it are lower bounds). Only the inner overflow
    /// policies ([`Overflow::KeepLargest`], [`Overflow::KeepExtreme`]) produce it.
    Under,
    /// Neither: an inner approximation of an over-approximation (or the converse).
    Approximate,
}

impl Exactness {
    /// The exactness of a result built from two steps with these exactnesses (every
    /// set operation here is monotone, so supersets stay supersets and subsets stay
    /// subsets): `Exact` only if both are; mixing `Over` and `Under` gives `Approximate`.
    pub fn and(self, rhs: Exactness) -> Exactness {
        use Exactness::*;
        match (self, rhs) {
            (Exact, e) | (e, Exact) => e,
            (Over, Over) => Over,
            (Under, Under) => Under,
            _ => Approximate,
        }
    }
}

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

    /// A box `{M : lo ≤ M ≤ hi}`; errors unless shapes agree, entries are finite and
    /// `lo ≤ hi` is not refuted entrywise.
    pub fn interval_box(lo: Matrix<S>, hi: Matrix<S>) -> Result<Self> {
        if lo.shape() != hi.shape() {
            return Err(Error::DimensionMismatch {
                op: "MatrixSet::interval_box",
                left: lo.shape(),
                right: hi.shape(),
            });
        }
        if !lo.is_finite() || !hi.is_finite() {
            return Err(Error::NonFinite {
                context: "MatrixSet::interval_box".into(),
            });
        }
        if lo
            .as_slice()
            .iter()
            .zip(hi.as_slice())
            .any(|(a, b)| a.le(b).is_false())
        {
            return Err(Error::InvalidInput(
                "MatrixSet::interval_box: lo > hi".into(),
            ));
        }
        Ok(MatrixSet::Box { lo, hi })
    }

    /// The structured set `{diag(q)·M + C : q_lo ≤ q ≤ q_hi}`; errors on bad shapes,
    /// non-finite entries or `q_lo > q_hi`.
    pub fn diag_box(q_lo: Vec<S>, q_hi: Vec<S>, m: Matrix<S>, offset: Matrix<S>) -> Result<Self> {
        if q_lo.len() != m.rows() || q_hi.len() != m.rows() {
            return Err(Error::DimensionMismatch {
                op: "MatrixSet::diag_box",
                left: m.shape(),
                right: (q_lo.len(), q_hi.len()),
            });
        }
        if offset.shape() != m.shape() {
            return Err(Error::DimensionMismatch {
                op: "MatrixSet::diag_box",
                left: m.shape(),
                right: offset.shape(),
            });
        }
        if !m.is_finite() || !offset.is_finite() || !q_lo.iter().chain(&q_hi).all(|x| x.is_finite())
        {
            return Err(Error::NonFinite {
                context: "MatrixSet::diag_box".into(),
            });
        }
        if q_lo.iter().zip(&q_hi).any(|(a, b)| a.le(b).is_false()) {
            return Err(Error::InvalidInput(
                "MatrixSet::diag_box: q_lo > q_hi".into(),
            ));
        }
        Ok(MatrixSet::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        })
    }

    /// Whether the set has a single member for certain (a one-element finite set or
    /// hull, a box with `lo = hi`, a `DiagBox` whose rows cannot move).
    pub fn is_singleton(&self) -> bool {
        match self {
            MatrixSet::Finite(ms) | MatrixSet::Hull(ms) => {
                ms.iter().all(|m| same(m, &ms[0]).is_true())
            }
            MatrixSet::Box { lo, hi } => same(lo, hi).is_true(),
            MatrixSet::DiagBox { .. } => vertices::free_rows(self).is_empty(),
        }
    }

    /// Whether the set is convex by construction (hull, box, `DiagBox`, singleton).
    pub fn is_convex(&self) -> bool {
        !matches!(self, MatrixSet::Finite(_)) || self.is_singleton()
    }

    /// Check that every entry is finite (boxes also: `lo ≤ hi` not refuted).
    pub fn check(&self) -> Result<()> {
        let ok = match self {
            MatrixSet::Finite(ms) | MatrixSet::Hull(ms) => {
                check_same_shape(ms, "MatrixSet::check")?;
                ms.iter().all(|m| m.is_finite())
            }
            MatrixSet::Box { lo, hi } => {
                return Self::interval_box(lo.clone(), hi.clone()).map(|_| ());
            }
            MatrixSet::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            } => {
                return Self::diag_box(q_lo.clone(), q_hi.clone(), m.clone(), offset.clone())
                    .map(|_| ());
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::NonFinite {
                context: "MatrixSet::check".into(),
            })
        }
    }

    /// Shape `(rows, cols)` of the member matrices.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            MatrixSet::Finite(ms) | MatrixSet::Hull(ms) => ms.first().map_or((0, 0), |m| m.shape()),
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

/// Whether two matrices are certainly equal (three-valued: intervals may be undecided).
pub(crate) fn same<S: Scalar>(a: &Matrix<S>, b: &Matrix<S>) -> crate::scalar::Verdict {
    use crate::scalar::Verdict;
    if a.shape() != b.shape() {
        return Verdict::False;
    }
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .fold(Verdict::True, |v, (x, y)| v.and(x.sub(y).is_zero()))
}

pub(crate) fn check_pair<S: Scalar>(
    x: &MatrixSet<S>,
    y: &MatrixSet<S>,
    op: &'static str,
) -> Result<()> {
    if x.shape() != y.shape() {
        return Err(Error::DimensionMismatch {
            op,
            left: x.shape(),
            right: y.shape(),
        });
    }
    Ok(())
}
