//! LU factorisation with partial pivoting, `P A = L U`, and what it gives: linear
//! solves, determinants, inverses.
//!
//! | scalar | pivot choice | singular when | guarantee |
//! |---|---|---|---|
//! | exact (`S: Exact`) | first nonzero entry of the column | the column has no nonzero entry (exact test) | exact |
//! | `f64` | largest `|aᵢₖ|` | `|pivot| ≤ n·ε·‖A‖_∞` (`ε = 2⁻⁵²`) | estimate |
//! | intervals | largest entry proven nonzero | no entry proven nonzero (undecided) | enclosure (can be wide) |
//!
//! All are reached through the [`LuScalar`] trait, so [`solve`], [`determinant`] and
//! [`inverse`] are written once. Naive interval elimination overestimates (wrapping);
//! for verified solves and proofs of nonsingularity use [`crate::linalg::verified`].

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::{ArithmeticKind, Scalar};
use std::cmp::Ordering;

/// A factorisation `P A = L U`: `L` unit lower triangular and `U` upper triangular,
/// stored together in one matrix; `perm[i]` is the row of `A` that became row `i`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lu<S> {
    lu: Matrix<S>,
    perm: Vec<usize>,
    swaps: usize,
}

/// Scalars with an LU factorisation. Every [`Scalar`] has one; the pivot rule follows
/// its declared [`ArithmeticKind`]:
/// - exact: the first nonzero entry of the column (exact test), so `Singular` means
///   singular;
/// - rounded (f64): the largest `|aᵢₖ|`, singular below `n·ε·‖A‖_∞`;
/// - enclosure (intervals): among entries proven nonzero, the largest midpoint.
///   `Singular` then means "no pivot could be proven nonzero" (the family may or may
///   not contain a singular matrix), and the factors enclose every member's factors
///   but can be wide: naive elimination, no preconditioning. For proofs use
///   [`crate::linalg::verified`].
pub trait LuScalar: Scalar {
    /// Factor `P A = L U`; errors with [`Error::Singular`] (or [`Error::NonFinite`]
    /// for non-finite entries, [`Error::DimensionMismatch`] if not square).
    fn lu(a: &Matrix<Self>) -> Result<Lu<Self>>;
}

impl<S: Scalar> LuScalar for S {
    fn lu(a: &Matrix<S>) -> Result<Lu<S>> {
        match eliminate(a)? {
            Elimination::Complete(f) => Ok(f),
            Elimination::Stalled { step, .. } => Err(Error::Singular { pivot: step }),
        }
    }
}

/// How far elimination got.
enum Elimination<S> {
    /// Every pivot was chosen: the full factorisation.
    Complete(Lu<S>),
    /// No pivot could be chosen in column `step`: the factors of the first `step`
    /// columns, with the Schur complement of the leading `step × step` block in
    /// rows and columns `step..n`.
    Stalled {
        /// Partially eliminated matrix (as in [`Lu`], valid for columns `< step`).
        lu: Matrix<S>,
        /// The column where no pivot was found.
        step: usize,
    },
}

/// Eliminate with the pivot rule of `S::KIND` (see [`LuScalar`]).
fn eliminate<S: Scalar>(a: &Matrix<S>) -> Result<Elimination<S>> {
    a.check_finite("LU input")?;
    match S::KIND {
        ArithmeticKind::Exact => factor(a, |m, k| {
            (k..m.rows()).find(|&i| m[(i, k)].sign() != Some(Ordering::Equal))
        }),
        ArithmeticKind::Rounded => {
            // A pivot below n·ε·‖A‖_∞ is indistinguishable from zero at working
            // precision.
            let tol = a.rows() as f64 * f64::EPSILON * a.norm_inf().to_f64();
            factor(a, |m, k| {
                let (best, val) = (k..m.rows()).map(|i| (i, m[(i, k)].to_f64().abs())).fold(
                    (k, -1.0),
                    |acc, (i, v)| if v > acc.1 { (i, v) } else { acc },
                );
                // NaN (from overflow during elimination) is rejected explicitly.
                if val.is_nan() || val <= tol {
                    None
                } else {
                    Some(best)
                }
            })
        }
        ArithmeticKind::Enclosure => factor(a, |m, k| {
            (k..m.rows())
                .filter(|&i| matches!(m[(i, k)].sign(), Some(Ordering::Less | Ordering::Greater)))
                .max_by(|&i, &j| {
                    m[(i, k)]
                        .to_f64()
                        .abs()
                        .total_cmp(&m[(j, k)].to_f64().abs())
                })
        }),
    }
}

