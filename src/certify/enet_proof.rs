//! Proof of a LASSO / elastic-net solution and of its derivatives at scale, in verified
//! floating point ([`crate::linalg::vfp`]): one pass over the design, one verified
//! curvature bound, one residual check per derivative column.
//!
//! Problem: `P(w) = (s/2)‖Xw − y‖² + λ₁‖w‖₁ + (λ₂/2)‖w‖²` with `X` (`n × p`) and `y` the
//! exact data within a [`DataRadius`] of the stored floats, and `s, λ₁, λ₂` in intervals
//! (a claim holds for every problem in that box). Write `c_j(w) = sX_jᵀ(y − Xw) − λ₂w_j`
//! and `H_T = sX_TᵀX_T + λ₂I`.
//!
//! # The argument
//! Given a candidate `w̃` (any f64 vector, e.g. the coordinate-descent solution,
//! optionally polished: the restricted KKT system re-solved on its support):
//! 1. **Residual and one pass.** `r̃ = y − Xw̃` is enclosed over the support columns;
//!    then one pass over the design encloses `X_jᵀr̃` for every `j` and bounds `‖X_j‖`.
//! 2. **KKT residual.** `g_j = λ₁ sign(w̃_j) − c_j(w̃)` where `w̃_j ≠ 0`,
//!    `g_j = (|c_j(w̃)| − λ₁)₊` where `w̃_j = 0`: `g` is the minimal-norm subgradient of
//!    `P` at `w̃`; `‖g‖₂` is bounded above.
//! 3. **Curvature.** `μ ≤ λ_min(H_T)`: `μ = inf λ₂` (valid for every `T`, no work), or a
//!    verified Cholesky of `fl(s X_TᵀX_T) + λ₂I − cI` with its backward error and the
//!    Gram error for `T` = the support and every coordinate whose KKT condition may fail
//!    (needed for the LASSO).
//! 4. **Ball.** `P_T` is `μ`-strongly convex, so its minimiser satisfies
//!    `‖w̃_T − w*_T‖₂ ≤ ρ = ‖g‖/μ` and `‖X_T(w̃ − w*)‖ ≤ ‖g‖/√(sμ)` (from
//!    `dᵀH_Td ≤ ⟨g, d⟩`). With `μ = λ₂` this is the global minimiser; with the Cholesky
//!    route, step 5 shows `|c_j(w*)| < λ₁` off `T`, so `(w*_T, 0)` satisfies the KKT
//!    conditions of `P` and is its unique minimiser (every minimiser has the same fit,
//!    hence the same `c`, hence its support in `T`, where `P_T` is strictly convex).
//! 5. **Support, signs, margins.** `|w̃_j| > ρ` certifies `w*_j ≠ 0` with the sign of
//!    `w̃_j`. Otherwise `|c_j(w*)| ≤ sup|c_j(w̃)| + δ_j`,
//!    `δ_j = sup s·‖X_j‖·‖g‖/√(sμ) + sup λ₂·ρ`; if that is `< inf λ₁`, then `w*_j = 0` and
//!    `j ∉ E` (the equicorrelation set). Else `j` is **undecided**: a kink
//!    (`w*_j = 0`, `|c_j(w*)| = λ₁`) cannot be told from a small nonzero or a small margin.
//! 6. **Derivatives.** Every element of the conservative Jacobian of `w*` in `(λ₁, λ₂)`
//!    that the restricted formula yields is `−H_{T'}⁻¹ (σ_{T'}, w*_{T'})` on
//!    `T' = S ∪ Q` for a subset `Q` of the undecided coordinates (a vertex
//!    `q ∈ {0, 1}^U`; the signs on `Q` are those of `c_j(w*)`, certified). For each vertex
//!    an f64 solve `ũ` and an enclosure of the residual `b − H_{T'}ũ` (two passes over
//!    `X_{T'}`, midpoint–radius) give `‖u − ũ‖₂ ≤ (‖b − H ũ‖ + ‖b − b̃‖)/μ`: a verified
//!    solve by a verified positive-definiteness bound plus a residual bound. When `U` is
//!    empty the derivative is single-valued (`w*` is differentiable there).
//!
//! Elements of the conservative Jacobian with fractional `q ∈ (0, 1)` (an AD convention
//! returning e.g. `1/2` at ties) depend on the fixed-point map differentiated, not only on
//! the problem; they are not enclosed here (only the vertices are).
//!
//! What the proof trusts: [`vfp::TRUSTS`] (checked at run time first). Failures are
//! typed ([`ProofFailure`]) and never a false proof.

// `!(x > t)` is deliberate throughout: it is also true for NaN, which must be refused.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::diff::cg::{cg_with, CgOptions, CgSetup};
use crate::error::Error;
use crate::linalg::fast::{gemv_cols, gemv_t_cols};
use crate::linalg::vfp::{self, add_up, div_up, mul_up, sqrt_down, sqrt_up, DataRadius, MidRad};
use crate::linalg::Matrix;
use inari::Interval;
use std::fmt;

/// An elastic-net problem for [`prove`]: column-major design (`x[j·n + i] = X_ij`), data
/// radius, and parameter intervals (`λ₂ = 0` for the LASSO).
#[derive(Clone, Copy, Debug)]
pub struct EnetData<'a> {
    /// Rows of `X`.
    pub n: usize,
    /// Columns of `X`.
    pub p: usize,
    /// The design, column-major.
    pub x: &'a [f64],
    /// The responses.
    pub y: &'a [f64],
    /// How far the exact data may be from the stored floats.
    pub data: DataRadius,
    /// Loss scale `s > 0`.
    pub scale: Interval,
    /// `λ₁ > 0`.
    pub lambda1: Interval,
    /// `λ₂ ≥ 0`.
    pub lambda2: Interval,
}

