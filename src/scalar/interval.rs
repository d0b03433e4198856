//! `inari::Interval`: outward-rounded interval arithmetic. Every result encloses the
//! exact result for any points of the operands. Empty intervals never arise from
//! finite inputs; they are treated as non-finite.

use super::{Enclosure, Scalar, Sound, Transcendental};
use crate::error::{Error, Result};
use inari::Interval;
use rug::float::Round;
use std::cmp::Ordering;

/// Smallest f64 interval enclosing an exact rational (each bound rounded once,
/// directly from the exact value, in its own direction).
pub fn enclose_rational(q: &rug::Rational) -> Interval {
    let lo = rug::Float::with_val_round(53, q, Round::Down)
        .0
        .to_f64_round(Round::Down);
    let hi = rug::Float::with_val_round(53, q, Round::Up)
        .0
        .to_f64_round(Round::Up);
    // lo ≤ q ≤ hi always (never NaN); should inari refuse the pair anyway, the whole
    // line is still an enclosure of q.
    Interval::try_from((lo, hi)).unwrap_or(Interval::ENTIRE)
}

impl Scalar for Interval {
    const NAME: &'static str = "inari::Interval";
    const KIND: super::ArithmeticKind = super::ArithmeticKind::Enclosure;
    fn zero() -> Self {
        inari::const_interval!(0.0, 0.0)
    }
    fn one() -> Self {
        inari::const_interval!(1.0, 1.0)
    }
    fn from_i64(n: i64) -> Self {
        enclose_rational(&rug::Rational::from(n))
    }
    fn from_ratio(num: i64, den: i64) -> Result<Self> {
        if den == 0 {
            return Err(Error::DivisionByZero {
                context: format!("ratio {num}/0"),
            });
        }
        Ok(enclose_rational(&rug::Rational::from((num, den))))
    }
    fn from_f64(x: f64) -> Result<Self> {
        if !x.is_finite() {
            return Err(Error::NonFinite {
                context: format!("f64 value {x}"),
            });
        }
        Interval::try_from((x, x)).map_err(|_| Error::NonFinite {
            context: format!("f64 value {x}"),
        })
    }
    fn from_rational(q: &rug::Rational) -> Self {
        enclose_rational(q)
    }
    fn to_f64(&self) -> f64 {
        self.mid()
    }
    fn add(&self, rhs: &Self) -> Self {
        *self + *rhs
    }
    fn sub(&self, rhs: &Self) -> Self {
        *self - *rhs
    }
    fn mul(&self, rhs: &Self) -> Self {
        *self * *rhs
    }
    fn div(&self, rhs: &Self) -> Option<Self> {
        if rhs.is_empty() || rhs.contains(0.0) {
            None
        } else {
            Some(*self / *rhs)
        }
    }
    fn neg(&self) -> Self {
        -*self
    }
    fn abs(&self) -> Self {
        Interval::abs(*self)
    }
    fn max(&self, rhs: &Self) -> Self {
        Interval::max(*self, *rhs)
    }
    fn min(&self, rhs: &Self) -> Self {
        Interval::min(*self, *rhs)
    }
    fn sign(&self) -> Option<Ordering> {
        if self.is_empty() {
            None
        } else if self.inf() > 0.0 {
            Some(Ordering::Greater)
        } else if self.sup() < 0.0 {
            Some(Ordering::Less)
        } else if self.inf() == 0.0 && self.sup() == 0.0 {
            Some(Ordering::Equal)
        } else {
            None
        }
    }
    fn sqrt_upper(&self) -> Self {
        Interval::sqrt(Interval::max(*self, Self::zero()))
    }
    fn is_finite(&self) -> bool {
        !self.is_empty() && self.inf().is_finite() && self.sup().is_finite()
    }
    fn mul_add(&self, a: &Self, b: &Self) -> Self {
        Interval::mul_add(*a, *b, *self)
    }
    fn as_intervals(xs: &[Interval]) -> Option<&[Interval]> {
        Some(xs)
    }
    fn as_intervals_mut(xs: &mut [Interval]) -> Option<&mut [Interval]> {
        Some(xs)
    }
    fn from_intervals(xs: Vec<Interval>) -> Option<Vec<Interval>> {
        Some(xs)
    }
}

impl Sound for Interval {}

impl Enclosure for Interval {
    fn inf(&self) -> f64 {
        Interval::inf(*self)
    }
    fn sup(&self) -> f64 {
        Interval::sup(*self)
    }
    fn hull(&self, rhs: &Self) -> Self {
        self.convex_hull(*rhs)
    }
    fn from_bounds(lo: f64, hi: f64) -> Result<Self> {
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(Error::NonFinite {
                context: format!("interval [{lo}, {hi}]"),
            });
        }
        Interval::try_from((lo, hi)).map_err(|_| Error::BoundsOutOfOrder {
            what: format!("interval [{lo}, {hi}]"),
            entry: (0, 0),
        })
    }
    fn width(&self) -> f64 {
        self.wid()
    }
}

impl Transcendental for Interval {
    fn exp(&self) -> Self {
        Interval::exp(*self)
    }
    fn ln(&self) -> Option<Self> {
        if self.inf() > 0.0 {
            Some(Interval::ln(*self))
        } else {
            None
        }
    }
}
