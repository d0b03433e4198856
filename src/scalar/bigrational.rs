//! `num_rational::BigRational`: exact arithmetic in pure Rust (no GMP), used to
//! cross-check `rug::Rational` and by users who cannot link GMP-backed code paths.

use super::{rational_sqrt_upper, Exact, Scalar, Sound};
use crate::error::{Error, Result};
use num_bigint::{BigInt, Sign};
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use std::cmp::Ordering;

fn bigint_to_rug(x: &BigInt) -> rug::Integer {
    let (sign, digits) = x.to_u32_digits();
    let mut i = rug::Integer::from_digits(&digits, rug::integer::Order::Lsf);
    if sign == Sign::Minus {
        i = -i;
    }
    i
}

fn rug_to_bigint(x: &rug::Integer) -> BigInt {
    let digits: Vec<u32> = x.to_digits(rug::integer::Order::Lsf);
    let sign = match x.cmp0() {
        Ordering::Less => Sign::Minus,
        Ordering::Equal => Sign::NoSign,
        Ordering::Greater => Sign::Plus,
    };
    BigInt::from_slice(sign, &digits)
}

/// Convert a `BigRational` to a `rug::Rational` exactly.
pub fn big_to_rug(q: &BigRational) -> rug::Rational {
    rug::Rational::from((bigint_to_rug(q.numer()), bigint_to_rug(q.denom())))
}

/// Convert a `rug::Rational` to a `BigRational` exactly.
pub fn rug_to_big(q: &rug::Rational) -> BigRational {
    BigRational::new(rug_to_bigint(q.numer()), rug_to_bigint(q.denom()))
}

impl Scalar for BigRational {
    const NAME: &'static str = "num_rational::BigRational";
    const KIND: super::ArithmeticKind = super::ArithmeticKind::Exact;
    fn zero() -> Self {
        <BigRational as Zero>::zero()
    }
    fn one() -> Self {
        <BigRational as One>::one()
    }
    fn from_i64(n: i64) -> Self {
        BigRational::from_integer(BigInt::from(n))
    }
    fn from_ratio(num: i64, den: i64) -> Result<Self> {
        if den == 0 {
            return Err(Error::DivisionByZero {
                context: format!("ratio {num}/0"),
            });
        }
        Ok(BigRational::new(BigInt::from(num), BigInt::from(den)))
    }
    fn from_f64(x: f64) -> Result<Self> {
        let q = rug::Rational::from_f64(x).ok_or_else(|| Error::NonFinite {
            context: format!("f64 value {x}"),
        })?;
        Ok(rug_to_big(&q))
    }
    fn from_rational(q: &rug::Rational) -> Self {
        rug_to_big(q)
    }
    fn to_f64(&self) -> f64 {
        super::rational_to_f64(&big_to_rug(self))
    }
    fn add(&self, rhs: &Self) -> Self {
        self + rhs
    }
    fn sub(&self, rhs: &Self) -> Self {
        self - rhs
    }
    fn mul(&self, rhs: &Self) -> Self {
        self * rhs
    }
    fn div(&self, rhs: &Self) -> Option<Self> {
        if Zero::is_zero(rhs) {
            None
        } else {
            Some(self / rhs)
        }
    }
    fn neg(&self) -> Self {
        -self
    }
    fn abs(&self) -> Self {
        Signed::abs(self)
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
        Some(self.cmp(&<BigRational as Zero>::zero()))
    }
    fn sqrt_upper(&self) -> Self {
        rug_to_big(&rational_sqrt_upper(&big_to_rug(self)))
    }
    fn is_finite(&self) -> bool {
        true
    }
    fn cmp3(&self, rhs: &Self) -> Option<Ordering> {
        Some(self.cmp(rhs))
    }
}

impl Sound for BigRational {}

impl Exact for BigRational {
    fn to_rational(&self) -> rug::Rational {
        big_to_rug(self)
    }
}
