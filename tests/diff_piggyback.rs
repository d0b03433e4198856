//! The set-valued piggyback recursion: heavy-ball divergence, degenerate LASSO.

mod diff_common;

use diff_common::*;
use piggyback::diff::itd;
use piggyback::diff::piggyback::{self as pb, Piggyback};
use piggyback::diff::IterOptions;
use piggyback::excess::dist_sq;
use piggyback::linalg::Matrix;
use piggyback::maps::FixedPointMap;
use piggyback::matset::MatrixSet;
use piggyback::matset::{Overflow, SetOptions};
use piggyback::MatrixSetView;
use piggyback::Scalar;
use rug::Rational;

/// `sup ‖X‖_F` (f64 estimate of the exact supremum).
fn sup_fro(set: &MatrixSet<f64>) -> f64 {
    set.sup_frobenius_sq().unwrap().sqrt()
}

/// Distance (f64) from `p` to the explicit members of a finite set or hull: for a hull
/// an upper bound of the distance to the hull.
fn dist_to_members(p: &Matrix<Rational>, set: &MatrixSet<Rational>) -> f64 {
    let members = MatrixSet::finite(set.members().unwrap().to_vec()).unwrap();
    dist_sq(p, &members).unwrap().to_f64().sqrt()
}

fn heavy_ball_vertices<S: Scalar>() -> (Matrix<S>, Matrix<S>) {
    // docs/mathematics.md §5: M₁ = [[3/4, −3/4], [1, 0]], M₂ = [[3/2, −3/4], [1, 0]].
    let m1 = Matrix::from_ratio_rows(&[vec![(3, 4), (-3, 4)], vec![(1, 1), (0, 1)]]).unwrap();
    let m2 = Matrix::from_ratio_rows(&[vec![(3, 2), (-3, 4)], vec![(1, 1), (0, 1)]]).unwrap();
    (m1, m2)
}

#[test]
fn heavy_ball_sets_diverge_while_each_single_recursion_converges() {
    let (m1, m2) = heavy_ball_vertices::<Rational>();
    // The seeds' witness: M₁M₁M₂M₂ = [[−9/8, 81/128], [0, −9/32]] (eigenvalue −9/8).
    let prod = m1
        .matmul(&m1)
        .unwrap()
        .matmul(&m2)
        .unwrap()
        .matmul(&m2)
        .unwrap();
    assert_eq!(
        prod,
        Matrix::from_ratio_rows(&[vec![(-9, 8), (81, 128)], vec![(0, 1), (-9, 32)]]).unwrap()
    );

    let b = Matrix::<f64>::from_f64_rows(&[vec![1.0], vec![0.0]]).unwrap();
    let (f1, f2) = heavy_ball_vertices::<f64>();
    // Each single-matrix recursion J ← Mᵢ J + B converges (spectral radius √3/2) to (I − Mᵢ)^{-1}B.
    for m in [&f1, &f2] {
        let map = Affine {
            m: m.clone(),
            n: b.clone(),
        };
        let mut lin = map.linearize(&[0.0, 0.0], &[0.0]).unwrap();
        let fp = piggyback::diff::aid::fp_forward(
            lin.as_mut(),
            &Matrix::identity(1),
            &IterOptions {
                tol: 1e-12,
                ..Default::default()
            },
        )
        .unwrap();
        let exact = piggyback::diff::aid::solve_dense(lin.as_mut(), &Matrix::identity(1)).unwrap();
        assert!((fp.derivative[(0, 0)] - exact.derivative[(0, 0)]).abs() < 1e-9);
        assert!(fp.derivative.as_slice().iter().all(|v| v.abs() < 10.0));
    }
    // The set-valued recursion with D = {[M₁, B], [M₂, B]} (vertices of D_F(0)); inner
    // approximation keeping extreme points in 64 directions: its sup-norms are lower bounds.
    let d = MatrixSet::finite(vec![f1.hstack(&b).unwrap(), f2.hstack(&b).unwrap()]).unwrap();
    let opts = SetOptions {
        cap: 64,
        overflow: Overflow::KeepExtreme,
        ..Default::default()
    };
    let mut set = MatrixSet::singleton(Matrix::zeros(2, 1)).unwrap();
    let mut norms = vec![0.0];
    for _ in 0..160 {
        set = d.act_with(&set, &opts).unwrap().0;
        norms.push(sup_fro(&set));
    }
    println!(
        "heavy ball sup-norms every 20 steps: {:?}",
        norms.iter().step_by(20).collect::<Vec<_>>()
    );
    assert!(
        norms[160] > 1e3 && norms[160] > 20.0 * norms[40],
        "{} vs {}",
        norms[160],
        norms[40]
    );
    for t in (40..=150).step_by(10) {
        assert!(norms[t + 10] > norms[t], "t = {t}");
    }
    // Sound outer boxes grow as well (they contain the true sets).
    let boxed = SetOptions {
        cap: 64,
        overflow: Overflow::Enclose,
        ..Default::default()
    };
    let mut set = MatrixSet::singleton(Matrix::zeros(2, 1)).unwrap();
    for _ in 0..60 {
        set = d.act_with(&set, &boxed).unwrap().0;
    }
    assert!(sup_fro(&set) > norms[60]);
    // And the fixed-set bound refuses to apply (‖M₂‖ > 1).
    assert!(pb::fixed_set(&d, &Matrix::zeros(2, 1), 5, None, &boxed).is_err());
}

