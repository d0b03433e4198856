//! The dense linear solves of AID by direct solve: `(I − A) J = B` through the crate's
//! LU ([`crate::linalg::lu`]), for every scalar.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::Scalar;

/// Solve `M X = R` for square `M` with [`crate::linalg::lu`]: exact over rationals
/// ([`Error::Singular`] exactly when `M` is singular), partial pivoting in f64, and an
/// enclosure (possibly wide; see [`crate::linalg::verified`]) over intervals.
pub fn solve<S: Scalar>(m: &Matrix<S>, r: &Matrix<S>) -> Result<Matrix<S>> {
    r.check_finite("dense::solve right-hand side")?;
    crate::linalg::lu::solve(m, r)
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
}
