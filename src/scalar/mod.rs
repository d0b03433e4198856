//! One scalar trait for every algorithm: `f64` (fast estimates), exact rationals
//! (`rug::Rational`, `num_rational::BigRational`) and intervals (`inari::Interval`).
//!
//! | type | arithmetic | comparisons | marker |
//! |---|---|---|---|
//! | `f64` | rounded to nearest | decided (NaN: undecided) | none: results are estimates |
//! | `rug::Rational`, `BigRational` | exact | decided | [`Sound`] + [`Exact`] |
//! | `inari::Interval` | outward rounded, encloses the exact result | undecided when intervals overlap | [`Sound`] + [`Enclosure`] |
//!
//! Design (after simba/faer): the base is a field, `Clone` not `Copy` (rationals live
//! on the heap), operations by reference, constants as functions. Operations that
//! are not closed over every scalar live in narrower traits ([`Transcendental`]).
//! Division returns `None` when the divisor is (possibly) zero, so no panic can hide
//! there; comparisons are three-valued ([`Verdict`]) because an interval can straddle.
//! An undecided outcome is never replaced by a value: it becomes a typed error or a
//! wider enclosure (see [`Scalar::div`]).
//!
//! ## Specialisation: one mechanism
//!
//! Algorithms are written once, generically. Where a scalar type needs something of
//! its own, there are exactly two tools, both on [`Scalar`]:
//!
//! - [`Scalar::KIND`] ([`ArithmeticKind`]): the *decision rule* (exact test, certified
//!   enclosure, test with a tolerance), e.g. the default tie tolerance of
//!   `selection::compare` or the vertex pruning of `matset`.
//! - Typed views, slice-level, default `None`: [`Scalar::as_f64s`],
//!   [`Scalar::as_f64s_mut`], [`Scalar::from_f64s`] (overridden by `f64` only) and
//!   [`Scalar::as_intervals`], [`Scalar::as_intervals_mut`], [`Scalar::from_intervals`]
//!   (overridden by `inari::Interval` only). A fast path asks for the view and falls
//!   back to the generic loop on `None`: `Matrix::matmul` reaches nalgebra's product
//!   this way, `matset::dispatch` wraps the same views for whole matrices (the f64
//!   action and distances of `matset` and `excess`), and `selection::compare::hull2`
//!   uses the interval views.
//!
//! There are no `Any` downcasts or `TypeId` comparisons, and this module names nothing
//! above it (no `linalg`, `matset`, …): it depends on `crate::error` only.
//!
//! ## What `Sound` guarantees
//!
//! [`Sound`] (with its refinements [`Exact`] and [`Enclosure`]) is implemented by the
//! rationals and `inari::Interval`, never by `f64`. Every finder in `crate::certify`
//! that turns caller-supplied scalar data into a certificate takes that data as
//! `S: Exact` (written families, weights, bounds, maps) or `S: Enclosure` (interval
//! Jacobian blocks); the remaining ones are typed on non-generic inputs (problem files
//! parsed to rationals, maps over `inari::Interval`, verified floating point with
//! explicit radii) that an `f64` value cannot reach. Passing `f64` data is a compile
//! error, not a run-time refusal:
//!
//! ```compile_fail
//! use piggyback::{certify::contraction, linalg::norms::Norm, Matrix, MatrixSet};
//! let m: Matrix<f64> = Matrix::identity(2);
//! let family = MatrixSet::hull(vec![m]).unwrap();
//! // error: the trait bound `f64: Exact` is not satisfied
//! let _ = contraction::find_norm_bound(&family, Norm::Two, &Default::default());
//! ```

mod bigrational;
pub use bigrational::{big_to_rug, rug_to_big};
mod float;
mod interval;
mod parse;

pub use interval::enclose_rational;
pub use parse::{format_rational, parse_rational, MAX_DIGITS, MAX_EXPONENT};
mod rational;

use crate::error::Result;
use std::cmp::Ordering;
use std::fmt::Debug;

/// Three-valued truth: intervals can leave a comparison undecided.
///
/// Closed on purpose: three-valued logic has exactly these three values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Certainly true (for every point of the operands).
    True,
    /// Certainly false.
    False,
    /// Undecided: true for some points of the operands, false for others (or NaN).
    Unknown,
}

