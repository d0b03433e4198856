//! The certificate file formats (version 2) and their exact text form.
//!
//! ```json
//! { "format": "piggyback-certificate", "version": 2,
//!   "subject": { "type": "map", "problem": { "map": { "kind": "relu_layer", … }, "theta": ["1/2"] } },
//!   "claim":   { "kind": "norm_bound", "norm": { "type": "two" }, "rho": "9/10" } }
//! ```
//! The subject is what the verdict is about ([`Subject`]): a written matrix family, or
//! the conservative field or the map of an embedded problem whose family the checker
//! re-derives from the problem's exact data. Numbers are exact rationals written
//! `"p/q"`, `"p"` or as exact decimals ([`crate::number`]); matrices are lists of rows.
//! Every struct rejects unknown fields: a file is read exactly as written or not at all.
//!
//! Version 1 files (no subject, matrices only) are refused with a message saying so:
//! they were not bound to any problem, and their verdicts overclaimed.

use crate::budget::Budget;
use crate::error::{bad_data, CheckFailure, Checked};
use crate::matrix::Mat;
use crate::number::{format_rational, parse_rational};
use crate::problem::ProblemData;
use rug::Rational;
use serde::{Deserialize, Serialize};

/// The `format` field of a family/field/map certificate.
pub const FORMAT: &str = "piggyback-certificate";
/// The `format` field of a fixed-point certificate.
pub const FIXED_POINT_FORMAT: &str = "piggyback-fixed-point-certificate";
/// The `format` field of a level-2 (verified floating-point) certificate: not checked
/// by this exact kernel but by the crate `piggyback-kernel-fp` (see `docs/kernel.md`).
pub const FP_FORMAT: &str = "piggyback-fp-certificate";
/// The version this kernel reads and the finders write.
pub const VERSION: u32 = 2;
/// Largest accepted matrix dimension (rows or columns).
pub const MAX_DIM: usize = 2_000;
/// Largest accepted certificate text, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 << 20;

/// A matrix written as rows of exact numbers.
pub type Rows = Vec<Vec<String>>;

/// A certificate about a family, a field or a map: the subject and the claim (with its
/// witness).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// What the claim is about.
    pub subject: Subject,
    /// The claim and its witness.
    pub claim: Claim,
}

/// What a claim is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Subject {
    /// The matrices written in the file, whatever map they came from.
    Family {
        /// The family.
        family: FamilyData,
    },
    /// The conservative (chain-rule) field of the embedded problem's map at its `θ`:
    /// the Jacobian elements automatic differentiation and the piggyback recursion use.
    Field {
        /// The problem.
        problem: ProblemData,
    },
    /// The map `x ↦ F(x, θ)` of the embedded problem at its `θ`.
    Map {
        /// The problem.
        problem: ProblemData,
    },
}

/// A set of square matrices, written exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FamilyData {
    /// `{V₁, …, V_k}`.
    Finite {
        /// The members.
        vertices: Vec<Rows>,
    },
    /// `conv{V₁, …, V_k}`.
    Hull {
        /// The vertices.
        vertices: Vec<Rows>,
    },
    /// `{A : lo ≤ A ≤ hi}` entrywise.
    Box {
        /// Lower bounds.
        lo: Rows,
        /// Upper bounds.
        hi: Rows,
    },
    /// `{diag(q)·M + C : q_lo ≤ q ≤ q_hi}`.
    DiagBox {
        /// Lower bounds of `q`.
        q_lo: Vec<String>,
        /// Upper bounds of `q`.
        q_hi: Vec<String>,
        /// The row-scaled matrix `M`.
        m: Rows,
        /// The offset `C`.
        offset: Rows,
    },
}

/// An operator norm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum NormSpec {
    /// The spectral norm `‖A‖₂`. (Variants without data are written `{}` so that
    /// serde applies `deny_unknown_fields` to them too.)
    Two {},
    /// The induced 1-norm (largest absolute column sum).
    One {},
    /// The induced ∞-norm (largest absolute row sum).
    Inf {},
    /// The norm induced by `‖x‖_P = √(xᵀPx)`, `P ≻ 0`: `‖A‖_P ≤ ρ ⇔ AᵀPA ≼ ρ²P`.
    Weighted {
        /// The weight `P` (symmetric positive definite).
        p: Rows,
    },
}

