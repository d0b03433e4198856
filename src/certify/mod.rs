//! Certificates: contraction, refutation, invertibility, fixed point, derivative
//! enclosure (the mathematics is in `docs/kernel.md` and `docs/verdicts.md`).
//!
//! Finding a certificate may use f64 heuristics; checking one never does. The trusted
//! checker is a crate of its own, [`piggyback_kernel`] (exact rationals only, a work
//! budget, nothing from this crate): the finders here build candidate certificates in
//! its formats and return one only after the kernel has accepted it, so a finder bug can
//! cost a certificate but never produce a false one.
//!
//! Every certificate names its subject ([`Subject`]): a written matrix family, or the
//! conservative field or the map of an embedded problem (from which the kernel
//! re-derives the family).
//!
//! ## No f64 data reaches a certificate (compile-time)
//!
//! [`Sound`](crate::Sound) is a real bound here. Each finder takes the scalar data it
//! certifies in one of these forms, so `f64` data is a type error, not a run-time
//! refusal:
//!
//! | inputs | finders |
//! |---|---|
//! | `S: Exact` (⇒ `Sound`): families, bounds, weights, exact maps | [`contraction`] (`certify_*`, `find_*`, `certify_map_contraction`), [`refute`], [`invertible`], [`family_data`], [`family_subject`] |
//! | `rug::Rational` | the text helpers [`num_text`], [`rows_text`] |
//! | `S: Enclosure` (⇒ `Sound`): interval Jacobian blocks | [`enclosure::derivative_enclosure`], [`enclosure::derivative_error_bound`] |
//! | maps over `inari::Interval` (`F: FixedPointMap<Interval>`) | [`fixed_point`] |
//! | exact problem data (rationals parsed from a problem file or given exactly) | [`problem`], [`forward_backward`] |
//! | f64 data *as exact numbers* with explicit radii, proven in verified floating point | [`enet_proof`] |
//!
//! An f64 *guess* (a candidate solution, an estimate to start a search from) may be
//! passed where noted: it is only a proposal, and the certificate is built and checked
//! from the exact data.
//!
//! ```compile_fail
//! use piggyback::{certify::enclosure::derivative_enclosure, Matrix};
//! let a: Matrix<f64> = Matrix::zeros(2, 2);
//! let b: Matrix<f64> = Matrix::zeros(2, 1);
//! // error: the trait bound `f64: Enclosure` is not satisfied
//! let _ = derivative_enclosure(&a, &b, 10);
//! ```
//!
//! ```compile_fail
//! use piggyback::{certify::refute::find_refutation, Matrix, MatrixSet};
//! let family = MatrixSet::hull(vec![Matrix::<f64>::identity(2)]).unwrap();
//! // error: the trait bound `f64: Exact` is not satisfied
//! let _ = find_refutation(&family, &1.0, 4);
//! ```
//!
//! The same calls over `rug::Rational` (or `BigRational`) and `inari::Interval` compile.
//!
//! | finder | claim | method |
//! |---|---|---|
//! | [`contraction::find_norm_bound`] | `sup ‖A‖ ≤ ρ` (2-, 1-, ∞-norm) | f64 estimate, then binary search over short rationals with exact `LDLᵀ` |
//! | [`contraction::certify_map_contraction`] | the same for the `A`-blocks of an exact map's whole conservative Jacobian at a point | [`MatrixSet::leading_cols`] + `find_norm_bound` |
//! | [`contraction::find_weighted_bound`] | `sup ‖A‖_P ≤ ρ` | `P = I + Σ AᵢᵀPAᵢ/ρ²` over an active set of vertices, iterated in f64, rounded to short rationals, verified exactly |
//! | [`refute::find_refutation`] | joint spectral radius `> r` | products of vertices (length ≤ 6), exact characteristic-polynomial witness |
//! | [`invertible::certify_invertible`] | `I − A` invertible on the set | Neumann (`ρ < 1`), else a preconditioned interval-box test |
//! | [`problem::certify_problem`] | contraction of a problem's map, else a refutation of the map or of its field | the above on the problem's family, with witness points for refutations |
//! | [`forward_backward::certify_fixed_point`] | unique fixed point in a ball, signs, exact `∂x̄/∂λ₁` | f64 solve, exact residual and margins |
//! | [`enclosure::derivative_enclosure`], [`enclosure::derivative_error_bound`] | box ⊇ `fix 𝒥` (every AD derivative); `d(Ĵ, fix 𝒥) ≤ …` | norm box + `𝒳 ← ([A]𝒳 + [B]) ∩ 𝒳`; residual over `1 − ρ`, outward rounding |
//! | [`enet_proof::prove`] | LASSO / elastic net at scale: unique solution in a ball, certified support, signs and margins, every vertex derivative enclosed (a verified proof, not a file) | verified floating point: one pass over the design, verified Cholesky or `λ₂`, residual-bounded solves |
//! | [`level2::certify_level2`] | `sup ‖A‖₂ ≤ ρ` for `lasso` / `elastic_net` / `relu_layer` maps at scale (a `piggyback-fp-certificate`) | f64 Gram product and eigenvalues; checked by level 2 (`piggyback-kernel-fp`, verified floating point) |
//! | [`fixed_point::enclose_fixed_point`] | unique `x̄(θ)` in a box (interval proof, not a file) | norm ball `δ + ρr ≤ r` (or box inclusion `F(X) ⊆ X`) + sound Jacobian norm bound `< 1`, then `X ← F(X) ∩ X` |

