//! Timing of the exact contraction certificate for a forward–backward-like matrix
//! `A = I − γXᵀX` (MATH.md §6). The CI test uses p = 12; the p = 100 measurement is
//! `#[ignore]`d and run by hand:
//! `cargo test --release --test certify_timing -- --ignored --nocapture`.

use piggyback::certify::check;
use piggyback::certify::contraction::{certified_rho, find_norm_bound, NormKind, SearchOptions};
use piggyback::scalar::Rational;
use piggyback::{Matrix, MatrixSet};
use rand::{Rng, SeedableRng};
use std::time::Instant;

/// `A = I − γXᵀX` with `X` an `n × p` matrix of entries `k/4`, `|k| ≤ 3`, seeded, and
/// `γ = 1/⌈‖XᵀX‖_∞⌉` (so `γλ_max(XᵀX) ≤ 1`, `A ⪰ 0` and `‖A‖₂ = 1 − γμ < 1` when `X`
/// has full column rank).
fn fb_matrix(n: usize, p: usize, seed: u64) -> (Matrix<Rational>, Rational) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let x: Matrix<Rational> =
        Matrix::from_fn(n, p, |_, _| Rational::from((rng.gen_range(-3i64..=3), 4)));
    let g = x.transpose().matmul(&x).expect("shape");
    let l = g.norm_inf();
    let gamma = Rational::from((1, l.ceil().numer().to_u64().unwrap_or(u64::MAX)));
    let a = Matrix::identity(p).sub(&g.scale(&gamma)).expect("shape");
    (a, gamma)
}

fn run(n: usize, p: usize) -> (f64, f64, Rational) {
    let (a, _) = fb_matrix(n, p, 7);
    let est = a
        .to_f64()
        .to_nalgebra()
        .singular_values()
        .iter()
        .copied()
        .fold(0.0, f64::max);
    let set = MatrixSet::Finite(vec![a]);
    let t = Instant::now();
    let c = find_norm_bound(&set, NormKind::Two, &SearchOptions::default()).expect("certificate");
    let find = t.elapsed().as_secs_f64();
    let t = Instant::now();
    assert_eq!(check(&c), Ok(()));
    let chk = t.elapsed().as_secs_f64();
    let rho = certified_rho(&c).expect("rho");
    // The certified bound is above the SVD value and within the search's 1e-6.
    assert!(
        rho.to_f64() >= est * (1.0 - 1e-12) && rho.to_f64() <= est * (1.0 + 1e-5) + 1e-12,
        "rho {rho} vs {est}"
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
    // `PIGGYBACK_TIMING_P` overrides p (n = 1.2 p) for scaling measurements.
    let p: usize = std::env::var("PIGGYBACK_TIMING_P")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let (find, chk, rho) = run(p + p / 5, p);
    println!(
        "p = {p}: find {find:.3}s (incl. one check), check {chk:.3}s, rho = {}",
        rho.to_f64()
    );
}
