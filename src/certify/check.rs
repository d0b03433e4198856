//! The trusted checker: the certificate file format and its exact re-verification.
//!
//! This module is the whole trusted kernel (DESIGN.md principle 4). It depends only on
//! `crate::scalar` (exact rationals and their text form), the exact parts of
//! `crate::linalg` (`Matrix`, exact `LDLᵀ` decisions, characteristic polynomials) and
//! serde/serde_json. No solver, no f64, no heuristics: every check below is an exact
//! rational computation whose mathematical justification is stated next to it.
//!
//! # File format (version 1)
//! ```json
//! { "format": "piggyback-certificate", "version": 1,
//!   "data":  { "type": "hull", "vertices": [[["3/4", "-3/4"], ["1", "0"]], …] },
//!   "claim": { "kind": "contraction", "norm": { "type": "two" }, "rho": "9/10" } }
//! ```
//! Numbers are exact rationals written `"p/q"`, `"p"` or as exact decimals, at most
//! [`MAX_DIGITS`](crate::scalar::MAX_DIGITS) digits each. Matrices are lists of rows.
//!
//! # Claims and what is checked
//! | claim | checked |
//! |---|---|
//! | `contraction` (`sup_{A∈data} ‖A‖ ≤ ρ`) | per extreme point (a norm is convex, so its sup over a hull is at a vertex): `ρ²I − AᵀA ⪰ 0` (exact `LDLᵀ` with symmetric pivoting) for `two`; column/row sums for `one`/`inf`; `P ≻ 0` and `ρ²P − AᵀPA ⪰ 0` for `weighted` |
//! | `refutation` (joint spectral radius `> r`) | the product `Π` of the named vertices has `ρ(Π) > r^len` via an exact characteristic-polynomial witness |
//! | `invertible` (`I − A` invertible for all `A ∈ data`) | `neumann`: a contraction check with `ρ < 1`; `preconditioner`: `‖I − R(I − A)‖_∞ < 1` on the entrywise bounding box of the set, evaluated exactly |
//!
//! A `refutation` proves that no submultiplicative norm gives `sup ‖A‖ ≤ r`: for the
//! word `w` of length `L`, `ρ(Π) ≤ ‖Π‖ ≤ (sup ‖A‖)^L`.

use crate::linalg::exact::{gram_exact, matmul_exact};
use crate::linalg::ldlt::{positive_definite, positive_semidefinite};
use crate::linalg::spectral::{check_radius_witness, RadiusWitness};
use crate::linalg::Matrix;
use crate::scalar::{format_rational, parse_rational, Rational, Scalar};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// The `format` field every certificate carries.
pub const FORMAT: &str = "piggyback-certificate";
/// The format version this checker reads and the finders write.
pub const VERSION: u32 = 1;
/// Largest accepted matrix dimension (rows or columns).
pub const MAX_DIM: usize = 2_000;
/// Largest number of extreme points the checker will enumerate (`Box`/`DiagBox`).
pub const MAX_VERTICES: usize = 1 << 12;
/// Longest product word in a refutation.
pub const MAX_WORD: usize = 64;
/// Largest power `k` in a trace-power radius witness.
pub const MAX_TRACE_POWER: usize = 256;

/// A matrix written as rows of exact numbers.
pub type RowsText = Vec<Vec<String>>;

/// A certificate: the data it is about, the claim, and (inside the claim) the witness.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for this checker.
    pub version: u32,
    /// The set of matrices the claim is about.
    pub data: SetData,
    /// The claim with its witness.
    pub claim: Claim,
}

/// A set of square matrices, written exactly (mirrors [`crate::matset::MatrixSet`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SetData {
    /// `{V₁, …, V_k}`.
    Finite {
        /// The members.
        vertices: Vec<RowsText>,
    },
    /// `conv{V₁, …, V_k}`.
    Hull {
        /// The vertices.
        vertices: Vec<RowsText>,
    },
    /// `{A : lo ≤ A ≤ hi}` entrywise.
    Box {
        /// Lower bounds.
        lo: RowsText,
        /// Upper bounds.
        hi: RowsText,
    },
    /// `{diag(q)·M + C : q_lo ≤ q ≤ q_hi}`.
    DiagBox {
        /// Lower bounds of `q`.
        q_lo: Vec<String>,
        /// Upper bounds of `q`.
        q_hi: Vec<String>,
        /// The row-scaled matrix `M`.
        m: RowsText,
        /// The offset `C`.
        offset: RowsText,
    },
}

