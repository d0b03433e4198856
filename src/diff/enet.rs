//! The fast f64 path for the LASSO / elastic net (docs/mathematics.md §6):
//! `min_w P(w) = (s/2)‖X w − y‖² + λ₁‖w‖₁ + (λ₂/2)‖w‖²` (`s = 1` as in docs/mathematics.md, `s = 1/n`
//! as in scikit-learn), solved by working-set coordinate descent, then differentiated by
//! the support-restricted implicit formula
//! `(s X_SᵀX_S + λ₂ I) ∂w_S/∂λ₁ = −sign(w_S)`, `(s X_SᵀX_S + λ₂ I) ∂w_S/∂λ₂ = −w_S`,
//! `∂w_{Sᶜ} = 0` (Bertrand et al. 2020), valid when the equicorrelation set equals the
//! support. Whether it does is decided with the tolerance below and reported ([`Kkt`]);
//! the whole conservative Jacobian (one element per vertex `q ∈ {0,1}^U` of the undecided
//! coordinates `U`) is available through [`Enet::conservative_hypergradients`].
//!
//! # Solver
//! Outer iterations compute the correlations `Xᵀr` (`r = y − Xw`) of the features not yet
//! screened, in parallel over columns, and the duality gap `G`. Gap-safe screening
//! removes feature `j` for good once `s|X_jᵀr| + s‖X_j‖ε_r < λ₁` with
//! `ε_r = √(2G/s) ≥ ‖r − r*‖` (below). A working set (support, then the largest KKT
//! violators, `max(ws_growth·|S|, ws_min, ws_violator_share·#violators)` features) is
//! solved by cyclic coordinate
//! descent with Anderson extrapolation of the epochs (the extrapolated point is kept
//! only when it lowers the objective) until its own gap is `0.3×` the outer gap. Stop:
//! `G ≤ tol · s‖y‖²` (scikit-learn's criterion). Memory: the design plus `O(n + p)` and
//! `(K + 1)(n + |WS|)` for Anderson; no allocation inside the epochs.
//!
//! # Kink tolerance (one rule for support and equicorrelation)
//! Every decision derives from the solver's accuracy. With `H_T = s X_TᵀX_T + λ₂ I`:
//! 1. `P(w) − P(w*) ≤ G` and `P` is `s`-strongly convex in `Xw`, so `‖r − r*‖ ≤ ε_r =
//!    √(2G/s)`. Hence `|s X_jᵀ(r − r*)| ≤ s‖X_j‖ε_r`, and `j` is certainly outside the
//!    equicorrelation set `E*` (so `w*_j = 0`) when `s|X_jᵀr| + s‖X_j‖ε_r < λ₁`. The
//!    remaining features form the candidate set `T ⊇ supp w ∪ E*`.
//! 2. On `T`, `P_T` is `μ`-strongly convex with `μ ≤ λ_min(H_T)` (`μ = λ₂` when `λ₂ > 0`;
//!    otherwise, or when `λ₂` leaves coordinates undecided, half a Lanczos estimate of
//!    `λ_min(H_T)`). For the minimal subgradient `g` of `P_T` at `w` (the KKT residual:
//!    `λ₁ sign(w_j) − c_j` on the support, `(|c_j| − λ₁)₊` off it, `c_j = sX_jᵀr − λ₂w_j`),
//!    `‖w − w*‖ ≤ τ_w = min(‖g‖/μ, √(2G/μ))` and `‖X(w − w*)‖ ≤ min(‖g‖/√(sμ), ε_r)`.
//! 3. `j ∈ T` is **in the support** (with the sign of `w_j`) when `|w_j| > τ_w`; else it
//!    is **out of `E*`** when `|c_j| + δ_j < λ₁`, `δ_j = s‖X_j‖·‖X(w − w*)‖ + λ₂τ_w`;
//!    else it is **undecided**: the solver cannot tell a kink (`w*_j = 0`,
//!    `|c*_j| = λ₁`) from a small nonzero or a small margin.
//!
//! Rounding: `G` and `g` get an allowance `2(√m + 2)u·(magnitudes)` (`u = 2⁻⁵³`, `m` the
//! length of the sums), a realistic rather than worst-case estimate — these decisions are
//! f64 estimates. The rigorous version of the same argument, with a priori error bounds,
//! is [`crate::certify::enet_proof`]. When coordinates are undecided and polishing is
//! enabled, coordinate descent continues on `T` (the bounds are linear in `‖g‖`) until
//! they separate or the gap stops shrinking; at an exact kink they stay undecided, and
//! [`Kkt::single_valued`] is `false`.

use super::cg::CgOutput;
use super::{check_finite, check_len};
use crate::error::{Error, Result};
use crate::linalg::fast::{axpy, dot, gemv_cols, gemv_t_cols};
use crate::linalg::Matrix;

/// Unit roundoff of f64 (round to nearest).
const UNIT_ROUNDOFF: f64 = f64::EPSILON / 2.0;

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
    col_norm: Vec<f64>,
    y_sq: f64,
}

