//! Trusted checker, part 2: fixed-point certificates for forward–backward (LASSO and
//! elastic net), re-verified with exact rational arithmetic only.
//!
//! The map is `F(x) = c·S_τ(x − γAᵀ(Ax − b))` with `τ = γλ₁`, `c = 1/(1 + γλ₂)`,
//! `S_τ` the soft-threshold. Write `M' = I − γAᵀA`. The certificate claims:
//!
//! 1. **Contraction**: `ρ < 1` and `ρ²I − c²M'ᵀM' ⪰ 0`. Since `S_τ` is monotone and
//!    1-Lipschitz, `F(x) − F(y) = c·D·M'(x − y)` with `D` diagonal in `[0, 1]`, so
//!    `‖F(x) − F(y)‖₂ ≤ c‖M'‖₂‖x − y‖₂ ≤ ρ‖x − y‖₂`: a unique fixed point `x̄` exists.
//! 2. **Ball**: `‖F(x̃) − x̃‖₂ ≤ R(1 − ρ)` for the rational center `x̃`, hence
//!    `‖x̄ − x̃‖₂ ≤ ‖F(x̃) − x̃‖₂/(1 − ρ) ≤ R` (compared as squares).
//! 3. **Signs** (optional per coordinate): with `z(x) = x − γAᵀ(Ax − b)`,
//!    `|zᵢ(x̄) − zᵢ(x̃)| ≤ ‖rowᵢ M'‖₂ R`. Sign `+1` needs `zᵢ(x̃) − τ > ‖rowᵢ M'‖₂ R`,
//!    `−1` needs `−zᵢ(x̃) − τ > ‖rowᵢ M'‖₂ R`, `0` needs `τ − |zᵢ(x̃)| > ‖rowᵢ M'‖₂ R`
//!    (strict, compared as squares). Then `sign x̄ᵢ` is as claimed and no coordinate is
//!    at a kink: the conservative Jacobian at `x̄` is the single element
//!    `A = c·D·M'`, `B₁ = −cγ·D·s` (`D = diag|s|`), every AD convention agrees.
//! 4. **Derivative** (when every sign is given): `(I − A)J = B₁` exactly, so `J` is
//!    `∂x̄/∂λ₁`, the only element of the conservative Jacobian of `x̄` in `λ₁`.
//!
//! Depends only on the scalar parser and exact dense linear algebra.

use crate::linalg::ldlt::positive_semidefinite;
use crate::linalg::Matrix;
use crate::scalar::{format_rational, parse_rational, Rational, Scalar};
use serde::{Deserialize, Serialize};

use super::check::{CheckFailure, RowsText, MAX_DIM};

/// The `format` field of a fixed-point certificate.
pub const FIXED_POINT_FORMAT: &str = "piggyback-fixed-point-certificate";
/// The version this checker reads.
pub const FIXED_POINT_VERSION: u32 = 1;

/// The forward–backward map a certificate is about (exact data).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardBackwardData {
    /// Design `A` (`n × p`), by rows.
    pub design: RowsText,
    /// Response `b` (`n`).
    pub response: Vec<String>,
    /// Step `γ > 0`.
    pub gamma: String,
    /// `λ₁ > 0`.
    pub lambda1: String,
    /// `λ₂ ≥ 0` (0 for the LASSO).
    pub lambda2: String,
}

/// A fixed-point certificate (see the module documentation for what is checked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedPointCertificate {
    /// Always [`FIXED_POINT_FORMAT`].
    pub format: String,
    /// Always [`FIXED_POINT_VERSION`].
    pub version: u32,
    /// The map.
    pub map: ForwardBackwardData,
    /// Contraction bound `ρ < 1` (Euclidean norm).
    pub rho: String,
    /// Center `x̃` of the ball.
    pub center: Vec<String>,
    /// Radius `R ≥ 0`: `‖x̄ − x̃‖₂ ≤ R`.
    pub radius: String,
    /// Per coordinate: the sign of `x̄ᵢ` (`1`, `-1`, `0`) or `null` when not claimed.
    pub signs: Vec<Option<i8>>,
    /// `∂x̄/∂λ₁` (only with every sign claimed).
    #[serde(default)]
    pub derivative: Option<Vec<String>>,
}

