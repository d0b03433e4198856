//! Exact `LDLᵀ` of symmetric rational matrices and the positive (semi)definiteness
//! decisions the certificates rest on.
//!
//! Sylvester: a symmetric `M` is positive definite iff every pivot of its `LDLᵀ`
//! without pivoting is `> 0` (the pivots are ratios of consecutive leading principal
//! minors). Semidefiniteness needs symmetric pivoting: see [`positive_semidefinite`].
//! Every test is exact; symmetry is checked exactly and an asymmetric input is an
//! error, never silently symmetrised.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::Exact;
use std::cmp::Ordering;

/// `M = L D Lᵀ`, `L` unit lower triangular, `D = diag(d)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ldlt<S> {
    /// The unit lower triangular factor.
    pub l: Matrix<S>,
    /// The pivots (diagonal of `D`).
    pub d: Vec<S>,
}

/// Errors unless `m` is square and exactly symmetric.
pub fn check_symmetric<S: Exact>(m: &Matrix<S>) -> Result<()> {
    if !m.is_square() {
        return Err(Error::DimensionMismatch {
            op: "symmetric matrix",
            left: m.shape(),
            right: m.shape(),
        });
    }
    for j in 0..m.cols() {
        for i in j + 1..m.rows() {
            if m[(i, j)] != m[(j, i)] {
                return Err(Error::InvalidInput(format!(
                    "matrix is not symmetric: entry ({i}, {j}) differs from ({j}, {i})"
                )));
            }
        }
    }
    Ok(())
}

/// Outcome of elimination without pivoting.
enum Stop {
    /// Pivot `k` is zero.
    Zero(usize),
    /// Pivot `k` is negative.
    Negative(usize),
}

/// Elimination without pivoting on the lower triangle; stops at the first pivot
/// that is zero, or (when `need_positive`) not positive.
fn eliminate<S: Exact>(
    m: &Matrix<S>,
    need_positive: bool,
) -> Result<std::result::Result<Ldlt<S>, Stop>> {
    check_symmetric(m)?;
    let n = m.rows();
    // Work on the lower triangle only: a[(i, j)] for i ≥ j is the Schur complement.
    let mut a = m.clone();
    let mut d = Vec::with_capacity(n);
    for k in 0..n {
        let p = a[(k, k)].clone();
        match p.sign() {
            Some(Ordering::Greater) => {}
            Some(Ordering::Less) if !need_positive => {}
            Some(Ordering::Less) => return Ok(Err(Stop::Negative(k))),
            _ => return Ok(Err(Stop::Zero(k))),
        }
        // l_ik = a_ik / d_k, then a_ij −= l_ik a_jk for k < j ≤ i.
        let mut l = Vec::with_capacity(n - k - 1);
        for i in k + 1..n {
            // invariant: p is nonzero (checked above), so the division exists.
            l.push(a[(i, k)].div(&p).unwrap_or_else(S::zero));
        }
        for (di, li) in l.iter().enumerate() {
            if li.is_zero().is_true() {
                continue;
            }
            let i = k + 1 + di;
            for j in k + 1..=i {
                let t = a[(i, j)].sub(&li.mul(&a[(j, k)]));
                a[(i, j)] = t;
            }
        }
        for (di, li) in l.into_iter().enumerate() {
            a[(k + 1 + di, k)] = li;
        }
        d.push(p);
    }
    let l = Matrix::from_fn(n, n, |i, j| match i.cmp(&j) {
        Ordering::Greater => a[(i, j)].clone(),
        Ordering::Equal => S::one(),
        Ordering::Less => S::zero(),
    });
    Ok(Ok(Ldlt { l, d }))
}

/// Exact `LDLᵀ` without pivoting of a symmetric matrix.
///
/// Errors: [`Error::Singular`] at the first zero pivot (the factorisation without
/// pivoting may not exist then), [`Error::InvalidInput`] if `m` is not symmetric,
/// [`Error::DimensionMismatch`] if not square.
pub fn ldlt<S: Exact>(m: &Matrix<S>) -> Result<Ldlt<S>> {
    match eliminate(m, false)? {
        Ok(f) => Ok(f),
        Err(Stop::Zero(k) | Stop::Negative(k)) => Err(Error::Singular { pivot: k }),
    }
}

