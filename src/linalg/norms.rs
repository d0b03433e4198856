//! The spectral norm `‖M‖₂ = σ_max(M)`: a sound upper bound for any scalar, an exact
//! decision for rationals, and an f64 estimate.
//!
//! [`Norm`] names a norm once for the whole crate (set norms in [`crate::matset`],
//! certificate finders in [`crate::certify`], enclosures, residuals of the engines).
//!
//! | function | scalars | result |
//! |---|---|---|
//! | [`Norm::of_matrix`], [`Norm::of_vector`] | any | the norm (`Two` of a matrix: the closed-form bound below) |
//! | [`spectral_norm_upper`] | any | `min(√(‖M‖₁‖M‖_∞), ‖M‖_F) ≥ ‖M‖₂`, sound for sound scalars |
//! | [`spectral_norm_below`], [`spectral_norm_at_most`] | exact | decides `‖M‖₂ < ρ` / `≤ ρ` via `ρ²I − MᵀM ≻ 0` / `⪰ 0` |
//! | [`spectral_norm_estimate`] | f64 | power iteration on `MᵀM`: an estimate (a lower bound up to rounding) |
//! | [`largest_singular_value`] | f64 | dense SVD (nalgebra): an estimate; 0 for an empty matrix |

use crate::error::{Error, Result};
use crate::linalg::exact::gram_exact;
use crate::linalg::ldlt::{positive_definite, positive_semidefinite};
use crate::linalg::Matrix;
use crate::scalar::{Exact, Scalar};
use std::cmp::Ordering;
use std::fmt;

/// Which norm. Of a matrix: the induced operator norms `One` (largest column sum of
/// `|mᵢⱼ|`), `Inf` (largest row sum), `Two` (spectral, `σ_max`), or `Frobenius`. Of a
/// vector: `‖·‖₁`, `‖·‖_∞`, and the Euclidean norm for both `Two` and `Frobenius`.
///
/// What a function returns for a norm (the exact value, a sound upper bound, an f64
/// estimate) is stated by the function: for example the spectral norm of an exact
/// matrix is irrational in general, so [`Norm::of_matrix`] returns the closed-form
/// upper bound [`spectral_norm_upper`] for `Two`, while the certificate finders
/// decide `‖A‖₂ ≤ ρ` exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Norm {
    /// Induced 1-norm (vectors: sum of absolute values).
    One,
    /// Spectral norm (vectors: Euclidean).
    Two,
    /// Induced ∞-norm (vectors: largest absolute value).
    Inf,
    /// Frobenius norm (vectors: Euclidean); not an operator norm.
    Frobenius,
    /// Largest absolute entry (vectors: the same as `Inf`); not an operator norm. The
    /// error bounds of derivatives are stated in it.
    Max,
}

impl Norm {
    /// The name used in messages and files: `"one"`, `"two"`, `"inf"`, `"frobenius"`,
    /// `"max"`.
    pub fn name(self) -> &'static str {
        match self {
            Norm::One => "one",
            Norm::Two => "two",
            Norm::Inf => "inf",
            Norm::Frobenius => "frobenius",
            Norm::Max => "max",
        }
    }

    /// `‖M‖`: exact for `One`, `Inf` and `Max`; [`Scalar::sqrt_upper`] of the exact square for
    /// `Frobenius`; the closed-form upper bound [`spectral_norm_upper`] for `Two`. Every
    /// value is `≥` the norm for sound scalars (over intervals its `sup` bounds the
    /// norm of every member).
    pub fn of_matrix<S: Scalar>(self, m: &Matrix<S>) -> S {
        match self {
            Norm::One => m.norm_1(),
            Norm::Inf => m.norm_inf(),
            Norm::Frobenius => m.norm_frobenius_upper(),
            Norm::Two => spectral_norm_upper(m),
            Norm::Max => Norm::Inf.of_vector(m.as_slice()),
        }
    }

    /// `‖v‖` of a vector: exact for `One`, `Inf` and `Max`, [`Scalar::sqrt_upper`] of the
    /// exact sum of squares for `Two`/`Frobenius` (an upper bound for sound scalars).
    pub fn of_vector<S: Scalar>(self, v: &[S]) -> S {
        match self {
            Norm::One => v.iter().fold(S::zero(), |a, x| a.add(&x.abs())),
            Norm::Inf | Norm::Max => v.iter().fold(S::zero(), |a, x| a.max(&x.abs())),
            Norm::Two | Norm::Frobenius => v
                .iter()
                .fold(S::zero(), |a, x| a.add(&x.square()))
                .sqrt_upper(),
        }
    }

    /// f64 estimate of `‖u − v‖` computed on the f64 estimates of the entries (the
    /// residual measure of the iterative engines: an estimate, never a proof). Pairs
    /// up to the shorter slice.
    pub fn dist_est<S: Scalar>(self, u: &[S], v: &[S]) -> f64 {
        let d = u.iter().zip(v).map(|(a, b)| a.sub(b).to_f64().abs());
        match self {
            Norm::One => d.sum(),
            Norm::Inf | Norm::Max => d.fold(0.0, f64::max),
            Norm::Two | Norm::Frobenius => d.map(|x| x * x).sum::<f64>().sqrt(),
        }
    }
}

