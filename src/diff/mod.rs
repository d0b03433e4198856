//! Differentiation engines: set-valued piggyback, ITD, AID, FPAD, NSID, hypergradients (docs/mathematics.md §5).
//!
//! | module | computes | memory | docs/mathematics.md |
//! |---|---|---|---|
//! | [`itd`] | iterative differentiation, forward (JVP / full Jacobian) and reverse (VJP) | forward `O(n·m)`, reverse `O(t·n)` or `O((t/k + k)·n)` with checkpoints | §5 ITD |
//! | [`aid`] | implicit differentiation with one fixed linearization: fixed-point iteration, dense solve, GMRES, Neumann, FPAD | `O(n)` (matrix-free) | §5 AID |
//! | [`cg`] | conjugate gradients; AID-CG on the active block of the adjoint system (where it is SPD) | `O(n)` | §5 AID |
//! | [`piggyback`] | the set-valued recursion and the fixed set `fix(J)` | the sets | §5 |
//! | [`hypergrad`] | bilevel hypergradients and an outer loop on `log λ` | | §1, §6 |
//! | [`enet`] | fast f64 path for LASSO / elastic net: coordinate descent + support-restricted implicit formula | `O(n·p)` data, `O(|S|²)` | §6 |
//! | [`nsid`] | stochastic implicit differentiation (minibatches) | `O(n)` | §5 NSID |
//! | [`dense`] | small dense Gaussian elimination over any scalar (exact over rationals) | | |
//! | [`fixed_point`] | the fixed-point iteration `x ← F(x, θ)` itself (the inner solve), in any norm | `O(n)` | |
//! | [`driver`] | the loop every iterative engine runs in: stopping rule, observers, report | | |
//!
//! Every engine returns a [`Report`] beside its result: iterations, final residual,
//! whether every linearization used was at a smooth point, why it stopped
//! ([`Termination`]) and how long it took; and a typed error (never a number) when it
//! did not converge, met a singular system, or visibly diverged.
//!
//! **One driver.** Iterative engines are [`Stepper`]s run by [`Driver`] (module
//! [`driver`]): the driver owns the loop, the stopping rule ([`IterOptions`]),
//! divergence detection, timing and the [`Observer`]s (progress bars, plots, stop
//! requests). The convenience functions (`itd::jvp`, `aid::fp_adjoint`, …) run their
//! stepper without observers; build the stepper and use a [`Driver`] to watch it.

// `!(x > t)` is deliberate throughout: it is also true for NaN, which must be refused.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Index loops mirror the formulas (rows/columns of several arrays at once).
#![allow(clippy::needless_range_loop)]

pub mod aid;
pub mod cg;
pub mod dense;
pub mod driver;
pub mod enet;
pub mod fixed_point;
pub mod hypergrad;
pub mod itd;
pub mod nsid;
pub mod piggyback;

pub use driver::{Control, Driver, Observer, Progress, Report, Stepper, Termination};

use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// Euclidean norm of the f64 estimates of a vector (an estimate, never a proof).
pub fn norm_est<S: Scalar>(v: &[S]) -> f64 {
    v.iter().map(|x| x.to_f64().powi(2)).sum::<f64>().sqrt()
}

/// Euclidean norm of `u − v` (f64 estimate).
pub fn dist_est<S: Scalar>(u: &[S], v: &[S]) -> f64 {
    u.iter()
        .zip(v)
        .map(|(a, b)| a.sub(b).to_f64().powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Stopping rule shared by the iterative engines.
#[derive(Clone, Debug, PartialEq)]
pub struct IterOptions {
    /// Maximum number of iterations.
    pub max_iter: usize,
    /// Stop when the step residual is `≤ tol` (absolute, f64 estimate). `0` runs
    /// exactly `max_iter` iterations and never reports [`Error::NotConverged`].
    pub tol: f64,
    /// Report [`Error::NotContractive`] when the residual exceeds `divergence_factor`
    /// times the smallest residual seen (or becomes non-finite).
    pub divergence_factor: f64,
}

impl Default for IterOptions {
    fn default() -> Self {
        IterOptions {
            max_iter: 1000,
            tol: 1e-10,
            divergence_factor: 1e6,
        }
    }
}

impl IterOptions {
    /// Exactly `t` iterations, no tolerance (ITD with a fixed budget).
    pub fn fixed(t: usize) -> Self {
        IterOptions {
            max_iter: t,
            tol: 0.0,
            ..Default::default()
        }
    }
    pub(crate) fn validate(&self) -> Result<()> {
        if !(self.tol >= 0.0 && self.tol.is_finite() && self.divergence_factor > 1.0) {
            return Err(Error::parameter(
                "IterOptions (tol, divergence_factor)",
                format!("({}, {})", self.tol, self.divergence_factor),
                "tol >= 0 finite and divergence_factor > 1",
            ));
        }
        Ok(())
    }
}

pub(crate) use crate::linalg::check_len;

pub(crate) fn check_finite<S: Scalar>(v: &[S], context: &str) -> Result<()> {
    match v.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::NonFinite {
            context: format!("{context}, entry {i}"),
        }),
    }
}
