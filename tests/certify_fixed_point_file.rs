//! Fixed-point certificates for forward–backward: found from an f64 solve, re-checked
//! exactly, and rejected after any tampering that makes a claim false.

use piggyback::certify::forward_backward::{certify_fixed_point, FbProblem};
use piggyback::certify::{fixed_point_from_json, to_json, CheckFailure, FixedPointCertificate};
use piggyback::diff::fixed_point::solve_fixed_point;
use piggyback::diff::IterOptions;
use piggyback::linalg::lu::solve_vec;
use piggyback::linalg::norms::Norm;
use piggyback::maps::{Design, ForwardBackward, Penalty, Splitting, StepRule};
use piggyback::scalar::{parse_rational, Rational};
use piggyback::{Matrix, Scalar};
use std::path::Path;

fn lasso(lambda2: (i64, i64)) -> (FbProblem, Vec<f64>) {
    let a: Matrix<Rational> =
        piggyback::io::csv::read_matrix(Path::new("examples/data/lasso_X.csv")).unwrap();
    let b: Matrix<Rational> =
        piggyback::io::csv::read_matrix(Path::new("examples/data/lasso_y.csv")).unwrap();
    let b = b.into_vec();
    // γ = 1/‖A‖_F² ≤ 1/L: an admissible step known exactly.
    let gamma = Rational::one().div(&a.norm_frobenius_sq()).unwrap();
    let (l1, l2) = (Rational::from((3, 2)), Rational::from(lambda2));
    let fb = ForwardBackward::new(
        Design::Dense(a.to_f64()),
        b.iter().map(Scalar::to_f64).collect(),
        if l2 == 0 {
            Penalty::Lasso
        } else {
            Penalty::ElasticNet
        },
        StepRule::Given(gamma.to_f64()),
    )
    .unwrap();
    let theta: Vec<f64> = if l2 == 0 {
        vec![1.5]
    } else {
        vec![1.5, l2.to_f64()]
    };
    let (x, _) = solve_fixed_point(
        &fb,
        &vec![0.0; a.cols()],
        &theta,
        &IterOptions {
            max_iter: 1_000_000,
            tol: 1e-15,
            ..Default::default()
        },
        Norm::Inf,
    )
    .map(|s| (s.x, s.report.iterations))
    .unwrap();
    (
        FbProblem {
            a,
            b,
            gamma,
            lambda1: l1,
            lambda2: l2.clone(),
            penalty: if l2 == 0 {
                Penalty::Lasso
            } else {
                Penalty::ElasticNet
            },
            splitting: Splitting::Prox,
        },
        x,
    )
}

fn check_fixed_point(
    c: &FixedPointCertificate,
) -> Result<piggyback::certify::Verdict, CheckFailure> {
    piggyback_kernel::fixed_point::check_fixed_point(c, &mut piggyback_kernel::Budget::default())
}

fn fixed_point_to_json(c: &FixedPointCertificate) -> String {
    to_json(c)
}

fn rejected_at(c: &FixedPointCertificate, step: &str) -> bool {
    matches!(check_fixed_point(c), Err(CheckFailure::Rejected { step: s, .. }) if s == step)
}

#[test]
fn lasso_certificate_has_the_closed_form_derivative() {
    let (problem, x) = lasso((0, 1));
    let cert = certify_fixed_point(&problem, &x).unwrap();
    assert!(
        cert.signs.iter().all(Option::is_some),
        "every sign proven on the ball"
    );
    // Independent closed form (LASSO, θ = λ₁; Bertrand et al. 2020): ∂x̂_S/∂λ₁ = −(A_SᵀA_S)⁻¹ sign(x̂_S).
    let support: Vec<usize> = (0..x.len()).filter(|&j| cert.signs[j] != Some(0)).collect();
    let rows: Vec<usize> = (0..problem.a.rows()).collect();
    let a_s = problem.a.select(&rows, &support).unwrap();
    let rhs: Vec<Rational> = support
        .iter()
        .map(|&j| Rational::from(-i32::from(cert.signs[j].unwrap())))
        .collect();
    let d_s = solve_vec(&a_s.transpose().matmul(&a_s).unwrap(), &rhs).unwrap();
    let d = cert.derivative.as_ref().expect("derivative present");
    for (j, dj) in d.iter().enumerate() {
        let got = parse_rational(dj).unwrap();
        let want = support
            .iter()
            .position(|&k| k == j)
            .map_or(Rational::new(), |k| d_s[k].clone());
        assert_eq!(got, want, "coordinate {j}");
    }
    // Round trip through the file format.
    let text = fixed_point_to_json(&cert);
    assert_eq!(fixed_point_from_json(&text).unwrap(), cert);
}

#[test]
fn elastic_net_certificate_is_accepted() {
    let (problem, x) = lasso((1, 2));
    let cert = certify_fixed_point(&problem, &x).unwrap();
    assert!(check_fixed_point(&cert).is_ok());
    assert!(cert.derivative.is_some());
}

#[test]
fn tampering_is_rejected() {
    let (problem, x) = lasso((0, 1));
    let cert = certify_fixed_point(&problem, &x).unwrap();

    // ρ below the true contraction factor of the family.
    let mut c = cert.clone();
    c.rho = Some("1/1000".into());
    assert!(rejected_at(&c, "contraction"));
    let mut c = cert.clone();
    c.rho = Some("1".into());
    assert!(rejected_at(&c, "precondition: 0 ≤ ρ < 1"));

    // Center moved by 1/10 in a support coordinate: the ball no longer holds.
    let mut c = cert.clone();
    let k = c
        .signs
        .iter()
        .position(|s| *s == Some(1) || *s == Some(-1))
        .unwrap();
    let moved = parse_rational(&c.center[k])
        .unwrap()
        .add(&Rational::from((1, 10)));
    c.center[k] = piggyback::scalar::format_rational(&moved);
    assert!(rejected_at(&c, "ball"));

    // A flipped sign, or a support coordinate claimed zero.
    let mut c = cert.clone();
    c.signs[k] = c.signs[k].map(|s| -s);
    assert!(rejected_at(&c, "signs"));
    let mut c = cert.clone();
    c.signs[k] = Some(0);
    assert!(rejected_at(&c, "signs"));

    // A derivative entry off by 1/10⁹.
    let mut c = cert.clone();
    let d = c.derivative.as_mut().unwrap();
    let off = parse_rational(&d[k])
        .unwrap()
        .add(&Rational::from((1, 1_000_000_000)));
    d[k] = piggyback::scalar::format_rational(&off);
    assert!(rejected_at(&c, "derivative"));

    // A derivative claimed while a sign is left open.
    let mut c = cert.clone();
    c.signs[k] = None;
    assert!(rejected_at(
        &c,
        "precondition: the derivative needs every sign"
    ));

    // Malformed files.
    let text = fixed_point_to_json(&cert);
    assert!(matches!(
        fixed_point_from_json(&text[..text.len() / 2]),
        Err(CheckFailure::Malformed(_))
    ));
    let mut c = cert.clone();
    c.radius = "1/0".into();
    assert!(matches!(
        check_fixed_point(&c),
        Err(CheckFailure::BadNumber { .. })
    ));
    let mut c = cert;
    c.signs.pop();
    assert!(matches!(
        check_fixed_point(&c),
        Err(CheckFailure::BadData { .. })
    ));
}
