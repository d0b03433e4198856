//! # piggyback-kernel-fp: level 2 of the checker (verified floating point)
//!
//! The exact kernel (`piggyback-kernel`, level 1) re-checks certificates in exact
//! rational arithmetic and refuses what its work budget cannot finish — in practice
//! spectral-norm claims beyond a few dozen coordinates. This crate re-checks one claim
//! at scale: `sup_{A∈𝒟} ‖A‖₂ ≤ ρ` for the family `𝒟` of a `lasso`, `elastic_net` or
//! `relu_layer` map (or field), derived from the certificate's embedded data exactly as
//! the kernel derives it. It uses ordinary binary64 arithmetic followed by rigorous
//! a-priori error bounds (a Gram product, a floating-point Cholesky factorisation and
//! its backward error; `docs/kernel.md`, "Level 2").
//!
//! | module | role |
//! |---|---|
//! | [`format`](mod@format) | the format `piggyback-fp-certificate`, version 1 |
//! | [`data`] | inline exact data → binary64 enclosures (directed rounding); `.npy` files bound by SHA-256 |
//! | [`fp`] | arithmetic check, upward-rounded bounds, Gram product, Cholesky test |
//! | [`check`] | the check itself |
//!
//! Outcomes: a verdict ([`FpVerdict`]), a failure of the file or a rejection
//! ([`FpFailure::Failed`]), or "not verified at this precision"
//! ([`FpFailure::NotVerified`]): never accepted. What it trusts is [`TRUSTS`].
#![deny(missing_docs)]

pub mod check;
pub mod data;
pub mod format;
pub mod fp;

pub use format::{FpCertificate, FORMAT, VERSION};
use piggyback_kernel::{CheckFailure, Verdict};
use std::fmt;
use std::path::Path;

/// What a level-2 verdict trusts, beyond the mathematics (next to the exact kernel's
/// rug): printed by `piggyback check`.
pub const TRUSTS: &str = "IEEE-754 binary64 arithmetic rounding to nearest with gradual \
underflow and correctly rounded sqrt (tested at startup); the compiler evaluating \
floating-point operations as written (Rust neither reorders nor contracts them to FMA); \
rug/MPFR for the directed-rounding conversion of exact numbers to binary64; the sha2 \
crate for the SHA-256 of data files; serde_json and the kernel's number parser";

/// Work limit: `2·10¹⁰` multiply–adds (about ten seconds on one core).
pub const DEFAULT_MAX_WORK: u128 = 20_000_000_000;

/// Limits of a check, enforced from the declared sizes before anything large is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest number of multiply–adds (Gram product and factorisations).
    pub max_work: u128,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_work: DEFAULT_MAX_WORK,
        }
    }
}

/// An accepted level-2 certificate: the kernel's verdict type (subject and claim) and
/// the data files the verdict is about.
#[derive(Clone, Debug, PartialEq)]
pub struct FpVerdict {
    /// What is proven about which subject.
    pub verdict: Verdict,
    /// `(field, SHA-256)` of every data file the embedded problem names.
    pub data_files: Vec<(String, String)>,
}

impl fmt::Display for FpVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [level 2: verified floating point", self.verdict)?;
        for (field, hash) in &self.data_files {
            write!(f, "; {field} = .npy file with SHA-256 {hash}")?;
        }
        write!(f, "]")
    }
}

/// Why a level-2 certificate was not accepted.
#[derive(Clone, Debug, PartialEq)]
pub enum FpFailure {
    /// Malformed, bad data, too large, or rejected (a false precondition, a data file
    /// whose SHA-256 differs): the kernel's failure kinds.
    Failed(CheckFailure),
    /// The claim may be true but could not be verified at binary64 precision (or the
    /// arithmetic is not what this crate trusts). Not accepted.
    NotVerified {
        /// The step that could not be verified.
        step: String,
        /// Why.
        reason: String,
    },
}

impl From<CheckFailure> for FpFailure {
    fn from(f: CheckFailure) -> Self {
        FpFailure::Failed(f)
    }
}

impl fmt::Display for FpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FpFailure::Failed(c) => write!(f, "{c}"),
            FpFailure::NotVerified { step, reason } => write!(
                f,
                "not verified at this precision (level 2) at step '{step}': {reason}"
            ),
        }
    }
}

impl std::error::Error for FpFailure {}

/// Parse and check a level-2 certificate text with the default limits; data files are
/// named relative to `base` (the certificate's directory).
pub fn check_json(text: &str, base: &Path) -> Result<FpVerdict, FpFailure> {
    check_json_within(text, base, &Limits::default())
}

/// [`check_json`] within `limits`.
pub fn check_json_within(text: &str, base: &Path, limits: &Limits) -> Result<FpVerdict, FpFailure> {
    check::check(&format::from_json(text)?, base, limits)
}
