//! Forward–backward (proximal gradient) for the LASSO and the elastic net
//! (docs/mathematics.md §2, §6):
//!
//! `F(x, θ) = prox_{γ g_θ}(x − γ Aᵀ(A x − b))`, `prox_{γ g_θ}(z) = S_{γλ₁}(z) / (1 + γλ₂)`,
//!
//! the fixed-point map of `min_x ½‖Ax − b‖² + λ₁‖x‖₁ + (λ₂/2)‖x‖²`. The parameters are
//! the raw regularisation weights: `θ = (λ₁)` for the LASSO, `θ = (λ₁, λ₂)` for the
//! elastic net (for `θ = log λ` wrap the map in the log-parametrisation wrapper).
//!
//! **Jacobian.** With `z = x − γAᵀ(Ax − b)`, `τ = γλ₁`, `c = 1/(1 + γλ₂)` and
//! `q_i ∈ ∂_z S_τ(z_i)` (1 if `|z_i| > τ`, 0 if `|z_i| < τ`, `[0, 1]` at a tie):
//! `A_F = c·diag(q)(I − γAᵀA)`, `∂F_i/∂λ₁ = −cγ q_i sign(z_i)`,
//! `∂F_i/∂λ₂ = −γ c² S_τ(z_i)`. The whole conservative Jacobian is
//! `{diag(q)·M + C : q ∈ [q_lo, q_hi]}` (a [`MatrixSetView::DiagBox`](crate::MatrixSetView::DiagBox)) with
//! `M = c[(I − γAᵀA), −γ sign(z), 0]` and `C = [0, 0, −γc²S_τ(z)]`: the same `q_i`
//! scales the `x` and `λ₁` derivatives because at a tie the active pieces are
//! `z − τ sign z` (Jacobian `(1, −sign z)`) and `0` (Jacobian `(0, 0)`).
//!
//! **AD convention** (what PyTorch/JAX return for `sign(z)·relu(|z| − τ)`): `q_i = 1`
//! iff `|z_i| > τ` strictly, so the derivative at the threshold is 0. Over intervals
//! an undecided comparison gives `q_i = [0, 1]` (an enclosure of both choices).
//!
//! **Step size** ([`StepRule`]): `γ = 1/L` or `2/(L + μ)` from f64 estimates of
//! `L = λ_max(AᵀA)`, `μ = λ_min(AᵀA)` (converted exactly to the scalar), or the
//! provable `γ = 1/‖A‖_F²` (`‖A‖₂² ≤ ‖A‖_F²`, exact over rationals), or a given `γ`.
//! The `A`-block has norm at most `max(|1 − γμ|, |1 − γL|)/(1 + γλ₂)`.
//!
//! **Splitting** ([`Splitting`]). The above is the default, λ₂ in the prox. With
//! [`Splitting::Smooth`] the ridge term joins the smooth part `½‖Ax − b‖² + (λ₂/2)‖x‖²`
//! (Lipschitz constant `L + λ₂`, strong convexity `μ + λ₂`):
//! `F(x, θ) = S_{γλ₁}(x − γ(Aᵀ(Ax − b) + λ₂x))`, `A_F = diag(q)((1 − γλ₂)I − γAᵀA)`,
//! `∂F_i/∂λ₁ = −γ q_i sign(z_i)`, `∂F_i/∂λ₂ = −γ q_i x_i` (the same `q_i` scales the whole
//! row, so the field is a `DiagBox` without offset). The `A`-block has norm at most
//! `max(|1 − γ(μ + λ₂)|, |1 − γ(L + λ₂)|)`, which at `γ = 2/(L + μ + 2λ₂)` (the
//! [`StepRule::Optimal`] step of this splitting) is `(L − μ)/(L + μ + 2λ₂)`. Both maps have
//! the same fixed points (the minimisers), so the solution and its derivatives do not
//! depend on the choice; the contraction factor does.

use super::design::{Design, SpectralEstimate};
use super::util::{classify_threshold, cols_mul_into, cols_tr_mul_into, threshold_at, Threshold};
use super::{FixedPointMap, Linearization};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::Scalar;
use crate::selection::primitives::soft_threshold;
use crate::selection::Tolerance;