type Checked<T> = std::result::Result<T, CheckFailure>;

fn reject(step: &str, reason: impl Into<String>) -> CheckFailure {
    CheckFailure::Rejected {
        step: step.into(),
        reason: reason.into(),
    }
}

fn bad_data(at: &str, reason: impl Into<String>) -> CheckFailure {
    CheckFailure::BadData {
        at: at.into(),
        reason: reason.into(),
    }
}

fn num(text: &str, at: &str) -> Checked<Rational> {
    parse_rational(text).map_err(|e| CheckFailure::BadNumber {
        at: at.into(),
        reason: e.to_string(),
    })
}

fn nums(texts: &[String], at: &str) -> Checked<Vec<Rational>> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| num(t, &format!("{at}[{i}]")))
        .collect()
}

/// Parse a fixed-point certificate from JSON (never panics).
pub fn fixed_point_from_json(text: &str) -> Checked<FixedPointCertificate> {
    let c: FixedPointCertificate =
        serde_json::from_str(text).map_err(|e| CheckFailure::Malformed(e.to_string()))?;
    if c.format != FIXED_POINT_FORMAT || c.version != FIXED_POINT_VERSION {
        return Err(CheckFailure::Malformed(format!(
            "expected format {FIXED_POINT_FORMAT:?} version {FIXED_POINT_VERSION}"
        )));
    }
    Ok(c)
}

/// Serialise a fixed-point certificate as pretty JSON.
pub fn fixed_point_to_json(c: &FixedPointCertificate) -> String {
    serde_json::to_string_pretty(c)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
}

/// `x²` (rug's inherent `square` takes its receiver by value).
fn sq(x: &Rational) -> Rational {
    Scalar::square(x)
}

/// `S_τ(z)`.
fn soft(z: &Rational, tau: &Rational) -> Rational {
    if *z > *tau {
        z.sub(tau)
    } else if *z < tau.neg() {
        z.add(tau)
    } else {
        Rational::new()
    }
}

