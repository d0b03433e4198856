//! Forward–backward for elastic-net-regularised logistic regression, binary and
//! multiclass (softmax cross-entropy):
//!
//! `F(x, θ) = prox_{γ g_θ}(x − γ∇f(x))`, `prox_{γ g_θ}(z) = S_{γλ₁}(z)/(1 + γλ₂)`,
//!
//! with `f` the **mean** cross-entropy over the `N` samples:
//! binary labels `yᵢ ∈ {−1, +1}`: `f(x) = (1/N) Σ log(1 + exp(−yᵢ aᵢᵀx))`;
//! `K` classes: `x = vec(W)` (`W` is `p × K`, column-major: `x[j + p·c] = W_jc`),
//! `f(W) = (1/N) Σ −log softmax(aᵢᵀW)_{yᵢ}`.
//! `θ = (λ₁)` or `(λ₁, λ₂)` as in [`Penalty`].
//!
//! **Jacobian.** `A = c·diag(q)(I − γ∇²f(x))` and `B` exactly as in
//! [`ForwardBackward`](super::ForwardBackward) (same prox); `∇²f = (1/N) Aᵀ diag(σ(1 − σ)) A`
//! (binary) or the block form with `diag(pᵢ) − pᵢpᵢᵀ` per sample (multiclass), applied
//! matrix-free. The whole conservative Jacobian is a [`MatrixSetView::DiagBox`](crate::MatrixSetView::DiagBox).
//!
//! **AD convention**: soft-threshold derivative 0 at the threshold.
//! **Step**: `L = L_A/(4N)` (binary) or `L_A/(2N)` (multiclass, `diag(p) − ppᵀ ≼ ½I`),
//! `L_A = λ_max(AᵀA)`; [`StepRule::Optimal`] is refused (the loss has `μ = 0`).

use super::design::{Design, SpectralEstimate};
use super::forward_backward::{choose_step, Penalty, StepRule};
use super::util::{classify_threshold, cols_mul_into, cols_tr_mul_into, threshold_at};
use super::{FixedPointMap, Linearization};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::{ArithmeticKind, Transcendental};
use crate::selection::primitives::soft_threshold;
use crate::selection::Tolerance;

/// Labels of the training samples.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Labels {
    /// Binary labels `±1` (one per sample).
    Binary(Vec<i8>),
    /// Class indices `0..classes` (one per sample).
    Multiclass {
        /// Number of classes `K ≥ 2`.
        classes: usize,
        /// The class of each sample.
        labels: Vec<usize>,
    },
}

impl Labels {
    fn len(&self) -> usize {
        match self {
            Labels::Binary(y) => y.len(),
            Labels::Multiclass { labels, .. } => labels.len(),
        }
    }
    /// Number of weight columns: 1 (binary) or `K`.
    pub fn columns(&self) -> usize {
        match self {
            Labels::Binary(_) => 1,
            Labels::Multiclass { classes, .. } => *classes,
        }
    }
}

/// Forward–backward for elastic-net logistic regression (see the module docs).
#[derive(Clone, Debug)]
pub struct LogisticFb<S> {
    design: Design<S>,
    labels: Labels,
    penalty: Penalty,
    gamma: S,
    inv_n: S,
    spectral: SpectralEstimate,
    tol: Tolerance,
}

impl<S: Transcendental> LogisticFb<S> {
    /// The map for design `A` (`N × p`), labels and penalty, with step rule `step`.
    pub fn new(
        design: Design<S>,
        labels: Labels,
        penalty: Penalty,
        step: StepRule<S>,
    ) -> Result<Self> {
        design.check_finite()?;
        let nsamp = design.rows();
        if labels.len() != nsamp || nsamp == 0 {
            return Err(Error::DimensionMismatch {
                op: "LogisticFb: rows(A) vs labels",
                left: design.shape(),
                right: (labels.len(), 1),
            });
        }
        let scale = match &labels {
            Labels::Binary(y) => {
                if y.iter().any(|&v| v != 1 && v != -1) {
                    return Err(Error::parameter(
                        "binary labels",
                        "a value other than ±1",
                        "every label ±1",
                    ));
                }
                0.25
            }
            Labels::Multiclass { classes, labels } => {
                if *classes < 2 || labels.iter().any(|&c| c >= *classes) {
                    return Err(Error::parameter(
                        "multiclass labels",
                        format!("{classes} classes, labels up to {:?}", labels.iter().max()),
                        "classes ≥ 2 and every label in 0..classes",
                    ));
                }
                0.5
            }
        };
        if matches!(step, StepRule::Optimal) {
            return Err(Error::Unsupported {
                what: "a strong-convexity step rule: the logistic loss has μ = 0 (use InverseLipschitz, FrobeniusBound or Given)".into(),
            });
        }
        let spectral = design.spectral_estimate();
        let gamma = choose_step(&design, &step, &spectral, scale / nsamp as f64, &S::zero())?;
        let inv_n =
            S::one()
                .div(&S::from_i64(nsamp as i64))
                .ok_or_else(|| Error::DivisionByZero {
                    context: "LogisticFb 1/N".into(),
                })?;
        Ok(LogisticFb {
            design,
            labels,
            penalty,
            gamma,
            inv_n,
            spectral,
            tol: Tolerance::default_for::<S>(),
        })
    }
    /// Replace the tie tolerance.
    pub fn with_tolerance(mut self, tol: Tolerance) -> Self {
        self.tol = tol;
        self
    }
    /// The step `γ`.
    pub fn gamma(&self) -> &S {
        &self.gamma
    }
    /// f64 estimate of `λ_max(AᵀA)` (the loss's `L` is this over `4N` or `2N`).
    pub fn design_lipschitz(&self) -> f64 {
        self.spectral.l
    }
    /// The labels.
    pub fn labels(&self) -> &Labels {
        &self.labels
    }
    fn p(&self) -> usize {
        self.design.cols()
    }

