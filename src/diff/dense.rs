//! Small dense linear solves over any [`Scalar`]: the crate's LU for rationals and f64,
//! Gaussian elimination with decided pivots for the other scalars (intervals).
//!
//! Kept local to the differentiation engines (AID by direct solve); the verified
//! interval solve of MATH.md §7 belongs to `linalg`/`certify`.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::Scalar;
use std::any::Any;
use std::cmp::Ordering;

/// Relative pivot threshold below which an f64 system is declared singular.
fn f64_singular_threshold(n: usize, scale: f64) -> f64 {
    (n.max(1) as f64) * f64::EPSILON * scale
}

/// Solve `M X = R` for square `M`.
///
/// - rationals (`rug`, `BigRational`): exact LU of [`crate::linalg::lu`];
///   [`Error::Singular`] exactly when `M` is singular;
/// - `f64`: [`crate::linalg::lu`] with partial pivoting; [`Error::Singular`] when a
///   pivot is below `n·ε·‖M‖_∞`;
/// - other scalars (intervals): [`solve_generic`], elimination with pivots decided
///   nonzero; [`Error::Singular`] when no pivot can be proven nonzero (the family may or
///   may not be singular). The result encloses the solution but may be very wide (no
///   preconditioning: use [`crate::linalg::verified`] for verified solves).
pub fn solve<S: Scalar>(m: &Matrix<S>, r: &Matrix<S>) -> Result<Matrix<S>> {
    let n = m.rows();
    if !m.is_square() || r.rows() != n {
        return Err(Error::DimensionMismatch {
            op: "dense::solve",
            left: m.shape(),
            right: r.shape(),
        });
    }
    m.check_finite("dense::solve matrix")?;
    r.check_finite("dense::solve right-hand side")?;
    // Rationals and f64: the crate's LU (`linalg::lu`); other scalars (intervals): the
    // generic elimination below.
    if let Some(x) = via_lu::<S, f64>(m, r) {
        return x;
    }
    if let Some(x) = via_lu::<S, rug::Rational>(m, r) {
        return x;
    }
    if let Some(x) = via_lu::<S, num_rational::BigRational>(m, r) {
        return x;
    }
    solve_generic(m, r)
}

/// When `S` is the concrete type `T`, solve with [`crate::linalg::lu`] for `T`.
fn via_lu<S: Scalar, T: crate::linalg::lu::LuScalar>(
    m: &Matrix<S>,
    r: &Matrix<S>,
) -> Option<Result<Matrix<S>>> {
    let mt = (m as &dyn Any).downcast_ref::<Matrix<T>>()?;
    let rt = (r as &dyn Any).downcast_ref::<Matrix<T>>()?;
    let out = crate::linalg::lu::solve(mt, rt).and_then(|x| {
        let boxed: Box<dyn Any> = Box::new(x);
        boxed
            .downcast::<Matrix<S>>()
            .map(|b| *b)
            .map_err(|_| Error::InvalidInput("dense::solve: internal type dispatch".into()))
    });
    Some(out)
}

