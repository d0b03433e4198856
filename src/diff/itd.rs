//! Iterative differentiation (ITD, docs/mathematics.md §5): differentiate the iterates
//! `x_{t+1} = F(x_t, θ)` themselves, one selection per step (the map's AD convention).
//!
//! - forward mode: `ẋ_{t+1} = A_t ẋ_t + B_t θ̇` along one or several directions `θ̇`
//!   (the full Jacobian `dx_t/dθ` is the case `θ̇ = I`); memory `O(n·k)` for `k`
//!   directions, independent of `t`;
//! - reverse mode: `θ̄ += B_tᵀ w̄_{t+1}`, `w̄_t = A_tᵀ w̄_{t+1}` over the stored
//!   trajectory; memory `O(t·n)` when every iterate is stored, `O((t/k + k)·n)` with a
//!   checkpoint every `k` iterates (each segment is recomputed once: `t` extra map
//!   evaluations).
//!
//! `[A_t, B_t] = linearize(x_t, θ)`; the iterates start from a given `x_0` with
//! `dx_0/dθ = 0`.

use super::driver::{self, Report, Stepper};
use super::fixed_point::FixedPointIteration;
use super::{check_finite, check_len, dist_est, IterOptions};
use crate::error::{Error, Result};
use crate::linalg::norms::Norm;
use crate::linalg::Matrix;
use crate::maps::{FixedPointMap, Workspace};
use crate::scalar::Scalar;

/// Result of an ITD run.
#[derive(Clone, Debug, PartialEq)]
pub struct ItdOutput<S, D> {
    /// The last iterate `x_t`.
    pub x: Vec<S>,
    /// The derivative (JVP vector, Jacobian, or `θ̄` for reverse mode).
    pub derivative: D,
    /// Iterations, residual `max(‖x_t − x_{t−1}‖, ‖J_t − J_{t−1}‖)`, smoothness.
    pub report: Report,
}

/// Forward-mode ITD as a step-by-step state (drivers and experiments own the budget).
pub struct ItdForward<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> {
    ws: Workspace<'a, S, F>,
    theta: Vec<S>,
    directions: Matrix<S>,
    x: Vec<S>,
    next: Vec<S>,
    dx: Matrix<S>,
    iterations: usize,
    smooth: bool,
    col: Vec<S>,
    tmp: Vec<S>,
}

impl<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> ItdForward<'a, S, F> {
    /// Start at `x_0` with `dx_0 = 0`, differentiating along the columns of
    /// `directions` (`m × k`).
    pub fn new(map: &'a F, x0: &[S], theta: &[S], directions: Matrix<S>) -> Result<Self> {
        map.check_input(x0, theta)?;
        let (n, m) = map.dims();
        if directions.rows() != m {
            return Err(Error::DimensionMismatch {
                op: "ItdForward directions",
                left: (m, 1),
                right: directions.shape(),
            });
        }
        directions.check_finite("ItdForward directions")?;
        let k = directions.cols();
        Ok(ItdForward {
            ws: Workspace::new(map, x0, theta)?,
            theta: theta.to_vec(),
            directions,
            x: x0.to_vec(),
            next: vec![S::zero(); n],
            dx: Matrix::zeros(n, k),
            iterations: 0,
            smooth: true,
            col: vec![S::zero(); n],
            tmp: vec![S::zero(); n],
        })
    }

    /// One step `x ← F(x, θ)`, `ẋ ← A ẋ + B θ̇`; returns
    /// `max(‖x_{t+1} − x_t‖, ‖ẋ_{t+1} − ẋ_t‖_F)`.
    pub fn step(&mut self) -> Result<f64> {
        // One fused evaluation: F(x_t) and [A_t, B_t].
        self.ws.update(&self.x, &self.theta, Some(&mut self.next))?;
        self.smooth &= self.ws.is_smooth_point();
        let n = self.x.len();
        let mut dj = 0.0f64;
        let lin = self.ws.lin();
        for j in 0..self.dx.cols() {
            lin.a_mul_into(self.dx.column(j), &mut self.col)?;
            lin.b_mul_into(self.directions.column(j), &mut self.tmp)?;
            for i in 0..n {
                let v = self.col[i].add(&self.tmp[i]);
                dj += v.sub(&self.dx[(i, j)]).to_f64().powi(2);
                self.dx[(i, j)] = v;
            }
        }
        let dx = dist_est(&self.next, &self.x);
        std::mem::swap(&mut self.x, &mut self.next);
        self.iterations += 1;
        Ok(dx.max(dj.sqrt()))
    }

    /// Current iterate `x_t`.
    pub fn x(&self) -> &[S] {
        &self.x
    }
    /// Current derivative `dx_t/dθ · directions` (`n × k`).
    pub fn derivative(&self) -> &Matrix<S> {
        &self.dx
    }
    /// Iterations done.
    pub fn iterations(&self) -> usize {
        self.iterations
    }
    /// Whether every linearization so far was at a smooth point.
    pub fn smooth(&self) -> bool {
        self.smooth
    }

    /// Run until the residual is `≤ opts.tol` or `opts.max_iter` steps (no observers;
    /// use a [`Driver`](super::Driver) to watch the run).
    pub fn run(self, opts: &IterOptions) -> Result<ItdOutput<S, Matrix<S>>> {
        driver::run(self, opts)
    }
}