pub use piggyback_kernel::problem::Splitting;

/// Which regulariser, hence which parameters `θ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Penalty {
    /// `λ₁‖x‖₁`, `θ = (λ₁)`, `λ₁ > 0`.
    Lasso,
    /// `λ₁‖x‖₁ + (λ₂/2)‖x‖²`, `θ = (λ₁, λ₂)`, `λ₁ > 0`, `λ₂ ≥ 0`.
    ElasticNet,
}

impl Penalty {
    /// Number of parameters `m`.
    pub fn num_params(self) -> usize {
        match self {
            Penalty::Lasso => 1,
            Penalty::ElasticNet => 2,
        }
    }

    /// `(λ₁, λ₂)` from `θ` (`λ₂ = 0` for the LASSO), checking `λ₁ > 0` and `λ₂ ≥ 0`
    /// as decided by the scalar; `map` names the caller in the error. `θ` has already
    /// been checked to have [`Penalty::num_params`] entries.
    pub fn params<S: Scalar>(self, theta: &[S], map: &str) -> Result<(S, S)> {
        let l1 = theta[0].clone();
        let l2 = if self == Penalty::ElasticNet {
            theta[1].clone()
        } else {
            S::zero()
        };
        if !l1.gt(&S::zero()).is_true() {
            return Err(Error::parameter(
                format!("{map}: λ₁"),
                format!("{l1:?}"),
                "> 0",
            ));
        }
        if !crate::selection::nonnegative(&l2) {
            return Err(Error::parameter(
                format!("{map}: λ₂"),
                format!("{l2:?}"),
                "≥ 0",
            ));
        }
        Ok((l1, l2))
    }
}

/// How the step size `γ` is chosen.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StepRule<S> {
    /// `γ = 1/L̂` with `L̂` the f64 estimate of `λ_max(AᵀA)` (the default). For exact
    /// scalars `γ` is the exact value of that f64 number: an estimate, not a proof of
    /// `γ ≤ 1/L` (use [`StepRule::FrobeniusBound`] or [`StepRule::Given`] for that).
    InverseLipschitz,
    /// `γ = 2/(L̂ + μ̂)` (the best contraction factor `(L − μ)/(L + μ)` when `μ > 0`).
    Optimal,
    /// `γ = 1/‖A‖_F²`, computed in the scalar: a provably admissible step
    /// (`γ ≤ 1/L`) for exact scalars, at the price of a smaller step.
    FrobeniusBound,
    /// A given `γ > 0`.
    Given(S),
}

/// Decide `γ` for a design and a rule; shared by the learning maps.
///
/// The smooth part's Lipschitz constant is taken as `scale·L_A + extra_l` (and its
/// strong convexity as `scale·μ_A + extra_l`) with `L_A = λ_max(AᵀA)` (estimate) or
/// `‖A‖_F²` (bound, for [`StepRule::FrobeniusBound`], computed in the scalar).
pub(crate) fn choose_step<S: Scalar>(
    design: &Design<S>,
    rule: &StepRule<S>,
    spec: &SpectralEstimate,
    scale: f64,
    extra_l: &S,
) -> Result<S> {
    let extra_f = extra_l.to_f64();
    let from_est = |g: f64| -> Result<S> {
        if !(g.is_finite() && g > 0.0) {
            return Err(Error::parameter(
                "step size γ from the estimated Lipschitz constant",
                g,
                "finite and > 0 (is the design matrix zero?)",
            ));
        }
        S::from_f64(g)
    };
    let gamma = match rule {
        StepRule::InverseLipschitz => from_est(1.0 / (scale * spec.l + extra_f))?,
        StepRule::Optimal => from_est(2.0 / (scale * (spec.l + spec.mu) + 2.0 * extra_f))?,
        StepRule::FrobeniusBound => {
            let fro = design.frobenius_sq().mul(&S::from_f64(scale)?).add(extra_l);
            S::one().div(&fro).ok_or_else(|| Error::DivisionByZero {
                context: "γ = 1/‖A‖_F²: zero design matrix".into(),
            })?
        }
        StepRule::Given(g) => g.clone(),
    };
    if !gamma.is_finite() || !gamma.gt(&S::zero()).is_true() {
        return Err(Error::parameter(
            "step size γ",
            format!("{gamma:?}"),
            "finite and > 0",
        ));
    }
    Ok(gamma)
}

