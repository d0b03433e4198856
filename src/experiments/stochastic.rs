//! Figure 2 of the paper: stochastic implicit differentiation against epochs.
//!
//! For a [`StochasticComposite`] `F = G ∘ T` with `θ`, every method gets the same `x`:
//! the fixed point computed by the deterministic iteration `x ← G(T(x, θ))` on all
//! samples (as in the paper, for a fair comparison). Methods, each run from scratch for
//! every point of the epoch grid (`K` iterations on minibatches of `b` samples cost
//! `K·b/N` epochs):
//! - **NSID-const / NSID-dec**: [`nsid`] with `T̄ = T` (all samples), constant step `η`
//!   or `η_k = a/(k + a)` with `a = c/(1 − ρ̂)` (`ρ̂`: estimated contraction of the
//!   adjoint iteration; the theory's condition `a(1 − ρ) > 1` holds for `c > 1`);
//! - **SID-const / SID-dec**: the same with `T̄` replaced by a minibatch estimate (the
//!   selection of `G` is then taken at a noisy point: a biased method);
//! - **AID-FP**: the deterministic adjoint fixed-point iteration on all samples, one
//!   epoch per iteration (NSID with `b = N`, `η = 1`).
//!
//! The reference is the solution of the adjoint system on all samples at the same `x`,
//! solved by GMRES to a relative residual `1e-13` (see [`StochasticProblem::new`]); the
//! error is `‖ĝ − g*‖²/‖g*‖²`, averaged over runs (relative mean-square error).

use super::rates;
use super::Table;
use crate::diff::aid::{gmres, GmresOptions};
use crate::diff::driver::{self, Report, Stepper};
use crate::diff::hypergrad::{OuterLoss, SquaredError};
use crate::diff::nsid::{nsid, NsidOptions, StepPolicy, StochasticComposite, StochasticEnet};
use crate::diff::IterOptions;
use crate::error::{Error, Result};
use crate::maps::design::Design;
use crate::plot::{Band, LegendAt, LineChart, LineStyle, Scale, Series};

/// Method names, in plotting order.
pub const METHODS: [&str; 5] = ["NSID-const", "NSID-dec", "SID-const", "SID-dec", "AID-FP"];

/// A stochastic composite at its (deterministically computed) fixed point, with the
/// outer gradients and the reference hypergradient.
#[derive(Clone, Debug)]
pub struct StochasticProblem<C> {
    /// The map.
    pub map: C,
    /// The parameter `θ`.
    pub theta: Vec<f64>,
    /// The fixed point used by every method.
    pub x: Vec<f64>,
    /// `‖G(T(x)) − x‖` at that point.
    pub fixed_point_residual: f64,
    /// `∇ₓL(x, θ)`.
    pub v: Vec<f64>,
    /// `∇_θL(x, θ)`.
    pub grad_theta: Vec<f64>,
    /// The reference hypergradient (adjoint system solved by GMRES on all samples).
    pub reference: Vec<f64>,
    /// Estimated contraction factor `ρ̂` of the adjoint iteration (power method).
    pub rho: f64,
}

/// The last iterate of [`fixed_point`].
#[derive(Clone, Debug)]
pub struct CompositeFixedPoint {
    /// The last iterate `x_k`.
    pub x: Vec<f64>,
    /// Its last step `‖x_k − x_{k−1}‖₂` (`+∞` when no step was made).
    pub last_step: f64,
    /// The engine driver's report (iterations, termination, time).
    pub report: Report,
}

/// `x ← outer(T(x, θ))` on all samples, as a [`Stepper`] of the engine driver; it is
/// finished when the step is below `tol·max(1, ‖x‖)`.
struct CompositeIteration<'a, C: ?Sized, O> {
    map: &'a C,
    theta: &'a [f64],
    all: Vec<usize>,
    outer: O,
    x: Vec<f64>,
    step: f64,
    tol: f64,
    done: bool,
}

