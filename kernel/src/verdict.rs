//! What an accepted certificate proves: a typed verdict (subject + claim + norm +
//! number) whose text says exactly that and nothing more.
//!
//! The three subjects (see `docs/verdicts.md`):
//! * a **written family** — a statement about the matrices in the file only;
//! * the **conservative field** of an embedded problem — every Jacobian element the
//!   chain rule (automatic differentiation, the piggyback recursion) can use;
//! * the **map** `x ↦ F(x, θ)` of an embedded problem itself.
//!
//! Wording rules: a norm bound is called a contraction only when `ρ < 1`; a refutation
//! says "no norm makes it contract" only when `r ≥ 1` (otherwise it says no norm bounds
//! it by `r`); a refutation of a map says so only when every letter was shown to be the
//! map's Jacobian on an open set.

use crate::number::format_rational;
use crate::problem::{Kind, Problem};
use rug::Rational;
use std::cmp::Ordering;
use std::fmt;

/// The embedded problem a verdict is about, summarised for the reader.
#[derive(Clone, Debug, PartialEq)]
pub struct ProblemSummary {
    /// The kind (`lasso`, `elastic_net`, `relu_layer`, `piecewise_affine`).
    pub kind: Kind,
    /// State dimension.
    pub n: usize,
    /// `θ`.
    pub theta: Vec<Rational>,
}

impl ProblemSummary {
    /// The summary of a parsed problem.
    pub fn of(p: &Problem) -> Self {
        ProblemSummary {
            kind: p.kind,
            n: p.n,
            theta: p.theta.clone(),
        }
    }
}

impl fmt::Display for ProblemSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let theta: Vec<String> = self.theta.iter().map(format_rational).collect();
        write!(
            f,
            "the embedded {} problem (n = {}, θ = [{}])",
            self.kind.name(),
            self.n,
            theta.join(", ")
        )
    }
}

/// What a verdict is about.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// The matrices written in the certificate.
    WrittenFamily,
    /// The conservative (chain-rule) field of an embedded problem's map.
    Field(ProblemSummary),
    /// The map `x ↦ F(x, θ)` of an embedded problem.
    Map(ProblemSummary),
}

/// The norm of a norm bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// Spectral norm.
    Two,
    /// Induced 1-norm.
    One,
    /// Induced ∞-norm.
    Inf,
    /// Weighted norm `‖x‖_P` (the weight is in the certificate).
    Weighted,
}

impl fmt::Display for Norm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Norm::Two => "‖·‖₂",
            Norm::One => "‖·‖₁",
            Norm::Inf => "‖·‖_∞",
            Norm::Weighted => "‖·‖_P (P in the certificate)",
        })
    }
}

/// What was proven.
#[derive(Clone, Debug, PartialEq)]
pub enum Claim {
    /// `sup ‖A‖ ≤ ρ` over the subject's family; for a map, `F(·, θ)` is `ρ`-Lipschitz.
    NormBound {
        /// The norm.
        norm: Norm,
        /// `ρ ≥ 0`.
        rho: Rational,
    },
    /// A product of `len` members has spectral radius `> r^len`.
    Refuted {
        /// The threshold `r ≥ 0`.
        r: Rational,
        /// The word length.
        len: usize,
    },
    /// `I − A` is invertible for every `A` of the subject.
    Invertible,
    /// A forward–backward fixed point: unique, within `radius` of the certificate's
    /// centre (Euclidean), with the signs and derivative stated.
    FixedPoint {
        /// Contraction constant `ρ < 1` of the map (Euclidean norm).
        rho: Rational,
        /// `‖x̄ − x̃‖₂ ≤ radius`.
        radius: Rational,
        /// Coordinates whose sign was proven.
        signs_proven: usize,
        /// Coordinates in all.
        coordinates: usize,
        /// Whether the exact `∂x̄/∂λ₁` was proven.
        derivative: bool,
    },
}

/// A kernel verdict: the claim, true of the subject.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// What it is about.
    pub subject: Subject,
    /// What is true of it.
    pub claim: Claim,
}

impl Verdict {
    /// Whether the verdict proves a contraction (a norm bound `ρ < 1`, or a fixed-point
    /// certificate).
    pub fn is_contraction(&self) -> bool {
        match &self.claim {
            Claim::NormBound { rho, .. } => *rho < 1,
            Claim::FixedPoint { .. } => true,
            _ => false,
        }
    }
    /// Whether the verdict refutes something.
    pub fn is_refutation(&self) -> bool {
        matches!(self.claim, Claim::Refuted { .. })
    }
}

fn q(x: &Rational) -> String {
    format_rational(x)
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whose = match &self.subject {
            Subject::WrittenFamily => "of the written family (a statement about the matrices in the file only)".to_string(),
            Subject::Field(p) => format!("of the conservative (chain-rule) field of {p}"),
            Subject::Map(p) => format!("of the map x ↦ F(x, θ) of {p}"),
        };
        match &self.claim {
            Claim::NormBound { norm, rho } => {
                let head = if *rho < 1 { "CONTRACTION" } else { "NORM BOUND" };
                let body = match &self.subject {
                    Subject::Map(_) => format!(
                        "‖F(x, θ) − F(y, θ)‖ ≤ {} ‖x − y‖ for all x, y in the norm {norm} (every element of its conservative field obeys the same bound)",
                        q(rho)
                    ),
                    Subject::Field(_) => format!("every element A satisfies {norm}(A) ≤ {}", q(rho)),
                    Subject::WrittenFamily => format!("every matrix A satisfies {norm}(A) ≤ {}", q(rho)),
                };
                let tail = if *rho < 1 { "" } else { " — not a contraction: the bound is ≥ 1" };
                write!(f, "{head} {whose}: {body}{tail}")
            }
            Claim::Refuted { r, len } => {
                let conclusion = match (&self.subject, r.cmp(&Rational::from(1))) {
                    (Subject::Map(_), Ordering::Less) => format!(
                        "so the map is not {}-Lipschitz in any norm", q(r)
                    ),
                    (Subject::Map(_), _) => "so no norm makes the map a contraction".to_string(),
                    (Subject::Field(_), Ordering::Less) => format!("so no norm bounds every element of the field by {}", q(r)),
                    (Subject::Field(_), _) => "so no norm bounds every element of the field below 1 (the set-valued piggyback recursion is not a contraction in any norm)".to_string(),
                    (Subject::WrittenFamily, Ordering::Less) => format!("so no norm bounds every matrix of the family by {}", q(r)),
                    (Subject::WrittenFamily, _) => "so no norm makes the family contract".to_string(),
                };
                let members = match &self.subject {
                    Subject::Map(_) => "Jacobians of the map on open sets (witness points checked)",
                    Subject::Field(_) => "elements of the field at the stated points",
                    Subject::WrittenFamily => "its matrices",
                };
                write!(
                    f,
                    "REFUTED {whose}: a product of {len} {members} has spectral radius > {}^{len}, {conclusion}",
                    q(r)
                )
            }
            Claim::Invertible => write!(f, "INVERTIBLE {whose}: I − A is invertible for every member A"),
            Claim::FixedPoint {
                rho,
                radius,
                signs_proven,
                coordinates,
                derivative,
            } => write!(
                f,
                "FIXED POINT {whose}: the map is a contraction (ρ ≤ {}, ‖·‖₂), its unique fixed point lies within {} of the certificate's centre; {signs_proven}/{coordinates} signs proven{}",
                q(rho),
                q(radius),
                if *derivative { "; exact ∂x̄/∂λ₁ proven" } else { "" }
            ),
        }
    }
}