/// The forward–backward map of the LASSO / elastic net (see the module docs).
#[derive(Clone, Debug)]
pub struct ForwardBackward<S> {
    design: Design<S>,
    b: Vec<S>,
    penalty: Penalty,
    splitting: Splitting,
    gamma: S,
    spectral: SpectralEstimate,
    tol: Tolerance,
}

impl<S: Scalar> ForwardBackward<S> {
    /// The map for `min ½‖Ax − b‖² + penalty` with step rule `step`.
    ///
    /// A dense design is kept by rows ([`Design::into_row_major`]): every evaluation and
    /// every Jacobian product is then one pass over the matrix.
    ///
    /// Errors on non-finite data, `b.len() ≠ rows(A)`, or an inadmissible step. The
    /// ridge term goes in the prox ([`Splitting::Prox`]).
    pub fn new(design: Design<S>, b: Vec<S>, penalty: Penalty, step: StepRule<S>) -> Result<Self> {
        Self::with_splitting(design, b, penalty, step, Splitting::Prox, &S::zero())
    }

    /// The map with a chosen [`Splitting`]. Under [`Splitting::Smooth`] the step rule
    /// sees the smooth part `½‖Ax − b‖² + (λ₂/2)‖x‖²` with `λ₂ = step_lambda2` (normally
    /// the `λ₂` of the `θ` the map is used at: `γ = 1/(L̂ + λ₂)`,
    /// `2/(L̂ + μ̂ + 2λ₂)`, `1/(‖A‖_F² + λ₂)`); under [`Splitting::Prox`] it is ignored.
    /// The map itself always reads `λ₂` from `θ`.
    ///
    /// Errors as [`ForwardBackward::new`], and on a smooth splitting of the LASSO or a
    /// negative or non-finite `step_lambda2`.
    pub fn with_splitting(
        design: Design<S>,
        b: Vec<S>,
        penalty: Penalty,
        step: StepRule<S>,
        splitting: Splitting,
        step_lambda2: &S,
    ) -> Result<Self> {
        if splitting == Splitting::Smooth && penalty == Penalty::Lasso {
            return Err(Error::Unsupported {
                what: "ForwardBackward: the smooth splitting is for the elastic net (the LASSO has no λ₂)"
                    .into(),
            });
        }
        if !step_lambda2.is_finite() || !crate::selection::nonnegative(step_lambda2) {
            return Err(Error::parameter(
                "ForwardBackward: the λ₂ of the step rule",
                format!("{step:?}"),
                "finite and ≥ 0",
            ));
        }
        design.check_finite()?;
        if b.len() != design.rows() {
            return Err(Error::DimensionMismatch {
                op: "ForwardBackward: rows(A) vs len(b)",
                left: design.shape(),
                right: (b.len(), 1),
            });
        }
        if !b.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFinite {
                context: "ForwardBackward: b".into(),
            });
        }
        let design = design.into_row_major();
        let spectral = design.spectral_estimate();
        let extra = match splitting {
            Splitting::Prox => S::zero(),
            Splitting::Smooth => step_lambda2.clone(),
        };
        let gamma = choose_step(&design, &step, &spectral, 1.0, &extra)?;
        Ok(ForwardBackward {
            design,
            b,
            penalty,
            splitting,
            gamma,
            spectral,
            tol: Tolerance::default_for::<S>(),
        })
    }

    /// LASSO with `γ = 1/L̂`.
    pub fn lasso(a: Matrix<S>, b: Vec<S>) -> Result<Self> {
        Self::new(
            Design::Dense(a),
            b,
            Penalty::Lasso,
            StepRule::InverseLipschitz,
        )
    }

    /// Elastic net with `γ = 1/L̂`.
    pub fn elastic_net(a: Matrix<S>, b: Vec<S>) -> Result<Self> {
        Self::new(
            Design::Dense(a),
            b,
            Penalty::ElasticNet,
            StepRule::InverseLipschitz,
        )
    }

    /// Replace the tie tolerance (default: [`Tolerance::default_for`]).
    pub fn with_tolerance(mut self, tol: Tolerance) -> Self {
        self.tol = tol;
        self
    }

    /// The tie tolerance in use.
    pub fn tolerance(&self) -> Tolerance {
        self.tol
    }

    /// The step size `γ`.
    pub fn gamma(&self) -> &S {
        &self.gamma
    }

    /// f64 estimate of `L = λ_max(AᵀA)`.
    pub fn lipschitz(&self) -> f64 {
        self.spectral.l
    }

    /// f64 estimate of `μ = λ_min(AᵀA)`.
    pub fn strong_convexity(&self) -> f64 {
        self.spectral.mu
    }

    /// The penalty.
    pub fn penalty(&self) -> Penalty {
        self.penalty
    }

    /// Where the ridge term goes.
    pub fn splitting(&self) -> Splitting {
        self.splitting
    }

    /// The design matrix (dense designs are stored by rows).
    pub fn design(&self) -> &Design<S> {
        &self.design
    }

    /// The response `b`.
    pub fn response(&self) -> &[S] {
        &self.b
    }

    /// f64 estimate of the contraction factor of the `A`-block for a given `λ₂`:
    /// `max(|1 − γμ|, |1 − γL|)/(1 + γλ₂)` (prox splitting) or
    /// `max(|1 − γ(μ + λ₂)|, |1 − γ(L + λ₂)|)` (smooth), a bound on `‖A_F‖₂` for every `q`.
    pub fn contraction_estimate(&self, lambda2: f64) -> f64 {
        let g = self.gamma.to_f64();
        let (mu, l) = (self.spectral.mu, self.spectral.l);
        match self.splitting {
            Splitting::Prox => (1.0 - g * mu).abs().max((1.0 - g * l).abs()) / (1.0 + g * lambda2),
            Splitting::Smooth => (1.0 - g * (mu + lambda2))
                .abs()
                .max((1.0 - g * (l + lambda2)).abs()),
        }
    }

    /// `z = d·x − γAᵀ(Ax − b)` into `z` (one pass over a row-major design; `rows` is
    /// scratch of length `rows(A)`); `d` from [`Self::prox_params`].
    fn forward_into(&self, x: &[S], d: &S, z: &mut [S], rows: &mut [S]) {
        self.design.normal_impl(x, Some(&self.b), z, rows);
        for (zi, xi) in z.iter_mut().zip(x) {
            *zi = d.mul(xi).sub(&self.gamma.mul(zi));
        }
    }

    /// `(τ, c, d)` at `θ` (validated): `F = c·S_τ(z)`, `z = d·x − γAᵀ(Ax − b)`,
    /// `τ = γλ₁`; `c = 1/(1 + γλ₂)`, `d = 1` (prox splitting) or `c = 1`, `d = 1 − γλ₂`
    /// (smooth).
    fn prox_params(&self, theta: &[S]) -> Result<(S, S, S)> {
        let (l1, l2) = self.penalty.params(theta, "forward–backward")?;
        let ridge = self.gamma.mul(&l2);
        let (c, d) = match self.splitting {
            Splitting::Prox => (
                S::one()
                    .div(&S::one().add(&ridge))
                    .ok_or_else(|| Error::DivisionByZero {
                        context: "forward–backward: 1 + γλ₂".into(),
                    })?,
                S::one(),
            ),
            Splitting::Smooth => (S::one(), S::one().sub(&ridge)),
        };
        Ok((self.gamma.mul(&l1), c, d))
    }

    /// Everything the conservative Jacobian needs at `(x, θ)`.
    fn local(&self, x: &[S], theta: &[S]) -> Result<Local<S>> {
        self.check_input(x, theta)?;
        let (tau, c, d) = self.prox_params(theta)?;
        let mut z = vec![S::zero(); x.len()];
        let mut rows = vec![S::zero(); self.design.rows()];
        self.forward_into(x, &d, &mut z, &mut rows);
        let t = classify_threshold(&z, &tau, &self.tol);
        let soft = z.iter().map(|zi| soft_threshold(zi, &tau)).collect();
        let Threshold {
            q_lo, q_hi, sign, ..
        } = t;
        Ok(Local {
            c,
            d,
            q_lo,
            q_hi,
            sign,
            soft,
        })
    }

    /// Dense `d·I − γAᵀA` (`n` products with the design).
    fn smooth_jacobian(&self, d: &S) -> Matrix<S> {
        let n = self.design.cols();
        let mut tmp = vec![S::zero(); self.design.rows()];
        let mut col = vec![S::zero(); n];
        let mut e = vec![S::zero(); n];
        let mut m = Matrix::zeros(n, n);
        for j in 0..n {
            e[j] = S::one();
            self.design.normal_impl(&e, None, &mut col, &mut tmp);
            e[j] = S::zero();
            for i in 0..n {
                let id = if i == j { d.clone() } else { S::zero() };
                m[(i, j)] = id.sub(&self.gamma.mul(&col[i]));
            }
        }
        m
    }
}