/// A letter of a product word: a vertex or piece index, or the extreme point of a
/// `{diag(q)M + C}` family choosing `q_lo` (0) or `q_hi` (1) per coordinate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Letter {
    /// A vertex of a finite set or hull, or a piece of a piecewise-affine map.
    Index(usize),
    /// One bit per row of a `{diag(q)M + C}` family.
    Pattern(Vec<u8>),
}

/// A proof that the spectral radius of a product `Π` exceeds a threshold `t`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RadiusWitness {
    /// A real eigenvalue in `[lo, hi]`, an interval beyond `±t`: the characteristic
    /// polynomial vanishes at `lo = hi` or changes sign on `[lo, hi]`.
    RealRoot {
        /// Left end.
        lo: String,
        /// Right end.
        hi: String,
    },
    /// `|det Π| > tⁿ`.
    Determinant {},
    /// `|tr(Πᵏ)| > n·tᵏ`.
    TracePower {
        /// The power `k ≥ 1`.
        k: u64,
    },
}

/// How invertibility of `I − A` over the family is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InvertWitness {
    /// `sup ‖A‖ ≤ ρ < 1` in the given norm (Neumann series).
    Neumann {
        /// The norm.
        norm: NormSpec,
        /// The bound `0 ≤ ρ < 1`.
        rho: String,
    },
    /// `‖I − R(I − A)‖_∞ < 1` for every `A` in the entrywise bounding box of the family.
    Preconditioner {
        /// The preconditioner `R ≈ (I − mid A)⁻¹`.
        r: Rows,
    },
}

/// What a certificate claims, with its witness.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Claim {
    /// `sup ‖A‖ ≤ ρ` over the subject's family (a contraction only when `ρ < 1`).
    NormBound {
        /// The norm (its weight is the witness for `weighted`).
        norm: NormSpec,
        /// The bound `ρ ≥ 0`.
        rho: String,
    },
    /// A product of the family's extreme points has spectral radius `> r^len`, so the
    /// joint spectral radius exceeds `r` and no operator norm bounds the family by `r`.
    Refutation {
        /// The threshold `r ≥ 0`.
        r: String,
        /// The product `A_{w₀} A_{w₁} ⋯` (non-empty).
        word: Vec<Letter>,
        /// Proof that `ρ(product) > r^len`.
        witness: RadiusWitness,
        /// One point `x` per letter (field and map subjects only): for the field, the
        /// letter is an element of the field at `x`; for the map, the letter is the
        /// map's Jacobian on an open set around `x` (strict inequalities).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        points: Option<Vec<Vec<String>>>,
    },
    /// `I − A` is invertible for every `A` of the family (family and field subjects).
    Invertible {
        /// The witness.
        witness: InvertWitness,
    },
}

// ------------------------------------------------------------------ JSON

fn check_size(text: &str) -> Checked<()> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(CheckFailure::Malformed(format!(
            "{} bytes, above the cap of {MAX_TEXT_BYTES}",
            text.len()
        )));
    }
    Ok(())
}

/// The `format` and `version` fields of a JSON text, read leniently (for dispatch and
/// for a clear message on old versions).
pub fn format_of(text: &str) -> Checked<(String, u64)> {
    check_size(text)?;
    #[derive(Deserialize)]
    struct Head {
        format: String,
        version: u64,
    }
    let h: Head = serde_json::from_str(text).map_err(|e| CheckFailure::Malformed(e.to_string()))?;
    Ok((h.format, h.version))
}

/// Refuse other formats and versions, with a clear message for version 1.
pub fn check_head(format: &str, version: u64, want: &str) -> Checked<()> {
    if format == FP_FORMAT {
        return Err(CheckFailure::Malformed(format!(
            "format {FP_FORMAT:?} is a level-2 certificate (verified floating point): the exact \
             kernel does not check it; `piggyback check` sends it to level 2 \
             (crate piggyback-kernel-fp)"
        )));
    }
    if format != want {
        return Err(CheckFailure::Malformed(format!(
            "format is {format:?}, expected {want:?}"
        )));
    }
    match version {
        2 => Ok(()),
        1 => Err(CheckFailure::Malformed(
            "version 1 certificates are no longer accepted: they name no problem, so their \
             verdicts were about the written matrices only; re-run `piggyback certify` to get \
             a version 2 certificate bound to its problem"
                .into(),
        )),
        v => Err(CheckFailure::Malformed(format!(
            "version {v} is not supported (expected {VERSION})"
        ))),
    }
}

