//! Approximate implicit differentiation (AID, docs/mathematics.md §5) with one fixed linearization
//! `[A, B]` taken at `x_t ≈ x̄(θ)`: the derivative is `(I − A)^{-1} B` (forward form,
//! applied to directions `θ̇`) or `Bᵀ (I − Aᵀ)^{-1} v` (adjoint form, a hypergradient).
//!
//! | engine | forward | adjoint | scalars | memory |
//! |---|---|---|---|---|
//! | fixed-point iteration (AID-FP) | [`fp_forward`] | [`fp_adjoint`] | any | `O(n·k)` |
//! | dense solve of `(I − A) J = B θ̇` | [`solve_dense`] | [`solve_dense_adjoint`] | any (exact over rationals) | `O(n²)` |
//! | GMRES(m), restarted, matrix-free | [`gmres_forward`] | [`gmres_adjoint`] | f64 | `O(n·m)` |
//! | GMRES(m) with a fixed budget of products (convergence studies) | [`gmres_fixed_budget`] | | f64 | `O(n·m)` |
//! | truncated Neumann series `Σ_{k≤K} Aᵏ B θ̇` | [`neumann`] | | any | `O(n·k)` |
//! | FPAD (Neumann / fixed point at `x*`) | [`fpad`] | | any | `O(n·k)` |
//!
//! GMRES is used because `I − A` is **not symmetric** in general (forward–backward
//! Jacobians are `diag(q)(I − γ AᵀA)`): conjugate gradients would be wrong.
//!
//! The iterative engines are [`Stepper`]s ([`AidFp`], [`AidFpAdjoint`], [`Gmres`],
//! [`Neumann`]) run by the [`driver`]; the functions above run them
//! without observers.

use super::driver::{self, Report, Stepper};
use super::{check_finite, check_len, dense, dist_est, norm_est, IterOptions};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::maps::{FixedPointMap, Linearization};
use crate::scalar::Scalar;
use std::time::Instant;

/// A derivative with its report.
#[derive(Clone, Debug, PartialEq)]
pub struct AidOutput<D> {
    /// The derivative.
    pub derivative: D,
    /// Iterations, residual, smoothness.
    pub report: Report,
}

/// Adjoint-form result: `w = (I − Aᵀ)^{-1} v` and `θ̄ = Bᵀ w`.
#[derive(Clone, Debug, PartialEq)]
pub struct Adjoint<S> {
    /// `w ∈ Rⁿ`.
    pub w: Vec<S>,
    /// `θ̄ = Bᵀ w ∈ Rᵐ`.
    pub theta_bar: Vec<S>,
}

/// `B · directions` column by column (`n × k`).
fn b_times<S: Scalar>(lin: &mut dyn Linearization<S>, directions: &Matrix<S>) -> Result<Matrix<S>> {
    let (n, m) = lin.dims();
    if directions.rows() != m {
        return Err(Error::DimensionMismatch {
            op: "AID directions",
            left: (m, 1),
            right: directions.shape(),
        });
    }
    directions.check_finite("AID directions")?;
    let mut out = Matrix::zeros(n, directions.cols());
    let mut col = vec![S::zero(); n];
    for j in 0..directions.cols() {
        lin.b_mul_into(directions.column(j), &mut col)?;
        out.as_mut_slice()[j * n..(j + 1) * n].clone_from_slice(&col);
    }
    Ok(out)
}

/// AID-FP in forward form as a [`Stepper`]: `J ← A J + R` with `R = B θ̇`.
pub struct AidFp<'a, S: Scalar> {
    lin: &'a mut dyn Linearization<S>,
    rhs: Matrix<S>,
    j: Matrix<S>,
    col: Vec<S>,
    iterations: usize,
}