/// Options of the coordinate-descent solver.
#[derive(Clone, Debug, PartialEq)]
pub struct CdOptions {
    /// Stop when the duality gap is `≤ tol · s‖y‖²`.
    pub tol: f64,
    /// Budget of outer iterations (each: one gradient `Xᵀr` over the unscreened features
    /// plus working-set epochs).
    pub max_outer: usize,
    /// Budget of coordinate-descent epochs over the working set per outer iteration.
    pub max_inner: usize,
    /// Working-set size: `max(ws_growth·|S|, ws_min, ws_violator_share·#violators)`
    /// coordinates per outer iteration.
    pub ws_growth: usize,
    /// Smallest working set.
    pub ws_min: usize,
    /// Share of the current KKT violators always admitted to the working set (fewer
    /// outer iterations, hence fewer passes over the design, while the support grows).
    pub ws_violator_share: f64,
    /// Memory `K` of the Anderson extrapolation of epochs (`0`: off).
    pub anderson: usize,
    /// Gap-safe screening of features that cannot enter the equicorrelation set.
    pub screening: bool,
    /// Rounds of polishing (more epochs on the candidate set) when the kink tolerance
    /// leaves coordinates undecided (`0`: report them as they are).
    pub polish: usize,
}

impl Default for CdOptions {
    fn default() -> Self {
        CdOptions {
            tol: 1e-10,
            max_outer: 200,
            max_inner: 10_000,
            ws_growth: 2,
            ws_min: 64,
            ws_violator_share: 1.0 / 3.0,
            anderson: 5,
            screening: true,
            polish: 3,
        }
    }
}

/// The accuracy of a solution, from which every support / equicorrelation decision
/// derives (see the module documentation, "Kink tolerance").
#[derive(Clone, Debug, PartialEq)]
pub struct KinkTolerance {
    /// Duality gap plus its rounding allowance: `P(w) − P(w*) ≤ gap`.
    pub gap: f64,
    /// `ε_r = √(2·gap/s) ≥ ‖r − r*‖`.
    pub residual_radius: f64,
    /// Norm of the KKT residual `g` on the candidate set, plus its rounding allowance.
    pub kkt_residual: f64,
    /// Strong-convexity modulus `μ` used on the candidate set.
    pub curvature: f64,
    /// `τ_w ≥ ‖w − w*‖`: coordinates with `|w_j| > τ_w` are in the support.
    pub w_radius: f64,
    /// `≥ ‖X(w − w*)‖`: correlations are known to `s‖X_j‖` times this (plus `λ₂τ_w`).
    pub fit_radius: f64,
}

/// The optimality check at the returned solution.
#[derive(Clone, Debug, PartialEq)]
pub struct Kkt {
    /// Coordinates decided nonzero, `|w_j| > τ_w` (sorted).
    pub support: Vec<usize>,
    /// The possible equicorrelation set: `support ∪ undecided` (sorted).
    pub equicorrelation: Vec<usize>,
    /// Coordinates the solver's accuracy cannot place: possibly at a kink (sorted).
    pub undecided: Vec<usize>,
    /// No undecided coordinate: `E = S` and the derivative is single-valued (the
    /// restricted formula is *the* Jacobian). Otherwise "possibly set-valued".
    pub single_valued: bool,
    /// Largest violation `max_j (s|X_jᵀr| − λ₁)₊` over coordinates with `w_j = 0`.
    pub max_violation: f64,
    /// The tolerance the decisions used.
    pub tolerance: KinkTolerance,
}

/// A solution with its certificate of accuracy.
#[derive(Clone, Debug, PartialEq)]
pub struct CdSolution {
    /// `w ∈ Rᵖ`.
    pub w: Vec<f64>,
    /// Final duality gap (as computed, without allowance).
    pub gap: f64,
    /// Outer iterations used.
    pub outer_iterations: usize,
    /// Coordinate-descent epochs used (working set, polishing).
    pub epochs: usize,
    /// Features removed by gap-safe screening.
    pub screened: usize,
    /// Work done: column visits of the coordinate-descent epochs and inner gap checks
    /// (each one dot product and at most one `axpy` of length `n`), and columns in the
    /// outer correlations `Xᵀr` (one dot product each, streamed from the design).
    pub work: CdWork,
    /// KKT / equicorrelation check.
    pub kkt: Kkt,
}

/// Work counters of a coordinate-descent solve (see [`CdSolution::work`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CdWork {
    /// Column visits inside the working-set epochs and their gap checks.
    pub column_visits: usize,
    /// Columns in the outer correlations (full gradients over unscreened features).
    pub gradient_columns: usize,
}

/// How the restricted system `(s X_SᵀX_S + λ₂ I) u = r` is solved.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
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

/// Solutions of the restricted system `(s X_TᵀX_T + λ₂ I) U = R`, one per right-hand
/// side, with the solver's work and residual.
struct RestrictedSolution {
    /// `U`, column by column.
    u: Vec<Vec<f64>>,
    /// CG iterations over all right-hand sides (1 for Cholesky).
    iterations: usize,
    /// Largest residual `‖H u − r‖` (CG: the recursively updated one).
    residual: f64,
}

/// Anderson extrapolation of the iterates `(w_WS, r)` of coordinate descent
/// (`r = y − Xw` is affine in `w`, so it is extrapolated with the same weights).
struct Anderson {
    k: usize,
    m: usize,
    n: usize,
    count: usize,
    w: Vec<f64>,
    r: Vec<f64>,
}

impl Anderson {
    fn new(k: usize, n: usize) -> Self {
        Anderson {
            k,
            m: 0,
            n,
            count: 0,
            w: Vec::new(),
            r: Vec::new(),
        }
    }