/// Gaussian elimination with a caller-chosen pivot row (`None`: no pivot in that
/// column, elimination stalls there).
fn factor<S: Scalar>(
    a: &Matrix<S>,
    pick: impl Fn(&Matrix<S>, usize) -> Option<usize>,
) -> Result<Elimination<S>> {
    if !a.is_square() {
        return Err(Error::DimensionMismatch {
            op: "lu",
            left: a.shape(),
            right: a.shape(),
        });
    }
    let n = a.rows();
    let mut lu = a.clone();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut swaps = 0;
    for k in 0..n {
        let Some(p) = pick(&lu, k) else {
            return Ok(Elimination::Stalled { lu, step: k });
        };
        if p != k {
            for j in 0..n {
                let t = lu[(k, j)].clone();
                lu[(k, j)] = lu[(p, j)].clone();
                lu[(p, j)] = t;
            }
            perm.swap(k, p);
            swaps += 1;
        }
        let pivot = lu[(k, k)].clone();
        for i in k + 1..n {
            if lu[(i, k)].is_zero().is_true() {
                continue;
            }
            let l = lu[(i, k)].div(&pivot).ok_or(Error::Singular { pivot: k })?;
            for j in k + 1..n {
                let t = lu[(i, j)].sub(&l.mul(&lu[(k, j)]));
                lu[(i, j)] = t;
            }
            lu[(i, k)] = l;
        }
    }
    if !lu.is_finite() {
        return Err(Error::NonFinite {
            context: "LU factors (overflow)".into(),
        });
    }
    Ok(Elimination::Complete(Lu { lu, perm, swaps }))
}

impl<S: Scalar> Lu<S> {
    /// Dimension `n` of the factored `n × n` matrix.
    pub fn dim(&self) -> usize {
        self.perm.len()
    }

    /// Row permutation: `perm[i]` is the row of `A` moved to row `i`.
    pub fn permutation(&self) -> &[usize] {
        &self.perm
    }

    /// The unit lower triangular factor `L`.
    pub fn l(&self) -> Matrix<S> {
        let n = self.dim();
        Matrix::from_fn(n, n, |i, j| match i.cmp(&j) {
            Ordering::Greater => self.lu[(i, j)].clone(),
            Ordering::Equal => S::one(),
            Ordering::Less => S::zero(),
        })
    }

    /// The upper triangular factor `U`.
    pub fn u(&self) -> Matrix<S> {
        let n = self.dim();
        Matrix::from_fn(n, n, |i, j| {
            if i <= j {
                self.lu[(i, j)].clone()
            } else {
                S::zero()
            }
        })
    }

    /// `det A = (−1)^{swaps} Π uᵢᵢ`.
    pub fn determinant(&self) -> S {
        let d = (0..self.dim()).fold(S::one(), |acc, i| acc.mul(&self.lu[(i, i)]));
        if self.swaps % 2 == 1 {
            d.neg()
        } else {
            d
        }
    }

    /// Solve `A X = B` for a matrix right-hand side.
    pub fn solve(&self, b: &Matrix<S>) -> Result<Matrix<S>> {
        let n = self.dim();
        if b.rows() != n {
            return Err(Error::DimensionMismatch {
                op: "lu solve",
                left: (n, n),
                right: b.shape(),
            });
        }
        let mut x = Matrix::zeros(n, b.cols());
        for c in 0..b.cols() {
            let col: Vec<S> = self.perm.iter().map(|&p| b[(p, c)].clone()).collect();
            let sol = self.solve_permuted(col)?;
            for (i, v) in sol.into_iter().enumerate() {
                x[(i, c)] = v;
            }
        }
        Ok(x)
    }

