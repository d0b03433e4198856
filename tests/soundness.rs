//! Sound arithmetic never substitutes a value for "undecided": interval results that
//! pass through an undecided operation (a pivot or divisor that may be zero) must
//! still enclose every exact result.
//!
//! References are independent of the code under test: determinants by cofactor
//! expansion in `rug::Rational`, and for the exp/log maps the f64 map evaluated at
//! sampled points of the box (each point evaluated as a degenerate interval too).

use piggyback::linalg::lu::determinant;
use piggyback::maps::{Design, Labels, LogisticFb, Penalty, StepRule};
use piggyback::scalar::{enclose_rational, Enclosure, Interval};
use piggyback::{FixedPointMap, Matrix, Scalar};
use proptest::prelude::*;
use rug::ops::Pow;
use rug::Rational;

/// Exact determinant by cofactor expansion along the first row.
fn cofactor_det(m: &[Vec<Rational>]) -> Rational {
    let n = m.len();
    if n == 0 {
        return Rational::from(1);
    }
    if n == 1 {
        return m[0][0].clone();
    }
    let mut det = Rational::new();
    for j in 0..n {
        let minor: Vec<Vec<Rational>> = m[1..]
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .filter(|&(c, _)| c != j)
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .collect();
        let term = Rational::from(&m[0][j] * &cofactor_det(&minor));
        if j % 2 == 0 {
            det += term;
        } else {
            det -= term;
        }
    }
    det
}

/// The interval matrix of exact rationals (each entry enclosed).
fn enclose(m: &[Vec<Rational>]) -> Matrix<Interval> {
    let n = m.len();
    Matrix::from_fn(n, n, |i, j| enclose_rational(&m[i][j]))
}

fn q(num: i64, den: i64) -> Rational {
    Rational::from((num, den))
}

// ------------------------------------------------------------ determinant reproducers

#[test]
fn determinant_near_singular_thin_encloses_exact() -> piggyback::Result<()> {
    // [[1, 1/3], [3, 1 + 1e-20]]: det = 1 + 1e-20 − 1 = 1e-20 exactly.
    let eps = Rational::from((1, rug::Integer::from(10).pow(20)));
    let m = vec![
        vec![q(1, 1), q(1, 3)],
        vec![q(3, 1), Rational::from(1 + &eps)],
    ];
    let exact = cofactor_det(&m);
    assert_eq!(exact, eps, "test setup: cofactor expansion");
    let det = determinant(&enclose(&m))?;
    assert!(
        det.contains_rational(&exact),
        "interval det {det:?} misses the exact 1e-20"
    );
    Ok(())
}

#[test]
fn determinant_thick_family_encloses_every_member() -> piggyback::Result<()> {
    // [[1, 0], [0, [-1, 1]]]: the members' determinants fill [-1, 1].
    let mut a: Matrix<Interval> = Matrix::identity(2);
    a[(1, 1)] = Interval::from_bounds(-1.0, 1.0)?;
    let det = determinant(&a)?;
    for t in [-1i64, -1, 0, 1] {
        assert!(det.contains_rational(&q(t, 1)), "{det:?} misses {t}");
    }
    assert!(det.contains_rational(&q(1, 2)) && det.contains_rational(&q(-1, 2)));
    // The 1×1 thick matrix [-1, 1] alone: no pivot can be proven nonzero at step 0.
    let b = Matrix::from_fn(1, 1, |_, _| Interval::from_bounds(-1.0, 1.0).unwrap());
    let det = determinant(&b)?;
    assert!(det.contains_rational(&q(-1, 1)) && det.contains_rational(&q(1, 1)));
    Ok(())
}

// ------------------------------------------------------- multiclass logistic reproducer

/// One sample, `K = 2`, `A = [1]`, label 0, `γ = 1`, `λ₁ = 1/100`.
fn one_sample_logistic<S: piggyback::Transcendental>() -> LogisticFb<S> {
    LogisticFb::new(
        Design::Dense(Matrix::identity(1)),
        Labels::Multiclass {
            classes: 2,
            labels: vec![0],
        },
        Penalty::Lasso,
        StepRule::Given(S::one()),
    )
    .unwrap()
}

#[test]
fn logistic_softmax_over_a_wide_box_encloses_points() -> piggyback::Result<()> {
    let map_f: LogisticFb<f64> = one_sample_logistic();
    let map_i: LogisticFb<Interval> = one_sample_logistic();
    let theta_f = [0.01];
    let theta_i = [Interval::from_f64(0.01)?];
    let boxed = [Interval::from_bounds(-2000.0, 2000.0)?, Interval::from_f64(-1000.0)?];
    let image = map_i.apply(&boxed, &theta_i)?;
    // At (−2000, −1000): p = softmax(−2000, −1000) ≈ (0, 1), so
    // F₁ = −1000 − γ·p₁ + γλ₁ ≈ −1000.99 (hand value).
    let at = map_f.apply(&[-2000.0, -1000.0], &theta_f)?;
    assert!((at[1] + 1000.99).abs() < 1e-9, "hand value: {at:?}");
    for (i, v) in at.iter().enumerate() {
        assert!(
            image[i].inf() <= *v && *v <= image[i].sup(),
            "component {i}: point value {v} outside the box image {:?}",
            image[i]
        );
    }
    Ok(())
}
