//! Issue 11 (architecture): the one specialisation mechanism (typed views of `Scalar`),
//! `Sound` as a real bound on the certificate finders (generic over `Exact` /
//! `Enclosure`; f64 is refused at compile time by the `compile_fail` doc tests of
//! `piggyback::scalar` and `piggyback::certify`), and the shared CG / GMRES solvers.

use nalgebra::{DMatrix, DVector};
use piggyback::certify::contraction::{self, SearchOptions};
use piggyback::certify::enclosure::{derivative_enclosure, derivative_error_bound};
use piggyback::certify::{invertible, refute};
use piggyback::diff::aid::gmres_fixed_budget;
use piggyback::diff::cg::{cg, cg_with, CgOptions, CgSetup};
use piggyback::diff::Termination;
use piggyback::linalg::norms::Norm;
use piggyback::scalar::{BigRational, Interval, Rational};
use piggyback::selection::hull2;
use piggyback::{Enclosure, Error, Matrix, MatrixSet, Scalar};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cell::Cell;

#[test]
fn typed_views_are_some_exactly_for_their_own_type() {
    let xs = [1.5f64, -2.0];
    assert_eq!(<f64 as Scalar>::as_f64s(&xs), Some(&xs[..]));
    assert_eq!(<f64 as Scalar>::from_f64s(vec![3.0]), Some(vec![3.0]));
    assert!(<f64 as Scalar>::as_intervals(&xs).is_none());
    let q = [Rational::from((1, 3))];
    assert!(<Rational as Scalar>::as_f64s(&q).is_none());
    assert!(<Rational as Scalar>::as_intervals(&q).is_none());
    assert!(<Rational as Scalar>::from_f64s(vec![1.0]).is_none());
    assert!(<BigRational as Scalar>::from_intervals(vec![Interval::one()]).is_none());
    let iv = [Interval::from_ratio(1, 3).unwrap()];
    assert_eq!(<Interval as Scalar>::as_intervals(&iv), Some(&iv[..]));
    assert!(<Interval as Scalar>::as_f64s(&iv).is_none());
    assert!(<Interval as Scalar>::from_f64s(vec![1.0]).is_none());
    // hull2 goes through the interval views: intervals get their hull, points only
    // the common value.
    let (a, b) = (
        Interval::from_f64(1.0).unwrap(),
        Interval::from_f64(3.0).unwrap(),
    );
    let h = hull2(&a, &b).unwrap();
    assert_eq!((h.inf(), h.sup()), (1.0, 3.0));
    assert_eq!(hull2(&1.0, &3.0), None);
    assert_eq!(
        hull2(&Rational::from(2), &Rational::from(2)),
        Some(Rational::from(2))
    );
}

/// The f64 product goes through nalgebra on borrowed views (above 4096 multiply–adds);
/// with small integer entries every f64 operation is exact, so it must equal the exact
/// rational product entry for entry.
#[test]
fn f64_fast_product_equals_the_exact_product_on_integer_matrices() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (r, k, c) = (23, 31, 17); // 12121 multiply–adds: the fast path
    let a = Matrix::<f64>::from_fn(r, k, |_, _| f64::from(rng.gen_range(-9i32..=9)));
    let b = Matrix::<f64>::from_fn(k, c, |_, _| f64::from(rng.gen_range(-9i32..=9)));
    let fast = a.matmul(&b).unwrap();
    let exact = Matrix::<Rational>::from_f64_matrix(&a)
        .unwrap()
        .matmul(&Matrix::<Rational>::from_f64_matrix(&b).unwrap())
        .unwrap();
    assert_eq!(fast.shape(), (r, c));
    for i in 0..r {
        for j in 0..c {
            assert_eq!(Rational::from_f64(fast[(i, j)]).unwrap(), exact[(i, j)]);
        }
    }
    // Shape errors are still reported before any kernel runs.
    assert!(matches!(b.matmul(&b), Err(Error::DimensionMismatch { .. })));
}

fn heavy_ball_family<S: Scalar>() -> MatrixSet<S> {
    let m1 = Matrix::from_ratio_rows(&[vec![(3, 4), (-3, 4)], vec![(1, 1), (0, 1)]]).unwrap();
    let m2 = Matrix::from_ratio_rows(&[vec![(3, 2), (-3, 4)], vec![(1, 1), (0, 1)]]).unwrap();
    MatrixSet::hull(vec![m1, m2]).unwrap()
}

