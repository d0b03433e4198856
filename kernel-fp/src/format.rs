//! The level-2 certificate format `piggyback-fp-certificate`, version 1.
//!
//! ```json
//! { "format": "piggyback-fp-certificate", "version": 1,
//!   "subject": { "type": "map", "problem": {
//!       "map": { "kind": "elastic_net",
//!                "design": { "npy": "enet.design.npy", "sha256": "3f5c…" },
//!                "response": ["1/2", "0.25"], "step": "1/4096" },
//!       "theta": ["1/10", "1/100"] } },
//!   "claim": { "kind": "norm_bound", "norm": { "type": "two" }, "rho": "0.973125811" } }
//! ```
//! The subject is the map (or the conservative field) of an embedded `lasso`,
//! `elastic_net` or `relu_layer` problem, as in the exact kernel's format, except that a
//! data matrix or vector may also be a `.npy` file (little-endian binary64), named
//! relative to the certificate's directory and bound by its SHA-256. Inline numbers are
//! exact (the kernel's number parser). The claim is the kernel's `norm_bound` in the
//! spectral norm. Every struct rejects unknown fields.

use piggyback_kernel::certificate::{Claim, Rows};
use piggyback_kernel::error::CheckFailure;
use piggyback_kernel::problem::Splitting;
use serde::{Deserialize, Serialize};

/// The `format` field (the same constant the exact kernel refuses with a message).
pub const FORMAT: &str = piggyback_kernel::certificate::FP_FORMAT;
/// The version this crate reads and the finder writes.
pub const VERSION: u32 = 1;

/// A level-2 certificate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FpCertificate {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// What the claim is about.
    pub subject: FpSubject,
    /// The claim (`norm_bound` in the spectral norm).
    pub claim: Claim,
}

/// The map, or the conservative field, of an embedded problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FpSubject {
    /// The conservative (chain-rule) field of the problem's map at its `θ`.
    Field {
        /// The problem.
        problem: FpProblem,
    },
    /// The map `x ↦ F(x, θ)` of the problem.
    Map {
        /// The problem.
        problem: FpProblem,
    },
}

/// An embedded problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FpProblem {
    /// The map.
    pub map: FpMap,
    /// `θ` (exact numbers).
    pub theta: Vec<String>,
}

/// The maps level 2 knows (those whose family `{c·diag(q)M}` has a spectral-norm
/// supremum attained at `q = 1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FpMap {
    /// Forward–backward for the LASSO, `θ = (λ₁)`.
    Lasso {
        /// `A` (`n × p`).
        design: MatrixRef,
        /// `b` (`n`).
        response: MatrixRef,
        /// The exact step `γ > 0`.
        step: String,
    },
    /// Forward–backward for the elastic net, `θ = (λ₁, λ₂)`.
    ElasticNet {
        /// `A` (`n × p`).
        design: MatrixRef,
        /// `b` (`n`).
        response: MatrixRef,
        /// The exact step `γ > 0`.
        step: String,
        /// Where the ridge term goes; absent means `prox`.
        #[serde(default, skip_serializing_if = "Splitting::is_prox")]
        splitting: Splitting,
    },
    /// `relu(Wx + Uθ + b)`.
    ReluLayer {
        /// `W` (`n × n`).
        w: MatrixRef,
        /// `U` (`n × m`); absent means `U = 0`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        u: Option<MatrixRef>,
        /// `b` (`n`).
        b: MatrixRef,
    },
}

/// A data matrix or vector: exact numbers inline, or a bound `.npy` file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MatrixRef {
    /// Rows of exact numbers.
    Rows(Rows),
    /// A vector of exact numbers (a column).
    Vector(Vec<String>),
    /// A `.npy` file.
    File(FileRef),
}

/// A `.npy` file of little-endian binary64 values, bound by its SHA-256.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// Path relative to the certificate's directory.
    pub npy: String,
    /// SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
}

/// Parse a level-2 certificate; exact-kernel formats are refused with a message
/// naming level 1.
pub fn from_json(text: &str) -> Result<FpCertificate, CheckFailure> {
    use piggyback_kernel::certificate::{format_of, FIXED_POINT_FORMAT, FORMAT as EXACT};
    let (format, version) = format_of(text)?;
    if format == EXACT || format == FIXED_POINT_FORMAT {
        return Err(CheckFailure::Malformed(format!(
            "format {format:?} is an exact-kernel certificate (level 1): level 2 does not \
             check it; `piggyback check` sends it to the exact kernel"
        )));
    }
    if format != FORMAT || version != u64::from(VERSION) {
        return Err(CheckFailure::Malformed(format!(
            "format {format:?} version {version}, expected {FORMAT:?} version {VERSION}"
        )));
    }
    serde_json::from_str(text).map_err(|e| CheckFailure::Malformed(e.to_string()))
}

/// Serialise a level-2 certificate (pretty JSON).
pub fn to_json(c: &FpCertificate) -> String {
    piggyback_kernel::certificate::to_json(c)
}