    fn reset(&mut self, m: usize) {
        self.m = m;
        self.count = 0;
        self.w.resize((self.k + 1) * m, 0.0);
        self.r.resize((self.k + 1) * self.n, 0.0);
    }

    /// Store an iterate; when `K + 1` are stored, write the extrapolation into
    /// `(w_out, r_out)` and return `true`.
    fn push(&mut self, w_ws: &[f64], r: &[f64], w_out: &mut [f64], r_out: &mut [f64]) -> bool {
        if self.k == 0 {
            return false;
        }
        let (m, n, c) = (self.m, self.n, self.count);
        self.w[c * m..(c + 1) * m].copy_from_slice(w_ws);
        self.r[c * n..(c + 1) * n].copy_from_slice(r);
        self.count += 1;
        if self.count <= self.k {
            return false;
        }
        self.count = 0;
        // U = successive differences (K columns); solve (UᵀU) z = 1, weights z / Σz.
        let k = self.k;
        let diff = |i: usize, t: usize| self.w[(i + 1) * m + t] - self.w[i * m + t];
        let mut gram = nalgebra::DMatrix::<f64>::zeros(k, k);
        for a in 0..k {
            for b in 0..=a {
                let v: f64 = (0..m).map(|t| diff(a, t) * diff(b, t)).sum();
                gram[(a, b)] = v;
                gram[(b, a)] = v;
            }
        }
        let scale = (0..k).map(|a| gram[(a, a)]).fold(0.0, f64::max);
        if !(scale > 0.0) || !scale.is_finite() {
            return false;
        }
        for a in 0..k {
            gram[(a, a)] += 1e-12 * scale;
        }
        let Some(chol) = gram.cholesky() else {
            return false;
        };
        let z = chol.solve(&nalgebra::DVector::from_element(k, 1.0));
        let sum: f64 = z.iter().sum();
        if !(sum.abs() > 0.0) || !sum.is_finite() {
            return false;
        }
        w_out.iter_mut().for_each(|v| *v = 0.0);
        r_out.iter_mut().for_each(|v| *v = 0.0);
        for (a, za) in z.iter().enumerate() {
            let c = za / sum;
            axpy(c, &self.w[(a + 1) * m..(a + 2) * m], w_out);
            axpy(c, &self.r[(a + 1) * n..(a + 2) * n], r_out);
        }
        w_out.iter().all(|v| v.is_finite())
    }
}

/// Where a coordinate of the candidate set falls (module docs, "Kink tolerance").
enum Decision {
    Support,
    Zero,
    Undecided,
}

impl Enet {
    /// A problem from a design `X` (`n × p`), responses `y` and loss scale `s > 0`.
    pub fn new(x: Matrix<f64>, y: Vec<f64>, scale: f64) -> Result<Self> {
        let (n, p) = x.shape();
        Self::from_col_major(n, p, x.into_vec(), y, scale)
    }

