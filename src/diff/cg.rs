//! Conjugate gradients, and AID-CG: implicit differentiation by CG on the part of the
//! adjoint system `(I − Aᵀ) w = v` where it is symmetric positive definite.
//!
//! **When CG is valid.** CG needs a symmetric positive definite matrix. For a
//! forward–backward map `F = prox(x − γ∇f(x))` the AD element is
//! `A = c·diag(q)(I − γ∇²f)` with `q ∈ {0, 1}ⁿ` (soft-threshold active or not): `I − A`
//! is **not** symmetric unless every `q_i = 1`, so CG on the full system is wrong in
//! general. But `A` has zero rows where `q_i = 0`, so `Aᵀw` depends only on `w_S`
//! (`S = {i : q_i = 1}`), and the system splits:
//! `(I − A_SSᵀ) w_S = v_S` (the block `A_SS = c(I − γ∇²f)_SS` is symmetric, and
//! `I − A_SS ≻ 0` when `‖A‖ < 1`), then `w = v + Aᵀ[w_S; 0]` off `S`. CG is valid on
//! that restricted block, at every iterate, for the 0/1 selections automatic
//! differentiation makes. A fractional `q_i ∈ (0, 1)` (another element of the
//! conservative Jacobian at a kink) makes `diag(q)M` non-symmetric: use GMRES
//! ([`super::aid::gmres_adjoint`]). After support identification `S` is the support
//! of the solution and the restricted solve returns the implicit derivative itself;
//! before, it returns the derivative of the wrong selection.
//!
//! [`aid_cg_restricted`] checks its preconditions with random probes (zero rows of `A`
//! off `S`, symmetry of the restricted block) and refuses otherwise; CG itself refuses
//! a direction of non-positive curvature ([`Error::NotPositiveDefinite`]).

use super::aid::{Adjoint, AidOutput};
use super::{check_finite, check_len, Report, Termination};
use crate::error::{Error, Result};
use crate::maps::Linearization;
use rand::{Rng, SeedableRng};

/// Options of [`cg`].
#[derive(Clone, Debug, PartialEq)]
pub struct CgOptions {
    /// Largest number of iterations (operator applications).
    pub max_iter: usize,
    /// Stop when `‖b − Mx‖ ≤ rel_tol·‖b‖`; `0` runs `max_iter` iterations or until the
    /// residual reaches the rounding floor `n·ε·‖b‖`.
    pub rel_tol: f64,
}

impl Default for CgOptions {
    fn default() -> Self {
        CgOptions {
            max_iter: 1000,
            rel_tol: 1e-12,
        }
    }
}

