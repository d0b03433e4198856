//! Exact fixed-point certificates where they are cheap: the finder solves the restricted
//! KKT system on the support guessed from the f64 solution, and when that point is the
//! minimiser the certificate states it with radius 0 (a width-0 enclosure), re-checked by
//! the exact kernel. The reference is an independent enumeration of every support and
//! sign pattern in exact rationals (small `p`).

use piggyback::certify::forward_backward::{
    certify_fixed_point, exact_minimiser_from_guess, FbProblem,
};
use piggyback::certify::{Budget, CheckFailure, FixedPointCertificate};
use piggyback::diff::fixed_point::solve_fixed_point;
use piggyback::diff::IterOptions;
use piggyback::linalg::norms::Norm;
use piggyback::maps::{Design, ForwardBackward, Penalty, Splitting, StepRule};
use piggyback::scalar::{format_rational, parse_rational, Rational};
use piggyback::{Matrix, Scalar};

/// A small deterministic generator (no dependence on the code under test).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    /// A rational `k/4` with `|k| ≤ 8`.
    fn small(&mut self) -> Rational {
        Rational::from(((self.next() % 17) as i64 - 8, 4))
    }
}

/// Every minimiser of `½‖Ax − b‖² + λ₁‖x‖₁ + (λ₂/2)‖x‖²` with its KKT margin
/// (`min` over the off-support coordinates of `λ₁ − |A_jᵀ(b − Ax)|`; negative never
/// appears, zero means a kink) and `∂x̄/∂λ₁ = −H_S⁻¹s_S` on the support.
fn enumerate(
    a: &Matrix<Rational>,
    b: &[Rational],
    l1: &Rational,
    l2: &Rational,
) -> Vec<(Vec<Rational>, bool, Vec<Rational>)> {
    let p = a.cols();
    let mut out = vec![];
    for code in 0..3usize.pow(p as u32) {
        let s: Vec<i64> = (0..p)
            .map(|j| (code / 3usize.pow(j as u32) % 3) as i64 - 1)
            .collect();
        let sup: Vec<usize> = (0..p).filter(|&j| s[j] != 0).collect();
        let mut x = vec![Rational::new(); p];
        let mut d = vec![Rational::new(); p];
        if !sup.is_empty() {
            let rows: Vec<usize> = (0..a.rows()).collect();
            let a_s = a.select(&rows, &sup).unwrap();
            let h = a_s
                .transpose()
                .matmul(&a_s)
                .unwrap()
                .add(&Matrix::identity(sup.len()).scale(l2))
                .unwrap();
            let atb = a_s.tr_mul_vec(b).unwrap();
            let rhs: Vec<Rational> = sup
                .iter()
                .zip(&atb)
                .map(|(&j, v)| v.sub(&l1.mul(&Rational::from(s[j]))))
                .collect();
            let Ok(xs) = piggyback::linalg::lu::solve_vec(&h, &rhs) else {
                continue;
            };
            let ds = piggyback::linalg::lu::solve_vec(
                &h,
                &sup.iter()
                    .map(|&j| Rational::from(-s[j]))
                    .collect::<Vec<_>>(),
            )
            .unwrap();
            if sup.iter().zip(&xs).any(|(&j, v)| v.cmp0() != s[j].cmp(&0)) {
                continue;
            }
            for (k, &j) in sup.iter().enumerate() {
                x[j] = xs[k].clone();
                d[j] = ds[k].clone();
            }
        }
        let r: Vec<Rational> = a
            .mul_vec(&x)
            .unwrap()
            .iter()
            .zip(b)
            .map(|(u, v)| v.sub(u))
            .collect();
        let corr = a.tr_mul_vec(&r).unwrap();
        let off: Vec<Rational> = (0..p)
            .filter(|&j| s[j] == 0)
            .map(|j| l1.sub(&Scalar::abs(&corr[j])))
            .collect();
        if off.iter().all(|m| *m >= Rational::new()) {
            let strict = off.iter().all(|m| *m > Rational::new());
            out.push((x, strict, d));
        }
    }
    out
}