    /// Solve `A x = b` for a vector.
    pub fn solve_vec(&self, b: &[S]) -> Result<Vec<S>> {
        let n = self.dim();
        if b.len() != n {
            return Err(Error::DimensionMismatch {
                op: "lu solve",
                left: (n, n),
                right: (b.len(), 1),
            });
        }
        self.solve_permuted(self.perm.iter().map(|&p| b[p].clone()).collect())
    }

    /// Forward then backward substitution on an already permuted right-hand side.
    fn solve_permuted(&self, mut y: Vec<S>) -> Result<Vec<S>> {
        let n = self.dim();
        for i in 0..n {
            for j in 0..i {
                y[i] = y[i].sub(&self.lu[(i, j)].mul(&y[j]));
            }
        }
        for i in (0..n).rev() {
            for j in i + 1..n {
                y[i] = y[i].sub(&self.lu[(i, j)].mul(&y[j]));
            }
            y[i] = y[i]
                .div(&self.lu[(i, i)])
                .ok_or(Error::Singular { pivot: i })?;
        }
        Ok(y)
    }

    /// `A⁻¹`.
    pub fn inverse(&self) -> Result<Matrix<S>> {
        self.solve(&Matrix::identity(self.dim()))
    }
}

/// Factor `P A = L U` (see the module table for the pivoting rule per scalar).
pub fn lu<S: LuScalar>(a: &Matrix<S>) -> Result<Lu<S>> {
    S::lu(a)
}

/// Solve `A X = B`: exact over rationals, an estimate in f64.
/// Errors: [`Error::Singular`], [`Error::DimensionMismatch`], [`Error::NonFinite`].
pub fn solve<S: LuScalar>(a: &Matrix<S>, b: &Matrix<S>) -> Result<Matrix<S>> {
    if b.rows() != a.rows() {
        return Err(Error::DimensionMismatch {
            op: "solve",
            left: a.shape(),
            right: b.shape(),
        });
    }
    if !b.is_finite() {
        return Err(Error::NonFinite {
            context: "solve right-hand side".into(),
        });
    }
    S::lu(a)?.solve(b)
}

/// Solve `A x = b` for a vector right-hand side.
pub fn solve_vec<S: LuScalar>(a: &Matrix<S>, b: &[S]) -> Result<Vec<S>> {
    if b.len() != a.rows() {
        return Err(Error::DimensionMismatch {
            op: "solve",
            left: a.shape(),
            right: (b.len(), 1),
        });
    }
    if !b.iter().all(|x| x.is_finite()) {
        return Err(Error::NonFinite {
            context: "solve right-hand side".into(),
        });
    }
    S::lu(a)?.solve_vec(b)
}

/// `det A`.
///
/// | scalar | result when elimination finds no pivot in some column |
/// |---|---|
/// | exact | `0`, exactly (the column of the Schur complement is zero) |
/// | `f64` | `0.0`: singular to working precision (an estimate) |
/// | intervals | an enclosure `±|u₁₁ ⋯ u_kk|·H(S)` (see below), never a point chosen for convenience |
///
/// Over intervals "no pivot" means *undecided*, not singular. If elimination stalls
/// at column `k`, every member `A` of the interval matrix shares the pivots
/// `u₁₁ … u_kk` (each proven nonzero), and `det A = ±u₁₁ ⋯ u_kk · det S(A)` where the
/// Schur complement `S(A)` lies in the trailing interval block. Hadamard's inequality
/// `|det S| ≤ min(Πᵢ ‖rowᵢ S‖₂, Πⱼ ‖colⱼ S‖₂)` bounds the last factor over the
/// whole block, so the returned interval contains every member's determinant.
///
/// Errors: [`Error::DimensionMismatch`], [`Error::NonFinite`] (input, or overflow
/// during elimination).
pub fn determinant<S: LuScalar>(a: &Matrix<S>) -> Result<S> {
    match eliminate(a)? {
        Elimination::Complete(f) => Ok(f.determinant()),
        Elimination::Stalled { lu, step } => match S::KIND {
            ArithmeticKind::Exact | ArithmeticKind::Rounded => Ok(S::zero()),
            ArithmeticKind::Enclosure => stalled_determinant_enclosure(&lu, step),
        },
    }
}

