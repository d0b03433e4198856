//! Bilevel hypergradients `∇_θ L(x̄(θ), θ) = ∇_θ L + (∂x̄/∂θ)ᵀ ∇ₓL` (docs/mathematics.md §1) with any
//! engine, held-out validation losses, and outer loops tuning regularisation weights by
//! gradient descent on `log λ` with warm-started inner solves.

use super::aid::{self, GmresOptions};
use super::enet::{CdOptions, Enet, RestrictedSolver};
use super::fixed_point::solve_fixed_point;
use super::itd::{self, Checkpointing};
use super::{check_finite, check_len, IterOptions, Report};
use crate::error::{Error, Result};
use crate::linalg::norms::Norm;
use crate::linalg::Matrix;
use crate::maps::FixedPointMap;

/// An outer objective `L(x, θ)` with its gradients.
pub trait OuterLoss {
    /// `L(x, θ)`.
    fn value(&self, x: &[f64], theta: &[f64]) -> Result<f64>;
    /// `∇ₓL(x, θ)`.
    fn grad_x(&self, x: &[f64], theta: &[f64]) -> Result<Vec<f64>>;
    /// `(∇ₓL(x, θ))_j` for `j ∈ coords` only (default: the full gradient, then
    /// gathered; losses override it when the partial gradient is cheaper, e.g. on the
    /// support of a sparse solution).
    fn grad_x_on(&self, x: &[f64], theta: &[f64], coords: &[usize]) -> Result<Vec<f64>> {
        let g = self.grad_x(x, theta)?;
        coords
            .iter()
            .map(|&j| {
                g.get(j).copied().ok_or_else(|| Error::IndexOutOfRange {
                    what: "hypergradient coordinates".into(),
                    index: j,
                    len: g.len(),
                })
            })
            .collect()
    }
    /// `∇_θ L(x, θ)` (default: `0`, a loss that depends on `θ` only through `x̄(θ)`).
    fn grad_theta(&self, _x: &[f64], theta: &[f64]) -> Result<Vec<f64>> {
        Ok(vec![0.0; theta.len()])
    }
}

/// Held-out squared error `L(w) = ‖X_val w − y_val‖² / (2 n_val)`.
#[derive(Clone, Debug)]
pub struct SquaredError {
    x_val: Matrix<f64>,
    y_val: Vec<f64>,
}

impl SquaredError {
    /// From validation data (`n_val × p`, `n_val` responses).
    pub fn new(x_val: Matrix<f64>, y_val: Vec<f64>) -> Result<Self> {
        check_len(
            "SquaredError: rows(X_val) vs len(y_val)",
            x_val.rows(),
            y_val.len(),
        )?;
        x_val.check_finite("SquaredError X_val")?;
        check_finite(&y_val, "SquaredError y_val")?;
        if y_val.is_empty() {
            return Err(Error::Empty {
                what: "the validation set of SquaredError".into(),
            });
        }
        Ok(SquaredError { x_val, y_val })
    }
    fn residual(&self, w: &[f64]) -> Result<Vec<f64>> {
        let mut r = self.x_val.mul_vec(w)?;
        for (ri, yi) in r.iter_mut().zip(&self.y_val) {
            *ri -= yi;
        }
        Ok(r)
    }
}

