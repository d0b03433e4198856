//! The three pictures of `piggyback plot` (and `piggyback demo`): their data, computed
//! by the crate's engines, and their charts.
//!
//! | kind | data | chart |
//! |---|---|---|
//! | `itd-aid` | [`super::deterministic::run_figure1`] on a small elastic net | [`itd_aid_chart`] |
//! | `heavy-ball` | [`heavy_ball_run`]: the set-valued piggyback recursion at the kink of heavy ball, and the single-matrix recursions of its two vertices | [`heavy_ball_charts`] |
//! | `hypergrad-path` | [`hypergrad_landscape`]: the validation loss on a grid of `(log λ₁, log λ₂)` and the path of [`crate::diff::hypergrad::tune_enet`] | [`hypergrad_chart`] |

use super::data::{sparse_regression, RegressionSpec};
use super::deterministic::{figure1_chart_of, Fig1Result, Fig1Spec};
use crate::diff::aid;
use crate::diff::enet::{CdOptions, Enet, RestrictedSolver};
use crate::diff::hypergrad::{tune_enet, OuterLoss, SquaredError, TuneOptions, TuneStep};
use crate::diff::piggyback::Piggyback;
use crate::diff::IterOptions;
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::maps::FixedPointMap;
use crate::maps::{AffinePiece, PiecewiseAffine};
use crate::matset::{Exactness, Overflow, SetOptions};
use crate::plot::{LegendAt, LineChart, LineStyle, PathChart, Scale, Series};

// ---------------------------------------------------------------------------------------
// ITD against AID-FP

/// The default run of the `itd-aid` picture: Figure 1's first panel (appendix F.3 data,
/// `λ = (0.02, 0.002)`) at a size that runs in about a second: 50 training and 100
/// validation examples, 50 features (15 informative), `iterations` steps evaluated every
/// step up to 50 and every 5th after, a reference of 5000 steps, and the proven
/// reference (interval arithmetic) turned on.
pub fn itd_aid_spec(seed: u64, iterations: usize) -> Fig1Spec {
    let mut spec = Fig1Spec::paper(seed)[0].clone();
    spec.data.n_train = 50;
    spec.data.n_val = 100;
    spec.data.p = 50;
    spec.data.informative = 15;
    spec.iterations = iterations;
    spec.reference_iterations = 5000;
    spec.stride = 5;
    spec
}

/// The `itd-aid` chart: ITD and AID-FP (and, with `all_methods`, AID-CG and
/// AID-GMRES) against iterations, proven error bands when the reference was certified.
pub fn itd_aid_chart(res: &Fig1Result, all_methods: bool) -> LineChart {
    let methods: &[&str] = if all_methods {
        &super::deterministic::METHODS
    } else {
        &["ITD", "AID-FP"]
    };
    let mut c = figure1_chart_of(res, methods);
    let [l1, l2] = res.spec.lambda;
    c.title = format!(
        "ITD vs {}: elastic net {}×{}, λ = ({l1}, {l2})",
        if all_methods { "AID" } else { "AID-FP" },
        res.spec.data.n_train,
        res.spec.data.p
    );
    if let Some(b) = c.bands.first_mut() {
        b.label = Some("shaded: proven range of the true error".into());
    }
    // The reference line compares the long AID-FP run with the proven enclosure.
    if let (Some(h), Some((_, hi))) = (c.hlines.first_mut(), res.paper_reference_error) {
        h.label = format!(
            " a {}-step AID-FP reference is off by up to {hi:.1e}",
            res.spec.reference_iterations
        );
    }
    c
}

// ---------------------------------------------------------------------------------------
// Heavy ball

/// `M₁ = [[3/4, −3/4], [1, 0]]` (`x ≥ 0`, curvature 1) and `M₂ = [[3/2, −3/4], [1, 0]]`
/// (`x ≤ 0`, curvature 1/4): the Jacobians of the heavy-ball step with `α = 1`,
/// `β = 3/4` on the two pieces of `f(x) = x²/2 (x ≥ 0), x²/8 (x < 0)`
/// (docs/mathematics.md §5).
pub fn heavy_ball_vertices() -> [Matrix<f64>; 2] {
    [
        Matrix::from_fn(2, 2, |i, j| [[0.75, -0.75], [1.0, 0.0]][i][j]),
        Matrix::from_fn(2, 2, |i, j| [[1.5, -0.75], [1.0, 0.0]][i][j]),
    ]
}

