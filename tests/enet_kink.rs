//! Honest at kinks on the fast path (issue 12, item 5): at an exactly constructed kink
//! the f64 solution carries a tiny nonzero (3e-10) on the kink coordinate; the solver's
//! tolerance (derived from its duality gap and KKT residual) must leave that coordinate
//! undecided, report "possibly set-valued" and return every vertex's hypergradient, each
//! equal to the exact vertex value computed in rationals.

mod diff_common;

use piggyback::diff::enet::{CdOptions, Enet, RestrictedSolver};
use piggyback::linalg::Matrix;
use rug::Rational;

/// Exact hypergradients `(−σ_Tᵀu, −w_Tᵀu)`, `(X_TᵀX_T·s + λ₂I) u = v_T`, in rationals.
fn exact_vertex(
    x: &Matrix<Rational>,
    s: &Rational,
    l2: &Rational,
    t: &[usize],
    sign: &[i64],
    w: &[Rational],
    v: &[Rational],
) -> [f64; 2] {
    let k = t.len();
    let h = Matrix::from_fn(k, k, |a, b| {
        let mut acc = Rational::new();
        for i in 0..x.rows() {
            acc += Rational::from(&x[(i, t[a])] * &x[(i, t[b])]);
        }
        acc *= s;
        if a == b {
            acc += l2;
        }
        acc
    });
    let vt: Vec<Rational> = t.iter().map(|&j| v[j].clone()).collect();
    let u = diff_common::ref_solve(&h, &vt);
    let mut g1 = Rational::new();
    let mut g2 = Rational::new();
    for (a, &j) in t.iter().enumerate() {
        g1 -= Rational::from(sign[a]) * &u[a];
        g2 -= Rational::from(&w[j] * &u[a]);
    }
    [g1.to_f64(), g2.to_f64()]
}

fn close(a: [f64; 2], b: [f64; 2]) -> bool {
    (0..2).all(|k| (a[k] - b[k]).abs() <= 1e-9 * b[k].abs().max(1.0))
}

/// Elastic net with an exact kink, `s = 1`, `λ₂ = 1/2`: residual `r* = (1,1,0,0,0)`,
/// `X_0ᵀr* = 3`, `X_1ᵀr* = −3`, `X_2ᵀr* = 2 = λ₁` (the kink), `X_3ᵀr* = 1 < λ₁`;
/// so `w* = ((3 − 2)/λ₂, (−3 + 2)/λ₂, 0, 0) = (2, −2, 0, 0)` and `y = X w* + r*`.
fn enet_kink() -> (Matrix<f64>, Vec<f64>, Vec<Rational>) {
    let cols: [[i64; 5]; 4] = [
        [2, 1, 1, 0, 0],
        [-1, -2, 0, 1, 0],
        [1, 1, 0, 0, 1],
        [1, 0, 0, 1, 1],
    ];
    let x = Matrix::from_fn(5, 4, |i, j| cols[j][i] as f64);
    let w = [2i64, -2, 0, 0];
    let r = [1i64, 1, 0, 0, 0];
    let y: Vec<f64> = (0..5)
        .map(|i| (0..4).map(|j| cols[j][i] * w[j]).sum::<i64>() as f64 + r[i] as f64)
        .collect();
    // The construction, checked exactly: correlations X_jᵀr* and the KKT equations.
    let corr: Vec<i64> = (0..4)
        .map(|j| (0..5).map(|i| cols[j][i] * r[i]).sum())
        .collect();
    assert_eq!(corr, vec![3, -3, 2, 1]);
    (x, y, w.iter().map(|&v| Rational::from(v)).collect())
}