    /// Per-sample curvature data at `x` into `curv`: binary `wᵢ = σ(mᵢ)(1 − σ(mᵢ))`
    /// (`N` entries); multiclass the softmax probabilities `P` (`N × K`, column-major).
    /// `z ← x − γ∇f(x)`. Scratch: `logits` and `resid` (`N·K` each), `probs` (`K`).
    fn forward_into(&self, x: &[S], bufs: &mut Buffers<S>) -> Result<()> {
        let (nsamp, p, k) = (self.design.rows(), self.p(), self.labels.columns());
        let Buffers {
            logits,
            resid,
            curv,
            sample,
            z,
        } = bufs;
        for c in 0..k {
            self.design.mul_vec_impl(
                &x[c * p..(c + 1) * p],
                &mut logits[c * nsamp..(c + 1) * nsamp],
            );
        }
        match &self.labels {
            Labels::Binary(y) => {
                for i in 0..nsamp {
                    let s = sigmoid(&logits[i])?;
                    // ∂/∂m log(1 + exp(−y m)) = σ(m) − [y = 1].
                    let target = if y[i] == 1 { S::one() } else { S::zero() };
                    resid[i] = s.sub(&target).mul(&self.inv_n);
                    curv[i] = s.mul(&S::one().sub(&s));
                }
            }
            Labels::Multiclass { labels, .. } => {
                let (logit_i, p_i) = sample.split_at_mut(k);
                for i in 0..nsamp {
                    for c in 0..k {
                        logit_i[c] = logits[i + c * nsamp].clone();
                    }
                    softmax_into(logit_i, p_i)?;
                    for (c, pc) in p_i.iter().enumerate() {
                        let target = if labels[i] == c { S::one() } else { S::zero() };
                        resid[i + c * nsamp] = pc.sub(&target).mul(&self.inv_n);
                        curv[i + c * nsamp] = pc.clone();
                    }
                }
            }
        }
        for c in 0..k {
            self.design.tr_mul_vec_impl(
                &resid[c * nsamp..(c + 1) * nsamp],
                &mut z[c * p..(c + 1) * p],
            );
        }
        for (zi, xi) in z.iter_mut().zip(x) {
            *zi = xi.sub(&self.gamma.mul(zi));
        }
        Ok(())
    }

    /// `(τ, c) = (γλ₁, 1/(1 + γλ₂))` at `θ` (validated).
    fn prox_params(&self, theta: &[S]) -> Result<(S, S)> {
        let (l1, l2) = self.penalty.params(theta, "logistic forward–backward")?;
        let c = S::one()
            .div(&S::one().add(&self.gamma.mul(&l2)))
            .ok_or_else(|| Error::DivisionByZero {
                context: "logistic forward–backward 1 + γλ₂".into(),
            })?;
        Ok((self.gamma.mul(&l1), c))
    }

    /// `(buffers after the forward pass, τ, c)` at `(x, θ)` (allocating).
    fn local(&self, x: &[S], theta: &[S]) -> Result<(Buffers<S>, S, S)> {
        self.check_input(x, theta)?;
        let (tau, c) = self.prox_params(theta)?;
        let mut bufs = Buffers::new(self);
        self.forward_into(x, &mut bufs)?;
        Ok((bufs, tau, c))
    }
}

/// The forward pass's buffers: `logits`, `resid` (`N·K`), the curvature data `curv`
/// (`N` binary, `N·K` multiclass), one sample's logits and probabilities (`2K`), and
/// `z = x − γ∇f(x)` (`n`).
struct Buffers<S> {
    logits: Vec<S>,
    resid: Vec<S>,
    curv: Vec<S>,
    sample: Vec<S>,
    z: Vec<S>,
}