/// Settings of [`prove`].
#[derive(Clone, Debug, PartialEq)]
pub struct ProofOptions {
    /// Re-solve the restricted KKT system on the candidate's support in f64 before
    /// proving (a finder step: it can only change which point is proven near).
    pub polish: bool,
    /// Largest number of vertices `2^|U|` whose derivatives are enclosed.
    pub max_vertices: usize,
    /// Largest `|T|` for which the Gram matrix `X_TᵀX_T` is formed (verified Cholesky,
    /// direct f64 solves); above it, conjugate gradients and `μ = inf λ₂`.
    pub gram_limit: usize,
    /// Relative KKT residual `sup|g_j| / inf λ₁` above which an undecidable outcome is
    /// reported as [`ProofFailure::NotConverged`] rather than a kink.
    pub converged_kkt: f64,
}

impl Default for ProofOptions {
    fn default() -> Self {
        ProofOptions {
            polish: true,
            max_vertices: 64,
            gram_limit: 3000,
            converged_kkt: 1e-6,
        }
    }
}

/// The derivative of one vertex of the conservative Jacobian.
#[derive(Clone, Debug, PartialEq)]
pub struct VertexDerivative {
    /// The coordinates `T' = S ∪ Q` (sorted); the derivative is 0 elsewhere.
    pub set: Vec<usize>,
    /// Signs used on `T'` (of `w*` on `S`, of `c_j(w*)` on `Q`).
    pub signs: Vec<i8>,
    /// Enclosure of `∂w*_{T'}/∂λ₁`.
    pub d_lambda1: MidRad,
    /// Enclosure of `∂w*_{T'}/∂λ₂`.
    pub d_lambda2: MidRad,
}

/// What [`prove`] proved.
#[derive(Clone, Debug, PartialEq)]
pub struct EnetProof {
    /// What the proof trusts ([`vfp::TRUSTS`]).
    pub trusts: &'static str,
    /// The point `w̃` the ball is centred at (the candidate, possibly polished).
    pub center: Vec<f64>,
    /// `‖w* − w̃‖₂ ≤ radius` for the unique minimiser `w*` (of every problem in the box).
    pub radius: f64,
    /// Coordinates proven nonzero (sorted), with their signs in `signs`.
    pub support: Vec<usize>,
    /// `sign(w*_j)` for `j` in `support`.
    pub signs: Vec<i8>,
    /// Coordinates neither proven nonzero nor proven outside the equicorrelation set.
    pub undecided: Vec<usize>,
    /// Certified lower bound `μ` of `λ_min(s X_TᵀX_T + λ₂I)`.
    pub curvature: f64,
    /// How `μ` was proven (`"ridge"`: `inf λ₂`; `"cholesky"`: verified factorisation).
    pub curvature_method: &'static str,
    /// Upper bound of the KKT residual `‖g‖₂` at the centre.
    pub kkt_residual: f64,
    /// Smallest proven margin `inf λ₁ − sup|c_j(w*)|` over the coordinates proven zero
    /// (`+∞` when there are none).
    pub min_margin: f64,
    /// One derivative per vertex (`Q = ∅` first); one element when single-valued.
    pub vertices: Vec<VertexDerivative>,
    /// No undecided coordinate: the derivative is single-valued.
    pub single_valued: bool,
    /// Columns `p`.
    pub p: usize,
}

/// Why [`prove`] proved nothing (never a false proof).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ProofFailure {
    /// Bad input (dimensions, non-finite numbers, empty parameter intervals, arithmetic
    /// not as trusted).
    Input(Error),
    /// The candidate is too far from optimal for its ball to decide the support.
    NotConverged {
        /// Upper bound of `‖g‖₂`.
        kkt_residual: f64,
        /// The ball radius it gives.
        radius: f64,
        /// How many coordinates stayed undecided.
        undecided: usize,
    },
    /// No positive lower bound of `λ_min(s X_TᵀX_T + λ₂I)` could be proven.
    IllConditioned {
        /// Why.
        reason: String,
    },
    /// The candidate is converged but too many coordinates sit at (or within rounding of)
    /// a kink for their vertices to be enclosed.
    SupportUndecidable {
        /// The undecided coordinates.
        undecided: Vec<usize>,
        /// The ball radius.
        radius: f64,
    },
}

impl fmt::Display for ProofFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProofFailure::Input(e) => write!(f, "{e}"),
            ProofFailure::NotConverged {
                kkt_residual,
                radius,
                undecided,
            } => write!(
                f,
                "not converged: KKT residual ≤ {kkt_residual:.3e} gives a ball of radius {radius:.3e} that leaves {undecided} coordinates undecided"
            ),
            ProofFailure::IllConditioned { reason } => {
                write!(f, "restricted Gram matrix not proven positive definite: {reason}")
            }
            ProofFailure::SupportUndecidable { undecided, radius } => write!(
                f,
                "{} coordinates are at a kink to within the proof's accuracy (radius {radius:.3e}); their 2^{} vertices are too many to enclose",
                undecided.len(),
                undecided.len()
            ),
        }
    }
}

impl std::error::Error for ProofFailure {}

impl From<Error> for ProofFailure {
    fn from(e: Error) -> Self {
        ProofFailure::Input(e)
    }
}