impl Verdict {
    /// `true` only for [`Verdict::True`].
    pub fn is_true(self) -> bool {
        self == Verdict::True
    }
    /// `true` only for [`Verdict::False`].
    pub fn is_false(self) -> bool {
        self == Verdict::False
    }
    /// Both certainly true: `True` only if both are, `False` if either is.
    pub fn and(self, rhs: Verdict) -> Verdict {
        match (self, rhs) {
            (Verdict::False, _) | (_, Verdict::False) => Verdict::False,
            (Verdict::True, Verdict::True) => Verdict::True,
            _ => Verdict::Unknown,
        }
    }
    fn from_ordering(o: Option<Ordering>, want: fn(Ordering) -> bool) -> Verdict {
        match o {
            Some(o) if want(o) => Verdict::True,
            Some(_) => Verdict::False,
            None => Verdict::Unknown,
        }
    }
}

impl std::ops::Not for Verdict {
    type Output = Verdict;
    /// Logical negation (Unknown stays Unknown).
    fn not(self) -> Verdict {
        match self {
            Verdict::True => Verdict::False,
            Verdict::False => Verdict::True,
            Verdict::Unknown => Verdict::Unknown,
        }
    }
}

/// What kind of arithmetic a scalar type performs; algorithms choose their decision
/// rule from it (exact test, certified enclosure, or test with a tolerance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArithmeticKind {
    /// Rounded floating point (`f64`): comparisons need a stated tolerance.
    Rounded,
    /// Exact arithmetic (rationals): comparisons are exact.
    Exact,
    /// Enclosures (intervals): every result contains the exact one.
    Enclosure,
}

