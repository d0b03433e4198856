//! The general piecewise-affine map, checked on the Clarke example
//! `F(x, y) = (|x| + y, 2x + |y|)` written as four quadrant pieces.

use piggyback::maps::{AffinePiece, PiecewiseAffine};
use piggyback::scalar::{Enclosure, Interval};
use piggyback::{FixedPointMap, Matrix, MatrixSet, Scalar};
use proptest::prelude::*;
use rug::Rational;

/// Piece for the quadrant with signs (sx, sy): F = [[sx, 1], [2, sy]] z,
/// region {−sx·x ≤ 0, −sy·y ≤ 0}.
fn clarke<S: Scalar>() -> PiecewiseAffine<S> {
    let mut pieces = Vec::new();
    for (sx, sy) in [(1, 1), (1, -1), (-1, 1), (-1, -1)] {
        let i = |v: i64| S::from_i64(v);
        pieces.push(AffinePiece {
            a: Matrix::from_rows(&[vec![i(sx), i(1)], vec![i(2), i(sy)]]).unwrap(),
            b: Matrix::zeros(2, 0),
            c: vec![S::zero(), S::zero()],
            g: Matrix::from_rows(&[vec![i(-sx), i(0)], vec![i(0), i(-sy)]]).unwrap(),
            h: vec![S::zero(), S::zero()],
        });
    }
    PiecewiseAffine::new(pieces).unwrap()
}

fn q(p: i64, d: i64) -> Rational {
    Rational::from((p, d))
}

#[test]
fn clarke_example_at_the_origin_is_the_hull_of_four_matrices() {
    // At (0,0) every quadrant is active: the set is conv{[[±1, 1], [2, ±1]]}.
    let f = clarke::<Rational>();
    let set = f.conservative_jacobian(&[q(0, 1), q(0, 1)], &[]).unwrap();
    let MatrixSet::Hull(vs) = set else {
        panic!("expected a hull")
    };
    let mut got: Vec<(i64, i64)> = vs
        .iter()
        .map(|v| (v[(0, 0)].to_f64() as i64, v[(1, 1)].to_f64() as i64))
        .collect();
    got.sort();
    assert_eq!(got, vec![(-1, -1), (-1, 1), (1, -1), (1, 1)]);
    for v in &vs {
        assert_eq!((v[(0, 1)].clone(), v[(1, 0)].clone()), (q(1, 1), q(2, 1)));
    }
    // Off the axes only one piece is active and the point is smooth.
    let lin = f.linearize(&[q(1, 3), q(-2, 5)], &[]).unwrap();
    assert!(lin.is_smooth_point());
    let (a, _) = lin.to_dense().unwrap();
    assert_eq!(
        a,
        Matrix::from_ratio_rows(&[vec![(1, 1), (1, 1)], vec![(2, 1), (-1, 1)]]).unwrap()
    );
}

#[test]
fn intervals_keep_every_possibly_active_piece() {
    // The box [-1e-3, 1e-3] × [1, 2] meets the quadrants x ≥ 0 and x ≤ 0 with y > 0.
    let f = clarke::<Interval>();
    let x = [
        Interval::from_bounds(-1e-3, 1e-3).unwrap(),
        Interval::from_bounds(1.0, 2.0).unwrap(),
    ];
    let (sure, maybe) = f.active_pieces(&x, &[]).unwrap();
    assert!(sure.is_empty());
    assert_eq!(maybe, vec![0, 2]);
    assert!(
        f.apply(&x, &[]).is_err(),
        "no piece surely active: refuse, do not guess"
    );
}

#[test]
fn bad_input_is_typed() {
    let f = clarke::<f64>();
    assert!(f.apply(&[f64::NAN, 0.0], &[]).is_err());
    assert!(f.apply(&[0.0], &[]).is_err());
    assert!(PiecewiseAffine::<f64>::new(vec![]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Off the kinks, the exact difference quotient (F(p + h d) − F(p)) / h over a step
    /// that stays in one quadrant equals A d for the claimed element A.
    #[test]
    fn derivative_along_lines_matches_the_claimed_element(
        px in -50i64..50, py in -50i64..50, dx in -5i64..5, dy in -5i64..5,
    ) {
        prop_assume!(px != 0 && py != 0);
        let f = clarke::<Rational>();
        let p = [q(px, 7), q(py, 7)];
        let d = [q(dx, 1), q(dy, 1)];
        let h = q(1, 1000); // |h d| ≤ 5/1000 < 1/7: the step stays in p's quadrant.
        let moved: Vec<Rational> = p.iter().zip(&d).map(|(a, b)| a.add(&h.mul(b))).collect();
        let f0 = f.apply(&p, &[]).unwrap();
        let f1 = f.apply(&moved, &[]).unwrap();
        let quotient: Vec<Rational> = f1.iter().zip(&f0).map(|(a, b)| a.sub(b).div(&h).unwrap()).collect();
        let (a, _) = f.jacobian(&p, &[]).unwrap();
        prop_assert_eq!(quotient, a.mul_vec(&d).unwrap());
    }
}