impl<'a, S: Scalar> AidFp<'a, S> {
    /// Start from `J₀ = 0` along the columns of `directions` (`m × k`).
    pub fn new(lin: &'a mut dyn Linearization<S>, directions: &Matrix<S>) -> Result<Self> {
        let rhs = b_times(lin, directions)?;
        let (n, _) = lin.dims();
        Ok(AidFp {
            lin,
            j: Matrix::zeros(n, rhs.cols()),
            rhs,
            col: vec![S::zero(); n],
            iterations: 0,
        })
    }
    /// One step; returns `‖J_{k+1} − J_k‖_F` (f64 estimate).
    pub fn step(&mut self) -> Result<f64> {
        let n = self.rhs.rows();
        let mut d = 0.0;
        for c in 0..self.j.cols() {
            self.lin.a_mul_into(self.j.column(c), &mut self.col)?;
            for i in 0..n {
                let v = self.col[i].add(&self.rhs[(i, c)]);
                d += v.sub(&self.j[(i, c)]).to_f64().powi(2);
                self.j[(i, c)] = v;
            }
        }
        self.iterations += 1;
        Ok(d.sqrt())
    }
    /// Current `J_k`.
    pub fn derivative(&self) -> &Matrix<S> {
        &self.j
    }
    /// Iterations done.
    pub fn iterations(&self) -> usize {
        self.iterations
    }
}

impl<S: Scalar> Stepper for AidFp<'_, S> {
    type Output = AidOutput<Matrix<S>>;
    fn name(&self) -> &'static str {
        "AID-FP forward"
    }
    fn next(&mut self) -> Result<f64> {
        self.step()
    }
    fn smooth(&self) -> bool {
        self.lin.is_smooth_point()
    }
    fn finish(self, report: Report) -> Result<Self::Output> {
        check_finite(self.j.as_slice(), "AID-FP forward derivative")?;
        Ok(AidOutput {
            derivative: self.j,
            report,
        })
    }
}

/// AID-FP in adjoint form as a [`Stepper`]: `w ← Aᵀ w + v` from `w₀ = 0`, then
/// `θ̄ = Bᵀ w`.
pub struct AidFpAdjoint<'a, S: Scalar> {
    lin: &'a mut dyn Linearization<S>,
    v: Vec<S>,
    w: Vec<S>,
    next: Vec<S>,
}

impl<'a, S: Scalar> AidFpAdjoint<'a, S> {
    /// Start from `w₀ = 0` for the right-hand side `v` (for a hypergradient `∇ₓL`).
    pub fn new(lin: &'a mut dyn Linearization<S>, v: &[S]) -> Result<Self> {
        let (n, _) = lin.dims();
        check_len("AID-FP adjoint v", n, v.len())?;
        check_finite(v, "AID-FP adjoint v")?;
        Ok(AidFpAdjoint {
            lin,
            v: v.to_vec(),
            w: vec![S::zero(); n],
            next: vec![S::zero(); n],
        })
    }
}

impl<S: Scalar> Stepper for AidFpAdjoint<'_, S> {
    type Output = AidOutput<Adjoint<S>>;
    fn name(&self) -> &'static str {
        "AID-FP adjoint"
    }
    fn next(&mut self) -> Result<f64> {
        self.lin.at_mul_into(&self.w, &mut self.next)?;
        for (a, b) in self.next.iter_mut().zip(&self.v) {
            *a = a.add(b);
        }
        let d = dist_est(&self.next, &self.w);
        std::mem::swap(&mut self.w, &mut self.next);
        Ok(d)
    }
    fn smooth(&self) -> bool {
        self.lin.is_smooth_point()
    }
    fn finish(self, report: Report) -> Result<Self::Output> {
        let (_, m) = self.lin.dims();
        let mut theta_bar = vec![S::zero(); m];
        self.lin.bt_mul_into(&self.w, &mut theta_bar)?;
        check_finite(&theta_bar, "AID-FP adjoint θ̄")?;
        Ok(AidOutput {
            derivative: Adjoint {
                w: self.w,
                theta_bar,
            },
            report,
        })
    }
}

