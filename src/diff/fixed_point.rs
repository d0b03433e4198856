//! The fixed-point iteration `x_{k+1} = F(x_k, θ)` (the inner solve of bilevel
//! problems, warm starts, tests): the one loop of the crate for it, with the residual
//! `‖x_{k+1} − x_k‖` measured in a chosen [`Norm`] on the f64 estimates of the entries.
//!
//! Each step is one fused evaluation in a caller-owned [`Workspace`] (no allocation
//! per step for the maps of this crate).

use super::driver::{self, Report, Stepper};
use super::IterOptions;
use crate::error::{Error, Result};
use crate::linalg::norms::Norm;
use crate::maps::{FixedPointMap, Workspace};
use crate::scalar::Scalar;

/// A fixed point (or the last iterate) with its report.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedPoint<S> {
    /// The last iterate `x_k`.
    pub x: Vec<S>,
    /// Iterations, the last step's `‖x_k − x_{k−1}‖` in the chosen norm, termination.
    pub report: Report,
}

/// The fixed-point iteration as a [`Stepper`].
pub struct FixedPointIteration<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> {
    ws: Workspace<'a, S, F>,
    theta: Vec<S>,
    x: Vec<S>,
    next: Vec<S>,
    norm: Norm,
}

impl<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> FixedPointIteration<'a, S, F> {
    /// Start at `x0`; residuals in `norm`.
    pub fn new(map: &'a F, x0: &[S], theta: &[S], norm: Norm) -> Result<Self> {
        let ws = Workspace::new(map, x0, theta)?;
        Ok(FixedPointIteration {
            ws,
            theta: theta.to_vec(),
            x: x0.to_vec(),
            next: x0.to_vec(),
            norm,
        })
    }

    /// The current iterate.
    pub fn x(&self) -> &[S] {
        &self.x
    }
}

impl<S: Scalar, F: FixedPointMap<S> + ?Sized> Stepper for FixedPointIteration<'_, S, F> {
    type Output = FixedPoint<S>;

    fn name(&self) -> &'static str {
        "fixed-point iteration"
    }

    fn next(&mut self) -> Result<f64> {
        self.ws.update(&self.x, &self.theta, Some(&mut self.next))?;
        let r = self.norm.dist_est(&self.next, &self.x);
        std::mem::swap(&mut self.x, &mut self.next);
        if !self.x.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFinite {
                context: "fixed-point iterate".into(),
            });
        }
        Ok(r)
    }

    fn finish(self, report: Report) -> Result<FixedPoint<S>> {
        Ok(FixedPoint { x: self.x, report })
    }
}

/// Iterate `F` from `x0` until `‖x_{k+1} − x_k‖ ≤ opts.tol` in `norm` (f64 estimates),
/// or exactly `opts.max_iter` steps when `opts.tol = 0` ([`IterOptions::fixed`]).
///
/// Errors: [`Error::NotConverged`] when the budget runs out first,
/// [`Error::NotContractive`] when the steps visibly grow, [`Error::NonFinite`] when an
/// iterate stops being finite, and the map's own errors.
pub fn solve_fixed_point<S: Scalar, F: FixedPointMap<S> + ?Sized>(
    map: &F,
    x0: &[S],
    theta: &[S],
    opts: &IterOptions,
    norm: Norm,
) -> Result<FixedPoint<S>> {
    driver::run(FixedPointIteration::new(map, x0, theta, norm)?, opts)
}