impl<S: Scalar, F: FixedPointMap<S> + ?Sized> Stepper for ItdForward<'_, S, F> {
    type Output = ItdOutput<S, Matrix<S>>;

    fn name(&self) -> &'static str {
        "ITD forward"
    }
    fn next(&mut self) -> Result<f64> {
        self.step()
    }
    fn smooth(&self) -> bool {
        self.smooth
    }
    fn finish(self, report: Report) -> Result<Self::Output> {
        check_finite(self.dx.as_slice(), "ITD forward derivative")?;
        Ok(ItdOutput {
            x: self.x,
            derivative: self.dx,
            report,
        })
    }
}

/// Forward-mode ITD along one direction `θ̇`: returns `x_t` and `ẋ_t = (dx_t/dθ) θ̇`.
pub fn jvp<S: Scalar, F: FixedPointMap<S> + ?Sized>(
    map: &F,
    x0: &[S],
    theta: &[S],
    theta_dot: &[S],
    opts: &IterOptions,
) -> Result<ItdOutput<S, Vec<S>>> {
    let out = ItdForward::new(map, x0, theta, Matrix::column_vector(theta_dot))?.run(opts)?;
    Ok(ItdOutput {
        x: out.x,
        derivative: out.derivative.into_vec(),
        report: out.report,
    })
}

/// Forward-mode ITD for the full Jacobian `dx_t/dθ` (`n × m`; `m` JVPs per step).
pub fn jacobian<S: Scalar, F: FixedPointMap<S> + ?Sized>(
    map: &F,
    x0: &[S],
    theta: &[S],
    opts: &IterOptions,
) -> Result<ItdOutput<S, Matrix<S>>> {
    let (_, m) = map.dims();
    ItdForward::new(map, x0, theta, Matrix::identity(m))?.run(opts)
}

/// Memory policy of reverse-mode ITD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Checkpointing {
    /// Store every iterate: memory `t·n` scalars, no recomputation.
    All,
    /// Store every `k`-th iterate and recompute each segment during the backward
    /// pass: memory `(t/k + k)·n` scalars, `t` extra map evaluations. `k ≈ √t` is optimal.
    Every(usize),
}

/// Reverse-mode ITD output: `θ̄ = (dx_t/dθ)ᵀ w̄_t` and `x̄₀ = (dx_t/dx_0)ᵀ w̄_t`.
#[derive(Clone, Debug, PartialEq)]
pub struct ItdReverse<S> {
    /// `θ̄ ∈ Rᵐ`.
    pub theta_bar: Vec<S>,
    /// `w̄₀ ∈ Rⁿ`: the adjoint propagated back to the initial point.
    pub x0_bar: Vec<S>,
    /// Number of state vectors held at the peak of the backward pass.
    pub stored_states: usize,
}

