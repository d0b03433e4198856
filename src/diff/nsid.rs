//! NSID: stochastic implicit differentiation (Grazzi, Pontil & Salzo, ICML 2024,
//! Algorithm 1; docs/mathematics.md §5) for composite maps `F(x, θ) = G(T(x, θ), θ)` whose inner
//! map `T` is only available through unbiased minibatch estimates `T̂`, `T̄` (e.g. a
//! stochastic gradient step), and whose outer map `G` is a prox.
//!
//! Given `x ≈ x̄(θ)` and `v = ∇ₓL(x, θ)`:
//! `x̃ = T̄(x, θ)`; `ψ(w) = ∂ₓT̂(x, θ)ᵀ ∂₁G(x̃, θ)ᵀ w + v` (a fresh minibatch `T̂` each
//! call); `w_{k+1} = (1 − η_k) w_k + η_k ψ(w_k)` from `w₀ = 0`; output
//! `∂_θ[G(T̄(x, θ), θ)]ᵀ w_K + ∇_θL`. With decreasing steps `η_k = a/(k + b)`
//! (`a(1 − ρ) > 1`) the mean-square error is `O(1/k)` in the number of samples.
//! Randomness comes from a seeded ChaCha generator: runs are reproducible.

use super::driver::{self, Report, Stepper};
use super::{check_finite, check_len, IterOptions};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A composite map `G(T(x, θ), θ)` with a stochastic inner map over `N` samples.
pub trait StochasticComposite {
    /// `(n, m)`: state and parameter dimensions.
    fn dims(&self) -> (usize, usize);
    /// Number of samples `N` the minibatches are drawn from.
    fn num_samples(&self) -> usize;
    /// Unbiased estimate `T_B(x, θ)` of `T(x, θ)` from the sample indices `batch`.
    fn inner(&self, x: &[f64], theta: &[f64], batch: &[usize]) -> Result<Vec<f64>>;
    /// `out = ∂ₓT_B(x, θ)ᵀ u`.
    fn inner_vjp_x(&self, x: &[f64], theta: &[f64], batch: &[usize], u: &[f64], out: &mut [f64]);
    /// `out = ∂_θT_B(x, θ)ᵀ u` (`out ∈ Rᵐ`).
    fn inner_vjp_theta(
        &self,
        x: &[f64],
        theta: &[f64],
        batch: &[usize],
        u: &[f64],
        out: &mut [f64],
    );
    /// `(∂₁G(z, θ)ᵀ w, ∂₂G(z, θ)ᵀ w)` into `(out_z, out_theta)`, one element of the
    /// conservative Jacobian of the prox (its AD convention).
    fn outer_vjp(
        &self,
        z: &[f64],
        theta: &[f64],
        w: &[f64],
        out_z: &mut [f64],
        out_theta: &mut [f64],
    );
    /// Whether `G` is differentiable at `(z, θ)` (no tie in its selection). Default `true`.
    fn outer_is_smooth(&self, _z: &[f64], _theta: &[f64]) -> bool {
        true
    }
}

/// Step sizes `η_k`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum StepPolicy {
    /// `η_k = η` (converges to a noise ball of radius `O(η)`).
    Constant(f64),
    /// `η_k = a / (k + b)` (MSE `O(1/k)` when `a(1 − ρ) > 1`, `a ≤ b`).
    Decreasing {
        /// Numerator `a`.
        a: f64,
        /// Offset `b`.
        b: f64,
    },
}

impl StepPolicy {
    fn eta(&self, k: usize) -> f64 {
        match *self {
            StepPolicy::Constant(e) => e,
            StepPolicy::Decreasing { a, b } => a / (k as f64 + b),
        }
    }
    fn validate(&self) -> Result<()> {
        let ok = match *self {
            StepPolicy::Constant(e) => e > 0.0 && e <= 1.0,
            StepPolicy::Decreasing { a, b } => a > 0.0 && b > 0.0 && a <= b,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::parameter(
                "NSID step policy",
                format!("{self:?}"),
                "0 < η_k ≤ 1",
            ))
        }
    }
}