/// Result of [`cg`]: the iterate is returned whether or not the tolerance was met.
#[derive(Clone, Debug, PartialEq)]
pub struct CgOutput {
    /// The last iterate.
    pub x: Vec<f64>,
    /// Iterations performed.
    pub iterations: usize,
    /// Recursively updated residual norm `‖b − Mx‖` (f64 estimate).
    pub residual: f64,
    /// Whether `residual ≤ rel_tol·‖b‖` (with `rel_tol > 0`).
    pub converged: bool,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Conjugate gradients for `M x = b` from `x = 0`, `M` symmetric positive definite given
/// as `op(v, out)`: `out = M v`.
///
/// Errors: [`Error::NotPositiveDefinite`] on a direction `p` with `pᵀMp ≤ 0` (the matrix
/// is not positive definite), non-finite input or options.
pub fn cg(
    mut op: impl FnMut(&[f64], &mut [f64]) -> Result<()>,
    b: &[f64],
    opts: &CgOptions,
) -> Result<CgOutput> {
    check_finite(b, "CG right-hand side")?;
    if !(opts.rel_tol >= 0.0 && opts.rel_tol.is_finite()) {
        return Err(Error::parameter(
            "CgOptions::rel_tol",
            opts.rel_tol,
            "finite and ≥ 0",
        ));
    }
    let n = b.len();
    let mut x = vec![0.0; n];
    let mut r = b.to_vec();
    let mut p = r.clone();
    let mut mp = vec![0.0; n];
    let bnorm = dot(b, b).sqrt();
    let target = opts.rel_tol * bnorm;
    // Below the rounding floor of the residual further steps only amplify round-off
    // (and may meet a spurious non-positive curvature): stop there in any case.
    let floor = (n as f64) * f64::EPSILON * bnorm;
    let mut rr = dot(&r, &r);
    let mut k = 0;
    while k < opts.max_iter && rr.sqrt() > floor && !(opts.rel_tol > 0.0 && rr.sqrt() <= target) {
        op(&p, &mut mp)?;
        let curv = dot(&p, &mp);
        if !(curv > 0.0) {
            return Err(Error::NotPositiveDefinite { pivot: k });
        }
        let alpha = rr / curv;
        for i in 0..n {
            x[i] += alpha * p[i];
            r[i] -= alpha * mp[i];
        }
        let rr_new = dot(&r, &r);
        let beta = rr_new / rr;
        for i in 0..n {
            p[i] = r[i] + beta * p[i];
        }
        rr = rr_new;
        k += 1;
    }
    check_finite(&x, "CG iterate")?;
    let residual = rr.sqrt();
    Ok(CgOutput {
        x,
        iterations: k,
        residual,
        converged: opts.rel_tol > 0.0 && residual <= target,
    })
}

/// AID-CG in adjoint form on the active coordinates `active` (see the module docs):
/// CG on `(I − A_SSᵀ) w_S = v_S` (at most `opts.max_iter` iterations), then
/// `w = v + Aᵀ[w_S; 0]` and `θ̄ = Bᵀw`. The report's residual is the CG residual of
/// the restricted system.
///
/// Preconditions, checked with two random probes (seed fixed): `A` has zero rows off
/// `active`, and `A_SS` is symmetric (relative tolerance `1e-10`). Errors:
/// [`Error::Unsupported`] when a probe fails (use GMRES), index and length errors,
/// [`Error::NotPositiveDefinite`] from CG.
pub fn aid_cg_restricted(
    lin: &mut dyn Linearization<f64>,
    active: &[usize],
    v: &[f64],
    opts: &CgOptions,
) -> Result<AidOutput<Adjoint<f64>>> {
    let started = std::time::Instant::now();
    let (n, m) = lin.dims();
    check_len("AID-CG adjoint v", n, v.len())?;
    check_finite(v, "AID-CG adjoint v")?;
    let mut in_s = vec![false; n];
    for &i in active {
        if i >= n {
            return Err(Error::IndexOutOfRange {
                what: "AID-CG: active set".into(),
                index: i,
                len: n,
            });
        }
        if in_s[i] {
            return Err(Error::parameter(
                "AID-CG: active set",
                format!("index {i} twice"),
                "distinct indices",
            ));
        }
        in_s[i] = true;
    }
    let k = active.len();
    let mut full = vec![0.0; n];
    let mut out = vec![0.0; n];
    // Probe 1: (A r) vanishes off S for a random r (A has zero rows there).
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed);
    let r: Vec<f64> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
    lin.a_mul_into(&r, &mut out)?;
    let scale = out.iter().map(|o| o.abs()).fold(0.0, f64::max).max(1e-300);
    if (0..n).any(|i| !in_s[i] && out[i].abs() > 1e-12 * scale) {
        return Err(Error::Unsupported {
            what: "AID-CG: A has a nonzero row outside the active set (use GMRES)".into(),
        });
    }
    // The restricted operator u ↦ u − (Aᵀ[u; 0])_S.
    let mut apply = |u: &[f64], res: &mut [f64]| {
        full.iter_mut().for_each(|f| *f = 0.0);
        for (&i, ui) in active.iter().zip(u) {
            full[i] = *ui;
        }
        lin.at_mul_into(&full, &mut out)?;
        for (j, &i) in active.iter().enumerate() {
            res[j] = u[j] - out[i];
        }
        Ok(())
    };
    // Probe 2: symmetry, aᵀ(Mb) = bᵀ(Ma) for random a, b.
    if k > 0 {
        let a: Vec<f64> = (0..k).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let b: Vec<f64> = (0..k).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let (mut ma, mut mb) = (vec![0.0; k], vec![0.0; k]);
        apply(&a, &mut ma)?;
        apply(&b, &mut mb)?;
        let (x, y) = (dot(&a, &mb), dot(&b, &ma));
        let size =
            dot(&ma, &ma).sqrt() * dot(&b, &b).sqrt() + dot(&mb, &mb).sqrt() * dot(&a, &a).sqrt();
        if !((x - y).abs() <= 1e-10 * size.max(1e-300)) {
            return Err(Error::Unsupported {
                what: format!(
                    "AID-CG: the restricted system is not symmetric (probe {x:e} vs {y:e}); use GMRES"
                ),
            });
        }
    }
    let vs: Vec<f64> = active.iter().map(|&i| v[i]).collect();
    let sol = cg(&mut apply, &vs, opts)?;
    // w = v + Aᵀ[w_S; 0] (exact on S as well: there it is the CG equation).
    let mut ws = vec![0.0; n];
    for (&i, x) in active.iter().zip(&sol.x) {
        ws[i] = *x;
    }
    let mut atw = vec![0.0; n];
    lin.at_mul_into(&ws, &mut atw)?;
    let mut w: Vec<f64> = v.iter().zip(&atw).map(|(a, b)| a + b).collect();
    for (&i, x) in active.iter().zip(&sol.x) {
        w[i] = *x;
    }
    let mut theta_bar = vec![0.0; m];
    lin.bt_mul_into(&w, &mut theta_bar)?;
    check_finite(&theta_bar, "AID-CG θ̄")?;
    Ok(AidOutput {
        derivative: Adjoint { w, theta_bar },
        report: Report {
            iterations: sol.iterations,
            residual: sol.residual,
            smooth: lin.is_smooth_point(),
            termination: Termination::Finished,
            elapsed: started.elapsed(),
        },
    })
}

