//! Fixed-point maps: the defining identity of their conservative Jacobians along
//! lines (exact rationals), one-sided derivatives at kinks, f64 JVP/VJP against dense
//! Jacobians, and fixed points against exact solutions.

mod common;

use common::Rng;
use common::*;
use piggyback::diff::fixed_point::solve_fixed_point;
use piggyback::diff::IterOptions;
use piggyback::linalg::norms::Norm;
use piggyback::maps::{Csr, Design, ForwardBackward, Penalty, StepRule};
use piggyback::matset::MatrixSet;
use piggyback::scalar::{Enclosure, Interval};
use piggyback::MatrixSetView;
use piggyback::{FixedPointMap, Matrix, Scalar};
use proptest::prelude::*;
use rug::Rational;

/// The fixed point of `map` by plain iteration to `tol` in the ∞-norm (f64 residual).
fn fixed_point<S: piggyback::Scalar, F: piggyback::FixedPointMap<S> + ?Sized>(
    map: &F,
    x0: &[S],
    theta: &[S],
    tol: f64,
    max_iter: usize,
) -> Vec<S> {
    let opts = IterOptions {
        max_iter,
        tol,
        ..Default::default()
    };
    solve_fixed_point(map, x0, theta, &opts, Norm::Inf)
        .unwrap()
        .x
}

// ---------------------------------------------------------------- forward–backward

/// The fixed LASSO instance (5 samples, 3 features), small integers.
fn lasso_data() -> (Vec<Vec<i64>>, Vec<i64>) {
    (
        vec![
            vec![2, 1, 0],
            vec![1, 3, 1],
            vec![0, 1, 2],
            vec![1, 0, 1],
            vec![1, 1, 1],
        ],
        vec![3, 1, -2, 2, 1],
    )
}

