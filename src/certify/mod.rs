//! Certificates: contraction, refutation, invertibility, fixed point, derivative enclosure (MATH.md §7).
//!
//! Finding a certificate may use f64 heuristics; checking one never does. The trusted
//! kernel is the module [`check`](mod@check) (file format + exact re-verification, depending only on the
//! scalar and exact linear-algebra code); the finders ([`contraction`], [`refute`],
//! [`invertible`]) produce candidate certificates and return one only after
//! [`check::check`] has accepted it, so a finder bug can cost a certificate but never
//! produce a false one.
//!
//! | finder | claim | method |
//! |---|---|---|
//! | [`contraction::find_norm_bound`] | `sup ‖A‖ ≤ ρ` (2-, 1-, ∞-norm) | f64 estimate, then binary search over short rationals with exact `LDLᵀ` |
//! | [`contraction::certify_map_contraction`] | the same for the `A`-blocks of an exact map's whole conservative Jacobian at a point | [`MatrixSet::leading_cols`] + `find_norm_bound` |
//! | [`contraction::find_weighted_bound`] | `sup ‖A‖_P ≤ ρ` | `P = I + Σ AᵢᵀPAᵢ/ρ²` over an active set of vertices, iterated in f64, rounded to short rationals, verified exactly |
//! | [`refute::find_refutation`] | joint spectral radius `> r` | products of vertices (length ≤ 6), exact characteristic-polynomial witness |
//! | [`invertible::certify_invertible`] | `I − A` invertible on the set | Neumann (`ρ < 1`), else a preconditioned interval-box test |
//! | [`enclosure::derivative_enclosure`], [`enclosure::derivative_error_bound`] | box ⊇ `fix 𝒥` (every AD derivative); `d(Ĵ, fix 𝒥) ≤ …` | norm box + `𝒳 ← ([A]𝒳 + [B]) ∩ 𝒳`; residual over `1 − ρ`, outward rounding |
//! | [`fixed_point::enclose_fixed_point`] | unique `x̄(θ)` in a box (interval proof, not a file) | norm ball `δ + ρr ≤ r` (or box inclusion `F(X) ⊆ X`) + sound Jacobian norm bound `< 1`, then `X ← F(X) ∩ X` |

pub mod check;
pub mod check_fixed_point;
pub mod contraction;
pub mod enclosure;
pub mod fixed_point;
pub mod forward_backward;
pub mod invertible;
pub mod refute;

pub use check::{
    check, check_json, from_json, to_json, Certificate, CheckFailure, Claim, InvertWitness,
    NormSpec, SetData,
};

use crate::error::{Error, Result};
use crate::linalg::norms::Norm;
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::scalar::{Exact, Rational};

/// Convert an exact matrix to `rug::Rational`.
pub fn to_rug<S: Exact>(m: &Matrix<S>) -> Matrix<Rational> {
    m.map(|x| x.to_rational())
}

/// Convert a set of exact matrices to `rug::Rational`.
pub fn set_to_rug<S: Exact>(set: &MatrixSet<S>) -> MatrixSet<Rational> {
    match set {
        MatrixSet::Finite(v) => MatrixSet::Finite(v.iter().map(to_rug).collect()),
        MatrixSet::Hull(v) => MatrixSet::Hull(v.iter().map(to_rug).collect()),
        MatrixSet::Box { lo, hi } => MatrixSet::Box {
            lo: to_rug(lo),
            hi: to_rug(hi),
        },
        MatrixSet::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => MatrixSet::DiagBox {
            q_lo: q_lo.iter().map(|x| x.to_rational()).collect(),
            q_hi: q_hi.iter().map(|x| x.to_rational()).collect(),
            m: to_rug(m),
            offset: to_rug(offset),
        },
    }
}

/// The certificate form of a set of square matrices. Errors on an empty set or
/// non-square members.
pub fn set_data(set: &MatrixSet<Rational>) -> Result<SetData> {
    let (r, c) = match set {
        MatrixSet::Finite(v) | MatrixSet::Hull(v) if v.is_empty() => {
            return Err(Error::InvalidInput("empty matrix set".into()));
        }
        _ => set.shape(),
    };
    if r != c {
        return Err(Error::DimensionMismatch {
            op: "certificate data (square matrices)",
            left: (r, c),
            right: (c, c),
        });
    }
    let rows = check::rows_text;
    Ok(match set {
        MatrixSet::Finite(v) => SetData::Finite {
            vertices: v.iter().map(rows).collect(),
        },
        MatrixSet::Hull(v) => SetData::Hull {
            vertices: v.iter().map(rows).collect(),
        },
        MatrixSet::Box { lo, hi } => SetData::Box {
            lo: rows(lo),
            hi: rows(hi),
        },
        MatrixSet::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => SetData::DiagBox {
            q_lo: q_lo.iter().map(check::num_text).collect(),
            q_hi: q_hi.iter().map(check::num_text).collect(),
            m: rows(m),
            offset: rows(offset),
        },
    })
}

/// The certificate file's norm for a [`Norm`]: the one place the crate's norm type is
/// mapped to the checker's serialised specification (the checker keeps its own type on
/// purpose). The checker knows the operator norms `One`, `Two`, `Inf` (and weighted
/// norms, built by [`contraction::certify_weighted_bound`]); `Frobenius` is not an
/// operator norm and has no certificate form.
pub fn norm_spec(norm: Norm) -> Result<NormSpec> {
    match norm {
        Norm::One => Ok(NormSpec::One),
        Norm::Two => Ok(NormSpec::Two),
        Norm::Inf => Ok(NormSpec::Inf),
        Norm::Frobenius => Err(no_frobenius_certificate()),
    }
}

/// The error for a certificate asked in the Frobenius norm.
pub(crate) fn no_frobenius_certificate() -> Error {
    Error::InvalidInput(
        "certificates state operator norms (one, two, inf, weighted); Frobenius has no certificate form".into(),
    )
}

/// Build a certificate and return it only if the trusted checker accepts it;
/// otherwise [`Error::CouldNotVerify`] carrying the checker's reason.
pub fn accepted(data: SetData, claim: Claim) -> Result<Certificate> {
    let c = Certificate {
        format: check::FORMAT.to_string(),
        version: check::VERSION,
        data,
        claim,
    };
    check::check(&c).map_err(|f| Error::CouldNotVerify {
        reason: f.to_string(),
    })?;
    Ok(c)
}