fn input(name: &str, value: String, expected: &str) -> ProofFailure {
    ProofFailure::Input(Error::parameter(name, value, expected))
}

/// `Ĥ = fl(s X_TᵀX_T) + λ₂I` at the parameters' midpoints, and its Gram error bound.
struct Gram {
    cols: Vec<usize>,
    h: nalgebra::DMatrix<f64>,
    /// Upper bound of `‖H_true − Ĥ‖₂` over the data and parameter box.
    err: f64,
}

fn mid(i: Interval) -> f64 {
    i.mid()
}

impl Gram {
    fn new(d: &EnetData, cols: &[usize]) -> Gram {
        let (g, g_err) = vfp::gram(d.x, d.n, cols, d.data);
        let (s, l2) = (mid(d.scale), mid(d.lambda2));
        let k = cols.len();
        let mut h = g.clone() * s;
        for i in 0..k {
            h[(i, i)] += l2;
        }
        // ‖H − Ĥ‖ ≤ sup s·‖XᵀX − Ĝ‖ + |s − s_mid|·‖Ĝ‖_F + rounding of Ĥ (≤ u|Ĥ| + η
        // entrywise, twice on the diagonal) + |λ₂ − λ₂_mid|.
        let g_fro = sqrt_up(vfp::abs_sum_upper(g.iter().map(|v| v * v).sum(), k * k));
        let h_fro = sqrt_up(vfp::abs_sum_upper(h.iter().map(|v| v * v).sum(), k * k));
        let s_rad = (d.scale - Interval::try_from((s, s)).unwrap_or(Interval::ENTIRE)).mag();
        let l2_rad = (d.lambda2 - Interval::try_from((l2, l2)).unwrap_or(Interval::ENTIRE)).mag();
        let err = [
            mul_up(d.scale.sup(), g_err),
            mul_up(s_rad, g_fro),
            mul_up(2.0 * vfp::UNIT_ROUNDOFF, h_fro),
            mul_up(mul_up(2.0, k as f64), vfp::ETA),
            l2_rad,
        ]
        .iter()
        .fold(0.0, |a, b| add_up(a, *b));
        Gram {
            cols: cols.to_vec(),
            h,
            err,
        }
    }

    /// The principal submatrix on `sub` (a subset of `cols`, sorted).
    fn sub(&self, sub: &[usize]) -> Option<nalgebra::DMatrix<f64>> {
        let idx: Option<Vec<usize>> = sub
            .iter()
            .map(|j| self.cols.binary_search(j).ok())
            .collect();
        let idx = idx?;
        Some(nalgebra::DMatrix::from_fn(idx.len(), idx.len(), |a, b| {
            self.h[(idx[a], idx[b])]
        }))
    }

    /// A verified `μ ≤ λ_min(H_T)` (for every problem in the box): shifts from a
    /// power-iteration estimate of `λ_min(Ĥ)` down until the Cholesky test passes.
    fn verified_min_eig(&self) -> Option<f64> {
        let k = self.h.nrows();
        if k == 0 {
            return Some(f64::INFINITY);
        }
        let chol = self.h.clone().cholesky()?;
        let mut v = nalgebra::DVector::from_fn(k, |i, _| 1.0 + 0.1 * ((i * 7) % 11) as f64);
        let mut est = 0.0;
        for _ in 0..20 {
            let nv = v.norm();
            if !(nv > 0.0) {
                return None;
            }
            v /= nv;
            let z = chol.solve(&v);
            est = z.dot(&v);
            v = z;
        }
        if !(est > 0.0) {
            return None;
        }
        let lam = 1.0 / est; // ≥ λ_min(Ĥ) (Rayleigh quotient of Ĥ⁻¹ ≤ its norm)
        for frac in [0.9, 0.7, 0.5, 0.25, 0.1, 0.01] {
            if let Ok(lo) = vfp::min_eigenvalue_lower(&self.h, frac * lam) {
                let mu = vfp::down(lo - self.err);
                if mu > 0.0 {
                    return Some(mu);
                }
            }
        }
        None
    }
}

/// f64 solves with `H_T` at the parameters' midpoints: Cholesky of a Gram submatrix
/// (one refinement step) or matrix-free conjugate gradients.
fn solve_restricted(
    d: &EnetData,
    gram: Option<&Gram>,
    t: &[usize],
    rhs: &[Vec<f64>],
    warm: Option<&[f64]>,
) -> Option<Vec<Vec<f64>>> {
    let k = t.len();
    if k == 0 {
        return Some(rhs.iter().map(|_| Vec::new()).collect());
    }
    if let Some(h) = gram.and_then(|g| g.sub(t)) {
        let chol = h.clone().cholesky()?;
        return Some(
            rhs.iter()
                .map(|b| {
                    let bv = nalgebra::DVector::from_column_slice(b);
                    let mut u = chol.solve(&bv);
                    let res = &bv - &h * &u;
                    u += chol.solve(&res);
                    u.as_slice().to_vec()
                })
                .collect(),
        );
    }
    let (s, l2) = (mid(d.scale), mid(d.lambda2));
    let mut tmp = vec![0.0; d.n];
    let mut apply = |v: &[f64], out: &mut [f64]| {
        gemv_cols(d.x, d.n, t, v, &mut tmp);
        gemv_t_cols(d.x, d.n, &tmp, Some(t), out);
        for (o, vi) in out.iter_mut().zip(v) {
            *o = s * *o + l2 * vi;
        }
    };
    // The crate's one CG loop (`diff::cg::cg_with`): warm start, no rounding-floor stop;
    // the iterate is used whether or not the tolerance was met (the proof decides).
    let opts = CgOptions {
        max_iter: (2 * k + 100).min(2000),
        rel_tol: 1e-15,
    };
    let setup = CgSetup {
        x0: warm.filter(|w| w.len() == k),
        rounding_floor: false,
    };
    let mut out = Vec::with_capacity(rhs.len());
    for b in rhs {
        let op = |v: &[f64], o: &mut [f64]| {
            apply(v, o);
            Ok(())
        };
        out.push(cg_with(op, b, &opts, &setup).ok()?.x);
    }
    Some(out)
}