/// Interval determinant after elimination stalled at column `step` (see
/// [`determinant`]): `hull(−r, r)` with `r = |Π_{i<step} uᵢᵢ| · H(trailing block)`.
fn stalled_determinant_enclosure<S: Scalar>(lu: &Matrix<S>, step: usize) -> Result<S> {
    if !lu.is_finite() {
        return Err(Error::NonFinite {
            context: "LU factors (overflow)".into(),
        });
    }
    let n = lu.rows();
    // The sign (−1)^swaps of the row swaps is irrelevant: the enclosure is symmetric.
    let pivots = (0..step).fold(S::one(), |acc, i| acc.mul(&lu[(i, i)]));
    // ‖v‖₂ over an interval vector: √(Σ vᵢ²) with an upper-rounded square root.
    let norm = |entries: &mut dyn Iterator<Item = &S>| {
        entries
            .fold(S::zero(), |acc, v| acc.add(&v.square()))
            .sqrt_upper()
    };
    let by_rows = (step..n).fold(S::one(), |acc, i| {
        acc.mul(&norm(&mut (step..n).map(|j| &lu[(i, j)])))
    });
    let by_cols = (step..n).fold(S::one(), |acc, j| {
        acc.mul(&norm(&mut (step..n).map(|i| &lu[(i, j)])))
    });
    // Interval min keeps the smaller upper end: both upper ends bound |det S|.
    let r = pivots.abs().mul(&by_rows.min(&by_cols));
    crate::selection::hull2(&r.neg(), &r).ok_or_else(|| Error::CouldNotVerify {
        reason: format!(
            "interval LU found no pivot proven nonzero in column {step}, and {} cannot \
             represent the hull [−r, r] that encloses the determinant",
            S::NAME
        ),
    })
}

/// `A⁻¹`; errors with [`Error::Singular`] when `A` is singular.
pub fn inverse<S: LuScalar>(a: &Matrix<S>) -> Result<Matrix<S>> {
    S::lu(a)?.inverse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rug::Rational;

    #[test]
    fn hand_checked_3x3() -> Result<()> {
        // A = [[0,2,1],[1,1,0],[2,0,3]]: cofactor expansion along row 0:
        // det = 0·(3−0) − 2·(3−0) + 1·(0−2) = −6 − 2 = −8.
        let a: Matrix<Rational> = Matrix::from_ratio_rows(&[
            vec![(0, 1), (2, 1), (1, 1)],
            vec![(1, 1), (1, 1), (0, 1)],
            vec![(2, 1), (0, 1), (3, 1)],
        ])?;
        assert_eq!(determinant(&a)?, Rational::from(-8));
        // A x = (3, 2, 5)ᵀ has solution x = (1, 1, 1)ᵀ (row sums).
        let b = vec![Rational::from(3), Rational::from(2), Rational::from(5)];
        assert_eq!(solve_vec(&a, &b)?, vec![Rational::from(1); 3]);
        let f = lu(&a)?;
        let pa = Matrix::from_fn(3, 3, |i, j| a[(f.permutation()[i], j)].clone());
        assert_eq!(f.l().matmul(&f.u())?, pa);
        Ok(())
    }

    #[test]
    fn f64_singular_and_nan() -> Result<()> {
        let a: Matrix<f64> = Matrix::from_f64_rows(&[vec![1.0, 2.0], vec![2.0, 4.0]])?;
        assert!(matches!(lu(&a), Err(Error::Singular { pivot: 1 })));
        let mut b: Matrix<f64> = Matrix::identity(2);
        b[(0, 1)] = f64::NAN;
        assert!(matches!(lu(&b), Err(Error::NonFinite { .. })));
        Ok(())
    }
}