impl<C, O> Stepper for CompositeIteration<'_, C, O>
where
    C: StochasticComposite + ?Sized,
    O: Fn(&[f64]) -> Vec<f64>,
{
    type Output = CompositeFixedPoint;

    fn name(&self) -> &'static str {
        "fixed-point iteration on all samples"
    }

    fn next(&mut self) -> Result<f64> {
        let next = (self.outer)(&self.map.inner(&self.x, self.theta, &self.all)?);
        self.step = dist(&next, &self.x);
        self.x = next;
        if !self.step.is_finite() {
            return Err(Error::NonFinite {
                context: "fixed-point iteration".into(),
            });
        }
        self.done = self.step <= self.tol * norm(&self.x).max(1.0);
        Ok(self.step)
    }

    fn is_done(&self) -> bool {
        self.done
    }

    fn finish(self, report: Report) -> Result<CompositeFixedPoint> {
        Ok(CompositeFixedPoint {
            x: self.x,
            last_step: self.step,
            report,
        })
    }
}

/// The deterministic iteration `x ← outer(T(x, θ))` on all samples, from `x0`, until
/// the step is below `tol·max(1, ‖x‖)` or `max_iter` steps (running out of steps is
/// not an error: the caller reads [`CompositeFixedPoint::last_step`]). The loop is the
/// engine driver's ([`crate::diff::driver`]); the relative stopping rule is this
/// stepper's.
pub fn fixed_point<C: StochasticComposite + ?Sized>(
    map: &C,
    theta: &[f64],
    x0: &[f64],
    outer: impl Fn(&[f64]) -> Vec<f64>,
    max_iter: usize,
    tol: f64,
) -> Result<CompositeFixedPoint> {
    let engine = CompositeIteration {
        map,
        theta,
        all: (0..map.num_samples()).collect(),
        outer,
        x: x0.to_vec(),
        step: f64::INFINITY,
        tol,
        done: false,
    };
    // No driver tolerance (the stopping rule is relative, above) and no growth
    // monitor: the step sequence of these maps is not monotone early on.
    let opts = IterOptions {
        max_iter,
        tol: 0.0,
        divergence_factor: f64::INFINITY,
    };
    driver::run(engine, &opts)
}

fn norm(a: &[f64]) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

