//! Scalar building blocks as continuous selections of smooth pieces, each with its
//! value, its active pieces' gradients and the AD convention at kinks.
//!
//! | primitive | inputs | pieces (gradient) | AD at the kink |
//! |---|---|---|---|
//! | [`Abs`] | `z` | `z` (1), `−z` (−1) | 0 (`sign(0) = 0`, PyTorch/JAX) |
//! | [`Relu`] | `z` | `z` (1), `0` (0) | 0 |
//! | [`Max`] | `z₁..z_k` | `zᵢ` (`eᵢ`) | first maximiser (`torch.max`) |
//! | [`SoftThreshold`] | `z, τ` | `z−τ` (1,−1), `0`, `z+τ` (1,1) | 0 |
//! | [`ElasticNetProx`] | `z, λ₁, λ₂` | `(z ∓ γλ₁)c`, `0`, `c = 1/(1+γλ₂)` | 0 |
//! | [`Clip`] | `z` | `lo` (0), `z` (1), `hi` (0) | 0 (outside piece) |
//! | [`Hinge`] | `z` | `0` (0), `1 − z` (−1) | 0 |
//! | [`PwQuadratic`] | `x` | `x²/2` (`x`), `x²/8` (`x/4`) | `x ≥ 0` branch (both 0 at 0) |
//! | [`PwQuadraticDerivative`] | `x` | `x` (1), `x/4` (1/4) | `x ≥ 0` branch: 1 |
//!
//! Over intervals an undecided AD branch returns the hull of the candidate gradients.
//! Values use `max`/`min` forms (e.g. `S_τ(z) = max(z−τ, 0) + min(z+τ, 0)`) so interval
//! inputs get enclosures of every piece that may be active.

use super::compare::{compare, Side, Tolerance};
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use std::cmp::Ordering;

/// Soft-thresholding `S_τ(z) = sign(z) max(|z| − τ, 0)` for `τ ≥ 0`, written as
/// `max(z − τ, 0) + min(z + τ, 0)` so that intervals get a tight enclosure.
pub fn soft_threshold<S: Scalar>(z: &S, tau: &S) -> S {
    z.sub(tau).max(&S::zero()).add(&z.add(tau).min(&S::zero()))
}

