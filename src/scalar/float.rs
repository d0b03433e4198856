//! `f64`: the fast path. Results are estimates; comparisons treat NaN as undecided.

use super::{Scalar, Transcendental};
use crate::error::{Error, Result};
use std::cmp::Ordering;

impl Scalar for f64 {
    const NAME: &'static str = "f64";
    const KIND: super::ArithmeticKind = super::ArithmeticKind::Rounded;
    fn zero() -> Self {
        0.0
    }
    fn one() -> Self {
        1.0
    }
    fn from_i64(n: i64) -> Self {
        n as f64
    }
    fn from_ratio(num: i64, den: i64) -> Result<Self> {
        if den == 0 {
            return Err(Error::DivisionByZero {
                context: format!("ratio {num}/0"),
            });
        }
        Ok(num as f64 / den as f64)
    }
    fn from_f64(x: f64) -> Result<Self> {
        if x.is_finite() {
            Ok(x)
        } else {
            Err(Error::NonFinite {
                context: format!("f64 value {x}"),
            })
        }
    }
    fn from_rational(q: &rug::Rational) -> Self {
        super::rational_to_f64(q)
    }
    fn to_f64(&self) -> f64 {
        *self
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
        if *rhs == 0.0 || rhs.is_nan() {
            None
        } else {
            Some(self / rhs)
        }
    }
    fn neg(&self) -> Self {
        -self
    }
    fn abs(&self) -> Self {
        f64::abs(*self)
    }
    fn max(&self, rhs: &Self) -> Self {
        f64::max(*self, *rhs)
    }
    fn min(&self, rhs: &Self) -> Self {
        f64::min(*self, *rhs)
    }
    fn sign(&self) -> Option<Ordering> {
        self.partial_cmp(&0.0)
    }
    fn sqrt_upper(&self) -> Self {
        f64::max(*self, 0.0).sqrt()
    }
    fn is_finite(&self) -> bool {
        f64::is_finite(*self)
    }
    fn cmp3(&self, rhs: &Self) -> Option<Ordering> {
        self.partial_cmp(rhs)
    }
    fn mul_add(&self, a: &Self, b: &Self) -> Self {
        f64::mul_add(*a, *b, *self)
    }
    fn as_f64s(xs: &[f64]) -> Option<&[f64]> {
        Some(xs)
    }
    fn as_f64s_mut(xs: &mut [f64]) -> Option<&mut [f64]> {
        Some(xs)
    }
    fn from_f64s(xs: Vec<f64>) -> Option<Vec<f64>> {
        Some(xs)
    }
}

impl Transcendental for f64 {
    fn exp(&self) -> Self {
        f64::exp(*self)
    }
    fn ln(&self) -> Option<Self> {
        if *self > 0.0 {
            Some(f64::ln(*self))
        } else {
            None
        }
    }
}