fn check(c: &FixedPointCertificate) -> Result<piggyback::certify::Verdict, CheckFailure> {
    piggyback_kernel::fixed_point::check_fixed_point(c, &mut Budget::default())
}

fn solve_f64(problem: &FbProblem) -> Vec<f64> {
    let map = ForwardBackward::with_splitting(
        Design::Dense(problem.a.to_f64()),
        problem.b.iter().map(Scalar::to_f64).collect(),
        problem.penalty,
        StepRule::Given(problem.gamma.to_f64()),
        problem.splitting,
        &0.0,
    )
    .unwrap();
    let theta = match problem.penalty {
        Penalty::Lasso => vec![problem.lambda1.to_f64()],
        Penalty::ElasticNet => vec![problem.lambda1.to_f64(), problem.lambda2.to_f64()],
        other => panic!("no θ for {other:?}"),
    };
    let opts = IterOptions {
        max_iter: 1_000_000,
        tol: 1e-15,
        ..Default::default()
    };
    solve_fixed_point(&map, &vec![0.0; problem.a.cols()], &theta, &opts, Norm::Inf)
        .unwrap()
        .x
}

fn random_problem(rng: &mut Lcg) -> FbProblem {
    let p = 2 + (rng.next() % 3) as usize;
    let n = p + 1 + (rng.next() % 3) as usize;
    let rows: Vec<Vec<Rational>> = (0..n)
        .map(|_| (0..p).map(|_| rng.small()).collect())
        .collect();
    let a = Matrix::from_rows(&rows).unwrap();
    let b: Vec<Rational> = (0..n).map(|_| rng.small()).collect();
    let elastic = rng.next() % 2 == 0;
    let lambda2 = if elastic {
        Rational::from((1 + (rng.next() % 4) as i64, 4))
    } else {
        Rational::new()
    };
    let splitting = if elastic && rng.next() % 2 == 0 {
        Splitting::Smooth
    } else {
        Splitting::Prox
    };
    // γ = 1/(‖A‖_F² + λ₂): admissible for both splittings.
    let fro = a
        .as_slice()
        .iter()
        .fold(Rational::new(), |acc, v| acc.add(&v.mul(v)));
    let gamma = Rational::from(1).div(&fro.add(&lambda2)).unwrap();
    FbProblem {
        a,
        b,
        gamma,
        lambda1: Rational::from((1 + (rng.next() % 12) as i64, 4)),
        lambda2,
        penalty: if elastic {
            Penalty::ElasticNet
        } else {
            Penalty::Lasso
        },
        splitting,
    }
}

#[test]
fn strict_kkt_gives_a_width_zero_certificate_at_the_exact_minimiser() {
    let mut rng = Lcg(12);
    let (mut exact, mut kinks) = (0, 0);
    for _ in 0..60 {
        let problem = random_problem(&mut rng);
        let mins = enumerate(&problem.a, &problem.b, &problem.lambda1, &problem.lambda2);
        let x = solve_f64(&problem);
        let Ok(cert) = certify_fixed_point(&problem, &x) else {
            // No contraction proven (rank-deficient LASSO): nothing claimed.
            continue;
        };
        assert_eq!(mins.len(), 1, "a contraction has one fixed point");
        let (x_ref, strict, d_ref) = &mins[0];
        let center: Vec<Rational> = cert
            .center
            .iter()
            .map(|t| parse_rational(t).unwrap())
            .collect();
        if *strict {
            exact += 1;
            assert_eq!(&center, x_ref, "the centre is the exact minimiser");
            assert_eq!(cert.radius, "0", "width-0 enclosure");
            assert!(cert.signs.iter().all(Option::is_some));
            let d: Vec<Rational> = cert
                .derivative
                .as_ref()
                .expect("exact derivative")
                .iter()
                .map(|t| parse_rational(t).unwrap())
                .collect();
            assert_eq!(&d, d_ref, "∂x̄/∂λ₁ = −H_S⁻¹s");
            assert!(check(&cert).is_ok());
            // Width 0 leaves no room: any move of the centre breaks the ball.
            let mut moved = cert.clone();
            let v = center[0].add(&Rational::from((1, 1_000_000_000_000i64)));
            moved.center[0] = format_rational(&v);
            assert!(matches!(
                check(&moved),
                Err(CheckFailure::Rejected { step, .. }) if step == "ball"
            ));
        } else {
            kinks += 1;
            // At a kink the strict guess cannot verify; the certificate must not claim
            // the kink coordinate's sign, so it claims no derivative.
            assert!(cert.derivative.is_none());
        }
    }
    assert!(exact >= 20, "only {exact} exact cases ({kinks} kinks)");
}