/// The candidate polished: the restricted KKT system `H_S w_S = s X_Sᵀy − λ₁σ_S` solved
/// on its support (without its tiny coordinates), dropping coordinates whose sign does
/// not survive (at most 10 rounds).
fn polish(d: &EnetData, w: &[f64], gram: Option<&Gram>) -> Option<Vec<f64>> {
    // Coordinates below 1e-9 of the largest are treated as zeros first (solver noise, or
    // a kink left as a tiny nonzero): the proof decides them from their correlation.
    let big = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut supp: Vec<usize> = (0..d.p).filter(|&j| w[j].abs() > 1e-9 * big).collect();
    let (s, l1) = (mid(d.scale), mid(d.lambda1));
    for _ in 0..10 {
        if supp.is_empty() {
            return Some(vec![0.0; d.p]);
        }
        let mut xty = vec![0.0; supp.len()];
        gemv_t_cols(d.x, d.n, d.y, Some(&supp), &mut xty);
        let b: Vec<f64> = supp
            .iter()
            .zip(&xty)
            .map(|(&j, c)| s * c - l1 * w[j].signum())
            .collect();
        let warm: Vec<f64> = supp.iter().map(|&j| w[j]).collect();
        let u = solve_restricted(d, gram, &supp, &[b], Some(&warm))?.pop()?;
        let keep: Vec<usize> = supp
            .iter()
            .zip(&u)
            .filter(|(&j, v)| v.signum() == w[j].signum() && **v != 0.0)
            .map(|(&j, _)| j)
            .collect();
        if keep.len() == supp.len() {
            let mut out = vec![0.0; d.p];
            for (&j, v) in supp.iter().zip(&u) {
                out[j] = *v;
            }
            return Some(out);
        }
        supp = keep;
    }
    None
}

/// The decisions of step 5 for a given curvature.
struct Classification {
    radius: f64,
    support: Vec<usize>,
    signs: Vec<i8>,
    undecided: Vec<usize>,
    /// Coordinates proven zero and outside `E`.
    zero: Vec<bool>,
    min_margin: f64,
    /// `δ_j` (perturbation bound of `c_j`) per coordinate.
    delta: Vec<f64>,
}

struct Pass {
    w: Vec<f64>,
    /// `c_j(w̃)` enclosures.
    c: Vec<Interval>,
    /// Upper bounds of `‖X_j‖`.
    norms: Vec<f64>,
    /// Upper bounds of `|g_j|`.
    g: Vec<f64>,
    g_norm: f64,
}

fn one_pass(d: &EnetData, w: Vec<f64>) -> Result<Pass, ProofFailure> {
    let supp: Vec<usize> = (0..d.p).filter(|&j| w[j] != 0.0).collect();
    let coef: Vec<f64> = supp.iter().map(|&j| w[j]).collect();
    let r = vfp::residual(d.x, d.n, &supp, &coef, d.y, d.data);
    if !r.is_finite() {
        return Err(ProofFailure::Input(Error::NonFinite {
            context: "enet proof: residual enclosure overflowed".into(),
        }));
    }
    let (a, norms) = vfp::gemv_t(d.x, d.n, &r, None, d.data);
    let mut c = Vec::with_capacity(d.p);
    let mut g = Vec::with_capacity(d.p);
    for (j, &wf) in w.iter().enumerate() {
        let wj = Interval::try_from((wf, wf)).unwrap_or(Interval::ENTIRE);
        let cj = d.scale * a.interval(j) - d.lambda2 * wj;
        let gj = if wf != 0.0 {
            let sign = if wf > 0.0 { 1.0 } else { -1.0 };
            (d.lambda1 * Interval::try_from((sign, sign)).unwrap_or(Interval::ENTIRE) - cj).mag()
        } else {
            (cj.abs() - d.lambda1).sup().max(0.0)
        };
        c.push(cj);
        g.push(if gj.is_nan() { f64::INFINITY } else { gj });
    }
    let g_norm = vfp::norm2_upper(&g);
    Ok(Pass {
        w,
        c,
        norms,
        g,
        g_norm,
    })
}

/// Step 5 with curvature `mu` (valid on `T`, which must then contain every coordinate
/// not proven zero; checked by the caller).
fn classify(d: &EnetData, pass: &Pass, mu: f64) -> Classification {
    let radius = div_up(pass.g_norm, mu);
    let fit = div_up(pass.g_norm, sqrt_down(mul_down(d.scale.inf(), mu)));
    let (s_hi, l2_hi, l1_lo) = (d.scale.sup(), d.lambda2.sup(), d.lambda1.inf());
    let mut out = Classification {
        radius,
        support: Vec::new(),
        signs: Vec::new(),
        undecided: Vec::new(),
        zero: vec![false; d.p],
        min_margin: f64::INFINITY,
        delta: vec![f64::INFINITY; d.p],
    };
    for j in 0..d.p {
        let wj = pass.w[j];
        let delta = add_up(
            mul_up(mul_up(s_hi, pass.norms[j]), fit),
            mul_up(l2_hi, radius),
        );
        out.delta[j] = delta;
        if wj != 0.0 && wj.abs() > radius {
            out.support.push(j);
            out.signs.push(if wj > 0.0 { 1 } else { -1 });
            continue;
        }
        let c_max = add_up(pass.c[j].mag(), delta);
        if c_max < l1_lo {
            out.zero[j] = true;
            out.min_margin = out.min_margin.min(vfp::down(l1_lo - c_max));
        } else {
            out.undecided.push(j);
        }
    }
    out
}