/// Which operator norm a contraction claim is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum NormSpec {
    /// The spectral norm `‖A‖₂`.
    Two,
    /// The induced 1-norm (largest column sum of `|aᵢⱼ|`).
    One,
    /// The induced ∞-norm (largest row sum).
    Inf,
    /// The norm induced by `‖x‖_P = √(xᵀPx)`, `P ≻ 0`: `‖A‖_P ≤ ρ ⇔ AᵀPA ≼ ρ²P`.
    Weighted {
        /// The weight `P` (symmetric positive definite): the witness.
        p: RowsText,
    },
}

/// A proof that the spectral radius of a product exceeds a threshold (see
/// [`crate::linalg::spectral::RadiusWitness`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RadiusText {
    /// A real eigenvalue in `[lo, hi]` beyond the threshold (exact root or sign change).
    RealRoot {
        /// Left end.
        lo: String,
        /// Right end.
        hi: String,
    },
    /// `|det Π| > tⁿ`.
    Determinant,
    /// `|tr(Πᵏ)| > n·tᵏ`.
    TracePower {
        /// The power.
        k: usize,
    },
}

/// How invertibility of `I − A` over the set is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InvertWitness {
    /// `sup ‖A‖ ≤ ρ < 1` in the given norm (Neumann series).
    Neumann {
        /// The norm.
        norm: NormSpec,
        /// The bound `ρ < 1`.
        rho: String,
    },
    /// `‖I − R(I − A)‖_∞ < 1` for every `A` in the bounding box of the set.
    Preconditioner {
        /// The preconditioner `R ≈ (I − mid A)⁻¹`.
        r: RowsText,
    },
}

/// What a certificate claims, with its witness.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Claim {
    /// `sup_{A ∈ data} ‖A‖ ≤ ρ` in the given norm.
    Contraction {
        /// The norm (its weight is the witness for `weighted`).
        norm: NormSpec,
        /// The bound.
        rho: String,
    },
    /// The joint spectral radius of `data` exceeds `r`: no norm has `sup ‖A‖ ≤ r`.
    Refutation {
        /// The threshold `r ≥ 0` (1 for "not a contraction in any norm").
        r: String,
        /// Product `A_{w₀} A_{w₁} ⋯` of vertices (indices into `data`'s vertex list).
        word: Vec<usize>,
        /// Proof that `ρ(product) > r^len`.
        witness: RadiusText,
    },
    /// `I − A` is invertible for every `A ∈ data`.
    Invertible {
        /// The witness.
        witness: InvertWitness,
    },
}

/// Why a certificate was not accepted. [`CheckFailure::Rejected`] is the only kind
/// that concerns the mathematics; the others concern the file.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckFailure {
    /// Not valid JSON for this format (truncated, corrupted, unknown fields, wrong
    /// format name or version).
    Malformed(String),
    /// A number is not an exact rational within the caps.
    BadNumber {
        /// Where (a path such as `data.vertices[0][1][2]`).
        at: String,
        /// Why.
        reason: String,
    },
    /// The data are inconsistent (shapes, indices, sizes above the caps).
    BadData {
        /// Where.
        at: String,
        /// Why.
        reason: String,
    },
    /// A verification step failed: this certificate does not prove its claim.
    Rejected {
        /// The failed step.
        step: String,
        /// What was found.
        reason: String,
    },
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckFailure::Malformed(s) => write!(f, "malformed certificate: {s}"),
            CheckFailure::BadNumber { at, reason } => write!(f, "bad number at {at}: {reason}"),
            CheckFailure::BadData { at, reason } => write!(f, "bad data at {at}: {reason}"),
            CheckFailure::Rejected { step, reason } => {
                write!(f, "rejected at step '{step}': {reason}")
            }
        }
    }
}

impl std::error::Error for CheckFailure {}

