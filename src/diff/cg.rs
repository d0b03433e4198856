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
//!
//! **One CG loop.** [`cg_with`] is the crate's only conjugate-gradient loop (f64, the
//! SIMD kernels of [`crate::linalg::fast`], a matrix-free operator given as a closure).
//! [`cg`] is it from `x = 0` with the rounding-floor stop; the restricted elastic-net
//! solves of [`crate::diff::enet`] and the candidate solves of
//! [`crate::certify::enet_proof`] call it with their own [`CgSetup`] (a warm start, no
//! rounding floor). GMRES for a fixed budget of products (convergence studies) is the
//! driver-run [`super::aid::Gmres`] stepper: [`super::aid::gmres_fixed_budget`].

use super::aid::{Adjoint, AidOutput};
use super::{check_finite, check_len, Report, Termination};
use crate::error::{Error, Result};
use crate::linalg::fast::{axpy, dot};
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

/// Result of [`cg`] and [`cg_with`]: the iterate is returned whether or not the
/// tolerance was met.
#[derive(Clone, Debug, PartialEq)]
pub struct CgOutput {
    /// The last iterate.
    pub x: Vec<f64>,
    /// Iterations performed (operator applications, the warm start's residual not
    /// counted).
    pub iterations: usize,
    /// Recursively updated residual norm `‖b − Mx‖` (f64 estimate).
    pub residual: f64,
    /// Whether `residual ≤ rel_tol·‖b‖` (with `rel_tol = 0`: only a zero residual).
    pub converged: bool,
}

/// Where [`cg_with`] starts and whether it stops at the rounding floor.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CgSetup<'a> {
    /// The starting point `x₀` (default `0`); its length must be `b.len()`. The initial
    /// residual `b − Mx₀` costs one operator application (not counted as an iteration).
    pub x0: Option<&'a [f64]>,
    /// Also stop when the residual reaches the rounding floor `n·ε·‖b‖` (what [`cg`]
    /// does). Without it, CG runs until the tolerance, an exactly zero residual, or the
    /// budget.
    pub rounding_floor: bool,
}

/// Conjugate gradients for `M x = b` from `x = 0`, `M` symmetric positive definite given
/// as `op(v, out)`: `out = M v`; stops at `rel_tol`, the rounding floor `n·ε·‖b‖` or
/// after `max_iter` iterations ([`cg_with`] with the rounding floor).
///
/// Errors: [`Error::NotPositiveDefinite`] on a direction `p` with `pᵀMp ≤ 0` (the matrix
/// is not positive definite), non-finite input or options.
pub fn cg(
    op: impl FnMut(&[f64], &mut [f64]) -> Result<()>,
    b: &[f64],
    opts: &CgOptions,
) -> Result<CgOutput> {
    cg_with(
        op,
        b,
        opts,
        &CgSetup {
            x0: None,
            rounding_floor: true,
        },
    )
}

/// The conjugate-gradient loop (see the module docs): `M x = b` from `setup.x0` (or
/// `0`), stopping when `‖r‖ ≤ rel_tol·‖b‖` (with `rel_tol > 0`), when `r = 0`, at the
/// rounding floor if `setup.rounding_floor`, or after `opts.max_iter` iterations. `r`
/// is updated recursively; dot products and updates use the f64 kernels of
/// [`crate::linalg::fast`].
///
/// Errors: [`Error::NotPositiveDefinite`] on a direction `p` with `pᵀMp ≤ 0`;
/// [`Error::InvalidParameter`] for a negative or non-finite `rel_tol`; length and
/// finiteness errors (right-hand side, start, final iterate); the operator's errors.
pub fn cg_with(
    mut op: impl FnMut(&[f64], &mut [f64]) -> Result<()>,
    b: &[f64],
    opts: &CgOptions,
    setup: &CgSetup<'_>,
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
    let mut mp = vec![0.0; n];
    let (mut x, mut r) = match setup.x0 {
        None => (vec![0.0; n], b.to_vec()),
        Some(x0) => {
            check_len("CG start", n, x0.len())?;
            check_finite(x0, "CG start")?;
            op(x0, &mut mp)?;
            let r = b.iter().zip(&mp).map(|(bi, m)| bi - m).collect();
            (x0.to_vec(), r)
        }
    };
    let mut p = r.clone();
    let bnorm = dot(b, b).sqrt();
    let target = opts.rel_tol * bnorm;
    // Below the rounding floor of the residual further steps only amplify round-off
    // (and may meet a spurious non-positive curvature): stop there if asked. Without
    // it the floor is an exactly zero residual.
    let floor = if setup.rounding_floor {
        (n as f64) * f64::EPSILON * bnorm
    } else {
        0.0
    };
    let mut rr = dot(&r, &r);
    let mut k = 0;
    while k < opts.max_iter && rr.sqrt() > floor && !(opts.rel_tol > 0.0 && rr.sqrt() <= target) {
        op(&p, &mut mp)?;
        let curv = dot(&p, &mp);
        if !(curv > 0.0) {
            return Err(Error::NotPositiveDefinite { pivot: k });
        }
        let alpha = rr / curv;
        axpy(alpha, &p, &mut x);
        axpy(-alpha, &mp, &mut r);
        let rr_new = dot(&r, &r);
        let beta = rr_new / rr;
        for (pi, ri) in p.iter_mut().zip(&r) {
            *pi = ri + beta * *pi;
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
        converged: residual <= target,
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