    /// A problem from a column-major design (`x[j·n + i] = X_ij`), responses `y` and loss
    /// scale `s > 0`. The design is moved, not copied.
    pub fn from_col_major(
        n: usize,
        p: usize,
        x: Vec<f64>,
        y: Vec<f64>,
        scale: f64,
    ) -> Result<Self> {
        if Some(x.len()) != n.checked_mul(p) || y.len() != n {
            return Err(Error::DimensionMismatch {
                op: "Enet::new",
                left: (n, p),
                right: (y.len(), x.len()),
            });
        }
        if !(scale > 0.0 && scale.is_finite()) {
            return Err(Error::parameter(
                "Enet::new: scale",
                scale,
                "finite and > 0",
            ));
        }
        check_finite(&x, "Enet design")?;
        check_finite(&y, "Enet response")?;
        let col_norm: Vec<f64> = (0..p)
            .map(|j| dot(&x[j * n..(j + 1) * n], &x[j * n..(j + 1) * n]).sqrt())
            .collect();
        let col_sq = col_norm.iter().map(|c| scale * c * c).collect();
        let y_sq = dot(&y, &y);
        if !y_sq.is_finite() || col_norm.iter().any(|c| !c.is_finite()) {
            return Err(Error::NonFinite {
                context: "Enet: squared norms of the data overflow".into(),
            });
        }
        Ok(Enet {
            n,
            p,
            x,
            y,
            scale,
            col_sq,
            col_norm,
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
    /// The design, column-major (`x[j·n + i] = X_ij`).
    pub fn design(&self) -> &[f64] {
        &self.x
    }
    /// The responses `y`.
    pub fn response(&self) -> &[f64] {
        &self.y
    }
    fn col(&self, j: usize) -> &[f64] {
        &self.x[j * self.n..(j + 1) * self.n]
    }

    /// `λ_max = s‖Xᵀy‖_∞`: the smallest `λ₁` with solution `0` when `λ₂ = 0`.
    pub fn lambda_max(&self) -> f64 {
        let mut c = vec![0.0; self.p];
        gemv_t_cols(&self.x, self.n, &self.y, None, &mut c);
        c.iter().map(|v| (self.scale * v).abs()).fold(0.0, f64::max)
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
        self.residual_into(w, &mut r);
        r
    }

    fn residual_into(&self, w: &[f64], r: &mut [f64]) {
        let nz: Vec<usize> = (0..self.p).filter(|&j| w[j] != 0.0).collect();
        let coef: Vec<f64> = nz.iter().map(|&j| w[j]).collect();
        gemv_cols(&self.x, self.n, &nz, &coef, r);
        for (ri, yi) in r.iter_mut().zip(&self.y) {
            *ri = yi - *ri;
        }
    }

    /// Duality gap of the problem restricted to the coordinates `set` (the others held
    /// at 0), from `corr[k] = X_{set[k]}ᵀ r` (scikit-learn's formula rescaled by `s`).
    fn gap_on(&self, set: &[usize], w: &[f64], r: &[f64], corr: &[f64], l1: f64, l2: f64) -> f64 {
        let (alpha, beta) = (l1 / self.scale, l2 / self.scale);
        let mut dual_norm = 0.0f64;
        let (mut l1n, mut w2) = (0.0, 0.0);
        for (&j, c) in set.iter().zip(corr) {
            let wj = w[j];
            dual_norm = dual_norm.max((c - beta * wj).abs());
            l1n += wj.abs();
            w2 += wj * wj;
        }
        let r2 = dot(r, r);
        let (konst, mut gap) = if dual_norm > alpha {
            let k = alpha / dual_norm;
            (k, 0.5 * (r2 + r2 * k * k))
        } else {
            (1.0, r2)
        };
        gap += alpha * l1n - konst * dot(r, &self.y) + 0.5 * beta * (1.0 + konst * konst) * w2;
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
            let xj = self.col(j);
            let old = w[j];
            let z = self.scale * dot(xj, r) + cs * old;
            let new = soft(z, l1) / (cs + l2);
            if new != old {
                axpy(old - new, xj, r);
                w[j] = new;
                max_d = max_d.max((new - old).abs() * self.col_norm[j]);
            }
        }
        max_d
    }

    /// Coordinate descent with Anderson extrapolation on the working set `ws` until its
    /// gap is `≤ inner_target` (checked every 4 epochs); returns the epochs run.
    #[allow(clippy::too_many_arguments)]
    fn inner(
        &self,
        ws: &[usize],
        w: &mut [f64],
        r: &mut [f64],
        l1: f64,
        l2: f64,
        inner_target: f64,
        max_inner: usize,
        acc: &mut Anderson,
        work: &mut CdWork,
    ) -> usize {
        let m = ws.len();
        acc.reset(m);
        let mut ws_w = vec![0.0; m];
        let mut ws_corr = vec![0.0; m];
        let mut w_ex = vec![0.0; m];
        let mut r_ex = vec![0.0; self.n];
        let obj = |w_ws: &[f64], r: &[f64]| {
            0.5 * self.scale * dot(r, r)
                + w_ws
                    .iter()
                    .map(|v| l1 * v.abs() + 0.5 * l2 * v * v)
                    .sum::<f64>()
        };
        let mut epochs = 0;
        for it in 0..max_inner {
            epochs += 1;
            work.column_visits += m;
            let moved = self.epoch(ws, w, r, l1, l2);
            if moved == 0.0 {
                break;
            }
            for (k, &j) in ws.iter().enumerate() {
                ws_w[k] = w[j];
            }
            if acc.push(&ws_w, r, &mut w_ex, &mut r_ex) && obj(&w_ex, &r_ex) < obj(&ws_w, r) {
                for (k, &j) in ws.iter().enumerate() {
                    w[j] = w_ex[k];
                }
                r.copy_from_slice(&r_ex);
            }
            if it % 4 == 3 {
                work.column_visits += m;
                gemv_t_cols(&self.x, self.n, r, Some(ws), &mut ws_corr);
                if self.gap_on(ws, w, r, &ws_corr, l1, l2) <= inner_target {
                    break;
                }
            }
        }
        epochs
    }

    /// Solve by working-set coordinate descent, warm-started from `warm` when given (see
    /// the module documentation for the algorithm and the kink tolerance).
    ///
    /// Errors: [`Error::InvalidParameter`] for `λ₁ < 0`, `λ₂ < 0` or non-finite values,
    /// [`Error::NotConverged`] when the budget ends before the gap tolerance.
    pub fn solve(
        &self,
        l1: f64,
        l2: f64,
        warm: Option<&[f64]>,
        opts: &CdOptions,
    ) -> Result<CdSolution> {
        self.solve_observed(l1, l2, warm, opts, &mut |_, _| {})
    }

    /// As [`Enet::solve`], calling `observe(k, gap)` at the start of outer iteration `k`
    /// (`k = 1, 2, …`) with the duality gap there relative to its target (`≤ 1`: about
    /// to stop): the hook of progress displays.
    pub fn solve_observed(
        &self,
        l1: f64,
        l2: f64,
        warm: Option<&[f64]>,
        opts: &CdOptions,
        observe: &mut dyn FnMut(usize, f64),
    ) -> Result<CdSolution> {
        if !(l1 >= 0.0 && l2 >= 0.0 && l1.is_finite() && l2.is_finite()) {
            return Err(Error::parameter(
                "Enet::solve: (λ₁, λ₂)",
                format!("({l1}, {l2})"),
                "both finite and ≥ 0",
            ));
        }
        let mut w = match warm {
            Some(w0) => {
                check_len("Enet::solve warm start", self.p, w0.len())?;
                check_finite(w0, "Enet::solve warm start")?;
                w0.to_vec()
            }
            None => vec![0.0; self.p],
        };
        let mut r = vec![0.0; self.n];
        let mut active: Vec<usize> = (0..self.p).collect();
        let mut corr = vec![0.0; self.p];
        let target = opts.tol * self.scale * self.y_sq.max(f64::MIN_POSITIVE);
        let mut scores: Vec<(f64, usize)> = Vec::with_capacity(self.p);
        let mut ws: Vec<usize> = Vec::new();
        let mut acc = Anderson::new(opts.anderson, self.n);
        let mut epochs = 0;
        let mut work = CdWork::default();
        let mut gap = f64::INFINITY;
        for outer in 0..opts.max_outer {
            // A fresh residual every outer iteration: no drift from the epochs' updates.
            self.residual_into(&w, &mut r);
            work.gradient_columns += active.len();
            gemv_t_cols(
                &self.x,
                self.n,
                &r,
                Some(&active),
                &mut corr[..active.len()],
            );
            gap = self.gap_on(&active, &w, &r, &corr[..active.len()], l1, l2);
            if !gap.is_finite() {
                return Err(Error::NonFinite {
                    context: "Enet::solve duality gap".into(),
                });
            }
            observe(outer + 1, gap / target);
            if opts.screening {
                self.screen(&mut active, &mut corr, &w, &r, gap, l1, l2);
            }
            if gap <= target {
                return self.finish(w, r, active, corr, gap, outer, epochs, work, l1, l2, opts);
            }
            // Working set: the support, then the largest violators `s|X_jᵀr| − λ₁ > 0`.
            scores.clear();
            let mut nnz = 0;
            let mut violators = 0;
            for (k, &j) in active.iter().enumerate() {
                if w[j] != 0.0 {
                    nnz += 1;
                    scores.push((f64::INFINITY, j));
                } else {
                    let v = (self.scale * corr[k]).abs() - l1;
                    if v > 0.0 {
                        violators += 1;
                        scores.push((v, j));
                    }
                }
            }
            let share = (opts.ws_violator_share.clamp(0.0, 1.0) * violators as f64) as usize;
            let size = (opts.ws_growth.max(1) * nnz)
                .max(opts.ws_min)
                .max(share)
                .max(nnz + 1)
                .min(scores.len());
            if size < scores.len() {
                scores.select_nth_unstable_by(size, |a, b| b.0.total_cmp(&a.0));
                scores.truncate(size);
            }
            ws.clear();
            ws.extend(scores.iter().map(|s| s.1));
            ws.sort_unstable();
            if ws.is_empty() {
                // Nothing to optimise and no violator: only rounding separates us from 0 gap.
                return self.finish(w, r, active, corr, gap, outer, epochs, work, l1, l2, opts);
            }
            let inner_target = if violators == 0 {
                0.5 * target
            } else {
                (0.3 * gap).max(0.5 * target)
            };
            epochs += self.inner(
                &ws,
                &mut w,
                &mut r,
                l1,
                l2,
                inner_target,
                opts.max_inner,
                &mut acc,
                &mut work,
            );
        }
        Err(Error::NotConverged {
            what: "elastic-net coordinate descent",
            iterations: epochs,
            residual: gap,
        })
    }

    /// Rounding allowance of a gap computed from `r` and `w` (realistic, `√m`-scaled).
    fn gap_allowance(&self, w: &[f64], r: &[f64], l1: f64, l2: f64) -> f64 {
        let mag = self.scale * (dot(r, r) + dot(r, &self.y).abs())
            + l1 * w.iter().map(|v| v.abs()).sum::<f64>()
            + l2 * dot(w, w);
        2.0 * ((self.n + self.p) as f64).sqrt().max(2.0) * UNIT_ROUNDOFF * mag
    }

    /// Gap-safe screening: drop features with `w_j = 0` whose correlation cannot reach
    /// `λ₁` at the optimum (`active`/`corr` are compacted in place).
    #[allow(clippy::too_many_arguments)]
    fn screen(
        &self,
        active: &mut Vec<usize>,
        corr: &mut [f64],
        w: &[f64],
        r: &[f64],
        gap: f64,
        l1: f64,
        l2: f64,
    ) {
        let g_safe = 2.0 * gap.max(0.0) + self.gap_allowance(w, r, l1, l2);
        let eps_r = (2.0 * g_safe / self.scale).sqrt();
        let mut keep = 0;
        for k in 0..active.len() {
            let j = active[k];
            let out = w[j] == 0.0
                && self.scale * (corr[k].abs() + self.col_norm[j] * eps_r) < l1 * (1.0 - 1e-9);
            if !out {
                active[keep] = j;
                corr[keep] = corr[k];
                keep += 1;
            }
        }
        active.truncate(keep);
    }

    /// Decide support and equicorrelation at the converged point, polishing when
    /// coordinates are undecided (see "Kink tolerance").
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        mut w: Vec<f64>,
        mut r: Vec<f64>,
        active: Vec<usize>,
        mut corr: Vec<f64>,
        mut gap: f64,
        outer: usize,
        mut epochs: usize,
        mut work: CdWork,
        l1: f64,
        l2: f64,
        opts: &CdOptions,
    ) -> Result<CdSolution> {
        let mut kkt = self.decide(&w, &r, &active, &corr[..active.len()], gap, l1, l2);
        let mut acc = Anderson::new(opts.anderson, self.n);
        for _ in 0..opts.polish {
            if kkt.undecided.is_empty() {
                break;
            }
            let t: Vec<usize> = kkt.equicorrelation.clone();
            let w0 = w.clone();
            epochs += self.inner(
                &t,
                &mut w,
                &mut r,
                l1,
                l2,
                1e-6 * gap.max(0.0),
                200,
                &mut acc,
                &mut work,
            );
            self.residual_into(&w, &mut r);
            work.gradient_columns += active.len();
            gemv_t_cols(
                &self.x,
                self.n,
                &r,
                Some(&active),
                &mut corr[..active.len()],
            );
            let new_gap = self.gap_on(&active, &w, &r, &corr[..active.len()], l1, l2);
            let new_kkt = self.decide(&w, &r, &active, &corr[..active.len()], new_gap, l1, l2);
            let better = new_gap.is_finite()
                && (new_kkt.undecided.len() < kkt.undecided.len()
                    || new_kkt.tolerance.kkt_residual < 0.5 * kkt.tolerance.kkt_residual);
            if !better {
                // No progress (the rounding floor): keep the earlier point and decisions.
                w = w0;
                break;
            }
            gap = new_gap;
            kkt = new_kkt;
        }
        Ok(CdSolution {
            w,
            gap,
            outer_iterations: outer,
            epochs,
            screened: self.p - active.len(),
            work,
            kkt,
        })
    }

    /// The decisions of "Kink tolerance" at `w` with residual `r` and correlations
    /// `corr[k] = X_{active[k]}ᵀ r` of the unscreened features.
    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        w: &[f64],
        r: &[f64],
        active: &[usize],
        corr: &[f64],
        gap: f64,
        l1: f64,
        l2: f64,
    ) -> Kkt {
        let s = self.scale;
        let g_safe = gap.max(0.0) * (1.0 + 1e-6) + self.gap_allowance(w, r, l1, l2);
        let eps_r = (2.0 * g_safe / s).sqrt();
        // Bound on ‖|y| + |X||w|‖, the magnitude behind every computed correlation.
        let mag_r = self.y_sq.sqrt()
            + (0..self.p)
                .filter(|&j| w[j] != 0.0)
                .map(|j| w[j].abs() * self.col_norm[j])
                .sum::<f64>();
        let round = 2.0 * ((self.n as f64).sqrt() + 2.0) * UNIT_ROUNDOFF;
        let allow = |j: usize| round * (s * self.col_norm[j] * mag_r + l2 * w[j].abs() + l1);
        // Candidate set T (step 1) with c_j and the KKT residual g (step 2).
        let mut cand: Vec<(usize, f64)> = Vec::new();
        let (mut g2, mut e2) = (0.0f64, 0.0f64);
        let mut max_violation = 0.0f64;
        for (&j, &cj_raw) in active.iter().zip(corr) {
            let sc = s * cj_raw;
            if w[j] == 0.0 {
                max_violation = max_violation.max(sc.abs() - l1);
            }
            let possible = w[j] != 0.0 || sc.abs() + s * self.col_norm[j] * eps_r + allow(j) >= l1;
            if !possible {
                continue;
            }
            let c = sc - l2 * w[j];
            let g = if w[j] != 0.0 {
                l1 * w[j].signum() - c
            } else {
                (c.abs() - l1).max(0.0)
            };
            g2 += g * g;
            e2 += allow(j).powi(2);
            cand.push((j, c));
        }
        let g_norm = g2.sqrt() + e2.sqrt();
        let classify = |mu: f64| -> (Vec<Decision>, f64, f64) {
            let (tau_w, fit) = if mu > 0.0 {
                (
                    (g_norm / mu).min((2.0 * g_safe / mu).sqrt()),
                    (g_norm / (s * mu).sqrt()).min(eps_r),
                )
            } else {
                (f64::INFINITY, eps_r)
            };
            let dec = cand
                .iter()
                .map(|&(j, c)| {
                    if w[j].abs() > tau_w {
                        Decision::Support
                    } else if c.abs() + s * self.col_norm[j] * fit + l2 * tau_w + allow(j) < l1 {
                        Decision::Zero
                    } else {
                        Decision::Undecided
                    }
                })
                .collect();
            (dec, tau_w, fit)
        };
        let mut mu = l2;
        let mut out = classify(mu);
        if out.0.iter().any(|d| matches!(d, Decision::Undecided)) {
            let t: Vec<usize> = cand.iter().map(|c| c.0).collect();
            let est = 0.5 * self.min_eig_estimate(&t, l2);
            if est > mu {
                mu = est;
                out = classify(mu);
            }
        }
        let (dec, tau_w, fit) = out;
        let mut support = Vec::new();
        let mut undecided = Vec::new();
        for (&(j, _), d) in cand.iter().zip(&dec) {
            match d {
                Decision::Support => support.push(j),
                Decision::Undecided => undecided.push(j),
                Decision::Zero => {}
            }
        }
        let mut equicorrelation: Vec<usize> = support.iter().chain(&undecided).copied().collect();
        equicorrelation.sort_unstable();
        Kkt {
            single_valued: undecided.is_empty(),
            support,
            equicorrelation,
            undecided,
            max_violation: max_violation.max(0.0),
            tolerance: KinkTolerance {
                gap: g_safe,
                residual_radius: eps_r,
                kkt_residual: g_norm,
                curvature: mu,
                w_radius: tau_w,
                fit_radius: fit,
            },
        }
    }

