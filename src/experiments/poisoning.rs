//! Data poisoning of a multiclass elastic-net logistic regression (the paper's second
//! stochastic experiment), as a [`StochasticComposite`] whose parameter is the noise
//! `U` added to the corrupted training images.
//!
//! Training rows `aᵢ = Xᵢ + U_{s(i)}` for the poisoned rows (`s(i)` their slot in `U`,
//! an `m × p` matrix), `aᵢ = Xᵢ` otherwise. With `W` the `p × K` weights
//! (`x = vec(W)`, column-major: `x[j + p·c] = W_jc`) and `pᵢ = softmax(Wᵀaᵢ)`:
//! - inner map (one gradient step on a minibatch `B`, unbiased for the full mean):
//!   `T_B(W, U) = W − γ(λ₂W + (1/|B|) Σ_{i∈B} aᵢ(pᵢ − e_{yᵢ})ᵀ)`;
//! - outer map: soft-thresholding `G(Z) = S_{γλ₁}(Z)` (AD convention: derivative 0 at
//!   the threshold), so `G(T(W, U))` is iterative soft-thresholding on
//!   `mean CE + λ₁‖W‖₁ + (λ₂/2)‖W‖²`.
//!
//! Vector–Jacobian products (reverse mode: `U` has `m·p` entries, tens of thousands or
//! more, while the output `W` has `p·K`), with `Jᵢ = diag(pᵢ) − pᵢpᵢᵀ`:
//! - `∂_W T_Bᵀ Ū = (1 − γλ₂)Ū − (γ/|B|) Σ aᵢ (Jᵢ Ūᵀaᵢ)ᵀ`;
//! - `∂_{aᵢ}` of `aᵢ(pᵢ − e_{yᵢ})ᵀ` applied to `Ū`: `Ū(pᵢ − e_{yᵢ}) + W Jᵢ Ūᵀaᵢ`,
//!   hence `∂_{U_s} T_Bᵀ Ū = −(γ/|B|)[Ū(pᵢ − e_{yᵢ}) + W Jᵢ Ūᵀaᵢ]` for the poisoned
//!   `i ∈ B` with slot `s`.
//!
//! The map and its products are written once, generic over the scalar
//! ([`Transcendental`]): `f64` for the experiment, intervals for the tests that check
//! the products against interval mean-value bounds of exact difference quotients.

use super::data::PoisoningData;
use crate::diff::nsid::StochasticComposite;
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::{Scalar, Transcendental};

/// The poisoning problem (see the module docs).
#[derive(Clone, Debug)]
pub struct Poisoning {
    x: Matrix<f64>,
    labels: Vec<usize>,
    classes: usize,
    slot: Vec<Option<usize>>,
    poisoned: usize,
    lambda: [f64; 2],
    gamma: f64,
}

fn lift<S: Scalar>(v: f64) -> S {
    // invariant: every f64 stored here was checked finite at construction.
    S::from_f64(v).unwrap_or_else(|_| S::zero())
}