pub mod contraction;
pub mod enclosure;
pub mod enet_proof;
pub mod fixed_point;
pub mod forward_backward;
pub mod invertible;
pub mod level2;
pub mod problem;
pub mod refute;

pub use piggyback_kernel::certificate::{
    from_json, to_json, Certificate, Claim, FamilyData, InvertWitness, Letter, NormSpec,
    RadiusWitness, Subject,
};
pub use piggyback_kernel::fixed_point::{fixed_point_from_json, FixedPointCertificate};
pub use piggyback_kernel::{Budget, CheckFailure, Verdict};

use crate::error::{Error, Result};
use crate::linalg::norms::Norm;
use crate::linalg::Matrix;
use crate::matset::{MatrixSet, MatrixSetView};
use crate::scalar::{format_rational, Exact, Rational};

/// Convert an exact matrix to `rug::Rational`.
pub fn to_rug<S: Exact>(m: &Matrix<S>) -> Matrix<Rational> {
    m.map(|x| x.to_rational())
}

/// Convert a set of exact matrices to `rug::Rational`.
pub fn set_to_rug<S: Exact>(set: &MatrixSet<S>) -> Result<MatrixSet<Rational>> {
    match set.view() {
        MatrixSetView::Finite(v) => MatrixSet::finite(v.iter().map(to_rug).collect()),
        MatrixSetView::Hull(v) => MatrixSet::hull(v.iter().map(to_rug).collect()),
        MatrixSetView::Box { lo, hi } => MatrixSet::interval_box(to_rug(lo), to_rug(hi)),
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => MatrixSet::diag_box(
            q_lo.iter().map(|x| x.to_rational()).collect(),
            q_hi.iter().map(|x| x.to_rational()).collect(),
            to_rug(m),
            to_rug(offset),
        ),
    }
}

/// The exact text of a rational (certificate numbers).
pub fn num_text(q: &Rational) -> String {
    format_rational(q)
}

/// The exact text of a rational matrix, by rows.
pub fn rows_text(m: &Matrix<Rational>) -> Vec<Vec<String>> {
    (0..m.rows())
        .map(|i| (0..m.cols()).map(|j| format_rational(&m[(i, j)])).collect())
        .collect()
}