type Checked<T> = std::result::Result<T, CheckFailure>;

fn bad_data(at: impl Into<String>, reason: impl Into<String>) -> CheckFailure {
    CheckFailure::BadData {
        at: at.into(),
        reason: reason.into(),
    }
}

fn reject(step: impl Into<String>, reason: impl Into<String>) -> CheckFailure {
    CheckFailure::Rejected {
        step: step.into(),
        reason: reason.into(),
    }
}

// ---------------------------------------------------------------- (de)serialisation

/// Parse a certificate from JSON text. Never panics; every problem is a
/// [`CheckFailure`] (numbers are only parsed later, by [`check`]).
pub fn from_json(text: &str) -> Checked<Certificate> {
    let c: Certificate =
        serde_json::from_str(text).map_err(|e| CheckFailure::Malformed(e.to_string()))?;
    if c.format != FORMAT {
        return Err(CheckFailure::Malformed(format!(
            "format is {:?}, expected {FORMAT:?}",
            c.format
        )));
    }
    if c.version != VERSION {
        return Err(CheckFailure::Malformed(format!(
            "version {} is not supported (expected {VERSION})",
            c.version
        )));
    }
    Ok(c)
}

/// Serialise a certificate as pretty-printed JSON.
pub fn to_json(c: &Certificate) -> String {
    // Serialising plain strings, integers and enums cannot fail; fall back to the
    // compact form (which cannot fail either) rather than panic.
    serde_json::to_string_pretty(c)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
}

/// The exact text form of a rational (for writers of certificates).
pub fn num_text(q: &Rational) -> String {
    format_rational(q)
}

/// The exact text form of a rational matrix, by rows.
pub fn rows_text(m: &Matrix<Rational>) -> RowsText {
    (0..m.rows())
        .map(|i| (0..m.cols()).map(|j| format_rational(&m[(i, j)])).collect())
        .collect()
}

/// Parse and check a JSON certificate.
pub fn check_json(text: &str) -> Checked<()> {
    check(&from_json(text)?)
}

// ---------------------------------------------------------------- parsing numbers

fn num(text: &str, at: &str) -> Checked<Rational> {
    parse_rational(text).map_err(|e| CheckFailure::BadNumber {
        at: at.to_string(),
        reason: e.to_string(),
    })
}

fn matrix(rows: &RowsText, at: &str) -> Checked<Matrix<Rational>> {
    let r = rows.len();
    let c = rows.first().map_or(0, Vec::len);
    if r == 0 || c == 0 {
        return Err(bad_data(at, "empty matrix"));
    }
    if r > MAX_DIM || c > MAX_DIM {
        return Err(bad_data(
            at,
            format!("{r}x{c} exceeds the dimension cap {MAX_DIM}"),
        ));
    }
    let mut parsed = Vec::with_capacity(r);
    for (i, row) in rows.iter().enumerate() {
        if row.len() != c {
            return Err(bad_data(
                format!("{at}[{i}]"),
                format!("row has {} entries, expected {c}", row.len()),
            ));
        }
        let vals: Checked<Vec<Rational>> = row
            .iter()
            .enumerate()
            .map(|(j, t)| num(t, &format!("{at}[{i}][{j}]")))
            .collect();
        parsed.push(vals?);
    }
    Matrix::from_rows(&parsed).map_err(|e| bad_data(at, e.to_string()))
}

fn square(m: Matrix<Rational>, n: Option<usize>, at: &str) -> Checked<Matrix<Rational>> {
    if !m.is_square() || n.is_some_and(|n| m.rows() != n) {
        return Err(bad_data(
            at,
            format!(
                "{}x{} matrix where a square {} matrix is needed",
                m.rows(),
                m.cols(),
                n.map_or("n×n".into(), |n| format!("{n}x{n}"))
            ),
        ));
    }
    Ok(m)
}

/// The parsed set: its dimension and how to enumerate what the checks need.
enum Set {
    /// Finite set or hull: the vertices.
    Vertices(Vec<Matrix<Rational>>),
    /// Box `[lo, hi]`.
    Box(Matrix<Rational>, Matrix<Rational>),
    /// `{diag(q)M + C : q ∈ [q_lo, q_hi]}`.
    DiagBox(
        Vec<Rational>,
        Vec<Rational>,
        Matrix<Rational>,
        Matrix<Rational>,
    ),
}

