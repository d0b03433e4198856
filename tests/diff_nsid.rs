//! NSID on a synthetic elastic net: exact in the full-batch limit, MSE ~ 1/k with
//! decreasing steps (log-log slope fitted and printed).

use piggyback::diff::enet::{CdOptions, Enet, RestrictedSolver};
use piggyback::diff::hypergrad::{OuterLoss, SquaredError};
use piggyback::diff::nsid::{nsid, NsidOptions, StepPolicy, StochasticEnet};
use piggyback::linalg::Matrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

struct Setup {
    map: StochasticEnet,
    x: Vec<f64>,
    v: Vec<f64>,
    exact: [f64; 2],
    rho: f64,
    lambda: [f64; 2],
}

fn setup() -> Setup {
    let (n, p) = (80, 6);
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut g = || -> f64 { rng.sample(StandardNormal) };
    let a = Matrix::from_fn(n, p, |_, _| g());
    let av = Matrix::from_fn(n, p, |_, _| g());
    let wt = [1.5, -2.0, 0.0, 0.0, 0.7, 0.0];
    let y: Vec<f64> = a
        .mul_vec(&wt)
        .unwrap()
        .into_iter()
        .map(|v| v + 0.5 * g())
        .collect();
    let yv: Vec<f64> = av
        .mul_vec(&wt)
        .unwrap()
        .into_iter()
        .map(|v| v + 0.5 * g())
        .collect();
    let s = 1.0 / n as f64;
    let e = Enet::new(a.clone(), y.clone(), s).unwrap();
    let (l1, l2) = (0.1 * e.lambda_max(), 0.1);
    let sol = e
        .solve(
            l1,
            l2,
            None,
            &CdOptions {
                tol: 1e-15,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(sol.kkt.single_valued);
    let loss = SquaredError::new(av, yv).unwrap();
    let v = loss.grad_x(&sol.w, &[]).unwrap();
    let hg = e
        .hypergradient(&sol, l2, &v, RestrictedSolver::Cholesky)
        .unwrap();
    // Step γ = 1/(L + λ₂); contraction ρ = max |1 − γ(λᵢ(sAᵀA) + λ₂)| (f64 eigenvalues).
    let h = a.transpose().matmul(&a).unwrap().scale(&s).to_nalgebra();
    let eig = h.symmetric_eigenvalues();
    let (mu, lip) = (eig.min(), eig.max());
    let gamma = 1.0 / (lip + l2);
    let rho = (1.0 - gamma * (mu + l2))
        .abs()
        .max((1.0 - gamma * (lip + l2)).abs());
    Setup {
        map: StochasticEnet::new(a, y, s, gamma).unwrap(),
        x: sol.w,
        v,
        exact: hg.grad,
        rho,
        lambda: [l1, l2],
    }
}

fn err2(g: &[f64], e: &[f64; 2]) -> f64 {
    (g[0] - e[0]).powi(2) + (g[1] - e[1]).powi(2)
}

#[test]
fn full_batch_nsid_is_aid_fp_and_exact() {
    let s = setup();
    let opts = NsidOptions {
        iterations: 300,
        batch_size: 80,
        mean_batch: None,
        step: StepPolicy::Constant(1.0),
        seed: 1,
    };
    let out = nsid(&s.map, &s.x, &s.lambda, &s.v, &[0.0, 0.0], &opts).unwrap();
    assert!(
        err2(&out.grad, &s.exact).sqrt() < 1e-9 * (1.0 + s.exact[0].abs()),
        "{:?} vs {:?}",
        out.grad,
        s.exact
    );
    // Reproducible: same seed, same numbers.
    let o1 = nsid(
        &s.map,
        &s.x,
        &s.lambda,
        &s.v,
        &[0.0, 0.0],
        &NsidOptions {
            batch_size: 4,
            ..opts.clone()
        },
    )
    .unwrap();
    let o2 = nsid(
        &s.map,
        &s.x,
        &s.lambda,
        &s.v,
        &[0.0, 0.0],
        &NsidOptions {
            batch_size: 4,
            ..opts.clone()
        },
    )
    .unwrap();
    // (Everything but the wall-clock time.)
    assert_eq!((&o1.grad, &o1.w, o1.samples), (&o2.grad, &o2.w, o2.samples));
    assert_eq!(
        (o1.report.iterations, o1.report.residual, o1.report.smooth),
        (o2.report.iterations, o2.report.residual, o2.report.smooth)
    );
    // Bad inputs are typed errors.
    assert!(nsid(
        &s.map,
        &s.x,
        &s.lambda,
        &s.v,
        &[0.0, 0.0],
        &NsidOptions {
            batch_size: 0,
            ..opts.clone()
        }
    )
    .is_err());
    assert!(nsid(
        &s.map,
        &s.x,
        &s.lambda,
        &s.v,
        &[0.0, 0.0],
        &NsidOptions {
            step: StepPolicy::Constant(2.0),
            ..opts
        }
    )
    .is_err());
}

#[test]
fn nsid_mse_decays_like_one_over_k() {
    let s = setup();
    let a = 2.0 / (1.0 - s.rho);
    let ks = [40usize, 80, 160, 320, 640, 1280];
    let seeds = 40;
    let mut pts = vec![];
    for &k in &ks {
        let mut mse = 0.0;
        for seed in 0..seeds {
            let opts = NsidOptions {
                iterations: k,
                batch_size: 1,
                mean_batch: None,
                step: StepPolicy::Decreasing { a, b: a },
                seed,
            };
            let out = nsid(&s.map, &s.x, &s.lambda, &s.v, &[0.0, 0.0], &opts).unwrap();
            mse += err2(&out.grad, &s.exact);
        }
        pts.push(((k as f64).ln(), (mse / seeds as f64).ln()));
    }
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64;
    let slope = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
        / pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
    println!(
        "NSID: rho = {:.3}, a = {a:.2}, log-log MSE points {pts:?}, fitted slope {slope:.3}",
        s.rho
    );
    assert!(slope < -0.7 && slope > -1.5, "slope {slope}");
}
