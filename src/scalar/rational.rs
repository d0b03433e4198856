//! `rug::Rational`: exact arithmetic over GMP.

use super::{rational_sqrt_upper, Exact, Scalar, Sound};
use crate::error::{Error, Result};
use rug::Rational;
use std::cmp::Ordering;

impl Scalar for Rational {
    const NAME: &'static str = "rug::Rational";
    const KIND: super::ArithmeticKind = super::ArithmeticKind::Exact;
    fn zero() -> Self {
        Rational::new()
    }
    fn one() -> Self {
        Rational::from(1)
    }
    fn from_i64(n: i64) -> Self {
        Rational::from(n)
    }
    fn from_ratio(num: i64, den: i64) -> Result<Self> {
        if den == 0 {
            return Err(Error::DivisionByZero {
                context: format!("ratio {num}/0"),
            });
        }
        Ok(Rational::from((num, den)))
    }
    fn from_f64(x: f64) -> Result<Self> {
        Rational::from_f64(x).ok_or_else(|| Error::NonFinite {
            context: format!("f64 value {x}"),
        })
    }
    fn from_rational(q: &Rational) -> Self {
        q.clone()
    }
    fn to_f64(&self) -> f64 {
        super::rational_to_f64(self)
    }
    fn add(&self, rhs: &Self) -> Self {
        Rational::from(self + rhs)
    }
    fn sub(&self, rhs: &Self) -> Self {
        Rational::from(self - rhs)
    }
    fn mul(&self, rhs: &Self) -> Self {
        Rational::from(self * rhs)
    }
    fn div(&self, rhs: &Self) -> Option<Self> {
        if rhs.cmp0() == Ordering::Equal {
            None
        } else {
            Some(Rational::from(self / rhs))
        }
    }
    fn neg(&self) -> Self {
        Rational::from(-self)
    }
    fn abs(&self) -> Self {
        Rational::from(self.abs_ref())
    }
    fn max(&self, rhs: &Self) -> Self {
        if self >= rhs {
            self.clone()
        } else {
            rhs.clone()
        }
    }
    fn min(&self, rhs: &Self) -> Self {
        if self <= rhs {
            self.clone()
        } else {
            rhs.clone()
        }
    }
    fn sign(&self) -> Option<Ordering> {
        Some(self.cmp0())
    }
    fn sqrt_upper(&self) -> Self {
        rational_sqrt_upper(self)
    }
    fn is_finite(&self) -> bool {
        true
    }
    fn cmp3(&self, rhs: &Self) -> Option<Ordering> {
        Some(self.cmp(rhs))
    }
}

impl Sound for Rational {}

impl Exact for Rational {
    fn to_rational(&self) -> Rational {
        self.clone()
    }
}
