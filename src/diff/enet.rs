//! The fast f64 path for the LASSO / elastic net (MATH.md §6):
//! `min_w (s/2)‖X w − y‖² + λ₁‖w‖₁ + (λ₂/2)‖w‖²` (`s = 1` as in MATH.md, `s = 1/n` as
//! in scikit-learn), solved by working-set cyclic coordinate descent, then
//! differentiated by the support-restricted implicit formula
//! `(s X_SᵀX_S + λ₂ I) ∂w_S/∂λ₁ = −sign(w_S)`, `(s X_SᵀX_S + λ₂ I) ∂w_S/∂λ₂ = −w_S`,
//! `∂w_{Sᶜ} = 0` (Bertrand et al. 2020), valid when the equicorrelation set equals the
//! support. The check is reported ([`Kkt`]), and the whole conservative Jacobian
//! (one element per vertex `q ∈ {0,1}^{E∖S}`) is available through
//! [`Enet::conservative_hypergradients`].
//!
//! Coordinate descent: precomputed `s‖X_j‖²`, residual updates (`O(n)` per coordinate),
//! a working set grown from KKT violations after each full gradient `Xᵀr`, stopping on
//! the duality gap `≤ tol · s‖y‖²` (scikit-learn's criterion). No allocation inside the
//! epochs. Memory: the design (`n·p`) plus `O(n + p)`; the restricted solve forms the
//! `|S| × |S|` Gram matrix (Cholesky) or runs conjugate gradients on it (it is
//! symmetric positive definite, so CG is correct here, unlike for `I − A`).

use crate::error::{Error, Result};
use crate::linalg::Matrix;

/// Dot product with four accumulators (vectorises).
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let chunks = n / 4;
    for k in 0..chunks {
        let i = 4 * k;
        acc[0] += a[i] * b[i];
        acc[1] += a[i + 1] * b[i + 1];
        acc[2] += a[i + 2] * b[i + 2];
        acc[3] += a[i + 3] * b[i + 3];
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for i in 4 * chunks..n {
        s += a[i] * b[i];
    }
    s
}

/// `y += c x`.
#[inline]
fn axpy(c: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += c * xi;
    }
}

#[inline]
fn soft(z: f64, t: f64) -> f64 {
    if z > t {
        z - t
    } else if z < -t {
        z + t
    } else {
        0.0
    }
}

/// An elastic-net problem with its design stored column-major.
#[derive(Clone, Debug)]
pub struct Enet {
    n: usize,
    p: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    scale: f64,
    col_sq: Vec<f64>,
    y_sq: f64,
}

/// Options of the coordinate-descent solver.
#[derive(Clone, Debug, PartialEq)]
pub struct CdOptions {
    /// Stop when the duality gap is `≤ tol · s‖y‖²`.
    pub tol: f64,
    /// Budget of outer iterations (each: one full gradient `Xᵀr` plus working-set epochs).
    pub max_outer: usize,
    /// Budget of coordinate-descent epochs over the working set per outer iteration.
    pub max_inner: usize,
    /// Relative tolerance deciding ties `|s X_jᵀr| = λ₁` in the equicorrelation test.
    pub kkt_tol: f64,
    /// Working-set size: `max(ws_growth·|S|, ws_min)` coordinates per outer iteration.
    pub ws_growth: usize,
    /// Smallest working set.
    pub ws_min: usize,
}

impl Default for CdOptions {
    fn default() -> Self {
        CdOptions {
            tol: 1e-10,
            max_outer: 200,
            max_inner: 10_000,
            kkt_tol: 1e-7,
            ws_growth: 2,
            ws_min: 32,
        }
    }
}

/// The optimality check at the returned solution.
#[derive(Clone, Debug, PartialEq)]
pub struct Kkt {
    /// Support `S = {j : w_j ≠ 0}` (sorted).
    pub support: Vec<usize>,
    /// Equicorrelation set `E = {j : |s X_jᵀr − λ₂ w_j| ≥ λ₁(1 − kkt_tol)}` (sorted, `⊇ S`).
    pub equicorrelation: Vec<usize>,
    /// `E = S`: the derivative is single-valued and the restricted formula is *the*
    /// Jacobian; otherwise it is one element of the conservative Jacobian.
    pub single_valued: bool,
    /// Largest violation `max_j (|s X_jᵀr| − λ₁)₊` off the support.
    pub max_violation: f64,
}