fn mul_down(a: f64, b: f64) -> f64 {
    vfp::down(a * b).max(0.0)
}

/// Prove the solution of the problem `d` near the candidate `w̃` and enclose its
/// derivatives (see the module documentation).
///
/// Errors: [`ProofFailure`] (typed; never a false proof).
pub fn prove(
    d: &EnetData,
    candidate: &[f64],
    opts: &ProofOptions,
) -> Result<EnetProof, ProofFailure> {
    vfp::check_arithmetic()?;
    if Some(d.x.len()) != d.n.checked_mul(d.p) || d.y.len() != d.n || candidate.len() != d.p {
        return Err(ProofFailure::Input(Error::DimensionMismatch {
            op: "enet_proof::prove",
            left: (d.n, d.p),
            right: (d.y.len(), candidate.len()),
        }));
    }
    if d.x
        .iter()
        .chain(d.y)
        .chain(candidate)
        .any(|v| !v.is_finite())
    {
        return Err(ProofFailure::Input(Error::NonFinite {
            context: "enet proof data or candidate".into(),
        }));
    }
    let ok = |i: Interval| !i.is_empty() && i.inf().is_finite() && i.sup().is_finite();
    let valid = ok(d.scale)
        && ok(d.lambda1)
        && ok(d.lambda2)
        && d.scale.inf() > 0.0
        && d.lambda1.inf() > 0.0
        && d.lambda2.inf() >= 0.0;
    if !valid {
        return Err(input(
            "(s, λ₁, λ₂)",
            format!("({:?}, {:?}, {:?})", d.scale, d.lambda1, d.lambda2),
            "s > 0, λ₁ > 0, λ₂ ≥ 0 as finite non-empty intervals",
        ));
    }
    if !(d.data.rel >= 0.0 && d.data.abs >= 0.0) {
        return Err(input(
            "the data radius (rel, abs)",
            format!("({}, {})", d.data.rel, d.data.abs),
            "≥ 0",
        ));
    }

    // Finder: polish (untrusted; only chooses the centre).
    let supp0: Vec<usize> = (0..d.p).filter(|&j| candidate[j] != 0.0).collect();
    // The Gram matrix on the support serves the polish and the verified curvature. It
    // is needed without a ridge; with one, it is formed only when it is cheap next to
    // the solve (`k² ≤ 80p + 480k`: a gemm of `k²n` against ~10 passes over the design
    // and ~30 epochs over the support), else conjugate gradients and `μ = inf λ₂`.
    let k = supp0.len();
    let cheap = k * k <= 80 * d.p + 480 * k;
    let want_gram = k <= opts.gram_limit && (d.lambda2.inf() == 0.0 || cheap);
    let mut gram = want_gram.then(|| Gram::new(d, &supp0));
    let mut w = candidate.to_vec();
    if opts.polish {
        if let Some(wp) = polish(d, candidate, gram.as_ref()) {
            w = wp;
        }
    }

    // Steps 1–2.
    let pass = one_pass(d, w)?;
    let l1_lo = d.lambda1.inf();
    let g_max = pass.g.iter().copied().fold(0.0, f64::max);
    let not_converged = g_max > opts.converged_kkt * l1_lo;

    // Steps 3–5: ridge curvature (valid for every T), then the Cholesky route when it
    // is needed and affordable.
    let mut best: Option<(Classification, f64, &'static str, Vec<usize>)> = None;
    let ridge = d.lambda2.inf();
    if ridge > 0.0 {
        let cl = classify(d, &pass, ridge);
        best = Some((cl, ridge, "ridge", Vec::new()));
    }
    // T: the support and every coordinate whose KKT condition may fail at w̃, grown by
    // the coordinates whose margin the T-ball cannot prove (≤ 3 rounds).
    let mut t: Vec<usize> = (0..d.p)
        .filter(|&j| pass.w[j] != 0.0 || pass.g[j] > 0.0 || pass.c[j].mag() >= l1_lo)
        .collect();
    if let Some(b) = &best {
        t.extend(b.0.undecided.iter().copied());
        t.sort_unstable();
        t.dedup();
    }
    // The Cholesky route: needed without a ridge or with undecided coordinates, and
    // taken anyway when the polish already formed the Gram matrix on T (then it costs
    // one factorisation and sharpens μ, hence every radius).
    let gram_ready = gram.as_ref().is_some_and(|g| g.cols == t);
    let needs_more = gram_ready || best.as_ref().map_or(true, |b| !b.0.undecided.is_empty());
    let mut chol_reason = String::from("λ₂ = 0 and no verified Cholesky bound");
    if needs_more {
        for _ in 0..3 {
            if t.len() > opts.gram_limit {
                chol_reason = format!(
                    "|T| = {} exceeds the Gram limit {}",
                    t.len(),
                    opts.gram_limit
                );
                break;
            }
            let g = match gram.take() {
                Some(g) if g.cols == t => g,
                _ => Gram::new(d, &t),
            };
            let Some(mu) = g.verified_min_eig() else {
                chol_reason = format!(
                    "Cholesky of the {}×{} restricted Gram matrix failed for every shift",
                    t.len(),
                    t.len()
                );
                gram = Some(g);
                break;
            };
            let cl = classify(d, &pass, mu);
            let outside: Vec<usize> = (0..d.p)
                .filter(|j| t.binary_search(j).is_err() && !cl.zero[*j])
                .collect();
            gram = Some(g);
            if outside.is_empty() {
                let better = best.as_ref().map_or(true, |b| {
                    cl.undecided.len() < b.0.undecided.len()
                        || (cl.undecided.len() == b.0.undecided.len() && mu > b.1)
                });
                if better {
                    best = Some((cl, mu, "cholesky", t.clone()));
                }
                break;
            }
            t.extend(outside);
            t.sort_unstable();
        }
    }
    let Some((cl, mu, method, _)) = best else {
        if not_converged {
            return Err(ProofFailure::NotConverged {
                kkt_residual: pass.g_norm,
                radius: f64::INFINITY,
                undecided: d.p,
            });
        }
        return Err(ProofFailure::IllConditioned {
            reason: chol_reason,
        });
    };

    // Step 6: vertices.
    let u = &cl.undecided;
    let too_many = u.len() >= usize::BITS as usize || (1usize << u.len()) > opts.max_vertices;
    let undecidable = |cl: &Classification| {
        if not_converged {
            ProofFailure::NotConverged {
                kkt_residual: pass.g_norm,
                radius: cl.radius,
                undecided: cl.undecided.len(),
            }
        } else {
            ProofFailure::SupportUndecidable {
                undecided: cl.undecided.clone(),
                radius: cl.radius,
            }
        }
    };
    if too_many {
        return Err(undecidable(&cl));
    }
    // Signs of c_j(w*) on U must be certified (|c| ≈ λ₁ > 0 at a kink).
    let mut u_signs = Vec::with_capacity(u.len());
    for &j in u {
        let c = pass.c[j];
        let delta = cl.delta[j];
        if vfp::down(c.inf() - delta) > 0.0 {
            u_signs.push(1i8);
        } else if vfp::up(c.sup() + delta) < 0.0 {
            u_signs.push(-1i8);
        } else {
            return Err(undecidable(&cl));
        }
    }
    let mut vertices = Vec::with_capacity(1 << u.len());
    for mask in 0..(1usize << u.len()) {
        let mut set: Vec<(usize, i8)> = cl
            .support
            .iter()
            .copied()
            .zip(cl.signs.iter().copied())
            .collect();
        for (b, (&j, &sg)) in u.iter().zip(&u_signs).enumerate() {
            if mask >> b & 1 == 1 {
                set.push((j, sg));
            }
        }
        set.sort_unstable();
        let v = enclose_vertex(d, gram.as_ref(), &pass.w, &set, cl.radius, mu)?;
        vertices.push(v);
    }
    Ok(EnetProof {
        trusts: vfp::TRUSTS,
        center: pass.w.clone(),
        radius: cl.radius,
        support: cl.support.clone(),
        signs: cl.signs.clone(),
        single_valued: u.is_empty(),
        undecided: u.clone(),
        curvature: mu,
        curvature_method: method,
        kkt_residual: pass.g_norm,
        min_margin: cl.min_margin,
        vertices,
        p: d.p,
    })
}

/// Verified solve for one vertex: `u₁ = −H⁻¹σ`, `u₂ = −H⁻¹w*_{T'}` on `T'`.
fn enclose_vertex(
    d: &EnetData,
    gram: Option<&Gram>,
    w: &[f64],
    set: &[(usize, i8)],
    radius: f64,
    mu: f64,
) -> Result<VertexDerivative, ProofFailure> {
    let t: Vec<usize> = set.iter().map(|s| s.0).collect();
    let signs: Vec<i8> = set.iter().map(|s| s.1).collect();
    let b1: Vec<f64> = signs.iter().map(|&s| -f64::from(s)).collect();
    let b2: Vec<f64> = t.iter().map(|&j| -w[j]).collect();
    let sols = solve_restricted(d, gram, &t, &[b1.clone(), b2.clone()], None).ok_or_else(|| {
        ProofFailure::IllConditioned {
            reason: "f64 restricted solve failed".into(),
        }
    })?;
    let mut cols = Vec::with_capacity(2);
    for (k, (b, u)) in [b1, b2].iter().zip(&sols).enumerate() {
        // ρ = b − (s X_Tᵀ(X_T ũ) + λ₂ ũ), enclosed over the data and parameter box.
        let xu = vfp::gemv(d.x, d.n, &t, &MidRad::exact(u), d.data);
        let (q, _) = vfp::gemv_t(d.x, d.n, &xu, Some(&t), d.data);
        let res: Vec<f64> = (0..t.len())
            .map(|i| {
                let ui = Interval::try_from((u[i], u[i])).unwrap_or(Interval::ENTIRE);
                let bi = Interval::try_from((b[i], b[i])).unwrap_or(Interval::ENTIRE);
                let m = (bi - (d.scale * q.interval(i) + d.lambda2 * ui)).mag();
                if m.is_nan() {
                    f64::INFINITY
                } else {
                    m
                }
            })
            .collect();
        let mut num = vfp::norm2_upper(&res);
        if k == 1 {
            // b₂ = −w*_{T'} is only known within the ball: ‖b₂ − b̃₂‖ ≤ radius.
            num = add_up(num, radius);
        }
        let e = div_up(num, mu);
        if !e.is_finite() {
            return Err(ProofFailure::IllConditioned {
                reason: "derivative error bound overflowed".into(),
            });
        }
        cols.push(MidRad {
            mid: u.clone(),
            rad: vec![e; t.len()],
        });
    }
    let d2 = cols.pop().unwrap_or_else(|| MidRad::exact(&[]));
    let d1 = cols.pop().unwrap_or_else(|| MidRad::exact(&[]));
    Ok(VertexDerivative {
        set: t,
        signs,
        d_lambda1: d1,
        d_lambda2: d2,
    })
}

impl EnetProof {
    /// A box containing `w*`: `[0, 0]` on coordinates proven zero, the centre ± radius
    /// elsewhere.
    pub fn solution_box(&self) -> Vec<Interval> {
        let mut out = vec![Interval::try_from((0.0, 0.0)).unwrap_or(Interval::ENTIRE); self.p];
        let ball = |c: f64| {
            Interval::try_from((vfp::down(c - self.radius), vfp::up(c + self.radius)))
                .unwrap_or(Interval::ENTIRE)
        };
        for &j in self.support.iter().chain(&self.undecided) {
            out[j] = ball(self.center[j]);
        }
        out
    }

    /// Entrywise hull of every vertex's derivative `∂w*/∂(λ₁, λ₂)` (`p × 2`): a box
    /// containing every derivative the restricted formula can return at `w*`.
    pub fn jacobian_hull(&self) -> Matrix<Interval> {
        let zero = Interval::try_from((0.0, 0.0)).unwrap_or(Interval::ENTIRE);
        let mut out: Matrix<Interval> = Matrix::from_fn(self.p, 2, |_, _| Interval::EMPTY);
        let mut seen = vec![0usize; self.p];
        for v in &self.vertices {
            for (k, &j) in v.set.iter().enumerate() {
                seen[j] += 1;
                for (c, col) in [&v.d_lambda1, &v.d_lambda2].iter().enumerate() {
                    out[(j, c)] = out[(j, c)].convex_hull(col.interval(k));
                }
            }
        }
        // A coordinate absent from some vertex (or from all) has derivative 0 there.
        for j in 0..self.p {
            if seen[j] < self.vertices.len() || seen[j] == 0 {
                for c in 0..2 {
                    out[(j, c)] = out[(j, c)].convex_hull(zero);
                }
            }
        }
        out
    }

    /// Rigorous bound of the distance (largest entry) from an f64 derivative `Ĵ`
    /// (`p × 2`) to the set of vertex derivatives: `min` over vertices of the largest
    /// `sup |Ĵ_jc − J_jc|` over the vertex's enclosure.
    pub fn error_bound(&self, j_hat: &Matrix<f64>) -> Result<f64, ProofFailure> {
        if j_hat.shape() != (self.p, 2) {
            return Err(ProofFailure::Input(Error::DimensionMismatch {
                op: "EnetProof::error_bound",
                left: (self.p, 2),
                right: j_hat.shape(),
            }));
        }
        let mut best = f64::INFINITY;
        for v in &self.vertices {
            let mut in_set = vec![usize::MAX; self.p];
            for (k, &j) in v.set.iter().enumerate() {
                in_set[j] = k;
            }
            let mut worst = 0.0f64;
            for j in 0..self.p {
                for (c, col) in [&v.d_lambda1, &v.d_lambda2].iter().enumerate() {
                    let jh = j_hat[(j, c)];
                    let e = if in_set[j] == usize::MAX {
                        jh.abs()
                    } else {
                        let k = in_set[j];
                        add_up((jh - col.mid[k]).abs(), col.rad[k])
                    };
                    worst = worst.max(vfp::up(e));
                }
            }
            best = best.min(worst);
        }
        Ok(best)
    }

    /// Enclosure of `∇L(w*) = X_vᵀ(X_v w* − y_v)/n_v` of the validation loss
    /// `L(w) = ‖X_v w − y_v‖²/(2n_v)` (column-major `x_val`, `n_val` rows, `p` columns)
    /// over the proven box of `w*`: one pass over `X_v` plus one over its columns in the
    /// box. Feed it to [`EnetProof::hypergradients`].
    pub fn squared_error_gradient(
        &self,
        x_val: &[f64],
        n_val: usize,
        y_val: &[f64],
        data: DataRadius,
    ) -> Result<MidRad, ProofFailure> {
        if Some(x_val.len()) != n_val.checked_mul(self.p) || y_val.len() != n_val || n_val == 0 {
            return Err(ProofFailure::Input(Error::DimensionMismatch {
                op: "EnetProof::squared_error_gradient",
                left: (n_val, self.p),
                right: (y_val.len(), x_val.len()),
            }));
        }
        let mut t: Vec<usize> = self
            .support
            .iter()
            .chain(&self.undecided)
            .copied()
            .collect();
        t.sort_unstable();
        let w = MidRad {
            mid: t.iter().map(|&j| self.center[j]).collect(),
            rad: vec![self.radius; t.len()],
        };
        // r = X_v w − y_v = −(y_v − X_v w).
        let xw = vfp::gemv(x_val, n_val, &t, &w, data);
        let mut r = MidRad {
            mid: vec![0.0; n_val],
            rad: vec![0.0; n_val],
        };
        for (i, yi) in y_val.iter().enumerate() {
            let v = xw.mid[i] - yi;
            r.mid[i] = v;
            let round = add_up(mul_up(vfp::UNIT_ROUNDOFF, v.abs()), vfp::ETA);
            let datum = add_up(mul_up(data.rel, yi.abs()), data.abs);
            r.rad[i] = add_up(add_up(xw.rad[i], round), datum);
        }
        let (g, _) = vfp::gemv_t(x_val, n_val, &r, None, data);
        let inv = Interval::try_from((1.0, 1.0)).unwrap_or(Interval::ENTIRE)
            / Interval::try_from((n_val as f64, n_val as f64)).unwrap_or(Interval::ENTIRE);
        let mut out = MidRad {
            mid: vec![0.0; self.p],
            rad: vec![0.0; self.p],
        };
        for j in 0..self.p {
            let v = g.interval(j) * inv;
            let m = v.mid();
            out.mid[j] = m;
            out.rad[j] = vfp::up((v.sup() - m).max(m - v.inf()));
        }
        Ok(out)
    }

    /// Enclosures of the hypergradient `(vᵀ∂w*/∂λ₁, vᵀ∂w*/∂λ₂)` of every vertex, for
    /// every outer gradient `v` in the enclosure `v` (length `p`).
    pub fn hypergradients(&self, v: &MidRad) -> Result<Vec<[Interval; 2]>, ProofFailure> {
        if v.mid.len() != self.p || v.rad.len() != self.p {
            return Err(ProofFailure::Input(Error::DimensionMismatch {
                op: "EnetProof::hypergradients",
                left: (self.p, 1),
                right: (v.mid.len(), 1),
            }));
        }
        let mut out = Vec::with_capacity(self.vertices.len());
        for vert in &self.vertices {
            let mut pair = [Interval::try_from((0.0, 0.0)).unwrap_or(Interval::ENTIRE); 2];
            for (c, col) in [&vert.d_lambda1, &vert.d_lambda2].iter().enumerate() {
                let mut acc = Interval::try_from((0.0, 0.0)).unwrap_or(Interval::ENTIRE);
                for (k, &j) in vert.set.iter().enumerate() {
                    acc += v.interval(j) * col.interval(k);
                }
                pair[c] = acc;
            }
            out.push(pair);
        }
        Ok(out)
    }
}

/// Settings of [`solve_and_prove`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SolveOptions {
    /// The f64 solver.
    pub cd: crate::diff::enet::CdOptions,
    /// The proof.
    pub proof: ProofOptions,
}