/// Re-verify a fixed-point certificate; `Ok(())` only if every claimed statement holds.
pub fn check_fixed_point(c: &FixedPointCertificate) -> Checked<()> {
    // Data.
    let rows = &c.map.design;
    let (n, p) = (rows.len(), rows.first().map_or(0, Vec::len));
    if n == 0 || p == 0 || n > MAX_DIM || p > MAX_DIM {
        return Err(bad_data(
            "map.design",
            format!("{n}x{p} outside 1..={MAX_DIM}"),
        ));
    }
    let mut parsed = Vec::with_capacity(n);
    for (i, row) in rows.iter().enumerate() {
        if row.len() != p {
            return Err(bad_data(&format!("map.design[{i}]"), "ragged row"));
        }
        parsed.push(nums(row, &format!("map.design[{i}]"))?);
    }
    let a = Matrix::from_rows(&parsed).map_err(|e| bad_data("map.design", e.to_string()))?;
    let b = nums(&c.map.response, "map.response")?;
    let x = nums(&c.center, "center")?;
    if b.len() != n || x.len() != p || c.signs.len() != p {
        return Err(bad_data(
            "center/response/signs",
            "lengths do not match the design",
        ));
    }
    let gamma = num(&c.map.gamma, "map.gamma")?;
    let l1 = num(&c.map.lambda1, "map.lambda1")?;
    let l2 = num(&c.map.lambda2, "map.lambda2")?;
    let rho = num(&c.rho, "rho")?;
    let radius = num(&c.radius, "radius")?;
    if gamma <= 0 || l1 <= 0 || l2 < 0 || radius < 0 {
        return Err(reject("parameters", "need γ > 0, λ₁ > 0, λ₂ ≥ 0, R ≥ 0"));
    }
    let one = Rational::from(1);
    let c_scale = one
        .div(&one.add(&gamma.mul(&l2)))
        .ok_or_else(|| reject("parameters", "1 + γλ₂ = 0"))?;
    let tau = gamma.mul(&l1);
    let mat = |e: crate::Error| bad_data("map", e.to_string());

    // 1. Contraction: ρ < 1 and ρ²I − c²M'ᵀM' ⪰ 0.
    if rho >= one {
        return Err(reject("contraction", format!("ρ = {} is not < 1", c.rho)));
    }
    let gram = a.transpose().matmul(&a).map_err(mat)?;
    let m_prime = Matrix::identity(p).sub(&gram.scale(&gamma)).map_err(mat)?;
    let m = m_prime.scale(&c_scale);
    let mtm = m.transpose().matmul(&m).map_err(mat)?;
    let gap = Matrix::identity(p)
        .scale(&sq(&rho))
        .sub(&mtm)
        .map_err(mat)?;
    if !positive_semidefinite(&gap).map_err(mat)? {
        return Err(reject(
            "contraction",
            "ρ²I − c²M'ᵀM' is not positive semidefinite",
        ));
    }

    // 2. Ball: ‖F(x̃) − x̃‖² ≤ R²(1 − ρ)².
    let residual = a
        .mul_vec(&x)
        .map_err(mat)?
        .iter()
        .zip(&b)
        .map(|(u, v)| u.sub(v))
        .collect::<Vec<_>>();
    let grad = a.tr_mul_vec(&residual).map_err(mat)?;
    let z: Vec<Rational> = x
        .iter()
        .zip(&grad)
        .map(|(xi, gi)| xi.sub(&gamma.mul(gi)))
        .collect();
    let r2 = z.iter().zip(&x).fold(Rational::new(), |acc, (zi, xi)| {
        acc.add(&sq(&c_scale.mul(&soft(zi, &tau)).sub(xi)))
    });
    let allowed = sq(&radius.mul(&one.sub(&rho)));
    if r2 > allowed {
        return Err(reject(
            "ball",
            format!("‖F(x̃) − x̃‖² = {} exceeds (R(1−ρ))²", format_rational(&r2)),
        ));
    }

    // 3. Signs, each with a strict margin over the ball.
    let r_sq = sq(&radius);
    for (i, s) in c.signs.iter().enumerate() {
        let Some(s) = s else { continue };
        let margin = match s {
            1 => z[i].sub(&tau),
            -1 => z[i].neg().sub(&tau),
            0 => tau.sub(&Scalar::abs(&z[i])),
            other => {
                return Err(bad_data(
                    &format!("signs[{i}]"),
                    format!("sign {other} is not -1, 0 or 1"),
                ))
            }
        };
        let row_sq = (0..p).fold(Rational::new(), |acc, j| acc.add(&sq(&m_prime[(i, j)])));
        if margin <= 0 || sq(&margin) <= row_sq.mul(&r_sq) {
            return Err(reject(
                "signs",
                format!("coordinate {i}: sign {s} is not certain over the ball"),
            ));
        }
    }

    // 4. Derivative: (I − cDM') J = −cγ D s.
    if let Some(texts) = &c.derivative {
        let j = nums(texts, "derivative")?;
        if j.len() != p {
            return Err(bad_data("derivative", "length does not match the design"));
        }
        let signs: Vec<i8> = c
            .signs
            .iter()
            .map(|s| s.ok_or_else(|| reject("derivative", "needs every sign")))
            .collect::<Checked<_>>()?;
        let mj = m_prime.mul_vec(&j).map_err(mat)?;
        for i in 0..p {
            let active = signs[i] != 0;
            let lhs = if active {
                j[i].sub(&c_scale.mul(&mj[i]))
            } else {
                j[i].clone()
            };
            let rhs = if active {
                c_scale.mul(&gamma).mul(&Rational::from(signs[i])).neg()
            } else {
                Rational::new()
            };
            if lhs != rhs {
                return Err(reject(
                    "derivative",
                    format!("row {i} of (I − A)J = B fails"),
                ));
            }
        }
    }
    Ok(())
}