#[test]
fn a_kink_is_never_certified_exactly() {
    // A = I (2×2), b = (1, 1/2), λ₁ = 1/2: x̄ = (1/2, 0) and |A₂ᵀ(b − Ax̄)| = 1/2 = λ₁,
    // an exact kink in coordinate 2 (the equicorrelation set is larger than the support).
    let a = Matrix::from_rows(&[
        vec![Rational::from(1), Rational::new()],
        vec![Rational::new(), Rational::from(1)],
    ])
    .unwrap();
    let problem = FbProblem {
        a,
        b: vec![Rational::from(1), Rational::from((1, 2))],
        gamma: Rational::from((1, 2)),
        lambda1: Rational::from((1, 2)),
        lambda2: Rational::new(),
        penalty: Penalty::Lasso,
        splitting: Splitting::Prox,
    };
    for x_hat in [[0.5, 0.0], [0.5, 1e-12], [0.5, -1e-12]] {
        assert!(exact_minimiser_from_guess(&problem, &x_hat).is_none());
        let cert = certify_fixed_point(&problem, &x_hat).unwrap();
        assert_eq!(cert.signs[1], None, "kink coordinate left undecided");
        assert!(cert.derivative.is_none());
        assert!(check(&cert).is_ok());
    }
    // A wrong support guess (coordinate 1 missing) does not verify either.
    assert!(exact_minimiser_from_guess(&problem, &[0.0, 0.3]).is_none());
}

/// A LASSO with more columns than rows: `I − γAᵀA` has eigenvalue 1, so no contraction
/// holds, yet the minimiser is unique (strict KKT, `A_S` injective). The certificate has
/// no `ρ`, radius 0, the exact minimiser and derivative.
fn wide_lasso() -> FbProblem {
    let q = |s: &str| parse_rational(s).unwrap();
    let a = Matrix::from_rows(&[
        vec![q("1"), q("1/2"), q("0")],
        vec![q("0"), q("1"), q("1/4")],
    ])
    .unwrap();
    FbProblem {
        a,
        b: vec![q("2"), q("-1")],
        gamma: q("1/2"),
        lambda1: q("1/5"),
        lambda2: Rational::new(),
        penalty: Penalty::Lasso,
        splitting: Splitting::Prox,
    }
}

