//! ITD and AID engines against exact references (docs/mathematics.md §5, §6).

mod diff_common;

use diff_common::*;
use piggyback::diff::aid::{self, GmresOptions};
use piggyback::diff::itd::{self, Checkpointing};
use piggyback::diff::IterOptions;
use piggyback::linalg::Matrix;
use piggyback::maps::FixedPointMap;
use piggyback::Scalar;
use rug::Rational;

fn q(p: i64, d: i64) -> Rational {
    Rational::from((p, d))
}

/// Exact closed form on the support (independent elimination): `−(A_SᵀA_S)^{-1} s_S`, 0 off S.
fn lasso_closed_form(
    a: &Matrix<Rational>,
    support: &[usize],
    signs: &[Rational],
    p: usize,
) -> Vec<Rational> {
    let a_s = a
        .select(&(0..a.rows()).collect::<Vec<_>>(), support)
        .unwrap();
    let g = a_s.transpose().matmul(&a_s).unwrap();
    let neg_s: Vec<Rational> = signs.iter().map(|s| s.neg()).collect();
    let d = ref_solve(&g, &neg_s);
    let mut out = vec![Rational::new(); p];
    for (k, &j) in support.iter().enumerate() {
        out[j] = d[k].clone();
    }
    out
}

#[test]
fn exact_lasso_aid_solve_equals_closed_form() {
    let (a, b, xhat, lambda) = lasso_instance::<Rational>((1, 2));
    // Independent KKT check: A_Sᵀ r = λ s_S and |A_2ᵀ r| < λ.
    let r: Vec<Rational> = b
        .iter()
        .zip(a.mul_vec(&xhat).unwrap())
        .map(|(u, v)| u.sub(&v))
        .collect();
    let c = a.tr_mul_vec(&r).unwrap();
    assert_eq!(c, vec![q(1, 1), q(-1, 1), q(1, 2)]);
    let map = LassoFb::new(a.clone(), b, q(1, 5)); // γ = 1/5 ≤ 1/‖AᵀA‖ (row sums ≤ 5)
                                                   // x̂ is an exact fixed point.
    assert_eq!(
        map.apply(&xhat, std::slice::from_ref(&lambda)).unwrap(),
        xhat
    );
    let mut lin = map.linearize(&xhat, std::slice::from_ref(&lambda)).unwrap();
    assert!(lin.is_smooth_point());
    let out = aid::solve_dense(lin.as_mut(), &Matrix::identity(1)).unwrap();
    let expected = lasso_closed_form(&a, &[0, 1], &[q(1, 1), q(-1, 1)], 3);
    // By hand: A_SᵀA_S = [[2,1],[1,2]], inverse [[2,−1],[−1,2]]/3, so −inv·(1,−1) = (−1, 1).
    assert_eq!(expected, vec![q(-1, 1), q(1, 1), q(0, 1)]);
    assert_eq!(out.derivative.into_vec(), expected);
    assert_eq!(out.report.residual, 0.0);
    // Adjoint form: θ̄ = ⟨v, J⟩ exactly.
    let v = vec![q(3, 1), q(1, 2), q(-7, 1)];
    let adj = aid::solve_dense_adjoint(lin.as_mut(), &v).unwrap();
    let want = v
        .iter()
        .zip(&expected)
        .fold(Rational::new(), |acc, (x, y)| acc.add(&x.mul(y)));
    assert_eq!(adj.derivative.theta_bar, vec![want]);
}

fn f64_lasso() -> (LassoFb<f64>, Vec<f64>, f64) {
    let (a, b, _, lambda) = lasso_instance::<f64>((1, 2));
    (LassoFb::new(a, b, 0.2), vec![-1.0, 1.0, 0.0], lambda)
}

/// ‖A*‖₂ at the solution (f64 SVD).
fn rho_star(map: &LassoFb<f64>) -> f64 {
    let mut lin = map.linearize(&[2.0, -3.0, 0.0], &[1.0]).unwrap();
    let (a, _) = lin.to_dense().unwrap();
    a.to_nalgebra().singular_values().max()
}

