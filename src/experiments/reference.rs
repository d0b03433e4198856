//! A proven reference for the elastic-net hypergradient, and rigorous error bands.
//!
//! The paper measures each method's error against "AID-FP run for enough iterations"
//! from a long run of the solver: an estimate whose own error is unknown. Here the
//! reference is an interval enclosure, proved in outward-rounded interval arithmetic
//! for the exact problem the f64 methods solve (the same f64 design, response, step and
//! `λ`):
//! 1. the fixed point `x̄` of the forward–backward map is enclosed in a box on which the
//!    map provably contracts ([`crate::certify::fixed_point::enclose_fixed_point`]);
//!    the coordinates whose box excludes 0 are proven in the support, those whose box
//!    is `{0}` proven out of it;
//! 2. every derivative `∂x̄/∂λ` any AD system could return at `x̄` (the fixed set of the
//!    conservative Jacobian over that box) is enclosed
//!    ([`crate::certify::fixed_point::enclose_derivative`]), and the box intersected
//!    with a verified solve of `(I − A)J = B` over the same Jacobian hull;
//! 3. the validation gradient `∇L(x̄)` is evaluated over the box, and the hypergradient
//!    set `{Jᵀ∇L(x̄)}` enclosed in a box `H`.
//!
//! For a computed `ĥ`, the distance to the true hypergradient set lies between the
//! distance from `ĥ` to `H` and the largest distance from `ĥ` to a point of `H`
//! ([`error_band`], rounded outward): the error curves become bands that are proven to
//! contain the true error.

use crate::certify::fixed_point::{
    enclose_derivative, enclose_fixed_point, jacobian_hull, FixedPointOptions,
};
use crate::error::{Error, Result};
use crate::linalg::verified::verified_solve;
use crate::linalg::Matrix;
use crate::maps::design::Design;
use crate::maps::forward_backward::{ForwardBackward, Penalty, StepRule};
use crate::scalar::{Enclosure, Interval, Scalar};

/// A proven enclosure of the elastic-net hypergradient.
#[derive(Clone, Debug)]
pub struct HypergradientEnclosure {
    /// Box containing every hypergradient `(∂x̄/∂λ)ᵀ∇L(x̄)` of the conservative Jacobian.
    pub h: Vec<Interval>,
    /// Box containing the solution `x̄`.
    pub x: Vec<Interval>,
    /// Coordinates proven nonzero at `x̄`.
    pub support: Vec<usize>,
    /// Coordinates proven zero.
    pub zeros: Vec<usize>,
    /// Coordinates neither (a possible kink, or a box too wide).
    pub undecided: Vec<usize>,
    /// The conservative Jacobian at `x̄` is proven single-valued.
    pub single_valued: bool,
    /// Proven contraction bound of the map on the box, and its norm.
    pub rho: f64,
    /// Seconds spent.
    pub seconds: f64,
}

impl HypergradientEnclosure {
    /// Largest width of the hypergradient box.
    pub fn width(&self) -> f64 {
        self.h.iter().map(|v| v.width()).fold(0.0, f64::max)
    }
    /// Midpoint of the solution box.
    pub fn solution_midpoint(&self) -> Vec<f64> {
        self.x.iter().map(|v| 0.5 * (v.inf() + v.sup())).collect()
    }
    /// Midpoint of the hypergradient box.
    pub fn midpoint(&self) -> Vec<f64> {
        self.h.iter().map(|v| 0.5 * (v.inf() + v.sup())).collect()
    }
}