/// An ordered field, closed under `+ − × ÷` (division by a nonzero value).
///
/// Implemented for `f64`, [`rug::Rational`], [`num_rational::BigRational`] and
/// [`inari::Interval`]. Interval implementations enclose the exact result of the
/// same operation on any points of the operands; rational ones are exact.
pub trait Scalar: Clone + Debug + Send + Sync + 'static {
    /// Human-readable name of the scalar type, used in reports.
    const NAME: &'static str;
    /// The kind of arithmetic (every implementation must say; there is no default,
    /// so a new scalar type can never be mistaken for an exact one).
    const KIND: ArithmeticKind;
    /// Additive identity.
    fn zero() -> Self;
    /// Multiplicative identity.
    fn one() -> Self;
    /// The integer `n` (exact for rationals and intervals; nearest for f64).
    fn from_i64(n: i64) -> Self;
    /// `num/den`, exact for rationals, enclosed for intervals, nearest for f64.
    /// Errors on `den == 0`.
    fn from_ratio(num: i64, den: i64) -> Result<Self>;
    /// The exact value of a finite `f64` (every finite f64 is a rational number).
    /// Errors on NaN and infinities.
    fn from_f64(x: f64) -> Result<Self>;
    /// An exact rational: exact for rationals, enclosed for intervals, nearest for f64.
    fn from_rational(q: &rug::Rational) -> Self;
    /// Nearest `f64` (intervals: midpoint). An estimate, never used in proofs.
    fn to_f64(&self) -> f64;
    /// `self + rhs`.
    fn add(&self, rhs: &Self) -> Self;
    /// `self − rhs`.
    fn sub(&self, rhs: &Self) -> Self;
    /// `self × rhs`.
    fn mul(&self, rhs: &Self) -> Self;
    /// `self ÷ rhs`, or `None` when `rhs` is zero (intervals: possibly zero).
    ///
    /// For [`Sound`] scalars `None` means *undecided*, not "zero": callers turn it
    /// into a typed error (e.g. [`crate::Error::DivisionByZero`]) or an explicitly
    /// wider enclosure, never into a point value chosen for convenience. Better still,
    /// write the quantity so the divisor is provably nonzero (a softmax as
    /// `1/(1 + Σ exp(lⱼ − l_c))`, whose divisor is `≥ 1`).
    fn div(&self, rhs: &Self) -> Option<Self>;
    /// `−self`.
    fn neg(&self) -> Self;
    /// `|self|`.
    fn abs(&self) -> Self;
    /// `max(self, rhs)` (intervals: the interval extension of max).
    fn max(&self, rhs: &Self) -> Self;
    /// `min(self, rhs)`.
    fn min(&self, rhs: &Self) -> Self;
    /// Sign of `self` if decided: `None` for an interval containing 0 and not equal
    /// to `[0,0]`, and for NaN.
    fn sign(&self) -> Option<Ordering>;
    /// An upper bound of `√max(self, 0)`: the f64 square root (estimate), an interval
    /// enclosing `√x` for every `x ∈ self`, or a rational `r ≥ √self` (within ~1e-15
    /// relative) for rationals.
    fn sqrt_upper(&self) -> Self;
    /// Whether the value is a finite number (intervals: both bounds finite).
    fn is_finite(&self) -> bool;

    /// Three-valued comparison `self ? rhs`, `None` when undecided.
    fn cmp3(&self, rhs: &Self) -> Option<Ordering> {
        self.sub(rhs).sign()
    }
    /// `self < rhs`.
    fn lt(&self, rhs: &Self) -> Verdict {
        Verdict::from_ordering(self.cmp3(rhs), |o| o == Ordering::Less)
    }
    /// `self ≤ rhs`.
    fn le(&self, rhs: &Self) -> Verdict {
        Verdict::from_ordering(self.cmp3(rhs), |o| o != Ordering::Greater)
    }
    /// `self > rhs`.
    fn gt(&self, rhs: &Self) -> Verdict {
        rhs.lt(self)
    }
    /// `self ≥ rhs`.
    fn ge(&self, rhs: &Self) -> Verdict {
        rhs.le(self)
    }
    /// `self = 0`.
    fn is_zero(&self) -> Verdict {
        Verdict::from_ordering(self.sign(), |o| o == Ordering::Equal)
    }
    /// `self²`.
    fn square(&self) -> Self {
        self.mul(self)
    }
    /// `self + a·b` (no fused rounding promised).
    fn mul_add(&self, a: &Self, b: &Self) -> Self {
        self.add(&a.mul(b))
    }

    // Typed views: the one specialisation mechanism (see the module documentation).
    // Each returns `Some` exactly when `Self` *is* the named type, and then the very
    // same memory (or values) re-typed; an implementation that is not that type keeps
    // the default `None`. Only `f64` overrides the f64 views and only
    // `inari::Interval` the interval views.

    /// `xs` viewed as f64s when `Self` is `f64` (fast kernels: BLAS, SIMD loops).
    fn as_f64s(xs: &[Self]) -> Option<&[f64]> {
        let _ = xs;
        None
    }
    /// `xs` viewed as mutable f64s when `Self` is `f64`.
    fn as_f64s_mut(xs: &mut [Self]) -> Option<&mut [f64]> {
        let _ = xs;
        None
    }
    /// f64s re-typed as `Self` (moved, not copied) when `Self` is `f64`.
    fn from_f64s(xs: Vec<f64>) -> Option<Vec<Self>> {
        let _ = xs;
        None
    }
    /// `xs` viewed as intervals when `Self` is `inari::Interval`.
    fn as_intervals(xs: &[Self]) -> Option<&[Interval]> {
        let _ = xs;
        None
    }
    /// `xs` viewed as mutable intervals when `Self` is `inari::Interval`.
    fn as_intervals_mut(xs: &mut [Self]) -> Option<&mut [Interval]> {
        let _ = xs;
        None
    }
    /// Intervals re-typed as `Self` (moved) when `Self` is `inari::Interval`.
    fn from_intervals(xs: Vec<Interval>) -> Option<Vec<Self>> {
        let _ = xs;
        None
    }
}

/// Marker for scalars whose results are proofs: exact rationals and intervals (never
/// `f64`).
///
/// It is a bound, not a comment: the certificate finders of `crate::certify` take their
/// scalar data as `S: Exact` or `S: Enclosure` (both imply `Sound`) or on concrete
/// rational / interval types, so `f64` data cannot reach a certificate (see the module
/// documentation, which has a `compile_fail` example). Implementing `Sound` for a new
/// type is a promise that its arithmetic is exact or encloses the exact result.
pub trait Sound: Scalar {}

/// Exact rational scalars: every value is a rational number, comparisons decided.
pub trait Exact: Sound + PartialEq {
    /// The value as a `rug::Rational`.
    fn to_rational(&self) -> rug::Rational;
    /// Total order (always decided for exact scalars).
    fn cmp_exact(&self, rhs: &Self) -> Ordering {
        // Exact scalars always decide their sign.
        self.cmp3(rhs).unwrap_or(Ordering::Equal)
    }
}