#[test]
fn itd_and_aid_fp_converge_linearly_in_f64() {
    let (map, jstar, lambda) = f64_lasso();
    let rho = rho_star(&map);
    assert!(rho < 1.0, "rho = {rho}");
    let mut st = itd::ItdForward::new(&map, &[0.0; 3], &[lambda], Matrix::identity(1)).unwrap();
    let mut errs = vec![];
    for _ in 0..300 {
        st.step().unwrap();
        errs.push(
            st.derivative()
                .as_slice()
                .iter()
                .zip(&jstar)
                .map(|(u, v)| (u - v).powi(2))
                .sum::<f64>()
                .sqrt(),
        );
    }
    // After support identification (t0 = 40) the error contracts at least like ρ^t.
    let t0 = 40;
    let c = errs[t0 - 1] / rho.powi(t0 as i32);
    for t in t0..200 {
        assert!(
            errs[t - 1] <= c * rho.powi(t as i32) * (1.0 + 1e-9) + 1e-14,
            "t = {t}: {} > {}",
            errs[t - 1],
            c * rho.powi(t as i32)
        );
    }
    assert!(errs[299] < 1e-10, "ITD final error {}", errs[299]);
    // AID-FP with the linearization at x_t: J_K − J* = −A^K J*, so ‖J_K − J*‖ ≤ ρ^K ‖J*‖.
    let x_t = st.x().to_vec();
    let mut lin = map.linearize(&x_t, &[lambda]).unwrap();
    let jnorm = 2f64.sqrt();
    let mut fp = aid::AidFp::new(lin.as_mut(), &Matrix::identity(1)).unwrap();
    for k in 1..=100 {
        fp.step().unwrap();
        let e = fp
            .derivative()
            .as_slice()
            .iter()
            .zip(&jstar)
            .map(|(u, v)| (u - v).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(
            e <= rho.powi(k) * jnorm * (1.0 + 1e-9) + 1e-14,
            "k = {k}: {e}"
        );
    }
    // The driver reaches its tolerance and reports a smooth point.
    let out = aid::fp_forward(
        lin.as_mut(),
        &Matrix::identity(1),
        &IterOptions {
            tol: 1e-12,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(out.report.smooth && out.report.residual <= 1e-12);
}

#[test]
fn gmres_neumann_fpad_and_itd_modes_agree() {
    let (map, jstar, lambda) = f64_lasso();
    let xs = [2.0, -3.0, 0.0];
    let mut lin = map.linearize(&xs, &[lambda]).unwrap();
    let g = aid::gmres_forward(lin.as_mut(), &[1.0], &GmresOptions::default()).unwrap();
    for (u, v) in g.derivative.iter().zip(&jstar) {
        assert!((u - v).abs() < 1e-9);
    }
    let v = [0.3, -1.2, 2.0];
    let want: f64 = v.iter().zip(&jstar).map(|(a, b)| a * b).sum();
    let ga = aid::gmres_adjoint(lin.as_mut(), &v, &GmresOptions::default()).unwrap();
    assert!((ga.derivative.theta_bar[0] - want).abs() < 1e-9);
    let fa = aid::fp_adjoint(lin.as_mut(), &v, &IterOptions::default()).unwrap();
    assert!((fa.derivative.theta_bar[0] - want).abs() < 1e-8);
    let rho = rho_star(&map);
    let nm = aid::neumann(lin.as_mut(), &Matrix::identity(1), 200, Some(rho)).unwrap();
    let err = nm
        .derivative
        .as_slice()
        .iter()
        .zip(&jstar)
        .map(|(u, v)| (u - v).powi(2))
        .sum::<f64>()
        .sqrt();
    assert!(err <= nm.tail_bound.unwrap() + 1e-14 && err < 1e-9);
    let fp = aid::fpad(
        &map,
        &xs,
        &[lambda],
        &Matrix::identity(1),
        &IterOptions::default(),
    )
    .unwrap();
    assert_eq!(fp.fixed_point_residual, 0.0);
    assert!((fp.derivative[(0, 0)] + 1.0).abs() < 1e-8);
    // ITD reverse equals ITD forward (same selections), with or without checkpoints.
    let t = 57;
    let fwd = itd::jacobian(&map, &[0.5, 0.1, -0.2], &[lambda], &IterOptions::fixed(t)).unwrap();
    let want_rev: f64 = v
        .iter()
        .zip(fwd.derivative.as_slice())
        .map(|(a, b)| a * b)
        .sum();
    for cp in [
        Checkpointing::All,
        Checkpointing::Every(1),
        Checkpointing::Every(8),
        Checkpointing::Every(100),
    ] {
        let rev = itd::vjp(
            &map,
            &[0.5, 0.1, -0.2],
            &[lambda],
            |_| Ok(v.to_vec()),
            &IterOptions::fixed(t),
            cp,
        )
        .unwrap();
        assert!(
            (rev.derivative.theta_bar[0] - want_rev).abs() < 1e-12,
            "{cp:?}"
        );
        assert_eq!(rev.report.iterations, t);
        if cp == Checkpointing::Every(8) {
            assert!(rev.derivative.stored_states < 8 + 57 / 8 + 2);
        }
    }
    let jv = itd::jvp(
        &map,
        &[0.5, 0.1, -0.2],
        &[lambda],
        &[2.0],
        &IterOptions::fixed(t),
    )
    .unwrap();
    assert!((jv.derivative[0] - 2.0 * fwd.derivative[(0, 0)]).abs() < 1e-12);
}

#[test]
fn exact_itd_reverse_matches_forward_on_affine_rationals() {
    // F(x, θ) = M x + N θ with M = [[1/2, 1/4], [0, 1/3]], N = [[1], [2]].
    let m: Matrix<Rational> =
        Matrix::from_ratio_rows(&[vec![(1, 2), (1, 4)], vec![(0, 1), (1, 3)]]).unwrap();
    let n: Matrix<Rational> = Matrix::from_ratio_rows(&[vec![(1, 1)], vec![(2, 1)]]).unwrap();
    let map = Affine {
        m: m.clone(),
        n: n.clone(),
    };
    let x0 = vec![q(0, 1), q(0, 1)];
    let fwd = itd::jacobian(&map, &x0, &[q(1, 1)], &IterOptions::fixed(6)).unwrap();
    // Independent: J_6 = Σ_{k<6} M^k N.
    let mut term = n.clone();
    let mut sum = Matrix::<Rational>::zeros(2, 1);
    for _ in 0..6 {
        sum = sum.add(&term).unwrap();
        term = m.matmul(&term).unwrap();
    }
    assert_eq!(fwd.derivative, sum);
    let w = vec![q(1, 1), q(-3, 1)];
    let rev = itd::vjp(
        &map,
        &x0,
        &[q(1, 1)],
        |_| Ok(w.clone()),
        &IterOptions::fixed(6),
        Checkpointing::Every(4),
    )
    .unwrap();
    let want = sum[(0, 0)].clone() - Rational::from(&sum[(1, 0)] * 3);
    assert_eq!(rev.derivative.theta_bar, vec![want]);
    // Exact AID solve: (I − M)^{-1} N; I − M = [[1/2, −1/4], [0, 2/3]], so u₂ = 3, u₁ = (1 + 3/4)·2 = 7/2.
    let mut lin = map.linearize(&x0, &[q(1, 1)]).unwrap();
    let s = aid::solve_dense(lin.as_mut(), &Matrix::identity(1)).unwrap();
    assert_eq!(s.derivative.into_vec(), vec![q(7, 2), q(3, 1)]);
}

#[test]
fn typed_errors_instead_of_numbers() {
    // Expanding map: AID-FP must say NotContractive.
    let m = Matrix::from_f64_rows(&[vec![1.5, 0.0], vec![0.0, 0.5]]).unwrap();
    let n = Matrix::from_f64_rows(&[vec![1.0], vec![1.0]]).unwrap();
    let map = Affine { m, n };
    let mut lin = map.linearize(&[0.0, 0.0], &[0.0]).unwrap();
    let e =
        aid::fp_forward(lin.as_mut(), &Matrix::identity(1), &IterOptions::default()).unwrap_err();
    assert_eq!(err_kind(&e), "NotContractive", "{e}");
    let e = itd::jacobian(&map, &[1.0, 1.0], &[1.0], &IterOptions::default()).unwrap_err();
    assert_eq!(err_kind(&e), "NotContractive", "{e}");
    // I − A singular: A = I.
    let id = Affine {
        m: Matrix::<Rational>::identity(2),
        n: Matrix::from_ratio_rows(&[vec![(1, 1)], vec![(0, 1)]]).unwrap(),
    };
    let mut lin = id.linearize(&[q(0, 1), q(0, 1)], &[q(0, 1)]).unwrap();
    let e = aid::solve_dense(lin.as_mut(), &Matrix::identity(1)).unwrap_err();
    assert_eq!(err_kind(&e), "Singular");
    let idf = Affine {
        m: Matrix::<f64>::identity(2),
        n: Matrix::from_f64_rows(&[vec![1.0], vec![0.0]]).unwrap(),
    };
    let mut linf = idf.linearize(&[0.0, 0.0], &[0.0]).unwrap();
    let e = aid::gmres_forward(linf.as_mut(), &[1.0], &GmresOptions::default()).unwrap_err();
    assert_eq!(err_kind(&e), "Singular", "{e}");
    // Budget too small: NotConverged.
    let slow = Affine {
        m: Matrix::from_f64_rows(&[vec![0.99, 0.0], vec![0.0, 0.5]]).unwrap(),
        n: Matrix::from_f64_rows(&[vec![1.0], vec![1.0]]).unwrap(),
    };
    let mut lin = slow.linearize(&[0.0, 0.0], &[0.0]).unwrap();
    let e = aid::fp_forward(
        lin.as_mut(),
        &Matrix::identity(1),
        &IterOptions {
            max_iter: 10,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err_kind(&e), "NotConverged");
    // NaN input: typed error.
    assert!(itd::jacobian(&slow, &[f64::NAN, 0.0], &[0.0], &IterOptions::fixed(3)).is_err());
}

#[test]
fn gmres_solves_a_nonsymmetric_system() {
    // Non-symmetric, non-normal A (upper triangular with a large off-diagonal).
    let a = Matrix::from_f64_rows(&[
        vec![0.5, 4.0, 0.0],
        vec![0.0, 0.5, 4.0],
        vec![0.1, 0.0, 0.5],
    ])
    .unwrap();
    let map = Affine {
        m: a.clone(),
        n: Matrix::from_f64_rows(&[vec![1.0], vec![2.0], vec![3.0]]).unwrap(),
    };
    let mut lin = map.linearize(&[0.0; 3], &[0.0]).unwrap();
    let g = aid::gmres_forward(
        lin.as_mut(),
        &[1.0],
        &GmresOptions {
            restart: 3,
            ..Default::default()
        },
    )
    .unwrap();
    let d = aid::solve_dense(lin.as_mut(), &Matrix::identity(1)).unwrap();
    for i in 0..3 {
        assert!(
            (g.derivative[i] - d.derivative[(i, 0)]).abs() < 1e-8,
            "{:?} vs {:?}",
            g.derivative,
            d.derivative
        );
    }
    assert!(g.report.iterations <= 4);
    // A larger non-symmetric contraction with restarts (m = 5 < n = 40).
    let n = 40;
    let a = Matrix::from_fn(n, n, |i, j| {
        (((i * 7 + j * 13) % 17) as f64 - 8.0) / (17.0 * n as f64)
            + if j == i + 1 { 0.3 } else { 0.0 }
    });
    let map = Affine {
        m: a,
        n: Matrix::from_fn(n, 1, |i, _| (i as f64).sin()),
    };
    let mut lin = map.linearize(&vec![0.0; n], &[0.0]).unwrap();
    let g = aid::gmres_forward(
        lin.as_mut(),
        &[1.0],
        &GmresOptions {
            restart: 5,
            ..Default::default()
        },
    )
    .unwrap();
    let d = aid::solve_dense(lin.as_mut(), &Matrix::identity(1)).unwrap();
    for i in 0..n {
        assert!((g.derivative[i] - d.derivative[(i, 0)]).abs() < 1e-8);
    }
    let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).cos()).collect();
    let ga = aid::gmres_adjoint(
        lin.as_mut(),
        &v,
        &GmresOptions {
            restart: 5,
            ..Default::default()
        },
    )
    .unwrap();
    let da = aid::solve_dense_adjoint(lin.as_mut(), &v).unwrap();
    assert!((ga.derivative.theta_bar[0] - da.derivative.theta_bar[0]).abs() < 1e-8);
}