/// AID-FP, forward form: iterate `J ← A J + B θ̇` from `0` (its fixed point is
/// `(I − A)^{-1} B θ̇`; converges linearly at rate `ρ(A)` when `‖A‖ ≤ ρ < 1`).
pub fn fp_forward<S: Scalar>(
    lin: &mut dyn Linearization<S>,
    directions: &Matrix<S>,
    opts: &IterOptions,
) -> Result<AidOutput<Matrix<S>>> {
    driver::run(AidFp::new(lin, directions)?, opts)
}

/// AID-FP, adjoint form: iterate `w ← Aᵀ w + v` from `0`, return `w` and `θ̄ = Bᵀ w`
/// (for a hypergradient, `v = ∇ₓL`; add `∇_θ L` to `θ̄`).
pub fn fp_adjoint<S: Scalar>(
    lin: &mut dyn Linearization<S>,
    v: &[S],
    opts: &IterOptions,
) -> Result<AidOutput<Adjoint<S>>> {
    driver::run(AidFpAdjoint::new(lin, v)?, opts)
}

/// `‖(I − A) J − R‖_F` (f64 estimate).
fn forward_residual<S: Scalar>(
    lin: &mut dyn Linearization<S>,
    j: &Matrix<S>,
    rhs: &Matrix<S>,
) -> Result<f64> {
    let n = j.rows();
    let mut col = vec![S::zero(); n];
    let mut d = 0.0;
    for c in 0..j.cols() {
        lin.a_mul_into(j.column(c), &mut col)?;
        for i in 0..n {
            d += j[(i, c)].sub(&col[i]).sub(&rhs[(i, c)]).to_f64().powi(2);
        }
    }
    Ok(d.sqrt())
}

/// AID by direct solve: `(I − A) J = B θ̇` with dense Gaussian elimination
/// ([`dense::solve`]): exact over rationals, nalgebra LU in f64.
/// [`Error::Singular`] when `I − A` is singular (exactly, or to f64 working precision).
pub fn solve_dense<S: Scalar>(
    lin: &mut dyn Linearization<S>,
    directions: &Matrix<S>,
) -> Result<AidOutput<Matrix<S>>> {
    let started = Instant::now();
    let rhs = b_times(lin, directions)?;
    let (a, _) = lin.to_dense()?;
    let j = dense::solve(&dense::identity_minus(&a)?, &rhs)?;
    let res = forward_residual(lin, &j, &rhs)?;
    Ok(AidOutput {
        derivative: j,
        report: Report::direct(res, lin.is_smooth_point(), started),
    })
}

/// Adjoint dense solve: `(I − A)ᵀ w = v`, `θ̄ = Bᵀ w`.
pub fn solve_dense_adjoint<S: Scalar>(
    lin: &mut dyn Linearization<S>,
    v: &[S],
) -> Result<AidOutput<Adjoint<S>>> {
    let started = Instant::now();
    let (n, m) = lin.dims();
    check_len("AID dense adjoint v", n, v.len())?;
    let (a, _) = lin.to_dense()?;
    let w = dense::solve_vec(&dense::identity_minus(&a)?.transpose(), v)?;
    let mut atw = vec![S::zero(); n];
    lin.at_mul_into(&w, &mut atw)?;
    let res = w
        .iter()
        .zip(&atw)
        .zip(v)
        .map(|((a, b), c)| a.sub(b).sub(c).to_f64().powi(2))
        .sum::<f64>()
        .sqrt();
    let mut theta_bar = vec![S::zero(); m];
    lin.bt_mul_into(&w, &mut theta_bar)?;
    Ok(AidOutput {
        derivative: Adjoint { w, theta_bar },
        report: Report::direct(res, lin.is_smooth_point(), started),
    })
}

/// Options of restarted GMRES.
#[derive(Clone, Debug, PartialEq)]
pub struct GmresOptions {
    /// Krylov dimension before a restart (`m` in GMRES(m)).
    pub restart: usize,
    /// Budget of operator applications.
    pub max_matvec: usize,
    /// Stop when `‖r‖ ≤ max(rel_tol·‖rhs‖, abs_tol)`.
    pub rel_tol: f64,
    /// Absolute tolerance.
    pub abs_tol: f64,
}

