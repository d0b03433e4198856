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
///
/// Closed on purpose: a result is equal to, contains, is contained in the exact one, or neither.
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
/// Every representation is compact. Which operations are exact and which return a
/// sound over-approximation is stated on each operation.
///
/// The representation is private: a set is built only by its validating constructors
/// ([`MatrixSet::singleton`], [`MatrixSet::finite`], [`MatrixSet::hull`],
/// [`MatrixSet::interval_box`], [`MatrixSet::diag_box`]) or by the set operations, so
/// every value satisfies the invariants stated on [`MatrixSetView`] (non-empty lists,
/// one shape, finite entries, `lo ≤ hi`). [`MatrixSet::view`] looks inside.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixSet<S>(Repr<S>);

/// The private representation behind [`MatrixSet`] (its variants mirror
/// [`MatrixSetView`]).
#[derive(Clone, Debug, PartialEq)]
enum Repr<S> {
    Finite(Vec<Matrix<S>>),
    Hull(Vec<Matrix<S>>),
    Box {
        lo: Matrix<S>,
        hi: Matrix<S>,
    },
    DiagBox {
        q_lo: Vec<S>,
        q_hi: Vec<S>,
        m: Matrix<S>,
        offset: Matrix<S>,
    },
}

/// A read-only view of a [`MatrixSet`]: which representation it has and its data.
///
/// Every view satisfies the constructors' invariants: lists are non-empty and of one
/// shape, entries are finite, and `lo ≤ hi` (`q_lo ≤ q_hi`) is not refuted entrywise.
/// More representations may be added, so matches need a wildcard arm.
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub enum MatrixSetView<'a, S> {
    /// A finite set `{M₁, …, M_k}` (k ≥ 1).
    Finite(&'a [Matrix<S>]),
    /// The convex hull `conv{V₁, …, V_k}` of finitely many vertices (k ≥ 1).
    Hull(&'a [Matrix<S>]),
    /// The interval matrix `{M : lo ≤ M ≤ hi}` (entrywise).
    Box {
        /// Entrywise lower bounds.
        lo: &'a Matrix<S>,
        /// Entrywise upper bounds.
        hi: &'a Matrix<S>,
    },
    /// The structured set `{diag(q)·M + C : q ∈ [q_lo, q_hi]}` (a box of row
    /// scalings), e.g. forward–backward with ties at the threshold. Its extreme points
    /// are among the `2^k` choices of `q` at the ends of its `k` non-degenerate
    /// coordinates.
    DiagBox {
        /// Lower bounds of `q` (one per row).
        q_lo: &'a [S],
        /// Upper bounds of `q`.
        q_hi: &'a [S],
        /// The matrix whose rows are scaled.
        m: &'a Matrix<S>,
        /// The constant offset `C` (same shape as `m`).
        offset: &'a Matrix<S>,
    },
}

impl<S> Clone for MatrixSetView<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for MatrixSetView<'_, S> {}

impl<S> MatrixSet<S> {
    /// A read-only view of the representation (see [`MatrixSetView`]).
    pub fn view(&self) -> MatrixSetView<'_, S> {
        match &self.0 {
            Repr::Finite(ms) => MatrixSetView::Finite(ms),
            Repr::Hull(ms) => MatrixSetView::Hull(ms),
            Repr::Box { lo, hi } => MatrixSetView::Box { lo, hi },
            Repr::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            } => MatrixSetView::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            },
        }
    }

    /// Whether the set is given as a finite list of members ([`MatrixSetView::Finite`]).
    pub fn is_finite_set(&self) -> bool {
        matches!(self.0, Repr::Finite(_))
    }

    /// Whether the set is given as an interval matrix ([`MatrixSetView::Box`]).
    pub fn is_box(&self) -> bool {
        matches!(self.0, Repr::Box { .. })
    }
}

impl<S: Scalar> MatrixSet<S> {
    /// The one-element set `{M}`; errors if `m` has a non-finite entry.
    pub fn singleton(m: Matrix<S>) -> Result<Self> {
        Self::finite(vec![m])
    }

    /// A finite set; errors if empty, if shapes differ or if an entry is not finite.
    pub fn finite(ms: Vec<Matrix<S>>) -> Result<Self> {
        check_list(&ms, "MatrixSet::finite")?;
        Ok(MatrixSet(Repr::Finite(ms)))
    }

