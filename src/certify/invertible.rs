//! Invertibility of `I − A` for **every** `A` in a set (MATH.md §7).
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

use super::check::rows_text;
use super::contraction::{certified_rho, find_norm_bound, NormKind, SearchOptions};
use super::{accepted, set_data, Certificate, Claim, InvertWitness};
use crate::error::{Error, Result};
use crate::linalg::lu::inverse;
use crate::linalg::verified::verify_nonsingular_family;
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::{Enclosure, Interval, Rational, Scalar};

/// Entrywise bounding box `[lo, hi]` of a set (exact).
pub fn bounding_box(set: &MatrixSet<Rational>) -> Result<(Matrix<Rational>, Matrix<Rational>)> {
    Ok(match set {
        MatrixSet::Finite(v) | MatrixSet::Hull(v) => {
            let first = v
                .first()
                .ok_or_else(|| Error::InvalidInput("empty matrix set".into()))?;
            let (mut lo, mut hi) = (first.clone(), first.clone());
            for m in &v[1..] {
                lo = lo.zip_with(m, "bounding box", Scalar::min)?;
                hi = hi.zip_with(m, "bounding box", Scalar::max)?;
            }
            (lo, hi)
        }
        MatrixSet::Box { lo, hi } => (lo.clone(), hi.clone()),
        MatrixSet::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => {
            let a = m.scale_rows(q_lo)?.add(offset)?;
            let b = m.scale_rows(q_hi)?.add(offset)?;
            (
                a.zip_with(&b, "bounding box", Scalar::min)?,
                a.zip_with(&b, "bounding box", Scalar::max)?,
            )
        }
    })
}

/// Certify that `I − A` is invertible for every `A` in `set` (square matrices).
/// [`Error::CouldNotVerify`] when neither sufficient condition can be shown.
pub fn certify_invertible(set: &MatrixSet<Rational>, opts: &SearchOptions) -> Result<Certificate> {
    let data = set_data(set)?;
    for norm in [NormKind::Inf, NormKind::One, NormKind::Two] {
        if let Ok(c) = find_norm_bound(set, norm, opts) {
            if let (Some(rho), Claim::Contraction { norm: spec, .. }) =
                (certified_rho(&c), &c.claim)
            {
                if rho < 1 {
                    let w = InvertWitness::Neumann {
                        norm: spec.clone(),
                        rho: super::check::num_text(&rho),
                    };
                    return accepted(data, Claim::Invertible { witness: w });
                }
            }
        }
    }
    let (lo, hi) = bounding_box(set)?;
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
