//! Which kind of arithmetic a scalar type does (its declared [`Scalar::KIND`]), and
//! downcasts for conversions to/from `inari::Interval` and `f64` for the fast paths.
//!
//! Generic algorithms stay written once; only the *decision rule* (exact, with a
//! tolerance, or certify-after-an-f64-solve) depends on the kind.

use crate::linalg::Matrix;
use crate::scalar::{ArithmeticKind, Interval, Scalar};
use std::any::Any;

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
    (x as &dyn Any).downcast_ref::<Interval>().copied()
}

/// An interval as `S` when `S` is the interval type.
pub(crate) fn from_interval<S: Scalar>(x: Interval) -> Option<S> {
    let mut slot: Option<Interval> = Some(x);
    (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<S>>()
        .and_then(|s| s.take())
}

/// `m` viewed as an f64 matrix when `S` is `f64` (the fast paths).
pub(crate) fn as_f64_matrix<S: Scalar>(m: &Matrix<S>) -> Option<&Matrix<f64>> {
    (m as &dyn Any).downcast_ref::<Matrix<f64>>()
}

/// An f64 as `S` when `S` is `f64`.
pub(crate) fn from_f64_value<S: Scalar>(x: f64) -> Option<S> {
    let mut slot: Option<f64> = Some(x);
    (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<S>>()
        .and_then(|s| s.take())
}

/// `x` re-typed as `T` when `T` is its own type (a downcast helper).
pub(crate) fn cast<T: 'static, U: 'static>(x: U) -> Option<T> {
    let mut slot: Option<U> = Some(x);
    (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<T>>()
        .and_then(|s| s.take())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scalar::{BigRational, Rational};

    #[test]
    fn kinds_and_casts() {
        assert_eq!(kind::<f64>(), Kind::Float);
        assert_eq!(kind::<Interval>(), Kind::Interval);
        assert_eq!(kind::<Rational>(), Kind::Exact);
        assert_eq!(kind::<BigRational>(), Kind::Exact);
        assert_eq!(from_f64_value::<f64>(2.5), Some(2.5));
        assert!(from_f64_value::<Rational>(2.5).is_none());
        let iv = Interval::from_ratio(1, 3).ok();
        assert!(iv.and_then(from_interval::<Interval>).is_some());
        assert!(as_interval(&Rational::from(1)).is_none());
        assert!(as_f64_matrix(&Matrix::<f64>::zeros(1, 1)).is_some());
        assert!(as_f64_matrix(&Matrix::<Rational>::zeros(1, 1)).is_none());
        assert_eq!(cast::<u8, u8>(7), Some(7));
        assert_eq!(cast::<u16, u8>(7), None);
    }
}
