//! Integration tests for `piggyback::linalg`: LU, LDLᵀ, verified interval solves,
//! spectral-norm bounds and exact spectral helpers.
//!
//! Reference values are independent of the code under test: determinants by cofactor
//! expansion (≤ 4×4), positive definiteness by Sylvester's criterion (leading principal
//! minors) and semidefiniteness by all principal minors, singular values from
//! nalgebra's SVD, and hand derivations in comments. Property bodies are written once
//! and instantiated per scalar type by macros.

use piggyback::linalg::ldlt::{ldlt, positive_definite, positive_semidefinite};
use piggyback::linalg::lu::{determinant, inverse, lu, solve, solve_vec};
use piggyback::linalg::norms::{
    spectral_bound_from, spectral_norm_at_most, spectral_norm_below, spectral_norm_estimate,
    spectral_norm_upper, Norm,
};
use piggyback::linalg::spectral::{
    char_poly, check_radius_witness, poly_eval, spectral_radius_exceeds, RadiusWitness,
};
use piggyback::linalg::verified::{verified_solve, verified_solve_vec, verify_nonsingular_family};
use piggyback::scalar::{BigRational, Interval, Rational};
use piggyback::{Enclosure, Error, Exact, Matrix, Scalar};
use proptest::prelude::*;

/// Entries `p/q` with small `p`, `q`.
fn entry() -> impl Strategy<Value = (i64, i64)> {
    (-6i64..=6, 1i64..=4)
}

/// Ratio entries `(p, q)`.
type Ratios = Vec<(i64, i64)>;

/// A square `n × n` matrix (n ≤ 4) given by its ratio entries, plus a right-hand side.
fn system() -> impl Strategy<Value = (usize, Ratios, Ratios)> {
    (1usize..=4).prop_flat_map(|n| {
        (
            Just(n),
            prop::collection::vec(entry(), n * n),
            prop::collection::vec(entry(), n),
        )
    })
}

/// A rectangular matrix up to 4×4.
fn rect() -> impl Strategy<Value = (usize, usize, Vec<(i64, i64)>)> {
    (1usize..=4, 1usize..=4)
        .prop_flat_map(|(r, c)| (Just(r), Just(c), prop::collection::vec(entry(), r * c)))
}

fn build<S: Scalar>(rows: usize, cols: usize, e: &[(i64, i64)]) -> Matrix<S> {
    // Row-major input; entries have q ≥ 1 so from_ratio cannot fail.
    Matrix::from_fn(rows, cols, |i, j| {
        let (p, q) = e[i * cols + j];
        S::from_ratio(p, q).unwrap_or_else(|_| S::zero())
    })
}

fn vector<S: Scalar>(e: &[(i64, i64)]) -> Vec<S> {
    e.iter()
        .map(|&(p, q)| S::from_ratio(p, q).unwrap_or_else(|_| S::zero()))
        .collect()
}

/// Determinant by cofactor expansion along the first row (independent of LU).
fn cofactor_det<S: Scalar>(m: &Matrix<S>) -> S {
    let n = m.rows();
    if n == 0 {
        return S::one();
    }
    let mut det = S::zero();
    for j in 0..n {
        let rows: Vec<usize> = (1..n).collect();
        let cols: Vec<usize> = (0..n).filter(|&c| c != j).collect();
        let minor = cofactor_det(&m.select(&rows, &cols).expect("indices in range"));
        let term = m[(0, j)].mul(&minor);
        det = if j % 2 == 0 {
            det.add(&term)
        } else {
            det.sub(&term)
        };
    }
    det
}

/// All principal minors indexed by nonempty subsets (bitmasks) of `0..n`.
fn principal_minors<S: Scalar>(m: &Matrix<S>) -> Vec<(u32, S)> {
    let n = m.rows();
    (1u32..(1 << n))
        .map(|mask| {
            let idx: Vec<usize> = (0..n).filter(|&i| mask & (1 << i) != 0).collect();
            (
                mask,
                cofactor_det(&m.select(&idx, &idx).expect("indices in range")),
            )
        })
        .collect()
}

