//! Verified linear algebra over interval matrices (Rump, Acta Numerica 2010, §10):
//! an enclosure of `A⁻¹b` valid for **every** `A ∈ [A]`, `b ∈ [b]`, and a proof that
//! every member of an interval matrix is invertible.
//!
//! Method. Let `R ≈ mid([A])⁻¹` (f64 LU, an ordinary matrix whose entries are then
//! used *exactly*) and `C = I − R[A]` evaluated in interval arithmetic. If
//! `β ≥ ‖C‖_∞` and `β < 1`, then for every `A ∈ [A]`, `‖I − RA‖_∞ < 1`, so `RA` and
//! hence `A` is invertible. For `x̃ ≈ A⁻¹b` and the error `e = A⁻¹b − x̃`:
//! `e = R(b − Ax̃) + (I − RA)e`, so with `z ⊇ R([b] − [A]x̃)` (interval residual),
//! `‖e‖_∞ ≤ ‖z‖_∞/(1 − β)` and `e ∈ z + C·E` whenever `e ∈ E`. We start from the
//! norm box `E₀ = [−δ, δ]ⁿ`, `δ = sup(‖z‖_∞/(1 − β))` (rounded up through interval
//! division), and tighten by `E_{k+1} = (z + C·E_k) ∩ E_k`; every step keeps the
//! true `e`. The result is `x̃ + E`.
//!
//! Soundness: every product that enters the proof is an interval operation through
//! [`Scalar`] (inari); no BLAS or nalgebra product touches an interval. f64 is used
//! only to *find* `R` and `x̃`, which are then treated as exact data.

use crate::error::{Error, Result};
use crate::linalg::lu::{inverse, solve};
use crate::linalg::Matrix;
use crate::scalar::Enclosure;

/// Proof that every matrix in an interval matrix `[A]` is invertible:
/// `‖I − R A‖_∞ ≤ beta < 1` for all `A ∈ [A]`.
#[derive(Clone, Debug, PartialEq)]
pub struct NonsingularProof {
    /// The approximate inverse `R` of the midpoint matrix (its f64 entries are the
    /// exact numbers the proof used).
    pub r: Matrix<f64>,
    /// An upper bound of `‖I − R A‖_∞` over the family, `< 1`.
    pub beta: f64,
}

fn could_not(reason: impl Into<String>) -> Error {
    Error::CouldNotVerify {
        reason: reason.into(),
    }
}

/// `(R, C = I − R[A], β = sup ‖C‖_∞)`.
fn precondition<S: Enclosure>(a: &Matrix<S>) -> Result<(Matrix<f64>, Matrix<S>, f64)> {
    if !a.is_square() {
        return Err(Error::DimensionMismatch {
            op: "verified solve",
            left: a.shape(),
            right: a.shape(),
        });
    }
    a.check_finite("interval matrix")?;
    let mid = a.to_f64();
    let r = inverse(&mid).map_err(|e| match e {
        Error::Singular { pivot } => could_not(format!(
            "midpoint matrix is singular to working precision (pivot {pivot})"
        )),
        other => other,
    })?;
    r.check_finite("approximate inverse")
        .map_err(|_| could_not("approximate inverse of the midpoint overflowed"))?;
    let rs: Matrix<S> = Matrix::from_f64_matrix(&r)?;
    let ra = rs.matmul(a)?;
    let n = a.rows();
    let c = Matrix::from_fn(n, n, |i, j| {
        if i == j {
            S::one().sub(&ra[(i, j)])
        } else {
            ra[(i, j)].neg()
        }
    });
    let beta = c.norm_inf().sup();
    Ok((r, c, beta))
}

/// Prove that every matrix in the interval matrix `a` is invertible, by
/// `‖I − R[A]‖_∞ < 1` (see the module documentation).
///
/// Errors: [`Error::CouldNotVerify`] when the bound is not `< 1` (the family may
/// still be nonsingular: the test is sufficient, not necessary), or when the midpoint
/// is numerically singular; [`Error::DimensionMismatch`], [`Error::NonFinite`].
pub fn verify_nonsingular_family<S: Enclosure>(a: &Matrix<S>) -> Result<NonsingularProof> {
    let (r, _, beta) = precondition(a)?;
    // NaN counts as failure.
    if beta.is_nan() || beta >= 1.0 {
        return Err(could_not(format!("‖I − R[A]‖_∞ ≤ {beta:e} is not < 1")));
    }
    Ok(NonsingularProof { r, beta })
}

/// Intersection of two intervals known to share the true value.
fn intersect<S: Enclosure>(a: &S, b: &S) -> Result<S> {
    let (lo, hi) = (a.inf().max(b.inf()), a.sup().min(b.sup()));
    S::from_bounds(lo, hi).map_err(|_| could_not("empty intersection in interval refinement"))
}

