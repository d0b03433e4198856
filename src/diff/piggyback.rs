//! The set-valued piggyback recursion (Bolte, Pauwels & Vaiter 2022; docs/mathematics.md §5):
//! `x_{t+1} = F(x_t, θ)`, `J_{t+1} = D_F(x_t, θ)(J_t) = {A J + B : [A, B] ∈ D_F(x_t, θ), J ∈ J_t}`,
//! and the fixed set `fix(J)` of a compact family with the distance bound
//! `H(X_t, fix J) ≤ ρ^t H(X_0, J(X_0)) / (1 − ρ)`.
//!
//! The action is [`MatrixSet::act_with`] (Frobenius norm throughout): its module
//! documentation states which results are exact, which are outer enclosures, and what
//! the overflow policies of [`SetOptions`] do above [`SetOptions::cap`] elements
//! (enclose in a box, keep the largest elements or extreme points in seeded directions,
//! or fail).

use super::check_len;
use super::driver::{self, Report, Stepper};
use super::{dist_est, IterOptions};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::maps::FixedPointMap;
use crate::matset::{Exactness, MatrixSet, Norm, Overflow, SetOptions};
use crate::scalar::Scalar;

/// `sup_{X ∈ X} ‖X‖_F` (f64 estimate of the exact supremum; see
/// [`MatrixSet::sup_frobenius_sq`]).
fn sup_fro_est<S: Scalar>(set: &MatrixSet<S>) -> Result<f64> {
    Ok(set.sup_frobenius_sq()?.to_f64().max(0.0).sqrt())
}

/// The set-valued recursion along the iterates of a map, as a [`Stepper`]
/// ([`Piggyback::run`] runs it with the [`driver`]).
pub struct Piggyback<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> {
    map: &'a F,
    theta: Vec<S>,
    x: Vec<S>,
    set: MatrixSet<S>,
    exactness: Exactness,
    opts: SetOptions,
    norms: Vec<f64>,
    /// Whether every `D_F(x_t, θ)` used was a single matrix.
    single: bool,
}

/// The result of a piggyback run.
#[derive(Clone, Debug, PartialEq)]
pub struct PiggybackOutput<S> {
    /// The last iterate `x_t`.
    pub x: Vec<S>,
    /// `J_t` (see `exactness`).
    pub set: MatrixSet<S>,
    /// How `set` relates to the exact `J_t`.
    pub exactness: Exactness,
    /// `sup ‖J_k‖_F` for `k = 0, …, t` (f64 estimates).
    pub norms: Vec<f64>,
    /// Steps, the last residual `max(‖x_t − x_{t−1}‖, |sup‖J_t‖ − sup‖J_{t−1}‖|)`,
    /// and `smooth`: whether every conservative Jacobian used was a single matrix.
    pub report: Report,
}

impl<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> Piggyback<'a, S, F> {
    /// Start at `x_0` with `J_0 = {0}`.
    pub fn new(map: &'a F, x0: &[S], theta: &[S], opts: SetOptions) -> Result<Self> {
        map.check_input(x0, theta)?;
        let (n, m) = map.dims();
        let set = MatrixSet::singleton(Matrix::zeros(n, m))?;
        Ok(Piggyback {
            map,
            theta: theta.to_vec(),
            x: x0.to_vec(),
            set,
            exactness: Exactness::Exact,
            opts,
            norms: vec![0.0],
            single: true,
        })
    }
    /// Start from a given set `J_0` of `n × m` matrices.
    pub fn with_initial_set(mut self, j0: MatrixSet<S>) -> Result<Self> {
        let (n, m) = self.map.dims();
        if j0.shape() != (n, m) {
            return Err(Error::DimensionMismatch {
                op: "Piggyback initial set",
                left: (n, m),
                right: j0.shape(),
            });
        }
        self.norms = vec![sup_fro_est(&j0)?];
        self.set = j0;
        Ok(self)
    }
    /// One step: `J ← D_F(x_t, θ)(J)`, `x ← F(x_t, θ)`; returns `sup ‖J_{t+1}‖_F`.
    pub fn step(&mut self) -> Result<f64> {
        let d = self.map.conservative_jacobian(&self.x, &self.theta)?;
        self.single &= d.is_singleton();
        let (set, ex) = d.act_with(&self.set, &self.opts)?;
        self.set = set;
        self.exactness = self.exactness.and(ex);
        let next = self.map.apply(&self.x, &self.theta)?;
        check_len("Piggyback: F(x) length", self.x.len(), next.len())?;
        self.x = next;
        let s = sup_fro_est(&self.set)?;
        self.norms.push(s);
        Ok(s)
    }
    /// Current iterate.
    pub fn x(&self) -> &[S] {
        &self.x
    }
    /// Current set `J_t`.
    pub fn set(&self) -> &MatrixSet<S> {
        &self.set
    }
    /// How `J_t` relates to the exact set of the recursion (exact, an outer
    /// enclosure, or, under the inner overflow policies, an inner approximation).
    pub fn exactness(&self) -> Exactness {
        self.exactness
    }
    /// `sup ‖J_t‖_F` for `t = 0, 1, …` (f64 estimates).
    pub fn norms(&self) -> &[f64] {
        &self.norms
    }
    /// Run the recursion with the stopping rule `opts` (no observers; use a
    /// [`Driver`](super::Driver) to watch it).
    pub fn run(self, opts: &IterOptions) -> Result<PiggybackOutput<S>> {
        driver::run(self, opts)
    }
}