impl<S: Transcendental> Buffers<S> {
    fn new(map: &LogisticFb<S>) -> Self {
        let (nsamp, k) = (map.design.rows(), map.labels.columns());
        let curv_len = match map.labels {
            Labels::Binary(_) => nsamp,
            Labels::Multiclass { .. } => nsamp * k,
        };
        Buffers {
            logits: vec![S::zero(); nsamp * k],
            resid: vec![S::zero(); nsamp * k],
            curv: vec![S::zero(); curv_len],
            sample: vec![S::zero(); 2 * k],
            z: vec![S::zero(); map.p() * k],
        }
    }
}

/// `1/(1 + t)` for `t = Σ exp(·) ≥ 0`: the divisor is at least 1 at every point of
/// interval operands (interval `exp` has a lower end `≥ 0`), so the division is always
/// decided there; only a NaN (f64 overflow `∞ − ∞` in a logit) is refused.
fn one_over_one_plus<S: Transcendental>(t: &S) -> Result<S> {
    S::one()
        .div(&S::one().add(t))
        .ok_or_else(|| Error::NonFinite {
            context: "logistic: a logit is NaN (overflow in Aᵀx)".into(),
        })
}

/// `σ(m) = 1/(1 + e^{−m})`.
fn sigmoid<S: Transcendental>(m: &S) -> Result<S> {
    one_over_one_plus(&m.neg().exp())
}

/// Softmax of one sample's logits `l` into `out`.
///
/// Intervals: `p_c = 1/(1 + Σ_{j≠c} exp(l_j − l_c))`, a form whose divisor is `≥ 1`
/// for every point of the operands, so no division by an interval containing 0 can
/// occur however wide the box (`O(K²)` exponentials). `f64`: the usual shift by the
/// largest logit, `p_c = e_c / Σ e_j` with `e_j = exp(l_j − max l)`, where one term
/// is `exp(0) = 1` so the normaliser is `≥ 1` (`O(K)`).
fn softmax_into<S: Transcendental>(l: &[S], out: &mut [S]) -> Result<()> {
    if S::KIND == ArithmeticKind::Enclosure {
        for (c, o) in out.iter_mut().enumerate() {
            let rest = l
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != c)
                .fold(S::zero(), |acc, (_, lj)| acc.add(&lj.sub(&l[c]).exp()));
            *o = one_over_one_plus(&rest)?;
        }
        return Ok(());
    }
    let shift = l.iter().fold(f64::NEG_INFINITY, |m, v| m.max(v.to_f64()));
    // A non-finite largest logit (f64 overflow) is refused rather than replaced.
    let shift = S::from_f64(shift)?;
    for (o, v) in out.iter_mut().zip(l) {
        *o = v.sub(&shift).exp();
    }
    let z = out.iter().fold(S::zero(), |a, v| a.add(v));
    for o in out.iter_mut() {
        *o = o.div(&z).ok_or_else(|| Error::NonFinite {
            context: "logistic: softmax normaliser (NaN logit)".into(),
        })?;
    }
    Ok(())
}

/// `out = v − γ ∇²f v` (matrix-free Hessian product), with scratch `buf` of length `N·K`.
fn smooth_mul<S: Transcendental>(
    map: &LogisticFb<S>,
    curv: &[S],
    v: &[S],
    out: &mut [S],
    buf: &mut [S],
) {
    let (nsamp, p, k) = (map.design.rows(), map.p(), map.labels.columns());
    for c in 0..k {
        map.design
            .mul_vec_impl(&v[c * p..(c + 1) * p], &mut buf[c * nsamp..(c + 1) * nsamp]);
    }
    match map.labels {
        Labels::Binary(_) => {
            for (b, w) in buf.iter_mut().zip(curv) {
                *b = b.mul(w).mul(&map.inv_n);
            }
        }
        Labels::Multiclass { .. } => {
            for i in 0..nsamp {
                // (diag(pᵢ) − pᵢpᵢᵀ) dᵢ = pᵢ ⊙ (dᵢ − ⟨pᵢ, dᵢ⟩).
                let pd = (0..k).fold(S::zero(), |a, c| {
                    a.mul_add(&curv[i + c * nsamp], &buf[i + c * nsamp])
                });
                for c in 0..k {
                    let idx = i + c * nsamp;
                    buf[idx] = curv[idx].mul(&buf[idx].sub(&pd)).mul(&map.inv_n);
                }
            }
        }
    }
    for c in 0..k {
        map.design.tr_mul_vec_impl(
            &buf[c * nsamp..(c + 1) * nsamp],
            &mut out[c * p..(c + 1) * p],
        );
    }
    for (o, vi) in out.iter_mut().zip(v) {
        *o = vi.sub(&map.gamma.mul(o));
    }
}