impl fmt::Display for Norm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `min(√(one · inf), √fro_sq)` with [`Scalar::sqrt_upper`]: the closed-form spectral
/// bound from the 1-, ∞- and squared Frobenius norms (of one matrix, or their sups over
/// a set of matrices). The one place this bound is written.
///
/// Both terms bound `σ_max`: `‖M‖₂² = ρ(MᵀM) ≤ ‖MᵀM‖_∞ ≤ ‖Mᵀ‖_∞‖M‖_∞ = ‖M‖₁‖M‖_∞`, and
/// `‖M‖₂² ≤ Σσᵢ² = ‖M‖_F²`; over a set each sup bounds the member's own norm.
pub fn spectral_bound_from<S: Scalar>(one: &S, inf: &S, fro_sq: &S) -> S {
    one.mul(inf).min(fro_sq).sqrt_upper()
}

/// `min(‖M‖₁‖M‖_∞, ‖M‖_F²)`, an upper bound of `‖M‖₂²` (exact arithmetic, no root).
pub fn spectral_norm_upper_sq<S: Scalar>(m: &Matrix<S>) -> S {
    m.norm_1().mul(&m.norm_inf()).min(&m.norm_frobenius_sq())
}

/// An upper bound of `‖M‖₂`: `min(√(‖M‖₁‖M‖_∞), ‖M‖_F)` ([`spectral_bound_from`]).
/// Sound for rationals (a rational `≥` the bound) and intervals (the `sup` bounds the
/// norm of every member of an interval matrix); an estimate in f64.
pub fn spectral_norm_upper<S: Scalar>(m: &Matrix<S>) -> S {
    spectral_bound_from(&m.norm_1(), &m.norm_inf(), &m.norm_frobenius_sq())
}

/// `ρ²I − MᵀM` (the Gram gap whose definiteness decides `‖M‖₂` against `ρ`).
pub fn gram_gap<S: Scalar>(m: &Matrix<S>, rho: &S) -> Result<Matrix<S>> {
    let g = m.transpose().matmul(m)?;
    let r2 = rho.square();
    Ok(Matrix::from_fn(g.rows(), g.cols(), |i, j| {
        if i == j {
            r2.sub(&g[(i, j)])
        } else {
            g[(i, j)].neg()
        }
    }))
}

/// `ρ²I − MᵀM` for exact scalars, with the Gram matrix from the integer kernel.
fn exact_gram_gap<S: Exact>(m: &Matrix<S>, rho: &S) -> Result<Matrix<S>> {
    let g = gram_exact(m)?;
    let r2 = rho.square();
    Ok(Matrix::from_fn(g.rows(), g.cols(), |i, j| {
        if i == j {
            r2.sub(&g[(i, j)])
        } else {
            g[(i, j)].neg()
        }
    }))
}

/// Exact decision of `‖M‖₂ < ρ`: `ρ > 0` and `ρ²I − MᵀM ≻ 0` (all `LDLᵀ` pivots `> 0`).
pub fn spectral_norm_below<S: Exact>(m: &Matrix<S>, rho: &S) -> Result<bool> {
    if rho.sign() != Some(Ordering::Greater) {
        return Ok(false);
    }
    if m.cols() == 0 {
        return Ok(true);
    }
    positive_definite(&exact_gram_gap(m, rho)?)
}