    /// `v ↦ (s X_TᵀX_T + λ₂ I) v` (matrix-free; `tmp` has length `n`).
    fn apply_h(&self, t: &[usize], l2: f64, v: &[f64], out: &mut [f64], tmp: &mut [f64]) {
        gemv_cols(&self.x, self.n, t, v, tmp);
        gemv_t_cols(&self.x, self.n, tmp, Some(t), out);
        for (o, vi) in out.iter_mut().zip(v) {
            *o = self.scale * *o + l2 * vi;
        }
    }

    /// An estimate of `λ_min(s X_TᵀX_T + λ₂ I)`: exact eigenvalues of the Gram matrix
    /// when it is small, else the smallest Ritz value of 30 Lanczos steps (an
    /// over-estimate; callers halve it). `+∞` for an empty `T`.
    fn min_eig_estimate(&self, t: &[usize], l2: f64) -> f64 {
        let k = t.len();
        if k == 0 {
            return f64::INFINITY;
        }
        if (k * k).saturating_mul(self.n) <= 20_000_000 {
            let g = self.gram(t, l2);
            return g
                .symmetric_eigenvalues()
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
        }
        let steps = k.min(30);
        let mut v: Vec<f64> = (0..k).map(|i| 1.0 + 0.1 * ((i * 7) % 11) as f64).collect();
        let nv = dot(&v, &v).sqrt();
        v.iter_mut().for_each(|x| *x /= nv);
        let mut v_prev = vec![0.0; k];
        let (mut alpha, mut beta) = (Vec::new(), Vec::new());
        let mut hv = vec![0.0; k];
        let mut tmp = vec![0.0; self.n];
        let mut b_prev = 0.0;
        for _ in 0..steps {
            self.apply_h(t, l2, &v, &mut hv, &mut tmp);
            let a = dot(&v, &hv);
            for i in 0..k {
                hv[i] -= a * v[i] + b_prev * v_prev[i];
            }
            alpha.push(a);
            let b = dot(&hv, &hv).sqrt();
            if !(b > 1e-12 * a.abs()) {
                break;
            }
            beta.push(b);
            v_prev.copy_from_slice(&v);
            for i in 0..k {
                v[i] = hv[i] / b;
            }
            b_prev = b;
        }
        let m = alpha.len();
        let tri = nalgebra::DMatrix::from_fn(m, m, |i, j| {
            if i == j {
                alpha[i]
            } else if i + 1 == j {
                beta[i]
            } else if j + 1 == i {
                beta[j]
            } else {
                0.0
            }
        });
        tri.symmetric_eigenvalues()
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    }