/// A solution with its certificate of accuracy.
#[derive(Clone, Debug, PartialEq)]
pub struct CdSolution {
    /// `w ∈ Rᵖ`.
    pub w: Vec<f64>,
    /// Final duality gap.
    pub gap: f64,
    /// Outer iterations used.
    pub outer_iterations: usize,
    /// Coordinate-descent epochs used (working set and full).
    pub epochs: usize,
    /// KKT / equicorrelation check.
    pub kkt: Kkt,
}

/// How the restricted system `(s X_SᵀX_S + λ₂ I) u = r` is solved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RestrictedSolver {
    /// Form the Gram matrix and factor it (Cholesky).
    Cholesky,
    /// Matrix-free conjugate gradients (the matrix is symmetric positive definite).
    ConjugateGradient {
        /// Relative residual tolerance.
        rel_tol: f64,
        /// Iteration budget.
        max_iter: usize,
    },
    /// Cholesky when `|S|²·n` is small, CG otherwise.
    Auto,
}

/// A hypergradient by the restricted formula.
#[derive(Clone, Debug, PartialEq)]
pub struct RestrictedHypergradient {
    /// `(∂L/∂λ₁, ∂L/∂λ₂)`.
    pub grad: [f64; 2],
    /// Iterations of the restricted solve (1 for Cholesky).
    pub iterations: usize,
    /// Residual of the restricted solve.
    pub residual: f64,
}

impl Enet {
    /// A problem from a design `X` (`n × p`), responses `y` and loss scale `s > 0`.
    pub fn new(x: Matrix<f64>, y: Vec<f64>, scale: f64) -> Result<Self> {
        let (n, p) = x.shape();
        if y.len() != n {
            return Err(Error::DimensionMismatch {
                op: "Enet::new",
                left: (n, p),
                right: (y.len(), 1),
            });
        }
        if !(scale > 0.0 && scale.is_finite()) {
            return Err(Error::InvalidInput(format!(
                "Enet::new: scale {scale} must be finite and > 0"
            )));
        }
        x.check_finite("Enet design")?;
        super::check_finite(&y, "Enet response")?;
        let data = x.into_vec();
        let col_sq = (0..p)
            .map(|j| scale * dot(&data[j * n..(j + 1) * n], &data[j * n..(j + 1) * n]))
            .collect();
        let y_sq = dot(&y, &y);
        Ok(Enet {
            n,
            p,
            x: data,
            y,
            scale,
            col_sq,
            y_sq,
        })
    }

