//! Approximate implicit differentiation (AID, MATH.md §5) with one fixed linearization
//! `[A, B]` taken at `x_t ≈ x̄(θ)`: the derivative is `(I − A)^{-1} B` (forward form,
//! applied to directions `θ̇`) or `Bᵀ (I − Aᵀ)^{-1} v` (adjoint form, a hypergradient).
//!
//! | engine | forward | adjoint | scalars | memory |
//! |---|---|---|---|---|
//! | fixed-point iteration (AID-FP) | [`fp_forward`] | [`fp_adjoint`] | any | `O(n·k)` |
//! | dense solve of `(I − A) J = B θ̇` | [`solve_dense`] | [`solve_dense_adjoint`] | any (exact over rationals) | `O(n²)` |
//! | GMRES(m), restarted, matrix-free | [`gmres_forward`] | [`gmres_adjoint`] | f64 | `O(n·m)` |
//! | truncated Neumann series `Σ_{k≤K} Aᵏ B θ̇` | [`neumann`] | | any | `O(n·k)` |
//! | FPAD (Neumann / fixed point at `x*`) | [`fpad`] | | any | `O(n·k)` |
//!
//! GMRES is used because `I − A` is **not symmetric** in general (forward–backward
//! Jacobians are `diag(q)(I − γ AᵀA)`): conjugate gradients would be wrong.

use super::{
    check_finite, check_len, dense, dist_est, norm_est, GrowthMonitor, IterOptions, Report,
};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::maps::{FixedPointMap, Linearization};
use crate::scalar::Scalar;

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

/// AID-FP in forward form as a step-by-step state: `J ← A J + R` with `R = B θ̇`.
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

/// Run a residual-returning step until tolerance, with divergence detection.
fn drive(
    mut step: impl FnMut() -> Result<f64>,
    opts: &IterOptions,
    what: &'static str,
) -> Result<(usize, f64)> {
    opts.validate()?;
    let mut mon = GrowthMonitor::new(opts.divergence_factor);
    let mut res = f64::INFINITY;
    let mut k = 0;
    while k < opts.max_iter {
        res = step()?;
        mon.observe(k, res, what)?;
        k += 1;
        if opts.tol > 0.0 && res <= opts.tol {
            return Ok((k, res));
        }
    }
    if opts.tol > 0.0 {
        return Err(Error::NotConverged {
            what,
            iterations: k,
            residual: res,
        });
    }
    Ok((k, res))
}

/// AID-FP, forward form: iterate `J ← A J + B θ̇` from `0` (its fixed point is
/// `(I − A)^{-1} B θ̇`; converges linearly at rate `ρ(A)` when `‖A‖ ≤ ρ < 1`).
pub fn fp_forward<S: Scalar>(
    lin: &mut dyn Linearization<S>,
    directions: &Matrix<S>,
    opts: &IterOptions,
) -> Result<AidOutput<Matrix<S>>> {
    let mut st = AidFp::new(lin, directions)?;
    let (k, res) = drive(|| st.step(), opts, "AID-FP forward")?;
    check_finite(st.j.as_slice(), "AID-FP forward derivative")?;
    let smooth = st.lin.is_smooth_point();
    Ok(AidOutput {
        derivative: st.j,
        report: Report::new(k, res, smooth),
    })
}

