//! Dual numbers over the rationals, `v + ε·d` with `ε > 0` infinitesimal: a
//! [`Scalar`] that makes any map written generically over `S: Scalar` return its
//! exact one-sided directional derivative.
//!
//! # What it computes
//! Evaluate `F` at `Dual { v: zᵢ, d: dᵢ }`: the `v` parts are `F(z)` and the `d`
//! parts are the **right** directional derivative `F'(z; d) = lim_{t→0⁺}
//! (F(z + t d) − F(z))/t`, exactly. Comparisons are lexicographic — `sign(v + ε d)`
//! is `sign(v)` if `v ≠ 0`, else `sign(d)` — which is the order of `z + t d` for all
//! small `t > 0`: at a kink the branch chosen is the piece active just to the side of
//! `d`, so ties are broken by the direction (`relu` at `0` along `d = −1` takes the
//! zero piece and returns `0`; along `d = 1` it returns `1`). When both parts are zero
//! the tie branch is taken; the result is still exact for continuous selections whose
//! switching functions have a nonzero gradient (the pieces then agree to first order
//! there), and may not be otherwise (e.g. branching on `x² > 0` at `x = 0`).
//! `sqrt_upper` is not exact (its derivative part uses the value's upper bound).
//!
//! # Which piece is active: recorded branches
//! Every comparison a `Dual` computation makes goes through [`Scalar::sign`]. Inside
//! [`record_branches`], each one is logged as a [`Branch`] (the compared quantity's
//! value and tangent). The sequence of their sides identifies the active piece of a
//! selection (two points of a line with the same sequence lie on the same piece), and
//! `−v/d` is where the compared quantity's tangent line crosses zero: the exact next
//! breakpoint along the line when the switching functions are affine in the input,
//! a Newton estimate otherwise. The audit uses this to locate kinks exactly. The log
//! is per thread: comparisons a computation makes on other threads are not recorded
//! (kinks are then located less often, never wrongly reported).

use crate::error::Result;
use crate::scalar::{ArithmeticKind, Scalar};
use rug::Rational;
use std::cell::RefCell;
use std::cmp::Ordering;

/// One comparison made by a [`Dual`] computation: the sign of `v + ε·d` was asked.
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    /// Value of the compared quantity.
    pub v: Rational,
    /// Its tangent (derivative along the seeded direction).
    pub d: Rational,
}

impl Branch {
    /// The side taken: `sign(v)`, or `sign(d)` when `v = 0` (lexicographic).
    pub fn side(&self) -> Ordering {
        match self.v.cmp0() {
            Ordering::Equal => self.d.cmp0(),
            o => o,
        }
    }
    /// `s = −v/d` when it is positive: the step along the seeded direction at which
    /// the tangent line of the compared quantity crosses zero.
    pub fn crossing(&self) -> Option<Rational> {
        if self.d == 0 || self.v == 0 {
            return None;
        }
        let s = Rational::from(-&self.v) / &self.d;
        (s > 0).then_some(s)
    }
}

thread_local! {
    static BRANCHES: RefCell<Option<Vec<Branch>>> = const { RefCell::new(None) };
}

/// Run `f` and return, with its result, every comparison [`Dual`] numbers made on this
/// thread while it ran (nested calls each get their own log).
pub fn record_branches<R>(f: impl FnOnce() -> R) -> (R, Vec<Branch>) {
    let outer = BRANCHES.with(|b| b.borrow_mut().replace(Vec::new()));
    let r = f();
    let log = BRANCHES.with(|b| std::mem::replace(&mut *b.borrow_mut(), outer));
    (r, log.unwrap_or_default())
}

fn log_branch(v: &Rational, d: &Rational) {
    BRANCHES.with(|b| {
        if let Some(log) = b.borrow_mut().as_mut() {
            log.push(Branch {
                v: v.clone(),
                d: d.clone(),
            });
        }
    });
}

/// `v + ε·d` with exact rational parts (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Dual {
    /// Value part.
    pub v: Rational,
    /// Derivative (tangent) part.
    pub d: Rational,
}

impl Dual {
    /// A constant (zero tangent).
    pub fn constant(v: Rational) -> Self {
        Dual {
            v,
            d: Rational::new(),
        }
    }
    /// `v + ε d`.
    pub fn new(v: Rational, d: Rational) -> Self {
        Dual { v, d }
    }
    /// Seed a point and direction: `zᵢ + ε dᵢ`.
    pub fn seed(z: &[Rational], d: &[Rational]) -> Vec<Dual> {
        z.iter()
            .zip(d)
            .map(|(a, b)| Dual::new(a.clone(), b.clone()))
            .collect()
    }
    /// Split into value and tangent vectors.
    pub fn split(xs: &[Dual]) -> (Vec<Rational>, Vec<Rational>) {
        xs.iter().map(|x| (x.v.clone(), x.d.clone())).unzip()
    }
}

