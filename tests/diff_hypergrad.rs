//! Hypergradients: the fast elastic-net path, every engine, finite differences, outer loops.

mod diff_common;

use piggyback::diff::aid::GmresOptions;
use piggyback::diff::enet::{CdOptions, Enet, RestrictedSolver};
use piggyback::diff::fixed_point::solve_fixed_point;
use piggyback::diff::hypergrad::{
    self, CrossEntropy, Engine, OuterLoss, SquaredError, TuneOptions,
};
use piggyback::diff::itd::Checkpointing;
use piggyback::diff::IterOptions;
use piggyback::linalg::norms::Norm;
use piggyback::linalg::Matrix;
use piggyback::maps::design::Design;
use piggyback::maps::forward_backward::{ForwardBackward, Penalty, StepRule};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

struct Data {
    x: Matrix<f64>,
    y: Vec<f64>,
    xv: Matrix<f64>,
    yv: Vec<f64>,
}

fn data(n: usize, p: usize, seed: u64) -> Data {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut g = || -> f64 { rng.sample(StandardNormal) };
    let x = Matrix::from_fn(n, p, |_, _| g());
    let xv = Matrix::from_fn(n, p, |_, _| g());
    let k = (p / 5).max(1);
    let w: Vec<f64> = (0..p).map(|j| if j < k { g() } else { 0.0 }).collect();
    let y: Vec<f64> = x
        .mul_vec(&w)
        .unwrap()
        .into_iter()
        .map(|v| v + 0.1 * g())
        .collect();
    let yv: Vec<f64> = xv
        .mul_vec(&w)
        .unwrap()
        .into_iter()
        .map(|v| v + 0.1 * g())
        .collect();
    Data { x, y, xv, yv }
}

fn tight() -> CdOptions {
    CdOptions {
        tol: 1e-14,
        ..Default::default()
    }
}

#[test]
fn observed_cd_reports_each_outer_iteration_and_changes_nothing() {
    let (a, b, _, _) = diff_common::lasso_instance::<f64>((1, 2));
    let e = Enet::new(a, b, 1.0).unwrap();
    let plain = e.solve(1.0, 0.0, None, &tight()).unwrap();
    let mut seen = Vec::new();
    let sol = e
        .solve_observed(1.0, 0.0, None, &tight(), &mut |k, g| seen.push((k, g)))
        .unwrap();
    assert_eq!(sol.w, plain.w);
    // One report per outer iteration (counted from 0 in the solution), k = 1, 2, …;
    // the gap relative to its target is above 1 until the last, which stops.
    assert_eq!(seen.len(), sol.outer_iterations + 1);
    assert!(seen.iter().enumerate().all(|(i, &(k, _))| k == i + 1));
    let (last, rest) = seen.split_last().unwrap();
    assert!(last.1 <= 1.0, "{seen:?}");
    assert!(rest.iter().all(|&(_, g)| g > 1.0), "{seen:?}");
}

#[test]
fn cd_solves_the_exact_lasso_instance() {
    let (a, b, xhat, _) = diff_common::lasso_instance::<f64>((1, 2));
    let e = Enet::new(a, b, 1.0).unwrap();
    let sol = e.solve(1.0, 0.0, None, &tight()).unwrap();
    for (u, v) in sol.w.iter().zip(&xhat) {
        assert!((u - v).abs() < 1e-9, "{:?}", sol.w);
    }
    assert_eq!(sol.kkt.support, vec![0, 1]);
    assert!(sol.kkt.single_valued);
    let j = e.jacobian(&sol, 0.0, RestrictedSolver::Cholesky).unwrap();
    // Closed form (hand-derived in diff_common): ∂x̂/∂λ = (−1, 1, 0).
    assert!((j[(0, 0)] + 1.0).abs() < 1e-9 && (j[(1, 0)] - 1.0).abs() < 1e-9 && j[(2, 0)] == 0.0);
    // The degenerate instance: E = {0,1,2} ⊋ S = {0,1}; two conservative vertices.
    let (a, b, _, _) = diff_common::lasso_instance::<f64>((1, 1));
    let e = Enet::new(a, b, 1.0).unwrap();
    let sol = e.solve(1.0, 0.0, None, &tight()).unwrap();
    assert!(!sol.kkt.single_valued);
    assert_eq!(sol.kkt.equicorrelation, vec![0, 1, 2]);
    let verts = e
        .conservative_hypergradients(&sol, 0.0, &[1.0, 0.0, 0.0], 16)
        .unwrap();
    assert_eq!(verts.len(), 2);
    // Vertex q₂ = 0: v·J = J₀ = −1. Vertex q₂ = 1: −[(AᵀA)^{-1}(1, −1, 1)]₀ computed
    // independently by elimination on AᵀA = [[2,1,1],[1,2,1],[1,1,3]].
    let ata = Matrix::from_f64_rows(&[
        vec![2.0, 1.0, 1.0],
        vec![1.0, 2.0, 1.0],
        vec![1.0, 1.0, 3.0],
    ])
    .unwrap();
    let d = diff_common::ref_solve(&ata, &[1.0, -1.0, 1.0]);
    assert!((verts[0][0] + 1.0).abs() < 1e-9);
    assert!((verts[1][0] + d[0]).abs() < 1e-9, "{verts:?} vs {d:?}");
}