#[test]
fn elastic_net_exact_kink_is_set_valued_with_every_vertex() {
    let (x, y, w_exact) = enet_kink();
    let (l1, l2) = (2.0, 0.5);
    let e = Enet::new(x.clone(), y, 1.0).unwrap();
    // The f64 solution with a tiny nonzero on the kink coordinate (as a solver stopping
    // at its tolerance leaves it): converged by the gap criterion, no polishing.
    let warm = [2.0, -2.0, 3e-10, 0.0];
    let opts = CdOptions {
        polish: 0,
        ..Default::default()
    };
    let sol = e.solve(l1, l2, Some(&warm), &opts).unwrap();
    assert_eq!(
        sol.w[2], 3e-10,
        "the solve must return the tiny nonzero as is"
    );
    assert_eq!(sol.kkt.support, vec![0, 1]);
    assert_eq!(sol.kkt.undecided, vec![2]);
    assert_eq!(sol.kkt.equicorrelation, vec![0, 1, 2]);
    assert!(!sol.kkt.single_valued);
    assert!(sol.kkt.tolerance.w_radius >= 3e-10);

    let v = [1.0, 0.5, -1.0, 2.0];
    let verts = e.conservative_hypergradients(&sol, l2, &v, 16).unwrap();
    assert_eq!(verts.len(), 2);
    let xr: Matrix<Rational> = x.map(|a| Rational::from_f64(*a).unwrap());
    let vr: Vec<Rational> = v.iter().map(|a| Rational::from_f64(*a).unwrap()).collect();
    let (s, l2r) = (Rational::from(1), Rational::from((1, 2)));
    let q0 = exact_vertex(&xr, &s, &l2r, &[0, 1], &[1, -1], &w_exact, &vr);
    let q1 = exact_vertex(&xr, &s, &l2r, &[0, 1, 2], &[1, -1, 1], &w_exact, &vr);
    assert!(close(verts[0], q0), "{:?} vs {q0:?}", verts[0]);
    assert!(close(verts[1], q1), "{:?} vs {q1:?}", verts[1]);
    assert!(
        !close(q0, q1),
        "the two vertices must differ for the test to mean anything"
    );
    // The single-selection path returns the vertex q = 0.
    let hg = e
        .hypergradient(&sol, l2, &v, RestrictedSolver::Cholesky)
        .unwrap();
    assert!(close(hg.grad, q0));

    // From scratch with polishing: the kink is exact, so it stays undecided.
    let sol = e.solve(l1, l2, None, &CdOptions::default()).unwrap();
    assert_eq!(sol.kkt.undecided, vec![2], "{:?}", sol.kkt);
    assert!(!sol.kkt.single_valued);
}

#[test]
fn elastic_net_off_the_kink_is_single_valued() {
    // λ₁ = 9/4 moves away from the kink: coordinate 2 is strictly inactive.
    let (x, y, _) = enet_kink();
    let e = Enet::new(x, y, 1.0).unwrap();
    let sol = e.solve(2.25, 0.5, None, &CdOptions::default()).unwrap();
    assert!(sol.kkt.single_valued, "{:?}", sol.kkt);
    assert_eq!(sol.kkt.support, vec![0, 1]);
    assert!(sol.kkt.undecided.is_empty());
}

#[test]
fn lasso_exact_kink_with_a_tiny_nonzero_is_set_valued() {
    // diff_common's LASSO instance with r₃ = 1: x̂ = (2, −3, 0), λ = 1, A₂ᵀr = 1 = λ.
    let (a, b, xhat, _) = diff_common::lasso_instance::<f64>((1, 1));
    let e = Enet::new(a.clone(), b, 1.0).unwrap();
    let warm = [xhat[0], xhat[1], 3e-10];
    let opts = CdOptions {
        polish: 0,
        tol: 1e-8,
        ..Default::default()
    };
    let sol = e.solve(1.0, 0.0, Some(&warm), &opts).unwrap();
    assert_eq!(sol.w[2], 3e-10);
    assert_eq!(sol.kkt.support, vec![0, 1]);
    assert_eq!(sol.kkt.undecided, vec![2]);
    assert!(!sol.kkt.single_valued);
    let v = [1.0, 0.0, 0.0];
    let verts = e.conservative_hypergradients(&sol, 0.0, &v, 16).unwrap();
    assert_eq!(verts.len(), 2);
    let ar: Matrix<Rational> = a.map(|x| Rational::from_f64(*x).unwrap());
    let w: Vec<Rational> = [2, -3, 0].iter().map(|&k| Rational::from(k)).collect();
    let vr: Vec<Rational> = v.iter().map(|x| Rational::from_f64(*x).unwrap()).collect();
    let (one, zero) = (Rational::from(1), Rational::new());
    let q0 = exact_vertex(&ar, &one, &zero, &[0, 1], &[1, -1], &w, &vr);
    // sign(A₂ᵀr) = +1 at the kink.
    let q1 = exact_vertex(&ar, &one, &zero, &[0, 1, 2], &[1, -1, 1], &w, &vr);
    assert!(close(verts[0], q0), "{:?} vs {q0:?}", verts[0]);
    assert!(close(verts[1], q1), "{:?} vs {q1:?}", verts[1]);
    assert!(!close(q0, q1));
}