impl Default for GmresOptions {
    fn default() -> Self {
        GmresOptions {
            restart: 30,
            max_matvec: 2000,
            rel_tol: 1e-10,
            abs_tol: 0.0,
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A solution of `M x = b` by GMRES with its report (`iterations` counts operator
/// applications; `residual` is the true `‖b − M x‖`).
#[derive(Clone, Debug, PartialEq)]
pub struct GmresSolution {
    /// `x`.
    pub x: Vec<f64>,
    /// Operator applications, true final residual, termination.
    pub report: Report,
}

/// Restarted GMRES(m) as a [`Stepper`]: one step is one application of the operator
/// (an Arnoldi step with modified Gram–Schmidt and Givens rotations, or, at a restart,
/// the true residual `b − M x`).
pub struct Gmres<Op: FnMut(&[f64], &mut [f64]) -> Result<()>> {
    op: Op,
    b: Vec<f64>,
    x: Vec<f64>,
    opts: GmresOptions,
    target: f64,
    /// Restart length `m`.
    m: usize,
    matvecs: usize,
    /// True residual `‖b − M x‖` at the last restart.
    beta: f64,
    /// Current Arnoldi cycle: basis, triangularised Hessenberg columns, rotations, `g`.
    basis: Vec<Vec<f64>>,
    hess: Vec<Vec<f64>>,
    cs: Vec<f64>,
    sn: Vec<f64>,
    g: Vec<f64>,
    /// Whether the next step recomputes the true residual (a restart).
    restart_due: bool,
    converged: bool,
    /// Fixed-budget mode ([`Gmres::with_budget`]): no tolerance, running out of budget
    /// is not an error, an invariant Krylov space ends the run.
    fixed_budget: bool,
}

impl<Op: FnMut(&[f64], &mut [f64]) -> Result<()>> Gmres<Op> {
    /// GMRES for `M x = b` with `M` given as `op(v, out)`: `out = M v`.
    pub fn new(op: Op, b: &[f64], opts: &GmresOptions) -> Result<Self> {
        check_finite(b, "GMRES right-hand side")?;
        if opts.restart == 0 || !(opts.rel_tol >= 0.0) || !(opts.abs_tol >= 0.0) {
            return Err(Error::parameter(
                "GmresOptions",
                format!("{opts:?}"),
                "restart ≥ 1, rel_tol ≥ 0, abs_tol ≥ 0",
            ));
        }
        let n = b.len();
        let bnorm = dot(b, b).sqrt();
        let mut g = Gmres {
            op,
            b: b.to_vec(),
            x: vec![0.0; n],
            opts: opts.clone(),
            target: (opts.rel_tol * bnorm).max(opts.abs_tol),
            m: opts.restart.min(n.max(1)),
            matvecs: 0,
            beta: bnorm,
            basis: Vec::new(),
            hess: Vec::new(),
            cs: Vec::new(),
            sn: Vec::new(),
            g: Vec::new(),
            restart_due: false,
            converged: false,
            fixed_budget: false,
        };
        // x₀ = 0: the first residual is b itself (no operator application).
        g.start_cycle(b.to_vec());
        Ok(g)
    }

    /// GMRES(`restart`) for a fixed budget of `budget` operator applications, for
    /// convergence studies (run it with [`gmres_fixed_budget`], or by a driver whose
    /// `max_iter` is `budget`): no tolerance; the run ends after `budget` products, at
    /// an exactly zero residual, or when the Krylov space becomes invariant (the
    /// least-squares iterate is then the best the space holds). Running out of budget
    /// is not an error: the caller measures the error of the iterate. The report's
    /// residual is the last one the run saw (the true `‖b − Mx‖` after a restart,
    /// otherwise the least-squares estimate of the cycle); no product is spent on a
    /// final true residual.
    pub fn with_budget(op: Op, b: &[f64], budget: usize, restart: usize) -> Result<Self> {
        let opts = GmresOptions {
            restart,
            max_matvec: budget,
            rel_tol: 0.0,
            abs_tol: 0.0,
        };
        let mut g = Self::new(op, b, &opts)?;
        g.fixed_budget = true;
        Ok(g)
    }

    /// Begin an Arnoldi cycle from the residual `r` (`‖r‖ = beta`), or declare
    /// convergence.
    fn start_cycle(&mut self, r: Vec<f64>) {
        self.basis.clear();
        self.hess.clear();
        self.cs.clear();
        self.sn.clear();
        self.restart_due = false;
        if self.beta <= self.target || self.beta == 0.0 {
            self.converged = true;
            return;
        }
        let beta = self.beta;
        self.basis.push(r.iter().map(|ri| ri / beta).collect());
        self.g = vec![0.0; self.m + 1];
        self.g[0] = beta;
    }

    /// `‖b − M x‖` (one operator application); sets `beta`.
    fn true_residual(&mut self) -> Result<Vec<f64>> {
        let mut mx = vec![0.0; self.b.len()];
        (self.op)(&self.x, &mut mx)?;
        self.matvecs += 1;
        let r: Vec<f64> = self.b.iter().zip(&mx).map(|(bi, mi)| bi - mi).collect();
        self.beta = dot(&r, &r).sqrt();
        if !self.beta.is_finite() {
            return Err(Error::NonFinite {
                context: "GMRES residual".into(),
            });
        }
        Ok(r)
    }

    /// `x += V y` from the triangularised Hessenberg system of the current cycle.
    fn close_cycle(&mut self) -> Result<()> {
        let used = self.hess.len();
        let mut y = vec![0.0; used];
        for i in (0..used).rev() {
            let mut s = self.g[i];
            for (l, yl) in y.iter().enumerate().take(used).skip(i + 1) {
                s -= self.hess[l][i] * yl;
            }
            let d = self.hess[i][i];
            if !(d.abs() > 1e-300) {
                return Err(Error::Singular { pivot: i });
            }
            y[i] = s / d;
        }
        for (yi, vi) in y.iter().zip(&self.basis) {
            for (xl, vl) in self.x.iter_mut().zip(vi) {
                *xl += yi * vl;
            }
        }
        self.restart_due = true;
        Ok(())
    }
}

impl<Op: FnMut(&[f64], &mut [f64]) -> Result<()>> Stepper for Gmres<Op> {
    type Output = GmresSolution;

    fn name(&self) -> &'static str {
        "GMRES"
    }

    fn next(&mut self) -> Result<f64> {
        if self.restart_due {
            let r = self.true_residual()?;
            self.start_cycle(r);
            return Ok(self.beta);
        }
        let j = self.hess.len();
        let mut w = vec![0.0; self.b.len()];
        (self.op)(&self.basis[j], &mut w)?;
        self.matvecs += 1;
        let mut col = vec![0.0; j + 2];
        for (i, vi) in self.basis.iter().enumerate().take(j + 1) {
            let hij = dot(&w, vi);
            col[i] = hij;
            for (wl, vl) in w.iter_mut().zip(vi) {
                *wl -= hij * vl;
            }
        }
        let hnext = dot(&w, &w).sqrt();
        col[j + 1] = hnext;
        for i in 0..j {
            let t = self.cs[i] * col[i] + self.sn[i] * col[i + 1];
            col[i + 1] = -self.sn[i] * col[i] + self.cs[i] * col[i + 1];
            col[i] = t;
        }
        let rr = col[j].hypot(col[j + 1]);
        let (c, s) = if rr == 0.0 {
            (1.0, 0.0)
        } else {
            (col[j] / rr, col[j + 1] / rr)
        };
        col[j] = rr;
        col[j + 1] = 0.0;
        self.cs.push(c);
        self.sn.push(s);
        self.g[j + 1] = -s * self.g[j];
        self.g[j] *= c;
        let resid = self.g[j + 1].abs();
        self.hess.push(col);
        let breakdown = !(hnext > 1e-14 * self.beta);
        if !breakdown {
            self.basis.push(w.iter().map(|wi| wi / hnext).collect());
        }
        let out_of_budget = self.matvecs >= self.opts.max_matvec;
        if resid <= self.target || breakdown || j + 1 == self.m || out_of_budget {
            self.close_cycle()?;
            if breakdown && self.fixed_budget {
                // Invariant Krylov space: the least-squares iterate is final.
                self.converged = true;
            } else if breakdown && resid > self.target {
                // The Krylov space is invariant but the residual is not small: an
                // inconsistent singular system.
                return Err(Error::Singular { pivot: j + 1 });
            }
        }
        Ok(resid)
    }

    fn is_done(&self) -> bool {
        self.converged
    }

    /// Converged only on the true residual: when the budget (or an observer) ended the
    /// run inside a cycle, the cycle is closed and the true residual computed here
    /// (one more operator application, as at a restart). A stopped run returns its
    /// last `x` with [`Termination::Stopped`](super::Termination::Stopped).
    fn finish(mut self, mut report: Report) -> Result<GmresSolution> {
        if self.fixed_budget {
            if !self.restart_due && !self.hess.is_empty() {
                self.close_cycle()?;
            }
            check_finite(&self.x, "GMRES iterate")?;
            report.iterations = self.matvecs;
            if self.matvecs == 0 {
                report.residual = self.beta;
            }
            if report.termination == super::Termination::Budget {
                report.termination = super::Termination::Finished;
            }
            return Ok(GmresSolution { x: self.x, report });
        }
        if !self.converged {
            if !self.restart_due && !self.hess.is_empty() {
                self.close_cycle()?;
            }
            if self.restart_due {
                self.true_residual()?;
                self.converged = self.beta <= self.target;
            }
        }
        if !self.converged && report.termination != super::Termination::Stopped {
            return Err(Error::NotConverged {
                what: "GMRES",
                iterations: self.matvecs,
                residual: self.beta,
            });
        }
        report.iterations = self.matvecs;
        report.residual = self.beta;
        if report.termination == super::Termination::Budget {
            report.termination = super::Termination::Finished;
        }
        Ok(GmresSolution { x: self.x, report })
    }
}

/// Restarted GMRES(m) for `M x = b` with `M` given as a closure `out = M v`
/// (any non-singular `M`, not necessarily symmetric): the [`Gmres`] stepper run to
/// convergence (`‖b − M x‖ ≤ max(rel_tol·‖b‖, abs_tol)`) within `max_matvec`
/// operator applications.
///
/// Errors: [`Error::NotConverged`] when the budget runs out; [`Error::Singular`] when
/// the Krylov space becomes invariant while the residual is not small (an inconsistent
/// singular system).
pub fn gmres(
    op: impl FnMut(&[f64], &mut [f64]) -> Result<()>,
    b: &[f64],
    opts: &GmresOptions,
) -> Result<GmresSolution> {
    let budget = IterOptions {
        max_iter: opts.max_matvec,
        tol: 0.0,
        // The GMRES residual never increases; its own test decides convergence.
        divergence_factor: f64::INFINITY,
    };
    driver::run(Gmres::new(op, b, opts)?, &budget)
}

/// GMRES(`restart`) with a fixed budget of `budget` operator applications (for
/// convergence studies): the [`Gmres::with_budget`] stepper run by the driver for
/// `budget` steps. Returns the iterate after exactly `budget` products (or fewer, if
/// the residual becomes exactly zero or the Krylov space invariant) with its report.
///
/// Errors: `restart = 0` ([`Error::InvalidParameter`]); non-finite input or iterate; a
/// singular triangular factor ([`Error::Singular`]).
pub fn gmres_fixed_budget(
    op: impl FnMut(&[f64], &mut [f64]) -> Result<()>,
    b: &[f64],
    budget: usize,
    restart: usize,
) -> Result<GmresSolution> {
    let all_steps = IterOptions {
        max_iter: budget,
        tol: 0.0,
        divergence_factor: f64::INFINITY,
    };
    driver::run(Gmres::with_budget(op, b, budget, restart)?, &all_steps)
}

/// AID by GMRES, forward form: solve `(I − A) u = B θ̇` matrix-free.
pub fn gmres_forward(
    lin: &mut dyn Linearization<f64>,
    theta_dot: &[f64],
    opts: &GmresOptions,
) -> Result<AidOutput<Vec<f64>>> {
    let (n, m) = lin.dims();
    check_len("AID-GMRES θ̇", m, theta_dot.len())?;
    check_finite(theta_dot, "AID-GMRES θ̇")?;
    let mut rhs = vec![0.0; n];
    lin.b_mul_into(theta_dot, &mut rhs)?;
    let smooth = lin.is_smooth_point();
    let sol = gmres(
        |x, out| {
            lin.a_mul_into(x, out)?;
            for (o, xi) in out.iter_mut().zip(x) {
                *o = xi - *o;
            }
            Ok(())
        },
        &rhs,
        opts,
    )?;
    Ok(AidOutput {
        derivative: sol.x,
        report: Report {
            smooth,
            ..sol.report
        },
    })
}

/// AID by GMRES, adjoint form: solve `(I − Aᵀ) w = v` matrix-free, `θ̄ = Bᵀ w`.
pub fn gmres_adjoint(
    lin: &mut dyn Linearization<f64>,
    v: &[f64],
    opts: &GmresOptions,
) -> Result<AidOutput<Adjoint<f64>>> {
    let (n, m) = lin.dims();
    check_len("AID-GMRES adjoint v", n, v.len())?;
    let sol = gmres(
        |x, out| {
            lin.at_mul_into(x, out)?;
            for (o, xi) in out.iter_mut().zip(x) {
                *o = xi - *o;
            }
            Ok(())
        },
        v,
        opts,
    )?;
    let mut theta_bar = vec![0.0; m];
    lin.bt_mul_into(&sol.x, &mut theta_bar)?;
    Ok(AidOutput {
        report: Report {
            smooth: lin.is_smooth_point(),
            ..sol.report
        },
        derivative: Adjoint {
            w: sol.x,
            theta_bar,
        },
    })
}

/// Truncated Neumann series result.
#[derive(Clone, Debug, PartialEq)]
pub struct NeumannOutput<S> {
    /// `Σ_{k=0}^{K} Aᵏ B θ̇` (`n × k` directions).
    pub derivative: Matrix<S>,
    /// `K + 1` terms; residual = Frobenius norm of the last term.
    pub report: Report,
    /// When `ρ ≥ ‖A‖₂` with `ρ < 1` was supplied: `ρ^{K+1}/(1 − ρ)·‖B θ̇‖_F`, a bound on
    /// the neglected tail (f64 estimate unless `ρ` is certified).
    pub tail_bound: Option<f64>,
}

/// The truncated Neumann series as a [`Stepper`]: step `k` adds the term `Aᵏ B θ̇`.
pub struct Neumann<'a, S: Scalar> {
    lin: &'a mut dyn Linearization<S>,
    term: Matrix<S>,
    sum: Matrix<S>,
    col: Vec<S>,
    terms: usize,
    added: usize,
    b_norm: f64,
    rho: Option<f64>,
}

impl<'a, S: Scalar> Neumann<'a, S> {
    /// The series `Σ_{k<terms} Aᵏ B θ̇` along the columns of `directions`, with the
    /// contraction factor `rho` of `A` for the tail bound when known.
    pub fn new(
        lin: &'a mut dyn Linearization<S>,
        directions: &Matrix<S>,
        terms: usize,
        rho: Option<f64>,
    ) -> Result<Self> {
        if let Some(r) = rho {
            if !(0.0..1.0).contains(&r) {
                return Err(Error::NotContractive {
                    rho: r,
                    context: "Neumann series: supplied ρ".into(),
                });
            }
        }
        let term = b_times(lin, directions)?;
        let b_norm = norm_est(term.as_slice());
        Ok(Neumann {
            lin,
            sum: Matrix::zeros(term.rows(), term.cols()),
            col: vec![S::zero(); term.rows()],
            term,
            terms,
            added: 0,
            b_norm,
            rho,
        })
    }
}

impl<S: Scalar> Stepper for Neumann<'_, S> {
    type Output = NeumannOutput<S>;
    fn name(&self) -> &'static str {
        "Neumann series"
    }
    fn next(&mut self) -> Result<f64> {
        self.sum = self.sum.add(&self.term)?;
        let last = norm_est(self.term.as_slice());
        self.added += 1;
        if self.added < self.terms {
            let n = self.term.rows();
            let mut next = Matrix::zeros(n, self.term.cols());
            for c in 0..self.term.cols() {
                self.lin.a_mul_into(self.term.column(c), &mut self.col)?;
                next.as_mut_slice()[c * n..(c + 1) * n].clone_from_slice(&self.col);
            }
            self.term = next;
        }
        Ok(last)
    }
    fn is_done(&self) -> bool {
        self.added >= self.terms
    }
    fn smooth(&self) -> bool {
        self.lin.is_smooth_point()
    }
    fn finish(self, mut report: Report) -> Result<NeumannOutput<S>> {
        check_finite(self.sum.as_slice(), "Neumann series")?;
        if self.added == 0 {
            report.residual = self.b_norm;
        }
        let tail_bound = self
            .rho
            .map(|r| r.powi(self.terms.min(i32::MAX as usize) as i32) / (1.0 - r) * self.b_norm);
        Ok(NeumannOutput {
            derivative: self.sum,
            report,
            tail_bound,
        })
    }
}

