//! Timing of the exact contraction certificate for a forward–backward map
//! `F(x, θ) = S_{γθ}(x − γXᵀ(Xx − b))`  in exact rationals: the whole
//! conservative Jacobian at a point, its `A`-blocks `diag(q)(I − γXᵀX)`, and the
//! smallest certifiable short-rational `ρ` with `ρ²I − AᵀA ⪰ 0` by exact `LDLᵀ`.
//! The CI test uses p = 12; the p = 100 measurement is `#[ignore]`d and run by hand:
//! `cargo test --test certify_timing -- --ignored --nocapture`
//! (`PIGGYBACK_TIMING_P` overrides p; `n = 1.2 p`).

use piggyback::certify::contraction::{certified_rho, certify_map_contraction, SearchOptions};
use piggyback::certify::verdict;
use piggyback::linalg::norms::Norm;
use piggyback::maps::{Design, ForwardBackward, Penalty, StepRule};
use piggyback::scalar::Rational;
use piggyback::Matrix;
use rand::{Rng, SeedableRng};
use std::time::Instant;

/// The LASSO forward–backward map with `X` an `n × p` matrix of entries `k/4`,
/// `|k| ≤ 3`, seeded, and `γ = 1/⌈‖XᵀX‖_∞⌉` (so `γλ_max(XᵀX) ≤ 1` and the A-block norm
/// is `1 − γμ < 1` when `X` has full column rank). Returns the map and `1 − γμ` (f64).
fn fb_map(n: usize, p: usize, seed: u64) -> (ForwardBackward<Rational>, f64) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let x: Matrix<Rational> =
        Matrix::from_fn(n, p, |_, _| Rational::from((rng.gen_range(-3i64..=3), 4)));
    let b: Vec<Rational> = (0..n)
        .map(|_| Rational::from((rng.gen_range(-8i64..=8), 8)))
        .collect();
    let g = piggyback::linalg::exact::gram_exact(&x).expect("shape");
    let l = g.norm_inf();
    let gamma = Rational::from((1, l.ceil().numer().to_u64().unwrap_or(u64::MAX)));
    let mu = g.to_f64().to_nalgebra().symmetric_eigenvalues().min();
    let truth = 1.0 - gamma.to_f64() * mu;
    let fb = ForwardBackward::new(Design::Dense(x), b, Penalty::Lasso, StepRule::Given(gamma))
        .expect("map");
    (fb, truth)
}

fn run(n: usize, p: usize) -> (f64, f64, Rational) {
    let (fb, truth) = fb_map(n, p, 7);
    let point = vec![Rational::new(); p];
    let theta = [Rational::from((1, 10))];
    let t = Instant::now();
    let c = certify_map_contraction(&fb, &point, &theta, Norm::Two, &SearchOptions::default())
        .expect("certificate");
    let find = t.elapsed().as_secs_f64();
    let t = Instant::now();
    assert!(verdict(&c).is_ok());
    let chk = t.elapsed().as_secs_f64();
    let rho = certified_rho(&c).expect("rho");
    // The certified bound is above the true norm 1 − γμ and within the search's 1e-5.
    assert!(
        rho.to_f64() >= truth * (1.0 - 1e-12) && rho.to_f64() <= truth * (1.0 + 1e-5),
        "rho {rho} vs {truth}"
    );
    assert!(rho < 1);
    (find, chk, rho)
}

#[test]
fn fb_contraction_certificate_small() {
    let (find, chk, rho) = run(16, 12);
    println!(
        "p = 12: find {find:.3}s (incl. one check), check {chk:.3}s, rho = {}",
        rho.to_f64()
    );
}

#[test]
#[ignore = "timing measurement (p = 100); run with --ignored --nocapture"]
fn fb_contraction_certificate_p100() {
    let p: usize = std::env::var("PIGGYBACK_TIMING_P")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let (find, chk, rho) = run(p + p / 5, p);
    println!(
        "p = {p}: find {find:.3}s (Jacobian + search + one check), check {chk:.3}s, rho = {}",
        rho.to_f64()
    );
}