/// The heavy-ball step with a constant force `θ` on the position,
/// `F((x, y), θ) = (x − f'(x) + (3/4)(x − y) + θ, x)`, as a piecewise-affine map with
/// the pieces `x ≥ 0` (`A = M₁`) and `x ≤ 0` (`A = M₂`), `B = (1, 0)ᵀ`; `pieces`
/// selects which pieces the map has (both: the real map; one: that piece's affine map
/// on the whole plane).
fn heavy_ball_force_map(pieces: &[usize]) -> Result<PiecewiseAffine<f64>> {
    let [m1, m2] = heavy_ball_vertices();
    let b = Matrix::from_fn(2, 1, |i, _| if i == 0 { 1.0 } else { 0.0 });
    let piece = |k: usize, whole_plane: bool| -> AffinePiece<f64> {
        let (a, sign) = if k == 0 { (&m1, -1.0) } else { (&m2, 1.0) };
        let (g, h) = if whole_plane {
            (Matrix::zeros(0, 3), vec![])
        } else {
            // k = 0: −x ≤ 0; k = 1: x ≤ 0.
            (
                Matrix::from_fn(1, 3, |_, j| if j == 0 { sign } else { 0.0 }),
                vec![0.0],
            )
        };
        AffinePiece {
            a: a.clone(),
            b: b.clone(),
            c: vec![0.0, 0.0],
            g,
            h,
        }
    };
    let whole = pieces.len() == 1;
    PiecewiseAffine::new(pieces.iter().map(|&k| piece(k, whole)).collect())
}

/// The data of the `heavy-ball` picture.
#[derive(Clone, Debug, PartialEq)]
pub struct HeavyBallRun {
    /// Steps `T`.
    pub iterations: usize,
    /// Extreme points kept per step by the set-valued recursion.
    pub cap: usize,
    /// `sup_{J ∈ J_t} ‖J‖_F` for `t = 0, …, T` of the kept sets: lower bounds of the
    /// exact sets' suprema (the kept sets are subsets, see `exactness`).
    pub set_norms: Vec<f64>,
    /// How the kept sets relate to the exact `J_t` (`Under` once points were dropped).
    pub exactness: Exactness,
    /// For `M₁` and `M₂`: `‖J_t‖_F` of the single-matrix recursion `J ← Mᵢ J + B`,
    /// `J_0 = 0`, for `t = 0, …, T`.
    pub single_norms: [Vec<f64>; 2],
    /// For `M₁` and `M₂`: `‖J_t − (I − Mᵢ)⁻¹B‖_F`.
    pub single_errors: [Vec<f64>; 2],
    /// `(I − Mᵢ)⁻¹B`, the implicit derivative of each piece (`(1, 1)` and `(4, 4)`).
    pub limits: [Vec<f64>; 2],
}

/// Run the set-valued piggyback recursion ([`Piggyback`]) of the heavy-ball map with a
/// force at its fixed point `(0, 0)`, `θ = 0`, where the kink makes
/// `D_F = conv{[M₁, B], [M₂, B]}`, for `iterations` steps from `J_0 = {0}`, keeping at
/// most `cap` extreme points per step (an inner approximation: its sup-norms are lower
/// bounds); and the same recursion on each piece's affine map, whose `D_F` is the single
/// `[Mᵢ, B]` (what AD computes when it always picks piece `i`).
pub fn heavy_ball_run(iterations: usize, cap: usize) -> Result<HeavyBallRun> {
    if cap < 2 {
        return Err(Error::parameter(
            "heavy ball: extreme points kept per step",
            cap,
            "at least 2",
        ));
    }
    let (x0, theta) = ([0.0, 0.0], [0.0]);
    let opts = SetOptions {
        cap,
        overflow: Overflow::KeepExtreme,
        ..Default::default()
    };
    let both = heavy_ball_force_map(&[0, 1])?;
    // The norms grow without bound: no divergence detection, exactly T steps.
    let budget = IterOptions {
        divergence_factor: f64::INFINITY,
        ..IterOptions::fixed(iterations)
    };
    let out = Piggyback::new(&both, &x0, &theta, opts.clone())?.run(&budget)?;
    let mut single_norms: [Vec<f64>; 2] = Default::default();
    let mut single_errors: [Vec<f64>; 2] = Default::default();
    let mut limits: [Vec<f64>; 2] = Default::default();
    for k in 0..2 {
        let map = heavy_ball_force_map(&[k])?;
        let mut lin = map.linearize(&x0, &theta)?;
        let limit = aid::solve_dense(lin.as_mut(), &Matrix::identity(1))?
            .derivative
            .into_vec();
        let mut p = Piggyback::new(&map, &x0, &theta, opts.clone())?;
        let mut norms = vec![0.0];
        let mut errors = vec![limit.iter().map(|v| v * v).sum::<f64>().sqrt()];
        for _ in 0..iterations {
            p.step()?;
            let j = p
                .set()
                .members()?
                .first()
                .cloned()
                .ok_or_else(|| Error::Empty {
                    what: format!("heavy ball: the single-matrix set of M{}", k + 1),
                })?;
            norms.push(j.norm_frobenius_sq().sqrt());
            let e: f64 = j
                .as_slice()
                .iter()
                .zip(&limit)
                .map(|(a, b)| (a - b).powi(2))
                .sum();
            errors.push(e.sqrt());
        }
        single_norms[k] = norms;
        single_errors[k] = errors;
        limits[k] = limit;
    }
    Ok(HeavyBallRun {
        iterations,
        cap,
        set_norms: out.norms,
        exactness: out.exactness,
        single_norms,
        single_errors,
        limits,
    })
}