fn symmetrize<S: Scalar>(m: &Matrix<S>) -> Matrix<S> {
    let t = m.transpose();
    m.add(&t).expect("same shape")
}

fn sigma_max(m: &Matrix<f64>) -> f64 {
    m.to_nalgebra()
        .singular_values()
        .iter()
        .copied()
        .fold(0.0, f64::max)
}

macro_rules! exact_suite {
    ($name:ident, $S:ty) => {
        mod $name {
            use super::*;
            type S = $S;

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(48))]

                /// Exact LU: `A x = b` holds exactly; singular matrices (cofactor det 0)
                /// give `Error::Singular`; det matches cofactor expansion; `A·A⁻¹ = I`.
                #[test]
                fn lu_solve_det_inverse((n, a, b) in system()) {
                    let a: Matrix<S> = build(n, n, &a);
                    let b: Vec<S> = vector(&b);
                    let det = cofactor_det(&a);
                    prop_assert_eq!(determinant(&a)?, det.clone());
                    if Scalar::is_zero(&det).is_true() {
                        prop_assert!(matches!(solve_vec(&a, &b), Err(Error::Singular { .. })), "singular accepted");
                        prop_assert!(matches!(inverse(&a), Err(Error::Singular { .. })), "singular inverted");
                    } else {
                        let x = solve_vec(&a, &b)?;
                        prop_assert_eq!(a.mul_vec(&x)?, b);
                        prop_assert_eq!(a.matmul(&inverse(&a)?)?, Matrix::identity(n));
                    }
                }

                /// Duplicating a row makes `A` singular: exact LU must say so.
                #[test]
                fn duplicated_row_is_singular((n, a, _b) in system()) {
                    prop_assume!(n >= 2);
                    let mut a: Matrix<S> = build(n, n, &a);
                    for j in 0..n {
                        a[(n - 1, j)] = a[(0, j)].clone();
                    }
                    prop_assert!(matches!(lu(&a), Err(Error::Singular { .. })), "duplicate row not detected");
                    prop_assert!(Scalar::is_zero(&determinant(&a)?).is_true());
                }

                /// LDLᵀ: reconstruction `L D Lᵀ = M`; PD decision = Sylvester (all leading
                /// principal minors > 0); PSD decision = all principal minors ≥ 0.
                #[test]
                fn ldlt_agrees_with_minors((n, a, _b) in system(), shift in 0i64..=6) {
                    // M = A + Aᵀ + shift·I: a mix of definite and indefinite matrices.
                    let m = symmetrize(&build::<S>(n, n, &a))
                        .add(&Matrix::identity(n).scale(&S::from_i64(shift)))?;
                    let minors = principal_minors(&m);
                    let leading = (1..=n).all(|k| {
                        let mask = (1u32 << k) - 1;
                        minors.iter().any(|(mk, v)| *mk == mask && v.sign() == Some(std::cmp::Ordering::Greater))
                    });
                    prop_assert_eq!(positive_definite(&m)?, leading);
                    let psd = minors.iter().all(|(_, v)| v.sign() != Some(std::cmp::Ordering::Less));
                    prop_assert_eq!(positive_semidefinite(&m)?, psd);
                    if let Ok(f) = ldlt(&m) {
                        let lt = f.l.transpose();
                        let rebuilt = f.l.matmul(&Matrix::diag(&f.d))?.matmul(&lt)?;
                        prop_assert_eq!(rebuilt, m);
                    }
                }

                /// The exact decision `‖M‖₂ < ρ` agrees with nalgebra's SVD away from ties.
                #[test]
                fn spectral_norm_decision((r, c, a) in rect(), rho in (1i64..=40, 1i64..=4)) {
                    let m: Matrix<S> = build(r, c, &a);
                    let rho_s = S::from_ratio(rho.0, rho.1)?;
                    let s = sigma_max(&m.to_f64());
                    let rf = rho.0 as f64 / rho.1 as f64;
                    let below = spectral_norm_below(&m, &rho_s)?;
                    let at_most = spectral_norm_at_most(&m, &rho_s)?;
                    if s < rf * (1.0 - 1e-9) {
                        prop_assert!(below && at_most);
                    } else if s > rf * (1.0 + 1e-9) {
                        prop_assert!(!below && !at_most);
                    }
                    prop_assert!(!below || at_most);
                }

                /// `p(λ) = det(λI − M)` at random rational `λ` (cofactor expansion).
                #[test]
                fn char_poly_matches_cofactor((n, a, _b) in system(), lam in entry()) {
                    let m: Matrix<S> = build(n, n, &a);
                    let lam = S::from_ratio(lam.0, lam.1)?;
                    let p = char_poly(&m)?;
                    prop_assert_eq!(p.len(), n + 1);
                    let shifted = Matrix::identity(n).scale(&lam).sub(&m)?;
                    prop_assert_eq!(poly_eval(&p, &lam), cofactor_det(&shifted));
                }

                /// A witness for `ρ(M) > r` is only issued when nalgebra's eigenvalues agree;
                /// a triangular matrix with a diagonal entry beyond `r` is always refuted.
                #[test]
                fn radius_witness_sound((n, a, _b) in system(), r in (0i64..=4, 1i64..=2)) {
                    let m: Matrix<S> = build(n, n, &a);
                    let r_s = S::from_ratio(r.0, r.1)?;
                    let rf = r.0 as f64 / r.1 as f64;
                    let rho = m.to_f64().to_nalgebra().complex_eigenvalues().iter().map(|z| z.norm()).fold(0.0, f64::max);
                    if let Some(w) = spectral_radius_exceeds(&m, &r_s)? {
                        prop_assert!(check_radius_witness(&m, &r_s, &w)?);
                        prop_assert!(rho > rf * (1.0 - 1e-9), "witness {:?} but rho = {}", w, rho);
                    }
                    // Upper triangular part of M: eigenvalues are the diagonal.
                    let t = Matrix::from_fn(n, n, |i, j| if i <= j { m[(i, j)].clone() } else { S::zero() });
                    let beyond = (0..n).any(|i| Scalar::abs(&t[(i, i)]).cmp_exact(&r_s) == std::cmp::Ordering::Greater);
                    prop_assert_eq!(spectral_radius_exceeds(&t, &r_s)?.is_some(), beyond);
                }
            }

            #[test]
            fn char_poly_2x2_hand() -> piggyback::Result<()> {
                // [[a,b],[c,d]]: p(λ) = λ² − (a+d)λ + (ad − bc). For [[1,2],[3,4]]:
                // tr = 5, det = 4 − 6 = −2, so p = [−2, −5, 1].
                let m: Matrix<S> = Matrix::from_ratio_rows(&[vec![(1, 1), (2, 1)], vec![(3, 1), (4, 1)]])?;
                assert_eq!(char_poly(&m)?, vec![S::from_i64(-2), S::from_i64(-5), S::one()]);
                // [[1/2, 1/3], [1/4, 1/5]]: tr = 7/10, det = 1/10 − 1/12 = 1/60.
                let m: Matrix<S> = Matrix::from_ratio_rows(&[vec![(1, 2), (1, 3)], vec![(1, 4), (1, 5)]])?;
                assert_eq!(char_poly(&m)?, vec![S::from_ratio(1, 60)?, S::from_ratio(-7, 10)?, S::one()]);
                Ok(())
            }
        }
    };
}