/// `softmax(z)` computed as `exp(zᵢ − c)/Σ exp(z_j − c)` with `c` the largest f64
/// midpoint (any constant gives the same value in exact arithmetic).
fn softmax<S: Transcendental>(z: &[S]) -> Vec<S> {
    let c = z
        .iter()
        .map(|v| v.to_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    let c: S = if c.is_finite() { lift(c) } else { S::zero() };
    let e: Vec<S> = z.iter().map(|v| v.sub(&c).exp()).collect();
    let total = e.iter().fold(S::zero(), |a, b| a.add(b));
    // The sum contains exp(0) = 1 (up to rounding), so it is positive: division defined.
    e.iter()
        .map(|v| v.div(&total).unwrap_or_else(S::zero))
        .collect()
}

impl Poisoning {
    /// The problem for a split (`data.poisoned` are the corrupted rows), penalties
    /// `λ = (λ₁, λ₂)` and step `γ`.
    ///
    /// Errors: non-finite data, `λ₁ < 0`, `λ₂ < 0`, `γ ≤ 0`, labels out of range.
    pub fn new(data: &PoisoningData, lambda: [f64; 2], gamma: f64) -> Result<Self> {
        data.x_train.check_finite("poisoning: training images")?;
        let finite = lambda[0].is_finite() && lambda[1].is_finite() && gamma.is_finite();
        if !(finite && lambda[0] >= 0.0 && lambda[1] >= 0.0 && gamma > 0.0) {
            return Err(Error::parameter(
                "poisoning: (λ, γ)",
                format!("({lambda:?}, {gamma})"),
                "λ ≥ 0 and γ > 0, finite",
            ));
        }
        let n = data.x_train.rows();
        if data.labels_train.len() != n || data.labels_train.iter().any(|&c| c >= data.classes) {
            return Err(Error::parameter(
                "poisoning: training labels",
                format!(
                    "{} labels for {n} rows, {} classes",
                    data.labels_train.len(),
                    data.classes
                ),
                "one label per training row, each below the class count",
            ));
        }
        let mut slot = vec![None; n];
        for (s, &i) in data.poisoned.iter().enumerate() {
            if i >= n || slot[i].is_some() {
                return Err(if i >= n {
                    Error::IndexOutOfRange {
                        what: "poisoning: poisoned rows".into(),
                        index: i,
                        len: n,
                    }
                } else {
                    Error::parameter(
                        "poisoning: poisoned rows",
                        format!("row {i} twice"),
                        "distinct rows",
                    )
                });
            }
            slot[i] = Some(s);
        }
        Ok(Poisoning {
            x: data.x_train.clone(),
            labels: data.labels_train.clone(),
            classes: data.classes,
            slot,
            poisoned: data.poisoned.len(),
            lambda,
            gamma,
        })
    }

    /// `(p, K, m)`: features, classes, poisoned rows.
    pub fn shape(&self) -> (usize, usize, usize) {
        (self.x.cols(), self.classes, self.poisoned)
    }

    /// The step `γ`.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// Soft-threshold level `γλ₁` of the outer map.
    pub fn threshold(&self) -> f64 {
        self.gamma * self.lambda[0]
    }

    /// Row `aᵢ` (with its noise when poisoned).
    fn row<S: Scalar>(&self, i: usize, u: &[S]) -> Vec<S> {
        let p = self.x.cols();
        (0..p)
            .map(|j| {
                let x: S = lift(self.x[(i, j)]);
                match self.slot[i] {
                    Some(s) => x.add(&u[s * p + j]),
                    None => x,
                }
            })
            .collect()
    }

    /// `pᵢ = softmax(Wᵀaᵢ)`.
    fn probs<S: Transcendental>(&self, a: &[S], w: &[S]) -> Vec<S> {
        let p = a.len();
        let z: Vec<S> = (0..self.classes)
            .map(|c| {
                a.iter()
                    .zip(&w[c * p..(c + 1) * p])
                    .fold(S::zero(), |acc, (ai, wi)| acc.add(&ai.mul(wi)))
            })
            .collect();
        softmax(&z)
    }

    fn batch_weight<S: Scalar>(&self, batch: &[usize]) -> S {
        lift::<S>(self.gamma)
            .div(&S::from_i64(batch.len().max(1) as i64))
            .unwrap_or_else(S::zero)
    }

    /// `T_B(W, U)` in any scalar.
    pub fn inner_generic<S: Transcendental>(&self, w: &[S], u: &[S], batch: &[usize]) -> Vec<S> {
        let p = self.x.cols();
        let c = self.batch_weight::<S>(batch);
        let shrink = S::one().sub(&lift::<S>(self.gamma).mul(&lift(self.lambda[1])));
        let mut out: Vec<S> = w.iter().map(|wi| wi.mul(&shrink)).collect();
        for &i in batch {
            let a = self.row(i, u);
            let mut g = self.probs(&a, w);
            g[self.labels[i]] = g[self.labels[i]].sub(&S::one());
            for (k, gk) in g.iter().enumerate() {
                let cg = c.mul(gk);
                for j in 0..p {
                    out[j + p * k] = out[j + p * k].sub(&cg.mul(&a[j]));
                }
            }
        }
        out
    }

    /// `t = Jᵢ r = pᵢ∘r − pᵢ(pᵢᵀr)`.
    fn jmul<S: Scalar>(pr: &[S], r: &[S]) -> Vec<S> {
        let dot = pr
            .iter()
            .zip(r)
            .fold(S::zero(), |acc, (a, b)| acc.add(&a.mul(b)));
        pr.iter()
            .zip(r)
            .map(|(pk, rk)| pk.mul(&rk.sub(&dot)))
            .collect()
    }

    /// `Ūᵀaᵢ` for `Ū = ubar` (`p × K`, column-major).
    fn ut_a<S: Scalar>(&self, ubar: &[S], a: &[S]) -> Vec<S> {
        let p = a.len();
        (0..self.classes)
            .map(|k| {
                a.iter()
                    .zip(&ubar[k * p..(k + 1) * p])
                    .fold(S::zero(), |acc, (x, y)| acc.add(&x.mul(y)))
            })
            .collect()
    }

    /// `∂_W T_B(W, U)ᵀ Ū` in any scalar.
    pub fn vjp_w_generic<S: Transcendental>(
        &self,
        w: &[S],
        u: &[S],
        batch: &[usize],
        ubar: &[S],
    ) -> Vec<S> {
        let p = self.x.cols();
        let c = self.batch_weight::<S>(batch);
        let shrink = S::one().sub(&lift::<S>(self.gamma).mul(&lift(self.lambda[1])));
        let mut out: Vec<S> = ubar.iter().map(|v| v.mul(&shrink)).collect();
        for &i in batch {
            let a = self.row(i, u);
            let pr = self.probs(&a, w);
            let t = Self::jmul(&pr, &self.ut_a(ubar, &a));
            for (k, tk) in t.iter().enumerate() {
                let ct = c.mul(tk);
                for j in 0..p {
                    out[j + p * k] = out[j + p * k].sub(&ct.mul(&a[j]));
                }
            }
        }
        out
    }

    /// `∂_U T_B(W, U)ᵀ Ū` (`m·p` entries, row-major `U`) in any scalar.
    pub fn vjp_u_generic<S: Transcendental>(
        &self,
        w: &[S],
        u: &[S],
        batch: &[usize],
        ubar: &[S],
    ) -> Vec<S> {
        let p = self.x.cols();
        let c = self.batch_weight::<S>(batch);
        let mut out = vec![S::zero(); self.poisoned * p];
        for &i in batch {
            let Some(s) = self.slot[i] else { continue };
            let a = self.row(i, u);
            let pr = self.probs(&a, w);
            let mut g = pr.clone();
            g[self.labels[i]] = g[self.labels[i]].sub(&S::one());
            let t = Self::jmul(&pr, &self.ut_a(ubar, &a));
            for j in 0..p {
                let mut acc = S::zero();
                for k in 0..self.classes {
                    acc = acc
                        .add(&ubar[j + p * k].mul(&g[k]))
                        .add(&w[j + p * k].mul(&t[k]));
                }
                out[s * p + j] = out[s * p + j].sub(&c.mul(&acc));
            }
        }
        out
    }

    /// The outer map `S_{γλ₁}` (f64).
    pub fn outer(&self, z: &[f64]) -> Vec<f64> {
        let t = self.threshold();
        z.iter()
            .map(|v| v.signum() * (v.abs() - t).max(0.0))
            .collect()
    }
}

impl StochasticComposite for Poisoning {
    fn dims(&self) -> (usize, usize) {
        (self.x.cols() * self.classes, self.x.cols() * self.poisoned)
    }
    fn num_samples(&self) -> usize {
        self.x.rows()
    }
    fn inner(&self, x: &[f64], theta: &[f64], batch: &[usize]) -> Result<Vec<f64>> {
        let (n, m) = self.dims();
        if x.len() != n || theta.len() != m {
            return Err(Error::DimensionMismatch {
                op: "Poisoning::inner",
                left: (n, m),
                right: (x.len(), theta.len()),
            });
        }
        Ok(self.inner_generic(x, theta, batch))
    }
    fn inner_vjp_x(&self, x: &[f64], theta: &[f64], batch: &[usize], u: &[f64], out: &mut [f64]) {
        out.copy_from_slice(&self.vjp_w_generic(x, theta, batch, u));
    }
    fn inner_vjp_theta(
        &self,
        x: &[f64],
        theta: &[f64],
        batch: &[usize],
        u: &[f64],
        out: &mut [f64],
    ) {
        out.copy_from_slice(&self.vjp_u_generic(x, theta, batch, u));
    }
    fn outer_vjp(
        &self,
        z: &[f64],
        _theta: &[f64],
        w: &[f64],
        out_z: &mut [f64],
        out_theta: &mut [f64],
    ) {
        let t = self.threshold();
        for ((o, zi), wi) in out_z.iter_mut().zip(z).zip(w) {
            *o = if zi.abs() > t { *wi } else { 0.0 };
        }
        out_theta.iter_mut().for_each(|o| *o = 0.0);
    }
    fn outer_is_smooth(&self, z: &[f64], _theta: &[f64]) -> bool {
        let t = self.threshold();
        z.iter().all(|v| v.abs() != t)
    }
}

/// Mean validation cross-entropy of `W` and its gradient, and the accuracy.
pub fn validation_loss(
    x_val: &Matrix<f64>,
    labels: &[usize],
    classes: usize,
    w: &[f64],
) -> (f64, Vec<f64>, f64) {
    let (n, p) = x_val.shape();
    let mut grad = vec![0.0; p * classes];
    let (mut loss, mut correct) = (0.0, 0usize);
    for i in 0..n {
        let a = x_val.row(i);
        let z: Vec<f64> = (0..classes)
            .map(|k| {
                a.iter()
                    .zip(&w[k * p..(k + 1) * p])
                    .map(|(x, y)| x * y)
                    .sum()
            })
            .collect();
        let pr = softmax(&z);
        loss -= pr[labels[i]].max(1e-300).ln();
        let best = (0..classes)
            .max_by(|&a, &b| z[a].total_cmp(&z[b]))
            .unwrap_or(0);
        correct += usize::from(best == labels[i]);
        for k in 0..classes {
            let g = (pr[k] - f64::from(u8::from(k == labels[i]))) / n as f64;
            for j in 0..p {
                grad[j + p * k] += g * a[j];
            }
        }
    }
    (loss / n as f64, grad, correct as f64 / n as f64)
}

/// Settings of the poisoning problem.
#[derive(Clone, Debug, PartialEq)]
pub struct PoisoningSpec {
    /// `(λ₁, λ₂)`.
    pub lambda: [f64; 2],
    /// Step `γ = factor/(L + λ₂)` with `L = λ_max(AᵀA)/(2N)` (the multiclass bound);
    /// `factor < 2` proves the gradient step a contraction. The bound is conservative
    /// and the paper multiplies its step by a constant: larger factors are accepted,
    /// and the contraction of the adjoint iteration is then estimated
    /// ([`super::stochastic::StochasticProblem::rho`]) rather than proven.
    pub step_factor: f64,
    /// Standard deviation of the initial noise.
    pub noise_std: f64,
    /// Each noise component is projected onto `[−clip, clip]`.
    pub clip: f64,
    /// Seed of the noise.
    pub seed: u64,
    /// Iterations of the deterministic solver.
    pub max_iter: usize,
}

/// Draw the noise `U` (`m × p`, row-major): `N(0, σ²)` projected onto `[−clip, clip]`.
pub fn draw_noise(m: usize, p: usize, std: f64, clip: f64, seed: u64) -> Vec<f64> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..m * p)
        .map(|_| {
            let g: f64 = rng.sample(rand_distr::StandardNormal);
            (std * g).clamp(-clip, clip)
        })
        .collect()
}