fn contracting_family<S: Scalar>() -> MatrixSet<S> {
    let m1 = Matrix::from_ratio_rows(&[vec![(1, 2), (1, 4)], vec![(0, 1), (1, 3)]]).unwrap();
    let m2 = Matrix::from_ratio_rows(&[vec![(-1, 3), (0, 1)], vec![(1, 5), (1, 2)]]).unwrap();
    MatrixSet::hull(vec![m1, m2]).unwrap()
}

/// The finders are generic over `S: Exact`: a `BigRational` family gives the very same
/// (kernel-accepted) certificates as the `rug::Rational` one.
#[test]
fn exact_finders_accept_every_exact_scalar_and_agree() {
    let opts = SearchOptions::default();
    let (q, b) = (
        contracting_family::<Rational>(),
        contracting_family::<BigRational>(),
    );
    for norm in [Norm::One, Norm::Inf, Norm::Two] {
        let cq = contraction::find_norm_bound(&q, norm, &opts).unwrap();
        let cb = contraction::find_norm_bound(&b, norm, &opts).unwrap();
        assert_eq!(cq, cb);
    }
    assert_eq!(
        invertible::certify_invertible(&q, &opts).unwrap(),
        invertible::certify_invertible(&b, &opts).unwrap()
    );
    let rho = BigRational::from_ratio(9, 10).unwrap();
    let cb = contraction::certify_norm_bound(&b, Norm::Inf, &rho).unwrap();
    let cq = contraction::certify_norm_bound(&q, Norm::Inf, &Rational::from((9, 10))).unwrap();
    assert_eq!(cq, cb);
    // A false bound is refused whatever the exact scalar (the kernel decides).
    let low = BigRational::from_ratio(1, 10).unwrap();
    assert!(contraction::certify_norm_bound(&b, Norm::Inf, &low).is_err());
    // Refutation of the heavy-ball family (a product has the eigenvalue −9/8).
    let one_b = BigRational::from_i64(1);
    let rb = refute::find_refutation(&heavy_ball_family::<BigRational>(), &one_b, 4).unwrap();
    let rq =
        refute::find_refutation(&heavy_ball_family::<Rational>(), &Rational::from(1), 4).unwrap();
    assert!(rb.is_some());
    assert_eq!(rb, rq);
}

/// The enclosure finders are generic over `S: Enclosure`: the scalar case
/// `J = aJ + b` with `a = 1/2`, `b = 1` encloses the exact `J = 2`, and the error bound
/// of the estimate `Ĵ = 2` is (rounding aside) zero.
#[test]
fn enclosure_finders_take_enclosures() {
    let a = Matrix::from_fn(1, 1, |_, _| Interval::from_ratio(1, 2).unwrap());
    let b = Matrix::from_fn(1, 1, |_, _| Interval::one());
    let enc = derivative_enclosure(&a, &b, 50).unwrap();
    assert!(enc.j[(0, 0)].contains_rational(&Rational::from(2)));
    assert!(enc.j[(0, 0)].width() < 1e-12);
    let (eb, _) = derivative_error_bound(&a, &b, &Matrix::from_fn(1, 1, |_, _| 2.0)).unwrap();
    assert!((0.0..1e-15).contains(&eb));
}

fn spd(n: usize, seed: u64) -> DMatrix<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let m = DMatrix::from_fn(n, n, |_, _| rng.gen_range(-1.0..1.0));
    &m * m.transpose() + DMatrix::identity(n, n) * 0.5
}

