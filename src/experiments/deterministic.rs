//! Figure 1 of the paper: ITD against AID on a synthetic elastic net, deterministic.
//!
//! The map is one step of iterative soft-thresholding (forward–backward) for
//! `(1/2n)‖Xw − y‖² + λ₁‖w‖₁ + (λ₂/2)‖w‖²`, written as `½‖Aw − b‖²` with
//! `A = X/√n`, `b = y/√n`, step `γ = 2/(L + μ + 2λ₂)` (`L`, `μ`: extreme eigenvalues of
//! `AᵀA`, as in appendix F.2). The hypergradient is the gradient of the validation loss
//! `‖X_val w − y_val‖²/(2 n_val)` with respect to `(λ₁, λ₂)`. For `t = 0, 1, …, T`, with
//! `x_t` the `t`-th iterate from `x₀ = 0` ("normal" mode of the paper's code):
//! - **ITD**: forward-mode derivative of `x_t` along the trajectory, `J_tᵀ∇L(x_t)`;
//! - **AID-FP**: `t` steps of `w ← A_tᵀw + ∇L(x_t)` from `0` at the linearization of
//!   `x_t`, then `B_tᵀw`;
//! - **AID-CG**: `t` conjugate-gradient steps on the active block of `(I − A_tᵀ)w = ∇L`,
//!   where it is symmetric positive definite ([`crate::diff::cg`]); GMRES on the full
//!   system if the selection at `x_t` has a tie (never observed in f64 here);
//! - **AID-GMRES**: `t` GMRES steps on the full, non-symmetric system.
//!
//! Errors are measured against (a) the paper's reference — AID-FP with `T_ref` steps at
//! the `T_ref`-th iterate — and (b) a proven enclosure of the true hypergradient set
//! ([`super::reference`]), which turns each curve into a band that contains the true
//! error.

use super::data::{sparse_regression, Regression, RegressionSpec};
use super::rates;
use super::reference::{enclose_enet_hypergradient, error_band, HypergradientEnclosure};
use super::Table;
use crate::diff::aid;
use crate::diff::cg::{aid_cg_restricted, CgOptions};
use crate::diff::hypergrad::{OuterLoss, SquaredError};
use crate::diff::itd::ItdForward;
use crate::diff::IterOptions;
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::maps::design::Design;
use crate::maps::forward_backward::{ForwardBackward, Penalty, StepRule};
use crate::maps::{FixedPointMap, Linearization};
use crate::plot::{Band, LegendAt, LineChart, LineStyle, RefLine, Scale, Series};

/// The methods of Figure 1, in plotting order.
pub const METHODS: [&str; 4] = ["ITD", "AID-FP", "AID-CG", "AID-GMRES"];

/// One run of Figure 1.
#[derive(Clone, Debug, PartialEq)]
pub struct Fig1Spec {
    /// The data.
    pub data: RegressionSpec,
    /// `(λ₁, λ₂)`.
    pub lambda: [f64; 2],
    /// Iterations `T`.
    pub iterations: usize,
    /// Length of the paper's reference run (iterates, then AID-FP steps).
    pub reference_iterations: usize,
    /// Evaluate every `t ≤ 50`, then every `stride`-th `t` (ITD still steps every `t`).
    pub stride: usize,
    /// Prove the reference (interval arithmetic).
    pub certify: bool,
}

impl Fig1Spec {
    /// The paper's two runs: `λ = (0.02, 0.002)` for 500 iterations and
    /// `λ = (0.002, 0.002)` for 1000, reference 10 000 iterations.
    pub fn paper(seed: u64) -> [Fig1Spec; 2] {
        let base = Fig1Spec {
            data: RegressionSpec::figure1(seed),
            lambda: [0.02, 0.002],
            iterations: 500,
            reference_iterations: 10_000,
            stride: 1,
            certify: true,
        };
        [
            base.clone(),
            Fig1Spec {
                lambda: [0.002, 0.002],
                iterations: 1000,
                ..base
            },
        ]
    }
}

/// A fitted rate next to the theory.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedRate {
    /// Method.
    pub method: String,
    /// Fitted `r` in `err ≈ C rᵗ` after support identification (`None`: too few points).
    pub rate: Option<f64>,
    /// Number of points fitted.
    pub points: usize,
}

