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
use rug::Integer;
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
                return Err(Error::NotSymmetric { row: i, col: j });
            }
        }
    }
    Ok(())
}

/// Exact `LDLᵀ` without pivoting of a symmetric matrix.
///
/// Errors: [`Error::Singular`] at the first zero pivot (the factorisation without
/// pivoting may not exist then), [`Error::NotSymmetric`] if `m` is not symmetric,
/// [`Error::DimensionMismatch`] if not square.
pub fn ldlt<S: Exact>(m: &Matrix<S>) -> Result<Ldlt<S>> {
    check_symmetric(m)?;
    let n = m.rows();
    // Work on the lower triangle only: a[(i, j)] for i ≥ j is the Schur complement.
    let mut a = m.clone();
    let mut d = Vec::with_capacity(n);
    for k in 0..n {
        let p = a[(k, k)].clone();
        if p.sign() == Some(Ordering::Equal) {
            return Err(Error::Singular { pivot: k });
        }
        // l_ik = a_ik / d_k, then a_ij −= l_ik a_jk for k < j ≤ i.
        let mut l = Vec::with_capacity(n - k - 1);
        for i in k + 1..n {
            // p is nonzero (exact sign checked above), so this never errors.
            l.push(a[(i, k)].div(&p).ok_or(Error::Singular { pivot: k })?);
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
    Ok(Ldlt { l, d })
}

/// The symmetric `m` scaled by the least common multiple of its denominators: an
/// integer matrix with the same inertia (a positive multiple of `m`).
fn integer_scaled<S: Exact>(m: &Matrix<S>) -> Vec<Vec<Integer>> {
    let q: Vec<rug::Rational> = m.as_slice().iter().map(|x| x.to_rational()).collect();
    let den = q.iter().fold(Integer::from(1), |acc, x| acc.lcm(x.denom()));
    let n = m.rows();
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    let x = &q[i + j * n];
                    x.numer() * Integer::from(&den / x.denom())
                })
                .collect()
        })
        .collect()
}

/// Fraction-free (Bareiss) symmetric elimination on an integer matrix, pivoting on
/// the diagonal in the order chosen by `pick` (which sees the active indices and the
/// current matrix). Every entry stays an integer: after eliminating pivots
/// `p₁…p_k`, the active block equals `det(M[P,P]) ×` the Schur complement, where
/// `det(M[P,P]) = prev > 0`, so signs of the Schur complement are read directly and
/// the division by `prev` is exact (Sylvester's identity). Returns the active indices
/// and block when `pick` declines, or the index where `pick` reports failure.
fn bareiss<F>(
    mut a: Vec<Vec<Integer>>,
    mut pick: F,
) -> std::result::Result<(Vec<usize>, Vec<Vec<Integer>>), usize>
where
    F: FnMut(&[usize], &[Vec<Integer>]) -> std::result::Result<Option<usize>, usize>,
{
    let n = a.len();
    let mut active: Vec<usize> = (0..n).collect();
    let mut prev = Integer::from(1);
    while let Some(pos) = pick(&active, &a)? {
        let p = active.remove(pos);
        let piv = a[p][p].clone();
        for &i in &active {
            for &j in &active {
                if j > i {
                    continue;
                }
                let mut t = Integer::from(&a[i][j] * &piv);
                t -= Integer::from(&a[i][p] * &a[j][p]);
                t.div_exact_mut(&prev);
                a[i][j] = t.clone();
                a[j][i] = t;
            }
        }
        prev = piv;
    }
    Ok((active, a))
}

/// `Ok(())` iff the symmetric `m` is positive definite; otherwise
/// [`Error::NotPositiveDefinite`] naming the first pivot that is not `> 0`.
///
/// Computed fraction-free (Bareiss) on the integer multiple of `m`: the `k`-th pivot
/// is the `k`-th leading principal minor (times a positive constant), so "all pivots
/// `> 0`" is exactly Sylvester's criterion, and the `LDLᵀ` pivots `dₖ = Δₖ/Δₖ₋₁` have
/// the same signs.
pub fn check_positive_definite<S: Exact>(m: &Matrix<S>) -> Result<()> {
    check_symmetric(m)?;
    let res = bareiss(integer_scaled(m), |active, a| match active.first() {
        None => Ok(None),
        Some(&k) if a[k][k].cmp0() == Ordering::Greater => Ok(Some(0)),
        Some(&k) => Err(k),
    });
    match res {
        Ok(_) => Ok(()),
        Err(k) => Err(Error::NotPositiveDefinite { pivot: k }),
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
/// Fraction-free (Bareiss) on the integer multiple of `m`.
pub fn positive_semidefinite<S: Exact>(m: &Matrix<S>) -> Result<bool> {
    check_symmetric(m)?;
    let res = bareiss(integer_scaled(m), |active, a| {
        Ok(active
            .iter()
            .position(|&i| a[i][i].cmp0() == Ordering::Greater))
    });
    match res {
        Ok((active, a)) => Ok(active
            .iter()
            .all(|&i| active.iter().all(|&j| a[i][j].cmp0() == Ordering::Equal))),
        // invariant: the PSD pick never reports failure.
        Err(_) => Ok(false),
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
        assert!(matches!(
            positive_definite(&s),
            Err(Error::NotSymmetric { row: 1, col: 0 } | Error::NotSymmetric { row: 0, col: 1 })
        ));
        Ok(())
    }
}
