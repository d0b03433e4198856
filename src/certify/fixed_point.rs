//! A box that provably contains the unique fixed point `x̄(θ) = F(x̄(θ), θ)`, for any
//! [`FixedPointMap`] evaluated in interval arithmetic.
//!
//! Two proofs. (1) Norm ball: with `δ ≥ ‖F(x̃) − x̃‖` and `ρ ≥ sup ‖A‖` over the box
//! `x̃ ± r`, `δ + ρr ≤ r` proves a unique fixed point with `‖x̄ − x̃‖ ≤ δ/(1 − ρ)`
//! (no wrapping effect: preferred). (2) Box inclusion, stated next.
//!
//! Theorem used in (2). Let `X` be a box with `F(X, θ) ⊆ X` (interval evaluation) and
//! `‖A‖ ≤ ρ < 1` for every `[A, B]` in the conservative Jacobian over `X` (in some
//! fixed norm). Then `F(·, θ)` maps `X` into itself and is a `ρ`-contraction on `X`
//! (path differentiability: `F(x) − F(y) = ∫₀¹ A(t)(x − y) dt` with `A(t)` in the
//! conservative Jacobian along the segment, which stays in the convex `X`), so by
//! Banach it has exactly one fixed point in `X`, and it lies in `F(X)`. Every later
//! box `X_{k+1} = F(X_k) ∩ X_k` still contains it, which tightens the enclosure.
//!
//! The norm bound is taken over the interval hull of the `A`-blocks of the
//! conservative Jacobian (its bounding box, which contains the set): the smallest of
//! the interval bounds `‖·‖_∞`, `‖·‖₁` and the spectral bound
//! [`crate::certify::enclosure::two_norm_upper`] (closed form, or `ρ²I − AᵀA ≻ 0`
//! verified for the whole interval family), each rounded outward. This is a sound result computed
//! in interval arithmetic, not a file certificate for the exact checker.

use crate::certify::enclosure::interval_norm_upper;
use crate::error::{Error, Result};
use crate::linalg::norms::Norm;
use crate::linalg::Matrix;
use crate::maps::FixedPointMap;
use crate::scalar::{Enclosure, Interval, Scalar};

/// Settings of [`enclose_fixed_point`].
#[derive(Clone, Debug)]
pub struct FixedPointOptions {
    /// Attempts to reach `F(X) ⊆ X` by ε-inflation (default 20).
    pub inflation_steps: usize,
    /// Relative inflation `ε` per attempt (default 0.1).
    pub epsilon: f64,
    /// Tightening steps `X ← F(X) ∩ X` after success (default 100; stops early when
    /// the box no longer shrinks).
    pub refine_steps: usize,
}

impl Default for FixedPointOptions {
    fn default() -> Self {
        FixedPointOptions {
            inflation_steps: 20,
            epsilon: 0.1,
            refine_steps: 100,
        }
    }
}

/// A proven enclosure of the unique fixed point in `domain`.
#[derive(Clone, Debug)]
pub struct FixedPointEnclosure {
    /// The tightened box containing `x̄(θ)`.
    pub x: Vec<Interval>,
    /// The box on which the contraction bound was proven and which contains `x̄(θ)`
    /// (`x̄(θ)` is the only fixed point of `F(·, θ)` in it).
    pub domain: Vec<Interval>,
    /// An upper bound of `sup ‖A‖` over the conservative Jacobian on `domain`, `< 1`.
    pub rho: f64,
    /// Which norm `rho` refers to ([`Norm::Inf`], [`Norm::One`] or [`Norm::Two`]).
    pub norm: Norm,
    /// Whether the (sound superset of the) conservative Jacobian over the tightened box
    /// `x` is a single matrix: then the derivative of `x̄` is certified single-valued
    /// (every AD convention returns the same `[A, B]` at `x̄`).
    pub single_valued: bool,
}

/// Sound upper bound of `sup ‖A‖` over the `A`-blocks of the conservative Jacobian on
/// the box `x`, with the name of the norm achieving the minimum.
pub fn jacobian_norm_bound<F: FixedPointMap<Interval> + ?Sized>(
    f: &F,
    x: &[Interval],
    theta: &[Interval],
) -> Result<(f64, Norm)> {
    let (n, _) = f.dims();
    let set = f.conservative_jacobian(x, theta)?;
    let (lo, hi) = set.bounding_box()?;
    let ab = lo.zip_with(&hi, "jacobian hull", |a, b| a.hull(b))?;
    let (a, _) = ab.split_cols(n)?;
    if !a.is_finite() {
        return Err(Error::NonFinite {
            context: "conservative Jacobian over the box".into(),
        });
    }
    Ok([Norm::Inf, Norm::One, Norm::Two]
        .into_iter()
        .map(|norm| (interval_norm_upper(norm, &a), norm))
        .fold((f64::INFINITY, Norm::Inf), |best, c| {
            if c.0 < best.0 {
                c
            } else {
                best
            }
        }))
}

fn subset(a: &[Interval], b: &[Interval]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.subset_of(y))
}

/// `sup ‖v‖` of an interval vector, rounded up through interval arithmetic.
fn vec_norm_sup(v: &[Interval], norm: Norm) -> f64 {
    norm.of_vector(v).sup()
}

