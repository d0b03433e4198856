//! The JSON reports of `certify --json`, `check --json` and `solve --json`
//! (schema `piggyback-report`, version [`REPORT_VERSION`]; documented in `docs/cli.md`).
//!
//! Exact numbers (bounds, radii, certified derivatives) are strings `"p/q"` or
//! `"p"`; f64 numbers (estimates, interval bounds) are JSON numbers written in
//! shortest round-trip form, so parsing them gives back the same doubles. A
//! non-finite f64 is written as `null`.
//!
//! The same reports are built for library callers that work in memory (the Python
//! package): file fields (`problem`, `certificate`, `path`) are then `null`.

use crate::certify::{Claim, FixedPointCertificate};
use serde::Serialize;

/// The value of every report's `report` field.
pub const REPORT_FORMAT: &str = "piggyback-report";
/// The schema version of the reports.
pub const REPORT_VERSION: u32 = 1;

/// `certify --json`.
#[derive(Clone, Debug, Serialize)]
pub struct CertifyReport {
    /// Always [`REPORT_FORMAT`].
    pub report: &'static str,
    /// Always [`REPORT_VERSION`].
    pub version: u32,
    /// Always `"certify"`.
    pub command: &'static str,
    /// The problem file as given (`None`: a problem given in memory).
    pub problem: Option<String>,
    /// The problem's name.
    pub name: String,
    /// `"contraction"`, `"refuted"` or `"undecided"`.
    pub outcome: &'static str,
    /// The process exit status.
    pub exit_code: i32,
    /// The checker level that decided: `"exact"` (the exact kernel) or `"float"` (level
    /// 2, verified floating point; see `docs/kernel.md`).
    pub level: &'static str,
    /// Level 2 only: the f64 estimate of the optimal bound, and `ρ/estimate − 1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<LevelTwoEstimate>,
    /// The certificate written (absent when undecided).
    pub certificate: Option<CertificateEntry>,
    /// The fixed-point certificate written (`lasso` / `elastic_net` only).
    pub fixed_point: Option<FixedPointEntry>,
    /// Why the fixed-point certificate could not be made (`lasso` / `elastic_net`
    /// problems whose contraction was certified), else absent.
    pub fixed_point_failure: Option<String>,
    /// Why nothing was decided (only when undecided).
    pub reason: Option<String>,
}

/// How close a level-2 bound is to the f64 optimum.
#[derive(Clone, Debug, Serialize)]
pub struct LevelTwoEstimate {
    /// The f64 estimate of `sup ‖A‖₂` over the family.
    pub estimate: f64,
    /// `ρ/estimate − 1`.
    pub relative_gap: f64,
    /// The data files written next to the certificate.
    pub data_files: Vec<String>,
}

/// A certificate file, its verdict and its claim.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateEntry {
    /// Where it was written (`None`: not written, see [`super::certify_in_memory`]).
    pub path: Option<String>,
    /// What the verdict is about: `"map"` or `"field"` (of the problem).
    pub subject: &'static str,
    /// The kernel's verdict, as printed.
    pub verdict: String,
    /// The claim with its witness, exactly as in the file.
    pub claim: Claim,
}

/// A fixed-point certificate file and what it proves.
#[derive(Clone, Debug, Serialize)]
pub struct FixedPointEntry {
    /// Where it was written (`None`: not written).
    pub path: Option<String>,
    /// The kernel's verdict, as printed.
    pub verdict: String,
    /// What it proves.
    pub summary: FixedPointSummary,
}

/// What a fixed-point certificate proves, exactly.
#[derive(Clone, Debug, Serialize)]
pub struct FixedPointSummary {
    /// Contraction bound `ρ < 1` (Euclidean norm); `None` for an exact certificate whose
    /// uniqueness comes from the restricted Gram matrix.
    pub rho: Option<String>,
    /// Radius `R`: the fixed point is within `R` of `center` (Euclidean norm).
    pub radius: String,
    /// Center of the ball.
    pub center: Vec<String>,
    /// Proven signs (`1`, `-1`, `0`) or `null` where not claimed.
    pub signs: Vec<Option<i8>>,
    /// Exact `∂x̄/∂λ₁`, when every sign is claimed.
    pub derivative_lambda1: Option<Vec<String>>,
}

impl From<&FixedPointCertificate> for FixedPointSummary {
    fn from(c: &FixedPointCertificate) -> Self {
        FixedPointSummary {
            rho: c.rho.clone(),
            radius: c.radius.clone(),
            center: c.center.clone(),
            signs: c.signs.clone(),
            derivative_lambda1: c.derivative.clone(),
        }
    }
}