/// The `heavy-ball` charts: (left) the norm of the set-valued iterates against each
/// single-matrix recursion's, (right) each single recursion's distance to its limit
/// `(I − Mᵢ)⁻¹B` with the rate `(√3/2)ᵗ` of their spectral radius.
pub fn heavy_ball_charts(run: &HeavyBallRun) -> [LineChart; 2] {
    let pts = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .skip(1)
            .map(|(t, y)| (t as f64, *y))
            .collect()
    };
    let mut norms = LineChart::new(
        "Heavy ball at its kink (α = 1, β = 3/4): derivatives J_t",
        "iteration t",
        "‖J_t‖ (Frobenius)",
        Scale::Linear,
        Scale::Log,
    );
    norms.series.push(Series {
        label: "set-valued piggyback: sup over J_t (lower bound)".into(),
        points: pts(&run.set_norms),
        style: LineStyle::solid(1),
    });
    for (k, name) in ["M₁", "M₂"].iter().enumerate() {
        norms.series.push(Series {
            label: format!("AD with {name} only: ‖J_t‖"),
            points: pts(&run.single_norms[k]),
            style: LineStyle::solid(if k == 0 { 0 } else { 2 }),
        });
    }
    norms.legend = LegendAt::UpperLeft;
    let mut errors = LineChart::new(
        "Each single-matrix recursion converges",
        "iteration t",
        "distance to the limit, ‖J_t − (I − M)⁻¹B‖",
        Scale::Linear,
        Scale::Log,
    );
    for (k, name) in ["M₁ only, limit (1, 1)", "M₂ only, limit (4, 4)"]
        .iter()
        .enumerate()
    {
        errors.series.push(Series {
            label: name.to_string(),
            points: pts(&run.single_errors[k]),
            style: LineStyle::solid(if k == 0 { 0 } else { 2 }),
        });
    }
    // The common spectral radius √3/2 of M₁ and M₂: the asymptotic rate of both.
    let rho = 0.75f64.sqrt();
    let c = run.single_errors[1]
        .get(1)
        .copied()
        .unwrap_or(1.0)
        .max(1e-300);
    errors.series.push(Series {
        label: "(√3/2)^t: their spectral radius".into(),
        points: (1..=run.iterations)
            .map(|t| (t as f64, c * rho.powi(t as i32 - 1)))
            .collect(),
        style: LineStyle::dashed(6),
    });
    errors.legend = LegendAt::UpperRight;
    errors.y_floor = Some(1e-17);
    [norms, errors]
}

// ---------------------------------------------------------------------------------------
// Hypergradient-descent path

/// The data of the built-in `hypergrad-path` picture: a seeded sparse regression (80
/// training and 80 validation examples, 40 features, 8 informative, noise 1).
pub fn hypergrad_data_spec(seed: u64) -> RegressionSpec {
    RegressionSpec {
        n_train: 80,
        n_val: 80,
        p: 40,
        informative: 8,
        noise: 1.0,
        correlated: true,
        seed,
    }
}

/// An elastic net with its validation loss.
pub struct EnetTask {
    /// The training problem.
    pub problem: Enet,
    /// The held-out loss.
    pub loss: SquaredError,
    /// Where the descent starts, `(λ₁, λ₂)`.
    pub start: [f64; 2],
    /// What the data are (for the title).
    pub description: String,
}

impl EnetTask {
    /// The built-in task: [`hypergrad_data_spec`], loss scale `1/n`, start at
    /// `(λ₁, λ₂) = (λ_max/2, 1)`.
    pub fn builtin(seed: u64) -> Result<Self> {
        let spec = hypergrad_data_spec(seed);
        let d = sparse_regression(&spec)?;
        let n = d.x_train.rows();
        let problem = Enet::new(d.x_train, d.y_train, 1.0 / n as f64)?;
        let loss = SquaredError::new(d.x_val, d.y_val)?;
        let start = [problem.lambda_max() / 2.0, 1.0];
        Ok(EnetTask {
            problem,
            loss,
            start,
            description: format!(
                "synthetic regression {}×{} (seed {seed})",
                spec.n_train, spec.p
            ),
        })
    }
}