/// The one CG loop: from zero and from a warm start, with and without the rounding
/// floor, against an LU solve.
#[test]
fn cg_with_warm_start_and_without_floor_reaches_the_lu_solution() {
    let n = 15;
    let a = spd(n, 5);
    let b: Vec<f64> = (0..n).map(|i| (i as f64 + 1.0).cos()).collect();
    let exact = a
        .clone()
        .lu()
        .solve(&DVector::from_column_slice(&b))
        .unwrap();
    let applications = Cell::new(0usize);
    let op = |x: &[f64], o: &mut [f64]| {
        applications.set(applications.get() + 1);
        o.copy_from_slice((&a * DVector::from_column_slice(x)).as_slice());
        Ok(())
    };
    let opts = CgOptions {
        max_iter: 200,
        rel_tol: 1e-13,
    };
    let cold = cg_with(op, &b, &opts, &CgSetup::default()).unwrap();
    assert!(cold.converged);
    assert_eq!(applications.get(), cold.iterations);
    let err = (DVector::from_column_slice(&cold.x) - &exact).norm();
    assert!(err < 1e-10 * exact.norm(), "{err}");
    // Warm start at the solution: the initial residual (one application) already meets
    // the tolerance, so no iteration is needed.
    applications.set(0);
    let warm = cg_with(
        op,
        &b,
        &opts,
        &CgSetup {
            x0: Some(exact.as_slice()),
            rounding_floor: false,
        },
    )
    .unwrap();
    assert!(warm.converged);
    assert_eq!((warm.iterations, applications.get()), (0, 1));
    // A start of the wrong length is a typed error.
    let bad = cg_with(
        op,
        &b,
        &opts,
        &CgSetup {
            x0: Some(&[0.0; 3]),
            rounding_floor: false,
        },
    );
    assert!(matches!(bad, Err(Error::DimensionMismatch { .. })));
    // `cg` is the same loop from zero with the rounding floor.
    let plain = cg(op, &b, &opts).unwrap();
    assert!(plain.converged);
    assert!((DVector::from_column_slice(&plain.x) - &exact).norm() < 1e-10 * exact.norm());
    assert!(cg(
        op,
        &b,
        &CgOptions {
            max_iter: 5,
            rel_tol: -1.0
        }
    )
    .is_err());
}

/// GMRES with a fixed budget is the driver-run stepper: exactly `budget` operator
/// applications (none spent on a final residual), non-convergence is not an error,
/// and a full Krylov space gives the LU solution.
#[test]
fn fixed_budget_gmres_spends_exactly_its_budget() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let n = 12;
    let m = DMatrix::from_fn(n, n, |i, j| {
        if i == j {
            3.0
        } else {
            0.4 * rng.gen_range(-1.0..1.0)
        }
    });
    let b: Vec<f64> = (0..n).map(|i| 1.0 - 0.1 * i as f64).collect();
    let exact = m
        .clone()
        .lu()
        .solve(&DVector::from_column_slice(&b))
        .unwrap();
    let applications = Cell::new(0usize);
    let op = |x: &[f64], o: &mut [f64]| {
        applications.set(applications.get() + 1);
        o.copy_from_slice((&m * DVector::from_column_slice(x)).as_slice());
        Ok(())
    };
    let true_residual =
        |x: &[f64]| (DVector::from_column_slice(&b) - &m * DVector::from_column_slice(x)).norm();
    // Budgets ending inside a cycle, at a restart, and after several cycles (restart 4).
    for budget in [1usize, 3, 4, 5, 7, 9, 10] {
        applications.set(0);
        let sol = gmres_fixed_budget(op, &b, budget, 4).unwrap();
        assert_eq!(applications.get(), budget, "budget {budget}");
        assert_eq!(sol.report.iterations, budget);
        assert_eq!(sol.report.termination, Termination::Finished);
        assert!(true_residual(&sol.x) < DVector::from_column_slice(&b).norm());
    }
    // Budget 0: the zero iterate, residual ‖b‖.
    let zero = gmres_fixed_budget(op, &b, 0, 4).unwrap();
    assert!(zero.x.iter().all(|v| *v == 0.0));
    assert_eq!(zero.report.residual, DVector::from_column_slice(&b).norm());
    // A full Krylov space (restart n, budget n) is the exact solution (up to rounding).
    let full = gmres_fixed_budget(op, &b, n, n).unwrap();
    assert!((DVector::from_column_slice(&full.x) - &exact).norm() < 1e-10 * exact.norm());
    // A larger budget stops early at the invariant space instead of failing.
    applications.set(0);
    let more = gmres_fixed_budget(op, &b, 3 * n, n).unwrap();
    assert!(applications.get() <= 3 * n);
    assert!((DVector::from_column_slice(&more.x) - &exact).norm() < 1e-10 * exact.norm());
    assert!(gmres_fixed_budget(op, &b, 5, 0).is_err());
}
