//! Contraction certificates at scale (level 2, verified floating point): an elastic-net
//! forward–backward map with a Gaussian `2p × p` design and a ReLU layer with a Gaussian
//! `p × p` weight (scaled to `‖W‖₂ ≈ 0.9`), for `p = 100, 300, 1000` (or the sizes given
//! as arguments). For each: the time to find the certificate (f64 Gram product and
//! eigenvalues, then level 2's check inside the finder), the time of a separate re-check
//! of the written certificate, and the gap `ρ/estimate − 1` to the f64 optimum.
//!
//! ```text
//! cargo run --release --example certify_scale [-- 100 300 1000]
//! ```

use piggyback::certify::level2::{certify_level2, Placement};
use piggyback::io::problem::Problem;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::path::Path;
use std::time::Instant;

fn npy(path: &Path, rows: usize, cols: usize, col_major: &[f64]) {
    let m = piggyback::Matrix::from_col_major(rows, cols, col_major.to_vec()).expect("shape");
    piggyback::io::npy::write(path, &m).expect("write .npy");
}

fn gaussian(rng: &mut ChaCha8Rng, k: usize, scale: f64) -> Vec<f64> {
    (0..k)
        .map(|_| scale * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, rng))
        .collect()
}

fn run(dir: &Path, name: &str, problem_json: &str) {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, problem_json).expect("write problem");
    let problem = Problem::read(&path).expect("read problem");
    let place = Placement {
        dir: dir.to_path_buf(),
        stem: name.to_string(),
        force: true,
    };
    let t = Instant::now();
    let c = certify_level2(&problem, Some(&place)).expect("level 2 certificate");
    let total = t.elapsed().as_secs_f64();
    let text = piggyback_kernel_fp::format::to_json(&c.certificate);
    std::fs::write(dir.join(format!("{name}.cert.json")), &text).expect("write certificate");
    let t = Instant::now();
    let v = piggyback_kernel_fp::check_json(&text, dir).expect("re-check");
    let recheck = t.elapsed().as_secs_f64();
    println!(
        "{name:>14}: find {:.2} s (f64 {:.2} s + level-2 check {:.2} s), re-check {recheck:.2} s; \
         ρ = {} , f64 optimum {:.12}, ρ/optimum − 1 = {:.2e}; contraction: {}",
        total,
        c.find_seconds,
        c.check_seconds,
        piggyback::certify::num_text(&c.rho),
        c.estimate,
        c.relative_gap(),
        v.verdict.is_contraction()
    );
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 300, 1000]
    } else {
        sizes
    };
    let dir = std::env::temp_dir().join(format!("piggyback-certify-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for p in sizes {
        let n = 2 * p;
        npy(
            &dir.join(format!("enet{p}_x.npy")),
            n,
            p,
            &gaussian(&mut rng, n * p, 1.0),
        );
        npy(
            &dir.join(format!("enet{p}_y.npy")),
            n,
            1,
            &gaussian(&mut rng, n, 1.0),
        );
        run(
            &dir,
            &format!("enet{p}"),
            &format!(
                r#"{{"piggyback_problem": 1, "map": {{"kind": "elastic_net", "design": {{"npy": "enet{p}_x.npy"}},
                    "response": {{"npy": "enet{p}_y.npy"}}}}, "theta": ["1/10", "1/100"]}}"#
            ),
        );
        let scale = 0.9 / (2.0 * (p as f64).sqrt());
        npy(
            &dir.join(format!("relu{p}_w.npy")),
            p,
            p,
            &gaussian(&mut rng, p * p, scale),
        );
        run(
            &dir,
            &format!("relu{p}"),
            &format!(
                r#"{{"piggyback_problem": 1, "map": {{"kind": "relu_layer", "w": {{"npy": "relu{p}_w.npy"}}}}, "theta": []}}"#
            ),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
