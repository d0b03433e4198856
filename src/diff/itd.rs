//! Iterative differentiation (ITD, MATH.md §5): differentiate the iterates
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

use super::{check_finite, check_len, dist_est, GrowthMonitor, IterOptions, Report};
use crate::error::{Error, Result};
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

    /// Run until the residual is `≤ opts.tol` or `opts.max_iter` steps.
    pub fn run(mut self, opts: &IterOptions) -> Result<ItdOutput<S, Matrix<S>>> {
        opts.validate()?;
        let mut mon = GrowthMonitor::new(opts.divergence_factor);
        let mut res = f64::INFINITY;
        for k in 0..opts.max_iter {
            res = self.step()?;
            mon.observe(k, res, "ITD forward")?;
            if opts.tol > 0.0 && res <= opts.tol {
                break;
            }
        }
        if opts.tol > 0.0 && res > opts.tol {
            return Err(Error::NotConverged {
                what: "ITD forward",
                iterations: self.iterations,
                residual: res,
            });
        }
        check_finite(self.dx.as_slice(), "ITD forward derivative")?;
        Ok(ItdOutput {
            x: self.x,
            derivative: self.dx,
            report: Report::new(self.iterations, res, self.smooth),
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
    opts.validate()?;
    map.check_input(x0, theta)?;
    let (n, m) = map.dims();
    let k = match checkpointing {
        Checkpointing::All => 1,
        Checkpointing::Every(0) => {
            return Err(Error::InvalidInput("Checkpointing::Every(0)".into()))
        }
        Checkpointing::Every(k) => k,
    };
    // Forward pass: keep x_0, x_k, x_{2k}, … (all iterates when k = 1).
    let mut ws = Workspace::new(map, x0, theta)?;
    let mut checkpoints: Vec<Vec<S>> = vec![x0.to_vec()];
    let mut x = x0.to_vec();
    let mut next = vec![S::zero(); n];
    let mut t = 0usize;
    let mut res = f64::INFINITY;
    let mut mon = GrowthMonitor::new(opts.divergence_factor);
    while t < opts.max_iter {
        ws.update(&x, theta, Some(&mut next))?;
        res = dist_est(&next, &x);
        mon.observe(t, res, "ITD reverse (forward pass)")?;
        std::mem::swap(&mut x, &mut next);
        t += 1;
        if t % k == 0 && t < opts.max_iter {
            checkpoints.push(x.clone());
        }
        if opts.tol > 0.0 && res <= opts.tol {
            break;
        }
    }
    if opts.tol > 0.0 && res > opts.tol {
        return Err(Error::NotConverged {
            what: "ITD reverse (forward pass)",
            iterations: t,
            residual: res,
        });
    }
    let mut w = seed(&x)?;
    check_len("ITD reverse seed", n, w.len())?;
    check_finite(&w, "ITD reverse seed")?;
    let mut theta_bar = vec![S::zero(); m];
    let mut bt = vec![S::zero(); m];
    let mut at = vec![S::zero(); n];
    let mut smooth = true;
    let mut peak = checkpoints.len();
    // Backward pass, segment by segment: segment c covers steps [c·k, min((c+1)·k, t)).
    let segments = t.div_ceil(k);
    for c in (0..segments).rev() {
        let start = c * k;
        let end = ((c + 1) * k).min(t);
        let mut seg: Vec<Vec<S>> = Vec::with_capacity(end - start);
        let first = checkpoints
            .get(c)
            .cloned()
            .ok_or_else(|| Error::InvalidInput("ITD reverse: missing checkpoint".into()))?;
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
        report: Report::new(t, res, smooth),
    })
}