/// `Ok(())` iff the symmetric `m` is positive definite; otherwise
/// [`Error::NotPositiveDefinite`] naming the first pivot that is not `> 0`.
pub fn check_positive_definite<S: Exact>(m: &Matrix<S>) -> Result<()> {
    match eliminate(m, true)? {
        Ok(_) => Ok(()),
        Err(Stop::Zero(k) | Stop::Negative(k)) => Err(Error::NotPositiveDefinite { pivot: k }),
    }
}

/// Exact decision: is the symmetric `m` positive definite (all `LDLᵀ` pivots `> 0`)?
/// Errors only on asymmetric or non-square input.
pub fn positive_definite<S: Exact>(m: &Matrix<S>) -> Result<bool> {
    match check_positive_definite(m) {
        Ok(()) => Ok(true),
        Err(Error::NotPositiveDefinite { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Exact decision: is the symmetric `m` positive semidefinite?
///
/// Elimination with symmetric (diagonal) pivoting: eliminate any index with a
/// positive diagonal entry (a congruence, so inertia is kept). When no diagonal entry
/// of the remaining Schur complement is positive, `m ⪰ 0` iff that whole remaining
/// block is zero (a negative diagonal entry is a negative direction, and a
/// nonzero off-diagonal `x` with zero diagonals gives the minor `−x² < 0`).
pub fn positive_semidefinite<S: Exact>(m: &Matrix<S>) -> Result<bool> {
    check_symmetric(m)?;
    let n = m.rows();
    let mut a = m.clone();
    let mut active: Vec<usize> = (0..n).collect();
    loop {
        let Some(pos) = active
            .iter()
            .position(|&i| a[(i, i)].sign() == Some(Ordering::Greater))
        else {
            // No positive diagonal left: the remaining block must vanish.
            return Ok(active
                .iter()
                .all(|&i| active.iter().all(|&j| a[(i, j)].is_zero().is_true())));
        };
        let p = active.swap_remove(pos);
        let piv = a[(p, p)].clone();
        let col: Vec<(usize, S)> = active
            .iter()
            // invariant: piv > 0, so the division exists.
            .map(|&i| (i, a[(i, p)].div(&piv).unwrap_or_else(S::zero)))
            .collect();
        for &(i, ref li) in &col {
            if li.is_zero().is_true() {
                continue;
            }
            for &j in &active {
                let t = a[(i, j)].sub(&li.mul(&a[(p, j)]));
                a[(i, j)] = t;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rug::Rational;

    fn m(rows: &[Vec<(i64, i64)>]) -> Result<Matrix<Rational>> {
        Matrix::from_ratio_rows(rows)
    }

    #[test]
    fn hand_checked() -> Result<()> {
        // [[4,2],[2,3]]: d₁ = 4, l = 1/2, d₂ = 3 − 2·2/4 = 2 (det 8 = 4·2).
        let a = m(&[vec![(4, 1), (2, 1)], vec![(2, 1), (3, 1)]])?;
        let f = ldlt(&a)?;
        assert_eq!(f.d, vec![Rational::from(4), Rational::from(2)]);
        assert_eq!(f.l[(1, 0)], Rational::from((1, 2)));
        assert!(positive_definite(&a)?);
        // [[1,2],[2,1]]: d₂ = 1 − 4 = −3 < 0.
        let b = m(&[vec![(1, 1), (2, 1)], vec![(2, 1), (1, 1)]])?;
        assert_eq!(
            check_positive_definite(&b),
            Err(Error::NotPositiveDefinite { pivot: 1 })
        );
        assert!(!positive_semidefinite(&b)?);
        // [[1,1],[1,1]] is PSD (eigenvalues 0, 2), not PD.
        let c = m(&[vec![(1, 1), (1, 1)], vec![(1, 1), (1, 1)]])?;
        assert!(!positive_definite(&c)?);
        assert!(positive_semidefinite(&c)?);
        // [[0,1],[1,0]]: zero diagonal, nonzero off-diagonal: indefinite.
        let e = m(&[vec![(0, 1), (1, 1)], vec![(1, 1), (0, 1)]])?;
        assert!(!positive_semidefinite(&e)?);
        // Asymmetric input is an error.
        let s = m(&[vec![(1, 1), (1, 1)], vec![(0, 1), (1, 1)]])?;
        assert!(matches!(positive_definite(&s), Err(Error::InvalidInput(_))));
        Ok(())
    }
}
