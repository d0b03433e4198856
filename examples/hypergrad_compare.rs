//! Time piggyback's elastic-net hypergradient engines on the problem written by
//! `scripts/compare_python.py` (or on a synthetic one), printing one JSON line per engine.
//!
//! Problem: `min_w 1/(2n)‖Xw − y‖² + λ₁‖w‖₁ + (λ₂/2)‖w‖²`, validation loss
//! `‖X_v w − y_v‖²/(2 n_v)`, hypergradient `∂L/∂(λ₁, λ₂)`.
//!
//! ```text
//! cargo run --release --example hypergrad_compare -- DIR        # X.npy y.npy Xv.npy yv.npy lambda.npy
//! cargo run --release --example hypergrad_compare -- --synthetic 2000 5000 [--fast-only | --auto-only] [--repeats N]
//! ```
//! `--auto-only` times only the default fast path (`RestrictedSolver::Auto`) and its
//! parts; `--fast-only` adds the Cholesky and CG variants; otherwise the full-space
//! engines follow.
//! ```text
//! ```

use piggyback::diff::aid::{self, GmresOptions};
use piggyback::diff::enet::{CdOptions, Enet, RestrictedSolver};
use piggyback::diff::fixed_point::solve_fixed_point;
use piggyback::diff::hypergrad::{OuterLoss, SquaredError};
use piggyback::diff::IterOptions;
use piggyback::linalg::norms::Norm;
use piggyback::linalg::Matrix;
use piggyback::maps::design::Design;
use piggyback::maps::forward_backward::{ForwardBackward, Penalty, StepRule};
use piggyback::maps::FixedPointMap;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::Instant;

struct Problem {
    x: Matrix<f64>,
    y: Vec<f64>,
    xv: Matrix<f64>,
    yv: Vec<f64>,
    l1: f64,
    l2: f64,
}

fn load(dir: &Path) -> piggyback::Result<Problem> {
    let rd = |f: &str| piggyback::io::npy::read_matrix_f64(&dir.join(f));
    let lam = rd("lambda.npy")?.into_vec();
    Ok(Problem {
        x: rd("X.npy")?,
        y: rd("y.npy")?.into_vec(),
        xv: rd("Xv.npy")?,
        yv: rd("yv.npy")?.into_vec(),
        l1: lam[0],
        l2: lam[1],
    })
}

/// Dense Gaussian design, 10% informative features, `λ₁ = 0.1 λ_max`, `λ₂ = 0.01 λ_max`.
fn synthetic(n: usize, p: usize, seed: u64) -> Problem {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
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
    let lmax = x
        .tr_mul_vec(&y)
        .unwrap()
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        / n as f64;
    Problem {
        x,
        y,
        xv,
        yv,
        l1: 0.1 * lmax,
        l2: 0.01 * lmax,
    }
}

fn best_of<T>(repeats: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeats {
        let t = Instant::now();
        let o = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(o);
    }
    (best, out.expect("repeats >= 1"))
}

fn emit(engine: &str, seconds: f64, g: &[f64]) {
    println!("{{\"engine\": \"{engine}\", \"seconds\": {seconds:.6e}, \"hypergrad\": [{:.12e}, {:.12e}]}}", g[0], g[1]);
}

