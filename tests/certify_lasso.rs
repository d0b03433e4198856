//! Reference case of issue 5: a LASSO fixed-point box of width ≤ 1e-10 with certified
//! support on a p = 50 instance, the certified single-valued derivative, and its
//! enclosure checked against the closed form `∂x̂_S/∂λ₁ = −(A_SᵀA_S)⁻¹ sign(x̂_S)`
//! (the LASSO closed form, with the raw parameter `θ = λ₁`) computed exactly in rationals.
//!
//! Prints the timing of the interval enclosure against the f64 solve
//! (`cargo test --test certify_lasso -- --nocapture`).

use piggyback::certify::fixed_point::{enclose_derivative, enclose_fixed_point, FixedPointOptions};
use piggyback::diff::fixed_point::solve_fixed_point;
use piggyback::diff::IterOptions;
use piggyback::linalg::lu::solve_vec;
use piggyback::linalg::norms::Norm;
use piggyback::maps::{Design, ForwardBackward, Penalty, StepRule};
use piggyback::scalar::{Interval, Rational};
use piggyback::{Enclosure, Matrix, Scalar};
use rand::{Rng, SeedableRng};
use std::time::Instant;

#[test]
fn lasso_p50_fixed_point_box_and_support() -> piggyback::Result<()> {
    let (n, p) = (100, 50);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    // Design entries k/8 (exact in f64), sparse ground truth, small noise.
    let a: Matrix<f64> = Matrix::from_fn(n, p, |_, _| rng.gen_range(-8i64..=8) as f64 / 8.0);
    let x_true: Vec<f64> = (0..p)
        .map(|j| {
            if j % 10 == 0 {
                1.0 + j as f64 / 25.0
            } else {
                0.0
            }
        })
        .collect();
    let ax = a.mul_vec(&x_true)?;
    let b: Vec<f64> = ax.iter().map(|v| v + rng.gen_range(-0.05..0.05)).collect();
    let atb = a.tr_mul_vec(&b)?;
    let lambda = 0.1 * atb.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    // γ = 0.9/L̂ (f64), used exactly by both maps.
    let l_hat = piggyback::linalg::norms::spectral_norm_estimate(&a, 1000)?.powi(2);
    let gamma = 0.9 / l_hat;

    let fb = ForwardBackward::new(
        Design::Dense(a.clone()),
        b.clone(),
        Penalty::Lasso,
        StepRule::Given(gamma),
    )?;
    let t = Instant::now();
    let (x, _) = solve_fixed_point(
        &fb,
        &vec![0.0; p],
        &[lambda],
        &IterOptions {
            max_iter: 200_000,
            tol: 1e-15,
            ..Default::default()
        },
        Norm::Inf,
    )
    .map(|s| (s.x, s.report.iterations))?;
    let t_f64 = t.elapsed().as_secs_f64();

    let ai: Matrix<Interval> = Matrix::from_f64_matrix(&a)?;
    let bi: Vec<Interval> = b
        .iter()
        .map(|&v| Interval::from_f64(v))
        .collect::<piggyback::Result<_>>()?;
    let fbi = ForwardBackward::new(
        Design::Dense(ai),
        bi,
        Penalty::Lasso,
        StepRule::Given(Interval::from_f64(gamma)?),
    )?;
    let theta = [Interval::from_f64(lambda)?];
    let t = Instant::now();
    let e = enclose_fixed_point(&fbi, &x, &theta, 1e-9, &FixedPointOptions::default())?;
    let t_box = t.elapsed().as_secs_f64();
    println!(
        "LASSO n={n} p={p}: f64 solve {t_f64:.4}s, interval enclosure {t_box:.4}s (ratio {:.1}), rho <= {} ({}-norm)",
        t_box / t_f64,
        e.rho,
        e.norm
    );

    let width = e.x.iter().map(|v| v.width()).fold(0.0, f64::max);
    assert!(width <= 1e-10, "box width {width}");
    assert!(e.rho < 1.0);
    // Certified support: a coordinate is certainly nonzero when its box excludes 0,
    // certainly zero when its box is [0, 0]; every coordinate must be decided.
    let support: Vec<usize> = (0..p)
        .filter(|&j| e.x[j].inf() > 0.0 || e.x[j].sup() < 0.0)
        .collect();
    let zeros = (0..p)
        .filter(|&j| e.x[j].inf() == 0.0 && e.x[j].sup() == 0.0)
        .count();
    assert_eq!(support.len() + zeros, p, "undecided coordinates");
    assert!(!support.is_empty() && support.len() < p);
    assert_eq!(support, (0..p).filter(|&j| x[j] != 0.0).collect::<Vec<_>>());
    assert!(
        e.single_valued,
        "derivative must be single-valued off the kinks"
    );

    // Closed form on the support S, exactly: A_Sᵀ A_S d = −sign(x̂_S).
    let aq: Matrix<Rational> = Matrix::from_f64_matrix(&a)?;
    let a_s = aq.select(&(0..n).collect::<Vec<_>>(), &support)?;
    let gram = a_s.transpose().matmul(&a_s)?;
    let rhs: Vec<Rational> = support
        .iter()
        .map(|&j| Rational::from(if e.x[j].inf() > 0.0 { -1 } else { 1 }))
        .collect();
    let d_s = solve_vec(&gram, &rhs)?;
    let t = Instant::now();
    let d = enclose_derivative(&fbi, &e, &theta, 50)?;
    println!("derivative enclosure {:.4}s", t.elapsed().as_secs_f64());
    for (k, &j) in support.iter().enumerate() {
        assert!(
            d.j[(j, 0)].contains_rational(&d_s[k]),
            "coordinate {j}: {:?} vs {}",
            d.j[(j, 0)],
            d_s[k]
        );
    }
    for j in (0..p).filter(|j| !support.contains(j)) {
        assert!(d.j[(j, 0)].contains_rational(&Rational::new()) && d.j[(j, 0)].width() == 0.0);
    }
    let dwidth = (0..p).map(|j| d.j[(j, 0)].width()).fold(0.0, f64::max);
    assert!(dwidth < 1e-6, "derivative enclosure width {dwidth}");
    Ok(())
}