fn parse_set(d: &SetData) -> Checked<(Set, usize)> {
    match d {
        SetData::Finite { vertices } | SetData::Hull { vertices } => {
            if vertices.is_empty() {
                return Err(bad_data("data.vertices", "no vertices"));
            }
            let mut out = Vec::with_capacity(vertices.len());
            let mut n = None;
            for (k, v) in vertices.iter().enumerate() {
                let at = format!("data.vertices[{k}]");
                let m = square(matrix(v, &at)?, n, &at)?;
                n = Some(m.rows());
                out.push(m);
            }
            // invariant: `vertices` is nonempty (checked above), so `out[0]` exists.
            let n = out[0].rows();
            Ok((Set::Vertices(out), n))
        }
        SetData::Box { lo, hi } => {
            let lo = square(matrix(lo, "data.lo")?, None, "data.lo")?;
            let n = lo.rows();
            let hi = square(matrix(hi, "data.hi")?, Some(n), "data.hi")?;
            for j in 0..n {
                for i in 0..n {
                    if lo[(i, j)] > hi[(i, j)] {
                        return Err(bad_data(
                            format!("data.lo[{i}][{j}]"),
                            "lower bound above upper bound",
                        ));
                    }
                }
            }
            Ok((Set::Box(lo, hi), n))
        }
        SetData::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => {
            let m = square(matrix(m, "data.m")?, None, "data.m")?;
            let n = m.rows();
            let c = square(matrix(offset, "data.offset")?, Some(n), "data.offset")?;
            if q_lo.len() != n || q_hi.len() != n {
                return Err(bad_data("data.q_lo/q_hi", format!("need {n} bounds each")));
            }
            let lo: Checked<Vec<Rational>> = q_lo
                .iter()
                .enumerate()
                .map(|(i, t)| num(t, &format!("data.q_lo[{i}]")))
                .collect();
            let hi: Checked<Vec<Rational>> = q_hi
                .iter()
                .enumerate()
                .map(|(i, t)| num(t, &format!("data.q_hi[{i}]")))
                .collect();
            let (lo, hi) = (lo?, hi?);
            if let Some(i) = (0..n).find(|&i| lo[i] > hi[i]) {
                return Err(bad_data(
                    format!("data.q_lo[{i}]"),
                    "lower bound above upper bound",
                ));
            }
            Ok((Set::DiagBox(lo, hi, m, c), n))
        }
    }
}

/// Every extreme point candidate of the set (a superset of its vertices), capped.
fn extreme_points(set: &Set) -> Checked<Vec<Matrix<Rational>>> {
    match set {
        Set::Vertices(v) => Ok(v.clone()),
        Set::Box(lo, hi) => {
            let free: Vec<(usize, usize)> = (0..lo.cols())
                .flat_map(|j| (0..lo.rows()).map(move |i| (i, j)))
                .filter(|&(i, j)| lo[(i, j)] != hi[(i, j)])
                .collect();
            if free.len() > MAX_VERTICES.trailing_zeros() as usize {
                return Err(bad_data(
                    "data",
                    format!(
                        "box has 2^{} vertices, above the cap {MAX_VERTICES}",
                        free.len()
                    ),
                ));
            }
            Ok((0u64..1 << free.len())
                .map(|mask| {
                    let mut m = lo.clone();
                    for (b, &(i, j)) in free.iter().enumerate() {
                        if mask & (1 << b) != 0 {
                            m[(i, j)] = hi[(i, j)].clone();
                        }
                    }
                    m
                })
                .collect())
        }
        Set::DiagBox(lo, hi, m, c) => {
            let free: Vec<usize> = (0..lo.len()).filter(|&i| lo[i] != hi[i]).collect();
            if free.len() > MAX_VERTICES.trailing_zeros() as usize {
                return Err(bad_data(
                    "data",
                    format!(
                        "diag box has 2^{} vertices, above the cap {MAX_VERTICES}",
                        free.len()
                    ),
                ));
            }
            Ok((0u64..1 << free.len())
                .map(|mask| {
                    let mut q = lo.clone();
                    for (b, &i) in free.iter().enumerate() {
                        if mask & (1 << b) != 0 {
                            q[i] = hi[i].clone();
                        }
                    }
                    Matrix::from_fn(m.rows(), m.cols(), |i, j| {
                        q[i].mul(&m[(i, j)]).add(&c[(i, j)])
                    })
                })
                .collect())
        }
    }
}