exact_suite!(rug_rational, Rational);
exact_suite!(big_rational, BigRational);

/// Spectral-norm upper bound ≥ nalgebra's σ_max, for every scalar type.
macro_rules! norm_suite {
    ($name:ident, $S:ty, $upper:expr) => {
        mod $name {
            use super::*;
            type S = $S;
            proptest! {
                #![proptest_config(ProptestConfig::with_cases(48))]
                #[test]
                fn upper_bound_dominates_svd((r, c, a) in rect()) {
                    let m: Matrix<S> = build(r, c, &a);
                    let bound: f64 = ($upper)(&spectral_norm_upper(&m));
                    let s = sigma_max(&build::<f64>(r, c, &a));
                    // f64 is an estimate: allow its own rounding (relative 1e-12) only there.
                    let slack = if <S as Scalar>::NAME == "f64" { 1e-12 * s } else { 0.0 };
                    prop_assert!(bound + slack >= s * (1.0 - 1e-15), "bound {} < sigma {}", bound, s);
                    // And the bound is not absurd: ≤ Frobenius norm (rounded up) + tiny.
                    let fro = build::<f64>(r, c, &a).norm_frobenius_sq().sqrt();
                    prop_assert!(bound <= fro * (1.0 + 1e-9) + 1e-300);
                }
            }
        }
    };
}