/// An f64 solve and its proof ([`solve_and_prove`]).
#[derive(Clone, Debug)]
pub struct ProvenSolve {
    /// The f64 solution with the solver's own support / kink report.
    pub solution: crate::diff::enet::CdSolution,
    /// The f64 derivative `∂w/∂(λ₁, λ₂)` (`p × 2`, restricted formula on the decided
    /// support).
    pub jacobian: Matrix<f64>,
    /// The proof, or why it could not be made.
    pub proof: Result<EnetProof, ProofFailure>,
    /// Rigorous bound on the distance from `jacobian` to the enclosed derivatives
    /// (largest entry), when proved.
    pub error_bound: Option<f64>,
    /// Wall time of the f64 solve and derivative.
    pub solve_seconds: f64,
    /// Wall time of the proof (including the error bound).
    pub proof_seconds: f64,
}

/// Solve `problem` in f64 at the midpoints of `λ₁`, `λ₂` (coordinate descent, warm
/// started from `warm`), differentiate it, then prove the result for every problem
/// in the data and parameter box: the production path with its certificate.
///
/// Errors: the solver's ([`crate::Error`]: invalid parameters, no convergence); a
/// failed proof is not an error but [`ProvenSolve::proof`].
pub fn solve_and_prove(
    problem: &crate::diff::enet::Enet,
    data: DataRadius,
    lambda1: Interval,
    lambda2: Interval,
    warm: Option<&[f64]>,
    opts: &SolveOptions,
) -> crate::Result<ProvenSolve> {
    solve_and_prove_observed(problem, data, lambda1, lambda2, warm, opts, &mut |_, _| {})
}