impl<S: Scalar, F: FixedPointMap<S> + ?Sized> Stepper for Piggyback<'_, S, F> {
    type Output = PiggybackOutput<S>;

    fn name(&self) -> &'static str {
        "piggyback recursion"
    }

    /// One step; the residual is `max(‖x_{t+1} − x_t‖, |sup‖J_{t+1}‖ − sup‖J_t‖|)`, a
    /// necessary (not sufficient) sign that iterates and sets have settled.
    fn next(&mut self) -> Result<f64> {
        let x_before = self.x.clone();
        let before = self.norms.last().copied().unwrap_or(0.0);
        let after = self.step()?;
        Ok(dist_est(&self.x, &x_before).max((after - before).abs()))
    }

    fn smooth(&self) -> bool {
        self.single
    }

    fn finish(self, report: Report) -> Result<PiggybackOutput<S>> {
        Ok(PiggybackOutput {
            x: self.x,
            set: self.set,
            exactness: self.exactness,
            norms: self.norms,
            report,
        })
    }
}

/// An approximation of `fix(J)` after `t` iterations from `X_0 = {X₀}`.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedSetApprox<S> {
    /// `X_t = J^t({X₀})` (or an outer enclosure of it when `exact_iterates` is false).
    pub set: MatrixSet<S>,
    /// `t`.
    pub iterations: usize,
    /// The contraction factor used, `ρ ≥ sup_{[A,B] ∈ J} ‖A‖₂`.
    pub rho: f64,
    /// `H({X₀}, J({X₀})) = max_{vertices} ‖A X₀ + B − X₀‖_F`.
    pub h0: f64,
    /// `ρ^t h0 / (1 − ρ)`: `fix(J)` lies within this Frobenius distance of `set`, and,
    /// when `exact_iterates`, every element of `set` lies within it of `fix(J)`.
    pub bound: f64,
    /// Whether no enclosure (box) was introduced: the set is exactly `J^t({X₀})` (or its
    /// convex hull when `J` is a hull).
    pub exact_iterates: bool,
}

/// Approximate `fix(J)` from `X_0 = {x0}` with `t` applications of `J`.
///
/// `rho` must bound `sup ‖A‖₂` over the family (pass a certified one when available);
/// when `None`, the closed-form spectral bound `min(√(‖A‖₁‖A‖_∞), ‖A‖_F)` is taken
/// per extreme point (or over the box) and estimated in f64. Errors with
/// [`Error::NotContractive`] when `ρ ≥ 1`, where the bound says nothing (the
/// recursion itself is still available through [`MatrixSet::act_with`]).
pub fn fixed_set<S: Scalar>(
    d: &MatrixSet<S>,
    x0: &Matrix<S>,
    t: usize,
    rho: Option<f64>,
    opts: &SetOptions,
) -> Result<FixedSetApprox<S>> {
    if matches!(opts.overflow, Overflow::KeepLargest | Overflow::KeepExtreme) {
        return Err(Error::Unsupported {
            what: "fixed_set with an inner overflow policy (use Enclose or Fail)".into(),
        });
    }
    let (n, nm) = d.shape();
    if x0.rows() != n || nm != n + x0.cols() {
        return Err(Error::DimensionMismatch {
            op: "fixed_set",
            left: (n, nm),
            right: x0.shape(),
        });
    }
    let points = d.points(opts.diagbox_vertex_cap)?;
    let rho = match rho {
        Some(r) => r,
        None => {
            // Per extreme point when they are explicit (tighter than the set formulas).
            let family = match &points {
                Some(p) => MatrixSet::finite(p.clone())?,
                None => d.clone(),
            };
            family.leading_cols(n)?.sup_norm(Norm::Two)?.to_f64()
        }
    };
    if !(rho < 1.0) || rho < 0.0 {
        return Err(Error::NotContractive {
            rho,
            context: "fixed_set: sup ‖A‖₂ bound".into(),
        });
    }
    let start = MatrixSet::singleton(x0.clone())?;
    let image = d.act_with(&start, opts)?.0;
    let h0 = crate::excess::excess_sq(&image, &start)?
        .sq
        .to_f64()
        .max(0.0)
        .sqrt();
    let mut set = start;
    let mut exact = points.is_some();
    for _ in 0..t {
        set = d.act_with(&set, opts)?.0;
        if set.is_box() {
            exact = false;
        }
    }
    let bound = rho.powi(t.min(i32::MAX as usize) as i32) * h0 / (1.0 - rho);
    Ok(FixedSetApprox {
        set,
        iterations: t,
        rho,
        h0,
        bound,
        exact_iterates: exact,
    })
}