norm_suite!(norm_f64, f64, |x: &f64| *x);
norm_suite!(norm_rug, Rational, |x: &Rational| x.to_f64());
norm_suite!(norm_big, BigRational, |x: &BigRational| Scalar::to_f64(x));
norm_suite!(norm_interval, Interval, |x: &Interval| x.sup());

/// Exact rational solution of `A x = b` (the reference for f64 and intervals).
fn exact_solution(
    n: usize,
    a: &[(i64, i64)],
    b: &[(i64, i64)],
) -> Option<(Vec<Rational>, Rational)> {
    let ar: Matrix<Rational> = build(n, n, a);
    let det = cofactor_det(&ar);
    if det == 0 {
        return None;
    }
    solve_vec(&ar, &vector::<Rational>(b))
        .ok()
        .map(|x| (x, det))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// f64 LU agrees with the exact solution: with entries `p/q`, `|p| ≤ 6`, `q ≤ 4`,
    /// `n ≤ 4` and `|det A| ≥ 1/64` the condition number is at most ~1e7, so we require
    /// `‖x̂ − x‖_∞ ≤ 1e-7 · max(1, ‖x‖_∞)`.
    #[test]
    fn f64_solve_agrees_with_exact((n, a, b) in system()) {
        let Some((x, det)) = exact_solution(n, &a, &b) else { return Ok(()); };
        prop_assume!(det.clone().abs() >= Rational::from((1, 64)));
        let xf = solve_vec(&build::<f64>(n, n, &a), &vector::<f64>(&b))?;
        let scale = x.iter().map(|v| v.to_f64().abs()).fold(1.0, f64::max);
        for (xi, fi) in x.iter().zip(&xf) {
            prop_assert!((xi.to_f64() - fi).abs() <= 1e-7 * scale, "{} vs {}", xi.to_f64(), fi);
        }
        let df = determinant(&build::<f64>(n, n, &a))?;
        prop_assert!((df - det.to_f64()).abs() <= 1e-9 * det.to_f64().abs().max(1.0));
    }

    /// The verified interval solve encloses the exact rational solution (point data)
    /// and, for a genuine interval family `A ± ε`, the exact solution at a vertex.
    #[test]
    fn verified_solve_encloses_exact((n, a, b) in system(), signs in prop::collection::vec(any::<bool>(), 16)) {
        let Some((x, det)) = exact_solution(n, &a, &b) else { return Ok(()); };
        let ai: Matrix<Interval> = build(n, n, &a);
        let bi: Vec<Interval> = vector(&b);
        match verified_solve_vec(&ai, &bi) {
            Ok(xi) => for (enc, exact) in xi.iter().zip(&x) {
                prop_assert!(enc.contains_rational(exact), "{:?} misses {}", enc, exact);
            },
            // Point data with |det| ≥ 1/64 is well conditioned: verification must succeed.
            Err(e) => prop_assert!(det.abs() < Rational::from((1, 64)), "not verified: {}", e),
        }
        // Interval family: entries widened by ε = 2⁻²⁰; the vertex A + ε·S (S a sign
        // pattern) is a member, its exact solution must be enclosed.
        let eps = Rational::from((1, 1u64 << 20));
        let ar: Matrix<Rational> = build(n, n, &a);
        let vertex = Matrix::from_fn(n, n, |i, j| {
            let s = if signs[i * n + j] { eps.clone() } else { Rational::from(-&eps) };
            Rational::from(&ar[(i, j)] + &s)
        });
        let fam = Matrix::from_fn(n, n, |i, j| {
            let e = Interval::from_rational(&eps);
            ai[(i, j)].add(&Interval::from_bounds(-e.sup(), e.sup()).unwrap_or(e))
        });
        if let (Ok(xi), Ok(xv)) = (verified_solve_vec(&fam, &bi), solve_vec(&vertex, &vector::<Rational>(&b))) {
            for (enc, exact) in xi.iter().zip(&xv) {
                prop_assert!(enc.contains_rational(exact), "{:?} misses vertex solution {}", enc, exact);
            }
            prop_assert!(verify_nonsingular_family(&fam).is_ok());
        }
    }

    /// The f64 power-iteration estimate is close to nalgebra's σ_max (an estimate, so
    /// only a loose relative tolerance 1e-6, and from below up to rounding).
    #[test]
    fn power_iteration_estimate((r, c, a) in rect()) {
        let m: Matrix<f64> = build(r, c, &a);
        let s = sigma_max(&m);
        let est = spectral_norm_estimate(&m, 5000)?;
        prop_assert!(est <= s * (1.0 + 1e-12) + 1e-300);
        // Power iteration converges slowly when σ₁ ≈ σ₂; only check a gap-free bound.
        prop_assert!(est >= s * 0.5 - 1e-12 || s == 0.0);
    }
}