/// Reverse-mode ITD: run `x_{t+1} = F(x_t, θ)` (at most `opts.max_iter` steps, fewer if
/// `‖x_{t+1} − x_t‖ ≤ opts.tol`), then back-propagate the seed `w̄_t = seed(x_t)` (e.g.
/// `∇ₓL(x_t)`).
pub fn vjp<S: Scalar, F: FixedPointMap<S> + ?Sized>(
    map: &F,
    x0: &[S],
    theta: &[S],
    seed: impl FnOnce(&[S]) -> Result<Vec<S>>,
    opts: &IterOptions,
    checkpointing: Checkpointing,
) -> Result<ItdOutput<S, ItdReverse<S>>> {
    let started = std::time::Instant::now();
    map.check_input(x0, theta)?;
    let (n, m) = map.dims();
    let k = match checkpointing {
        Checkpointing::All => 1,
        Checkpointing::Every(0) => return Err(Error::parameter("Checkpointing::Every", 0, "≥ 1")),
        Checkpointing::Every(k) => k,
    };
    // Forward pass (the driver's loop): keep x_0, x_k, x_{2k}, … (all iterates when
    // k = 1).
    let forward = driver::run(
        Checkpointed {
            inner: FixedPointIteration::new(map, x0, theta, Norm::Two)?,
            every: k,
            max_iter: opts.max_iter,
            steps: 0,
            checkpoints: vec![x0.to_vec()],
        },
        opts,
    )?;
    let ForwardPass {
        x,
        mut checkpoints,
        report: forward_report,
    } = forward;
    let t = forward_report.iterations;
    let mut ws = Workspace::new(map, x0, theta)?;
    let mut w = seed(&x)?;
    check_len("ITD reverse seed", n, w.len())?;
    check_finite(&w, "ITD reverse seed")?;
    let mut theta_bar = vec![S::zero(); m];
    let mut bt = vec![S::zero(); m];
    let mut at = vec![S::zero(); n];
    let mut smooth = true;
    let mut peak = checkpoints.len();
    // Backward pass, segment by segment (segment c covers steps [c·k, min((c+1)·k, t))):
    // a fixed number of steps, no stopping decision for a driver to make.
    let segments = t.div_ceil(k);
    for c in (0..segments).rev() {
        let start = c * k;
        let end = ((c + 1) * k).min(t);
        let mut seg: Vec<Vec<S>> = Vec::with_capacity(end - start);
        let first = checkpoints
            .get(c)
            .cloned()
            .ok_or_else(|| Error::IndexOutOfRange {
                what: "ITD reverse: checkpoints".into(),
                index: c,
                len: checkpoints.len(),
            })?;
        seg.push(first);
        for _ in start + 1..end {
            let mut fx = vec![S::zero(); n];
            let last = seg.last().map_or(x0, |v| v.as_slice());
            ws.update(last, theta, Some(&mut fx))?;
            seg.push(fx);
        }
        peak = peak.max(checkpoints.len() + seg.len() - 1);
        for xs in seg.iter().rev() {
            ws.update(xs, theta, None)?;
            smooth &= ws.is_smooth_point();
            let lin = ws.lin();
            lin.bt_mul_into(&w, &mut bt)?;
            for (tb, b) in theta_bar.iter_mut().zip(&bt) {
                *tb = tb.add(b);
            }
            lin.at_mul_into(&w, &mut at)?;
            std::mem::swap(&mut w, &mut at);
        }
        checkpoints.truncate(c);
    }
    check_finite(&theta_bar, "ITD reverse θ̄")?;
    Ok(ItdOutput {
        x,
        derivative: ItdReverse {
            theta_bar,
            x0_bar: w,
            stored_states: peak,
        },
        report: Report {
            smooth,
            elapsed: started.elapsed(),
            ..forward_report
        },
    })
}

/// The forward pass of reverse-mode ITD: the fixed-point iteration, storing every
/// `every`-th iterate (except the last one of the budget, never needed).
struct Checkpointed<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> {
    inner: FixedPointIteration<'a, S, F>,
    every: usize,
    max_iter: usize,
    steps: usize,
    checkpoints: Vec<Vec<S>>,
}

impl<S: Scalar, F: FixedPointMap<S> + ?Sized> Stepper for Checkpointed<'_, S, F> {
    type Output = ForwardPass<S>;
    fn name(&self) -> &'static str {
        "ITD reverse (forward pass)"
    }
    fn next(&mut self) -> Result<f64> {
        let r = self.inner.next()?;
        self.steps += 1;
        if self.steps % self.every == 0 && self.steps < self.max_iter {
            self.checkpoints.push(self.inner.x().to_vec());
        }
        Ok(r)
    }
    fn finish(self, report: Report) -> Result<Self::Output> {
        let x = self.inner.finish(report.clone())?.x;
        Ok(ForwardPass {
            x,
            checkpoints: self.checkpoints,
            report,
        })
    }
}

/// What the forward pass of reverse-mode ITD leaves for the backward pass.
struct ForwardPass<S> {
    /// The last iterate `x_T`.
    x: Vec<S>,
    /// `x_0, x_k, x_{2k}, …`.
    checkpoints: Vec<Vec<S>>,
    report: Report,
}