/// Interval scalars: a closed set of reals enclosing an unknown exact value.
pub trait Enclosure: Sound {
    /// Lower bound.
    fn inf(&self) -> f64;
    /// Upper bound.
    fn sup(&self) -> f64;
    /// Smallest enclosure of both operands.
    fn hull(&self, rhs: &Self) -> Self;
    /// The interval `[lo, hi]`; errors unless `lo ≤ hi` are finite.
    fn from_bounds(lo: f64, hi: f64) -> Result<Self>;
    /// Whether the exact rational `q` lies in the interval.
    fn contains_rational(&self, q: &rug::Rational) -> bool {
        let lo = rug::Rational::from_f64(self.inf());
        let hi = rug::Rational::from_f64(self.sup());
        match (lo, hi) {
            (Some(lo), Some(hi)) => lo <= *q && *q <= hi,
            _ => false,
        }
    }
    /// Width `sup − inf` (rounded up).
    fn width(&self) -> f64;
    /// Whether `self ⊆ rhs`.
    fn subset_of(&self, rhs: &Self) -> bool {
        rhs.inf() <= self.inf() && self.sup() <= rhs.sup()
    }
    /// Whether `self` lies in the interior of `rhs` (strict on both ends).
    fn interior_of(&self, rhs: &Self) -> bool {
        rhs.inf() < self.inf() && self.sup() < rhs.sup()
    }
}

/// Scalars with `exp`/`ln`: f64 and intervals (not closed over the rationals).
pub trait Transcendental: Scalar {
    /// `e^self`.
    fn exp(&self) -> Self;
    /// `ln(self)`, `None` unless `self > 0` is decided.
    fn ln(&self) -> Option<Self>;
}

pub use num_rational::BigRational;
pub use rug::Rational;

/// The interval scalar.
pub type Interval = inari::Interval;

/// Sum of a slice of scalars.
pub fn sum<S: Scalar>(xs: &[S]) -> S {
    xs.iter().fold(S::zero(), |acc, x| acc.add(x))
}

/// Dot product `Σ xᵢ yᵢ`; errors when the lengths differ.
pub fn dot<S: Scalar>(x: &[S], y: &[S]) -> Result<S> {
    if x.len() != y.len() {
        return Err(crate::Error::DimensionMismatch {
            op: "dot",
            left: (x.len(), 1),
            right: (y.len(), 1),
        });
    }
    Ok(x.iter()
        .zip(y)
        .fold(S::zero(), |acc, (a, b)| acc.mul_add(a, b)))
}

/// Convert a slice of f64 to scalars exactly, rejecting NaN and infinities.
pub fn vec_from_f64<S: Scalar>(xs: &[f64]) -> Result<Vec<S>> {
    xs.iter().map(|&x| S::from_f64(x)).collect()
}

/// Convert a slice of scalars to their f64 estimates.
pub fn vec_to_f64<S: Scalar>(xs: &[S]) -> Vec<f64> {
    xs.iter().map(|x| x.to_f64()).collect()
}

/// The `f64` nearest to an exact rational (ties to even; ±∞ beyond the f64 range;
/// correctly rounded in the subnormal range too).
/// (`rug::Rational::to_f64` truncates toward zero, which is not what an estimate wants.
/// A 53-bit `Float` has an unbounded exponent, so a subnormal result is rounded twice
/// unless it is subnormalized with the first rounding's direction.)
pub fn rational_to_f64(q: &rug::Rational) -> f64 {
    let (mut f, dir) = rug::Float::with_val_round(53, q, rug::float::Round::Nearest);
    f.subnormalize_ieee_round(dir, rug::float::Round::Nearest);
    f.to_f64()
}

/// A rational upper bound of `√q` for `q ≥ 0` (0 for `q ≤ 0`), within about 1e-15
/// relative: the f64 square root rounded up, then nudged until `r² ≥ q` holds exactly.
pub fn rational_sqrt_upper(q: &rug::Rational) -> rug::Rational {
    if *q <= 0 {
        return rug::Rational::new();
    }
    let approx = rug::Float::with_val_round(64, q, rug::float::Round::Up).0;
    // An infinite f64 root (q beyond the f64 range) starts at 1: only a start, the
    // loop below raises r until r² ≥ q holds exactly.
    let mut r = rug::Rational::from_f64(approx.to_f64_round(rug::float::Round::Up).sqrt())
        .unwrap_or_else(|| rug::Rational::from(1u32));
    let mut bump = rug::Rational::from((1u32, 1u64 << 50)) * &r;
    if bump == 0 {
        bump = rug::Rational::from((1u32, 1u64 << 50));
    }
    while rug::Rational::from(&r * &r) < *q {
        r += &bump;
        bump *= 2u32;
    }
    r
}

#[cfg(test)]
mod tests;