/// GMRES with a fixed budget of operator applications, for convergence studies: the
/// iterate after exactly `budget` products (or fewer, if the residual becomes exactly
/// zero or the Krylov space invariant), in cycles of at most `restart` Arnoldi steps from
/// `x = 0`, each cycle minimising `‖b − Mx‖` over `x₀ + K_j(M, r₀)` (least squares on the
/// Hessenberg matrix). Unlike [`super::aid::gmres`], running out of budget is not an
/// error: the caller measures the error of the iterate. Returns `(x, ‖b − Mx‖)` with the
/// residual recomputed only when a further cycle starts (otherwise the least-squares
/// estimate).
///
/// Errors: non-finite input or iterate, `restart = 0`.
pub fn gmres_budget(
    mut op: impl FnMut(&[f64], &mut [f64]) -> Result<()>,
    b: &[f64],
    budget: usize,
    restart: usize,
) -> Result<(Vec<f64>, f64)> {
    check_finite(b, "GMRES right-hand side")?;
    if restart == 0 {
        return Err(Error::parameter("gmres_budget: restart", restart, "≥ 1"));
    }
    let n = b.len();
    let mut x = vec![0.0; n];
    let mut r = b.to_vec();
    let mut resid = dot(b, b).sqrt();
    let mut used = 0usize;
    let mut tmp = vec![0.0; n];
    while used < budget && resid > 0.0 {
        if used > 0 {
            op(&x, &mut tmp)?;
            used += 1;
            for i in 0..n {
                r[i] = b[i] - tmp[i];
            }
            resid = dot(&r, &r).sqrt();
            if used >= budget || resid == 0.0 {
                break;
            }
        }
        let beta = resid;
        let m = restart.min(budget - used).min(n.max(1));
        let mut basis: Vec<Vec<f64>> = vec![r.iter().map(|v| v / beta).collect()];
        let mut hess = nalgebra::DMatrix::<f64>::zeros(m + 1, m);
        let mut k = 0;
        for j in 0..m {
            let mut w = vec![0.0; n];
            op(&basis[j], &mut w)?;
            used += 1;
            for (i, vi) in basis.iter().enumerate() {
                let h = dot(&w, vi);
                hess[(i, j)] = h;
                for (wl, vl) in w.iter_mut().zip(vi) {
                    *wl -= h * vl;
                }
            }
            let hn = dot(&w, &w).sqrt();
            hess[(j + 1, j)] = hn;
            k = j + 1;
            if !(hn > 1e-14 * beta) {
                break;
            }
            basis.push(w.iter().map(|v| v / hn).collect());
        }
        // min ‖β e₁ − H y‖ over the k columns used.
        let h = hess.view((0, 0), (k + 1, k)).into_owned();
        let mut rhs = nalgebra::DVector::<f64>::zeros(k + 1);
        rhs[0] = beta;
        let svd = h.clone().svd(true, true);
        let y = svd
            .solve(&rhs, 1e-14 * beta.max(1e-300))
            .map_err(|e| Error::CouldNotVerify {
                reason: format!("gmres_budget least squares: {e}"),
            })?;
        for (j, yj) in y.iter().enumerate() {
            for (xi, vi) in x.iter_mut().zip(&basis[j]) {
                *xi += yj * vi;
            }
        }
        let fit = &h * &y - &rhs;
        resid = fit.norm();
        if k < m {
            break; // invariant Krylov space: x is the least-squares solution
        }
    }
    check_finite(&x, "GMRES iterate")?;
    Ok((x, resid))
}