#[test]
fn degenerate_lasso_piggyback_set_contains_implicit_set() {
    let (a, b, xhat, lambda) = lasso_instance::<Rational>((1, 1));
    let gamma = Rational::from((1, 5));
    let map = LassoFb::new(a.clone(), b, gamma.clone());
    assert_eq!(
        map.apply(&xhat, std::slice::from_ref(&lambda)).unwrap(),
        xhat
    );
    let lin = map.linearize(&xhat, std::slice::from_ref(&lambda)).unwrap();
    assert!(!lin.is_smooth_point(), "coordinate 2 is tied");
    let d = map
        .conservative_jacobian(&xhat, std::slice::from_ref(&lambda))
        .unwrap();
    // Its two vertices q₂ ∈ {0, 1} as a finite family (fix of a subfamily ⊆ J^pb).
    let verts = match d.view() {
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => {
            assert_eq!(
                q_lo,
                &vec![Rational::from(1), Rational::from(1), Rational::from(0)]
            );
            assert_eq!(
                q_hi,
                &vec![Rational::from(1), Rational::from(1), Rational::from(1)]
            );
            vec![
                m.scale_rows(q_lo).unwrap().add(offset).unwrap(),
                m.scale_rows(q_hi).unwrap().add(offset).unwrap(),
            ]
        }
        other => panic!("expected a DiagBox, got {other:?}"),
    };
    let dfin = MatrixSet::finite(verts).unwrap();
    // ρ ≥ ‖I − γAᵀA‖₂ ≥ ‖diag(q)(I − γAᵀA)‖₂ for every q ∈ [0,1]³ (f64 SVD + margin).
    let ig = Matrix::<f64>::identity(3)
        .sub(&map.ata.to_f64().scale(&0.2))
        .unwrap();
    let rho = ig.to_nalgebra().singular_values().max() + 1e-9;
    assert!(rho < 1.0);
    let t = 12;
    let approx = pb::fixed_set(
        &dfin,
        &Matrix::zeros(3, 1),
        t,
        Some(rho),
        &SetOptions {
            overflow: Overflow::Fail,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(approx.exact_iterates);
    assert_eq!(approx.set.member_count(), Some(1 << t));
    // Implicit set at the vertices, computed independently: q₂ = 0 gives the support
    // formula (−1, 1, 0); q₂ = 1 gives −(AᵀA)^{-1}(1, −1, sign z₂ = 1).
    let j0 = vec![Rational::from(-1), Rational::from(1), Rational::from(0)];
    let j1 = ref_solve(
        &map.ata,
        &[Rational::from(-1), Rational::from(1), Rational::from(-1)],
    );
    assert_ne!(j0, j1);
    for j in [&j0, &j1] {
        let dist = dist_to_members(&Matrix::column_vector(j), &approx.set);
        assert!(
            dist <= approx.bound,
            "J^imp ⊄ J^pb: distance {dist} > bound {}",
            approx.bound
        );
    }
    // More than one element: two elements of X_t farther apart than 2·bound.
    let els = match approx.set.view() {
        MatrixSetView::Finite(v) => v.to_vec(),
        _ => unreachable!(),
    };
    let f = |m: &Matrix<Rational>| m.to_f64().into_vec();
    let e0 = f(&els[0]);
    let emax = els
        .iter()
        .map(|m| {
            f(m).iter()
                .zip(&e0)
                .map(|(u, v)| (u - v).powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .fold(0.0, f64::max);
    println!(
        "degenerate LASSO: diameter ≥ {emax}, bound {}",
        approx.bound
    );
    assert!(emax > 2.0 * approx.bound);
}

#[test]
fn nondegenerate_piggyback_is_a_singleton_equal_to_itd() {
    let (a, b, _, lambda) = lasso_instance::<f64>((1, 2));
    let map = LassoFb::new(a, b, 0.2);
    let x0 = [0.3, 0.0, -0.1];
    let mut p = Piggyback::new(&map, &x0, &[lambda], SetOptions::default()).unwrap();
    for _ in 0..80 {
        p.step().unwrap();
    }
    let it = itd::jacobian(&map, &x0, &[lambda], &IterOptions::fixed(80)).unwrap();
    match p.set().view() {
        MatrixSetView::Finite(v) | MatrixSetView::Hull(v) => {
            assert!(!v.is_empty());
            for m in v {
                for (u, w) in m.as_slice().iter().zip(it.derivative.as_slice()) {
                    assert!((u - w).abs() < 1e-12);
                }
            }
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(p.norms().len(), 81);
}

#[test]
fn maps_forward_backward_degenerate_lasso_fixed_set() {
    use piggyback::maps::design::Design;
    use piggyback::maps::forward_backward::{ForwardBackward, Penalty, StepRule};
    // The same degenerate instance through the crate's forward–backward map (exact).
    let (a, b, xhat, lambda) = lasso_instance::<Rational>((1, 1));
    let fb = ForwardBackward::new(
        Design::Dense(a.clone()),
        b,
        Penalty::Lasso,
        StepRule::Given(Rational::from((1, 5))),
    )
    .unwrap();
    assert_eq!(
        fb.apply(&xhat, std::slice::from_ref(&lambda)).unwrap(),
        xhat
    );
    let d = fb
        .conservative_jacobian(&xhat, std::slice::from_ref(&lambda))
        .unwrap();
    let ata = a.transpose().matmul(&a).unwrap();
    let ig = Matrix::<f64>::identity(3)
        .sub(&ata.to_f64().scale(&0.2))
        .unwrap();
    let rho = ig.to_nalgebra().singular_values().max() + 1e-9;
    let t = 10;
    let approx = pb::fixed_set(
        &d,
        &Matrix::zeros(3, 1),
        t,
        Some(rho),
        &SetOptions {
            overflow: Overflow::Fail,
            ..Default::default()
        },
    )
    .unwrap();
    // Implicit elements at q₂ ∈ {0, 1} (independent elimination) lie within the bound.
    let j0 = Matrix::column_vector(&[Rational::from(-1), Rational::from(1), Rational::from(0)]);
    let j1 = Matrix::column_vector(&ref_solve(
        &ata,
        &[Rational::from(-1), Rational::from(1), Rational::from(-1)],
    ));
    for j in [&j0, &j1] {
        let dist = dist_to_members(j, &approx.set);
        assert!(
            dist <= approx.bound,
            "distance {dist} > bound {}",
            approx.bound
        );
    }
    assert!(approx.set.member_count().unwrap_or(0) > 1);
}