/// NSID options.
#[derive(Clone, Debug, PartialEq)]
pub struct NsidOptions {
    /// Number of stochastic iterations `K` (each draws one minibatch).
    pub iterations: usize,
    /// Minibatch size of `T̂` in `ψ`.
    pub batch_size: usize,
    /// Minibatch size of `T̄` (`None`: all samples, i.e. the exact `T`).
    pub mean_batch: Option<usize>,
    /// Step sizes.
    pub step: StepPolicy,
    /// RNG seed.
    pub seed: u64,
}

/// NSID output.
#[derive(Clone, Debug, PartialEq)]
pub struct NsidOutput {
    /// The hypergradient estimate `∂_θ[G(T̄(x, θ), θ)]ᵀ w_K + ∇_θL`.
    pub grad: Vec<f64>,
    /// `w_K`.
    pub w: Vec<f64>,
    /// Samples drawn (`K·batch_size`, plus the `T̄` batch).
    pub samples: usize,
    /// `K`, the last step `‖w_K − w_{K−1}‖`, and whether `G` was at a smooth point at `x̃`.
    pub report: Report,
}

/// NSID as a [`Stepper`]: one step draws a minibatch and updates `w`; the run ends
/// after [`NsidOptions::iterations`] steps.
pub struct Nsid<'a, C: StochasticComposite + ?Sized> {
    map: &'a C,
    x: Vec<f64>,
    theta: Vec<f64>,
    v: Vec<f64>,
    grad_theta: Vec<f64>,
    opts: NsidOptions,
    rng: ChaCha8Rng,
    mean_batch: Vec<usize>,
    /// `x̃ = T̄(x, θ)`.
    xt: Vec<f64>,
    w: Vec<f64>,
    u: Vec<f64>,
    psi: Vec<f64>,
    th: Vec<f64>,
    k: usize,
}

impl<'a, C: StochasticComposite + ?Sized> Nsid<'a, C> {
    /// Prepare NSID at `x` with outer gradients `v = ∇ₓL(x, θ)` and
    /// `grad_theta = ∇_θL(x, θ)` (draws the `T̄` batch and evaluates `x̃ = T̄(x, θ)`).
    pub fn new(
        map: &'a C,
        x: &[f64],
        theta: &[f64],
        v: &[f64],
        grad_theta: &[f64],
        opts: &NsidOptions,
    ) -> Result<Self> {
        let (n, m) = map.dims();
        let big_n = map.num_samples();
        check_len("NSID x", n, x.len())?;
        check_len("NSID θ", m, theta.len())?;
        check_len("NSID v", n, v.len())?;
        check_len("NSID ∇_θL", m, grad_theta.len())?;
        for (s, c) in [
            (x, "NSID x"),
            (theta, "NSID θ"),
            (v, "NSID v"),
            (grad_theta, "NSID ∇_θL"),
        ] {
            check_finite(s, c)?;
        }
        opts.step.validate()?;
        if opts.batch_size == 0
            || opts.batch_size > big_n
            || opts.mean_batch.is_some_and(|b| b == 0 || b > big_n)
        {
            return Err(Error::parameter(
                "NSID: batch sizes",
                format!(
                    "batch_size {}, mean_batch {:?}",
                    opts.batch_size, opts.mean_batch
                ),
                format!("in 1..={big_n}"),
            ));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
        let mean_batch: Vec<usize> = match opts.mean_batch {
            None => (0..big_n).collect(),
            Some(b) => sample(&mut rng, big_n, b).into_vec(),
        };
        let xt = map.inner(x, theta, &mean_batch)?;
        check_len("NSID T̄(x, θ)", n, xt.len())?;
        Ok(Nsid {
            map,
            x: x.to_vec(),
            theta: theta.to_vec(),
            v: v.to_vec(),
            grad_theta: grad_theta.to_vec(),
            opts: opts.clone(),
            rng,
            mean_batch,
            xt,
            w: vec![0.0; n],
            u: vec![0.0; n],
            psi: vec![0.0; n],
            th: vec![0.0; m],
            k: 0,
        })
    }
}

impl<C: StochasticComposite + ?Sized> Stepper for Nsid<'_, C> {
    type Output = NsidOutput;