/// Entrywise bounding box `[lo, hi]` of the set (exact).
fn bounding_box(set: &Set) -> (Matrix<Rational>, Matrix<Rational>) {
    match set {
        Set::Vertices(v) => {
            // invariant: parse_set rejects an empty vertex list.
            let mut lo = v[0].clone();
            let mut hi = v[0].clone();
            for m in &v[1..] {
                lo = Matrix::from_fn(lo.rows(), lo.cols(), |i, j| {
                    Scalar::min(&lo[(i, j)], &m[(i, j)])
                });
                hi = Matrix::from_fn(hi.rows(), hi.cols(), |i, j| {
                    Scalar::max(&hi[(i, j)], &m[(i, j)])
                });
            }
            (lo, hi)
        }
        Set::Box(lo, hi) => (lo.clone(), hi.clone()),
        Set::DiagBox(ql, qh, m, c) => {
            // q ↦ q·mᵢⱼ + cᵢⱼ is affine, so its range over [q_lo, q_hi] has its ends at
            // the ends of the q interval.
            let a = Matrix::from_fn(m.rows(), m.cols(), |i, j| {
                ql[i].mul(&m[(i, j)]).add(&c[(i, j)])
            });
            let b = Matrix::from_fn(m.rows(), m.cols(), |i, j| {
                qh[i].mul(&m[(i, j)]).add(&c[(i, j)])
            });
            (
                Matrix::from_fn(m.rows(), m.cols(), |i, j| {
                    Scalar::min(&a[(i, j)], &b[(i, j)])
                }),
                Matrix::from_fn(m.rows(), m.cols(), |i, j| {
                    Scalar::max(&a[(i, j)], &b[(i, j)])
                }),
            )
        }
    }
}

// ---------------------------------------------------------------- the checks

/// Re-verify a certificate exactly. `Ok(())` means the claim is proven.
pub fn check(c: &Certificate) -> Checked<()> {
    if c.format != FORMAT || c.version != VERSION {
        return Err(CheckFailure::Malformed(format!(
            "unsupported format {:?} version {}",
            c.format, c.version
        )));
    }
    let (set, n) = parse_set(&c.data)?;
    match &c.claim {
        Claim::Contraction { norm, rho } => {
            let rho = num(rho, "claim.rho")?;
            check_norm_bound(&set, n, norm, &rho, "contraction")
        }
        Claim::Refutation { r, word, witness } => check_refutation(&set, r, word, witness),
        Claim::Invertible { witness } => match witness {
            InvertWitness::Neumann { norm, rho } => {
                let rho = num(rho, "claim.witness.rho")?;
                if rho >= 1 {
                    return Err(reject(
                        "neumann: rho < 1",
                        format!("rho = {} is not < 1", format_rational(&rho)),
                    ));
                }
                check_norm_bound(&set, n, norm, &rho, "neumann")
            }
            InvertWitness::Preconditioner { r } => {
                let r = square(matrix(r, "claim.witness.r")?, Some(n), "claim.witness.r")?;
                check_preconditioner(&set, &r)
            }
        },
    }
}