fn lasso_rational(step: StepRule<Rational>, penalty: Penalty) -> ForwardBackward<Rational> {
    let (a, b) = lasso_data();
    let a = Matrix::from_rows(
        &a.iter()
            .map(|r| r.iter().map(|&v| Rational::from(v)).collect())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    ForwardBackward::new(
        Design::Dense(a),
        b.iter().map(|&v| Rational::from(v)).collect(),
        penalty,
        step,
    )
    .unwrap()
}

/// Exact Gaussian elimination (rationals), written here so the reference does not
/// depend on the crate's linear algebra.
fn solve_exact(mut m: Vec<Vec<Rational>>, mut rhs: Vec<Rational>) -> Vec<Rational> {
    let n = rhs.len();
    for k in 0..n {
        let p = (k..n)
            .find(|&i| m[i][k] != 0)
            .expect("singular reference system");
        m.swap(k, p);
        rhs.swap(k, p);
        for i in k + 1..n {
            let f = Rational::from(&m[i][k] / &m[k][k]);
            let pivot_row = m[k].clone();
            for (mij, mkj) in m[i].iter_mut().zip(&pivot_row).skip(k) {
                *mij -= Rational::from(&f * mkj);
            }
            let t = Rational::from(&f * &rhs[k]);
            rhs[i] -= t;
        }
    }
    let mut x = vec![Rational::new(); n];
    for k in (0..n).rev() {
        let mut s = rhs[k].clone();
        for j in k + 1..n {
            s -= Rational::from(&m[k][j] * &x[j]);
        }
        x[k] = s / m[k][k].clone();
    }
    x
}

/// The LASSO solution for λ = 2 by the KKT conditions (support S = {0, 2}, signs (+, −)): found by
/// solving `A_SᵀA_S x_S = A_Sᵀb − λ s_S` and verifying every KKT condition exactly.
fn lasso_kkt_solution(lambda: &Rational, support: &[usize], signs: &[i64]) -> Vec<Rational> {
    let (a, b) = lasso_data();
    let col = |j: usize| a.iter().map(|r| Rational::from(r[j])).collect::<Vec<_>>();
    let bb: Vec<Rational> = b.iter().map(|&v| Rational::from(v)).collect();
    let dotr = |u: &[Rational], v: &[Rational]| {
        u.iter()
            .zip(v)
            .fold(Rational::new(), |acc, (p, q)| acc + Rational::from(p * q))
    };
    let gram: Vec<Vec<Rational>> = support
        .iter()
        .map(|&i| support.iter().map(|&j| dotr(&col(i), &col(j))).collect())
        .collect();
    let rhs: Vec<Rational> = support
        .iter()
        .zip(signs)
        .map(|(&j, &s)| dotr(&col(j), &bb) - (lambda * Rational::from(s)))
        .collect();
    let xs = solve_exact(gram, rhs);
    let mut x = vec![Rational::new(); 3];
    for (k, &j) in support.iter().enumerate() {
        x[j] = xs[k].clone();
        assert_eq!(
            x[j].cmp0() as i64,
            signs[k],
            "sign of x_{j} must match the assumed sign"
        );
    }
    // KKT: A_jᵀ(b − Ax) = λ sign(x_j) on S, |A_jᵀ(b − Ax)| < λ off S.
    let resid: Vec<Rational> = (0..5)
        .map(|i| {
            bb[i].clone()
                - (0..3).fold(Rational::new(), |acc, j| {
                    acc + Rational::from(a[i][j]) * x[j].clone()
                })
        })
        .collect();
    for j in 0..3 {
        let c = dotr(&col(j), &resid);
        match support.iter().position(|&s| s == j) {
            Some(k) => assert_eq!(c, (lambda * Rational::from(signs[k]))),
            None => assert!(
                Rational::from(c.abs_ref()) < *lambda,
                "strict complementarity off the support"
            ),
        }
    }
    x
}

#[test]
fn lasso_fixed_point_matches_exact_kkt_solution() {
    let lambda = Rational::from(2);
    let xstar = lasso_kkt_solution(&lambda, &[0, 2], &[1, -1]);
    // The exact rational map has x* as an exact fixed point, for any admissible γ.
    for step in [StepRule::FrobeniusBound, StepRule::Given(r(1, 20))] {
        let fb = lasso_rational(step, Penalty::Lasso);
        assert_eq!(
            fb.apply(&xstar, std::slice::from_ref(&lambda)).unwrap(),
            xstar
        );
    }
    // f64: γ = 1/L̂, iterate to convergence, compare with the exact solution.
    let (a, b) = lasso_data();
    let af = Matrix::<f64>::from_f64_rows(
        &a.iter()
            .map(|r| r.iter().map(|&v| v as f64).collect())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let fb = ForwardBackward::lasso(af, b.iter().map(|&v| v as f64).collect()).unwrap();
    let x = fixed_point(&fb, &[0.0; 3], &[2.0], 1e-15, 10_000);
    for j in 0..3 {
        assert!(
            (x[j] - xstar[j].to_f64()).abs() <= 1e-12,
            "x[{j}] = {} vs {}",
            x[j],
            xstar[j]
        );
    }
    // Exact iteration with γ = 1/‖A‖_F²: support identified, then the error obeys
    // e_{k+1} = (I − γA_SᵀA_S) e_k exactly and shrinks below 1e-12.
    let fb = lasso_rational(StepRule::FrobeniusBound, Penalty::Lasso);
    let theta = [lambda.clone()];
    let mut xk = solve_fixed_point(
        &fb,
        &[Rational::new(), Rational::new(), Rational::new()],
        &theta,
        &IterOptions::fixed(40),
        Norm::Inf,
    )
    .unwrap()
    .x;
    assert_eq!(xk[1], 0, "support identified after 40 exact steps");
    let gamma = fb.gamma().clone();
    let (a, _) = lasso_data();
    let ata = |i: usize, j: usize| {
        a.iter()
            .fold(Rational::new(), |acc, r| acc + Rational::from(r[i] * r[j]))
    };
    let mut err2_prev: Option<Rational> = None;
    for _ in 0..150 {
        let next = fb.apply(&xk, &theta).unwrap();
        let e: Vec<Rational> = xk
            .iter()
            .zip(&xstar)
            .map(|(p, q)| Rational::from(p - q))
            .collect();
        let en: Vec<Rational> = next
            .iter()
            .zip(&xstar)
            .map(|(p, q)| Rational::from(p - q))
            .collect();
        assert_eq!(en[1], 0);
        for &i in &[0usize, 2] {
            let pred = e[i].clone()
                - gamma.clone() * (ata(i, 0) * e[0].clone() + ata(i, 2) * e[2].clone());
            assert_eq!(en[i], pred, "affine error recursion on the support");
        }
        let err2 = en
            .iter()
            .fold(Rational::new(), |acc, v| acc + Rational::from(v * v));
        if let Some(p) = &err2_prev {
            assert!(err2 < *p || err2 == 0, "error decreases strictly");
        }
        err2_prev = Some(err2);
        xk = next;
    }
    assert!(err2_prev.unwrap() < Rational::from((1, 1_000_000_000_000_000_000_000i128)));
}

/// A random instance `(A, b)` with small rational entries.
fn random_fb(
    rng: &mut Rng,
    rows: usize,
    cols: usize,
    penalty: Penalty,
    sparse: bool,
) -> ForwardBackward<Rational> {
    let a = Matrix::from_fn(rows, cols, |_, _| {
        if rng.next_u64() % 4 == 0 {
            Rational::new()
        } else {
            rng.rat(6, 3)
        }
    });
    let b: Vec<Rational> = (0..rows).map(|_| rng.rat(10, 4)).collect();
    let design = if sparse {
        Design::Sparse(Csr::from_dense(&a))
    } else {
        Design::Dense(a)
    };
    ForwardBackward::new(design, b, penalty, StepRule::FrobeniusBound).unwrap()
}

fn fb_theta(rng: &mut Rng, penalty: Penalty) -> Vec<Rational> {
    let l1 = Rational::from((1 + (rng.next_u64() % 8) as i64, 4));
    match penalty {
        Penalty::Lasso => vec![l1],
        Penalty::ElasticNet => vec![l1, Rational::from(((rng.next_u64() % 5) as i64, 2))],
        other => panic!("no θ for {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Off the kinks: `(F(p + h d) − F(p))/h = [A, B] d` exactly when `p` and `p + h d`
    /// lie in the same piece (then the whole segment does: the pieces of `S_τ` are
    /// intervals in `(z, τ)`, and `z`, `τ` are affine along the line). The map is
    /// affine in `(x, λ₁)` on a piece, so the quotient is exact for `dλ₂ = 0`.
    #[test]
    fn fb_line_identity_off_kinks(seed in any::<u64>(), enet in any::<bool>(), sparse in any::<bool>()) {
        let mut rng = Rng(seed);
        let penalty = if enet { Penalty::ElasticNet } else { Penalty::Lasso };
        let fb = random_fb(&mut rng, 4, 3, penalty, sparse);
        let (n, m) = fb.dims();
        let x: Vec<Rational> = (0..n).map(|_| rng.rat(12, 5)).collect();
        let th = fb_theta(&mut rng, penalty);
        let dx: Vec<Rational> = (0..n).map(|_| rng.rat(5, 2)).collect();
        let mut dth: Vec<Rational> = (0..m).map(|_| rng.rat(5, 2)).collect();
        if m == 2 { dth[1] = Rational::new(); }
        let h = r(1, 1 << 20);
        let mut lin = fb.linearize(&x, &th).unwrap();
        let x1 = axpy(&x, &h, &dx);
        let th1 = axpy(&th, &h, &dth);
        let mut lin1 = fb.linearize(&x1, &th1).unwrap();
        prop_assume!(lin.is_smooth_point() && lin1.is_smooth_point());
        prop_assume!(lin.to_dense().unwrap().0 == lin1.to_dense().unwrap().0);
        let dq = diff_quotient(&fb, &x, &th, &dx, &dth, &h);
        prop_assert_eq!(lin.jvp(&dx, &dth).unwrap(), dq);
    }

    /// The `λ₂` direction (a rational function of `λ₂`): the exact difference quotient
    /// differs from `B e_λ₂` by at most `K h` (second derivative bounded), checked at
    /// `h = 2⁻⁴⁰` with `K = 2²⁰`; a wrong derivative would be off by O(1).
    #[test]
    fn fb_lambda2_derivative(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let fb = random_fb(&mut rng, 4, 3, Penalty::ElasticNet, false);
        let x: Vec<Rational> = (0..3).map(|_| rng.rat(12, 5)).collect();
        let th = fb_theta(&mut rng, Penalty::ElasticNet);
        let zero = vec![Rational::new(); 3];
        let dth = vec![Rational::new(), Rational::from(1)];
        let h = r(1, 1 << 40);
        let dq = diff_quotient(&fb, &x, &th, &zero, &dth, &h);
        let jv = fb.linearize(&x, &th).unwrap().jvp(&zero, &dth).unwrap();
        for (a, b) in dq.iter().zip(&jv) {
            prop_assert!(Rational::from(a - b).abs() <= r(1, 1 << 20));
        }
    }

    /// The AD element belongs to the whole conservative Jacobian, and dense and sparse
    /// designs give identical maps (exactly).
    #[test]
    fn fb_ad_element_in_set_and_sparse_equals_dense(seed in any::<u64>(), enet in any::<bool>()) {
        let penalty = if enet { Penalty::ElasticNet } else { Penalty::Lasso };
        let dense = random_fb(&mut Rng(seed), 4, 3, penalty, false);
        let sparse = random_fb(&mut Rng(seed), 4, 3, penalty, true);
        let mut rng = Rng(seed ^ 0xABCD);
        let x: Vec<Rational> = (0..3).map(|_| rng.rat(12, 5)).collect();
        let th = fb_theta(&mut rng, penalty);
        prop_assert_eq!(dense.apply(&x, &th).unwrap(), sparse.apply(&x, &th).unwrap());
        let (a, b) = dense.jacobian(&x, &th).unwrap();
        prop_assert_eq!((a.clone(), b.clone()), sparse.jacobian(&x, &th).unwrap());
        let set = dense.conservative_jacobian(&x, &th).unwrap();
        prop_assert!(matrix_in_set(&set, &a.hstack(&b).unwrap()));
        prop_assert_eq!(set, sparse.conservative_jacobian(&x, &th).unwrap());
    }

    /// f64 JVP/VJP agree with the dense Jacobian and are adjoint.
    #[test]
    fn fb_f64_jvp_vjp(seed in any::<u64>(), enet in any::<bool>(), sparse in any::<bool>()) {
        let mut rng = Rng(seed);
        let (rows, cols) = (5, 4);
        let a = Matrix::<f64>::from_fn(rows, cols, |_, _| rng.unit());
        let b: Vec<f64> = (0..rows).map(|_| rng.unit()).collect();
        let design = if sparse { Design::Sparse(Csr::from_dense(&a)) } else { Design::Dense(a) };
        let penalty = if enet { Penalty::ElasticNet } else { Penalty::Lasso };
        let fb = ForwardBackward::new(design, b, penalty, StepRule::Optimal).unwrap();
        let x: Vec<f64> = (0..cols).map(|_| rng.unit()).collect();
        let th = if enet { vec![0.1, 0.3] } else { vec![0.1] };
        check_jvp_vjp(&fb, &x, &th, &mut rng, 1e-12);
    }

    /// The JVP check can fail: a linearization that lies about `∂F/∂x` is caught by
    /// the difference quotient (the dense Jacobian is built from the same lie).
    #[test]
    #[should_panic(expected = "difference quotients")]
    fn a_wrong_jvp_is_caught(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        check_jvp_vjp(&WrongJvp, &[rng.unit(), rng.unit()], &[0.5], &mut rng, 1e-12);
    }

    /// Intervals: the interval map and conservative Jacobian at a degenerate interval
    /// point enclose the exact rational ones.
    #[test]
    fn fb_interval_encloses_rational(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let exact = random_fb(&mut rng, 4, 3, Penalty::ElasticNet, false);
        let a = exact.design().to_dense();
        let ai = a.map(Interval::from_rational);
        let bi: Vec<Interval> = exact.response().iter().map(Interval::from_rational).collect();
        let gi = Interval::from_rational(exact.gamma());
        let fbi = ForwardBackward::new(Design::Dense(ai), bi, Penalty::ElasticNet, StepRule::Given(gi)).unwrap();
        let x: Vec<Rational> = (0..3).map(|_| rng.rat(12, 5)).collect();
        let th = fb_theta(&mut rng, Penalty::ElasticNet);
        let xi: Vec<Interval> = x.iter().map(Interval::from_rational).collect();
        let ti: Vec<Interval> = th.iter().map(Interval::from_rational).collect();
        let fx = exact.apply(&x, &th).unwrap();
        let fxi = fbi.apply(&xi, &ti).unwrap();
        for (e, i) in fx.iter().zip(&fxi) {
            prop_assert!(i.contains_rational(e));
        }
        let (ea, eb) = exact.jacobian(&x, &th).unwrap();
        let (ia, ib) = fbi.jacobian(&xi, &ti).unwrap();
        for (e, i) in ea.as_slice().iter().chain(eb.as_slice()).zip(ia.as_slice().iter().chain(ib.as_slice())) {
            prop_assert!(i.contains_rational(e));
        }
    }
}

/// At kinks (`|z_i| = τ` exactly): both one-sided derivatives along random lines lie
/// in the claimed set, the set is not a singleton and the AD element has `q_i = 0`.
#[test]
fn fb_one_sided_derivatives_at_kinks() {
    // Degenerate instance: λ = 1 puts x̂_1 = 0 at the equicorrelation boundary
    // (|A_1ᵀ(b − A x̂)| = λ), so z_1 = x̂_1 − γA_1ᵀ(A x̂ − b) = −γλ = −τ exactly.
    let fb = lasso_rational(StepRule::FrobeniusBound, Penalty::Lasso);
    let x = rv(&[(3, 2), (0, 1), (-1, 2)]);
    let th = vec![Rational::from(1)];
    assert_eq!(
        fb.apply(&x, &th).unwrap(),
        x,
        "x̂ = (3/2, 0, −1/2) is the exact fixed point at λ = 1"
    );
    let set = fb.conservative_jacobian(&x, &th).unwrap();
    match set.view() {
        MatrixSetView::DiagBox { q_lo, q_hi, .. } => {
            assert_eq!(
                (q_lo[1].clone(), q_hi[1].clone()),
                (Rational::new(), Rational::from(1))
            );
            assert_eq!(
                (q_lo[0].clone(), q_hi[0].clone()),
                (Rational::from(1), Rational::from(1))
            );
        }
        other => panic!("expected a DiagBox, got {other:?}"),
    }
    let mut lin = fb.linearize(&x, &th).unwrap();
    assert!(!lin.is_smooth_point());
    let (a, _) = lin.to_dense().unwrap();
    assert!(
        (0..3).all(|j| a[(1, j)] == 0),
        "AD convention: derivative 0 at the threshold"
    );
    let mut rng = Rng(7);
    let h = r(1, 1 << 24);
    let mut seen = [false, false];
    for _ in 0..32 {
        let dx: Vec<Rational> = (0..3).map(|_| rng.rat(5, 2)).collect();
        let dth = vec![rng.rat(5, 2)];
        for sgn in [1i64, -1] {
            let hs: Rational = &h * Rational::from(sgn);
            let dq = diff_quotient(&fb, &x, &th, &dx, &dth, &hs);
            let d: Vec<Rational> = dx.iter().chain(&dth).cloned().collect();
            assert!(
                applied_in_set(&set, &d, &dq),
                "one-sided derivative outside the claimed set"
            );
            seen[usize::from(dq[1] != 0)] = true;
        }
    }
    assert!(seen[0] && seen[1], "both pieces are met along random lines");
}

#[test]
fn fb_rejects_bad_input() {
    let fb = lasso_rational(StepRule::FrobeniusBound, Penalty::Lasso);
    let x = rv(&[(0, 1), (0, 1), (0, 1)]);
    assert!(fb.apply(&x, &[Rational::new()]).is_err(), "λ₁ = 0");
    assert!(
        fb.apply(&x[..2], &[Rational::from(1)]).is_err(),
        "wrong length"
    );
    let a = Matrix::<f64>::from_f64_rows(&[vec![1.0, 2.0]]).unwrap();
    assert!(ForwardBackward::lasso(a.clone(), vec![1.0, 2.0]).is_err());
    assert!(ForwardBackward::lasso(a.clone(), vec![f64::NAN]).is_err());
    assert!(
        ForwardBackward::lasso(Matrix::zeros(1, 2), vec![1.0]).is_err(),
        "zero design: no step size"
    );
    let fb = ForwardBackward::lasso(a, vec![1.0]).unwrap();
    assert!(fb.apply(&[f64::NAN, 0.0], &[1.0]).is_err());
    assert!((fb.lipschitz() - 5.0).abs() < 1e-12 && fb.strong_convexity().abs() < 1e-12);
    assert!((fb.gamma() - 0.2).abs() < 1e-15);
}

// ---------------------------------------------------------------- heavy ball

use piggyback::maps::{Admm, DouglasRachford, HeavyBall, ReluLayer};

fn mat(rows: &[&[(i64, i64)]]) -> Matrix<Rational> {
    Matrix::from_ratio_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).unwrap()
}

/// docs/mathematics.md §5: at 0 with `α = 1`, `β = 3/4`, `D_F = conv{M₁, M₂}`,
/// `M₁ = [[3/4, −3/4], [1, 0]]` (`f'' = 1`), `M₂ = [[3/2, −3/4], [1, 0]]` (`f'' = 1/4`);
/// `B = [[−f'(0), x − y], [0, 0]] = 0` there. Hand derivation: `1 − α f'' + β`.
#[test]
fn heavy_ball_set_at_zero() {
    let hb = HeavyBall::seeds();
    let x = vec![Rational::new(), Rational::new()];
    let th = vec![r(1, 1), r(3, 4)];
    let m1 = mat(&[
        &[(3, 4), (-3, 4), (0, 1), (0, 1)],
        &[(1, 1), (0, 1), (0, 1), (0, 1)],
    ]);
    let m2 = mat(&[
        &[(3, 2), (-3, 4), (0, 1), (0, 1)],
        &[(1, 1), (0, 1), (0, 1), (0, 1)],
    ]);
    match hb.conservative_jacobian(&x, &th).unwrap().view() {
        MatrixSetView::Hull(vs) => {
            assert_eq!(vs.len(), 2);
            assert!(vs.contains(&m1) && vs.contains(&m2));
        }
        other => panic!("expected a hull, got {other:?}"),
    }
    let (a, b) = hb.jacobian(&x, &th).unwrap();
    assert_eq!(a.hstack(&b).unwrap(), m1, "AD convention f''(0) = 1");
    // The seeds' product M₁M₁M₂M₂ = [[−9/8, 81/128], [0, −9/32]].
    let (a1, _) = m1.split_cols(2).unwrap();
    let (a2, _) = m2.split_cols(2).unwrap();
    let p = a1
        .matmul(&a1)
        .unwrap()
        .matmul(&a2)
        .unwrap()
        .matmul(&a2)
        .unwrap();
    assert_eq!(p, mat(&[&[(-9, 8), (81, 128)], &[(0, 1), (-9, 32)]]));
    // One-sided derivatives along random lines through the kink.
    let mut rng = Rng(3);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..16 {
        let dx = vec![rng.rat(5, 2), rng.rat(5, 2)];
        let dth = vec![rng.rat(5, 2), rng.rat(5, 2)];
        for v in kink_check(&hb, &x, &th, &dx, &dth) {
            seen.insert(format!("{v:?}"));
        }
    }
    assert!(seen.len() > 16, "both pieces show up");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Heavy ball, ReLU layer, Douglas–Rachford and ADMM: the defining identity along
    /// random lines off the kinks, exactly.
    #[test]
    fn splitting_maps_line_identity(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let mut ran = 0;
        // Heavy ball (degree 2 along lines: exact by Richardson).
        let hb = HeavyBall::seeds();
        let x: Vec<Rational> = (0..2).map(|_| rng.rat(12, 5)).collect();
        let th = vec![rng.rat(4, 4), rng.rat(4, 4)];
        let dx: Vec<Rational> = (0..2).map(|_| rng.rat(5, 2)).collect();
        let dth: Vec<Rational> = (0..2).map(|_| rng.rat(5, 2)).collect();
        ran += usize::from(line_identity(&hb, &x, &th, &dx, &dth));
        // ReLU layer.
        let n = 4;
        let w = Matrix::from_fn(n, n, |_, _| rng.rat(3, 8));
        let u = Matrix::from_fn(n, 2, |_, _| rng.rat(4, 4));
        let b: Vec<Rational> = (0..n).map(|_| rng.rat(4, 4)).collect();
        let layer = ReluLayer::new(w, u, b).unwrap();
        let x: Vec<Rational> = (0..n).map(|_| rng.rat(12, 5)).collect();
        let th: Vec<Rational> = (0..2).map(|_| rng.rat(4, 4)).collect();
        let dx: Vec<Rational> = (0..n).map(|_| rng.rat(5, 2)).collect();
        let dth: Vec<Rational> = (0..2).map(|_| rng.rat(5, 2)).collect();
        ran += usize::from(line_identity(&layer, &x, &th, &dx, &dth));
        // Douglas–Rachford and ADMM on a random LASSO instance.
        let a = Matrix::from_fn(4, 3, |_, _| rng.rat(6, 3));
        let bb: Vec<Rational> = (0..4).map(|_| rng.rat(10, 4)).collect();
        if let Ok(dr) = DouglasRachford::new(Design::Dense(a.clone()), bb.clone(), StepRule::FrobeniusBound) {
            let z: Vec<Rational> = (0..3).map(|_| rng.rat(12, 5)).collect();
            let th = vec![r(1 + (rng.next_u64() % 8) as i64, 4)];
            let dz: Vec<Rational> = (0..3).map(|_| rng.rat(5, 2)).collect();
            ran += usize::from(line_identity(&dr, &z, &th, &dz, &[rng.rat(5, 2)]));
        }
        if let Ok(admm) = Admm::new(Design::Dense(a), bb, r(3, 2)) {
            let s: Vec<Rational> = (0..6).map(|_| rng.rat(12, 5)).collect();
            let th = vec![r(1 + (rng.next_u64() % 8) as i64, 4)];
            let ds: Vec<Rational> = (0..6).map(|_| rng.rat(5, 2)).collect();
            ran += usize::from(line_identity(&admm, &s, &th, &ds, &[rng.rat(5, 2)]));
        }
        prop_assert!(ran >= 2, "most random points are off the kinks");
    }

    /// Kinks placed exactly: ReLU layer with `(Wx + Uθ + b)_0 = 0`, Douglas–Rachford
    /// with `|w_0| = γλ`, ADMM with `|v_0| = λ/ρ`: one-sided derivatives in the set.
    #[test]
    fn splitting_maps_kinks(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let n = 3;
        let w = Matrix::from_fn(n, n, |_, _| rng.rat(3, 8));
        let u = Matrix::from_fn(n, 1, |_, _| rng.rat(4, 4));
        let x: Vec<Rational> = (0..n).map(|_| rng.rat(12, 5)).collect();
        let th = vec![rng.rat(4, 4)];
        let pre = w.mul_vec(&x).unwrap().iter().zip(u.mul_vec(&th).unwrap()).map(|(a, b)| Rational::from(a + &b)).collect::<Vec<_>>();
        let mut b: Vec<Rational> = (0..n).map(|_| rng.rat(4, 4)).collect();
        b[0] = Rational::from(-&pre[0]);
        let layer = ReluLayer::new(w, u, b).unwrap();
        let dx: Vec<Rational> = (0..n).map(|_| rng.rat(5, 2)).collect();
        kink_check(&layer, &x, &th, &dx, &[rng.rat(5, 2)]);

        let a = Matrix::from_fn(4, 3, |_, _| rng.rat(6, 3));
        let bb: Vec<Rational> = (0..4).map(|_| rng.rat(10, 4)).collect();
        if let Ok(dr) = DouglasRachford::new(Design::Dense(a.clone()), bb.clone(), StepRule::FrobeniusBound) {
            let z: Vec<Rational> = (0..3).map(|_| rng.rat(12, 5)).collect();
            let xz = dr.primal(&z).unwrap();
            let w0 = Rational::from(&xz[0] * 2) - z[0].clone();
            if w0 != 0 {
                let lam = Rational::from(w0.abs_ref()) / dr.gamma().clone();
                let dz: Vec<Rational> = (0..3).map(|_| rng.rat(5, 2)).collect();
                kink_check(&dr, &z, std::slice::from_ref(&lam), &dz, &[rng.rat(5, 2)]);
                prop_assert!(!dr.linearize(&z, &[lam]).unwrap().is_smooth_point());
            }
        }
        if let Ok(admm) = Admm::new(Design::Dense(a), bb, r(3, 2)) {
            let s: Vec<Rational> = (0..6).map(|_| rng.rat(12, 5)).collect();
            // v_0 = (ρP(z − u))_0 + c_0 + u_0: read it off F's u-part at a tiny λ …
            // computed independently: F(s, λ)_z + F(s, λ)_u = v for every λ > 0.
            let f = admm.apply(&s, &[r(1, 1000)]).unwrap();
            let v0 = Rational::from(&f[0] + &f[3]);
            if v0 != 0 {
                let lam = Rational::from(v0.abs_ref()) * r(3, 2);
                let ds: Vec<Rational> = (0..6).map(|_| rng.rat(5, 2)).collect();
                kink_check(&admm, &s, &[lam], &ds, &[rng.rat(5, 2)]);
            }
        }
    }

    /// f64 JVP/VJP of the splitting maps and the heavy ball agree with the dense
    /// Jacobian and are adjoint.
    #[test]
    fn splitting_maps_f64_jvp_vjp(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        check_jvp_vjp(&HeavyBall::seeds(), &[rng.unit(), rng.unit()], &[0.9, 0.5], &mut rng, 1e-12);
        let n = 5;
        let w = Matrix::<f64>::from_fn(n, n, |_, _| 0.3 * rng.unit());
        let u = Matrix::<f64>::from_fn(n, 2, |_, _| rng.unit());
        let b: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
        let layer = ReluLayer::new(w, u, b).unwrap();
        let x: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
        check_jvp_vjp(&layer, &x, &[rng.unit(), rng.unit()], &mut rng, 1e-12);
        let a = Matrix::<f64>::from_fn(6, 4, |_, _| rng.unit());
        let bb: Vec<f64> = (0..6).map(|_| rng.unit()).collect();
        let dr = DouglasRachford::new(Design::Dense(a.clone()), bb.clone(), StepRule::InverseLipschitz).unwrap();
        let z: Vec<f64> = (0..4).map(|_| rng.unit()).collect();
        check_jvp_vjp(&dr, &z, &[0.2], &mut rng, 1e-12);
        let admm = Admm::new(Design::Sparse(Csr::from_dense(&a)), bb, 1.5).unwrap();
        let s: Vec<f64> = (0..8).map(|_| rng.unit()).collect();
        check_jvp_vjp(&admm, &s, &[0.2], &mut rng, 1e-12);
    }
}

/// Douglas–Rachford and ADMM solve the same LASSO as forward–backward: their exact
/// fixed points are built from the exact KKT solution (`z̄ = x̂ + γAᵀ(Ax̂ − b)` for DR,
/// `(x̂, −Aᵀ(Ax̂ − b)/ρ)` for ADMM) and are fixed exactly; f64 iterations reach them.
#[test]
fn dr_and_admm_fixed_points_match_kkt_solution() {
    let lambda = Rational::from(2);
    let xstar = lasso_kkt_solution(&lambda, &[0, 2], &[1, -1]);
    let (a, b) = lasso_data();
    let ar = Matrix::from_rows(
        &a.iter()
            .map(|r| r.iter().map(|&v| Rational::from(v)).collect())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let br: Vec<Rational> = b.iter().map(|&v| Rational::from(v)).collect();
    let resid: Vec<Rational> = ar
        .mul_vec(&xstar)
        .unwrap()
        .iter()
        .zip(&br)
        .map(|(p, q)| Rational::from(p - q))
        .collect();
    let grad = ar.tr_mul_vec(&resid).unwrap();
    let dr = DouglasRachford::new(
        Design::Dense(ar.clone()),
        br.clone(),
        StepRule::Given(r(1, 10)),
    )
    .unwrap();
    let zbar: Vec<Rational> = xstar
        .iter()
        .zip(&grad)
        .map(|(x, g)| x.clone() + r(1, 10) * g.clone())
        .collect();
    assert_eq!(
        dr.apply(&zbar, std::slice::from_ref(&lambda)).unwrap(),
        zbar
    );
    assert_eq!(dr.primal(&zbar).unwrap(), xstar);
    let rho = r(3, 2);
    let admm = Admm::new(Design::Dense(ar), br, rho.clone()).unwrap();
    let sbar: Vec<Rational> = xstar
        .iter()
        .cloned()
        .chain(grad.iter().map(|g| Rational::from(-g) / rho.clone()))
        .collect();
    assert_eq!(
        admm.apply(&sbar, std::slice::from_ref(&lambda)).unwrap(),
        sbar
    );
    // f64.
    let af = Matrix::<f64>::from_f64_rows(
        &a.iter()
            .map(|r| r.iter().map(|&v| v as f64).collect())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let bf: Vec<f64> = b.iter().map(|&v| v as f64).collect();
    let dr = DouglasRachford::new(
        Design::Dense(af.clone()),
        bf.clone(),
        StepRule::InverseLipschitz,
    )
    .unwrap();
    let z = fixed_point(&dr, &[0.0; 3], &[2.0], 1e-15, 100_000);
    let x = dr.primal(&z).unwrap();
    let admm = Admm::new(Design::Dense(af), bf, 1.5).unwrap();
    let s = fixed_point(&admm, &[0.0; 6], &[2.0], 1e-15, 100_000);
    for j in 0..3 {
        assert!((x[j] - xstar[j].to_f64()).abs() <= 1e-12, "DR x[{j}]");
        assert!((s[j] - xstar[j].to_f64()).abs() <= 1e-12, "ADMM z[{j}]");
    }
}

// ------------------------------------------------ maps with exp/log (f64 and intervals)

use piggyback::maps::{EntropicNnls, Labels, LogParams, LogisticFb, Sinkhorn};

fn iv(x: f64) -> Interval {
    Interval::from_f64(x).unwrap()
}

/// Mean-value consistency in interval arithmetic: with `p₁ = p₀ + h d` (exact in f64),
/// the interval difference quotient `(F(p₁) − F(p₀))/h` and the interval Jacobian over
/// the box `hull(p₀, p₁)` applied to `d` both contain `(J(ξᵢ) d)ᵢ` for some `ξᵢ` on the
/// segment, so they must intersect; the Jacobian enclosure must also be narrow (so a
/// wrong derivative, off by O(1), would be caught).
fn mean_value_check<M: FixedPointMap<Interval>>(
    map: &M,
    x: &[f64],
    th: &[f64],
    dx: &[f64],
    dth: &[f64],
) {
    let h = 1.0 / (1u64 << 20) as f64;
    let p0: Vec<f64> = x.iter().chain(th).cloned().collect();
    let d: Vec<f64> = dx.iter().chain(dth).cloned().collect();
    let p1: Vec<f64> = p0.iter().zip(&d).map(|(a, b)| a + h * b).collect();
    for i in 0..p0.len() {
        assert_eq!(
            (p1[i] - p0[i]) / h,
            d[i],
            "test setup: the step must be exact in f64"
        );
    }
    let n = x.len();
    let pt = |p: &[f64]| -> Vec<Interval> { p.iter().map(|&v| iv(v)).collect() };
    let f0 = map.apply(&pt(&p0[..n]), &pt(&p0[n..])).unwrap();
    let f1 = map.apply(&pt(&p1[..n]), &pt(&p1[n..])).unwrap();
    let hb: Vec<Interval> = p0
        .iter()
        .zip(&p1)
        .map(|(&a, &b)| Interval::from_bounds(a.min(b), a.max(b)).unwrap())
        .collect();
    let (ja, jb) = map.jacobian(&hb[..n], &hb[n..]).unwrap();
    let di = pt(&d);
    for i in 0..n {
        let dq = (f1[i] - f0[i]) / iv(h);
        let mut jd = iv(0.0);
        for j in 0..n {
            jd += ja[(i, j)] * di[j];
        }
        for j in 0..th.len() {
            jd += jb[(i, j)] * di[n + j];
        }
        assert!(
            !dq.intersection(jd).is_empty(),
            "row {i}: difference quotient {dq:?} vs Jacobian·d {jd:?}"
        );
        assert!(
            jd.wid() < 1e-3,
            "row {i}: Jacobian enclosure too wide to be a test: {jd:?}"
        );
    }
}

fn grid(rng: &mut Rng, k: usize, den: f64) -> Vec<f64> {
    (0..k)
        .map(|_| ((rng.next_u64() % 41) as f64 - 20.0) / den)
        .collect()
}

fn logistic_instance<S: piggyback::Transcendental>(
    rng: &mut Rng,
    multiclass: bool,
    enet: bool,
) -> LogisticFb<S> {
    let (nsamp, p) = (6, 3);
    let a = Matrix::<S>::from_fn(nsamp, p, |_, _| {
        S::from_f64(((rng.next_u64() % 17) as f64 - 8.0) / 8.0).unwrap()
    });
    let labels = if multiclass {
        Labels::Multiclass {
            classes: 3,
            labels: (0..nsamp).map(|i| i % 3).collect(),
        }
    } else {
        Labels::Binary(
            (0..nsamp)
                .map(|i| if i % 2 == 0 { 1 } else { -1 })
                .collect(),
        )
    };
    let penalty = if enet {
        Penalty::ElasticNet
    } else {
        Penalty::Lasso
    };
    LogisticFb::new(
        Design::Dense(a),
        labels,
        penalty,
        StepRule::Given(S::from_f64(0.5).unwrap()),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Logistic FB (binary and multiclass), log-parametrised FB, Sinkhorn and the
    /// entropic NNLS map: f64 JVP/VJP against the dense Jacobian and adjointness, and
    /// the interval mean-value check.
    #[test]
    fn transcendental_maps(seed in any::<u64>(), multiclass in any::<bool>(), enet in any::<bool>()) {
        let mut rng = Rng(seed);
        // Logistic (the same seed builds the f64 and the interval instance).
        let lf: LogisticFb<f64> = logistic_instance(&mut Rng(seed), multiclass, enet);
        let li: LogisticFb<Interval> = logistic_instance(&mut Rng(seed), multiclass, enet);
        let (n, m) = lf.dims();
        let x = grid(&mut rng, n, 16.0);
        let th: Vec<f64> = if enet { vec![0.0625, 0.25] } else { vec![0.0625] };
        check_jvp_vjp(&lf, &x, &th, &mut rng, 1e-12);
        let dx = grid(&mut rng, n, 4.0);
        let mut dth = grid(&mut rng, m, 64.0);
        dth[0] = dth[0].abs() / 4.0;
        mean_value_check(&li, &x, &th, &dx, &dth);

        // Log-parametrised elastic-net FB.
        let a = Matrix::<f64>::from_fn(4, 3, |_, _| ((rng.next_u64() % 9) as f64 - 4.0) / 4.0);
        let b = grid(&mut rng, 4, 4.0);
        let fb = ForwardBackward::new(Design::Dense(a.clone()), b.clone(), Penalty::ElasticNet, StepRule::Given(0.125)).unwrap();
        let fbi = ForwardBackward::new(Design::Dense(a.map(|v| iv(*v))), b.iter().map(|&v| iv(v)).collect(), Penalty::ElasticNet, StepRule::Given(iv(0.125))).unwrap();
        let lp = LogParams::new(fb.clone());
        let x = grid(&mut rng, 3, 8.0);
        let eta = vec![-1.0, -0.5];
        check_jvp_vjp(&lp, &x, &eta, &mut rng, 1e-12);
        // Chain rule against the inner map: B̃ = B diag(exp η).
        let (_, b_in) = fb.jacobian(&x, &[(-1.0f64).exp(), (-0.5f64).exp()]).unwrap();
        let (_, b_out) = lp.jacobian(&x, &eta).unwrap();
        for i in 0..3 {
            prop_assert!((b_out[(i, 0)] - b_in[(i, 0)] * (-1.0f64).exp()).abs() < 1e-15);
            prop_assert!((b_out[(i, 1)] - b_in[(i, 1)] * (-0.5f64).exp()).abs() < 1e-15);
        }
        mean_value_check(&LogParams::new(fbi), &x, &eta, &grid(&mut rng, 3, 4.0), &grid(&mut rng, 2, 16.0));

        // Sinkhorn.
        let (sn, sm) = (3, 4);
        let cost = Matrix::<f64>::from_fn(sn, sm, |_, _| (rng.next_u64() % 9) as f64 / 8.0);
        let av = vec![0.25, 0.25, 0.5];
        let bv = vec![0.125, 0.375, 0.25, 0.25];
        let sk = Sinkhorn::new(&av, &cost, &0.5).unwrap();
        let ski = Sinkhorn::new(&av.iter().map(|&v| iv(v)).collect::<Vec<_>>(), &cost.map(|v| iv(*v)), &iv(0.5)).unwrap();
        let x = grid(&mut rng, sn, 16.0);
        check_jvp_vjp(&sk, &x, &bv, &mut rng, 1e-12);
        mean_value_check(&ski, &x, &bv, &grid(&mut rng, sn, 4.0), &grid(&mut rng, sm, 256.0));
        // Row-stochastic A: A 1 = 1 (σ_max = 1, not a contraction).
        let mut lin = sk.linearize(&x, &bv).unwrap();
        let mut out = vec![0.0; sn];
        lin.a_mul_into(&[1.0; 3], &mut out).unwrap();
        prop_assert!(out.iter().all(|v| (v - 1.0).abs() < 1e-12));
        let mut lini = ski.linearize(&x.iter().map(|&v| iv(v)).collect::<Vec<_>>(), &bv.iter().map(|&v| iv(v)).collect::<Vec<_>>()).unwrap();
        let mut outi = vec![iv(0.0); sn];
        lini.a_mul_into(&[iv(1.0); 3], &mut outi).unwrap();
        prop_assert!(outi.iter().all(|v| v.contains(1.0)));

        // Entropic NNLS.
        let nn = EntropicNnls::new(Design::Dense(a.clone()), b.clone(), StepRule::Given(0.125)).unwrap();
        let nni = EntropicNnls::new(Design::Dense(a.map(|v| iv(*v))), b.iter().map(|&v| iv(v)).collect(), StepRule::Given(iv(0.125))).unwrap();
        let x: Vec<f64> = (0..3).map(|_| 0.125 + (rng.next_u64() % 16) as f64 / 16.0).collect();
        check_jvp_vjp(&nn, &x, &[0.25], &mut rng, 1e-12);
        mean_value_check(&nni, &x, &[0.25], &grid(&mut rng, 3, 4.0), &grid(&mut rng, 1, 16.0));
    }
}

/// Logistic FB fixed points satisfy the KKT conditions of the elastic-net logistic
/// problem, with the gradient of the mean cross-entropy computed here by hand.
#[test]
fn logistic_fixed_point_is_kkt() {
    for multiclass in [false, true] {
        let mut rng = Rng(11);
        let map: LogisticFb<f64> = logistic_instance(&mut rng, multiclass, true);
        let mut rng = Rng(11);
        let nsamp = 6;
        let amat =
            Matrix::<f64>::from_fn(nsamp, 3, |_, _| ((rng.next_u64() % 17) as f64 - 8.0) / 8.0);
        let (l1, l2) = (0.05, 0.1);
        let (n, _) = map.dims();
        let x = fixed_point(&map, &vec![0.0; n], &[l1, l2], 1e-14, 200_000);
        let k = n / 3;
        // Hand gradient: binary (1/N) Σ (σ(mᵢ) − [yᵢ=1]) aᵢ; multiclass (1/N) Σ (pᵢ − e_{yᵢ}) ⊗ aᵢ.
        let mut g = vec![0.0; n];
        for i in 0..nsamp {
            let row: Vec<f64> = (0..3).map(|j| amat[(i, j)]).collect();
            let logits: Vec<f64> = (0..k)
                .map(|c| (0..3).map(|j| row[j] * x[j + 3 * c]).sum())
                .collect();
            let resid: Vec<f64> = if k == 1 {
                let y1 = if i % 2 == 0 { 1.0 } else { 0.0 };
                vec![1.0 / (1.0 + (-logits[0]).exp()) - y1]
            } else {
                let mx = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let z: f64 = logits.iter().map(|l| (l - mx).exp()).sum();
                (0..k)
                    .map(|c| (logits[c] - mx).exp() / z - if i % 3 == c { 1.0 } else { 0.0 })
                    .collect()
            };
            for c in 0..k {
                for j in 0..3 {
                    g[j + 3 * c] += resid[c] * row[j] / nsamp as f64;
                }
            }
        }
        for j in 0..n {
            let s = g[j] + l2 * x[j];
            if x[j] != 0.0 {
                assert!(
                    (s + l1 * x[j].signum()).abs() < 1e-9,
                    "KKT on the support, coordinate {j}"
                );
            } else {
                assert!(s.abs() <= l1 + 1e-9, "KKT off the support, coordinate {j}");
            }
        }
    }
}

/// Sinkhorn's fixed point gives a plan with marginals `a` and `b`; entropic NNLS reaches
/// the interior solution of `AᵀA x = Aᵀb − λ1` (solved here with nalgebra's LU).
#[test]
fn sinkhorn_and_entropic_fixed_points() {
    let cost = Matrix::<f64>::from_f64_rows(&[vec![0.0, 1.0, 2.0], vec![1.0, 0.0, 1.0]]).unwrap();
    let a = vec![0.4, 0.6];
    let b = vec![0.2, 0.5, 0.3];
    let sk = Sinkhorn::new(&a, &cost, &0.7).unwrap();
    let x = fixed_point(&sk, &[0.0, 0.0], &b, 1e-15, 10_000);
    let p = sk.plan(&x, &b).unwrap();
    for i in 0..2 {
        assert!(((0..3).map(|j| p[(i, j)]).sum::<f64>() - a[i]).abs() < 1e-12);
    }
    for j in 0..3 {
        assert!(((0..2).map(|i| p[(i, j)]).sum::<f64>() - b[j]).abs() < 1e-12);
    }
    let am =
        Matrix::<f64>::from_f64_rows(&[vec![2.0, 0.5], vec![0.5, 1.0], vec![0.0, 1.0]]).unwrap();
    let xs = [1.0, 2.0];
    let lam = 0.1;
    let bb = am.mul_vec(&xs).unwrap();
    let nn = EntropicNnls::new(
        Design::Dense(am.clone()),
        bb.clone(),
        StepRule::InverseLipschitz,
    )
    .unwrap();
    let x = fixed_point(&nn, &[1.0, 1.0], &[lam], 1e-15, 100_000);
    let ata = am.transpose().matmul(&am).unwrap().to_nalgebra();
    let rhs = nalgebra::DVector::from_vec(
        am.tr_mul_vec(&bb)
            .unwrap()
            .iter()
            .map(|v| v - lam)
            .collect(),
    );
    let sol = ata.lu().solve(&rhs).unwrap();
    for j in 0..2 {
        assert!(
            (x[j] - sol[j]).abs() < 1e-10,
            "x[{j}] = {} vs {}",
            x[j],
            sol[j]
        );
    }
    assert!(
        nn.apply(&[0.0, 1.0], &[lam]).is_err(),
        "state must stay positive"
    );
}

/// Clarke's map `F(x, y) = (|x| + y, 2x + |y|)` as a fixed-point map (`m = 0`): the
/// conservative Jacobian at the origin has the four vertices `[[±1, 1], [2, ±1]]`
/// (hand derivation), the AD element is `[[0, 1], [2, 0]]` (`abs'(0) = 0`), and
/// one-sided derivatives along random lines are vertices applied to the direction.
#[test]
fn clarke_map_at_origin() {
    use piggyback::maps::SelectionMap;
    use piggyback::selection::{primitives::Abs, Affine, Compose, Coordinatewise, Stack};
    let l = mat(&[
        &[(1, 1), (0, 1), (0, 1), (1, 1)],
        &[(0, 1), (1, 1), (2, 1), (0, 1)],
    ]);
    let sel = Compose {
        inner: Stack(
            Coordinatewise {
                primitive: Abs,
                n: 2,
            },
            piggyback::selection::Affine::linear(Matrix::<Rational>::identity(2)),
        ),
        outer: Affine::linear(l),
    };
    let f = SelectionMap::new::<Rational>(sel, 0).unwrap();
    let zero = vec![Rational::new(), Rational::new()];
    let set = f.conservative_jacobian(&zero, &[]).unwrap();
    let MatrixSetView::Hull(vs) = set.view() else {
        panic!("expected a hull")
    };
    assert_eq!(vs.len(), 4);
    for a in [-1, 1] {
        for d in [-1, 1] {
            assert!(vs.contains(&mat(&[&[(a, 1), (1, 1)], &[(2, 1), (d, 1)]])));
        }
    }
    let (a, _) = f.jacobian(&zero, &[]).unwrap();
    assert_eq!(a, mat(&[&[(0, 1), (1, 1)], &[(2, 1), (0, 1)]]));
    let mut rng = Rng(5);
    for _ in 0..8 {
        let dx = vec![rng.rat(5, 2), rng.rat(5, 2)];
        kink_check(&f, &zero, &[], &dx, &[]);
    }
    assert!(line_identity(
        &f,
        &[r(1, 3), r(-2, 5)],
        &[],
        &[r(1, 1), r(1, 2)],
        &[]
    ));
}

/// f64 tolerance: at the f64 fixed point of the degenerate LASSO (λ = 1, where
/// `|z_1| = τ` holds exactly in exact arithmetic), the tie is recognised with the
/// default tolerance and the conservative Jacobian has `q_1 ∈ [0, 1]`.
#[test]
fn fb_f64_tolerance_at_degenerate_fixed_point() {
    let (a, b) = lasso_data();
    let af = Matrix::<f64>::from_f64_rows(
        &a.iter()
            .map(|r| r.iter().map(|&v| v as f64).collect())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let fb = ForwardBackward::lasso(af, b.iter().map(|&v| v as f64).collect()).unwrap();
    let x = fixed_point(&fb, &[0.0; 3], &[1.0], 1e-16, 100_000);
    match fb.conservative_jacobian(&x, &[1.0]).unwrap().view() {
        MatrixSetView::DiagBox { q_lo, q_hi, .. } => {
            assert_eq!(
                (q_lo[1], q_hi[1]),
                (0.0, 1.0),
                "tie at the threshold recognised"
            );
            assert_eq!((q_lo[0], q_hi[0]), (1.0, 1.0));
        }
        other => panic!("expected a DiagBox, got {other:?}"),
    }
    assert!(!fb.linearize(&x, &[1.0]).unwrap().is_smooth_point());
    let exact = fb
        .clone()
        .with_tolerance(piggyback::selection::Tolerance::EXACT);
    let _ = exact.conservative_jacobian(&x, &[1.0]).unwrap();
}

/// Intervals over a box straddling the kink of the degenerate LASSO (λ = 1): the tie is
/// possibly active (`q_1 ∈ [0, 1]`), and the AD element encloses both choices of the
/// derivative (its row 1 contains 0 and the exact `q_1 = 1` row).
#[test]
fn fb_interval_box_across_kink() {
    let exact = lasso_rational(StepRule::FrobeniusBound, Penalty::Lasso);
    let a = exact.design().to_dense().map(Interval::from_rational);
    let b: Vec<Interval> = exact
        .response()
        .iter()
        .map(Interval::from_rational)
        .collect();
    let fbi = ForwardBackward::new(
        Design::Dense(a),
        b,
        Penalty::Lasso,
        StepRule::Given(Interval::from_rational(exact.gamma())),
    )
    .unwrap();
    let xs = [1.5, 0.0, -0.5];
    let x: Vec<Interval> = xs
        .iter()
        .map(|&v| Interval::from_bounds(v - 1e-6, v + 1e-6).unwrap())
        .collect();
    let th = [iv(1.0)];
    match fbi.conservative_jacobian(&x, &th).unwrap().view() {
        MatrixSetView::DiagBox { q_lo, q_hi, .. } => {
            assert!(
                q_lo[1].contains(0.0) && q_hi[1].contains(1.0),
                "possibly active tie"
            );
            assert!(q_lo[0].contains(1.0) && q_hi[0].contains(1.0));
        }
        other => panic!("expected a DiagBox, got {other:?}"),
    }
    let mut lin = fbi.linearize(&x, &th).unwrap();
    assert!(!lin.is_smooth_point());
    let (ai, _) = lin.to_dense().unwrap();
    // The q_1 = 1 row of the exact map at x̂: c(I − γAᵀA) row 1, computed exactly.
    let (ae, _) = lasso_rational(StepRule::FrobeniusBound, Penalty::Lasso)
        .jacobian(&rv(&[(3, 2), (1, 1), (-1, 2)]), &[Rational::from(1)])
        .unwrap();
    assert!(ae[(1, 1)] != 0, "the reference row is the q = 1 row");
    for j in 0..3 {
        assert!(
            ai[(1, j)].contains(0.0),
            "AD row 1 contains the q = 0 choice"
        );
        assert!(
            ai[(1, j)].contains_rational(&ae[(1, j)]),
            "AD row 1 contains the q = 1 choice"
        );
    }
}

/// Sparse (CSR) and dense designs give the same logistic map and JVP (f64, up to
/// summation order).
#[test]
fn logistic_sparse_equals_dense() {
    for multiclass in [false, true] {
        let mut rng = Rng(21);
        let a = Matrix::<f64>::from_fn(7, 4, |_, _| {
            if rng.next_u64() % 3 == 0 {
                0.0
            } else {
                rng.unit()
            }
        });
        let labels = if multiclass {
            Labels::Multiclass {
                classes: 3,
                labels: (0..7).map(|i| i % 3).collect(),
            }
        } else {
            Labels::Binary((0..7).map(|i| if i % 3 == 0 { 1 } else { -1 }).collect())
        };
        let dense = LogisticFb::new(
            Design::Dense(a.clone()),
            labels.clone(),
            Penalty::ElasticNet,
            StepRule::InverseLipschitz,
        )
        .unwrap();
        let sparse = LogisticFb::new(
            Design::Sparse(Csr::from_dense(&a)),
            labels,
            Penalty::ElasticNet,
            StepRule::InverseLipschitz,
        )
        .unwrap();
        assert!((dense.gamma() - sparse.gamma()).abs() < 1e-14);
        let (n, _) = dense.dims();
        let x: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
        let th = [0.01, 0.1];
        let fd = dense.apply(&x, &th).unwrap();
        let fs = sparse.apply(&x, &th).unwrap();
        assert!(fd.iter().zip(&fs).all(|(p, q)| (p - q).abs() < 1e-13));
        let d: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
        let jd = dense
            .linearize(&x, &th)
            .unwrap()
            .jvp(&d, &[0.3, -0.2])
            .unwrap();
        let js = sparse
            .linearize(&x, &th)
            .unwrap()
            .jvp(&d, &[0.3, -0.2])
            .unwrap();
        assert!(jd.iter().zip(&js).all(|(p, q)| (p - q).abs() < 1e-13));
    }
}

/// Whether the exact set (at a point) is enclosed by the interval set (over a box):
/// `DiagBox` — `q` ranges and `M`, `C` entries enclosed; `Finite`/`Hull` — every exact
/// vertex lies entrywise in some interval vertex.
fn set_enclosed(exact: &MatrixSet<Rational>, enc: &MatrixSet<Interval>) -> bool {
    let mat_in = |e: &Matrix<Rational>, i: &Matrix<Interval>| {
        e.as_slice()
            .iter()
            .zip(i.as_slice())
            .all(|(q, iv)| iv.contains_rational(q))
    };
    match (exact.view(), enc.view()) {
        (
            MatrixSetView::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            },
            MatrixSetView::DiagBox {
                q_lo: il,
                q_hi: ih,
                m: im,
                offset: io,
            },
        ) => {
            (0..q_lo.len()).all(|k| {
                let lo_ok = Rational::from_f64(il[k].inf()).is_some_and(|v| v <= q_lo[k]);
                let hi_ok = Rational::from_f64(ih[k].sup()).is_some_and(|v| v >= q_hi[k]);
                // A row with q = 0 everywhere in the exact set needs no M enclosure.
                let row_needed = q_hi[k] != 0;
                let m_ok =
                    !row_needed || (0..m.cols()).all(|j| im[(k, j)].contains_rational(&m[(k, j)]));
                let c_ok = (0..m.cols()).all(|j| io[(k, j)].contains_rational(&offset[(k, j)]));
                lo_ok && hi_ok && m_ok && c_ok
            })
        }
        (
            MatrixSetView::Finite(ev) | MatrixSetView::Hull(ev),
            MatrixSetView::Finite(iv) | MatrixSetView::Hull(iv),
        ) => ev.iter().all(|e| iv.iter().any(|i| mat_in(e, i))),
        _ => false,
    }
}

fn to_interval_box(c: &[Rational], rad: f64) -> Vec<Interval> {
    c.iter()
        .map(|v| {
            let lo = Interval::from_rational(v).inf() - rad;
            let hi = Interval::from_rational(v).sup() + rad;
            Interval::from_bounds(lo, hi).unwrap()
        })
        .collect()
}

fn point_in_box(b: &[Interval], rng: &mut Rng) -> Vec<Rational> {
    b.iter()
        .map(|iv| {
            let lo = Rational::from_f64(iv.inf()).unwrap();
            let hi = Rational::from_f64(iv.sup()).unwrap();
            let s = Rational::from(((rng.next_u64() % 9) as i64, 8));
            lo.clone() + s * (hi - lo)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Soundness over boxes: the interval conservative Jacobian over a small box encloses
    /// the exact one at sampled rational points of the box (FB, ReLU layer, DR, ADMM,
    /// heavy ball), including boxes centred on a kink.
    #[test]
    fn interval_sets_enclose_exact_sets(seed in any::<u64>(), at_kink in any::<bool>()) {
        let mut rng = Rng(seed);
        let rad = 1.0 / 1024.0;
        let imat = |m: &Matrix<Rational>| m.map(Interval::from_rational);
        let ivec = |v: &[Rational]| v.iter().map(Interval::from_rational).collect::<Vec<_>>();
        // ReLU layer (kink: pre-activation 0 at the centre).
        let n = 3;
        let w = Matrix::from_fn(n, n, |_, _| rng.rat(3, 8));
        let u = Matrix::from_fn(n, 1, |_, _| rng.rat(4, 4));
        let x: Vec<Rational> = (0..n).map(|_| rng.rat(12, 5)).collect();
        let th = vec![rng.rat(4, 4)];
        let mut b: Vec<Rational> = (0..n).map(|_| rng.rat(4, 4)).collect();
        if at_kink {
            let pre = w.mul_vec(&x).unwrap()[0].clone() + Rational::from(&u[(0, 0)] * &th[0]);
            b[0] = Rational::from(-&pre);
        }
        let exact = ReluLayer::new(w.clone(), u.clone(), b.clone()).unwrap();
        let enc = ReluLayer::new(imat(&w), imat(&u), ivec(&b)).unwrap();
        let (bx, bt) = (to_interval_box(&x, rad), to_interval_box(&th, rad));
        let set_i = enc.conservative_jacobian(&bx, &bt).unwrap();
        for _ in 0..4 {
            let (px, pt) = (point_in_box(&bx, &mut rng), point_in_box(&bt, &mut rng));
            prop_assert!(set_enclosed(&exact.conservative_jacobian(&px, &pt).unwrap(), &set_i), "ReLU layer");
        }
        prop_assert!(set_enclosed(&exact.conservative_jacobian(&x, &th).unwrap(), &set_i), "ReLU layer centre");

        // Heavy ball (kink at x = 0).
        let hx = if at_kink { vec![Rational::new(), rng.rat(4, 4)] } else { vec![rng.rat(12, 5), rng.rat(4, 4)] };
        let hth = vec![r(1, 1), r(3, 4)];
        let (bx, bt) = (to_interval_box(&hx, rad), to_interval_box(&hth, 0.0));
        let set_i = HeavyBall::seeds().conservative_jacobian(&bx, &bt).unwrap();
        for _ in 0..4 {
            let px = point_in_box(&bx, &mut rng);
            prop_assert!(set_enclosed(&HeavyBall::seeds().conservative_jacobian(&px, &hth).unwrap(), &set_i), "heavy ball");
        }

        // FB, DR and ADMM on the fixed LASSO instance, at the degenerate point (λ = 1) or a random one.
        let fbq = lasso_rational(StepRule::FrobeniusBound, Penalty::Lasso);
        let a = fbq.design().to_dense();
        let bb = fbq.response().to_vec();
        let fbi = ForwardBackward::new(Design::Dense(imat(&a)), ivec(&bb), Penalty::Lasso, StepRule::Given(Interval::from_rational(fbq.gamma()))).unwrap();
        let fx = if at_kink { rv(&[(3, 2), (0, 1), (-1, 2)]) } else { (0..3).map(|_| rng.rat(12, 5)).collect() };
        let lam = vec![r(1, 1)];
        let (bx, bt) = (to_interval_box(&fx, rad), to_interval_box(&lam, 0.0));
        let set_i = fbi.conservative_jacobian(&bx, &bt).unwrap();
        for _ in 0..4 {
            let px = point_in_box(&bx, &mut rng);
            prop_assert!(set_enclosed(&fbq.conservative_jacobian(&px, &lam).unwrap(), &set_i), "forward–backward");
        }
        let gamma = r(1, 16);
        let drq = DouglasRachford::new(Design::Dense(a.clone()), bb.clone(), StepRule::Given(gamma.clone())).unwrap();
        let dri = DouglasRachford::new(Design::Dense(imat(&a)), ivec(&bb), StepRule::Given(Interval::from_rational(&gamma))).unwrap();
        let z: Vec<Rational> = (0..3).map(|_| rng.rat(12, 5)).collect();
        let bz = to_interval_box(&z, rad);
        let set_i = dri.conservative_jacobian(&bz, &bt).unwrap();
        for _ in 0..4 {
            let pz = point_in_box(&bz, &mut rng);
            prop_assert!(set_enclosed(&drq.conservative_jacobian(&pz, &lam).unwrap(), &set_i), "Douglas–Rachford");
        }
        let admq = Admm::new(Design::Dense(a.clone()), bb.clone(), r(3, 2)).unwrap();
        let admi = Admm::new(Design::Dense(imat(&a)), ivec(&bb), Interval::from_rational(&r(3, 2))).unwrap();
        let s: Vec<Rational> = (0..6).map(|_| rng.rat(12, 5)).collect();
        let bs = to_interval_box(&s, rad);
        let set_i = admi.conservative_jacobian(&bs, &bt).unwrap();
        for _ in 0..4 {
            let ps = point_in_box(&bs, &mut rng);
            prop_assert!(set_enclosed(&admq.conservative_jacobian(&ps, &lam).unwrap(), &set_i), "ADMM");
        }
    }
}

/// `F(x, θ) = 2x + θ·1` whose linearization claims `∂F/∂x = 3I` (a planted bug).
struct WrongJvp;

struct WrongLin;

impl piggyback::maps::Linearization<f64> for WrongLin {
    fn dims(&self) -> (usize, usize) {
        (2, 1)
    }
    fn a_mul_impl(&mut self, v: &[f64], out: &mut [f64]) {
        out.iter_mut().zip(v).for_each(|(o, vi)| *o = 3.0 * vi);
    }
    fn at_mul_impl(&mut self, w: &[f64], out: &mut [f64]) {
        out.iter_mut().zip(w).for_each(|(o, wi)| *o = 3.0 * wi);
    }
    fn b_mul_impl(&mut self, v: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = v[0]);
    }
    fn bt_mul_impl(&mut self, w: &[f64], out: &mut [f64]) {
        out[0] = w.iter().sum();
    }
    fn is_smooth_point(&self) -> bool {
        true
    }
}

impl FixedPointMap<f64> for WrongJvp {
    fn dims(&self) -> (usize, usize) {
        (2, 1)
    }
    fn apply(&self, x: &[f64], theta: &[f64]) -> piggyback::Result<Vec<f64>> {
        Ok(x.iter().map(|xi| 2.0 * xi + theta[0]).collect())
    }
    fn linearize(
        &self,
        _x: &[f64],
        _theta: &[f64],
    ) -> piggyback::Result<Box<dyn piggyback::maps::Linearization<f64> + '_>> {
        Ok(Box::new(WrongLin))
    }
    fn conservative_jacobian(
        &self,
        _x: &[f64],
        _theta: &[f64],
    ) -> piggyback::Result<MatrixSet<f64>> {
        MatrixSet::finite(vec![Matrix::from_f64_rows(&[
            vec![3.0, 0.0, 1.0],
            vec![0.0, 3.0, 1.0],
        ])?])
    }
}