/// The f64 path followed by its proof (`certify::enet_proof`): times of both, what was
/// proved, and the proven enclosure of the hypergradient.
fn prove(enet: &Enet, pb: &Problem, cd: &CdOptions, repeats: usize) -> piggyback::Result<()> {
    use piggyback::certify::enet_proof::{solve_and_prove, SolveOptions};
    use piggyback::linalg::vfp::DataRadius;
    let point = |v: f64| inari::Interval::try_from((v, v)).expect("finite");
    let opts = SolveOptions {
        cd: cd.clone(),
        ..Default::default()
    };
    let mut runs = Vec::new();
    for _ in 0..repeats.max(1) {
        runs.push(solve_and_prove(
            enet,
            DataRadius::EXACT,
            point(pb.l1),
            point(pb.l2),
            None,
            &opts,
        )?);
    }
    let med = |f: &dyn Fn(&piggyback::certify::enet_proof::ProvenSolve) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ts, tp) = (med(&|r| r.solve_seconds), med(&|r| r.proof_seconds));
    let r = runs.last().expect("repeats >= 1");
    eprintln!(
        "  solve_and_prove ({} runs, median): f64 solve + derivative {ts:.4e} s, proof {tp:.4e} s, ratio {:.2}",
        runs.len(),
        tp / ts
    );
    match &r.proof {
        Ok(p) => {
            // The validation gradient enclosed over the proven box, then the hypergradient.
            let (nv, _) = pb.xv.shape();
            let v = p
                .squared_error_gradient(pb.xv.as_slice(), nv, &pb.yv, DataRadius::EXACT)
                .map_err(|e| piggyback::Error::CouldNotVerify {
                    reason: e.to_string(),
                })?;
            let hg = p
                .hypergradients(&v)
                .map_err(|e| piggyback::Error::CouldNotVerify {
                    reason: e.to_string(),
                })?;
            eprintln!(
                "  PROVED: |S| = {}, undecided = {}, radius {:.2e}, curvature {:.3e} ({}), KKT residual {:.2e}, min margin {:.2e}, f64 derivative within {:.2e}",
                p.support.len(),
                p.undecided.len(),
                p.radius,
                p.curvature,
                p.curvature_method,
                p.kkt_residual,
                p.min_margin,
                r.error_bound.unwrap_or(f64::NAN)
            );
            eprintln!(
                "  proven: dL/dλ₁ ∈ [{:.12e}, {:.12e}]",
                hg[0][0].inf(),
                hg[0][0].sup()
            );
        }
        Err(f) => eprintln!("  NOT PROVED: {f}"),
    }
    Ok(())
}

/// Write `X.npy`, `y.npy` and `problem.json` (an `elastic_net` problem in docs/mathematics.md's
/// scaling `½‖Xw − y‖² + nλ₁‖w‖₁ + (nλ₂/2)‖w‖²`, the same minimiser) for `piggyback solve`.
fn write_problem(dir: &Path, pb: &Problem) -> piggyback::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| piggyback::Error::io("create", dir.display(), &e))?;
    let n = pb.x.rows() as f64;
    piggyback::io::npy::write(&dir.join("X.npy"), &pb.x)?;
    piggyback::io::npy::write(&dir.join("y.npy"), &Matrix::column_vector(&pb.y))?;
    let json = format!(
        "{{\n  \"piggyback_problem\": 1,\n  \"name\": \"elastic net {}x{} (hypergrad_compare)\",\n  \"map\": {{ \"kind\": \"elastic_net\", \"design\": {{ \"npy\": \"X.npy\" }}, \"response\": {{ \"npy\": \"y.npy\" }} }},\n  \"theta\": [\"{:?}\", \"{:?}\"]\n}}\n",
        pb.x.rows(),
        pb.x.cols(),
        n * pb.l1,
        n * pb.l2
    );
    std::fs::write(dir.join("problem.json"), json)
        .map_err(|e| piggyback::Error::io("write", dir.join("problem.json").display(), &e))
}