struct Local<S> {
    c: S,
    d: S,
    q_lo: Vec<S>,
    q_hi: Vec<S>,
    sign: Vec<S>,
    soft: Vec<S>,
}

impl<S: Scalar> FixedPointMap<S> for ForwardBackward<S> {
    fn dims(&self) -> (usize, usize) {
        (self.design.cols(), self.penalty.num_params())
    }

    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        self.check_input(x, theta)?;
        let (tau, c, d) = self.prox_params(theta)?;
        let mut z = vec![S::zero(); x.len()];
        let mut rows = vec![S::zero(); self.design.rows()];
        self.forward_into(x, &d, &mut z, &mut rows);
        Ok(z.iter()
            .map(|zi| soft_threshold(zi, &tau).mul(&c))
            .collect())
    }

    fn linearize(&self, x: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        self.check_input(x, theta)?;
        let (n, m) = self.dims();
        let mut lin = FbLinearization {
            map: self,
            scale: vec![S::zero(); n],
            b_cols: vec![vec![S::zero(); n]; m],
            smooth: true,
            d: S::one(),
            z: vec![S::zero(); n],
            u: vec![S::zero(); n],
            rows: vec![S::zero(); self.design.rows()],
        };
        lin.relinearize_impl(x, theta, None)?;
        Ok(Box::new(lin))
    }

    /// `{diag(q)·c(d·I − γAᵀA) : q ∈ [0, 1]ⁿ}` (`c = 1/(1 + γλ₂)`, `d = 1` for the prox
    /// splitting; `c = 1`, `d = 1 − γλ₂` for the smooth one): the soft-threshold
    /// derivative lies in `[0, 1]` everywhere.
    fn state_jacobian_family(&self, theta: &[S]) -> Result<MatrixSet<S>> {
        let n = self.design.cols();
        self.check_input(&vec![S::zero(); n], theta)?;
        let (_, c, d) = self.prox_params(theta)?;
        MatrixSet::diag_box(
            vec![S::zero(); n],
            vec![S::one(); n],
            self.smooth_jacobian(&d).scale(&c),
            Matrix::zeros(n, n),
        )
    }

    fn conservative_jacobian(&self, x: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        let loc = self.local(x, theta)?;
        let (n, m) = self.dims();
        let g = self.smooth_jacobian(&loc.d);
        let cg = loc.c.mul(&self.gamma);
        let mut mm = Matrix::zeros(n, n + m);
        let mut off = Matrix::zeros(n, n + m);
        for i in 0..n {
            for j in 0..n {
                mm[(i, j)] = loc.c.mul(&g[(i, j)]);
            }
            mm[(i, n)] = cg.mul(&loc.sign[i]).neg();
            if m == 2 {
                match self.splitting {
                    // Prox: ∂F/∂λ₂ = −γc²S_τ(z), zero off the support whatever q is.
                    Splitting::Prox => {
                        off[(i, n + 1)] = cg.mul(&loc.c).mul(&loc.soft[i]).neg();
                    }
                    // Smooth: ∂z/∂λ₂ = −γx, scaled by the row's q like the rest.
                    Splitting::Smooth => mm[(i, n + 1)] = self.gamma.mul(&x[i]).neg(),
                }
            }
        }
        MatrixSet::diag_box(loc.q_lo, loc.q_hi, mm, off)
    }
}