    /// `(n, p)`.
    pub fn dims(&self) -> (usize, usize) {
        (self.n, self.p)
    }
    /// The loss scale `s`.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    fn col(&self, j: usize) -> &[f64] {
        &self.x[j * self.n..(j + 1) * self.n]
    }

    /// `λ_max = s‖Xᵀy‖_∞`: the smallest `λ₁` with solution `0` when `λ₂ = 0`.
    pub fn lambda_max(&self) -> f64 {
        (0..self.p)
            .map(|j| (self.scale * dot(self.col(j), &self.y)).abs())
            .fold(0.0, f64::max)
    }

    /// The objective `(s/2)‖Xw − y‖² + λ₁‖w‖₁ + (λ₂/2)‖w‖²`.
    pub fn objective(&self, w: &[f64], l1: f64, l2: f64) -> f64 {
        let r = self.residual(w);
        0.5 * self.scale * dot(&r, &r)
            + l1 * w.iter().map(|v| v.abs()).sum::<f64>()
            + 0.5 * l2 * dot(w, w)
    }

    /// `r = y − X w`.
    pub fn residual(&self, w: &[f64]) -> Vec<f64> {
        let mut r = self.y.clone();
        for (j, &wj) in w.iter().enumerate() {
            if wj != 0.0 {
                axpy(-wj, self.col(j), &mut r);
            }
        }
        r
    }

    /// Duality gap (scikit-learn's formula rescaled by `s`) from `corr = Xᵀr`.
    fn gap(&self, w: &[f64], r: &[f64], corr: &[f64], l1: f64, l2: f64) -> f64 {
        self.gap_on(w, r, corr, l1, l2)
    }

    /// The gap of the problem restricted to the coordinates whose `w` and `corr` are given.
    fn gap_on(&self, w: &[f64], r: &[f64], corr: &[f64], l1: f64, l2: f64) -> f64 {
        let (alpha, beta) = (l1 / self.scale, l2 / self.scale);
        let dual_norm = corr
            .iter()
            .zip(w)
            .map(|(c, wj)| (c - beta * wj).abs())
            .fold(0.0, f64::max);
        let r2 = dot(r, r);
        let w2 = dot(w, w);
        let (konst, mut gap) = if dual_norm > alpha {
            let k = alpha / dual_norm;
            (k, 0.5 * (r2 + r2 * k * k))
        } else {
            (1.0, r2)
        };
        gap += alpha * w.iter().map(|v| v.abs()).sum::<f64>() - konst * dot(r, &self.y)
            + 0.5 * beta * (1.0 + konst * konst) * w2;
        self.scale * gap
    }

    /// One cyclic epoch over `set`; returns the largest `|Δw_j|·‖X_j‖`.
    fn epoch(&self, set: &[usize], w: &mut [f64], r: &mut [f64], l1: f64, l2: f64) -> f64 {
        let mut max_d = 0.0f64;
        for &j in set {
            let cs = self.col_sq[j];
            if cs == 0.0 {
                continue;
            }
            let xj = &self.x[j * self.n..(j + 1) * self.n];
            let old = w[j];
            let z = self.scale * dot(xj, r) + cs * old;
            let new = soft(z, l1) / (cs + l2);
            if new != old {
                axpy(old - new, xj, r);
                w[j] = new;
                max_d = max_d.max((new - old).abs() * (cs / self.scale).sqrt());
            }
        }
        max_d
    }

    /// Solve by working-set coordinate descent, warm-started from `warm` when given.
    ///
    /// Outer iterations compute the full gradient `Xᵀr` and the duality gap, then pick a
    /// working set: the support plus the largest KKT violators, at most
    /// `max(ws_growth·|S|, ws_min)` coordinates (it grows with the support, after
    /// skglm/celer).
    /// Inner epochs run on the working set until its restricted gap is below `0.3×` the
    /// outer gap (or the target once no coordinate outside violates the KKT conditions).
    ///
    /// Errors: [`Error::InvalidInput`] for `λ₁ < 0`, `λ₂ < 0` or non-finite values,
    /// [`Error::NotConverged`] when the budget ends before the gap tolerance.
    pub fn solve(
        &self,
        l1: f64,
        l2: f64,
        warm: Option<&[f64]>,
        opts: &CdOptions,
    ) -> Result<CdSolution> {
        if !(l1 >= 0.0 && l2 >= 0.0 && l1.is_finite() && l2.is_finite()) {
            return Err(Error::InvalidInput(format!(
                "Enet::solve: need λ₁, λ₂ ≥ 0 finite, got ({l1}, {l2})"
            )));
        }
        let mut w = match warm {
            Some(w0) => {
                super::check_len("Enet::solve warm start", self.p, w0.len())?;
                super::check_finite(w0, "Enet::solve warm start")?;
                w0.to_vec()
            }
            None => vec![0.0; self.p],
        };
        let mut r = self.residual(&w);
        let mut corr = vec![0.0; self.p];
        let target = opts.tol * self.scale * self.y_sq.max(f64::MIN_POSITIVE);
        let mut scores: Vec<(f64, usize)> = Vec::with_capacity(self.p);
        let mut ws: Vec<usize> = Vec::new();
        let mut ws_corr: Vec<f64> = Vec::new();
        let mut ws_w: Vec<f64> = Vec::new();
        let mut epochs = 0;
        let mut gap = f64::INFINITY;
        for outer in 0..opts.max_outer {
            for j in 0..self.p {
                corr[j] = dot(self.col(j), &r);
            }
            gap = self.gap(&w, &r, &corr, l1, l2);
            if !gap.is_finite() {
                return Err(Error::NonFinite {
                    context: "Enet::solve duality gap".into(),
                });
            }
            if gap <= target {
                let kkt = self.kkt(&w, &corr, l1, l2, opts.kkt_tol);
                return Ok(CdSolution {
                    w,
                    gap,
                    outer_iterations: outer,
                    epochs,
                    kkt,
                });
            }
            // Working set: the support, then the largest violators `|s X_jᵀr| − λ₁ > 0`.
            scores.clear();
            let mut nnz = 0;
            let mut violators = 0;
            for j in 0..self.p {
                if w[j] != 0.0 {
                    nnz += 1;
                    scores.push((f64::INFINITY, j));
                } else {
                    let v = (self.scale * corr[j]).abs() - l1;
                    if v > 0.0 {
                        violators += 1;
                        scores.push((v, j));
                    }
                }
            }
            let size = (opts.ws_growth.max(1) * nnz)
                .max(opts.ws_min)
                .max(nnz + 1)
                .min(scores.len());
            if size < scores.len() {
                scores.select_nth_unstable_by(size, |a, b| {
                    b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal)
                });
                scores.truncate(size);
            }
            ws.clear();
            ws.extend(scores.iter().map(|s| s.1));
            ws.sort_unstable();
            if ws.is_empty() {
                // Nothing to optimise and no violator: only rounding separates us from 0 gap.
                let kkt = self.kkt(&w, &corr, l1, l2, opts.kkt_tol);
                return Ok(CdSolution {
                    w,
                    gap,
                    outer_iterations: outer,
                    epochs,
                    kkt,
                });
            }
            let inner_target = if violators == 0 {
                0.5 * target
            } else {
                (0.3 * gap).max(0.5 * target)
            };
            ws_corr.resize(ws.len(), 0.0);
            ws_w.resize(ws.len(), 0.0);
            for it in 0..opts.max_inner {
                epochs += 1;
                let moved = self.epoch(&ws, &mut w, &mut r, l1, l2);
                if moved == 0.0 {
                    break;
                }
                if it % 4 == 3 {
                    for (k, &j) in ws.iter().enumerate() {
                        ws_corr[k] = dot(self.col(j), &r);
                        ws_w[k] = w[j];
                    }
                    if self.gap_on(&ws_w, &r, &ws_corr, l1, l2) <= inner_target {
                        break;
                    }
                }
            }
            // Refresh the residual occasionally to stop rounding drift.
            if outer % 8 == 7 {
                r = self.residual(&w);
            }
        }
        Err(Error::NotConverged {
            what: "elastic-net coordinate descent",
            iterations: epochs,
            residual: gap,
        })
    }

    fn kkt(&self, w: &[f64], corr: &[f64], l1: f64, l2: f64, kkt_tol: f64) -> Kkt {
        let support: Vec<usize> = (0..self.p).filter(|&j| w[j] != 0.0).collect();
        let mut eq = Vec::new();
        let mut viol = 0.0f64;
        for j in 0..self.p {
            let c = (self.scale * corr[j] - l2 * w[j]).abs();
            if w[j] != 0.0 || c >= l1 * (1.0 - kkt_tol) {
                eq.push(j);
            }
            if w[j] == 0.0 {
                viol = viol.max(c - l1);
            }
        }
        let single_valued = eq.len() == support.len();
        Kkt {
            support,
            equicorrelation: eq,
            single_valued,
            max_violation: viol.max(0.0),
        }
    }

    /// Solve `(s X_TᵀX_T + λ₂ I) U = R` for the columns `T` (several right-hand sides).
    fn restricted_solve(
        &self,
        t: &[usize],
        l2: f64,
        rhs: &[Vec<f64>],
        solver: RestrictedSolver,
    ) -> Result<(Vec<Vec<f64>>, usize, f64)> {
        let k = t.len();
        if k == 0 {
            return Ok((rhs.iter().map(|_| vec![]).collect(), 0, 0.0));
        }
        let use_chol = match solver {
            RestrictedSolver::Cholesky => true,
            RestrictedSolver::ConjugateGradient { .. } => false,
            RestrictedSolver::Auto => (k as f64) * (k as f64) * (self.n as f64) <= 5e7 || k <= 64,
        };
        if use_chol {
            let mut xt = nalgebra::DMatrix::<f64>::zeros(self.n, k);
            for (c, &j) in t.iter().enumerate() {
                xt.column_mut(c).copy_from_slice(self.col(j));
            }
            // `Xᵀ·X` through the gemm kernel (`tr_mul` is a slower dot-product loop).
            let mut g = xt.transpose() * &xt;
            g *= self.scale;
            for i in 0..k {
                g[(i, i)] += l2;
            }
            let chol = g
                .clone()
                .cholesky()
                .ok_or(Error::NotPositiveDefinite { pivot: 0 })?;
            let mut out = Vec::with_capacity(rhs.len());
            let mut res = 0.0f64;
            for r in rhs {
                let b = nalgebra::DVector::from_column_slice(r);
                let u = chol.solve(&b);
                res = res.max((&g * &u - &b).norm());
                out.push(u.as_slice().to_vec());
            }
            return Ok((out, 1, res));
        }
        let (rel_tol, max_iter) = match solver {
            RestrictedSolver::ConjugateGradient { rel_tol, max_iter } => (rel_tol, max_iter),
            _ => (1e-12, 10 * k + 100),
        };
        let mut tmp = vec![0.0; self.n];
        let mut apply = |v: &[f64], out: &mut [f64]| {
            tmp.iter_mut().for_each(|x| *x = 0.0);
            for (c, &j) in t.iter().enumerate() {
                axpy(v[c], self.col(j), &mut tmp);
            }
            for (c, &j) in t.iter().enumerate() {
                out[c] = self.scale * dot(self.col(j), &tmp) + l2 * v[c];
            }
        };
        let mut out = Vec::with_capacity(rhs.len());
        let mut iters = 0;
        let mut res_max = 0.0f64;
        for b in rhs {
            let (u, it, res) = cg(&mut apply, b, rel_tol, max_iter)?;
            iters += it;
            res_max = res_max.max(res);
            out.push(u);
        }
        Ok((out, iters, res_max))
    }

    /// `∂w/∂(λ₁, λ₂)` at a solution by the restricted formula on its support (`p × 2`,
    /// column-major).
    pub fn jacobian(
        &self,
        sol: &CdSolution,
        l2: f64,
        solver: RestrictedSolver,
    ) -> Result<Matrix<f64>> {
        let s = &sol.kkt.support;
        let sign: Vec<f64> = s.iter().map(|&j| -sol.w[j].signum()).collect();
        let ws: Vec<f64> = s.iter().map(|&j| -sol.w[j]).collect();
        let (u, _, _) = self.restricted_solve(s, l2, &[sign, ws], solver)?;
        let mut jac = Matrix::zeros(self.p, 2);
        for (c, &j) in s.iter().enumerate() {
            jac[(j, 0)] = u[0][c];
            jac[(j, 1)] = u[1][c];
        }
        Ok(jac)
    }

    /// Hypergradient `(∂L/∂λ₁, ∂L/∂λ₂) = −(sign w_S, w_S)ᵀ (s X_SᵀX_S + λ₂I)^{-1} v_S` for
    /// an outer gradient `v = ∇_w L` (one restricted solve).
    pub fn hypergradient(
        &self,
        sol: &CdSolution,
        l2: f64,
        v: &[f64],
        solver: RestrictedSolver,
    ) -> Result<RestrictedHypergradient> {
        super::check_len("Enet::hypergradient v", self.p, v.len())?;
        let s = &sol.kkt.support;
        let vs: Vec<f64> = s.iter().map(|&j| v[j]).collect();
        let (u, iterations, residual) = self.restricted_solve(s, l2, &[vs], solver)?;
        let u = &u[0];
        let g1 = -s
            .iter()
            .zip(u)
            .map(|(&j, uj)| sol.w[j].signum() * uj)
            .sum::<f64>();
        let g2 = -s.iter().zip(u).map(|(&j, uj)| sol.w[j] * uj).sum::<f64>();
        Ok(RestrictedHypergradient {
            grad: [g1, g2],
            iterations,
            residual,
        })
    }

    /// All hypergradients of the conservative Jacobian's vertices when `E ⊋ S`: for each
    /// `Q ⊆ E ∖ S`, the restricted formula on `T = S ∪ Q` with `sign(w_j)` on `S` and
    /// `sign(s X_jᵀ r)` on `Q` (Bolte et al. 2021, Prop. 5). `2^{|E∖S|}` solves; errors
    /// with [`Error::TooLarge`] above `max_vertices`.
    pub fn conservative_hypergradients(
        &self,
        sol: &CdSolution,
        l2: f64,
        v: &[f64],
        max_vertices: usize,
    ) -> Result<Vec<[f64; 2]>> {
        super::check_len("Enet::conservative_hypergradients v", self.p, v.len())?;
        let extra: Vec<usize> = sol
            .kkt
            .equicorrelation
            .iter()
            .copied()
            .filter(|j| sol.w[*j] == 0.0)
            .collect();
        if extra.len() >= usize::BITS as usize || (1usize << extra.len()) > max_vertices {
            return Err(Error::TooLarge {
                context: format!("2^{} vertices > {max_vertices}", extra.len()),
            });
        }
        let r = self.residual(&sol.w);
        let mut out = Vec::with_capacity(1 << extra.len());
        for mask in 0..(1usize << extra.len()) {
            let mut t = sol.kkt.support.clone();
            t.extend(
                extra
                    .iter()
                    .enumerate()
                    .filter(|(b, _)| mask >> b & 1 == 1)
                    .map(|(_, &j)| j),
            );
            let sgn: Vec<f64> = t
                .iter()
                .map(|&j| {
                    if sol.w[j] != 0.0 {
                        sol.w[j].signum()
                    } else {
                        dot(self.col(j), &r).signum()
                    }
                })
                .collect();
            let vt: Vec<f64> = t.iter().map(|&j| v[j]).collect();
            let (u, _, _) = self.restricted_solve(&t, l2, &[vt], RestrictedSolver::Cholesky)?;
            let g1 = -sgn.iter().zip(&u[0]).map(|(a, b)| a * b).sum::<f64>();
            let g2 = -t.iter().zip(&u[0]).map(|(&j, b)| sol.w[j] * b).sum::<f64>();
            out.push([g1, g2]);
        }
        Ok(out)
    }
}