/// `sup_{A ∈ set} ‖A‖ ≤ ρ` in the given norm.
fn check_norm_bound(
    set: &Set,
    n: usize,
    norm: &NormSpec,
    rho: &Rational,
    step: &str,
) -> Checked<()> {
    if *rho < 0 {
        return Err(reject(format!("{step}: rho >= 0"), "negative bound"));
    }
    let weight = match norm {
        NormSpec::Weighted { p } => {
            let p = square(matrix(p, "claim.norm.p")?, Some(n), "claim.norm.p")?;
            // P ≻ 0 (and symmetric: checked exactly inside the LDLᵀ).
            match positive_definite(&p) {
                Ok(true) => {}
                Ok(false) => {
                    return Err(reject(
                        format!("{step}: P is positive definite"),
                        "an LDLᵀ pivot of P is not > 0",
                    ))
                }
                Err(e) => return Err(reject(format!("{step}: P is symmetric"), e.to_string())),
            }
            Some(p)
        }
        _ => None,
    };
    // Which matrices must be checked:
    // - Finite/Hull: the vertices (a norm is convex; its sup over a hull is at a vertex).
    // - Box with an unweighted norm: the single matrix M = max(|lo|, |hi|). For
    //   |A| ≤ M entrywise, ‖A‖ ≤ ‖|A|‖ ≤ ‖M‖ holds for the 1-, ∞- and 2-norms
    //   (|Ax| ≤ |A||x| ≤ M|x| entrywise, and these vector norms are monotone).
    // - DiagBox with zero offset, |q| ≤ 1 and an unweighted norm: M alone, since
    //   ‖diag(q)M‖ ≤ ‖diag(q)‖‖M‖ ≤ ‖M‖ for these induced norms.
    // - Otherwise: every extreme point (capped).
    let to_check: Vec<Matrix<Rational>> = match (set, &weight) {
        (Set::Box(lo, hi), None) => {
            vec![Matrix::from_fn(n, n, |i, j| {
                Scalar::max(&Scalar::abs(&lo[(i, j)]), &Scalar::abs(&hi[(i, j)]))
            })]
        }
        (Set::DiagBox(ql, qh, m, c), None)
            if c.as_slice().iter().all(|x| *x == 0)
                && ql.iter().chain(qh).all(|q| q.clone().abs() <= 1) =>
        {
            vec![m.clone()]
        }
        _ => extreme_points(set)?,
    };
    let rho2 = Scalar::square(rho);
    for (k, a) in to_check.iter().enumerate() {
        let ok = match (norm, &weight) {
            (NormSpec::One, _) => a.norm_1() <= *rho,
            (NormSpec::Inf, _) => a.norm_inf() <= *rho,
            (NormSpec::Weighted { .. }, Some(p)) => {
                // ρ²P − AᵀPA ⪰ 0  ⇔  ‖A‖_P ≤ ρ.
                let pa = matmul_exact(p, a).map_err(|e| bad_data("claim", e.to_string()))?;
                let atpa = matmul_exact(&a.transpose(), &pa)
                    .map_err(|e| bad_data("claim", e.to_string()))?;
                let gap = p
                    .scale(&rho2)
                    .sub(&atpa)
                    .map_err(|e| bad_data("claim", e.to_string()))?;
                positive_semidefinite(&gap).map_err(|e| reject(step, e.to_string()))?
            }
            _ => {
                // ρ²I − AᵀA ⪰ 0  ⇔  ‖A‖₂ ≤ ρ.
                let ata = gram_exact(a).map_err(|e| bad_data("claim", e.to_string()))?;
                let gap = Matrix::from_fn(n, n, |i, j| {
                    if i == j {
                        rho2.sub(&ata[(i, j)])
                    } else {
                        ata[(i, j)].neg()
                    }
                });
                positive_semidefinite(&gap).map_err(|e| reject(step, e.to_string()))?
            }
        };
        if !ok {
            let what = match norm {
                NormSpec::Two => "rho^2 I - A^T A is positive semidefinite",
                NormSpec::One => "column sums of |A| are <= rho",
                NormSpec::Inf => "row sums of |A| are <= rho",
                NormSpec::Weighted { .. } => "rho^2 P - A^T P A is positive semidefinite",
            };
            return Err(reject(
                format!("{step}: matrix {k}: {what}"),
                format!("fails for rho = {}", format_rational(rho)),
            ));
        }
    }
    Ok(())
}