#[test]
fn nan_gives_non_finite() {
    let mut a: Matrix<f64> = Matrix::identity(3);
    a[(1, 2)] = f64::NAN;
    assert!(matches!(lu(&a), Err(Error::NonFinite { .. })));
    assert!(matches!(determinant(&a), Err(Error::NonFinite { .. })));
    let b = vec![1.0, f64::INFINITY, 0.0];
    assert!(matches!(
        solve_vec(&Matrix::identity(3), &b),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        spectral_norm_estimate(&a, 10),
        Err(Error::NonFinite { .. })
    ));
}

#[test]
fn dimension_mismatch_is_typed() -> piggyback::Result<()> {
    let a: Matrix<Rational> = Matrix::identity(3);
    let b: Matrix<Rational> = Matrix::zeros(2, 1);
    assert!(matches!(
        solve(&a, &b),
        Err(Error::DimensionMismatch { .. })
    ));
    let r: Matrix<Rational> = Matrix::zeros(2, 3);
    assert!(matches!(lu(&r), Err(Error::DimensionMismatch { .. })));
    assert!(matches!(ldlt(&r), Err(Error::DimensionMismatch { .. })));
    assert!(matches!(
        char_poly(&r),
        Err(Error::DimensionMismatch { .. })
    ));
    let ai: Matrix<Interval> = Matrix::identity(3);
    let bi: Matrix<Interval> = Matrix::zeros(2, 1);
    assert!(matches!(
        verified_solve(&ai, &bi),
        Err(Error::DimensionMismatch { .. })
    ));
    Ok(())
}

#[test]
fn singular_f64_and_interval() -> piggyback::Result<()> {
    // Rows 1 and 3 equal: exactly singular; f64 LU keeps the two rows identical
    // through elimination, so it also reports Singular.
    let rows = vec![
        vec![0.5, 0.25, 2.0],
        vec![1.0, -3.0, 0.75],
        vec![0.5, 0.25, 2.0],
    ];
    let a: Matrix<f64> = Matrix::from_f64_rows(&rows)?;
    assert!(matches!(lu(&a), Err(Error::Singular { .. })));
    let ai: Matrix<Interval> = Matrix::from_f64_rows(&rows)?;
    assert!(matches!(
        verify_nonsingular_family(&ai),
        Err(Error::CouldNotVerify { .. })
    ));
    Ok(())
}