impl<C: StochasticComposite> StochasticProblem<C> {
    /// Reference hypergradient and `ρ̂` at `x` (a fixed point of `G ∘ T` computed by
    /// the caller, `fixed_point_residual` its last step) for outer gradients
    /// `v`, `grad_theta`.
    ///
    /// Errors: GMRES not converging to `1e-13` in 20 000 products, dimension errors.
    pub fn new(
        map: C,
        theta: Vec<f64>,
        x: Vec<f64>,
        fixed_point_residual: f64,
        v: Vec<f64>,
        grad_theta: Vec<f64>,
    ) -> Result<Self> {
        let (n, m) = map.dims();
        let all: Vec<usize> = (0..map.num_samples()).collect();
        let z = map.inner(&x, &theta, &all)?;
        let mut gz = vec![0.0; n];
        let mut gt = vec![0.0; m];
        let mut tmp = vec![0.0; n];
        // Mᵀw = ∂ₓTᵀ ∂₁Gᵀ w on all samples.
        let mut mt = |w: &[f64], out: &mut [f64]| {
            map.outer_vjp(&z, &theta, w, &mut gz, &mut gt);
            map.inner_vjp_x(&x, &theta, &all, &gz, out);
        };
        let opts = GmresOptions {
            restart: 100,
            max_matvec: 20_000,
            rel_tol: 1e-13,
            abs_tol: 0.0,
        };
        let w = gmres(
            |u, out| {
                mt(u, &mut tmp);
                for ((o, ui), ti) in out.iter_mut().zip(u).zip(&tmp) {
                    *o = ui - ti;
                }
                Ok(())
            },
            &v,
            &opts,
        )?
        .x;
        // Power method on Mᵀ for ρ̂.
        let mut q: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64 * 0.1).collect();
        let mut rho = 0.0;
        let mut next = vec![0.0; n];
        for _ in 0..300 {
            let nq = norm(&q);
            if nq == 0.0 {
                break;
            }
            q.iter_mut().for_each(|v| *v /= nq);
            mt(&q, &mut next);
            rho = norm(&next);
            std::mem::swap(&mut q, &mut next);
        }
        let mut gz = vec![0.0; n];
        let mut g2 = vec![0.0; m];
        map.outer_vjp(&z, &theta, &w, &mut gz, &mut g2);
        let mut g1 = vec![0.0; m];
        map.inner_vjp_theta(&x, &theta, &all, &gz, &mut g1);
        let reference: Vec<f64> = (0..m).map(|j| g1[j] + g2[j] + grad_theta[j]).collect();
        Ok(StochasticProblem {
            map,
            theta,
            x,
            fixed_point_residual,
            v,
            grad_theta,
            reference,
            rho,
        })
    }

    /// Relative squared error `‖ĝ − g*‖²/‖g*‖²` of one method after `epochs` epochs
    /// with minibatch size `batch` (`seed` drives the minibatches).
    pub fn method_error(
        &self,
        method: &str,
        epochs: usize,
        batch: usize,
        steps: &Steps,
        seed: u64,
    ) -> Result<f64> {
        let big_n = self.map.num_samples();
        let k_sgd = (epochs * big_n).div_ceil(batch.max(1));
        let dec = StepPolicy::Decreasing {
            a: steps.dec_a,
            b: steps.dec_a,
        };
        let (step, batch_size, mean_batch, iterations) = match method {
            "NSID-const" => (StepPolicy::Constant(steps.constant), batch, None, k_sgd),
            "NSID-dec" => (dec, batch, None, k_sgd),
            "SID-const" => (
                StepPolicy::Constant(steps.constant),
                batch,
                Some(batch),
                k_sgd,
            ),
            "SID-dec" => (dec, batch, Some(batch), k_sgd),
            "AID-FP" => (StepPolicy::Constant(1.0), big_n, None, epochs),
            other => {
                return Err(Error::Unsupported {
                    what: format!("the method {other}"),
                })
            }
        };
        let out = nsid(
            &self.map,
            &self.x,
            &self.theta,
            &self.v,
            &self.grad_theta,
            &NsidOptions {
                iterations,
                batch_size,
                mean_batch,
                step,
                seed,
            },
        )?;
        let r2 = self.reference.iter().map(|v| v * v).sum::<f64>();
        Ok(dist(&out.grad, &self.reference).powi(2) / r2.max(1e-300))
    }
}

/// Step sizes of the stochastic methods.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Steps {
    /// Constant step `η`.
    pub constant: f64,
    /// `a` of `η_k = a/(k + a)`.
    pub dec_a: f64,
}

impl Steps {
    /// `η` constant, and `a = c/(1 − ρ̂)` (at least 1).
    pub fn from_rho(constant: f64, c: f64, rho: f64) -> Self {
        let gap = (1.0 - rho).max(1e-6);
        Steps {
            constant,
            dec_a: (c / gap).max(1.0),
        }
    }
}

/// Settings of one Figure 2 panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Fig2Spec {
    /// Title of the panel.
    pub title: String,
    /// Epoch grid.
    pub epochs: Vec<usize>,
    /// Minibatch size as a fraction of the samples.
    pub batch_frac: f64,
    /// Constant step `η`.
    pub eta_const: f64,
    /// `c` in `a = c/(1 − ρ̂)` for the decreasing steps.
    pub dec_c: f64,
    /// Number of independent runs (new problem each).
    pub runs: usize,
    /// Minibatch streams per run and point (their squared errors are averaged).
    pub repeats: usize,
    /// Target relative RMS errors for "epochs to reach".
    pub targets: Vec<f64>,
}