/// What a run of Figure 1 produced.
#[derive(Clone, Debug)]
pub struct Fig1Result {
    /// The specification.
    pub spec: Fig1Spec,
    /// Per evaluated `t`: `t`, `support_ok` (1 if `supp x_t = supp x̄`), `x_err`
    /// (`‖x_t − x̄‖` against the reference point), then for each method `M`:
    /// `M_err` (against the best available reference: the certified box's midpoint,
    /// else the paper's), `M_paper` (against the paper's reference), `M_lo`, `M_hi`
    /// (proven bounds, empty when not certified).
    pub table: Table,
    /// The step `γ`.
    pub gamma: f64,
    /// Global contraction factor of the map (theory): `max(|1 − γL|, |1 − γμ|)/(1 + γλ₂)`.
    pub rho_global: f64,
    /// Local factor on the support `S` of the solution (theory after support
    /// identification): `max_i |1 − γ λ_i(A_SᵀA_S)|/(1 + γλ₂)`.
    pub rho_support: f64,
    /// `|S|`.
    pub support_size: usize,
    /// First `t` from which `supp x_t = S` for every later evaluated `t`.
    pub support_identified_at: Option<usize>,
    /// The proven reference, when the proof succeeded.
    pub certified: Option<HypergradientEnclosure>,
    /// Why the proof failed (when it did).
    pub certify_error: Option<String>,
    /// The paper's reference hypergradient.
    pub paper_reference: Vec<f64>,
    /// Proven bounds on the paper reference's own error (when certified).
    pub paper_reference_error: Option<(f64, f64)>,
    /// Fitted rates after support identification.
    pub fitted: Vec<FittedRate>,
    /// Times of AID-CG that fell back to GMRES (a tie in the selection).
    pub cg_fallbacks: usize,
    /// Wall-clock seconds of the run (without the proof) and of the proof.
    pub seconds: (f64, f64),
}

/// `z = x − γAᵀ(Ax − b)` and the active set `{i : |z_i| > γλ₁}` (the AD selection).
fn active_set(a: &Matrix<f64>, b: &[f64], gamma: f64, l1: f64, x: &[f64]) -> Result<Vec<usize>> {
    let mut r = a.mul_vec(x)?;
    for (ri, bi) in r.iter_mut().zip(b) {
        *ri -= bi;
    }
    let g = a.tr_mul_vec(&r)?;
    let tau = gamma * l1;
    Ok(x.iter()
        .zip(&g)
        .enumerate()
        .filter(|(_, (xi, gi))| (*xi - gamma * *gi).abs() > tau)
        .map(|(i, _)| i)
        .collect())
}

fn support_of(x: &[f64]) -> Vec<usize> {
    x.iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(i, _)| i)
        .collect()
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// AID by GMRES with a budget of `t` products: `(I − Aᵀ)w = v`, `θ̄ = Bᵀw`.
fn gmres_budget(lin: &mut dyn Linearization<f64>, v: &[f64], t: usize) -> Result<Vec<f64>> {
    let (n, m) = lin.dims();
    if t == 0 {
        return Ok(vec![0.0; m]);
    }
    let mut out = vec![0.0; n];
    let w = aid::gmres_fixed_budget(
        |x, o| {
            lin.at_mul_into(x, &mut out)?;
            for ((oi, xi), ai) in o.iter_mut().zip(x).zip(&out) {
                *oi = xi - ai;
            }
            Ok(())
        },
        v,
        t,
        n.max(1),
    )?
    .x;
    let mut tb = vec![0.0; m];
    lin.bt_mul_into(&w, &mut tb)?;
    Ok(tb)
}