    /// `s X_TᵀX_T + λ₂ I` from column dot products (deterministic: the same bits on
    /// every run, unlike a blocked gemm whose summation order may follow alignment).
    fn gram(&self, t: &[usize], l2: f64) -> nalgebra::DMatrix<f64> {
        use rayon::prelude::*;
        let k = t.len();
        let mut g = nalgebra::DMatrix::<f64>::zeros(k, k);
        let column = |a: usize| -> Vec<f64> {
            (0..=a)
                .map(|b| self.scale * dot(self.col(t[a]), self.col(t[b])))
                .collect()
        };
        let cols: Vec<Vec<f64>> = if k * k * self.n >= 2 * crate::linalg::fast::PARALLEL_WORK {
            (0..k).into_par_iter().map(column).collect()
        } else {
            (0..k).map(column).collect()
        };
        for (a, col) in cols.iter().enumerate() {
            for (b, v) in col.iter().enumerate() {
                g[(a, b)] = *v;
                g[(b, a)] = *v;
            }
            g[(a, a)] += l2;
        }
        g
    }

    /// Solve `(s X_TᵀX_T + λ₂ I) U = R` for the columns `T` (several right-hand sides).
    fn restricted_solve(
        &self,
        t: &[usize],
        l2: f64,
        rhs: &[Vec<f64>],
        solver: RestrictedSolver,
    ) -> Result<RestrictedSolution> {
        let k = t.len();
        if k == 0 {
            return Ok(RestrictedSolution {
                u: rhs.iter().map(|_| vec![]).collect(),
                iterations: 0,
                residual: 0.0,
            });
        }
        let use_chol = match solver {
            RestrictedSolver::Cholesky => true,
            RestrictedSolver::ConjugateGradient { .. } => false,
            RestrictedSolver::Auto => (k as f64) * (k as f64) * (self.n as f64) <= 5e7 || k <= 64,
        };
        if use_chol {
            let g = self.gram(t, l2);
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
            return Ok(RestrictedSolution {
                u: out,
                iterations: 1,
                residual: res,
            });
        }
        let (rel_tol, max_iter) = match solver {
            RestrictedSolver::ConjugateGradient { rel_tol, max_iter } => (rel_tol, max_iter),
            _ => (1e-12, 10 * k + 100),
        };
        let mut tmp = vec![0.0; self.n];
        let mut apply = |v: &[f64], out: &mut [f64]| self.apply_h(t, l2, v, out, &mut tmp);
        let mut out = Vec::with_capacity(rhs.len());
        let mut iters = 0;
        let mut res_max = 0.0f64;
        for b in rhs {
            let sol = cg(&mut apply, b, rel_tol, max_iter)?;
            iters += sol.iterations;
            res_max = res_max.max(sol.residual);
            out.push(sol.x);
        }
        Ok(RestrictedSolution {
            u: out,
            iterations: iters,
            residual: res_max,
        })
    }