    fn name(&self) -> &'static str {
        "NSID"
    }

    /// `w ← (1 − η_k) w + η_k ψ(w)` with a fresh minibatch; returns `‖w_{k+1} − w_k‖`.
    fn next(&mut self) -> Result<f64> {
        let big_n = self.map.num_samples();
        let batch = sample(&mut self.rng, big_n, self.opts.batch_size).into_vec();
        let (xt, theta) = (&self.xt, &self.theta);
        self.map
            .outer_vjp(xt, theta, &self.w, &mut self.u, &mut self.th);
        self.map
            .inner_vjp_x(&self.x, theta, &batch, &self.u, &mut self.psi);
        let eta = self.opts.step.eta(self.k);
        let mut d = 0.0;
        for ((wi, pi), vi) in self.w.iter_mut().zip(&self.psi).zip(&self.v) {
            let new = (1.0 - eta) * *wi + eta * (pi + vi);
            d += (new - *wi).powi(2);
            *wi = new;
        }
        self.k += 1;
        Ok(d.sqrt())
    }

    fn is_done(&self) -> bool {
        self.k >= self.opts.iterations
    }

    fn smooth(&self) -> bool {
        self.map.outer_is_smooth(&self.xt, &self.theta)
    }

    fn finish(self, mut report: Report) -> Result<NsidOutput> {
        let (n, m) = self.map.dims();
        check_finite(&self.w, "NSID w_K")?;
        let (x, theta) = (&self.x, &self.theta);
        let mut gz = vec![0.0; n];
        let mut g2 = vec![0.0; m];
        self.map
            .outer_vjp(&self.xt, theta, &self.w, &mut gz, &mut g2);
        let mut g1 = vec![0.0; m];
        self.map
            .inner_vjp_theta(x, theta, &self.mean_batch, &gz, &mut g1);
        let grad: Vec<f64> = (0..m).map(|j| g1[j] + g2[j] + self.grad_theta[j]).collect();
        check_finite(&grad, "NSID hypergradient")?;
        if self.k == 0 {
            report.residual = 0.0;
        }
        Ok(NsidOutput {
            grad,
            w: self.w,
            samples: self.k * self.opts.batch_size + self.mean_batch.len(),
            report,
        })
    }
}

/// Run NSID at `x` with outer gradients `v = ∇ₓL(x, θ)` and `grad_theta = ∇_θL(x, θ)`:
/// the [`Nsid`] stepper for [`NsidOptions::iterations`] steps (no divergence test: the
/// steps are noisy by design).
pub fn nsid<C: StochasticComposite + ?Sized>(
    map: &C,
    x: &[f64],
    theta: &[f64],
    v: &[f64],
    grad_theta: &[f64],
    opts: &NsidOptions,
) -> Result<NsidOutput> {
    let all_steps = IterOptions {
        max_iter: opts.iterations,
        tol: 0.0,
        divergence_factor: f64::INFINITY,
    };
    driver::run(Nsid::new(map, x, theta, v, grad_theta, opts)?, &all_steps)
}

/// The elastic net `(s/2)Σᵢ(aᵢᵀx − yᵢ)² + λ₁‖x‖₁ + (λ₂/2)‖x‖²` as a stochastic
/// composite, `θ = (λ₁, λ₂)` raw: `T(x, θ) = x − γ(s Aᵀ(Ax − y) + λ₂x)` estimated from
/// minibatches by `(N/|B|) Σ_{i∈B}`, `G(z, θ) = S_{γλ₁}(z)` (AD convention: derivative 0
/// at the threshold).
#[derive(Clone, Debug)]
pub struct StochasticEnet {
    a: Matrix<f64>,
    y: Vec<f64>,
    scale: f64,
    gamma: f64,
}