/// The box `c ± r` (outward).
fn ball_box(c: &[Interval], r: f64) -> Result<Vec<Interval>> {
    let rr = Interval::from_bounds(-r, r)?;
    Ok(c.iter().map(|x| x.add(&rr)).collect())
}

/// Norm-ball (mean-value) proof, free of the wrapping effect: with the residual
/// `δ ≥ ‖F(x̃) − x̃‖` and `ρ ≥ sup ‖A‖` over the box `X = x̃ ± r` (which contains the
/// ball `B(x̃, r)` of the same norm), `δ + ρr ≤ r` gives `F(B) ⊆ B`
/// (`‖F(x) − x̃‖ ≤ ‖F(x) − F(x̃)‖ + δ ≤ ρr + δ`), so `x̄ ∈ B` exists, is unique in `X`,
/// and `‖x̄ − x̃‖ ≤ δ/(1 − ρ)`. Returns `(X, ρ, norm, δ/(1 − ρ))`.
fn norm_ball_proof<F: FixedPointMap<Interval> + ?Sized>(
    f: &F,
    centre: &[Interval],
    theta: &[Interval],
    radius: f64,
    steps: usize,
) -> Result<(Vec<Interval>, f64, Norm, f64)> {
    let fx = f.apply(centre, theta)?;
    let resid: Vec<Interval> = fx.iter().zip(centre).map(|(a, b)| a.sub(b)).collect();
    let d_inf = vec_norm_sup(&resid, Norm::Inf);
    if !d_inf.is_finite() {
        return Err(Error::CouldNotVerify {
            reason: "residual is not finite".into(),
        });
    }
    // Start from a radius a few times the residual (or the caller's radius).
    let mut r = radius
        .max(8.0 * vec_norm_sup(&resid, Norm::Two))
        .max(1e-300);
    let mut last = String::from("no attempt");
    for _ in 0..steps {
        let x = ball_box(centre, r)?;
        match jacobian_norm_bound(f, &x, theta) {
            Ok((rho, norm)) if rho < 1.0 => {
                let delta = vec_norm_sup(&resid, norm);
                // δ + ρ r ≤ r, evaluated with outward rounding.
                let lhs = Interval::from_f64(delta)?
                    .add(&Interval::from_f64(rho)?.mul(&Interval::from_f64(r)?));
                if lhs.sup() <= r {
                    let bound = Interval::from_f64(delta)?
                        .div(&Interval::one().sub(&Interval::from_f64(rho)?))
                        .ok_or_else(|| Error::DivisionByZero {
                            context: "1 − ρ".into(),
                        })?
                        .sup();
                    return Ok((x, rho, norm, bound));
                }
                last = format!("δ = {delta:e} > (1 − ρ)r with ρ = {rho}, r = {r:e}");
                r = (2.0 * r).max(2.0 * delta / (1.0 - rho));
            }
            Ok((rho, norm)) => {
                last = format!("{norm}-norm bound {rho} >= 1 on the box of radius {r:e}");
                r /= 16.0;
            }
            // A box straddling a kink may be refused by the interval evaluation.
            Err(e) => {
                last = e.to_string();
                r /= 16.0;
            }
        }
        if !(r.is_finite() && r > 0.0) {
            break;
        }
    }
    Err(Error::CouldNotVerify {
        reason: format!("norm-ball proof failed: {last}"),
    })
}

/// Box-inclusion proof: ε-inflate `X` until the interval image satisfies
/// `F(X) ⊆ X`, then bound the Jacobian on `X`. Returns `(X, ρ, norm)`.
fn box_proof<F: FixedPointMap<Interval> + ?Sized>(
    f: &F,
    centre: &[Interval],
    theta: &[Interval],
    radius: f64,
    opts: &FixedPointOptions,
) -> Result<(Vec<Interval>, f64, Norm)> {
    let n = centre.len();
    let mut x = ball_box(centre, radius.max(1e-300))?;
    for _ in 0..opts.inflation_steps {
        let fx = f.apply(&x, theta)?;
        if fx.len() != n || fx.iter().any(|v| !v.is_finite()) {
            return Err(Error::CouldNotVerify {
                reason: "interval image is not finite".into(),
            });
        }
        if subset(&fx, &x) {
            let (rho, norm) = jacobian_norm_bound(f, &x, theta)?;
            if rho.is_nan() || rho >= 1.0 {
                return Err(Error::NotContractive {
                    rho,
                    context: format!("sound {norm}-norm bound of the Jacobian over the box"),
                });
            }
            return Ok((x, rho, norm));
        }
        // X ← hull(X, F(X)) widened by ε·width (+ a tiny absolute amount).
        x = x
            .iter()
            .zip(&fx)
            .map(|(a, b)| {
                let h = a.hull(b);
                let w = opts.epsilon * h.width() + f64::MIN_POSITIVE;
                let out = h.add(&Interval::from_bounds(-w, w)?);
                if out.is_finite() {
                    Ok(out)
                } else {
                    Err(Error::NonFinite {
                        context: "inflated box".into(),
                    })
                }
            })
            .collect::<Result<_>>()?;
    }
    Err(Error::CouldNotVerify {
        reason: format!(
            "F(X) ⊆ X not reached in {} inflation steps",
            opts.inflation_steps
        ),
    })
}

