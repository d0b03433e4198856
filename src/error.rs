//! The crate's error type: every way an input or a computation can be refused.

use std::fmt;

/// Convenience alias used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong, typed so that a caller can act on it.
///
/// "Could not verify" ([`Error::CouldNotVerify`]) means sound arithmetic was too
/// coarse to decide a claim; it never means the claim is false. A claim shown to be
/// false is a *refutation*, which is a result, not an error.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Operand shapes do not fit the operation.
    DimensionMismatch {
        /// The operation that was attempted.
        op: &'static str,
        /// Shape (rows, cols) of the left operand.
        left: (usize, usize),
        /// Shape (rows, cols) of the right operand.
        right: (usize, usize),
    },
    /// A NaN or an infinity was given where a finite number is required.
    NonFinite {
        /// Where the value was found.
        context: String,
    },
    /// A ratio with a zero denominator, or a division by a (possibly) zero value.
    DivisionByZero {
        /// Where it happened.
        context: String,
    },
    /// A linear system is singular (a zero pivot, exactly or in f64 to working precision).
    Singular {
        /// Index of the pivot column where elimination failed.
        pivot: usize,
    },
    /// A symmetric matrix is not positive definite: `LDLᵀ` met a non-positive pivot.
    NotPositiveDefinite {
        /// Index of the first non-positive pivot.
        pivot: usize,
    },
    /// Sound arithmetic could not decide the claim (too wide, or a test was inconclusive).
    CouldNotVerify {
        /// What could not be verified, and why.
        reason: String,
    },
    /// An iteration did not reach its tolerance within the budget.
    NotConverged {
        /// Which iteration.
        what: &'static str,
        /// Iterations performed.
        iterations: usize,
        /// Final residual (estimate).
        residual: f64,
    },
    /// A map is visibly not a contraction (a Jacobian norm or an iterate growth >= 1).
    NotContractive {
        /// Observed or bounded contraction factor.
        rho: f64,
        /// Context.
        context: String,
    },
    /// A set-valued operation would be too large to represent exactly.
    TooLarge {
        /// What grew, and the limit.
        context: String,
    },
    /// Input that is malformed for a reason not covered above.
    InvalidInput(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::DimensionMismatch { op, left, right } => write!(
                f,
                "dimension mismatch in {op}: {}x{} vs {}x{}",
                left.0, left.1, right.0, right.1
            ),
            Error::NonFinite { context } => {
                write!(f, "non-finite number (NaN or infinity) in {context}")
            }
            Error::DivisionByZero { context } => {
                write!(f, "division by (possibly) zero in {context}")
            }
            Error::Singular { pivot } => write!(f, "singular system: zero pivot in column {pivot}"),
            Error::NotPositiveDefinite { pivot } => {
                write!(
                    f,
                    "matrix is not positive definite: pivot {pivot} is not > 0"
                )
            }
            Error::CouldNotVerify { reason } => write!(f, "could not verify: {reason}"),
            Error::NotConverged {
                what,
                iterations,
                residual,
            } => write!(
                f,
                "{what} did not converge in {iterations} iterations (residual {residual:e})"
            ),
            Error::NotContractive { rho, context } => {
                write!(f, "map is not contractive ({context}): factor {rho} >= 1")
            }
            Error::TooLarge { context } => write!(f, "set too large: {context}"),
            Error::InvalidInput(s) => write!(f, "invalid input: {s}"),
        }
    }
}

impl std::error::Error for Error {}