/// Enclosure of the solutions `X = A⁻¹B` for every `A ∈ [A]`, `B ∈ [B]` (matrix
/// right-hand side; each column handled as in the module documentation).
///
/// Errors as [`verify_nonsingular_family`], and [`Error::DimensionMismatch`] when
/// `b` has the wrong number of rows.
pub fn verified_solve<S: Enclosure>(a: &Matrix<S>, b: &Matrix<S>) -> Result<Matrix<S>> {
    if b.rows() != a.rows() {
        return Err(Error::DimensionMismatch {
            op: "verified solve",
            left: a.shape(),
            right: b.shape(),
        });
    }
    b.check_finite("interval right-hand side")?;
    let (r, c, beta) = precondition(a)?;
    if beta.is_nan() || beta >= 1.0 {
        return Err(could_not(format!("‖I − R[A]‖_∞ ≤ {beta:e} is not < 1")));
    }
    let n = a.rows();
    let rs: Matrix<S> = Matrix::from_f64_matrix(&r)?;
    let one_minus_beta = S::one().sub(&S::from_f64(beta)?);
    // Approximate solution in f64 with one step of residual refinement.
    let (amid, bmid) = (a.to_f64(), b.to_f64());
    let mut xt = solve(&amid, &bmid).or_else(|_| r.matmul(&bmid))?;
    let res = bmid.sub(&amid.matmul(&xt)?)?;
    let corr = r.matmul(&res)?;
    if corr.is_finite() {
        xt = xt.add(&corr)?;
    }
    xt.check_finite("approximate solution")
        .map_err(|_| could_not("approximate solution overflowed"))?;
    let mut out = Matrix::zeros(n, b.cols());
    for col in 0..b.cols() {
        let x: Vec<S> = xt
            .column(col)
            .iter()
            .map(|&v| S::from_f64(v))
            .collect::<Result<_>>()?;
        // z ⊇ R (b − A x̃), all in interval arithmetic.
        let ax = a.mul_vec(&x)?;
        let resid: Vec<S> = (0..n).map(|i| b[(i, col)].sub(&ax[i])).collect();
        let z = rs.mul_vec(&resid)?;
        let zn = z.iter().fold(S::zero(), |m, v| m.max(&v.abs()));
        let delta = zn
            .div(&one_minus_beta)
            .ok_or_else(|| could_not("1 − β may be zero"))?
            .sup();
        if !delta.is_finite() {
            return Err(could_not("error bound overflowed"));
        }
        let mut e: Vec<S> = vec![S::from_bounds(-delta, delta)?; n];
        for _ in 0..5 {
            let ce = c.mul_vec(&e)?;
            let next: Vec<S> = z.iter().zip(&ce).map(|(zi, ci)| zi.add(ci)).collect();
            e = next
                .iter()
                .zip(&e)
                .map(|(u, v)| intersect(u, v))
                .collect::<Result<_>>()?;
        }
        for i in 0..n {
            out[(i, col)] = x[i].add(&e[i]);
        }
    }
    Ok(out)
}

/// Enclosure of `A⁻¹b` for every `A ∈ [A]`, `b ∈ [b]` (vector right-hand side).
pub fn verified_solve_vec<S: Enclosure>(a: &Matrix<S>, b: &[S]) -> Result<Vec<S>> {
    Ok(verified_solve(a, &Matrix::column_vector(b))?.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scalar::{Interval, Scalar};

    #[test]
    fn hand_checked_2x2() -> Result<()> {
        // [[2,1],[1,3]] x = (3, 4)ᵀ: det = 5, x = (3·3 − 1·4, 2·4 − 1·3)/5 = (1, 1).
        let a: Matrix<Interval> =
            Matrix::from_ratio_rows(&[vec![(2, 1), (1, 1)], vec![(1, 1), (3, 1)]])?;
        let b = vec![Interval::from_i64(3), Interval::from_i64(4)];
        let x = verified_solve_vec(&a, &b)?;
        let one = rug::Rational::from(1);
        assert!(x
            .iter()
            .all(|xi| xi.contains_rational(&one) && xi.width() < 1e-14));
        Ok(())
    }

    #[test]
    fn singular_family_not_verified() -> Result<()> {
        // [[1, [1,3]], [1, 2]] contains the singular [[1,2],[1,2]].
        let mut a: Matrix<Interval> =
            Matrix::from_ratio_rows(&[vec![(1, 1), (2, 1)], vec![(1, 1), (2, 1)]])?;
        a[(0, 1)] = Interval::from_bounds(1.0, 3.0)?;
        assert!(matches!(
            verify_nonsingular_family(&a),
            Err(Error::CouldNotVerify { .. })
        ));
        Ok(())
    }
}