/// Conjugate gradients for a symmetric positive definite operator.
fn cg(
    apply: &mut impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    rel_tol: f64,
    max_iter: usize,
) -> Result<(Vec<f64>, usize, f64)> {
    let k = b.len();
    let mut x = vec![0.0; k];
    let mut r = b.to_vec();
    let mut p = r.clone();
    let mut ap = vec![0.0; k];
    let bn = dot(b, b).sqrt();
    let mut rr = dot(&r, &r);
    if bn == 0.0 {
        return Ok((x, 0, 0.0));
    }
    for it in 0..max_iter {
        if rr.sqrt() <= rel_tol * bn {
            return Ok((x, it, rr.sqrt()));
        }
        apply(&p, &mut ap);
        let pap = dot(&p, &ap);
        if !(pap > 0.0) {
            return Err(Error::NotPositiveDefinite { pivot: it });
        }
        let alpha = rr / pap;
        axpy(alpha, &p, &mut x);
        axpy(-alpha, &ap, &mut r);
        let rr_new = dot(&r, &r);
        let beta = rr_new / rr;
        rr = rr_new;
        for (pi, ri) in p.iter_mut().zip(&r) {
            *pi = ri + beta * *pi;
        }
    }
    if rr.sqrt() <= rel_tol * bn {
        return Ok((x, max_iter, rr.sqrt()));
    }
    Err(Error::NotConverged {
        what: "restricted conjugate gradients",
        iterations: max_iter,
        residual: rr.sqrt(),
    })
}