    /// A convex hull of vertices; errors if empty, if shapes differ or if an entry is
    /// not finite.
    pub fn hull(vs: Vec<Matrix<S>>) -> Result<Self> {
        check_list(&vs, "MatrixSet::hull")?;
        Ok(MatrixSet(Repr::Hull(vs)))
    }

    /// A box `{M : lo ≤ M ≤ hi}`; errors unless shapes agree, entries are finite and
    /// `lo ≤ hi` is not refuted entrywise.
    pub fn interval_box(lo: Matrix<S>, hi: Matrix<S>) -> Result<Self> {
        check_box(&lo, &hi)?;
        Ok(MatrixSet(Repr::Box { lo, hi }))
    }

    /// The structured set `{diag(q)·M + C : q_lo ≤ q ≤ q_hi}`; errors on bad shapes,
    /// non-finite entries or `q_lo > q_hi`.
    pub fn diag_box(q_lo: Vec<S>, q_hi: Vec<S>, m: Matrix<S>, offset: Matrix<S>) -> Result<Self> {
        check_diag_box(&q_lo, &q_hi, &m, &offset)?;
        Ok(MatrixSet(Repr::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        }))
    }

    /// A finite set (`finite = true`) or a hull of `ms`, validated.
    pub(crate) fn finite_or_hull(ms: Vec<Matrix<S>>, finite: bool) -> Result<Self> {
        if finite {
            Self::finite(ms)
        } else {
            Self::hull(ms)
        }
    }

    /// [`MatrixSet::finite_or_hull`] for the results of a set operation, whose entries
    /// the operation has already checked to be finite while each result was in cache
    /// ([`check_result`]); only the list and the shapes are validated here.
    pub(crate) fn finite_or_hull_of_results(ms: Vec<Matrix<S>>, finite: bool) -> Result<Self> {
        check_same_shape(&ms, "a set operation")?;
        Ok(MatrixSet(if finite {
            Repr::Finite(ms)
        } else {
            Repr::Hull(ms)
        }))
    }

    /// The same representation with every matrix replaced by `f` of it (and the `q`
    /// bounds of a `DiagBox` kept), validated again: for maps that commute with the
    /// representation (linear maps for hulls, boxes and row scalings; any map for a
    /// finite set). A `Box` maps its two corners, so `f` must be monotone entrywise.
    pub(crate) fn map_matrices(
        &self,
        mut f: impl FnMut(&Matrix<S>) -> Result<Matrix<S>>,
    ) -> Result<Self> {
        match &self.0 {
            Repr::Finite(v) => Self::finite(v.iter().map(f).collect::<Result<_>>()?),
            Repr::Hull(v) => Self::hull(v.iter().map(f).collect::<Result<_>>()?),
            Repr::Box { lo, hi } => Self::interval_box(f(lo)?, f(hi)?),
            Repr::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            } => Self::diag_box(q_lo.clone(), q_hi.clone(), f(m)?, f(offset)?),
        }
    }

    /// Whether the set has a single member for certain (a one-element finite set or
    /// hull, a box with `lo = hi`, a `DiagBox` whose rows cannot move).
    pub fn is_singleton(&self) -> bool {
        match &self.0 {
            // One member is a singleton even over intervals (where `M − M` need not be
            // certainly zero).
            Repr::Finite(ms) | Repr::Hull(ms) => {
                ms.len() == 1 || ms.iter().all(|m| same(m, &ms[0]).is_true())
            }
            Repr::Box { lo, hi } => same(lo, hi).is_true(),
            Repr::DiagBox { .. } => vertices::free_rows(self).is_empty(),
        }
    }

    /// Whether the set is convex by construction (hull, box, `DiagBox`, singleton).
    pub fn is_convex(&self) -> bool {
        !matches!(self.0, Repr::Finite(_)) || self.is_singleton()
    }

    /// Check the invariants again (every entry finite, one shape, `lo ≤ hi` not
    /// refuted). The constructors already did; kept for callers that want to assert it.
    pub fn check(&self) -> Result<()> {
        match &self.0 {
            Repr::Finite(ms) | Repr::Hull(ms) => check_list(ms, "MatrixSet::check"),
            Repr::Box { lo, hi } => check_box(lo, hi),
            Repr::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            } => check_diag_box(q_lo, q_hi, m, offset),
        }
    }

    /// Shape `(rows, cols)` of the member matrices.
    pub fn shape(&self) -> (usize, usize) {
        match &self.0 {
            Repr::Finite(ms) | Repr::Hull(ms) => ms.first().map_or((0, 0), |m| m.shape()),
            Repr::Box { lo, .. } => lo.shape(),
            Repr::DiagBox { m, .. } => m.shape(),
        }
    }
}