impl OuterLoss for SquaredError {
    fn value(&self, x: &[f64], _theta: &[f64]) -> Result<f64> {
        let r = self.residual(x)?;
        Ok(r.iter().map(|v| v * v).sum::<f64>() / (2.0 * self.y_val.len() as f64))
    }
    fn grad_x(&self, x: &[f64], theta: &[f64]) -> Result<Vec<f64>> {
        let all: Vec<usize> = (0..self.x_val.cols()).collect();
        self.grad_x_on(x, theta, &all)
    }
    fn grad_x_on(&self, x: &[f64], _theta: &[f64], coords: &[usize]) -> Result<Vec<f64>> {
        use crate::linalg::fast::{gemv_cols, gemv_t_cols};
        let (nv, p) = self.x_val.shape();
        check_len("SquaredError: len(x) vs cols(X_val)", p, x.len())?;
        if let Some(&bad) = coords.iter().find(|&&j| j >= p) {
            return Err(Error::IndexOutOfRange {
                what: "SquaredError: coordinates".into(),
                index: bad,
                len: p,
            });
        }
        // r = X_val x − y_val over the nonzeros of x, then X_{val,j}ᵀ r / n_val.
        let nz: Vec<usize> = (0..p).filter(|&j| x[j] != 0.0).collect();
        let coef: Vec<f64> = nz.iter().map(|&j| x[j]).collect();
        let data = self.x_val.as_slice();
        let mut r = vec![0.0; nv];
        gemv_cols(data, nv, &nz, &coef, &mut r);
        for (ri, yi) in r.iter_mut().zip(&self.y_val) {
            *ri -= yi;
        }
        let mut g = vec![0.0; coords.len()];
        gemv_t_cols(data, nv, &r, Some(coords), &mut g);
        let nvf = nv as f64;
        g.iter_mut().for_each(|v| *v /= nvf);
        Ok(g)
    }
}

/// Held-out binary cross-entropy of the logits `z = X_val w`:
/// `L(w) = mean_i [log(1 + e^{z_i}) − y_i z_i]`, labels `y_i ∈ {0, 1}` (or in `[0, 1]`).
#[derive(Clone, Debug)]
pub struct CrossEntropy {
    x_val: Matrix<f64>,
    labels: Vec<f64>,
}

impl CrossEntropy {
    /// From validation data and labels in `[0, 1]`.
    pub fn new(x_val: Matrix<f64>, labels: Vec<f64>) -> Result<Self> {
        check_len(
            "CrossEntropy: rows(X_val) vs len(labels)",
            x_val.rows(),
            labels.len(),
        )?;
        x_val.check_finite("CrossEntropy X_val")?;
        if labels.is_empty() || !labels.iter().all(|y| (0.0..=1.0).contains(y)) {
            return Err(match labels.iter().position(|y| !(0.0..=1.0).contains(y)) {
                Some(i) => {
                    // "labels must be in [0, 1]": the wording Python users see and test.
                    Error::parameter(
                        "CrossEntropy: labels",
                        format!("{} (label {i})", labels[i]),
                        "in [0, 1]",
                    )
                }
                None => Error::Empty {
                    what: "the labels of CrossEntropy".into(),
                },
            });
        }
        Ok(CrossEntropy { x_val, labels })
    }
}

/// `log(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl OuterLoss for CrossEntropy {
    fn value(&self, x: &[f64], _theta: &[f64]) -> Result<f64> {
        let z = self.x_val.mul_vec(x)?;
        Ok(z.iter()
            .zip(&self.labels)
            .map(|(zi, yi)| softplus(*zi) - yi * zi)
            .sum::<f64>()
            / self.labels.len() as f64)
    }
    fn grad_x(&self, x: &[f64], _theta: &[f64]) -> Result<Vec<f64>> {
        let z = self.x_val.mul_vec(x)?;
        let nv = self.labels.len() as f64;
        let d: Vec<f64> = z
            .iter()
            .zip(&self.labels)
            .map(|(zi, yi)| (sigmoid(*zi) - yi) / nv)
            .collect();
        self.x_val.tr_mul_vec(&d)
    }
}

/// Which engine differentiates the fixed point.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Engine {
    /// ITD reverse mode: `iterations` steps of `F` from the given point, then back-propagation.
    ItdReverse {
        /// Number of inner steps differentiated.
        iterations: usize,
        /// Memory policy.
        checkpointing: Checkpointing,
    },
    /// AID-FP adjoint `w ← Aᵀw + ∇ₓL` at the given point.
    AidFp(IterOptions),
    /// AID by GMRES on `(I − Aᵀ) w = ∇ₓL` at the given point.
    AidGmres(GmresOptions),
    /// AID by dense LU on `(I − A)ᵀ w = ∇ₓL` at the given point.
    DenseSolve,
}

