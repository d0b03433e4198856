//! Invertibility of `I − A` for **every** `A` in a set (see `docs/kernel.md`).
//!
//! Two sufficient conditions, tried in order:
//! 1. Neumann: `sup ‖A‖ ≤ ρ < 1` in some norm (∞, 1, 2) ⇒ `I − A` invertible.
//! 2. Preconditioned box test (Rump/Beeck type): with `R ≈ (I − mid)⁻¹`,
//!    `‖I − R(I − A)‖_∞ < 1` for every `A` in the entrywise bounding box of the set.
//!    Found with an interval pre-check ([`crate::linalg::verified::verify_nonsingular_family`]
//!    on `I − [A]`), then written with the exact values of `R` and re-checked exactly.
//!
//! **Warning**: invertibility of `I − A` at every vertex does *not* imply it on the
//! hull — `det(I − A)` is not convex in `A` and can vanish between two vertices where
//! it has opposite signs (see the tests). Only set-wide arguments such as the two
//! above prove it.

use super::contraction::{certified_rho, find_norm_bound, SearchOptions};
use super::{
    accepted, family_subject, num_text, rows_text, set_to_rug, Certificate, Claim, InvertWitness,
};
use crate::error::Result;
use crate::linalg::lu::inverse;
use crate::linalg::norms::Norm;
use crate::linalg::verified::verify_nonsingular_family;
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::{Enclosure, Exact, Interval, Rational, Scalar};

/// Certify that `I − A` is invertible for every `A` in `set` (square matrices).
/// [`crate::Error::CouldNotVerify`] when neither sufficient condition can be shown.
pub fn certify_invertible<S: Exact>(
    set: &MatrixSet<S>,
    opts: &SearchOptions,
) -> Result<Certificate> {
    let set = &set_to_rug(set)?;
    let data = family_subject(set)?;
    for norm in [Norm::Inf, Norm::One, Norm::Two] {
        if let Ok(c) = find_norm_bound(set, norm, opts) {
            if let (Some(rho), Claim::NormBound { norm: spec, .. }) = (certified_rho(&c), &c.claim)
            {
                if rho < 1 {
                    let w = InvertWitness::Neumann {
                        norm: spec.clone(),
                        rho: num_text(&rho),
                    };
                    return accepted(data, Claim::Invertible { witness: w });
                }
            }
        }
    }
    let (lo, hi) = set.bounding_box()?;
    let n = lo.rows();
    // I − [A] as an interval matrix: [I − hi, I − lo].
    let fam: Matrix<Interval> = Matrix::from_fn(n, n, |i, j| {
        let id = if i == j {
            Rational::from(1)
        } else {
            Rational::new()
        };
        let a = Interval::from_rational(&id.sub(&hi[(i, j)]));
        let b = Interval::from_rational(&id.sub(&lo[(i, j)]));
        a.hull(&b)
    });
    let proof = verify_nonsingular_family(&fam)?;
    // The exact check uses the exact midpoint; R from the interval proof is the f64
    // inverse of the f64 midpoint, close enough for the margin β < 1 to carry over.
    let r = if proof.r.is_finite() {
        proof.r
    } else {
        inverse(&fam.to_f64())?
    };
    let rq: Matrix<Rational> = Matrix::from_f64_matrix(&r)?;
    accepted(
        data,
        Claim::Invertible {
            witness: InvertWitness::Preconditioner { r: rows_text(&rq) },
        },
    )
}