/// Truncated Neumann series `Σ_{k=0}^{K} Aᵏ B θ̇` with `terms = K + 1`, and the a priori
/// tail bound when a contraction factor `rho` of `A` is known.
pub fn neumann<S: Scalar>(
    lin: &mut dyn Linearization<S>,
    directions: &Matrix<S>,
    terms: usize,
    rho: Option<f64>,
) -> Result<NeumannOutput<S>> {
    let all_terms = IterOptions {
        max_iter: terms,
        tol: 0.0,
        // A divergent series (ρ(A) ≥ 1) is the caller's to judge from the terms.
        divergence_factor: f64::INFINITY,
    };
    driver::run(Neumann::new(lin, directions, terms, rho)?, &all_terms)
}

/// FPAD result: the derivative and the fixed-point residual of the point it used.
#[derive(Clone, Debug, PartialEq)]
pub struct FpadOutput<S> {
    /// `J_K` from `J₀ = 0`.
    pub derivative: Matrix<S>,
    /// Iterations, residual `‖J_K − J_{K−1}‖`, smoothness of the linearization at `x*`.
    pub report: Report,
    /// `‖F(x*, θ) − x*‖` (f64 estimate): how far `x*` is from a fixed point.
    pub fixed_point_residual: f64,
}

/// FPAD (Ochs et al.; Mehmood & Ochs): the piggyback recursion frozen at the computed
/// fixed point `x*`, `J_{k+1} = A(x*) J_k + B(x*) θ̇` from `0`; it stores only `x*` and
/// equals the Neumann partial sums, hence implicit differentiation in the limit.
pub fn fpad<S: Scalar, F: FixedPointMap<S> + ?Sized>(
    map: &F,
    x_star: &[S],
    theta: &[S],
    directions: &Matrix<S>,
    opts: &IterOptions,
) -> Result<FpadOutput<S>> {
    map.check_input(x_star, theta)?;
    let fx = map.apply(x_star, theta)?;
    let fixed_point_residual = dist_est(&fx, x_star);
    let mut lin = map.linearize(x_star, theta)?;
    let out = fp_forward(lin.as_mut(), directions, opts)?;
    Ok(FpadOutput {
        derivative: out.derivative,
        report: out.report,
        fixed_point_residual,
    })
}