/// `check --json`.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// Always [`REPORT_FORMAT`].
    pub report: &'static str,
    /// Always [`REPORT_VERSION`].
    pub version: u32,
    /// Always `"check"`.
    pub command: &'static str,
    /// The certificate file as given (`None`: a certificate given in memory).
    pub certificate: Option<String>,
    /// The certificate's format (`"piggyback-certificate"` or
    /// `"piggyback-fixed-point-certificate"`), when it could be read.
    pub format: Option<&'static str>,
    /// The checker level: `"exact"` (the exact kernel) or `"float"` (level 2, verified
    /// floating point), when the format was recognised.
    pub level: Option<&'static str>,
    /// What the level's verdict trusts besides the mathematics.
    pub trusts: Option<&'static str>,
    /// `"valid"`, `"rejected"`, `"not_verified"` (level 2 could not verify the claim
    /// at binary64 precision: not accepted), `"malformed"`, `"not_a_map"` (the embedded
    /// problem is not a continuous, everywhere defined map) or `"too_large"` (refused by
    /// the work budget).
    pub verdict: &'static str,
    /// For a valid certificate, what it proves: `"contraction"`, `"norm_bound"` (a
    /// bound ≥ 1), `"refuted"`, `"invertible"` or `"fixed_point"`.
    pub outcome: Option<&'static str>,
    /// For a valid certificate, what it is about: `"family"`, `"field"` or `"map"`.
    pub subject: Option<&'static str>,
    /// For a valid certificate, the kernel's verdict as printed.
    pub statement: Option<String>,
    /// The claim of a valid `piggyback-certificate`.
    pub claim: Option<Claim>,
    /// What a valid fixed-point certificate proves.
    pub fixed_point: Option<FixedPointSummary>,
    /// Why it was rejected or is malformed.
    pub failure: Option<String>,
    /// The process exit status.
    pub exit_code: i32,
}

/// `solve --json`.
#[derive(Clone, Debug, Serialize)]
pub struct SolveJson {
    /// Always [`REPORT_FORMAT`].
    pub report: &'static str,
    /// Always [`REPORT_VERSION`].
    pub version: u32,
    /// Always `"solve"`.
    pub command: &'static str,
    /// The problem file as given (`None`: a problem given in memory).
    pub problem: Option<String>,
    /// The problem's name.
    pub name: String,
    /// Iterations of the f64 fixed-point iteration.
    pub iterations: usize,
    /// f64 fixed point `x̄` (length `n`).
    pub x: Vec<Option<f64>>,
    /// f64 derivative `∂x̄/∂θ`, as `n` rows of `m` numbers.
    pub jacobian: Vec<Vec<Option<f64>>>,
    /// Whether the interval proof succeeded.
    pub proved: bool,
    /// The proof (when `proved`).
    pub proof: Option<ProofJson>,
    /// Why the proof could not be made (when not `proved`).
    pub not_proved: Option<String>,
    /// Wall time of the f64 solve and derivative, in seconds.
    pub solve_seconds: f64,
    /// Wall time of the proof, in seconds.
    pub proof_seconds: f64,
    /// The process exit status.
    pub exit_code: i32,
}

/// What interval arithmetic proved in `solve`.
#[derive(Clone, Debug, Serialize)]
pub struct ProofJson {
    /// A box `[lo, hi]` per coordinate holding the unique fixed point.
    pub x: Vec<[Option<f64>; 2]>,
    /// Contraction bound on the box (`null` for the LASSO / elastic-net proof, which
    /// rests on strong convexity).
    pub rho: Option<f64>,
    /// Its norm (`"inf"`, `"two"`, …; `null` with `rho`).
    pub rho_norm: Option<&'static str>,
    /// How the proof was made and what it trusts.
    pub method: String,
    /// Per coordinate: `true` proven nonzero, `false` proven zero, `null` undecided.
    pub nonzero: Vec<Option<bool>>,
    /// Whether the derivative is proven single-valued.
    pub single_valued: bool,
    /// A box `[lo, hi]` per entry (`n` rows of `m`) holding every AD derivative.
    pub derivative: Vec<Vec<[Option<f64>; 2]>>,
    /// Bound on the distance from the f64 derivative to that set.
    pub error_bound: Option<f64>,
    /// Its norm.
    pub error_norm: &'static str,
}

/// A finite f64, or `None` (JSON `null`).
pub(crate) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}