impl StochasticEnet {
    /// From data (`N × p`), loss scale `s > 0` and step `γ > 0`.
    pub fn new(a: Matrix<f64>, y: Vec<f64>, scale: f64, gamma: f64) -> Result<Self> {
        check_len("StochasticEnet: rows(A) vs len(y)", a.rows(), y.len())?;
        a.check_finite("StochasticEnet A")?;
        check_finite(&y, "StochasticEnet y")?;
        if !(scale > 0.0 && gamma > 0.0 && scale.is_finite() && gamma.is_finite()) {
            return Err(Error::parameter(
                "StochasticEnet: (scale, γ)",
                format!("({scale}, {gamma})"),
                "both finite and > 0",
            ));
        }
        Ok(StochasticEnet { a, y, scale, gamma })
    }
    fn weight(&self, batch: &[usize]) -> f64 {
        self.scale * self.a.rows() as f64 / batch.len().max(1) as f64
    }
    fn row_dot(&self, i: usize, v: &[f64]) -> f64 {
        (0..self.a.cols()).map(|j| self.a[(i, j)] * v[j]).sum()
    }
}

impl StochasticComposite for StochasticEnet {
    fn dims(&self) -> (usize, usize) {
        (self.a.cols(), 2)
    }
    fn num_samples(&self) -> usize {
        self.a.rows()
    }
    fn inner(&self, x: &[f64], theta: &[f64], batch: &[usize]) -> Result<Vec<f64>> {
        let c = self.weight(batch);
        let mut g: Vec<f64> = x.iter().map(|xi| theta[1] * xi).collect();
        for &i in batch {
            let r = self.row_dot(i, x) - self.y[i];
            for (j, gj) in g.iter_mut().enumerate() {
                *gj += c * r * self.a[(i, j)];
            }
        }
        Ok(x.iter()
            .zip(&g)
            .map(|(xi, gi)| xi - self.gamma * gi)
            .collect())
    }
    fn inner_vjp_x(&self, _x: &[f64], theta: &[f64], batch: &[usize], u: &[f64], out: &mut [f64]) {
        let c = self.weight(batch);
        for (o, ui) in out.iter_mut().zip(u) {
            *o = ui * (1.0 - self.gamma * theta[1]);
        }
        for &i in batch {
            let d = c * self.gamma * self.row_dot(i, u);
            for (j, o) in out.iter_mut().enumerate() {
                *o -= d * self.a[(i, j)];
            }
        }
    }
    fn inner_vjp_theta(
        &self,
        x: &[f64],
        _theta: &[f64],
        _batch: &[usize],
        u: &[f64],
        out: &mut [f64],
    ) {
        out[0] = 0.0;
        out[1] = -self.gamma * x.iter().zip(u).map(|(a, b)| a * b).sum::<f64>();
    }
    fn outer_vjp(
        &self,
        z: &[f64],
        theta: &[f64],
        w: &[f64],
        out_z: &mut [f64],
        out_theta: &mut [f64],
    ) {
        let t = self.gamma * theta[0];
        let mut d1 = 0.0;
        for i in 0..z.len() {
            if z[i].abs() > t {
                out_z[i] = w[i];
                d1 -= self.gamma * z[i].signum() * w[i];
            } else {
                out_z[i] = 0.0;
            }
        }
        out_theta[0] = d1;
        out_theta[1] = 0.0;
    }
    fn outer_is_smooth(&self, z: &[f64], theta: &[f64]) -> bool {
        let t = self.gamma * theta[0];
        z.iter().all(|zi| zi.abs() != t)
    }
}