#[test]
fn hand_checked_reference_values() -> piggyback::Result<()> {
    // A = [[2, 1, 0], [1, 2, 1], [0, 1, 2]] (the 1D Laplacian-like matrix).
    // LDLᵀ by hand: d₁ = 2; l₂₁ = 1/2; d₂ = 2 − 1·1/2 = 3/2; l₃₂ = 1/(3/2) = 2/3;
    // d₃ = 2 − 1·(2/3) = 4/3. det = 2·(3/2)·(4/3) = 4. PD (all pivots > 0).
    let a: Matrix<Rational> = Matrix::from_ratio_rows(&[
        vec![(2, 1), (1, 1), (0, 1)],
        vec![(1, 1), (2, 1), (1, 1)],
        vec![(0, 1), (1, 1), (2, 1)],
    ])?;
    let f = ldlt(&a)?;
    assert_eq!(
        f.d,
        vec![
            Rational::from(2),
            Rational::from((3, 2)),
            Rational::from((4, 3))
        ]
    );
    assert_eq!(determinant(&a)?, Rational::from(4));
    assert!(positive_definite(&a)?);
    // Its eigenvalues are 2 − √2, 2, 2 + √2, so ‖A‖₂ = 2 + √2 ≈ 3.41421:
    // ‖A‖ < 3.415 = 683/200 and not < 3.414 = 1707/500.
    assert!(spectral_norm_below(&a, &Rational::from((683, 200)))?);
    assert!(!spectral_norm_below(&a, &Rational::from((1707, 500)))?);
    // A⁻¹ = adj(A)/det: adj = [[3,−2,1],[−2,4,−2],[1,−2,3]], so A⁻¹(1,0,0)ᵀ = (3/4, −1/2, 1/4).
    let x = solve_vec(
        &a,
        &[Rational::from(1), Rational::from(0), Rational::from(0)],
    )?;
    assert_eq!(
        x,
        vec![
            Rational::from((3, 4)),
            Rational::from((-1, 2)),
            Rational::from((1, 4))
        ]
    );
    // Characteristic polynomial: det(λI − A) = (λ−2)((λ−2)² − 2) = λ³ − 6λ² + 10λ − 4.
    assert_eq!(
        char_poly(&a)?,
        vec![
            Rational::from(-4),
            Rational::from(10),
            Rational::from(-6),
            Rational::from(1)
        ]
    );
    // ρ(A) = 2 + √2 > 3: irrational root; a sign change p(3.4)·p(3.5) < 0 proves it:
    // p(3.4) = 39.304 − 69.36 + 34 − 4 = −0.056, p(3.5) = 42.875 − 73.5 + 35 − 4 = 0.375.
    let w = RadiusWitness::RealRoot {
        lo: Rational::from((17, 5)),
        hi: Rational::from((7, 2)),
    };
    assert!(check_radius_witness(&a, &Rational::from(3), &w)?);
    assert!(spectral_radius_exceeds(&a, &Rational::from(3))?.is_some());
    Ok(())
}

#[test]
fn heavy_ball_product_refuted() -> piggyback::Result<()> {
    // docs/mathematics.md §5: M₁ = [[3/4, −3/4], [1, 0]], M₂ = [[3/2, −3/4], [1, 0]].
    // M₁² = [[9/16 − 3/4, −9/16], [3/4, −3/4]] = [[−3/16, −9/16], [3/4, −3/4]];
    // M₂² = [[9/4 − 3/4, −9/8], [3/2, −3/4]] = [[3/2, −9/8], [3/2, −3/4]];
    // M₁²M₂² = [[−9/32 − 27/32, 27/128 + 27/64], [9/8 − 9/8, −27/32 + 9/16]]
    //        = [[−9/8, 81/128], [0, −9/32]]: eigenvalue −9/8, |−9/8| > 1.
    let m1: Matrix<Rational> =
        Matrix::from_ratio_rows(&[vec![(3, 4), (-3, 4)], vec![(1, 1), (0, 1)]])?;
    let m2: Matrix<Rational> =
        Matrix::from_ratio_rows(&[vec![(3, 2), (-3, 4)], vec![(1, 1), (0, 1)]])?;
    let p = m1.matmul(&m1)?.matmul(&m2)?.matmul(&m2)?;
    let want: Matrix<Rational> =
        Matrix::from_ratio_rows(&[vec![(-9, 8), (81, 128)], vec![(0, 1), (-9, 32)]])?;
    assert_eq!(p, want);
    let w = spectral_radius_exceeds(&p, &Rational::from(1))?;
    assert_eq!(
        w,
        Some(RadiusWitness::RealRoot {
            lo: Rational::from((-9, 8)),
            hi: Rational::from((-9, 8))
        })
    );
    // Each factor alone has ρ = √3/2 < 1 (det 3/4, complex pair): no proof of ρ > 1.
    assert_eq!(spectral_radius_exceeds(&m1, &Rational::from(1))?, None);
    assert_eq!(spectral_radius_exceeds(&m2, &Rational::from(1))?, None);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The integer-kernel exact product equals the generic exact product.
    #[test]
    fn matmul_exact_equals_generic((r, c, a) in rect(), (c2, b) in (1usize..=4).prop_flat_map(|c2| (Just(c2), prop::collection::vec(entry(), 16)))) {
        let a: Matrix<Rational> = build(r, c, &a);
        let b: Matrix<Rational> = build(c, c2, &b[..c * c2]);
        prop_assert_eq!(piggyback::linalg::exact::matmul_exact(&a, &b)?, a.matmul(&b)?);
        let ab: Matrix<BigRational> = build(r, c, &[(1, 3); 16][..r * c]);
        prop_assert_eq!(piggyback::linalg::exact::gram_exact(&ab)?, ab.transpose().matmul(&ab)?);
    }
}