/// Hypergradient `Jᵀv` from a forward-mode Jacobian `J` (`n × m`).
fn jt_v(j: &Matrix<f64>, v: &[f64]) -> Vec<f64> {
    (0..j.cols())
        .map(|c| j.column(c).iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

/// The evaluation grid: every `t ≤ 50`, then every `stride`-th, and `T`.
fn grid(t_max: usize, stride: usize) -> Vec<usize> {
    let s = stride.max(1);
    let mut g: Vec<usize> = (0..=t_max).filter(|&t| t <= 50 || t % s == 0).collect();
    if g.last() != Some(&t_max) {
        g.push(t_max);
    }
    g
}

/// The scaled problem `(A, b) = (X/√n, y/√n)`.
fn scaled(data: &Regression) -> (Matrix<f64>, Vec<f64>) {
    let n = data.x_train.rows() as f64;
    let s = 1.0 / n.sqrt();
    (
        data.x_train.scale(&s),
        data.y_train.iter().map(|v| v * s).collect(),
    )
}

/// Run one panel of Figure 1.
pub fn run_figure1(spec: &Fig1Spec) -> Result<Fig1Result> {
    if !(spec.lambda[0] > 0.0 && spec.lambda[1] >= 0.0) {
        return Err(Error::parameter(
            "Figure 1: (λ₁, λ₂)",
            format!("{:?}", spec.lambda),
            "λ₁ > 0 and λ₂ ≥ 0",
        ));
    }
    let start = std::time::Instant::now();
    let data = sparse_regression(&spec.data)?;
    let (a, b) = scaled(&data);
    let p = a.cols();
    let spectral = Design::Dense(a.clone()).spectral_estimate();
    let (l1, l2) = (spec.lambda[0], spec.lambda[1]);
    let gamma = 2.0 / (spectral.l + spectral.mu + 2.0 * l2);
    let map = ForwardBackward::new(
        Design::Dense(a.clone()),
        b.clone(),
        Penalty::ElasticNet,
        StepRule::Given(gamma),
    )?;
    let theta = [l1, l2];
    let loss = SquaredError::new(data.x_val.clone(), data.y_val.clone())?;
    let c = 1.0 / (1.0 + gamma * l2);
    let rho_global = c
        * (1.0 - gamma * spectral.mu)
            .abs()
            .max((1.0 - gamma * spectral.l).abs());

    // The paper's reference: T_ref iterates, then T_ref AID-FP steps there.
    let mut x_ref = vec![0.0; p];
    for _ in 0..spec.reference_iterations {
        x_ref = map.apply(&x_ref, &theta)?;
    }
    let v_ref = loss.grad_x(&x_ref, &theta)?;
    let mut lin_ref = map.linearize(&x_ref, &theta)?;
    let paper_reference = aid::fp_adjoint(
        lin_ref.as_mut(),
        &v_ref,
        &IterOptions::fixed(spec.reference_iterations),
    )?
    .derivative
    .theta_bar;
    drop(lin_ref);

    // The proven reference.
    let proof_start = std::time::Instant::now();
    let (certified, certify_error) = if spec.certify {
        match enclose_enet_hypergradient(
            &a,
            &b,
            gamma,
            spec.lambda,
            &data.x_val,
            &data.y_val,
            &x_ref,
        ) {
            Ok(e) => (Some(e), None),
            Err(e) => (None, Some(e.to_string())),
        }
    } else {
        (None, None)
    };
    let proof_seconds = proof_start.elapsed().as_secs_f64();
    let h_best: Vec<f64> = certified
        .as_ref()
        .map_or(paper_reference.clone(), |e| e.midpoint());
    let x_best: Vec<f64> = certified
        .as_ref()
        .map_or(x_ref.clone(), |e| e.solution_midpoint());
    let support: Vec<usize> = certified
        .as_ref()
        .map_or_else(|| support_of(&x_ref), |e| e.support.clone());
    let paper_reference_error = certified
        .as_ref()
        .map(|e| error_band(&paper_reference, &e.h));

    // Local rate on the support (theory after identification).
    let rho_support = {
        let k = support.len();
        if k == 0 {
            0.0
        } else {
            let g = nalgebra::DMatrix::from_fn(k, k, |i, j| {
                (0..a.rows())
                    .map(|r| a[(r, support[i])] * a[(r, support[j])])
                    .sum::<f64>()
            });
            let ev = g.symmetric_eigenvalues();
            c * ev
                .iter()
                .map(|e| (1.0 - gamma * e).abs())
                .fold(0.0, f64::max)
        }
    };

    let mut cols = vec!["t".to_string(), "support_ok".into(), "x_err".into()];
    for m in METHODS {
        for suffix in ["err", "paper", "lo", "hi"] {
            cols.push(format!("{m}_{suffix}"));
        }
    }
    let mut table = Table {
        columns: cols,
        rows: vec![],
    };
    let mut itd = ItdForward::new(&map, &vec![0.0; p], &theta, Matrix::identity(2))?;
    let mut cg_fallbacks = 0;
    let eval = grid(spec.iterations, spec.stride);
    let mut next = 0;
    for t in 0..=spec.iterations {
        if eval.get(next) == Some(&t) {
            next += 1;
            let x = itd.x().to_vec();
            let v = loss.grad_x(&x, &theta)?;
            let mut lin = map.linearize(&x, &theta)?;
            let h_itd = jt_v(itd.derivative(), &v);
            let h_fp = aid::fp_adjoint(lin.as_mut(), &v, &IterOptions::fixed(t))?
                .derivative
                .theta_bar;
            let h_cg = if lin.is_smooth_point() {
                let act = active_set(&a, &b, gamma, l1, &x)?;
                let opts = CgOptions {
                    max_iter: t,
                    rel_tol: 0.0,
                };
                aid_cg_restricted(lin.as_mut(), &act, &v, &opts)?
                    .derivative
                    .theta_bar
            } else {
                cg_fallbacks += 1;
                gmres_budget(lin.as_mut(), &v, t)?
            };
            let h_gm = gmres_budget(lin.as_mut(), &v, t)?;
            let supp_ok = support_of(&x) == support;
            let mut row = vec![t as f64, f64::from(u8::from(supp_ok)), dist(&x, &x_best)];
            for h in [&h_itd, &h_fp, &h_cg, &h_gm] {
                let (lo, hi) = certified
                    .as_ref()
                    .map_or((f64::NAN, f64::NAN), |e| error_band(h, &e.h));
                row.extend([dist(h, &h_best), dist(h, &paper_reference), lo, hi]);
            }
            table.push(row)?;
        }
        if t < spec.iterations {
            itd.step()?;
        }
    }
    // Support identification: the first evaluated t after which supp x_t = S always.
    let ok = table.column("support_ok").unwrap_or_default();
    let ts = table.column("t").unwrap_or_default();
    let support_identified_at = (0..ok.len())
        .find(|&i| ok[i..].iter().all(|v| *v == 1.0))
        .map(|i| ts[i] as usize);
    // Fitted rates after identification, where the error is well above the reference's
    // resolution (band width or rounding).
    let hnorm = h_best.iter().map(|v| v * v).sum::<f64>().sqrt();
    let floor = 100.0
        * certified
            .as_ref()
            .map_or(0.0, |e| e.width())
            .max(1e-13 * hnorm.max(1e-300));
    let t0 = support_identified_at.unwrap_or(usize::MAX) as f64;
    let fitted = METHODS
        .iter()
        .map(|m| {
            let err = table.column(&format!("{m}_err")).unwrap_or_default();
            let (tt, ee): (Vec<f64>, Vec<f64>) = ts
                .iter()
                .zip(&err)
                .filter(|(t, e)| **t >= t0 && **e > floor)
                .map(|(t, e)| (*t, *e))
                .unzip();
            FittedRate {
                method: m.to_string(),
                rate: rates::linear_rate(&tt, &ee, 0.0, f64::INFINITY),
                points: tt.len(),
            }
        })
        .collect();
    Ok(Fig1Result {
        spec: spec.clone(),
        table,
        gamma,
        rho_global,
        rho_support,
        support_size: support.len(),
        support_identified_at,
        certified,
        certify_error,
        paper_reference,
        paper_reference_error,
        fitted,
        cg_fallbacks,
        seconds: (start.elapsed().as_secs_f64() - proof_seconds, proof_seconds),
    })
}

/// The chart of one run: error against `t` (log scale) for each method; proven bands
/// when certified (the line stops where the error falls below the proven box's width);
/// the support-identification time; `‖x_t − x*‖` dashed.
pub fn figure1_chart(res: &Fig1Result) -> LineChart {
    figure1_chart_of(res, &METHODS)
}

/// As [`figure1_chart`], with only the `methods` named (a subset of [`METHODS`]; each
/// keeps its colour).
pub fn figure1_chart_of(res: &Fig1Result, methods: &[&str]) -> LineChart {
    let [l1, l2] = res.spec.lambda;
    let mut c = LineChart::new(
        &format!("Elastic net, λ = ({l1}, {l2})"),
        "iteration t",
        "hypergradient error",
        Scale::Linear,
        Scale::Log,
    );
    let t = res.table.column("t").unwrap_or_default();
    let certified = res.certified.is_some();
    let resolution = res.certified.as_ref().map_or(0.0, |e| e.width());
    for (k, m) in METHODS.iter().enumerate() {
        if !methods.contains(m) {
            continue;
        }
        let err = res.table.column(&format!("{m}_err")).unwrap_or_default();
        if certified {
            let lo = res.table.column(&format!("{m}_lo")).unwrap_or_default();
            let hi = res.table.column(&format!("{m}_hi")).unwrap_or_default();
            c.bands.push(Band {
                label: None,
                x: t.clone(),
                lower: lo,
                upper: hi,
                color: k,
            });
        }
        c.series.push(Series {
            label: m.to_string(),
            // Below the proven box's width the distance to its midpoint says nothing:
            // the band (lower bound 0 there) is the whole claim.
            points: t
                .iter()
                .copied()
                .zip(err)
                .filter(|(_, e)| *e > resolution)
                .collect(),
            style: if k >= 2 {
                LineStyle::dashed(k)
            } else {
                LineStyle::solid(k)
            },
        });
    }
    let xerr = res.table.column("x_err").unwrap_or_default();
    c.series.push(Series {
        label: "‖x_t − x*‖".into(),
        points: t.iter().copied().zip(xerr).collect(),
        style: LineStyle::dashed(6),
    });
    if let Some(ts) = res.support_identified_at {
        c.vlines.push(RefLine {
            at: ts as f64,
            label: format!(" support identified (t = {ts})"),
            color: 6,
        });
    }
    if let Some((lo, hi)) = res.paper_reference_error {
        if hi > 0.0 {
            c.hlines.push(RefLine {
                at: hi,
                label: format!(" paper's reference is off by ≤ {hi:.1e} (≥ {lo:.1e})"),
                color: 7,
            });
        }
    }
    let all_lo = methods
        .iter()
        .flat_map(|m| res.table.column(&format!("{m}_err")).unwrap_or_default())
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    c.y_floor = Some(all_lo.max(1e-17) / 3.0);
    c.legend = LegendAt::UpperRight;
    c
}