/// Enclose the hypergradient of `½‖Ax − b‖² + λ₁‖x‖₁ + (λ₂/2)‖x‖²` with respect to
/// `(λ₁, λ₂)` for the validation loss `‖X_val x − y_val‖²/(2 n_val)`, for the
/// forward–backward map with step `γ` (the same f64 numbers the f64 methods use).
/// `guess` is an f64 approximation of the solution.
///
/// Errors: [`Error::CouldNotVerify`] when a proof step fails (never a wrong box).
#[allow(clippy::too_many_arguments)]
pub fn enclose_enet_hypergradient(
    a: &Matrix<f64>,
    b: &[f64],
    gamma: f64,
    lambda: [f64; 2],
    x_val: &Matrix<f64>,
    y_val: &[f64],
    guess: &[f64],
) -> Result<HypergradientEnclosure> {
    let start = std::time::Instant::now();
    let ai: Matrix<Interval> = Matrix::from_f64_matrix(a)?;
    let bi: Vec<Interval> = b
        .iter()
        .map(|v| Interval::from_f64(*v))
        .collect::<Result<_>>()?;
    let map = ForwardBackward::new(
        Design::Dense(ai),
        bi,
        Penalty::ElasticNet,
        StepRule::Given(Interval::from_f64(gamma)?),
    )?;
    let theta = [
        Interval::from_f64(lambda[0])?,
        Interval::from_f64(lambda[1])?,
    ];
    let fp = enclose_fixed_point(&map, guess, &theta, 0.0, &FixedPointOptions::default())?;
    let dj = enclose_derivative(&map, &fp, &theta, 200)?;
    let j = tighten_by_verified_solve(&map, &fp.x, &theta, dj.j);
    let xv: Matrix<Interval> = Matrix::from_f64_matrix(x_val)?;
    let mut r = xv.mul_vec(&fp.x)?;
    for (ri, yi) in r.iter_mut().zip(y_val) {
        *ri = ri.sub(&Interval::from_f64(*yi)?);
    }
    let nv = Interval::from_f64(y_val.len() as f64)?;
    let g: Vec<Interval> = xv
        .tr_mul_vec(&r)?
        .iter()
        .map(|v| {
            v.div(&nv).ok_or_else(|| Error::DivisionByZero {
                context: "validation size".into(),
            })
        })
        .collect::<Result<_>>()?;
    let n = g.len();
    let h: Vec<Interval> = (0..j.cols())
        .map(|c| (0..n).fold(Interval::zero(), |acc, i| acc.add(&j[(i, c)].mul(&g[i]))))
        .collect();
    if h.iter().any(|v| !v.is_finite()) {
        return Err(Error::CouldNotVerify {
            reason: "hypergradient enclosure is not finite".into(),
        });
    }
    let (mut support, mut zeros, mut undecided) = (vec![], vec![], vec![]);
    for (i, v) in fp.x.iter().enumerate() {
        if v.inf() > 0.0 || v.sup() < 0.0 {
            support.push(i);
        } else if v.inf() == 0.0 && v.sup() == 0.0 {
            zeros.push(i);
        } else {
            undecided.push(i);
        }
    }
    Ok(HypergradientEnclosure {
        h,
        x: fp.x,
        support,
        zeros,
        undecided,
        single_valued: fp.single_valued,
        rho: dj.rho,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Intersect the derivative box `j` with a verified solve of `(I − A)J = B` over the
/// interval hulls `[A]`, `[B]` of the conservative Jacobian on the solution box: every
/// element of the fixed set is `(I − A)⁻¹B` for some `A ∈ [A]`, `B ∈ [B]`, so both boxes
/// contain it and so does their intersection. The verified solve (preconditioned
/// interval Newton) is much tighter than the contraction-based box when `ρ` is close
/// to 1; when it fails, `j` is returned unchanged.
fn tighten_by_verified_solve(
    map: &ForwardBackward<Interval>,
    x: &[Interval],
    theta: &[Interval],
    j: Matrix<Interval>,
) -> Matrix<Interval> {
    let Ok((a, b)) = jacobian_hull(map, x, theta) else {
        return j;
    };
    let Ok(m) = Matrix::<Interval>::identity(a.rows()).sub(&a) else {
        return j;
    };
    let Ok(sol) = verified_solve(&m, &b) else {
        return j;
    };
    if sol.shape() != j.shape() {
        return j;
    }
    Matrix::from_fn(j.rows(), j.cols(), |r, c| {
        let (u, v) = (&j[(r, c)], &sol[(r, c)]);
        let (lo, hi) = (u.inf().max(v.inf()), u.sup().min(v.sup()));
        // Both contain the true set: an empty intersection cannot happen; keep the
        // contraction box if rounding ever made it look so.
        Interval::from_bounds(lo, hi).unwrap_or(*u)
    })
}

/// Proven bounds `(lo, hi)` on the Euclidean distance from `ĥ` to any set contained in
/// the box `h`: `lo` = distance to the box, `hi` = distance to its farthest corner
/// (both rounded outward). `(NaN, NaN)` for mismatched lengths or non-finite input.
pub fn error_band(h_hat: &[f64], h: &[Interval]) -> (f64, f64) {
    if h_hat.len() != h.len() || h_hat.iter().any(|v| !v.is_finite()) {
        return (f64::NAN, f64::NAN);
    }
    let mut lo = Interval::zero();
    let mut hi = Interval::zero();
    for (x, b) in h_hat.iter().zip(h) {
        let Ok(xi) = Interval::from_f64(*x) else {
            return (f64::NAN, f64::NAN);
        };
        let d = xi.sub(b).abs();
        let near = Interval::from_f64(d.inf()).unwrap_or(Interval::zero());
        let far = Interval::from_f64(d.sup()).unwrap_or(Interval::ENTIRE);
        lo = lo.add(&near.square());
        hi = hi.add(&far.square());
    }
    (lo.sqrt().inf().max(0.0), hi.sqrt().sup())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_brackets_every_point_of_the_box() {
        let h = [
            Interval::from_bounds(1.0, 2.0).unwrap(),
            Interval::from_bounds(-1.0, 0.0).unwrap(),
        ];
        let (lo, hi) = error_band(&[4.0, 0.0], &h);
        // Nearest point (2, 0): distance 2; farthest (1, −1): √10.
        assert!(lo <= 2.0 && lo > 2.0 - 1e-15);
        assert!(hi >= 10f64.sqrt() && hi < 10f64.sqrt() + 1e-15);
        let (lo, _) = error_band(&[1.5, -0.5], &h);
        assert_eq!(lo, 0.0);
        assert!(error_band(&[1.0], &h).0.is_nan());
    }
}
