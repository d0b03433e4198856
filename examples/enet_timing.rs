//! The Rust side of the Python binding-overhead benchmark (`python/bench/overhead.py`):
//! the same elastic-net calls the Python package makes, on the same data, timed here
//! without Python. Prints one JSON object: the best time of each call in seconds.
//!
//! ```text
//! cargo run --release --example enet_timing -- DIR REPEATS   # DIR: X.npy y.npy Xv.npy yv.npy lambda.npy
//! ```

use piggyback::diff::enet::{CdOptions, Enet, RestrictedSolver};
use piggyback::diff::hypergrad::{self, OuterLoss, SquaredError, TuneOptions};
use piggyback::linalg::Matrix;
use std::path::Path;
use std::time::Instant;

/// Best wall time of `repeats` runs of `f` (seconds), and its last result.
fn best<T>(repeats: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut t_best = f64::INFINITY;
    let mut out = f();
    for _ in 0..repeats {
        let t = Instant::now();
        out = f();
        t_best = t_best.min(t.elapsed().as_secs_f64());
    }
    (t_best, out)
}

fn main() -> piggyback::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(repeats)) = (args.first(), args.get(1)) else {
        eprintln!("usage: enet_timing DIR REPEATS");
        std::process::exit(3);
    };
    let repeats: usize = repeats
        .parse()
        .map_err(|_| piggyback::Error::parameter("REPEATS", repeats, "a whole number"))?;
    let dir = Path::new(dir);
    let rd = |f: &str| piggyback::io::npy::read_matrix_f64(&dir.join(f));
    let (x, y) = (rd("X.npy")?, rd("y.npy")?.into_vec());
    let (xv, yv) = (rd("Xv.npy")?, rd("yv.npy")?.into_vec());
    let lam = rd("lambda.npy")?.into_vec();
    let (l1, l2) = (lam[0], lam[1]);
    let n = x.rows();
    let scale = 1.0 / n as f64;
    let cd = CdOptions {
        tol: 1e-10,
        ..CdOptions::default()
    };

    // `ElasticNet(X, y)`: the design is owned by the problem (a copy of the caller's).
    let (t_new, e) = best(repeats, || Enet::new(x.clone(), y.clone(), scale));
    let e = e?;
    let (t_solve, sol) = best(repeats, || e.solve(l1, l2, None, &cd));
    let sol = sol?;
    // `validation_hypergradient(sol, X_val, y_val)`: the loss owns a copy of X_val.
    let (t_hyper, hg) = best(repeats, || -> piggyback::Result<[f64; 2]> {
        let loss = SquaredError::new(xv.clone(), yv.clone())?;
        let v = loss.grad_x(&sol.w, &[l1, l2])?;
        let _ = loss.value(&sol.w, &[l1, l2])?;
        Ok(e.hypergradient(&sol, l2, &v, RestrictedSolver::Auto)?.grad)
    });
    let hg = hg?;
    let loss = SquaredError::new(xv.clone(), yv.clone())?;
    let opts = TuneOptions {
        steps: 10,
        ..TuneOptions::default()
    };
    let (t_tune, path) = best(repeats, || {
        hypergrad::tune_enet(&e, &loss, [l1, l2], &cd, RestrictedSolver::Auto, &opts)
    });
    let path = path?;
    let (t_jac, jac) = best(repeats, || e.jacobian(&sol, l2, RestrictedSolver::Auto));
    let _: Matrix<f64> = jac?;
    println!(
        "{{\"construct\": {t_new:e}, \"solve\": {t_solve:e}, \"validation_hypergradient\": {t_hyper:e}, \
         \"jacobian\": {t_jac:e}, \"tune\": {t_tune:e}, \"grad\": [{:e}, {:e}], \"tune_steps\": {}, \
         \"nnz\": {}}}",
        hg[0],
        hg[1],
        path.len(),
        sol.kkt.support.len()
    );
    Ok(())
}
