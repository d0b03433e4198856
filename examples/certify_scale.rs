//! Contraction certificates at scale (level 2, verified floating point): an elastic-net
//! forward–backward map with a Gaussian `2p × p` design and a ReLU layer with a Gaussian
//! `p × p` weight (scaled to `‖W‖₂ ≈ 0.9`), for `p = 100, 300, 1000` (or the sizes given
//! as arguments). For each: the time to find the certificate (f64 Gram product and
//! eigenvalues, then level 2's check inside the finder), the time of a separate re-check
//! of the written certificate, and the gap `ρ/estimate − 1` to the f64 optimum.
//!
//! It also bounds the true optimum from below, rigorously and independently of the
//! finder's eigenvalues: a Rayleigh quotient `‖Av‖²/‖v‖²` of an eigenvector `v`
//! (nalgebra's `SymmetricEigen`) lies in `[λ_min, λ_max]` of `AᵀA`, and is enclosed with
//! the verified floating-point products of `piggyback::linalg::vfp`. With level 2's
//! `ρ ≥ optimum`, `ρ/lower − 1` bounds the true relative gap.
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

/// A rigorous lower bound of `sup ‖A‖₂` over the family: `relu` (`‖W‖₂ ≥ ‖Wv‖/‖v‖`) or
/// forward–backward (`c·max|d − γλᵢ| ≥ c|d − γR|` for the Rayleigh quotient `R` of the
/// eigenvector of the binding side). `x` is the column-major `n × p` data.
fn lower_bound(x: &[f64], n: usize, p: usize, fb: Option<(f64, f64, f64)>) -> f64 {
    use piggyback::linalg::vfp::{self, gamma, DataRadius, MidRad, ETA};
    let a = nalgebra::DMatrix::from_column_slice(n, p, x);
    let eig = nalgebra::SymmetricEigen::new(a.tr_mul(&a));
    let (imin, imax) = (eig.eigenvalues.imin(), eig.eigenvalues.imax());
    // The side that binds: the largest eigenvalue for ReLU, else the larger of |d − γλ|.
    let top = match fb {
        None => true,
        Some((g, d, _)) => {
            (d - g * eig.eigenvalues[imax]).abs() >= (d - g * eig.eigenvalues[imin]).abs()
        }
    };
    let v: Vec<f64> = eig
        .eigenvectors
        .column(if top { imax } else { imin })
        .iter()
        .copied()
        .collect();
    let cols: Vec<usize> = (0..p).collect();
    let av = vfp::gemv(x, n, &cols, &MidRad::exact(&v), DataRadius::EXACT);
    // ‖Av‖² from below and above, ‖v‖² from below and above (sums of non-negative terms:
    // |ŝ − s| ≤ γ_m s + mη).
    let lo_sum = |terms: &mut dyn Iterator<Item = f64>, m: usize| {
        let s: f64 = terms.map(vfp::down).sum();
        vfp::down(vfp::down(s - m as f64 * ETA) / vfp::up(1.0 + gamma(m)))
    };
    let av_lo = lo_sum(
        &mut av
            .mid
            .iter()
            .zip(&av.rad)
            .map(|(m, r)| (vfp::down(m.abs() - r)).max(0.0).powi(2)),
        n,
    );
    let av_hi = vfp::norm2_upper(&av.abs_upper()).powi(2) * (1.0 + 4.0 * f64::EPSILON);
    let v_lo = lo_sum(&mut v.iter().map(|t| t * t), p);
    let v_hi = vfp::sum_upper(&v.iter().map(|t| vfp::up(t * t)).collect::<Vec<_>>());
    match fb {
        None => vfp::down((av_lo / v_hi).sqrt()) * (1.0 - 4.0 * f64::EPSILON),
        // (γ, d, c) are f64 images of exact rationals: widen by 10⁻¹² relative.
        Some((g, d, c)) => {
            let w = 1e-12;
            if top {
                c * (g * (av_lo / v_hi) - d).max(0.0) * (1.0 - w)
            } else {
                c * (d - g * (av_hi / v_lo)).max(0.0) * (1.0 - w)
            }
        }
    }
}

fn fb_constants(c: &piggyback::certify::level2::FpCertified) -> Option<(f64, f64, f64)> {
    use piggyback_kernel_fp::format::{FpMap, FpSubject};
    let (FpSubject::Map { problem } | FpSubject::Field { problem }) = &c.certificate.subject;
    let q = |t: &str| piggyback::scalar::parse_rational(t).expect("exact number");
    match &problem.map {
        FpMap::ElasticNet {
            step, splitting, ..
        } => {
            let (g, l2) = (q(step), q(&problem.theta[1]));
            let ridge = rug::Rational::from(&g * &l2);
            let (d, cc) = match splitting {
                piggyback_kernel::problem::Splitting::Prox => (
                    rug::Rational::from(1),
                    rug::Rational::from(1) / (ridge + 1u32),
                ),
                piggyback_kernel::problem::Splitting::Smooth => {
                    (rug::Rational::from(1) - ridge, rug::Rational::from(1))
                }
            };
            Some((g.to_f64(), d.to_f64(), cc.to_f64()))
        }
        FpMap::Lasso { step, .. } => Some((q(step).to_f64(), 1.0, 1.0)),
        FpMap::ReluLayer { .. } => None,
    }
}

fn run(dir: &Path, name: &str, problem_json: &str, data: (&[f64], usize, usize)) {
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
    let lower = lower_bound(data.0, data.1, data.2, fb_constants(&c));
    println!(
        "{name:>14}: find {:.2} s (f64 {:.2} s + level-2 check {:.2} s), re-check {recheck:.2} s; \
         ρ = {}, f64 optimum {:.12}, ρ/optimum − 1 = {:.2e}; proven: optimum ≥ {:.12}, \
         so ρ/(true optimum) − 1 ≤ {:.2e}; contraction: {}",
        total,
        c.find_seconds,
        c.check_seconds,
        piggyback::certify::num_text(&c.rho),
        c.estimate,
        c.relative_gap(),
        lower,
        c.rho.to_f64() / lower - 1.0,
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
        let x = gaussian(&mut rng, n * p, 1.0);
        npy(&dir.join(format!("enet{p}_x.npy")), n, p, &x);
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
            (&x, n, p),
        );
        let scale = 0.9 / (2.0 * (p as f64).sqrt());
        let w = gaussian(&mut rng, p * p, scale);
        npy(&dir.join(format!("relu{p}_w.npy")), p, p, &w);
        run(
            &dir,
            &format!("relu{p}"),
            &format!(
                r#"{{"piggyback_problem": 1, "map": {{"kind": "relu_layer", "w": {{"npy": "relu{p}_w.npy"}}}}, "theta": []}}"#
            ),
            (&w, p, p),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
