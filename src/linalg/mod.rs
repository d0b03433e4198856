//! Dense linear algebra over any [`Scalar`](crate::scalar::Scalar).
//!
//! | module | what | scalars | guarantee |
//! |---|---|---|---|
//! | [`lu`] | LU with partial pivoting: solve, determinant, inverse | exact rationals; f64 | exact; f64 estimate with a stated singularity tolerance |
//! | [`ldlt`] | `LDLᵀ`, positive (semi)definiteness decision | exact rationals | exact decision |
//! | [`verified`] | enclosure of `A⁻¹b` for an interval family, nonsingularity of the family | intervals | sound (encloses every solution) |
//! | [`norms`] | spectral-norm upper bound, exact `‖M‖₂ < ρ` decision, f64 estimate | any / exact / f64 | sound for sound scalars |
//! | [`exact`] | fast exact products (integer kernels) | exact rationals | exact |
//! | [`fast`] | f64 dot, `axpy`, column-parallel `Xᵀr` and `X_T v` | f64 | estimate |
//! | [`vfp`] | verified floating point: products with a-priori error bounds (midpoint–radius), verified `λ_min` lower bound by Cholesky | f64 + rigorous radii | sound (trusts IEEE round-to-nearest, checked at run time) |
//! | [`spectral`] | characteristic polynomial, proofs that `ρ(M) > r` | exact rationals | exact |

mod matrix;

pub(crate) mod kernels;

pub mod exact;
pub mod fast;
pub mod ldlt;
pub mod lu;
pub mod norms;
pub mod spectral;
pub mod verified;
pub mod vfp;

pub use matrix::Matrix;

use crate::error::{Error, Result};

/// `DimensionMismatch` unless a vector has the length an operation needs.
pub(crate) fn check_len(op: &'static str, want: usize, got: usize) -> Result<()> {
    if want != got {
        return Err(Error::DimensionMismatch {
            op,
            left: (want, 1),
            right: (got, 1),
        });
    }
    Ok(())
}