impl Scalar for Dual {
    const NAME: &'static str = "Dual<rug::Rational>";
    /// Exact: both parts are exact rationals and comparisons (lexicographic) are decided.
    const KIND: ArithmeticKind = ArithmeticKind::Exact;
    fn zero() -> Self {
        Dual::constant(Rational::new())
    }
    fn one() -> Self {
        Dual::constant(Rational::from(1))
    }
    fn from_i64(n: i64) -> Self {
        Dual::constant(Rational::from(n))
    }
    fn from_ratio(num: i64, den: i64) -> Result<Self> {
        Ok(Dual::constant(<Rational as Scalar>::from_ratio(num, den)?))
    }
    fn from_f64(x: f64) -> Result<Self> {
        Ok(Dual::constant(<Rational as Scalar>::from_f64(x)?))
    }
    fn from_rational(q: &Rational) -> Self {
        Dual::constant(q.clone())
    }
    fn to_f64(&self) -> f64 {
        crate::scalar::rational_to_f64(&self.v)
    }
    fn add(&self, rhs: &Self) -> Self {
        Dual::new(
            Rational::from(&self.v + &rhs.v),
            Rational::from(&self.d + &rhs.d),
        )
    }
    fn sub(&self, rhs: &Self) -> Self {
        Dual::new(
            Rational::from(&self.v - &rhs.v),
            Rational::from(&self.d - &rhs.d),
        )
    }
    fn mul(&self, rhs: &Self) -> Self {
        Dual::new(
            Rational::from(&self.v * &rhs.v),
            Rational::from(&self.v * &rhs.d) + Rational::from(&self.d * &rhs.v),
        )
    }
    fn div(&self, rhs: &Self) -> Option<Self> {
        if rhs.v == 0 {
            return None;
        }
        let v = Rational::from(&self.v / &rhs.v);
        // (a + εb)/(c + εe) = a/c + ε (b − (a/c) e)/c.
        let d = (&self.d - Rational::from(&v * &rhs.d)) / &rhs.v;
        Some(Dual::new(v, d))
    }
    fn neg(&self) -> Self {
        Dual::new(Rational::from(-&self.v), Rational::from(-&self.d))
    }
    fn abs(&self) -> Self {
        if self.sign() == Some(Ordering::Less) {
            self.neg()
        } else {
            self.clone()
        }
    }
    fn max(&self, rhs: &Self) -> Self {
        if self.cmp3(rhs) == Some(Ordering::Less) {
            rhs.clone()
        } else {
            self.clone()
        }
    }
    fn min(&self, rhs: &Self) -> Self {
        if self.cmp3(rhs) == Some(Ordering::Greater) {
            rhs.clone()
        } else {
            self.clone()
        }
    }
    /// Lexicographic: `sign(v)`, or `sign(d)` when `v = 0`. Logged inside
    /// [`record_branches`].
    fn sign(&self) -> Option<Ordering> {
        log_branch(&self.v, &self.d);
        Some(match self.v.cmp0() {
            Ordering::Equal => self.d.cmp0(),
            o => o,
        })
    }
    fn sqrt_upper(&self) -> Self {
        let r = self.v.sqrt_upper();
        let d = if r > 0 {
            &self.d / Rational::from(&r * 2u32)
        } else {
            Rational::new()
        };
        Dual::new(r, d)
    }
    fn is_finite(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relu<S: Scalar>(x: &S) -> S {
        x.max(&S::zero())
    }

    #[test]
    fn one_sided_by_direction() {
        let x = Dual::new(Rational::new(), Rational::from(1));
        assert_eq!(relu(&x).d, 1);
        let x = Dual::new(Rational::new(), Rational::from(-1));
        assert_eq!(relu(&x).d, 0);
        // relu(−x) + x − relu(x) ≡ 0: derivative 0 in both directions at 0.
        for s in [1, -1] {
            let x = Dual::new(Rational::new(), Rational::from(s));
            let y = relu(&x.neg()).add(&x).sub(&relu(&x));
            assert_eq!(y.d, 0);
        }
    }

    #[test]
    fn branches_are_recorded_with_crossings() {
        // relu(x − 1/2) at x = 0 along d = 2: one comparison, value −1/2, tangent 2;
        // the kink is reached after s = 1/4 (x = 1/2).
        let x = Dual::new(Rational::new(), Rational::from(2));
        let (y, log) = record_branches(|| relu(&x.sub(&Dual::from_ratio(1, 2).unwrap())));
        assert_eq!(y.d, 0);
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].side(), Ordering::Less);
        assert_eq!(log[0].crossing(), Some(Rational::from((1, 4))));
        // Nothing is logged outside a recording, and nesting keeps logs apart.
        let (_, outer) = record_branches(|| {
            let _ = relu(&x);
            let (_, inner) = record_branches(|| relu(&x));
            assert_eq!(inner.len(), 1);
        });
        assert_eq!(outer.len(), 1);
        let _ = relu(&x);
    }

    #[test]
    fn quotient_rule() {
        // d/dt (1 + t)/(2 + 3t) at 0 = (1·2 − 1·3)/4 = −1/4.
        let one = Dual::one();
        let t = Dual::new(Rational::new(), Rational::from(1));
        let num = one.add(&t);
        let den = Dual::from_i64(2).add(&Dual::from_i64(3).mul(&t));
        let q = num.div(&den).unwrap();
        assert_eq!(q.v, Rational::from((1, 2)));
        assert_eq!(q.d, Rational::from((-1, 4)));
    }
}