/// Gaussian elimination with row pivoting written once over any scalar. Among the
/// rows whose candidate pivot is decided nonzero, the largest in f64 estimate is used.
pub fn solve_generic<S: Scalar>(m: &Matrix<S>, r: &Matrix<S>) -> Result<Matrix<S>> {
    let n = m.rows();
    if !m.is_square() || r.rows() != n {
        return Err(Error::DimensionMismatch {
            op: "dense::solve_generic",
            left: m.shape(),
            right: r.shape(),
        });
    }
    let k = r.cols();
    // Row-major working copies of the augmented system.
    let mut a: Vec<Vec<S>> = (0..n).map(|i| m.row(i)).collect();
    let mut b: Vec<Vec<S>> = (0..n).map(|i| r.row(i)).collect();
    let thr = if S::NAME == "f64" {
        f64_singular_threshold(n, m.max_abs().to_f64())
    } else {
        0.0
    };
    for col in 0..n {
        let mut best: Option<(usize, f64)> = None;
        for (i, row) in a.iter().enumerate().skip(col) {
            let decided_nonzero = matches!(
                row[col].sign(),
                Some(Ordering::Less) | Some(Ordering::Greater)
            );
            let mag = row[col].to_f64().abs();
            if decided_nonzero && mag >= thr && best.map_or(true, |(_, bm)| mag > bm) {
                best = Some((i, mag));
            }
        }
        let (p, _) = best.ok_or(Error::Singular { pivot: col })?;
        a.swap(col, p);
        b.swap(col, p);
        let piv = a[col][col].clone();
        for i in col + 1..n {
            if a[i][col].is_zero().is_true() {
                continue;
            }
            let f = a[i][col].div(&piv).ok_or(Error::Singular { pivot: col })?;
            for j in col..n {
                let v = a[i][j].sub(&f.mul(&a[col][j]));
                a[i][j] = v;
            }
            for j in 0..k {
                let v = b[i][j].sub(&f.mul(&b[col][j]));
                b[i][j] = v;
            }
        }
    }
    let mut x = Matrix::zeros(n, k);
    for j in 0..k {
        for i in (0..n).rev() {
            let mut s = b[i][j].clone();
            for l in i + 1..n {
                s = s.sub(&a[i][l].mul(&x[(l, j)]));
            }
            x[(i, j)] = s.div(&a[i][i]).ok_or(Error::Singular { pivot: i })?;
        }
    }
    Ok(x)
}

/// Solve `M x = r` for a vector right-hand side.
pub fn solve_vec<S: Scalar>(m: &Matrix<S>, r: &[S]) -> Result<Vec<S>> {
    Ok(solve(m, &Matrix::column_vector(r))?.into_vec())
}

/// `I − A` for square `A`.
pub fn identity_minus<S: Scalar>(a: &Matrix<S>) -> Result<Matrix<S>> {
    if !a.is_square() {
        return Err(Error::DimensionMismatch {
            op: "identity_minus",
            left: a.shape(),
            right: a.shape(),
        });
    }
    Matrix::identity(a.rows()).sub(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rug::Rational;

    #[test]
    fn exact_solve_of_a_hand_computed_system() {
        // [[2,1],[1,3]] x = [3,5]  =>  x = (4/5, 7/5) (Cramer: det 5).
        let m: Matrix<Rational> =
            Matrix::from_ratio_rows(&[vec![(2, 1), (1, 1)], vec![(1, 1), (3, 1)]]).unwrap();
        let x = solve_vec(&m, &[Rational::from(3), Rational::from(5)]).unwrap();
        assert_eq!(x, vec![Rational::from((4, 5)), Rational::from((7, 5))]);
    }

    #[test]
    fn singular_is_an_error() {
        let m: Matrix<Rational> =
            Matrix::from_ratio_rows(&[vec![(1, 1), (2, 1)], vec![(2, 1), (4, 1)]]).unwrap();
        assert!(matches!(
            solve_vec(&m, &[Rational::from(1), Rational::from(1)]),
            Err(Error::Singular { .. })
        ));
        let mf: Matrix<f64> = Matrix::from_f64_rows(&[vec![1.0, 2.0], vec![2.0, 4.0]]).unwrap();
        assert!(matches!(
            solve_vec(&mf, &[1.0, 1.0]),
            Err(Error::Singular { .. })
        ));
    }

    #[test]
    fn f64_path_agrees_with_generic() {
        let m: Matrix<f64> = Matrix::from_f64_rows(&[
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, -1.0],
            vec![0.0, 2.0, 5.0],
        ])
        .unwrap();
        let r = Matrix::from_f64_rows(&[vec![1.0], vec![2.0], vec![3.0]]).unwrap();
        let x1 = solve(&m, &r).unwrap();
        let x2 = solve_generic(&m, &r).unwrap();
        for i in 0..3 {
            assert!((x1[(i, 0)] - x2[(i, 0)]).abs() < 1e-12);
        }
    }
}