/// Doubling epoch grid `1, 2, 4, …` up to `max` (with `max` itself).
pub fn epoch_grid(max: usize) -> Vec<usize> {
    let mut g = vec![];
    let mut e = 1;
    while e < max {
        g.push(e);
        e *= 2;
    }
    g.push(max.max(1));
    g
}

/// Result of one Figure 2 panel.
#[derive(Clone, Debug)]
pub struct Fig2Result {
    /// The settings.
    pub spec: Fig2Spec,
    /// `epochs`, then per method `M_mse`, `M_min`, `M_max` (relative squared errors:
    /// mean over runs and repeats, smallest and largest per-run mean).
    pub table: Table,
    /// Log–log slope of NSID-dec's MSE against epochs over the last half of the grid
    /// (theory: `−1`).
    pub nsid_dec_slope: Option<f64>,
    /// Per target and method, the first epoch count whose mean relative MSE is below
    /// `target²`.
    pub epochs_to_target: Vec<(f64, String, Option<usize>)>,
    /// Per run: `(ρ̂, fixed-point residual, a of the decreasing steps)`.
    pub runs: Vec<(f64, f64, f64)>,
    /// Seconds.
    pub seconds: f64,
}

/// Run a Figure 2 panel: `build(r)` makes the problem of run `r`.
pub fn run_figure2<C: StochasticComposite>(
    spec: &Fig2Spec,
    mut build: impl FnMut(usize) -> Result<StochasticProblem<C>>,
) -> Result<Fig2Result> {
    if spec.runs == 0
        || spec.repeats == 0
        || spec.epochs.is_empty()
        || !(spec.batch_frac > 0.0 && spec.batch_frac <= 1.0)
    {
        return Err(Error::parameter(
            "Figure 2 settings",
            format!("{spec:?}"),
            "runs ≥ 1, repeats ≥ 1, epochs non-empty, 0 < batch_frac ≤ 1",
        ));
    }
    let start = std::time::Instant::now();
    let ne = spec.epochs.len();
    let mut errs = vec![vec![vec![0.0; spec.runs]; ne]; METHODS.len()];
    let mut runs = vec![];
    #[allow(clippy::needless_range_loop)] // r is also the run number given to `build`
    for r in 0..spec.runs {
        let prob = build(r)?;
        let n = prob.map.num_samples();
        let batch = ((n as f64 * spec.batch_frac).round() as usize).clamp(1, n);
        let steps = Steps::from_rho(spec.eta_const, spec.dec_c, prob.rho);
        runs.push((prob.rho, prob.fixed_point_residual, steps.dec_a));
        for (mi, m) in METHODS.iter().enumerate() {
            for (ei, &e) in spec.epochs.iter().enumerate() {
                let mut acc = 0.0;
                for q in 0..spec.repeats {
                    let seed =
                        ((r as u64) << 40) ^ ((q as u64) << 48) ^ ((mi as u64) << 32) ^ e as u64;
                    acc += prob.method_error(m, e, batch, &steps, seed)?;
                }
                errs[mi][ei][r] = acc / spec.repeats as f64;
            }
        }
    }
    let mut cols = vec!["epochs".to_string()];
    for m in METHODS {
        for s in ["mse", "min", "max"] {
            cols.push(format!("{m}_{s}"));
        }
    }
    let mut table = Table {
        columns: cols,
        rows: vec![],
    };
    for (ei, &e) in spec.epochs.iter().enumerate() {
        let mut row = vec![e as f64];
        for per in &errs {
            let v = &per[ei];
            row.push(v.iter().sum::<f64>() / v.len() as f64);
            row.push(v.iter().copied().fold(f64::INFINITY, f64::min));
            row.push(v.iter().copied().fold(0.0, f64::max));
        }
        table.push(row)?;
    }
    let ep: Vec<f64> = spec.epochs.iter().map(|&e| e as f64).collect();
    let mse_dec = table.column("NSID-dec_mse").unwrap_or_default();
    let half = ne / 2;
    let nsid_dec_slope = rates::loglog_slope(&ep[half..], &mse_dec[half..]);
    let mut epochs_to_target = vec![];
    for &target in &spec.targets {
        for m in METHODS {
            let mse = table.column(&format!("{m}_mse")).unwrap_or_default();
            let hit = spec
                .epochs
                .iter()
                .zip(&mse)
                .find(|(_, v)| **v <= target * target)
                .map(|(e, _)| *e);
            epochs_to_target.push((target, m.to_string(), hit));
        }
    }
    Ok(Fig2Result {
        spec: spec.clone(),
        table,
        nsid_dec_slope,
        epochs_to_target,
        runs,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The chart of a panel: relative MSE against epochs (log–log), min–max bands over the
/// runs, and an `O(1/k)` guide through NSID-dec's last point.
pub fn figure2_chart(res: &Fig2Result) -> LineChart {
    let mut c = LineChart::new(
        &res.spec.title,
        "epochs",
        "relative mean-square error",
        Scale::Log,
        Scale::Log,
    );
    let ep = res.table.column("epochs").unwrap_or_default();
    for (k, m) in METHODS.iter().enumerate() {
        let mse = res.table.column(&format!("{m}_mse")).unwrap_or_default();
        if res.spec.runs > 1 {
            c.bands.push(Band {
                label: None,
                x: ep.clone(),
                lower: res.table.column(&format!("{m}_min")).unwrap_or_default(),
                upper: res.table.column(&format!("{m}_max")).unwrap_or_default(),
                color: k,
            });
        }
        let style = if m.starts_with("SID") {
            LineStyle::dashed(k)
        } else {
            LineStyle::solid(k)
        };
        c.series.push(Series {
            label: m.to_string(),
            points: ep.iter().copied().zip(mse).collect(),
            style: style.with_markers(),
        });
    }
    let mse = res.table.column("NSID-dec_mse").unwrap_or_default();
    if let (Some(&e_last), Some(&m_last)) = (ep.last(), mse.last()) {
        if m_last > 0.0 {
            let guide: Vec<(f64, f64)> = ep
                .iter()
                .skip(ep.len() / 2)
                .map(|&e| (e, m_last * e_last / e))
                .collect();
            c.series.push(Series {
                label: "O(1/k)".into(),
                points: guide,
                style: LineStyle::dashed(7),
            });
        }
    }
    c.legend = LegendAt::LowerLeft;
    c
}

/// Figure 2(a): the synthetic elastic net of `data` with `λ = (λ₁, λ₂)`, as
/// [`StochasticEnet`] on `(1/2N)‖Xw − y‖²` with step `γ = 2/(L + μ + 2λ₂)` (`L`, `μ`:
/// extreme eigenvalues of `XᵀX/N`), validation loss `‖X_val w − y_val‖²/(2 n_val)`.
pub fn enet_problem(
    data: &super::data::Regression,
    lambda: [f64; 2],
) -> Result<StochasticProblem<StochasticEnet>> {
    let n = data.x_train.rows();
    let a = data.x_train.scale(&(1.0 / (n as f64).sqrt()));
    let spectral = Design::Dense(a).spectral_estimate();
    let gamma = 2.0 / (spectral.l + spectral.mu + 2.0 * lambda[1]);
    let map = StochasticEnet::new(
        data.x_train.clone(),
        data.y_train.clone(),
        1.0 / n as f64,
        gamma,
    )?;
    let theta = lambda.to_vec();
    let t = gamma * lambda[0];
    let soft = |z: &[f64]| -> Vec<f64> {
        z.iter()
            .map(|v| v.signum() * (v.abs() - t).max(0.0))
            .collect()
    };
    let p = data.x_train.cols();
    let fp = fixed_point(&map, &theta, &vec![0.0; p], soft, 100_000, 1e-15)?;
    let (x, res) = (fp.x, fp.last_step);
    let loss = SquaredError::new(data.x_val.clone(), data.y_val.clone())?;
    let v = loss.grad_x(&x, &theta)?;
    StochasticProblem::new(map, theta, x, res, v, vec![0.0; 2])
}