/// Prove that `F(·, θ)` has a unique fixed point near `guess` and enclose it.
///
/// Two sound proofs are tried: the norm-ball (mean-value) argument around `guess`,
/// which avoids the wrapping effect of interval evaluation and works for dense maps
/// (e.g. forward–backward), then box inclusion `F(X) ⊆ X` by ε-inflation from
/// `guess ± radius`. Both need a sound Jacobian norm bound `< 1` on the box (see the
/// module documentation). The enclosure is then tightened by `X ← F(X) ∩ X`.
/// Errors: [`Error::CouldNotVerify`] if neither proof succeeds within the budget,
/// [`Error::NotContractive`] if the box inclusion holds but the bound is not `< 1`
/// (the bound is sufficient only), dimension and finiteness errors from the map.
pub fn enclose_fixed_point<F: FixedPointMap<Interval> + ?Sized>(
    f: &F,
    guess: &[f64],
    theta: &[Interval],
    radius: f64,
    opts: &FixedPointOptions,
) -> Result<FixedPointEnclosure> {
    let (n, _) = f.dims();
    if guess.len() != n {
        return Err(Error::DimensionMismatch {
            op: "enclose_fixed_point",
            left: (n, 1),
            right: (guess.len(), 1),
        });
    }
    if !radius.is_finite() || radius < 0.0 || guess.iter().any(|g| !g.is_finite()) {
        return Err(Error::NonFinite {
            context: "fixed-point guess or radius".into(),
        });
    }
    let centre: Vec<Interval> = guess
        .iter()
        .map(|&g| Interval::from_f64(g))
        .collect::<Result<_>>()?;
    let (domain, rho, norm, mut cur) =
        match norm_ball_proof(f, &centre, theta, radius, opts.inflation_steps) {
            Ok((x, rho, norm, bound)) => {
                let tight = ball_box(&centre, bound)?;
                (x, rho, norm, tight)
            }
            Err(ball_err) => match box_proof(f, &centre, theta, radius, opts) {
                Ok((x, rho, norm)) => {
                    let fx = f.apply(&x, theta)?;
                    (x, rho, norm, fx)
                }
                Err(Error::CouldNotVerify { reason }) => {
                    return Err(Error::CouldNotVerify {
                        reason: format!("{reason}; {ball_err}"),
                    })
                }
                Err(e) => return Err(e),
            },
        };
    for _ in 0..opts.refine_steps {
        // x̄ = F(x̄) ∈ F(cur) whenever x̄ ∈ cur. A refused evaluation (a kink inside
        // `cur`) just stops the tightening.
        let Ok(fx) = f.apply(&cur, theta) else { break };
        let next: Vec<Interval> = fx
            .iter()
            .zip(&cur)
            .map(|(a, b)| Interval::from_bounds(a.inf().max(b.inf()), a.sup().min(b.sup())))
            .collect::<Result<_>>()
            .map_err(|_| Error::CouldNotVerify {
                reason: "empty intersection while tightening".into(),
            })?;
        let shrunk = next.iter().zip(&cur).any(|(a, b)| a.width() < b.width());
        cur = next;
        if !shrunk {
            break;
        }
    }
    // The conservative Jacobian at x̄ is contained in the one over the box `cur`. One
    // listed member (one active piece) is a singleton even when its interval entries
    // are not points (equality of wide intervals is undecided).
    let single_valued = f
        .conservative_jacobian(&cur, theta)
        .is_ok_and(|j| j.is_singleton());
    Ok(FixedPointEnclosure {
        x: cur,
        domain,
        rho,
        norm,
        single_valued,
    })
}

/// Enclosure of every derivative `∂x̄/∂θ` any AD system could return at the fixed
/// point (the fixed set of `J ↦ AJ + B` over the conservative Jacobian on the
/// tightened box), via [`crate::certify::enclosure::derivative_enclosure`].
pub fn enclose_derivative<F: FixedPointMap<Interval> + ?Sized>(
    f: &F,
    fixed_point: &FixedPointEnclosure,
    theta: &[Interval],
    steps: usize,
) -> Result<crate::certify::enclosure::DerivativeEnclosure> {
    let (a, b) = jacobian_hull(f, &fixed_point.x, theta)?;
    crate::certify::enclosure::derivative_enclosure(&a, &b, steps)
}

/// The interval matrix `[A]` of `A`-blocks over the box (for callers that want to
/// reuse it, e.g. derivative enclosures).
pub fn jacobian_hull<F: FixedPointMap<Interval> + ?Sized>(
    f: &F,
    x: &[Interval],
    theta: &[Interval],
) -> Result<(Matrix<Interval>, Matrix<Interval>)> {
    let (n, _) = f.dims();
    let (lo, hi) = f.conservative_jacobian(x, theta)?.bounding_box()?;
    lo.zip_with(&hi, "jacobian hull", |a, b| a.hull(b))?
        .split_cols(n)
}
