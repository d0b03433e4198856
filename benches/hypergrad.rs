//! Hypergradient of the elastic net per engine (issue 4): dense Gaussian design, 10%
//! informative features, `λ₁ = 0.1 λ_max`, `λ₂ = 0.01 λ_max`, objective
//! `1/(2n)‖Xw − y‖² + λ₁‖w‖₁ + (λ₂/2)‖w‖²`, validation loss `‖X_v w − y_v‖²/(2n)`.
//!
//! Engines: the fast path (working-set CD + restricted implicit formula, Cholesky or
//! CG), CD + full-space AID by GMRES, CD + AID-FP (adjoint), CD + ITD reverse (unrolled
//! from the solution), and ISTA 500 + AID-FP 500 (the NumPy baseline's algorithm); and
//! the verified-floating-point proof of the f64 solution (`proof`, issue 12: goal
//! proof / solve ≤ 5).
//! The (2000, 5000) group runs only the engines that finish in well under a second,
//! with `sample_size(10)`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use piggyback::certify::enet_proof::{self, EnetData, ProofOptions};
use piggyback::diff::aid::GmresOptions;
use piggyback::diff::enet::{CdOptions, Enet, RestrictedSolver};
use piggyback::diff::fixed_point::solve_fixed_point;
use piggyback::diff::hypergrad::{self, Engine, OuterLoss, SquaredError};
use piggyback::diff::itd::Checkpointing;
use piggyback::diff::IterOptions;
use piggyback::linalg::norms::Norm;
use piggyback::linalg::vfp::DataRadius;
use piggyback::linalg::Matrix;
use piggyback::maps::design::Design;
use piggyback::maps::forward_backward::{ForwardBackward, Penalty, StepRule};
use rand::{Rng, SeedableRng};

struct Problem {
    enet: Enet,
    map: ForwardBackward<f64>,
    loss: SquaredError,
    l1: f64,
    l2: f64,
    p: usize,
}

fn problem(n: usize, p: usize) -> Problem {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut g = || -> f64 { rng.sample(rand_distr::StandardNormal) };
    let x = Matrix::from_fn(n, p, |_, _| g());
    let xv = Matrix::from_fn(n, p, |_, _| g());
    let k = (p / 10).max(1);
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
    let enet = Enet::new(x.clone(), y.clone(), 1.0 / n as f64).unwrap();
    let lmax = enet.lambda_max();
    let sq = (n as f64).sqrt();
    let map = ForwardBackward::new(
        Design::Dense(x.scale(&(1.0 / sq))),
        y.iter().map(|v| v / sq).collect(),
        Penalty::ElasticNet,
        StepRule::InverseLipschitz,
    )
    .unwrap();
    Problem {
        enet,
        map,
        loss: SquaredError::new(xv, yv).unwrap(),
        l1: 0.1 * lmax,
        l2: 0.01 * lmax,
        p,
    }
}

fn cd() -> CdOptions {
    CdOptions {
        tol: 1e-10,
        ..Default::default()
    }
}

/// The fast path: CD, then the restricted formula with the validation gradient on the
/// support only.
fn fast(pb: &Problem, solver: RestrictedSolver) -> [f64; 2] {
    let sol = pb.enet.solve(pb.l1, pb.l2, None, &cd()).unwrap();
    let v = pb.loss.grad_x_on(&sol.w, &[], &sol.kkt.support).unwrap();
    pb.enet
        .hypergradient_on(&sol, pb.l2, &v, solver)
        .unwrap()
        .grad
}

/// The proof of the f64 solution (`certify::enet_proof`), candidate given.
fn prove(pb: &Problem, w: &[f64]) -> usize {
    let (n, p) = pb.enet.dims();
    let s = pb.enet.scale();
    let point = |v: f64| inari::Interval::try_from((v, v)).unwrap();
    let d = EnetData {
        n,
        p,
        x: pb.enet.design(),
        y: pb.enet.response(),
        data: DataRadius::EXACT,
        scale: point(s),
        lambda1: point(pb.l1),
        lambda2: point(pb.l2),
    };
    enet_proof::prove(&d, w, &ProofOptions::default())
        .unwrap()
        .support
        .len()
}

fn via_engine(pb: &Problem, engine: &Engine) -> Vec<f64> {
    let sol = pb.enet.solve(pb.l1, pb.l2, None, &cd()).unwrap();
    hypergrad::hypergradient(&pb.map, &sol.w, &[pb.l1, pb.l2], &pb.loss, engine)
        .unwrap()
        .grad
}

fn ista_aid_fp(pb: &Problem) -> Vec<f64> {
    let theta = [pb.l1, pb.l2];
    // 500 fused steps in one workspace (no allocation per step).
    let w = solve_fixed_point(
        &pb.map,
        &vec![0.0; pb.p],
        &theta,
        &IterOptions::fixed(500),
        Norm::Two,
    )
    .unwrap()
    .x;
    hypergrad::hypergradient(
        &pb.map,
        &w,
        &theta,
        &pb.loss,
        &Engine::AidFp(IterOptions::fixed(500)),
    )
    .unwrap()
    .grad
}

fn bench(c: &mut Criterion) {
    let small = problem(500, 100);
    let mut g = c.benchmark_group("enet_hypergradient_500x100");
    g.bench_function(BenchmarkId::new("cd+restricted", "cholesky"), |b| {
        b.iter(|| fast(&small, RestrictedSolver::Cholesky))
    });
    g.bench_function(BenchmarkId::new("cd+restricted", "cg"), |b| {
        b.iter(|| {
            fast(
                &small,
                RestrictedSolver::ConjugateGradient {
                    rel_tol: 1e-12,
                    max_iter: 10_000,
                },
            )
        })
    });
    g.bench_function("cd+aid-gmres", |b| {
        b.iter(|| via_engine(&small, &Engine::AidGmres(GmresOptions::default())))
    });
    g.bench_function("cd+aid-fp", |b| {
        b.iter(|| {
            via_engine(
                &small,
                &Engine::AidFp(IterOptions {
                    tol: 1e-10,
                    max_iter: 10_000,
                    ..Default::default()
                }),
            )
        })
    });
    g.bench_function("cd+itd-reverse-200", |b| {
        b.iter(|| {
            via_engine(
                &small,
                &Engine::ItdReverse {
                    iterations: 200,
                    checkpointing: Checkpointing::All,
                },
            )
        })
    });
    g.bench_function("ista500+aid-fp500", |b| b.iter(|| ista_aid_fp(&small)));
    let w_small = small.enet.solve(small.l1, small.l2, None, &cd()).unwrap().w;
    g.bench_function("proof", |b| b.iter(|| prove(&small, &w_small)));
    g.finish();

    let large = problem(2000, 5000);
    let mut g = c.benchmark_group("enet_hypergradient_2000x5000");
    g.sample_size(10);
    g.bench_function(BenchmarkId::new("cd+restricted", "auto"), |b| {
        b.iter(|| fast(&large, RestrictedSolver::Auto))
    });
    g.bench_function(BenchmarkId::new("cd+restricted", "cholesky"), |b| {
        b.iter(|| fast(&large, RestrictedSolver::Cholesky))
    });
    g.bench_function("cd+aid-gmres", |b| {
        b.iter(|| via_engine(&large, &Engine::AidGmres(GmresOptions::default())))
    });
    let w_large = large.enet.solve(large.l1, large.l2, None, &cd()).unwrap().w;
    g.bench_function("proof", |b| b.iter(|| prove(&large, &w_large)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