/// A list of members or vertices: non-empty, one shape, finite entries.
fn check_list<S: Scalar>(ms: &[Matrix<S>], op: &'static str) -> Result<()> {
    check_same_shape(ms, op)?;
    for (k, m) in ms.iter().enumerate() {
        if let Some((i, j)) = first_non_finite(m) {
            return Err(Error::NonFinite {
                context: format!("{op}: matrix {k}, entry ({i}, {j})"),
            });
        }
    }
    Ok(())
}

/// Errors when the `k`-th result of the set operation `op` (its column-major entries
/// `data`, `rows` rows) has a non-finite entry (an f64 overflow, say).
pub(crate) fn check_result<S: Scalar>(data: &[S], rows: usize, op: &str, k: usize) -> Result<()> {
    match data.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(e) => Err(Error::NonFinite {
            context: format!(
                "{op}: result {k}, entry ({}, {})",
                e % rows.max(1),
                e / rows.max(1)
            ),
        }),
    }
}

/// The first entry `(i, j)` (column-major order) that is not finite.
fn first_non_finite<S: Scalar>(m: &Matrix<S>) -> Option<(usize, usize)> {
    let k = m.as_slice().iter().position(|x| !x.is_finite())?;
    Some((k % m.rows().max(1), k / m.rows().max(1)))
}

/// The first `(i, j)` where `lo > hi` is certain.
fn first_out_of_order<S: Scalar>(lo: &Matrix<S>, hi: &Matrix<S>) -> Option<(usize, usize)> {
    let k = lo
        .as_slice()
        .iter()
        .zip(hi.as_slice())
        .position(|(a, b)| a.le(b).is_false())?;
    Some((k % lo.rows().max(1), k / lo.rows().max(1)))
}

/// The bounds of a box: one shape, finite, `lo ≤ hi` not refuted.
fn check_box<S: Scalar>(lo: &Matrix<S>, hi: &Matrix<S>) -> Result<()> {
    if lo.shape() != hi.shape() {
        return Err(Error::DimensionMismatch {
            op: "MatrixSet::interval_box",
            left: lo.shape(),
            right: hi.shape(),
        });
    }
    for (name, m) in [("lo", lo), ("hi", hi)] {
        if let Some((i, j)) = first_non_finite(m) {
            return Err(Error::NonFinite {
                context: format!("MatrixSet::interval_box: {name}, entry ({i}, {j})"),
            });
        }
    }
    if let Some(entry) = first_out_of_order(lo, hi) {
        return Err(Error::BoundsOutOfOrder {
            what: "MatrixSet::interval_box".into(),
            entry,
        });
    }
    Ok(())
}

/// The data of a `DiagBox`: one `q` bound per row of `m`, `offset` of `m`'s shape,
/// finite entries, `q_lo ≤ q_hi` not refuted.
fn check_diag_box<S: Scalar>(
    q_lo: &[S],
    q_hi: &[S],
    m: &Matrix<S>,
    offset: &Matrix<S>,
) -> Result<()> {
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
    for (name, x) in [("m", m), ("offset", offset)] {
        if let Some((i, j)) = first_non_finite(x) {
            return Err(Error::NonFinite {
                context: format!("MatrixSet::diag_box: {name}, entry ({i}, {j})"),
            });
        }
    }
    for (name, q) in [("q_lo", q_lo), ("q_hi", q_hi)] {
        if let Some(i) = q.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite {
                context: format!("MatrixSet::diag_box: {name}, entry {i}"),
            });
        }
    }
    if let Some(i) = q_lo.iter().zip(q_hi).position(|(a, b)| a.le(b).is_false()) {
        return Err(Error::BoundsOutOfOrder {
            what: "MatrixSet::diag_box (q_lo, q_hi)".into(),
            entry: (i, 0),
        });
    }
    Ok(())
}

fn check_same_shape<S: Scalar>(ms: &[Matrix<S>], op: &'static str) -> Result<()> {
    let first = ms.first().ok_or_else(|| Error::Empty {
        what: format!("the list given to {op}"),
    })?;
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