/// AID-FP, adjoint form: iterate `w ← Aᵀ w + v` from `0`, return `w` and `θ̄ = Bᵀ w`
/// (for a hypergradient, `v = ∇ₓL`; add `∇_θ L` to `θ̄`).
pub fn fp_adjoint<S: Scalar>(
    lin: &mut dyn Linearization<S>,
    v: &[S],
    opts: &IterOptions,
) -> Result<AidOutput<Adjoint<S>>> {
    let (n, m) = lin.dims();
    check_len("AID-FP adjoint v", n, v.len())?;
    check_finite(v, "AID-FP adjoint v")?;
    let mut w = vec![S::zero(); n];
    let mut next = vec![S::zero(); n];
    let (k, res) = drive(
        || {
            lin.at_mul_into(&w, &mut next)?;
            for (a, b) in next.iter_mut().zip(v) {
                *a = a.add(b);
            }
            let d = dist_est(&next, &w);
            std::mem::swap(&mut w, &mut next);
            Ok(d)
        },
        opts,
        "AID-FP adjoint",
    )?;
    let mut theta_bar = vec![S::zero(); m];
    lin.bt_mul_into(&w, &mut theta_bar)?;
    check_finite(&theta_bar, "AID-FP adjoint θ̄")?;
    Ok(AidOutput {
        derivative: Adjoint { w, theta_bar },
        report: Report::new(k, res, lin.is_smooth_point()),
    })
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
    let rhs = b_times(lin, directions)?;
    let (a, _) = lin.to_dense()?;
    let j = dense::solve(&dense::identity_minus(&a)?, &rhs)?;
    let res = forward_residual(lin, &j, &rhs)?;
    Ok(AidOutput {
        derivative: j,
        report: Report::new(1, res, lin.is_smooth_point()),
    })
}