/// Parse a certificate from JSON. Never panics; numbers are only read by the checker.
pub fn from_json(text: &str) -> Checked<Certificate> {
    let (format, version) = format_of(text)?;
    check_head(&format, version, FORMAT)?;
    serde_json::from_str(text).map_err(|e| CheckFailure::Malformed(e.to_string()))
}

/// Serialise any certificate as pretty-printed JSON.
pub fn to_json<T: Serialize>(c: &T) -> String {
    // Plain strings, integers and enums always serialise; fall back rather than panic.
    serde_json::to_string_pretty(c)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
}

// ------------------------------------------------------------------ numbers and matrices

/// The exact text of a rational.
pub fn num_text(q: &Rational) -> String {
    format_rational(q)
}

/// A number at path `at`.
pub fn num(text: &str, at: &str) -> Checked<Rational> {
    parse_rational(text).map_err(|e| CheckFailure::BadNumber {
        at: at.to_string(),
        reason: e.to_string(),
    })
}

/// Numbers at path `at[i]`.
pub fn nums(texts: &[String], at: &str) -> Checked<Vec<Rational>> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| num(t, &format!("{at}[{i}]")))
        .collect()
}

/// A matrix at path `at`: `rows × cols` with `1 ≤ rows ≤ MAX_DIM`, `cols ≤ MAX_DIM` and
/// `cols ≥ 1` unless `empty_cols` allows zero columns.
pub fn matrix(rows: &Rows, at: &str, empty_cols: bool, budget: &mut Budget) -> Checked<Mat> {
    let r = rows.len();
    let c = rows.first().map_or(0, Vec::len);
    if r == 0 || (c == 0 && !empty_cols) {
        return Err(bad_data(at, "empty matrix"));
    }
    if r > MAX_DIM || c > MAX_DIM {
        return Err(bad_data(
            at,
            format!("{r}x{c} exceeds the dimension cap {MAX_DIM}"),
        ));
    }
    let mut entries = Vec::with_capacity(r * c);
    for (i, row) in rows.iter().enumerate() {
        if row.len() != c {
            return Err(bad_data(
                format!("{at}[{i}]"),
                format!("row has {} entries, expected {c}", row.len()),
            ));
        }
        entries.extend(nums(row, &format!("{at}[{i}]"))?);
    }
    Ok(Mat::from_rationals(r, c, &entries, budget)?)
}

/// A column vector at path `at` with exactly `n` entries (`n` may be 0).
pub fn column(texts: &[String], n: usize, at: &str, budget: &mut Budget) -> Checked<Mat> {
    if texts.len() != n {
        return Err(bad_data(
            at,
            format!("{} entries, expected {n}", texts.len()),
        ));
    }
    Ok(Mat::from_rationals(n, 1, &nums(texts, at)?, budget)?)
}

/// A square matrix with `n` rows (any `n` when `None`).
pub fn square(rows: &Rows, n: Option<usize>, at: &str, budget: &mut Budget) -> Checked<Mat> {
    let first = rows.first().map_or(0, Vec::len);
    if rows.len() != first || n.is_some_and(|n| rows.len() != n) {
        let want = n.map_or("a square".into(), |n| format!("a {n}x{n}"));
        return Err(bad_data(
            at,
            format!(
                "{}x{first} matrix where {want} matrix is needed",
                rows.len()
            ),
        ));
    }
    matrix(rows, at, false, budget)
}

/// The exact text form of a matrix, by rows.
pub fn rows_text(m: &Mat) -> Rows {
    (0..m.rows())
        .map(|i| {
            (0..m.cols())
                .map(|j| format_rational(&m.entry(i, j)))
                .collect()
        })
        .collect()
}