/// The data of the `hypergrad-path` picture.
#[derive(Clone, Debug, PartialEq)]
pub struct Landscape {
    /// Grid of `log₁₀ λ₁` (increasing).
    pub log_l1: Vec<f64>,
    /// Grid of `log₁₀ λ₂` (increasing).
    pub log_l2: Vec<f64>,
    /// Validation loss at `x̄(λ)`: `loss[i][j]` at `(log_l1[j], log_l2[i])`.
    pub loss: Vec<Vec<f64>>,
    /// The accepted steps of the descent (the first is the start).
    pub path: Vec<TuneStep>,
}

/// Tune `(λ₁, λ₂)` by [`tune_enet`] (`steps` accepted steps of gradient descent on
/// `log λ`, learning rate 1 with backtracking), then evaluate the validation loss on a
/// `grid × grid` mesh of `(log₁₀ λ₁, log₁₀ λ₂)` covering the path and, at least,
/// `λ₁ ∈ [10⁻³λ_max, λ_max]`, `λ₂ ∈ [10⁻³, 10²]`.
pub fn hypergrad_landscape(task: &EnetTask, steps: usize, grid: usize) -> Result<Landscape> {
    if !(2..=400).contains(&grid) {
        return Err(Error::parameter(
            "hypergradient landscape: grid points per axis",
            grid,
            "at least 2 and at most 400",
        ));
    }
    let cd = CdOptions {
        tol: 1e-10,
        ..CdOptions::default()
    };
    let opts = TuneOptions {
        steps,
        ..TuneOptions::default()
    };
    let path = tune_enet(
        &task.problem,
        &task.loss,
        task.start,
        &cd,
        RestrictedSolver::Auto,
        &opts,
    )?;
    let lmax = task.problem.lambda_max();
    if !(lmax > 0.0) {
        return Err(Error::OutsideDomain {
            context: format!(
                "hypergradient landscape: the grid is spaced in log λ₁ up to log λ_max, but \
                 λ_max = {lmax} (the response is orthogonal to the design)"
            ),
        });
    }
    let span = |lo: f64, hi: f64, values: &mut dyn Iterator<Item = f64>| -> (f64, f64) {
        let (mut a, mut b) = (lo, hi);
        for v in values {
            a = a.min(v - 0.25);
            b = b.max(v + 0.25);
        }
        (a, b)
    };
    let (a1, b1) = span(
        (lmax * 1e-3).log10(),
        lmax.log10(),
        &mut path.iter().map(|s| s.lambda[0].log10()),
    );
    let (a2, b2) = span(-3.0, 2.0, &mut path.iter().map(|s| s.lambda[1].log10()));
    let axis = |a: f64, b: f64| -> Vec<f64> {
        (0..grid)
            .map(|k| a + (b - a) * k as f64 / (grid - 1) as f64)
            .collect()
    };
    let (log_l1, log_l2) = (axis(a1, b1), axis(a2, b2));
    let (_, p) = task.problem.dims();
    let mut loss = Vec::with_capacity(grid);
    // Warm starts along each row (λ₁ increasing at fixed λ₂).
    for &g2 in &log_l2 {
        let mut warm = vec![0.0; p];
        let mut row = Vec::with_capacity(grid);
        for &g1 in &log_l1 {
            let lam = [10f64.powf(g1), 10f64.powf(g2)];
            let sol = task.problem.solve(lam[0], lam[1], Some(&warm), &cd)?;
            row.push(task.loss.value(&sol.w, &lam)?);
            warm = sol.w;
        }
        loss.push(row);
    }
    Ok(Landscape {
        log_l1,
        log_l2,
        loss,
        path,
    })
}

/// The `hypergrad-path` chart: `log₁₀` of the validation loss as a heat map over
/// `(log₁₀ λ₁, log₁₀ λ₂)`, the descent path on it.
pub fn hypergrad_chart(land: &Landscape, description: &str) -> PathChart {
    let first = land.path.first().map_or(f64::NAN, |s| s.loss);
    let last = land.path.last().map_or(f64::NAN, |s| s.loss);
    PathChart {
        title: format!("Hypergradient descent on {description}"),
        x_label: "log₁₀ λ₁".into(),
        y_label: "log₁₀ λ₂".into(),
        grid_x: land.log_l1.clone(),
        grid_y: land.log_l2.clone(),
        z: land
            .loss
            .iter()
            .map(|r| r.iter().map(|v| v.log10()).collect())
            .collect(),
        z_label: "log₁₀ validation loss".into(),
        path: land
            .path
            .iter()
            .map(|s| (s.lambda[0].log10(), s.lambda[1].log10()))
            .collect(),
        path_label: format!(
            "descent on log λ: {} steps, loss {} → {}",
            land.path.len().saturating_sub(1),
            short(first),
            short(last)
        ),
    }
}

/// Four significant digits.
fn short(v: f64) -> String {
    format!("{v:.4}")
}