fn loss_at(e: &Enet, loss: &dyn OuterLoss, l1: f64, l2: f64) -> f64 {
    let sol = e.solve(l1, l2, None, &tight()).unwrap();
    loss.value(&sol.w, &[l1, l2]).unwrap()
}

#[test]
fn fast_path_hypergradients_match_central_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for trial in 0..4 {
        let d = data(40, 15, 100 + trial);
        let e = Enet::new(d.x.clone(), d.y.clone(), 1.0 / 40.0).unwrap();
        let lmax = e.lambda_max();
        let l1 = lmax * rng.gen_range(0.05..0.5);
        let l2 = lmax * rng.gen_range(0.01..0.2);
        let labels: Vec<f64> =
            d.yv.iter()
                .map(|v| if *v > 0.0 { 1.0 } else { 0.0 })
                .collect();
        let losses: Vec<Box<dyn OuterLoss>> = vec![
            Box::new(SquaredError::new(d.xv.clone(), d.yv.clone()).unwrap()),
            Box::new(CrossEntropy::new(d.xv.clone(), labels).unwrap()),
        ];
        for loss in &losses {
            let sol = e.solve(l1, l2, None, &tight()).unwrap();
            assert!(sol.kkt.single_valued, "random λ should not be a kink");
            let v = loss.grad_x(&sol.w, &[l1, l2]).unwrap();
            for solver in [
                RestrictedSolver::Cholesky,
                RestrictedSolver::ConjugateGradient {
                    rel_tol: 1e-13,
                    max_iter: 500,
                },
            ] {
                let hg = e.hypergradient(&sol, l2, &v, solver).unwrap();
                for (k, h) in [(0, 1e-6 * l1), (1, 1e-6 * l2)] {
                    let (mut lp, mut lm) = ([l1, l2], [l1, l2]);
                    lp[k] += h;
                    lm[k] -= h;
                    let fd = (loss_at(&e, loss.as_ref(), lp[0], lp[1])
                        - loss_at(&e, loss.as_ref(), lm[0], lm[1]))
                        / (2.0 * h);
                    let err = (fd - hg.grad[k]).abs();
                    assert!(
                        err <= 1e-5 * fd.abs().max(1e-3),
                        "trial {trial} k {k}: fd {fd} vs {}",
                        hg.grad[k]
                    );
                }
            }
        }
    }
}

#[test]
fn every_engine_agrees_with_the_fast_path() {
    let d = data(30, 10, 3);
    // docs/mathematics.md scaling (s = 1), the forward–backward map of `maps` with θ = (λ₁, λ₂).
    let e = Enet::new(d.x.clone(), d.y.clone(), 1.0).unwrap();
    let (l1, l2) = (0.2 * e.lambda_max(), 2.0);
    let loss = SquaredError::new(d.xv.clone(), d.yv.clone()).unwrap();
    let sol = e.solve(l1, l2, None, &tight()).unwrap();
    let v = loss.grad_x(&sol.w, &[l1, l2]).unwrap();
    let fast = e
        .hypergradient(&sol, l2, &v, RestrictedSolver::Cholesky)
        .unwrap();
    let map = ForwardBackward::new(
        Design::Dense(d.x.clone()),
        d.y.clone(),
        Penalty::ElasticNet,
        StepRule::InverseLipschitz,
    )
    .unwrap();
    let xbar = solve_fixed_point(
        &map,
        &sol.w,
        &[l1, l2],
        &IterOptions {
            tol: 1e-13,
            max_iter: 100_000,
            ..Default::default()
        },
        Norm::Two,
    )
    .unwrap()
    .x;
    let engines = [
        Engine::DenseSolve,
        Engine::AidFp(IterOptions {
            tol: 1e-13,
            max_iter: 100_000,
            ..Default::default()
        }),
        Engine::AidGmres(GmresOptions::default()),
        Engine::ItdReverse {
            iterations: 3000,
            checkpointing: Checkpointing::Every(50),
        },
    ];
    for eng in &engines {
        let hg = hypergrad::hypergradient(&map, &xbar, &[l1, l2], &loss, eng).unwrap();
        for k in 0..2 {
            assert!(
                (hg.grad[k] - fast.grad[k]).abs() < 1e-6 * fast.grad[k].abs().max(1e-3),
                "{eng:?}: {:?} vs {:?}",
                hg.grad,
                fast.grad
            );
        }
        assert!(hg.report.smooth, "{eng:?}");
    }
}