#[test]
fn without_a_contraction_uniqueness_comes_from_the_restricted_gram_matrix() {
    let problem = wide_lasso();
    let mins = enumerate(&problem.a, &problem.b, &problem.lambda1, &problem.lambda2);
    assert_eq!(mins.len(), 1, "the reference finds one minimiser");
    let (x_ref, strict, d_ref) = &mins[0];
    assert!(strict, "strict KKT at the reference minimiser");
    let x = solve_f64(&problem);
    let cert = certify_fixed_point(&problem, &x).unwrap();
    assert_eq!(cert.rho, None, "no contraction claimed");
    assert_eq!(cert.radius, "0");
    let center: Vec<Rational> = cert
        .center
        .iter()
        .map(|t| parse_rational(t).unwrap())
        .collect();
    assert_eq!(&center, x_ref);
    let d: Vec<Rational> = cert
        .derivative
        .as_ref()
        .unwrap()
        .iter()
        .map(|t| parse_rational(t).unwrap())
        .collect();
    assert_eq!(&d, d_ref);
    let verdict = check(&cert).unwrap();
    assert!(verdict.to_string().contains("restricted Gram"), "{verdict}");

    let rejected = |c: &FixedPointCertificate, step: &str| matches!(check(c), Err(CheckFailure::Rejected { step: s, .. }) if s == step);
    // Without ρ the radius must be 0 and every sign given.
    let mut c = cert.clone();
    c.radius = "1/1000".into();
    assert!(rejected(
        &c,
        "precondition: without ρ, R = 0 and every sign"
    ));
    let mut c = cert.clone();
    c.derivative = None;
    let k = c.signs.iter().position(|s| *s == Some(0)).expect("a zero");
    c.signs[k] = None;
    assert!(rejected(
        &c,
        "precondition: without ρ, R = 0 and every sign"
    ));
    // Any other centre is not a fixed point.
    let mut c = cert.clone();
    c.center[0] = format_rational(&center[0].add(&Rational::from((1, 1i64 << 40))));
    assert!(rejected(&c, "ball"));
    // The contraction the family does not have.
    let mut c = cert.clone();
    c.rho = Some("999999/1000000".into());
    assert!(rejected(&c, "contraction"));
}

/// Two equal columns: every split of the mass between them is a minimiser. A centre
/// that is an exact fixed point with strict margins elsewhere is refused at uniqueness.
#[test]
fn a_singular_restricted_gram_matrix_is_refused() {
    let q = |s: &str| parse_rational(s).unwrap();
    let a = Matrix::from_rows(&[vec![q("1"), q("1")], vec![q("1"), q("1")]]).unwrap();
    let problem = FbProblem {
        a,
        b: vec![q("2"), q("2")],
        gamma: q("1/4"),
        lambda1: q("1"),
        lambda2: Rational::new(),
        penalty: Penalty::Lasso,
        splitting: Splitting::Prox,
    };
    // Minimisers: x₁ + x₂ = 3/2, both ≥ 0 (there Aᵀ(b − Ax) = (1, 1) = λ₁).
    // The finder does not claim one (its support solve is singular) …
    let x = [0.75, 0.75];
    assert!(exact_minimiser_from_guess(&problem, &x).is_none());
    assert!(certify_fixed_point(&problem, &x).is_err());
    // … and a forged claim of uniqueness at the exact fixed point (3/4, 3/4) is refused.
    let forged = FixedPointCertificate {
        format: piggyback_kernel::certificate::FIXED_POINT_FORMAT.into(),
        version: piggyback_kernel::certificate::VERSION,
        problem: problem.problem_data(),
        rho: None,
        center: vec!["3/4".into(), "3/4".into()],
        radius: "0".into(),
        signs: vec![Some(1), Some(1)],
        derivative: None,
    };
    assert!(matches!(
        check(&forged),
        Err(CheckFailure::Rejected { step, .. }) if step == "uniqueness"
    ));
    // With a ridge the same point question has one answer, and the kernel accepts it.
    let mut ridge = problem.clone();
    ridge.lambda2 = q("1");
    ridge.penalty = Penalty::ElasticNet;
    let mins = enumerate(&ridge.a, &ridge.b, &ridge.lambda1, &ridge.lambda2);
    assert_eq!(mins.len(), 1);
    let x = solve_f64(&ridge);
    let cert = certify_fixed_point(&ridge, &x).unwrap();
    let center: Vec<Rational> = cert
        .center
        .iter()
        .map(|t| parse_rational(t).unwrap())
        .collect();
    assert_eq!(center, mins[0].0);
}