/// The product of the named vertices has spectral radius `> r^len`.
fn check_refutation(set: &Set, r: &str, word: &[usize], witness: &RadiusText) -> Checked<()> {
    let Set::Vertices(vs) = set else {
        return Err(bad_data(
            "data",
            "a refutation needs a finite set or hull (named vertices)",
        ));
    };
    let r = num(r, "claim.r")?;
    if r < 0 {
        return Err(bad_data("claim.r", "threshold must be >= 0"));
    }
    if word.is_empty() || word.len() > MAX_WORD {
        return Err(bad_data(
            "claim.word",
            format!("length must be in 1..={MAX_WORD}"),
        ));
    }
    if let Some(&bad) = word.iter().find(|&&i| i >= vs.len()) {
        return Err(bad_data(
            "claim.word",
            format!("vertex index {bad} out of range (have {})", vs.len()),
        ));
    }
    // invariant: the word is nonempty and its indices are in range (checked above).
    let mut prod = vs[word[0]].clone();
    for &i in &word[1..] {
        prod = matmul_exact(&prod, &vs[i]).map_err(|e| bad_data("claim.word", e.to_string()))?;
    }
    let threshold = (0..word.len()).fold(Rational::from(1), |acc, _| acc.mul(&r));
    let w = match witness {
        RadiusText::RealRoot { lo, hi } => RadiusWitness::RealRoot {
            lo: num(lo, "claim.witness.lo")?,
            hi: num(hi, "claim.witness.hi")?,
        },
        RadiusText::Determinant => RadiusWitness::Determinant,
        RadiusText::TracePower { k } => {
            if *k == 0 || *k > MAX_TRACE_POWER {
                return Err(bad_data(
                    "claim.witness.k",
                    format!("power must be in 1..={MAX_TRACE_POWER}"),
                ));
            }
            RadiusWitness::TracePower { k: *k }
        }
    };
    match check_radius_witness(&prod, &threshold, &w) {
        Ok(true) => Ok(()),
        Ok(false) => Err(reject(
            "refutation: spectral radius of the product exceeds r^len",
            format!("witness {w:?} does not prove it"),
        )),
        Err(e) => Err(reject("refutation", e.to_string())),
    }
}

/// `‖I − R(I − A)‖_∞ < 1` for every `A` in the bounding box `[lo, hi]` of the set.
///
/// `C(A) = I − R(I − A) = (I − R) + R·A` is affine in `A`. With `A = mid + Δ`,
/// `|Δ| ≤ rad` entrywise: `|C(A)ᵢⱼ| ≤ |C(mid)ᵢⱼ| + (|R|·rad)ᵢⱼ`, so
/// `max_i Σ_j (|C(mid)ᵢⱼ| + (|R| rad)ᵢⱼ) < 1` bounds `‖C(A)‖_∞ < 1` for all `A`.
/// Then `R(I − A)` is invertible, hence so is `I − A` (the hull lies in its box).
fn check_preconditioner(set: &Set, r: &Matrix<Rational>) -> Checked<()> {
    let (lo, hi) = bounding_box(set);
    let n = lo.rows();
    let half = Rational::from((1, 2));
    let mid = Matrix::from_fn(n, n, |i, j| lo[(i, j)].add(&hi[(i, j)]).mul(&half));
    let rad = Matrix::from_fn(n, n, |i, j| hi[(i, j)].sub(&lo[(i, j)]).mul(&half));
    let rm = matmul_exact(r, &mid).map_err(|e| bad_data("claim.witness.r", e.to_string()))?;
    let rabs = r.map(|x| x.clone().abs());
    let spread =
        matmul_exact(&rabs, &rad).map_err(|e| bad_data("claim.witness.r", e.to_string()))?;
    let mut worst = Rational::new();
    for i in 0..n {
        let mut row = Rational::new();
        for j in 0..n {
            let id = if i == j {
                Rational::from(1)
            } else {
                Rational::new()
            };
            let c = id.sub(&r[(i, j)]).add(&rm[(i, j)]);
            row += c.abs();
            row += &spread[(i, j)];
        }
        worst = Scalar::max(&worst, &row);
    }
    if worst.cmp(&Rational::from(1)) == Ordering::Less {
        Ok(())
    } else {
        Err(reject(
            "invertible: ||I - R(I - A)||_inf < 1 over the bounding box",
            format!("bound is {} >= 1", format_rational(&worst)),
        ))
    }
}