/// A hypergradient with its report.
#[derive(Clone, Debug, PartialEq)]
pub struct Hypergradient {
    /// `∇_θ L(x̄(θ), θ)` (estimate).
    pub grad: Vec<f64>,
    /// `L` at the point used (`x_t` for ITD, the given `x` for AID).
    pub loss: f64,
    /// Engine report.
    pub report: Report,
}

/// Hypergradient of `θ ↦ L(x̄(θ), θ)` through a fixed-point map with the chosen engine.
///
/// For the AID engines `x` should be (close to) the fixed point `x̄(θ)`: the result's
/// error is then `O(‖x − x̄‖)` plus the engine's own residual. For ITD, `x` is the
/// starting point `x₀` and the result is the exact gradient of `L(x_t(θ), θ)`.
pub fn hypergradient<F: FixedPointMap<f64> + ?Sized>(
    map: &F,
    x: &[f64],
    theta: &[f64],
    loss: &dyn OuterLoss,
    engine: &Engine,
) -> Result<Hypergradient> {
    map.check_input(x, theta)?;
    let (_, m) = map.dims();
    let (xt, theta_bar, report) = match engine {
        Engine::ItdReverse {
            iterations,
            checkpointing,
        } => {
            let out = itd::vjp(
                map,
                x,
                theta,
                |xt| loss.grad_x(xt, theta),
                &IterOptions::fixed(*iterations),
                *checkpointing,
            )?;
            (out.x, out.derivative.theta_bar, out.report)
        }
        other => {
            let v = loss.grad_x(x, theta)?;
            let mut lin = map.linearize(x, theta)?;
            let out = match other {
                Engine::AidFp(opts) => aid::fp_adjoint(lin.as_mut(), &v, opts)?,
                Engine::AidGmres(opts) => aid::gmres_adjoint(lin.as_mut(), &v, opts)?,
                _ => aid::solve_dense_adjoint(lin.as_mut(), &v)?,
            };
            (x.to_vec(), out.derivative.theta_bar, out.report)
        }
    };
    check_len("hypergradient θ̄", m, theta_bar.len())?;
    let direct = loss.grad_theta(&xt, theta)?;
    check_len("hypergradient ∇_θL", m, direct.len())?;
    let grad: Vec<f64> = theta_bar.iter().zip(&direct).map(|(a, b)| a + b).collect();
    check_finite(&grad, "hypergradient")?;
    Ok(Hypergradient {
        grad,
        loss: loss.value(&xt, theta)?,
        report,
    })
}

/// One accepted step of an outer loop.
#[derive(Clone, Debug, PartialEq)]
pub struct TuneStep {
    /// `λ` (raw) at this step.
    pub lambda: Vec<f64>,
    /// Validation loss at `x̄(λ)`.
    pub loss: f64,
    /// `∂L/∂log λ = λ ⊙ ∂L/∂λ`.
    pub grad_log: Vec<f64>,
    /// Whether the derivative was single-valued (fast path: `E = S`; engines: smooth point).
    pub single_valued: bool,
}

/// Outer-loop options: gradient descent on `log λ` with backtracking.
#[derive(Clone, Debug, PartialEq)]
pub struct TuneOptions {
    /// Accepted steps.
    pub steps: usize,
    /// Initial step on `log λ`.
    pub learning_rate: f64,
    /// Which coordinates of `λ` are tuned (the others stay fixed).
    pub tune: Vec<bool>,
    /// Halvings of the step before giving up on a step.
    pub max_backtracks: usize,
}

impl Default for TuneOptions {
    fn default() -> Self {
        TuneOptions {
            steps: 20,
            learning_rate: 1.0,
            tune: vec![true, true],
            max_backtracks: 20,
        }
    }
}