/// Exact decision of `‖M‖₂ ≤ ρ`: `ρ ≥ 0` and `ρ²I − MᵀM ⪰ 0`.
pub fn spectral_norm_at_most<S: Exact>(m: &Matrix<S>, rho: &S) -> Result<bool> {
    if rho.sign() == Some(Ordering::Less) {
        return Ok(false);
    }
    if m.cols() == 0 {
        return Ok(true);
    }
    positive_semidefinite(&exact_gram_gap(m, rho)?)
}

/// An f64 *estimate* of `σ_max(M) = ‖M‖₂` from a dense SVD; `0` for a matrix with no
/// rows or no columns (its norm is 0 — nalgebra's SVD refuses such a matrix with a
/// panic, which is why every caller goes through here). Not a bound. The caller
/// checks finiteness (a NaN entry gives NaN).
pub fn largest_singular_value(m: &Matrix<f64>) -> f64 {
    if m.rows() == 0 || m.cols() == 0 {
        return 0.0;
    }
    m.to_nalgebra()
        .singular_values()
        .iter()
        .copied()
        .fold(0.0, f64::max)
}

/// An f64 *estimate* of `‖M‖₂` by power iteration on `MᵀM` (at most `max_iter`
/// steps, stopping when the Rayleigh quotient settles to 1e-14 relative). Not a
/// bound: it approaches `σ_max` from below in exact arithmetic. Errors on NaN/inf.
pub fn spectral_norm_estimate(m: &Matrix<f64>, max_iter: usize) -> Result<f64> {
    m.check_finite("spectral_norm_estimate")?;
    let n = m.cols();
    if n == 0 || m.rows() == 0 {
        return Ok(0.0);
    }
    // Start from the largest row: then ‖M v‖ ≥ ‖row‖ > 0 for any nonzero M, so the
    // iteration can never collapse on a start vector orthogonal to the row space
    // (and the estimate is at least σ_max/√rows from the first step).
    let best_row = (0..m.rows())
        .max_by(|&a, &b| {
            let na: f64 = (0..n).map(|j| m[(a, j)] * m[(a, j)]).sum();
            let nb: f64 = (0..n).map(|j| m[(b, j)] * m[(b, j)]).sum();
            na.total_cmp(&nb)
        })
        .unwrap_or(0);
    let mut v: Vec<f64> = (0..n).map(|j| m[(best_row, j)]).collect();
    let mut sigma = 0.0f64;
    for _ in 0..max_iter.max(1) {
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Ok(0.0);
        }
        v.iter_mut().for_each(|x| *x /= norm);
        let mv = m.mul_vec(&v)?;
        let s = mv.iter().map(|x| x * x).sum::<f64>().sqrt();
        v = m.tr_mul_vec(&mv)?;
        let done = (s - sigma).abs() <= 1e-14 * s;
        sigma = s;
        if done {
            break;
        }
    }
    if !sigma.is_finite() {
        return Err(Error::NonFinite {
            context: "spectral_norm_estimate (overflow)".into(),
        });
    }
    Ok(sigma)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rug::Rational;

    #[test]
    fn rotation_scaled() -> Result<()> {
        // W = (9/10)·[[3/5, −4/5], [4/5, 3/5]] is 9/10 times a rotation: ‖W‖₂ = 9/10
        // exactly, so ‖W‖ ≤ 9/10 holds and ‖W‖ < 9/10 does not.
        let w: Matrix<Rational> =
            Matrix::from_ratio_rows(&[vec![(27, 50), (-36, 50)], vec![(36, 50), (27, 50)]])?;
        let r = Rational::from((9, 10));
        assert!(spectral_norm_at_most(&w, &r)?);
        assert!(!spectral_norm_below(&w, &r)?);
        assert!(spectral_norm_below(&w, &Rational::from((91, 100)))?);
        assert!(spectral_norm_upper(&w) >= r);
        let est = spectral_norm_estimate(&w.to_f64(), 100)?;
        assert!((est - 0.9).abs() < 1e-12);
        Ok(())
    }
}