/// A row index past the end must not read the next column's entry (column-major
/// storage), in release builds as in debug builds.
#[test]
#[should_panic(expected = "out of range for a 2x3 matrix")]
fn matrix_index_out_of_range_row_panics() {
    let m = Matrix::<f64>::from_fn(2, 3, |i, j| (i + 10 * j) as f64);
    // (2, 0) would be the storage slot of (0, 1).
    let _ = m[(2, 0)];
}

/// The one norm type: hand-computed values of `M = [[3, −4], [0, 2]]` and
/// `v = (3, −4, 0)` (column sums 3, 6; row sums 7, 2; `‖M‖_F² = 29`; `‖v‖₂ = 5`), its
/// names, and the closed-form spectral bound `min(√(6·7), √29) = √29`.
#[test]
fn norm_type_values_and_names() {
    let m: Matrix<Rational> =
        Matrix::from_ratio_rows(&[vec![(3, 1), (-4, 1)], vec![(0, 1), (2, 1)]]).unwrap();
    let r = |p: i64| Rational::from(p);
    assert_eq!(Norm::One.of_matrix(&m), r(6));
    assert_eq!(Norm::Inf.of_matrix(&m), r(7));
    // √29 ∈ (5.385, 5.386): the Frobenius value and the spectral bound are rational
    // upper bounds of it, and the spectral bound picks the Frobenius term (29 < 42).
    for norm in [Norm::Frobenius, Norm::Two] {
        let v = norm.of_matrix(&m);
        assert!(v.clone().square() >= r(29), "{norm}: {v}");
        assert!(v < Rational::from((5386, 1000)), "{norm}: {v}");
    }
    assert_eq!(
        spectral_bound_from(&r(6), &r(7), &r(29)),
        spectral_bound_from(&r(1), &r(29), &r(100))
    );
    let v = [r(3), r(-4), r(0)];
    assert_eq!(Norm::One.of_vector(&v), r(7));
    assert_eq!(Norm::Inf.of_vector(&v), r(4));
    assert_eq!(Norm::Two.of_vector(&v), r(5));
    assert_eq!(Norm::Frobenius.of_vector(&v), r(5));
    assert_eq!(Norm::Inf.dist_est(&[1.0, 5.0], &[0.0, 2.0]), 3.0);
    assert_eq!(Norm::One.dist_est(&[1.0, 5.0], &[0.0, 2.0]), 4.0);
    assert_eq!(Norm::Two.dist_est(&[4.0, 5.0], &[0.0, 2.0]), 5.0);
    let names: Vec<String> = [Norm::One, Norm::Two, Norm::Inf, Norm::Frobenius]
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names, ["one", "two", "inf", "frobenius"]);
    // Intervals: the sup of the interval value bounds every member of [m − 1/2, m + 1/2].
    let wide = Matrix::from_fn(2, 2, |i, j| {
        Interval::from_rational(&m[(i, j)]).add(&Interval::from_bounds(-0.5, 0.5).unwrap())
    });
    assert!(Norm::Inf.of_matrix(&wide).sup() >= 8.0);
}
