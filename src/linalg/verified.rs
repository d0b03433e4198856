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
//! [`Scalar`](crate::scalar::Scalar) (inari); no BLAS or nalgebra product touches an interval. f64 is used
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

/// Prove that every member of the symmetric-valued family enclosed by the interval
/// matrix `g` is positive definite, i.e. every symmetric matrix `G ∈ [G]` is `≻ 0`.
///
/// Argument: the symmetric members of `[G]` form a convex (hence connected) set. We
/// pick one exactly (a rational point in `[Gᵢⱼ] ∩ [Gⱼᵢ]` for each pair) and decide its
/// definiteness with the exact `LDLᵀ`; then [`verify_nonsingular_family`] proves that
/// no member is singular, so no eigenvalue of a symmetric member can cross zero along
/// a path from the chosen one: all are positive definite.
///
/// Errors: [`Error::CouldNotVerify`] when the chosen member is not positive definite
/// or nonsingularity cannot be proven; shape and finiteness errors.
pub fn verify_positive_definite_family<S: Enclosure>(g: &Matrix<S>) -> Result<()> {
    if !g.is_square() {
        return Err(Error::DimensionMismatch {
            op: "verify_positive_definite_family",
            left: g.shape(),
            right: g.shape(),
        });
    }
    g.check_finite("interval matrix")?;
    let n = g.rows();
    let mut m: Matrix<rug::Rational> = Matrix::zeros(n, n);
    for j in 0..n {
        for i in j..n {
            let (a, b) = (&g[(i, j)], &g[(j, i)]);
            let (lo, hi) = (a.inf().max(b.inf()), a.sup().min(b.sup()));
            let (Some(lo), Some(hi)) = (rug::Rational::from_f64(lo), rug::Rational::from_f64(hi))
            else {
                return Err(could_not("non-finite bound"));
            };
            if lo > hi {
                return Err(could_not(format!(
                    "entries ({i}, {j}) and ({j}, {i}) have disjoint enclosures"
                )));
            }
            let mid = rug::Rational::from(&lo + &hi) / 2u32;
            m[(i, j)] = mid.clone();
            m[(j, i)] = mid;
        }
    }
    if !crate::linalg::ldlt::positive_definite(&m)? {
        return Err(could_not(
            "the chosen symmetric member is not positive definite",
        ));
    }
    verify_nonsingular_family(g).map(|_| ())
}

/// Prove `‖A‖₂ < ρ` for every `A` in the interval matrix `a`: every true
/// `ρ²I − AᵀA` is a symmetric member of the interval evaluation `[G] = ρ²I − [A]ᵀ[A]`,
/// all of which [`verify_positive_definite_family`] proves positive definite.
/// `ρ` is used exactly (an f64 value). Errors as that function.
pub fn verify_spectral_norm_below<S: Enclosure>(a: &Matrix<S>, rho: f64) -> Result<()> {
    a.check_finite("interval matrix")?;
    if !rho.is_finite() || rho <= 0.0 {
        return Err(could_not(format!("bound {rho} is not a positive number")));
    }
    let r2 = S::from_f64(rho)?.square();
    let ata = a.transpose().matmul(a)?;
    let g = Matrix::from_fn(ata.rows(), ata.cols(), |i, j| {
        if i == j {
            r2.sub(&ata[(i, j)])
        } else {
            ata[(i, j)].neg()
        }
    });
    verify_positive_definite_family(&g)
}

/// A verified upper bound `ρ` of `sup ‖A‖₂` over the interval matrix `a`: tries
/// `σ̂·(1 + δ)` for the f64 estimate `σ̂` of the midpoint and `δ ∈ {1e-9, 1e-6, 1e-3,
/// 1e-1}`, each proven by [`verify_spectral_norm_below`]. `None` when none is proven.
pub fn verified_spectral_norm_upper<S: Enclosure>(a: &Matrix<S>) -> Option<f64> {
    if a.rows() == 0 || a.cols() == 0 {
        // No entries: the norm is exactly 0 (e.g. ∂x̄/∂θ of a problem without θ).
        return Some(0.0);
    }
    let mid = a.to_f64();
    if !mid.is_finite() {
        return None;
    }
    let sigma = crate::linalg::norms::largest_singular_value(&mid);
    [1e-9, 1e-6, 1e-3, 1e-1]
        .into_iter()
        .map(|d| sigma * (1.0 + d) + f64::MIN_POSITIVE)
        .find(|&rho| verify_spectral_norm_below(a, rho).is_ok())
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
    fn spectral_norm_of_interval_family() -> Result<()> {
        // W = (9/10)·[[3/5, −4/5], [4/5, 3/5]] widened by 1e-12: ‖W‖₂ = 9/10 and every
        // member has ‖A‖₂ ≤ 9/10 + ‖Δ‖₂ ≤ 9/10 + 2e-12 < 0.9000001.
        let w: Matrix<Interval> =
            Matrix::from_ratio_rows(&[vec![(27, 50), (-36, 50)], vec![(36, 50), (27, 50)]])?;
        let fam = w.map(|x| x.add(&Interval::from_bounds(-1e-12, 1e-12).unwrap_or(*x)));
        verify_spectral_norm_below(&fam, 0.9000001)?;
        assert!(verify_spectral_norm_below(&fam, 0.8999).is_err());
        let r = verified_spectral_norm_upper(&fam).ok_or(could_not("none"))?;
        assert!((0.9..0.9 + 1e-8).contains(&r));
        Ok(())
    }

    #[test]
    fn empty_matrices_have_norm_zero() -> Result<()> {
        // A derivative ∂x̄/∂θ with no parameter is n × 0: its norm is 0. (nalgebra's
        // SVD panics on it: `solve` on a problem without θ used to exit 101.)
        for (r, c) in [(3, 0), (0, 3), (0, 0)] {
            let a: Matrix<Interval> = Matrix::zeros(r, c);
            assert_eq!(verified_spectral_norm_upper(&a), Some(0.0));
            let f: Matrix<f64> = Matrix::zeros(r, c);
            assert_eq!(crate::linalg::norms::largest_singular_value(&f), 0.0);
        }
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