/// A scalar-valued continuous selection of smooth pieces of a few inputs.
pub trait PiecewiseScalar<S: Scalar> {
    /// Number of inputs.
    fn arity(&self) -> usize;
    /// The value (over intervals: an enclosure of every possibly active piece).
    fn value(&self, x: &[S]) -> Result<S>;
    /// Gradients of the pieces active at `x` under `tol` (exact, possibly active, or
    /// with tolerance); duplicates removed where equal.
    fn active_gradients(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>>;
    /// The gradient automatic differentiation returns (the documented convention).
    fn ad_gradient(&self, x: &[S]) -> Result<Vec<S>>;
}

fn check_arity<S: Scalar>(x: &[S], k: usize, what: &'static str) -> Result<()> {
    if x.len() != k {
        return Err(Error::DimensionMismatch {
            op: what,
            left: (k, 1),
            right: (x.len(), 1),
        });
    }
    if !x.iter().all(|v| v.is_finite()) {
        return Err(Error::NonFinite {
            context: what.to_string(),
        });
    }
    Ok(())
}

fn int<S: Scalar>(n: i64) -> S {
    S::from_i64(n)
}

/// `a` if the condition holds, `b` if not; undecided (intervals): the hull of both.
fn choose<S: Scalar>(cond: crate::scalar::Verdict, a: S, b: S) -> S {
    match cond {
        crate::scalar::Verdict::True => a,
        crate::scalar::Verdict::False => b,
        // invariant: only intervals (which have hulls) or NaN (rejected on input) are undecided.
        crate::scalar::Verdict::Unknown => super::compare::hull2(&a, &b).unwrap_or(b),
    }
}

/// Two-piece kink at `z = 0`: slope `below` for `z < 0`, `above` for `z > 0`.
fn kink_gradients<S: Scalar>(z: &S, below: S, above: S, tol: &Tolerance) -> Vec<Vec<S>> {
    match compare(z, &S::zero(), tol) {
        Side::Above => vec![vec![above]],
        Side::Below => vec![vec![below]],
        Side::Tie => vec![vec![above], vec![below]],
    }
}

/// `|z|`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Abs;

impl<S: Scalar> PiecewiseScalar<S> for Abs {
    fn arity(&self) -> usize {
        1
    }
    fn value(&self, x: &[S]) -> Result<S> {
        check_arity(x, 1, "abs")?;
        Ok(x[0].abs())
    }
    fn active_gradients(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>> {
        check_arity(x, 1, "abs")?;
        Ok(kink_gradients(&x[0], int(-1), int(1), tol))
    }
    fn ad_gradient(&self, x: &[S]) -> Result<Vec<S>> {
        check_arity(x, 1, "abs")?;
        Ok(vec![match x[0].sign() {
            Some(Ordering::Greater) => int(1),
            Some(Ordering::Less) => int(-1),
            Some(Ordering::Equal) => S::zero(),
            None => choose(crate::scalar::Verdict::Unknown, int(-1), int(1)),
        }])
    }
}

/// `relu(z) = max(z, 0)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Relu;

impl<S: Scalar> PiecewiseScalar<S> for Relu {
    fn arity(&self) -> usize {
        1
    }
    fn value(&self, x: &[S]) -> Result<S> {
        check_arity(x, 1, "relu")?;
        Ok(x[0].max(&S::zero()))
    }
    fn active_gradients(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>> {
        check_arity(x, 1, "relu")?;
        Ok(kink_gradients(&x[0], S::zero(), int(1), tol))
    }
    fn ad_gradient(&self, x: &[S]) -> Result<Vec<S>> {
        check_arity(x, 1, "relu")?;
        Ok(vec![choose(x[0].gt(&S::zero()), int(1), S::zero())])
    }
}

/// `max(z₁, …, z_k)`.
#[derive(Clone, Copy, Debug)]
pub struct Max(pub usize);

impl<S: Scalar> PiecewiseScalar<S> for Max {
    fn arity(&self) -> usize {
        self.0
    }
    fn value(&self, x: &[S]) -> Result<S> {
        check_arity(x, self.0, "max")?;
        let first = x.first().ok_or_else(|| Error::Empty {
            what: "the inputs of max".into(),
        })?;
        Ok(x.iter().skip(1).fold(first.clone(), |m, v| m.max(v)))
    }
    fn active_gradients(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>> {
        check_arity(x, self.0, "max")?;
        let unit = |i: usize| {
            (0..self.0)
                .map(|j| if i == j { int(1) } else { S::zero() })
                .collect()
        };
        // Piece i is (possibly) active unless z_i is decidedly below the max of the others.
        Ok((0..self.0)
            .filter(|&i| {
                let others = x
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, v)| v);
                let rest = others.fold(None::<S>, |acc, v| {
                    Some(acc.map_or(v.clone(), |a| a.max(v)))
                });
                rest.map_or(true, |r| compare(&x[i], &r, tol) != Side::Below)
            })
            .map(unit)
            .collect())
    }
    fn ad_gradient(&self, x: &[S]) -> Result<Vec<S>> {
        check_arity(x, self.0, "max")?;
        let mut best = 0;
        for i in 1..self.0 {
            if x[i].gt(&x[best]).is_true() {
                best = i;
            }
        }
        Ok((0..self.0)
            .map(|j| if j == best { int(1) } else { S::zero() })
            .collect())
    }
}

/// Soft-thresholding `(z, τ) ↦ S_τ(z)` for `τ ≥ 0`, with its Jacobian in `z` and in `τ`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SoftThreshold;

/// Active pieces of soft-thresholding at `(z, τ)`: gradients in `(z, τ)` of `z − τ`,
/// `0`, `z + τ`.
fn soft_pieces<S: Scalar>(z: &S, tau: &S, tol: &Tolerance) -> Vec<Vec<S>> {
    let upper = compare(z, tau, tol);
    let lower = compare(z, &tau.neg(), tol);
    let mut out = Vec::new();
    if upper != Side::Below {
        out.push(vec![int(1), int(-1)]);
    }
    if upper != Side::Above && lower != Side::Below {
        out.push(vec![S::zero(), S::zero()]);
    }
    if lower != Side::Above {
        out.push(vec![int(1), int(1)]);
    }
    out
}

fn soft_ad<S: Scalar>(z: &S, tau: &S) -> Vec<S> {
    let up = z.gt(tau);
    let down = z.lt(&tau.neg());
    if up.is_true() {
        vec![int(1), int(-1)]
    } else if down.is_true() {
        vec![int(1), int(1)]
    } else {
        // Zero piece, or (intervals) the hull with the possibly active outer pieces.
        let gz = choose(up, int(1), S::zero());
        let gz = choose(down, int(1), gz);
        let gt = choose(up, int(-1), S::zero());
        let gt = choose(down, int(1), gt);
        vec![gz, gt]
    }
}

fn check_tau<S: Scalar>(tau: &S) -> Result<()> {
    if crate::selection::nonnegative(tau) {
        Ok(())
    } else {
        Err(Error::parameter(
            "soft-threshold: τ",
            format!("{tau:?}"),
            "≥ 0",
        ))
    }
}

impl<S: Scalar> PiecewiseScalar<S> for SoftThreshold {
    fn arity(&self) -> usize {
        2
    }
    fn value(&self, x: &[S]) -> Result<S> {
        check_arity(x, 2, "soft-threshold")?;
        check_tau(&x[1])?;
        Ok(soft_threshold(&x[0], &x[1]))
    }
    fn active_gradients(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>> {
        check_arity(x, 2, "soft-threshold")?;
        check_tau(&x[1])?;
        Ok(soft_pieces(&x[0], &x[1], tol))
    }
    fn ad_gradient(&self, x: &[S]) -> Result<Vec<S>> {
        check_arity(x, 2, "soft-threshold")?;
        check_tau(&x[1])?;
        Ok(soft_ad(&x[0], &x[1]))
    }
}

/// The elastic-net prox `(z, λ₁, λ₂) ↦ S_{γλ₁}(z)/(1 + γλ₂)` for a fixed step `γ > 0`
/// (`λ₁, λ₂ ≥ 0`).
#[derive(Clone, Debug)]
pub struct ElasticNetProx<S> {
    /// The step `γ`.
    pub gamma: S,
}

impl<S: Scalar> ElasticNetProx<S> {
    fn parts(&self, x: &[S]) -> Result<(S, S, S)> {
        check_arity(x, 3, "elastic-net prox")?;
        let tau = self.gamma.mul(&x[1]);
        check_tau(&tau)?;
        if !crate::selection::nonnegative(&x[2]) {
            return Err(Error::parameter(
                "elastic-net prox: λ₂",
                format!("{:?}", x[2]),
                "≥ 0",
            ));
        }
        let c = S::one()
            .div(&S::one().add(&self.gamma.mul(&x[2])))
            .ok_or_else(|| Error::DivisionByZero {
                context: "elastic-net prox 1 + γλ₂".into(),
            })?;
        let s = soft_threshold(&x[0], &tau);
        Ok((tau, c, s))
    }
    /// Chain rule through `τ = γλ₁` and the factor `c = 1/(1 + γλ₂)`: a soft-threshold
    /// gradient `(g_z, g_τ)` becomes `(c g_z, cγ g_τ, −γc² (z − τ g_z·sign))`; the last
    /// entry is `−γ c² · piece value`.
    fn lift(&self, g: &[S], z: &S, tau: &S, c: &S) -> Vec<S> {
        // Piece value: g_z z + g_τ τ (z − τ, 0 or z + τ).
        let piece = g[0].mul(z).add(&g[1].mul(tau));
        vec![
            c.mul(&g[0]),
            c.mul(&self.gamma).mul(&g[1]),
            self.gamma.mul(c).mul(c).mul(&piece).neg(),
        ]
    }
}

impl<S: Scalar> PiecewiseScalar<S> for ElasticNetProx<S> {
    fn arity(&self) -> usize {
        3
    }
    fn value(&self, x: &[S]) -> Result<S> {
        let (_, c, s) = self.parts(x)?;
        Ok(s.mul(&c))
    }
    fn active_gradients(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>> {
        let (tau, c, _) = self.parts(x)?;
        Ok(soft_pieces(&x[0], &tau, tol)
            .iter()
            .map(|g| self.lift(g, &x[0], &tau, &c))
            .collect())
    }
    fn ad_gradient(&self, x: &[S]) -> Result<Vec<S>> {
        let (tau, c, _) = self.parts(x)?;
        Ok(self.lift(&soft_ad(&x[0], &tau), &x[0], &tau, &c))
    }
}

/// Box projection `clip(z, lo, hi) = min(max(z, lo), hi)` with fixed `lo ≤ hi`.
#[derive(Clone, Debug)]
pub struct Clip<S> {
    /// Lower bound.
    pub lo: S,
    /// Upper bound.
    pub hi: S,
}

impl<S: Scalar> PiecewiseScalar<S> for Clip<S> {
    fn arity(&self) -> usize {
        1
    }
    fn value(&self, x: &[S]) -> Result<S> {
        check_arity(x, 1, "clip")?;
        Ok(x[0].max(&self.lo).min(&self.hi))
    }
    fn active_gradients(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>> {
        check_arity(x, 1, "clip")?;
        let lo = compare(&x[0], &self.lo, tol);
        let hi = compare(&x[0], &self.hi, tol);
        let mut out = Vec::new();
        if lo != Side::Above || hi != Side::Below {
            out.push(vec![S::zero()]);
        }
        if lo != Side::Below && hi != Side::Above {
            out.push(vec![int(1)]);
        }
        Ok(out)
    }
    fn ad_gradient(&self, x: &[S]) -> Result<Vec<S>> {
        check_arity(x, 1, "clip")?;
        let above_lo = x[0].gt(&self.lo);
        let below_hi = x[0].lt(&self.hi);
        let inside = match (above_lo, below_hi) {
            (crate::scalar::Verdict::True, crate::scalar::Verdict::True) => {
                crate::scalar::Verdict::True
            }
            (crate::scalar::Verdict::False, _) | (_, crate::scalar::Verdict::False) => {
                crate::scalar::Verdict::False
            }
            _ => crate::scalar::Verdict::Unknown,
        };
        Ok(vec![choose(inside, int(1), S::zero())])
    }
}

/// Hinge `max(0, 1 − z)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hinge;

impl<S: Scalar> PiecewiseScalar<S> for Hinge {
    fn arity(&self) -> usize {
        1
    }
    fn value(&self, x: &[S]) -> Result<S> {
        check_arity(x, 1, "hinge")?;
        Ok(S::one().sub(&x[0]).max(&S::zero()))
    }
    fn active_gradients(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>> {
        check_arity(x, 1, "hinge")?;
        Ok(kink_gradients(
            &x[0].sub(&S::one()),
            int(-1),
            S::zero(),
            tol,
        ))
    }
    fn ad_gradient(&self, x: &[S]) -> Result<Vec<S>> {
        check_arity(x, 1, "hinge")?;
        Ok(vec![choose(x[0].lt(&S::one()), int(-1), S::zero())])
    }
}

/// The seeds' piecewise quadratic `f(x) = x²/2 (x ≥ 0), x²/8 (x < 0)` (a `C¹` function:
/// both pieces have gradient 0 at 0).
#[derive(Clone, Copy, Debug, Default)]
pub struct PwQuadratic;

fn quarter<S: Scalar>() -> S {
    // Infallible: exact for rationals and f64, enclosed for intervals.
    S::from_rational(&rug::Rational::from((1, 4)))
}

impl<S: Scalar> PiecewiseScalar<S> for PwQuadratic {
    fn arity(&self) -> usize {
        1
    }
    fn value(&self, x: &[S]) -> Result<S> {
        check_arity(x, 1, "pw-quadratic")?;
        let p = x[0].max(&S::zero());
        let n = x[0].min(&S::zero());
        let half = S::from_ratio(1, 2)?;
        let eighth = S::from_ratio(1, 8)?;
        Ok(p.square().mul(&half).add(&n.square().mul(&eighth)))
    }
    fn active_gradients(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>> {
        check_arity(x, 1, "pw-quadratic")?;
        Ok(kink_gradients(
            &x[0],
            x[0].mul(&quarter()),
            x[0].clone(),
            tol,
        ))
    }
    fn ad_gradient(&self, x: &[S]) -> Result<Vec<S>> {
        check_arity(x, 1, "pw-quadratic")?;
        Ok(vec![choose(
            x[0].ge(&S::zero()),
            x[0].clone(),
            x[0].mul(&quarter()),
        )])
    }
}

/// The derivative `f'(x) = x (x ≥ 0), x/4 (x < 0)` of [`PwQuadratic`]; AD convention
/// `f''(0) = 1` (the `x ≥ 0` branch, as `if x >= 0` code differentiates).
#[derive(Clone, Copy, Debug, Default)]
pub struct PwQuadraticDerivative;

impl<S: Scalar> PiecewiseScalar<S> for PwQuadraticDerivative {
    fn arity(&self) -> usize {
        1
    }
    fn value(&self, x: &[S]) -> Result<S> {
        check_arity(x, 1, "pw-quadratic derivative")?;
        Ok(x[0]
            .max(&S::zero())
            .add(&x[0].min(&S::zero()).mul(&quarter())))
    }
    fn active_gradients(&self, x: &[S], tol: &Tolerance) -> Result<Vec<Vec<S>>> {
        check_arity(x, 1, "pw-quadratic derivative")?;
        Ok(kink_gradients(&x[0], quarter(), int(1), tol))
    }
    fn ad_gradient(&self, x: &[S]) -> Result<Vec<S>> {
        check_arity(x, 1, "pw-quadratic derivative")?;
        Ok(vec![choose(x[0].ge(&S::zero()), int(1), quarter())])
    }
}
