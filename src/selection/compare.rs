//! Three-way comparisons with ties decided exactly, soundly or with a tolerance.

use crate::scalar::{ArithmeticKind, Scalar};
use std::cmp::Ordering;

/// When two values count as equal (a *tie*, where several pieces are active).
///
/// `a` and `b` tie when the scalar cannot decide `a < b` or `a > b` (equal rationals,
/// overlapping intervals) **or** when `|a − b| ≤ abs + rel·max(|a|, |b|)` is decided
/// true. Declaring a tie only adds pieces to the active set, so a positive tolerance
/// never makes a result unsound; it only makes it larger.
///
/// Defaults ([`Tolerance::default_for`]): exact scalars and intervals use
/// [`Tolerance::EXACT`] (`abs = rel = 0`), `f64` uses `abs = 1e-14`, `rel = 1e-12`
/// (about 4500 units in the last place: ties that f64 rounding may have broken).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Absolute tolerance (`≥ 0`).
    pub abs: f64,
    /// Relative tolerance (`≥ 0`), relative to `max(|a|, |b|)`.
    pub rel: f64,
}

impl Tolerance {
    /// No tolerance: ties only where the scalar itself cannot separate the values.
    pub const EXACT: Tolerance = Tolerance { abs: 0.0, rel: 0.0 };
    /// The documented `f64` default: `abs = 1e-14`, `rel = 1e-12`.
    pub const F64_DEFAULT: Tolerance = Tolerance {
        abs: 1e-14,
        rel: 1e-12,
    };

    /// [`Tolerance::F64_DEFAULT`] for rounded scalars (`f64`: [`Scalar::KIND`] is
    /// [`ArithmeticKind::Rounded`]), [`Tolerance::EXACT`] for exact and interval ones.
    pub fn default_for<S: Scalar>() -> Tolerance {
        if S::KIND == ArithmeticKind::Rounded {
            Tolerance::F64_DEFAULT
        } else {
            Tolerance::EXACT
        }
    }

    /// Whether both tolerances are zero.
    pub fn is_exact(&self) -> bool {
        self.abs == 0.0 && self.rel == 0.0
    }
}

/// Outcome of comparing `a` with `b`.
///
/// Closed on purpose: a comparison is below, a tie or above (trichotomy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `a < b` (decided, outside the tolerance).
    Below,
    /// A tie: equal, undecided, or within the tolerance.
    Tie,
    /// `a > b` (decided, outside the tolerance).
    Above,
}

/// Compare `a` with `b` under `tol` (see [`Tolerance`]).
pub fn compare<S: Scalar>(a: &S, b: &S, tol: &Tolerance) -> Side {
    let side = match a.cmp3(b) {
        Some(Ordering::Less) => Side::Below,
        Some(Ordering::Greater) => Side::Above,
        _ => return Side::Tie,
    };
    if tol.is_exact() {
        return side;
    }
    let (Ok(abs), Ok(rel)) = (S::from_f64(tol.abs), S::from_f64(tol.rel)) else {
        // A non-finite tolerance: treat everything undecided as a tie, nothing else.
        return side;
    };
    let bound = abs.add(&rel.mul(&a.abs().max(&b.abs())));
    if a.sub(b).abs().le(&bound).is_true() {
        Side::Tie
    } else {
        side
    }
}

/// Whether `v ≥ 0` holds for every point of `v` (decided as `min(v, 0) = 0`, which
/// accepts intervals `[0, b]` that a three-valued `≥` leaves undecided).
pub fn nonnegative<S: Scalar>(v: &S) -> bool {
    v.min(&S::zero()).is_zero().is_true()
}

/// The convex hull of two values when the scalar can represent it: intervals give
/// their hull; other scalars give `Some` only when `a` and `b` are equal.
pub fn hull2<S: Scalar>(a: &S, b: &S) -> Option<S> {
    // The interval views of `crate::scalar` (the one specialisation mechanism).
    if let (Some(x), Some(y)) = (
        S::as_intervals(std::slice::from_ref(a)),
        S::as_intervals(std::slice::from_ref(b)),
    ) {
        let mut h = a.clone();
        if let Some(slot) = S::as_intervals_mut(std::slice::from_mut(&mut h)) {
            slot[0] = x[0].convex_hull(y[0]);
            return Some(h);
        }
    }
    match a.cmp3(b) {
        Some(Ordering::Equal) => Some(a.clone()),
        _ => None,
    }
}

/// `[0, 1]` for intervals (`None` for point scalars): the derivative set of a kink
/// between slopes 0 and 1, as one scalar.
pub fn unit_hull<S: Scalar>() -> Option<S> {
    hull2(&S::zero(), &S::one())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scalar::{Enclosure, Interval};

    #[test]
    fn compare_exact_and_tolerant() {
        let a = rug::Rational::from((1, 3));
        let b = rug::Rational::from((1, 3));
        assert_eq!(compare(&a, &b, &Tolerance::EXACT), Side::Tie);
        let c = rug::Rational::from((1, 3)) + rug::Rational::from((1, 1_000_000_000_000_000i64));
        assert_eq!(compare(&c, &a, &Tolerance::EXACT), Side::Above);
        assert_eq!(
            compare(&(0.1 + 0.2), &0.3, &Tolerance::F64_DEFAULT),
            Side::Tie
        );
        assert_eq!(compare(&(0.1 + 0.2), &0.3, &Tolerance::EXACT), Side::Above);
        assert_eq!(compare(&0.2, &0.3, &Tolerance::F64_DEFAULT), Side::Below);
        let i = Interval::from_bounds(0.0, 1.0).unwrap();
        let j = Interval::from_bounds(0.5, 2.0).unwrap();
        assert_eq!(compare(&i, &j, &Tolerance::EXACT), Side::Tie);
        assert_eq!(Tolerance::default_for::<f64>(), Tolerance::F64_DEFAULT);
        assert_eq!(Tolerance::default_for::<rug::Rational>(), Tolerance::EXACT);
    }

    #[test]
    fn hull_of_intervals_only() {
        let h: Interval = unit_hull().unwrap();
        assert_eq!((h.inf(), h.sup()), (0.0, 1.0));
        assert!(unit_hull::<f64>().is_none());
        assert_eq!(hull2(&2.0, &2.0), Some(2.0));
    }
}