/// As [`solve_and_prove`], with the solver's outer iterations reported to `observe`
/// (see [`Enet::solve_observed`](crate::diff::enet::Enet::solve_observed)).
pub fn solve_and_prove_observed(
    problem: &crate::diff::enet::Enet,
    data: DataRadius,
    lambda1: Interval,
    lambda2: Interval,
    warm: Option<&[f64]>,
    opts: &SolveOptions,
    observe: &mut dyn FnMut(usize, f64),
) -> crate::Result<ProvenSolve> {
    use crate::diff::enet::RestrictedSolver;
    let (n, p) = problem.dims();
    let (l1, l2) = (lambda1.mid(), lambda2.mid());
    let t = std::time::Instant::now();
    let solution = problem.solve_observed(l1, l2, warm, &opts.cd, observe)?;
    let jacobian = problem.jacobian(&solution, l2, RestrictedSolver::Auto)?;
    let solve_seconds = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let s = problem.scale();
    let d = EnetData {
        n,
        p,
        x: problem.design(),
        y: problem.response(),
        data,
        scale: Interval::try_from((s, s)).unwrap_or(Interval::ENTIRE),
        lambda1,
        lambda2,
    };
    let proof = prove(&d, &solution.w, &opts.proof);
    let error_bound = proof
        .as_ref()
        .ok()
        .and_then(|pr| pr.error_bound(&jacobian).ok());
    let proof_seconds = t.elapsed().as_secs_f64();
    Ok(ProvenSolve {
        solution,
        jacobian,
        proof,
        error_bound,
        solve_seconds,
        proof_seconds,
    })
}