    /// `∂w/∂(λ₁, λ₂)` at a solution by the restricted formula on its decided support
    /// (`p × 2`, column-major; `q = 0` on undecided coordinates).
    pub fn jacobian(
        &self,
        sol: &CdSolution,
        l2: f64,
        solver: RestrictedSolver,
    ) -> Result<Matrix<f64>> {
        let s = &sol.kkt.support;
        let sign: Vec<f64> = s.iter().map(|&j| -sol.w[j].signum()).collect();
        let ws: Vec<f64> = s.iter().map(|&j| -sol.w[j]).collect();
        let u = self.restricted_solve(s, l2, &[sign, ws], solver)?.u;
        let mut jac = Matrix::zeros(self.p, 2);
        for (c, &j) in s.iter().enumerate() {
            jac[(j, 0)] = u[0][c];
            jac[(j, 1)] = u[1][c];
        }
        Ok(jac)
    }

    /// Hypergradient `(∂L/∂λ₁, ∂L/∂λ₂) = −(sign w_S, w_S)ᵀ (s X_SᵀX_S + λ₂I)^{-1} v_S` for
    /// an outer gradient `v = ∇_w L` (one restricted solve on the decided support; the
    /// vertex `q = 0` of the undecided coordinates). Only `v_S` is read.
    pub fn hypergradient(
        &self,
        sol: &CdSolution,
        l2: f64,
        v: &[f64],
        solver: RestrictedSolver,
    ) -> Result<RestrictedHypergradient> {
        check_len("Enet::hypergradient v", self.p, v.len())?;
        let s = &sol.kkt.support;
        let vs: Vec<f64> = s.iter().map(|&j| v[j]).collect();
        self.hypergradient_on(sol, l2, &vs, solver)
    }