/// The Figure 2(b) problem of one run: noise drawn from `spec.seed`, the model trained
/// to its fixed point on the corrupted set, the validation cross-entropy gradient, and
/// the reference hypergradient with respect to `U`. Also returns the validation
/// accuracy of the trained model.
pub fn poisoning_problem(
    data: &PoisoningData,
    spec: &PoisoningSpec,
) -> Result<(super::stochastic::StochasticProblem<Poisoning>, f64)> {
    let (n, p) = data.x_train.shape();
    let m = data.poisoned.len();
    let u = draw_noise(m, p, spec.noise_std, spec.clip, spec.seed);
    // L of the mean cross-entropy on the corrupted design.
    let corrupted = Matrix::from_fn(n, p, |i, j| {
        data.x_train[(i, j)]
            + data
                .poisoned
                .binary_search(&i)
                .map_or(0.0, |s| u[s * p + j])
    });
    let scaled = corrupted.scale(&(1.0 / (n as f64).sqrt()));
    let l = crate::maps::design::Design::Dense(scaled)
        .spectral_estimate()
        .l
        / 2.0;
    if !(spec.step_factor > 0.0 && spec.step_factor.is_finite()) {
        return Err(Error::parameter(
            "poisoning: step factor",
            spec.step_factor,
            "finite and > 0",
        ));
    }
    let gamma = spec.step_factor / (l + spec.lambda[1]);
    let map = Poisoning::new(data, spec.lambda, gamma)?;
    let k = data.classes;
    let fp = super::stochastic::fixed_point(
        &map,
        &u,
        &vec![0.0; p * k],
        |z| map.outer(z),
        spec.max_iter,
        1e-14,
    )?;
    let (x, res) = (fp.x, fp.last_step);
    let (_, v, acc) = validation_loss(&data.x_val, &data.labels_val, k, &x);
    let prob = super::stochastic::StochasticProblem::new(map, u, x, res, v, vec![0.0; m * p])?;
    Ok((prob, acc))
}