impl<S: Transcendental> FixedPointMap<S> for LogisticFb<S> {
    fn dims(&self) -> (usize, usize) {
        (self.p() * self.labels.columns(), self.penalty.num_params())
    }

    fn apply(&self, x: &[S], theta: &[S]) -> Result<Vec<S>> {
        let (bufs, tau, c) = self.local(x, theta)?;
        Ok(bufs
            .z
            .iter()
            .map(|zi| soft_threshold(zi, &tau).mul(&c))
            .collect())
    }

    fn linearize(&self, x: &[S], theta: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
        self.check_input(x, theta)?;
        let (n, m) = self.dims();
        let mut lin = LogisticLinearization {
            map: self,
            bufs: Buffers::new(self),
            scale: vec![S::zero(); n],
            b_cols: vec![vec![S::zero(); n]; m],
            smooth: true,
            buf_state: vec![S::zero(); n],
        };
        lin.relinearize_impl(x, theta, None)?;
        Ok(Box::new(lin))
    }

    fn conservative_jacobian(&self, x: &[S], theta: &[S]) -> Result<MatrixSet<S>> {
        let (mut bufs, tau, c) = self.local(x, theta)?;
        let (z, curv) = (std::mem::take(&mut bufs.z), std::mem::take(&mut bufs.curv));
        let t = classify_threshold(&z, &tau, &self.tol);
        let (n, m) = self.dims();
        let cg = c.mul(&self.gamma);
        let mut mm = Matrix::zeros(n, n + m);
        let mut off = Matrix::zeros(n, n + m);
        let mut e = vec![S::zero(); n];
        let mut col = vec![S::zero(); n];
        let mut buf = vec![S::zero(); self.design.rows() * self.labels.columns()];
        for j in 0..n {
            e[j] = S::one();
            smooth_mul(self, &curv, &e, &mut col, &mut buf);
            e[j] = S::zero();
            for i in 0..n {
                mm[(i, j)] = c.mul(&col[i]);
            }
        }
        for i in 0..n {
            mm[(i, n)] = cg.mul(&t.sign[i]).neg();
            if m == 2 {
                off[(i, n + 1)] = cg.mul(&c).mul(&soft_threshold(&z[i], &tau)).neg();
            }
        }
        MatrixSet::diag_box(t.q_lo, t.q_hi, mm, off)
    }
}

/// `[A, B]` of the logistic forward–backward map at one point, with its buffers.
struct LogisticLinearization<'a, S: Transcendental> {
    map: &'a LogisticFb<S>,
    /// The forward pass's buffers (`curv` is the curvature at the point; `logits`
    /// serves as scratch of the Hessian products).
    bufs: Buffers<S>,
    scale: Vec<S>,
    b_cols: Vec<Vec<S>>,
    smooth: bool,
    buf_state: Vec<S>,
}

impl<S: Transcendental> Linearization<S> for LogisticLinearization<'_, S> {
    fn dims(&self) -> (usize, usize) {
        (self.scale.len(), self.b_cols.len())
    }
    /// One forward pass gives `z`, hence `F(x, θ)`, the curvature, `q` and `B`.
    fn relinearize_impl(&mut self, x: &[S], theta: &[S], mut fx: Option<&mut [S]>) -> Result<bool> {
        let map = self.map;
        let (tau, c) = map.prox_params(theta)?;
        map.forward_into(x, &mut self.bufs)?;
        let cg = c.mul(&map.gamma);
        let mut smooth = true;
        for (i, zi) in self.bufs.z.iter().enumerate() {
            let t = threshold_at(zi, &tau, &map.tol);
            smooth &= !t.tie;
            self.scale[i] = t.q_ad.mul(&c);
            self.b_cols[0][i] = cg.mul(&t.q_ad).mul(&t.sign).neg();
            let value = soft_threshold(zi, &tau).mul(&c);
            if let Some(b1) = self.b_cols.get_mut(1) {
                b1[i] = cg.mul(&value).neg();
            }
            if let Some(f) = fx.as_deref_mut() {
                f[i] = value;
            }
        }
        self.smooth = smooth;
        Ok(true)
    }
    fn a_mul_impl(&mut self, v: &[S], out: &mut [S]) {
        smooth_mul(self.map, &self.bufs.curv, v, out, &mut self.bufs.logits);
        out.iter_mut()
            .zip(&self.scale)
            .for_each(|(o, s)| *o = o.mul(s));
    }
    fn at_mul_impl(&mut self, w: &[S], out: &mut [S]) {
        // ∇²f is symmetric: Aᵀw = (I − γ∇²f)(c q ⊙ w).
        self.buf_state
            .iter_mut()
            .zip(w)
            .zip(&self.scale)
            .for_each(|((ui, wi), s)| *ui = wi.mul(s));
        smooth_mul(
            self.map,
            &self.bufs.curv,
            &self.buf_state,
            out,
            &mut self.bufs.logits,
        );
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