/// Adjoint dense solve: `(I − A)ᵀ w = v`, `θ̄ = Bᵀ w`.
pub fn solve_dense_adjoint<S: Scalar>(
    lin: &mut dyn Linearization<S>,
    v: &[S],
) -> Result<AidOutput<Adjoint<S>>> {
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
        report: Report::new(1, res, lin.is_smooth_point()),
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

/// Restarted GMRES(m) for `M x = b` with `M` given as a closure `out = M v`
/// (any non-singular `M`, not necessarily symmetric). Modified Gram–Schmidt Arnoldi,
/// Givens rotations. Returns `(x, matvecs, ‖b − M x‖)`.
///
/// Errors: [`Error::NotConverged`] when the budget runs out; [`Error::Singular`] when
/// the Krylov space becomes invariant while the residual is not small (an inconsistent
/// singular system).
pub fn gmres(
    mut op: impl FnMut(&[f64], &mut [f64]) -> Result<()>,
    b: &[f64],
    opts: &GmresOptions,
) -> Result<(Vec<f64>, usize, f64)> {
    let n = b.len();
    check_finite(b, "GMRES right-hand side")?;
    if opts.restart == 0 || !(opts.rel_tol >= 0.0) || !(opts.abs_tol >= 0.0) {
        return Err(Error::InvalidInput(format!("GmresOptions {opts:?}")));
    }
    let mut x = vec![0.0; n];
    let bnorm = dot(b, b).sqrt();
    let target = (opts.rel_tol * bnorm).max(opts.abs_tol);
    if bnorm == 0.0 {
        return Ok((x, 0, 0.0));
    }
    let m = opts.restart.min(n.max(1));
    let mut total = 0usize;
    let mut r = b.to_vec();
    let mut tmp = vec![0.0; n];
    let mut first = true;
    loop {
        if !first {
            op(&x, &mut tmp)?;
            total += 1;
            for i in 0..n {
                r[i] = b[i] - tmp[i];
            }
        }
        first = false;
        let beta = dot(&r, &r).sqrt();
        if !beta.is_finite() {
            return Err(Error::NonFinite {
                context: "GMRES residual".into(),
            });
        }
        if beta <= target {
            return Ok((x, total, beta));
        }
        if total >= opts.max_matvec {
            return Err(Error::NotConverged {
                what: "GMRES",
                iterations: total,
                residual: beta,
            });
        }
        let mut v: Vec<Vec<f64>> = vec![r.iter().map(|ri| ri / beta).collect()];
        let mut h: Vec<Vec<f64>> = Vec::with_capacity(m);
        let mut cs: Vec<f64> = Vec::with_capacity(m);
        let mut sn: Vec<f64> = Vec::with_capacity(m);
        let mut g = vec![0.0; m + 1];
        g[0] = beta;
        let mut used = 0;
        let mut breakdown = false;
        let mut resid = beta;
        for j in 0..m {
            let mut w = vec![0.0; n];
            op(&v[j], &mut w)?;
            total += 1;
            let mut col = vec![0.0; j + 2];
            for (i, vi) in v.iter().enumerate().take(j + 1) {
                let hij = dot(&w, vi);
                col[i] = hij;
                for (wl, vl) in w.iter_mut().zip(vi) {
                    *wl -= hij * vl;
                }
            }
            let hnext = dot(&w, &w).sqrt();
            col[j + 1] = hnext;
            for i in 0..j {
                let t = cs[i] * col[i] + sn[i] * col[i + 1];
                col[i + 1] = -sn[i] * col[i] + cs[i] * col[i + 1];
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
            cs.push(c);
            sn.push(s);
            g[j + 1] = -s * g[j];
            g[j] *= c;
            resid = g[j + 1].abs();
            h.push(col);
            used = j + 1;
            breakdown = !(hnext > 1e-14 * beta);
            if !breakdown {
                v.push(w.iter().map(|wi| wi / hnext).collect());
            }
            if resid <= target || breakdown || total >= opts.max_matvec {
                break;
            }
        }
        // Back substitution in the triangularised Hessenberg system.
        let mut y = vec![0.0; used];
        for i in (0..used).rev() {
            let mut s = g[i];
            for (l, yl) in y.iter().enumerate().take(used).skip(i + 1) {
                s -= h[l][i] * yl;
            }
            let d = h[i][i];
            if !(d.abs() > 1e-300) {
                return Err(Error::Singular { pivot: i });
            }
            y[i] = s / d;
        }
        for (i, yi) in y.iter().enumerate() {
            for (xl, vl) in x.iter_mut().zip(&v[i]) {
                *xl += yi * vl;
            }
        }
        if breakdown && resid > target {
            return Err(Error::Singular { pivot: used });
        }
    }
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
    let (u, k, res) = gmres(
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
        derivative: u,
        report: Report::new(k, res, lin.is_smooth_point()),
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
    let (w, k, res) = gmres(
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
    lin.bt_mul_into(&w, &mut theta_bar)?;
    Ok(AidOutput {
        derivative: Adjoint { w, theta_bar },
        report: Report::new(k, res, lin.is_smooth_point()),
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

/// Truncated Neumann series `Σ_{k=0}^{K} Aᵏ B θ̇` with `terms = K + 1`, and the a priori
/// tail bound when a contraction factor `rho` of `A` is known.
pub fn neumann<S: Scalar>(
    lin: &mut dyn Linearization<S>,
    directions: &Matrix<S>,
    terms: usize,
    rho: Option<f64>,
) -> Result<NeumannOutput<S>> {
    if let Some(r) = rho {
        if !(0.0..1.0).contains(&r) {
            return Err(Error::NotContractive {
                rho: r,
                context: "Neumann series: supplied ρ".into(),
            });
        }
    }
    let mut term = b_times(lin, directions)?;
    let b_norm = norm_est(term.as_slice());
    let mut sum = Matrix::zeros(term.rows(), term.cols());
    let n = term.rows();
    let mut col = vec![S::zero(); n];
    let mut last = b_norm;
    for k in 0..terms {
        sum = sum.add(&term)?;
        last = norm_est(term.as_slice());
        if k + 1 < terms {
            let mut next = Matrix::zeros(n, term.cols());
            for c in 0..term.cols() {
                lin.a_mul_into(term.column(c), &mut col)?;
                next.as_mut_slice()[c * n..(c + 1) * n].clone_from_slice(&col);
            }
            term = next;
        }
    }
    check_finite(sum.as_slice(), "Neumann series")?;
    let tail_bound = rho.map(|r| r.powi(terms as i32) / (1.0 - r) * b_norm);
    Ok(NeumannOutput {
        derivative: sum,
        report: Report::new(terms, last, lin.is_smooth_point()),
        tail_bound,
    })
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
