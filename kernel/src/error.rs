//! Why a certificate was not accepted.
//!
//! Only [`CheckFailure::Rejected`] says something about the mathematics (the file does
//! not prove its claim, or a precondition of the claim is false). Every other kind is
//! about the file: it is malformed, its data do not fit together, its problem is not a
//! valid map, or it is too large to check within the budget.

use crate::budget::OverBudget;
use std::fmt;

/// Why a certificate was not accepted.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckFailure {
    /// Not valid JSON for this format (truncated, unknown fields, wrong format or version).
    Malformed(String),
    /// A number is not an exact rational within the caps.
    BadNumber {
        /// Where (a path such as `claim.rho`).
        at: String,
        /// Why.
        reason: String,
    },
    /// Shapes, indices or counts do not fit together.
    BadData {
        /// Where.
        at: String,
        /// Why.
        reason: String,
    },
    /// The embedded problem does not define a map (e.g. a piecewise-affine file with a
    /// gap, a jump, or a region without interior), with an exact witness.
    InvalidProblem(String),
    /// Checking would exceed the work or memory budget: refused before the work.
    TooLarge(OverBudget),
    /// A verification step or a precondition failed: the claim is not proven.
    Rejected {
        /// The failed step or precondition.
        step: String,
        /// What was found.
        reason: String,
    },
}

impl CheckFailure {
    /// Whether the failure concerns the mathematics (a false or unproven claim) rather
    /// than the file.
    pub fn is_rejection(&self) -> bool {
        matches!(self, CheckFailure::Rejected { .. })
    }
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckFailure::Malformed(s) => write!(f, "malformed certificate: {s}"),
            CheckFailure::BadNumber { at, reason } => write!(f, "bad number at {at}: {reason}"),
            CheckFailure::BadData { at, reason } => write!(f, "bad data at {at}: {reason}"),
            CheckFailure::InvalidProblem(s) => write!(f, "the embedded problem is not a map: {s}"),
            CheckFailure::TooLarge(o) => write!(f, "{o}"),
            CheckFailure::Rejected { step, reason } => {
                write!(f, "rejected at step '{step}': {reason}")
            }
        }
    }
}

impl std::error::Error for CheckFailure {}

impl From<OverBudget> for CheckFailure {
    fn from(o: OverBudget) -> Self {
        CheckFailure::TooLarge(o)
    }
}

/// Result of a kernel step.
pub type Checked<T> = Result<T, CheckFailure>;

/// A [`CheckFailure::BadData`].
pub fn bad_data(at: impl Into<String>, reason: impl Into<String>) -> CheckFailure {
    CheckFailure::BadData {
        at: at.into(),
        reason: reason.into(),
    }
}

/// A [`CheckFailure::Rejected`].
pub fn reject(step: impl Into<String>, reason: impl Into<String>) -> CheckFailure {
    CheckFailure::Rejected {
        step: step.into(),
        reason: reason.into(),
    }
}