    /// [`Enet::hypergradient`] from `v_S` alone (`v_S[k] = ∂L/∂w_{S[k]}`, `S` the decided
    /// support): a validation loss need not form its gradient off the support.
    pub fn hypergradient_on(
        &self,
        sol: &CdSolution,
        l2: f64,
        v_support: &[f64],
        solver: RestrictedSolver,
    ) -> Result<RestrictedHypergradient> {
        let s = &sol.kkt.support;
        check_len("Enet::hypergradient_on v_S", s.len(), v_support.len())?;
        let RestrictedSolution {
            u,
            iterations,
            residual,
        } = self.restricted_solve(s, l2, &[v_support.to_vec()], solver)?;
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

    /// All hypergradients of the conservative Jacobian's vertices: for each subset `Q` of
    /// the undecided coordinates `U`, the restricted formula on `T = S ∪ Q` with
    /// `sign(w_j)` on `S` and `sign(c_j)`, `c_j = s X_jᵀr − λ₂w_j`, on `Q` (Bolte et al.
    /// 2021, Prop. 5). The first element is `Q = ∅` ([`Enet::hypergradient`]).
    /// `2^{|U|}` solves; errors with [`Error::TooLarge`] above `max_vertices`.
    pub fn conservative_hypergradients(
        &self,
        sol: &CdSolution,
        l2: f64,
        v: &[f64],
        max_vertices: usize,
    ) -> Result<Vec<[f64; 2]>> {
        check_len("Enet::conservative_hypergradients v", self.p, v.len())?;
        let extra = &sol.kkt.undecided;
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
                    if sol.kkt.support.binary_search(&j).is_ok() {
                        sol.w[j].signum()
                    } else {
                        (self.scale * dot(self.col(j), &r) - l2 * sol.w[j]).signum()
                    }
                })
                .collect();
            let vt: Vec<f64> = t.iter().map(|&j| v[j]).collect();
            let u = self
                .restricted_solve(&t, l2, &[vt], RestrictedSolver::Auto)?
                .u;
            let g1 = -sgn.iter().zip(&u[0]).map(|(a, b)| a * b).sum::<f64>();
            let g2 = -t.iter().zip(&u[0]).map(|(&j, b)| sol.w[j] * b).sum::<f64>();
            out.push([g1, g2]);
        }
        Ok(out)
    }
}

/// Conjugate gradients for the symmetric positive definite restricted operator: the
/// crate's one CG loop ([`super::cg::cg_with`], from `0`, no rounding-floor stop), with
/// non-convergence an error.
fn cg(
    apply: &mut impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    rel_tol: f64,
    max_iter: usize,
) -> Result<CgOutput> {
    let out = super::cg::cg_with(
        |v, o| {
            apply(v, o);
            Ok(())
        },
        b,
        &super::cg::CgOptions { max_iter, rel_tol },
        &super::cg::CgSetup::default(),
    )?;
    if !out.converged {
        return Err(Error::NotConverged {
            what: "restricted conjugate gradients",
            iterations: out.iterations,
            residual: out.residual,
        });
    }
    Ok(out)
}