#[test]
fn exact_contraction_certificate_of_the_fb_map() -> piggyback::Result<()> {
    // Elastic-net-free LASSO forward–backward in exact rationals, p = 6: the A-blocks
    // are diag(q)(I − γXᵀX), q ∈ [0, 1]ᵖ, so sup ‖A‖₂ = ‖I − γXᵀX‖₂ (q = 1), and with
    // γ ≤ 1/L this is 1 − γμ (independent value from nalgebra's eigenvalues).
    let (n, p) = (10, 6);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let x: Matrix<Rational> =
        Matrix::from_fn(n, p, |_, _| Rational::from((rng.gen_range(-4i64..=4), 4)));
    let b: Vec<Rational> = (0..n)
        .map(|_| Rational::from((rng.gen_range(-8i64..=8), 8)))
        .collect();
    let fro = x.norm_frobenius_sq();
    let gamma = Rational::from(fro.recip_ref());
    let fb = ForwardBackward::new(
        Design::Dense(x.clone()),
        b,
        Penalty::Lasso,
        StepRule::Given(gamma.clone()),
    )?;
    let point = vec![Rational::new(); p];
    let c = piggyback::certify::contraction::certify_map_contraction(
        &fb,
        &point,
        &[Rational::from((1, 10))],
        piggyback::linalg::norms::Norm::Two,
        &piggyback::certify::contraction::SearchOptions::default(),
    )?;
    assert!(piggyback::certify::verdict(&c).is_ok());
    let rho = piggyback::certify::contraction::certified_rho(&c)
        .expect("rho")
        .to_f64();
    let g = x.transpose().matmul(&x)?.to_f64().to_nalgebra();
    let mu = g.symmetric_eigenvalues().min();
    let truth = 1.0 - gamma.to_f64() * mu;
    assert!(
        rho >= truth * (1.0 - 1e-12) && rho <= truth * (1.0 + 1e-5),
        "rho {rho} vs 1 − γμ = {truth}"
    );
    assert!(rho < 1.0);
    Ok(())
}

/// Rational Householder reflection `I − 2vvᵀ/(vᵀv)` (symmetric, orthogonal).
fn householder(v: &[i64]) -> Matrix<Rational> {
    let vv: i64 = v.iter().map(|x| x * x).sum();
    Matrix::from_fn(v.len(), v.len(), |i, j| {
        let id = if i == j {
            Rational::from(1)
        } else {
            Rational::new()
        };
        id - Rational::from((2 * v[i] * v[j], vv))
    })
}

#[test]
fn elastic_net_fb_map_certified_at_analytic_rho() -> piggyback::Result<()> {
    // The maps module's elastic-net forward–backward F = S_{γλ₁}(x − γXᵀ(Xx − b))/(1 + γλ₂)
    // with X = H₁ diag(1, 2, 3) H₂ (Householder, exact): XᵀX has eigenvalues μ_f = 1, 4,
    // L_f = 9. With λ₂ = 1 and γ = 2/(L_f + μ_f) = 1/5 the A-blocks are
    // diag(q)(I − γXᵀX)/(1 + γλ₂) with norm max(|1 − γμ_f|, |1 − γL_f|)/(1 + γλ₂)
    // = (4/5)/(6/5) = 2/3 = (L − μ)/(L + μ) for L = L_f + λ₂ = 10, μ = μ_f + λ₂ = 2.
    let (h1, h2) = (householder(&[1, 2, 2]), householder(&[3, -1, 1]));
    let d = Matrix::diag(&[Rational::from(1), Rational::from(2), Rational::from(3)]);
    let x = h1.matmul(&d)?.matmul(&h2)?;
    let b = vec![
        Rational::from(1),
        Rational::from(-2),
        Rational::from((1, 2)),
    ];
    let fb = ForwardBackward::new(
        Design::Dense(x),
        b,
        Penalty::ElasticNet,
        StepRule::Given(Rational::from((1, 5))),
    )?;
    let point = vec![Rational::from((1, 3)); 3];
    let theta = [Rational::from((1, 10)), Rational::from(1)];
    let c = piggyback::certify::contraction::certify_map_contraction(
        &fb,
        &point,
        &theta,
        piggyback::linalg::norms::Norm::Two,
        &piggyback::certify::contraction::SearchOptions::default(),
    )?;
    assert_eq!(
        piggyback::certify::contraction::certified_rho(&c),
        Some(Rational::from((2, 3)))
    );
    Ok(())
}