/// `[A, B]` of forward–backward at one point, applied matrix-free:
/// `A v = c q ⊙ (d·v − γAᵀAv)`, `Aᵀw = d·u − γAᵀA u` with `u = c q ⊙ w`; with its
/// scratch.
struct FbLinearization<'a, S> {
    map: &'a ForwardBackward<S>,
    /// `c·q_i`.
    scale: Vec<S>,
    /// Columns of `B`.
    b_cols: Vec<Vec<S>>,
    smooth: bool,
    /// `1` (prox splitting) or `1 − γλ₂` (smooth).
    d: S,
    /// `z` during a move, scratch of `Aᵀ` products otherwise.
    z: Vec<S>,
    u: Vec<S>,
    rows: Vec<S>,
}

impl<S: Scalar> FbLinearization<'_, S> {
    /// `out = d·v − γAᵀA v` (one pass over a row-major design).
    fn smooth_mul(&mut self, v: &[S], out: &mut [S]) {
        self.map.design.normal_impl(v, None, out, &mut self.rows);
        for (o, vi) in out.iter_mut().zip(v) {
            *o = self.d.mul(vi).sub(&self.map.gamma.mul(o));
        }
    }
}

impl<S: Scalar> Linearization<S> for FbLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        (self.scale.len(), self.b_cols.len())
    }

    /// One forward pass gives `z`, hence `F(x, θ)`, the selection `q` and `B`.
    fn relinearize_impl(&mut self, x: &[S], theta: &[S], mut fx: Option<&mut [S]>) -> Result<bool> {
        let map = self.map;
        let (tau, c, d) = map.prox_params(theta)?;
        map.forward_into(x, &d, &mut self.z, &mut self.rows);
        self.d = d;
        let cg = c.mul(&map.gamma);
        let mut smooth = true;
        for i in 0..self.z.len() {
            let t = threshold_at(&self.z[i], &tau, &map.tol);
            smooth &= !t.tie;
            self.scale[i] = t.q_ad.mul(&c);
            self.b_cols[0][i] = cg.mul(&t.q_ad).mul(&t.sign).neg();
            let value = soft_threshold(&self.z[i], &tau).mul(&c);
            if let Some(b1) = self.b_cols.get_mut(1) {
                b1[i] = match map.splitting {
                    // ∂F/∂λ₂ = −γc²S_τ(z) = −γc·F(x, θ).
                    Splitting::Prox => cg.mul(&value).neg(),
                    // ∂F/∂λ₂ = q·∂z/∂λ₂ = −γ q x.
                    Splitting::Smooth => map.gamma.mul(&t.q_ad).mul(&x[i]).neg(),
                };
            }
            if let Some(f) = fx.as_deref_mut() {
                f[i] = value;
            }
        }
        self.smooth = smooth;
        Ok(true)
    }

    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        self.smooth_mul(v, out);
        for (o, s) in out.iter_mut().zip(&self.scale) {
            *o = o.mul(s);
        }
    }

    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        let mut u = std::mem::take(&mut self.u);
        for ((ui, wi), s) in u.iter_mut().zip(w).zip(&self.scale) {
            *ui = wi.mul(s);
        }
        self.smooth_mul(&u, out);
        self.u = u;
    }

    fn b_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        cols_mul_into(&self.b_cols, v, out);
    }

    fn bt_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        cols_tr_mul_into(&self.b_cols, w, out);
    }

    fn is_smooth_point(&self) -> bool {
        self.smooth
    }
}
