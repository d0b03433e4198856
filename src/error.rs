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
    /// A parameter (an option, a hyperparameter, a tolerance) outside its allowed range.
    InvalidParameter {
        /// Which parameter (and of what), e.g. `"ADMM: ρ"`.
        name: String,
        /// The value given, as text.
        value: String,
        /// What is allowed, read after "must be", e.g. `"finite and > 0"`.
        expected: String,
    },
    /// A list, set or data set that must have at least one element has none.
    Empty {
        /// What is empty.
        what: String,
    },
    /// An index outside its range (a coordinate, a row, a label).
    IndexOutOfRange {
        /// What was indexed.
        what: String,
        /// The index given.
        index: usize,
        /// The length of what was indexed (valid indices are `0..len`).
        len: usize,
    },
    /// A file (or a stream) could not be read or written.
    Io {
        /// What was being done: `"read"`, `"write"`, `"create"`, ….
        action: &'static str,
        /// The file's path as given (or the stream, e.g. `"the report"`).
        path: String,
        /// The operating system's kind of failure.
        kind: std::io::ErrorKind,
        /// The operating system's message.
        message: String,
    },
    /// A data or problem file (or a field of one, or a number in it) is malformed.
    ///
    /// Data files referenced by a problem file keep both names: the problem file is
    /// `file` and the field and the data file's own location are in `at`.
    Malformed {
        /// The file (as given), or the kind of text (`"CSV"`); empty if unknown.
        file: String,
        /// Where in it: a field path (`map.design`), `line 2, column 3`, …; empty for
        /// the whole file.
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// Lower and upper bounds out of order (`lo > hi`).
    BoundsOutOfOrder {
        /// Which bounds (a box, a `DiagBox`'s `q`, an interval, a sampling box).
        what: String,
        /// The first entry `(row, column)` where `lo > hi` (vectors: `(i, 0)`).
        entry: (usize, usize),
    },
    /// A matrix that must be symmetric is not.
    NotSymmetric {
        /// Row of the first entry found to differ from its mirror image.
        row: usize,
        /// Column of that entry.
        col: usize,
    },
    /// A point outside the domain of a map or function (no active piece, a logarithm
    /// of a non-positive number, …).
    OutsideDomain {
        /// Which map, and why.
        context: String,
    },
    /// The input is well formed but the operation does not apply to it (a set
    /// representation, a norm or a problem kind it does not handle).
    Unsupported {
        /// What is not supported, and what to use instead when there is an alternative.
        what: String,
    },
    /// Input that is malformed for a reason not covered above.
    InvalidInput(String),
}

impl Error {
    /// A [`Error::Malformed`] for `file` (no location).
    pub fn malformed(file: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Malformed {
            file: file.into(),
            at: String::new(),
            reason: reason.into(),
        }
    }

    /// An [`Error::InvalidParameter`].
    pub fn parameter(
        name: impl Into<String>,
        value: impl fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }

    /// An [`Error::Io`] for `action` (`"read"`, `"write"`, …) on `path`.
    pub fn io(action: &'static str, path: impl fmt::Display, e: &std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.to_string(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    /// Whether the error is about the input (bad data, a bad parameter, a file that
    /// cannot be read) rather than a computation that could not be completed on valid
    /// input (no convergence, a singular system, an undecided verification). The CLI
    /// exits with status 3 for the former and 2 for the latter.
    pub fn is_input(&self) -> bool {
        !matches!(
            self,
            Error::Singular { .. }
                | Error::NotPositiveDefinite { .. }
                | Error::CouldNotVerify { .. }
                | Error::NotConverged { .. }
                | Error::NotContractive { .. }
        )
    }

    /// The message without the `"invalid input: "` prefix of the input kinds (for
    /// errors nested in a located message).
    pub fn plain(&self) -> String {
        let s = self.to_string();
        match s.strip_prefix("invalid input: ") {
            Some(rest) => rest.to_string(),
            None => s,
        }
    }
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
            Error::InvalidParameter {
                name,
                value,
                expected,
            } => write!(f, "invalid input: {name} must be {expected}, got {value}"),
            Error::Empty { what } => write!(f, "invalid input: {what} is empty"),
            Error::IndexOutOfRange { what, index, len } => write!(
                f,
                "invalid input: {what}: index {index} out of range (valid: 0..{len})"
            ),
            Error::Io {
                action,
                path,
                message,
                ..
            } => write!(f, "invalid input: cannot {action} {path}: {message}"),
            Error::Malformed { file, at, reason } => {
                write!(f, "invalid input: ")?;
                for part in [file, at] {
                    if !part.is_empty() {
                        write!(f, "{part}: ")?;
                    }
                }
                write!(f, "{reason}")
            }
            Error::BoundsOutOfOrder { what, entry } => write!(
                f,
                "invalid input: {what}: lower bound above upper bound at entry ({}, {})",
                entry.0, entry.1
            ),
            Error::NotSymmetric { row, col } => write!(
                f,
                "invalid input: matrix is not symmetric: entry ({row}, {col}) differs from ({col}, {row})"
            ),
            Error::OutsideDomain { context } => {
                write!(f, "invalid input: outside the domain: {context}")
            }
            Error::Unsupported { what } => write!(f, "invalid input: not supported: {what}"),
            Error::InvalidInput(s) => write!(f, "invalid input: {s}"),
        }
    }
}

impl std::error::Error for Error {}