fn main() -> piggyback::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pb = if args.first().map(String::as_str) == Some("--synthetic") {
        let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(500);
        let p = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
        synthetic(n, p, 0)
    } else {
        load(Path::new(args.first().map(String::as_str).unwrap_or(".")))?
    };
    let fast_only = args.iter().any(|a| a == "--fast-only");
    let auto_only = args.iter().any(|a| a == "--auto-only");
    let (n, p) = pb.x.shape();
    let loss = SquaredError::new(pb.xv.clone(), pb.yv.clone())?;
    let enet = Enet::new(pb.x.clone(), pb.y.clone(), 1.0 / n as f64)?;
    let cd = CdOptions {
        tol: 1e-10,
        ..Default::default()
    };
    let repeats = args
        .iter()
        .position(|a| a == "--repeats")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if n * p > 1_000_000 { 3 } else { 20 });

    // Fast path: working-set CD from zero + restricted implicit formula on the support
    // (the validation gradient is only needed there: v_S).
    let fast = |solver: RestrictedSolver| {
        let sol = enet.solve(pb.l1, pb.l2, None, &cd).expect("CD");
        let vs = loss.grad_x_on(&sol.w, &[], &sol.kkt.support).expect("grad");
        let hg = enet
            .hypergradient_on(&sol, pb.l2, &vs, solver)
            .expect("restricted solve");
        (hg, sol)
    };
    let (t_fast, (hg, sol)) = best_of(repeats, || fast(RestrictedSolver::Auto));
    eprintln!(
        "(n, p) = ({n}, {p}): |S| = {}, |E| = {}, single-valued = {}, gap = {:.2e}, outer = {}, epochs = {}, screened = {}, restricted iterations = {}, work: {} CD column visits + {} gradient columns (one pass = {p})",
        sol.kkt.support.len(),
        sol.kkt.equicorrelation.len(),
        sol.kkt.single_valued,
        sol.gap,
        sol.outer_iterations,
        sol.epochs,
        sol.screened,
        hg.iterations,
        sol.work.column_visits,
        sol.work.gradient_columns,
    );
    emit("cd+restricted", t_fast, &hg.grad);
    let (t_solve, _) = best_of(repeats, || enet.solve(pb.l1, pb.l2, None, &cd).expect("CD"));
    let (t_grad, vs) = best_of(repeats, || {
        loss.grad_x_on(&sol.w, &[], &sol.kkt.support).expect("grad")
    });
    let (t_rs, _) = best_of(repeats, || {
        enet.hypergradient_on(&sol, pb.l2, &vs, RestrictedSolver::Auto)
            .expect("restricted")
    });
    eprintln!(
        "  of which CD solve {t_solve:.4e} s, v_S {t_grad:.4e} s, restricted solve {t_rs:.4e} s"
    );
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--write-problem")
        .and_then(|i| args.get(i + 1))
    {
        write_problem(Path::new(dir), &pb)?;
    }
    if args.iter().any(|a| a == "--prove") {
        prove(&enet, &pb, &cd, repeats)?;
    }
    if auto_only {
        return Ok(());
    }
    for (name, solver) in [
        ("cd+restricted-cholesky", RestrictedSolver::Cholesky),
        (
            "cd+restricted-cg",
            RestrictedSolver::ConjugateGradient {
                rel_tol: 1e-12,
                max_iter: 10_000,
            },
        ),
    ] {
        let (t, (hg, _)) = best_of(repeats, || fast(solver));
        emit(name, t, &hg.grad);
    }
    if fast_only {
        return Ok(());
    }
    // Full-space engines on the forward–backward map, 1/(2n) scaling folded into the data.
    let sq = (n as f64).sqrt();
    let xs = pb.x.scale(&(1.0 / sq));
    let ys: Vec<f64> = pb.y.iter().map(|v| v / sq).collect();
    let map = ForwardBackward::new(
        Design::Dense(xs),
        ys,
        Penalty::ElasticNet,
        StepRule::InverseLipschitz,
    )?;
    let theta = [pb.l1, pb.l2];
    let runs = if n * p > 1_000_000 { 1 } else { 5 };
    // ISTA 500 + AID-FP 500 (the NumPy baseline's algorithm).
    let (t, g) = best_of(runs, || {
        // 500 fused steps in one workspace (no allocation per step).
        let w = solve_fixed_point(
            &map,
            &vec![0.0; p],
            &theta,
            &IterOptions::fixed(500),
            Norm::Two,
        )
        .expect("ISTA")
        .x;
        let v = loss.grad_x(&w, &[]).expect("grad");
        let mut lin = map.linearize(&w, &theta).expect("linearize");
        aid::fp_adjoint(lin.as_mut(), &v, &IterOptions::fixed(500))
            .expect("aid-fp")
            .derivative
            .theta_bar
    });
    emit("ista500+aid-fp500", t, &g);
    // CD solve + full-space AID by GMRES (no support restriction).
    let (t, g) = best_of(runs, || {
        let sol = enet.solve(pb.l1, pb.l2, None, &cd).expect("CD");
        let v = loss.grad_x(&sol.w, &[]).expect("grad");
        let mut lin = map.linearize(&sol.w, &theta).expect("linearize");
        aid::gmres_adjoint(
            lin.as_mut(),
            &v,
            &GmresOptions {
                rel_tol: 1e-10,
                ..Default::default()
            },
        )
        .expect("gmres")
        .derivative
        .theta_bar
    });
    emit("cd+aid-gmres", t, &g);
    Ok(())
}
