//! ITD versus AID-FP on a synthetic elastic net, after Grazzi, Pontil & Salzo (ICML 2024),
//! first experiment: the hypergradient error after `t` inner steps
//! (ITD: `t` forward–backward steps differentiated forward; AID-FP: `t` steps to get
//! `x_t`, then `t` steps of `w ← Aᵀw + ∇L` with `[A, B]` frozen at `x_t`), against the
//! exact hypergradient of the support-restricted formula. Writes `t,itd,aid_fp` to a CSV
//! and prints the fitted linear rates `r` (error `≈ C rᵗ`).
//!
//! ```text
//! cargo run --release --example itd_vs_aid -- [out.csv] [T]
//! ```

use piggyback::diff::aid;
use piggyback::diff::enet::{CdOptions, Enet, RestrictedSolver};
use piggyback::diff::hypergrad::{OuterLoss, SquaredError};
use piggyback::diff::itd::ItdForward;
use piggyback::diff::IterOptions;
use piggyback::linalg::Matrix;
use piggyback::maps::design::Design;
use piggyback::maps::forward_backward::{ForwardBackward, Penalty, StepRule};
use piggyback::maps::FixedPointMap;
use rand::{Rng, SeedableRng};
use std::io::Write;

fn fit_rate(ts: &[f64], errs: &[f64]) -> f64 {
    let pts: Vec<(f64, f64)> = ts
        .iter()
        .zip(errs)
        .filter(|(_, e)| **e > 1e-11 && **e < 1e-3)
        .map(|(t, e)| (*t, e.ln()))
        .collect();
    if pts.len() < 2 {
        return f64::NAN;
    }
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64;
    let slope = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
        / pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
    slope.exp()
}

fn main() -> piggyback::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args
        .first()
        .cloned()
        .unwrap_or_else(|| "itd_vs_aid.csv".into());
    let horizon: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(600);
    let (n, p) = (100, 150);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut g = || -> f64 { rng.sample(rand_distr::StandardNormal) };
    let x = Matrix::from_fn(n, p, |_, _| g());
    let xv = Matrix::from_fn(n, p, |_, _| g());
    let w: Vec<f64> = (0..p).map(|j| if j < p / 10 { g() } else { 0.0 }).collect();
    let y: Vec<f64> = x.mul_vec(&w)?.into_iter().map(|v| v + 0.1 * g()).collect();
    let yv: Vec<f64> = xv.mul_vec(&w)?.into_iter().map(|v| v + 0.1 * g()).collect();
    let enet = Enet::new(x.clone(), y.clone(), 1.0 / n as f64)?;
    let (l1, l2) = (0.05 * enet.lambda_max(), 0.001 * enet.lambda_max());
    let theta = [l1, l2];
    let loss = SquaredError::new(xv, yv)?;
    // Ground truth: tight CD + restricted formula.
    let sol = enet.solve(
        l1,
        l2,
        None,
        &CdOptions {
            tol: 1e-16,
            ..Default::default()
        },
    )?;
    let exact = enet
        .hypergradient(
            &sol,
            l2,
            &loss.grad_x(&sol.w, &[])?,
            RestrictedSolver::Cholesky,
        )?
        .grad;
    eprintln!(
        "|S| = {}, single-valued = {}, exact hypergradient {exact:?}",
        sol.kkt.support.len(),
        sol.kkt.single_valued
    );
    let sq = (n as f64).sqrt();
    let map = ForwardBackward::new(
        Design::Dense(x.scale(&(1.0 / sq))),
        y.iter().map(|v| v / sq).collect(),
        Penalty::ElasticNet,
        StepRule::InverseLipschitz,
    )?;
    let err = |h: &[f64]| ((h[0] - exact[0]).powi(2) + (h[1] - exact[1]).powi(2)).sqrt();

    let mut itd = ItdForward::new(&map, &vec![0.0; p], &theta, Matrix::identity(2))?;
    let mut xs = vec![vec![0.0; p]];
    let mut rows = vec![];
    for t in 1..=horizon {
        itd.step()?;
        xs.push(itd.x().to_vec());
        let v = loss.grad_x(itd.x(), &[])?;
        let j = itd.derivative();
        let h_itd = [
            (0..p).map(|i| j[(i, 0)] * v[i]).sum::<f64>(),
            (0..p).map(|i| j[(i, 1)] * v[i]).sum::<f64>(),
        ];
        let mut lin = map.linearize(&xs[t], &theta)?;
        let h_aid = aid::fp_adjoint(lin.as_mut(), &v, &IterOptions::fixed(t))?
            .derivative
            .theta_bar;
        rows.push((t, err(&h_itd), err(&h_aid)));
    }
    let mut f =
        std::fs::File::create(&out).map_err(|e| piggyback::Error::io("create", &out, &e))?;
    writeln!(f, "t,itd,aid_fp").map_err(|e| piggyback::Error::io("write", &out, &e))?;
    for (t, a, b) in &rows {
        writeln!(f, "{t},{a:.6e},{b:.6e}").map_err(|e| piggyback::Error::io("write", &out, &e))?;
    }
    let ts: Vec<f64> = rows.iter().map(|r| r.0 as f64).collect();
    let r_itd = fit_rate(&ts, &rows.iter().map(|r| r.1).collect::<Vec<_>>());
    let r_aid = fit_rate(&ts, &rows.iter().map(|r| r.2).collect::<Vec<_>>());
    let ahead = rows.iter().filter(|r| r.2 <= r.1).count();
    println!(
        "wrote {out}: {} rows; contraction estimate {:.4}",
        rows.len(),
        map.contraction_estimate(l2)
    );
    println!("fitted rates (errors in (1e-11, 1e-3)): ITD r = {r_itd:.4}, AID-FP r = {r_aid:.4}; AID-FP error ≤ ITD error at {ahead}/{} t", rows.len());
    for t in [10, 50, 100, 200, 400, 800, horizon] {
        if let Some(r) = rows.get(t.saturating_sub(1)) {
            println!("  t = {:4}: ITD {:.3e}, AID-FP {:.3e}", r.0, r.1, r.2);
        }
    }
    Ok(())
}