/// Generic outer loop: `eval(λ, warm) -> (x̄, loss, ∂L/∂λ, single_valued)`.
fn descend(
    lambda0: &[f64],
    opts: &TuneOptions,
    mut eval: impl FnMut(&[f64], &[f64]) -> Result<(Vec<f64>, f64, Vec<f64>, bool)>,
    x0: Vec<f64>,
) -> Result<Vec<TuneStep>> {
    // Tuned weights move on log λ, so they must be > 0; fixed ones may be 0 (the
    // LASSO as an elastic net with λ₂ = 0).
    let valid = |(l, t): (&f64, &bool)| l.is_finite() && if *t { *l > 0.0 } else { *l >= 0.0 };
    if opts.tune.len() != lambda0.len() || !lambda0.iter().zip(&opts.tune).all(valid) {
        return Err(Error::parameter(
            "tune: (λ, tune flags)",
            format!("λ = {lambda0:?}, tune = {:?}", opts.tune),
            "one `tune` flag per λ, λ > 0 where tuned and λ ≥ 0 where fixed",
        ));
    }
    let mut lambda = lambda0.to_vec();
    let (mut x, mut loss, mut g, mut sv) = eval(&lambda, &x0)?;
    let mut lr = opts.learning_rate;
    let mut hist = Vec::with_capacity(opts.steps + 1);
    let glog = |l: &[f64], g: &[f64]| l.iter().zip(g).map(|(a, b)| a * b).collect::<Vec<f64>>();
    hist.push(TuneStep {
        lambda: lambda.clone(),
        loss,
        grad_log: glog(&lambda, &g),
        single_valued: sv,
    });
    for _ in 0..opts.steps {
        let gl = glog(&lambda, &g);
        let mut accepted = false;
        for _ in 0..=opts.max_backtracks {
            let cand: Vec<f64> = lambda
                .iter()
                .zip(&gl)
                .zip(&opts.tune)
                .map(|((l, gi), t)| if *t { (l.ln() - lr * gi).exp() } else { *l })
                .collect();
            let (xc, lc, gc, svc) = eval(&cand, &x)?;
            if lc <= loss {
                (lambda, x, loss, g, sv) = (cand, xc, lc, gc, svc);
                lr *= 1.5;
                accepted = true;
                break;
            }
            lr *= 0.5;
        }
        if !accepted {
            break;
        }
        hist.push(TuneStep {
            lambda: lambda.clone(),
            loss,
            grad_log: glog(&lambda, &g),
            single_valued: sv,
        });
    }
    Ok(hist)
}

/// Tune `(λ₁, λ₂)` of an elastic net on a validation loss with the fast path
/// (coordinate descent warm-started from the previous solution + restricted implicit
/// formula). Returns the accepted steps (the first is the initial point).
pub fn tune_enet(
    problem: &Enet,
    loss: &dyn OuterLoss,
    lambda0: [f64; 2],
    cd: &CdOptions,
    solver: RestrictedSolver,
    opts: &TuneOptions,
) -> Result<Vec<TuneStep>> {
    let (_, p) = problem.dims();
    descend(
        &lambda0,
        opts,
        |lam, warm| {
            let sol = problem.solve(lam[0], lam[1], Some(warm), cd)?;
            let v = loss.grad_x(&sol.w, lam)?;
            let hg = problem.hypergradient(&sol, lam[1], &v, solver)?;
            let l = loss.value(&sol.w, lam)?;
            Ok((sol.w, l, hg.grad.to_vec(), sol.kkt.single_valued))
        },
        vec![0.0; p],
    )
}

/// Tune `θ > 0` of any fixed-point map with any engine: the inner problem is solved by
/// iterating `F` ([`solve_fixed_point`], Euclidean residual, warm-started, `inner`
/// stopping rule), the hypergradient by `engine`
/// (for [`Engine::ItdReverse`] the unrolled steps start at the inner solution).
pub fn tune_with_engine<F: FixedPointMap<f64> + ?Sized>(
    map: &F,
    x0: &[f64],
    theta0: &[f64],
    loss: &dyn OuterLoss,
    engine: &Engine,
    inner: &IterOptions,
    opts: &TuneOptions,
) -> Result<Vec<TuneStep>> {
    descend(
        theta0,
        opts,
        |th, warm| {
            let x = solve_fixed_point(map, warm, th, inner, Norm::Two)?.x;
            let hg = hypergradient(map, &x, th, loss, engine)?;
            Ok((x, hg.loss, hg.grad, hg.report.smooth))
        },
        x0.to_vec(),
    )
}
