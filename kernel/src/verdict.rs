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
            "the embedded {} problem (n = {}",
            self.kind.name(),
            self.n
        )?;
        match theta.len() {
            0 => write!(f, ")"),
            1..=6 => write!(f, ", θ = [{}])", theta.join(", ")),
            m => write!(f, ", θ of length {m} as embedded)"),
        }
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
        /// Contraction constant `ρ < 1` of the map (Euclidean norm); `None` when
        /// uniqueness was proven from the exact KKT conditions and the restricted Gram
        /// matrix instead (the centre is then the fixed point exactly).
        rho: Option<Rational>,
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

/// A short decimal upper bound `d·10^e ≥ x ≥ 0` with three significant digits, for
/// display next to long exact values (exact integer arithmetic, no floating point).
pub fn decimal_upper(x: &Rational) -> String {
    if x.cmp0() != Ordering::Greater {
        return q(x);
    }
    // e with 100 ≤ x·10^(2−e) < 1000, found from the digit counts and then adjusted.
    let digits = |i: &rug::Integer| i.to_string_radix(10).trim_start_matches('-').len() as i64;
    let mut e = digits(x.numer()) - digits(x.denom());
    let scaled = |e: i64| {
        let p = rug::Integer::from(rug::Integer::u_pow_u(10, (2 - e).unsigned_abs() as u32));
        if 2 - e >= 0 {
            Rational::from(x * &p)
        } else {
            Rational::from(x / &p)
        }
    };
    while scaled(e) >= 1000 {
        e += 1;
    }
    while scaled(e) < 100 {
        e -= 1;
    }
    let m = scaled(e).ceil().numer().clone();
    let m = if m == 1000 {
        (rug::Integer::from(100), e + 1)
    } else {
        (m, e)
    };
    let s = m.0.to_string();
    format!("{}.{}e{}", &s[..1], &s[1..], m.1)
}

fn words(k: usize, one: &str, many: &str) -> String {
    if k == 1 {
        format!("1 {one}")
    } else {
        format!("{k} {many}")
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.subject {
            Subject::WrittenFamily => {
                "the written family (a statement about the matrices in the file only)".to_string()
            }
            Subject::Field(p) => format!("the conservative (chain-rule) field of {p}"),
            Subject::Map(p) => format!("the map x ↦ F(x, θ) of {p}"),
        };
        match &self.claim {
            Claim::NormBound { norm, rho } => {
                let head = if *rho < 1 {
                    "CONTRACTION"
                } else {
                    "NORM BOUND"
                };
                let body = match &self.subject {
                    Subject::Map(_) => format!(
                        "‖F(x, θ) − F(y, θ)‖ ≤ {} ‖x − y‖ for all x, y in the norm {norm} \
                         (every element of its conservative field obeys the same bound)",
                        q(rho)
                    ),
                    Subject::Field(_) => {
                        format!("every element A satisfies {norm}(A) ≤ {}", q(rho))
                    }
                    Subject::WrittenFamily => {
                        format!("every matrix A satisfies {norm}(A) ≤ {}", q(rho))
                    }
                };
                let tail = if *rho < 1 {
                    ""
                } else {
                    " — not a contraction: the bound is ≥ 1"
                };
                write!(f, "{head} of {what}: {body}{tail}")
            }
            Claim::Refuted { r, len } => {
                let (members, conclusion, subject) = match &self.subject {
                    Subject::Map(_) => (
                        words(
                            *len,
                            "Jacobian of the map on an open set",
                            "Jacobians of the map on open sets",
                        ),
                        format!(
                            "in every norm the map's Lipschitz constant exceeds {}",
                            q(r)
                        ),
                        "the map",
                    ),
                    Subject::Field(_) => (
                        words(*len, "element of the field", "elements of the field"),
                        format!(
                            "in every operator norm some element of the field has norm > {}",
                            q(r)
                        ),
                        "the field",
                    ),
                    Subject::WrittenFamily => (
                        words(*len, "matrix of the family", "matrices of the family"),
                        format!(
                            "in every operator norm some matrix of the family has norm > {}",
                            q(r)
                        ),
                        "the family",
                    ),
                };
                let strong = if *r >= 1 {
                    format!(": no norm makes {subject} a contraction")
                } else {
                    String::new()
                };
                let points = match &self.subject {
                    Subject::WrittenFamily => "",
                    _ => " (witness points checked)",
                };
                write!(
                    f,
                    "REFUTED for {what}: a product of {members}{points} has spectral radius > {}^{len}, \
                     so {conclusion}{strong}",
                    q(r)
                )
            }
            Claim::Invertible => {
                write!(
                    f,
                    "INVERTIBLE for {what}: I − A is invertible for every member A"
                )
            }
            Claim::FixedPoint {
                rho,
                radius,
                signs_proven,
                coordinates,
                derivative,
            } => {
                let d = if *derivative {
                    "; exact ∂x̄/∂λ₁ proven"
                } else {
                    ""
                };
                match rho {
                    Some(rho) => write!(
                        f,
                        "FIXED POINT of {what}: the map is a contraction (ρ ≤ {} in ‖·‖₂) and \
                         its unique fixed point lies within {} of the certificate's centre \
                         (exact bound in the certificate); {signs_proven}/{coordinates} signs \
                         proven{d}",
                        q(rho),
                        decimal_upper(radius),
                    ),
                    None => write!(
                        f,
                        "FIXED POINT of {what}: the certificate's centre is exactly the map's \
                         fixed point, the unique minimiser (strict KKT conditions, positive \
                         definite restricted Gram matrix); {signs_proven}/{coordinates} signs \
                         proven{d}",
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_upper_bounds_are_upper_bounds() {
        for (p, d, want) in [
            (1, 3, "3.34e-1"),
            (1, 1, "1.00e0"),
            (131006317, 500000000, "2.63e-1"),
            (999_999, 1, "1.00e6"),
            (12_345, 1, "1.24e4"),
        ] {
            assert_eq!(decimal_upper(&Rational::from((p, d))), want);
        }
    }
}