/// The certificate form of a set of square matrices. Errors on an empty set or
/// non-square members.
pub fn family_data<S: Exact>(set: &MatrixSet<S>) -> Result<FamilyData> {
    let set = &set_to_rug(set)?;
    let (r, c) = set.shape();
    if r != c {
        return Err(Error::DimensionMismatch {
            op: "certificate data (square matrices)",
            left: (r, c),
            right: (c, c),
        });
    }
    Ok(match set.view() {
        MatrixSetView::Finite(v) => FamilyData::Finite {
            vertices: v.iter().map(rows_text).collect(),
        },
        MatrixSetView::Hull(v) => FamilyData::Hull {
            vertices: v.iter().map(rows_text).collect(),
        },
        MatrixSetView::Box { lo, hi } => FamilyData::Box {
            lo: rows_text(lo),
            hi: rows_text(hi),
        },
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => FamilyData::DiagBox {
            q_lo: q_lo.iter().map(num_text).collect(),
            q_hi: q_hi.iter().map(num_text).collect(),
            m: rows_text(m),
            offset: rows_text(offset),
        },
    })
}

/// The certificate file's norm for a [`Norm`]: the one place the crate's norm type is
/// mapped to the checker's serialised specification (the checker keeps its own type on
/// purpose). The checker knows the operator norms `One`, `Two`, `Inf` (and weighted
/// norms, built by [`contraction::certify_weighted_bound`]); `Frobenius` and `Max` are
/// not operator norms and have no certificate form.
pub fn norm_spec(norm: Norm) -> Result<NormSpec> {
    match norm {
        Norm::One => Ok(NormSpec::One {}),
        Norm::Two => Ok(NormSpec::Two {}),
        Norm::Inf => Ok(NormSpec::Inf {}),
        Norm::Frobenius | Norm::Max => Err(no_operator_norm_certificate()),
    }
}

/// The error for a certificate asked in a norm that is not an operator norm
/// (Frobenius, largest entry).
pub(crate) fn no_operator_norm_certificate() -> Error {
    Error::Unsupported {
        what: "certificates state operator norms (one, two, inf, weighted); Frobenius and max have no certificate form".into(),
    }
}

/// The subject "the written family `set`".
pub fn family_subject<S: Exact>(set: &MatrixSet<S>) -> Result<Subject> {
    Ok(Subject::Family {
        family: family_data(set)?,
    })
}

/// A failed kernel check as a crate error: over budget is [`Error::TooLarge`], anything
/// else [`Error::CouldNotVerify`] carrying the kernel's reason.
pub fn kernel_error(f: CheckFailure) -> Error {
    match f {
        CheckFailure::TooLarge(o) => Error::TooLarge {
            context: o.to_string(),
        },
        f => Error::CouldNotVerify {
            reason: f.to_string(),
        },
    }
}

/// Check a certificate with the kernel (default budget); the verdict, or the kernel's
/// refusal as a crate error ([`kernel_error`]).
pub fn verdict(c: &Certificate) -> Result<Verdict> {
    piggyback_kernel::check::check(c, &mut Budget::default()).map_err(kernel_error)
}

/// Build a certificate and return it only if the trusted kernel accepts it; otherwise
/// the kernel's reason ([`kernel_error`]).
pub fn accepted(subject: Subject, claim: Claim) -> Result<Certificate> {
    accepted_with_verdict(subject, claim).map(|(c, _)| c)
}

/// [`accepted`], with the kernel's verdict.
pub fn accepted_with_verdict(subject: Subject, claim: Claim) -> Result<(Certificate, Verdict)> {
    let c = Certificate {
        format: piggyback_kernel::certificate::FORMAT.to_string(),
        version: piggyback_kernel::certificate::VERSION,
        subject,
        claim,
    };
    let v = verdict(&c)?;
    Ok((c, v))
}

/// Parse and check any certificate text (either format) with the default budget.
pub fn check_json(text: &str) -> std::result::Result<Verdict, CheckFailure> {
    piggyback_kernel::check_json(text)
}