#[test]
fn outer_loops_decrease_the_validation_loss() {
    let d = data(60, 20, 11);
    let e = Enet::new(d.x.clone(), d.y.clone(), 1.0 / 60.0).unwrap();
    let loss = SquaredError::new(d.xv.clone(), d.yv.clone()).unwrap();
    let lmax = e.lambda_max();
    let hist = hypergrad::tune_enet(
        &e,
        &loss,
        [0.5 * lmax, 0.1 * lmax],
        &CdOptions::default(),
        RestrictedSolver::Auto,
        &TuneOptions {
            steps: 15,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(hist.len() > 3);
    assert!(
        hist.last().unwrap().loss < 0.5 * hist[0].loss,
        "{} -> {}",
        hist[0].loss,
        hist.last().unwrap().loss
    );
    for w in hist.windows(2) {
        assert!(w[1].loss <= w[0].loss);
    }
    // The same loop through the forward–backward map and AID-GMRES (s = 1 scaling).
    let e1 = Enet::new(d.x.clone(), d.y.clone(), 1.0).unwrap();
    let map = ForwardBackward::new(
        Design::Dense(d.x.clone()),
        d.y.clone(),
        Penalty::ElasticNet,
        StepRule::InverseLipschitz,
    )
    .unwrap();
    let lm = e1.lambda_max();
    let h2 = hypergrad::tune_with_engine(
        &map,
        &[0.0; 20],
        &[0.5 * lm, 0.1 * lm],
        &loss,
        &Engine::AidGmres(GmresOptions::default()),
        &IterOptions {
            tol: 1e-10,
            max_iter: 200_000,
            ..Default::default()
        },
        &TuneOptions {
            steps: 5,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(h2.last().unwrap().loss < h2[0].loss);
}

#[test]
fn outer_loop_tunes_the_lasso_with_lambda2_fixed_at_zero() {
    let d = data(60, 20, 12);
    let e = Enet::new(d.x.clone(), d.y.clone(), 1.0 / 60.0).unwrap();
    let loss = SquaredError::new(d.xv.clone(), d.yv.clone()).unwrap();
    let lmax = e.lambda_max();
    let opts = TuneOptions {
        steps: 10,
        tune: vec![true, false],
        ..Default::default()
    };
    let hist = hypergrad::tune_enet(
        &e,
        &loss,
        [0.5 * lmax, 0.0],
        &CdOptions::default(),
        RestrictedSolver::Auto,
        &opts,
    )
    .unwrap();
    assert!(hist.len() > 1);
    assert!(hist.last().unwrap().loss < hist[0].loss);
    for step in &hist {
        // λ₂ stays exactly 0 and its log-gradient λ₂·∂L/∂λ₂ is 0.
        assert_eq!(step.lambda[1], 0.0);
        assert_eq!(step.grad_log[1], 0.0);
    }
    // A tuned weight must be > 0 (it moves on log λ); a fixed one ≥ 0; NaN never.
    for (lambda0, tune) in [
        ([0.0, 0.1], vec![true, true]),
        ([0.1, 0.0], vec![true, true]),
        ([0.1, -1.0], vec![true, false]),
        ([f64::NAN, 0.1], vec![false, true]),
    ] {
        let r = hypergrad::tune_enet(
            &e,
            &loss,
            lambda0,
            &CdOptions::default(),
            RestrictedSolver::Auto,
            &TuneOptions {
                tune,
                ..opts.clone()
            },
        );
        assert!(
            matches!(r, Err(piggyback::Error::InvalidParameter { .. })),
            "{lambda0:?}: {r:?}"
        );
    }
}
