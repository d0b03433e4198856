//! The checker of fixed-point certificates for forward–backward (LASSO, elastic net).
//!
//! The embedded problem gives `A`, `b`, the step `γ > 0`, `λ₁ > 0`, `λ₂ ≥ 0` and the
//! splitting; the map is `F(x) = c·S_τ(z(x))`, `z(x) = M'x + γAᵀb`, `τ = γλ₁`, with
//! `M' = I − γAᵀA`, `c = 1/(1+γλ₂)` (prox splitting) or `M' = (1 − γλ₂)I − γAᵀA`,
//! `c = 1` (smooth splitting), as [`crate::problem::Fb`] derives them (either way its
//! fixed points are the minimisers of `½‖Ax − b‖² + λ₁‖x‖₁ + (λ₂/2)‖x‖²`). The
//! certificate claims, each checked exactly:
//!
//! 1. **Contraction** (`0 ≤ ρ < 1`, `ρ²I − c²M'ᵀM' ⪰ 0`): `S_τ` is monotone and
//!    1-Lipschitz per coordinate, so `F(x) − F(y) = c·D·M'(x − y)` with `D` diagonal in
//!    `[0, 1]`, and `‖F(x) − F(y)‖₂ ≤ c‖M'‖₂‖x − y‖₂ ≤ ρ‖x − y‖₂`: a unique fixed point
//!    `x̄` exists (Banach).
//! 2. **Ball** (`R ≥ 0`): `‖F(x̃) − x̃‖₂ ≤ R(1 − ρ)` for the centre `x̃`, hence
//!    `‖x̄ − x̃‖₂ ≤ ‖F(x̃) − x̃‖₂/(1 − ρ) ≤ R` (compared as squares; both sides ≥ 0
//!    because `R ≥ 0` and `ρ < 1`, which is why both preconditions are needed).
//! 3. **Signs** (per coordinate, optional): `|zᵢ(x̄) − zᵢ(x̃)| ≤ ‖rowᵢ M'‖₂ R`. Sign
//!    `+1` needs `zᵢ(x̃) − τ > ‖rowᵢ M'‖₂ R`, `−1` needs `−zᵢ(x̃) − τ > ‖rowᵢ M'‖₂ R`,
//!    `0` needs `τ − |zᵢ(x̃)| > ‖rowᵢ M'‖₂ R` (strict). Then no coordinate of `x̄` is at a
//!    kink and the conservative Jacobian at `x̄` is the single element
//!    `A = c·D·M'`, `B₁ = −cγ·D·s` (`D = diag|s|`).
//! 4. **Derivative** (every sign given): `(I − A)J = B₁` exactly, so `J = ∂x̄/∂λ₁`.
//!
//! **Without `ρ`** (exact certificates where no contraction holds, e.g. a LASSO with more
//! columns than rows): the certificate must give `R = 0` and every sign. Step 2 then
//! shows `F(x̃) = x̃` exactly, so `x̃` minimises the objective (for any `γ > 0` and either
//! splitting the fixed points are the minimisers); step 3 with `R = 0` is the strict KKT
//! system: `sign(x̃_S) = s_S` and `|A_jᵀ(b − Ax̃)| < λ₁` off `S = {i : sᵢ ≠ 0}`. In place
//! of step 1, uniqueness: `H_S = A_SᵀA_S + λ₂I` is positive definite (checked as
//! `γH_S = ((d + γλ₂)I − M')_SS` over integers). Why that suffices: every minimiser has
//! the same fitted value `Ax` (the squared loss is strictly convex in `Ax` and the rest
//! is convex; with `λ₂ > 0` the whole objective is strictly convex), hence the same
//! correlations, so by the strict inequality off `S` every minimiser vanishes off `S`;
//! on `S`, `A_S x_S` is fixed and `A_S` is injective. The same holds for `λ₁` near its
//! value (the strict inequalities persist along `x_S(λ₁) = H_S⁻¹(A_Sᵀb − λ₁s_S)`), so
//! the solution is affine in `λ₁` there and step 4 gives its derivative.

use crate::budget::Budget;
use crate::certificate::{check_head, column, format_of, num, FIXED_POINT_FORMAT};
use crate::cost::{Plan, ScalarBits, Size};
use crate::error::{bad_data, reject, CheckFailure, Checked};
use crate::matrix::Mat;
use crate::number::format_rational;
use crate::problem::{Kind, Problem, ProblemData, Splitting};
use crate::verdict::{self, ProblemSummary, Verdict};
use rug::{Integer, Rational};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A fixed-point certificate (see the module documentation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedPointCertificate {
    /// Always [`FIXED_POINT_FORMAT`].
    pub format: String,
    /// Always [`VERSION`](crate::certificate::VERSION).
    pub version: u32,
    /// The problem (`lasso` or `elastic_net`).
    pub problem: ProblemData,
    /// Contraction bound `0 ≤ ρ < 1` (Euclidean norm); absent for an exact certificate
    /// whose uniqueness comes from the restricted Gram matrix (see the module
    /// documentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rho: Option<String>,
    /// Centre `x̃`.
    pub center: Vec<String>,
    /// Radius `R ≥ 0`: `‖x̄ − x̃‖₂ ≤ R`.
    pub radius: String,
    /// Per coordinate: the sign of `x̄ᵢ` (`1`, `-1`, `0`) or `null` when not claimed.
    pub signs: Vec<Option<i8>>,
    /// `∂x̄/∂λ₁` (only with every sign claimed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derivative: Option<Vec<String>>,
}

/// Parse a fixed-point certificate from JSON (never panics).
pub fn fixed_point_from_json(text: &str) -> Checked<FixedPointCertificate> {
    let (format, version) = format_of(text)?;
    check_head(&format, version, FIXED_POINT_FORMAT)?;
    serde_json::from_str(text).map_err(|e| CheckFailure::Malformed(e.to_string()))
}

fn sq(x: &Rational) -> Rational {
    Rational::from(x.square_ref())
}

fn soft(z: &Rational, tau: &Rational) -> Rational {
    if z > tau {
        Rational::from(z - tau)
    } else if *z < Rational::from(-tau) {
        Rational::from(z + tau)
    } else {
        Rational::new()
    }
}

/// Re-verify a fixed-point certificate within `budget`.
pub fn check_fixed_point(c: &FixedPointCertificate, budget: &mut Budget) -> Checked<Verdict> {
    check_head(&c.format, u64::from(c.version), FIXED_POINT_FORMAT)?;
    let problem = Problem::parse(&c.problem, "problem", budget)?;
    let fb = problem.forward_backward().ok_or_else(|| {
        bad_data(
            "problem.map.kind",
            "fixed-point certificates are for lasso and elastic_net",
        )
    })?;
    debug_assert!(matches!(problem.kind, Kind::Lasso | Kind::ElasticNet));
    let p = problem.n;
    let x = column(&c.center, p, "center", budget)?;
    if c.signs.len() != p {
        return Err(bad_data(
            "signs",
            format!("{} entries, expected {p}", c.signs.len()),
        ));
    }
    if let Some(i) = c
        .signs
        .iter()
        .position(|s| s.is_some_and(|s| !(-1..=1).contains(&s)))
    {
        return Err(bad_data(
            format!("signs[{i}]"),
            "a sign is -1, 0, 1 or null",
        ));
    }
    let rho = c.rho.as_deref().map(|t| num(t, "rho")).transpose()?;
    let radius = num(&c.radius, "radius")?;
    if let Some(rho) = &rho {
        if rho.cmp0() == Ordering::Less || *rho >= 1 {
            return Err(reject(
                "precondition: 0 ≤ ρ < 1",
                format!("ρ = {}", format_rational(rho)),
            ));
        }
    } else if radius.cmp0() != Ordering::Equal || c.signs.iter().any(Option::is_none) {
        return Err(reject(
            "precondition: without ρ, R = 0 and every sign",
            format!("R = {}", format_rational(&radius)),
        ));
    }
    if radius.cmp0() == Ordering::Less {
        return Err(reject(
            "precondition: R ≥ 0",
            format!("R = {}", format_rational(&radius)),
        ));
    }
    let derivative = match &c.derivative {
        None => None,
        Some(d) => {
            if c.signs.iter().any(Option::is_none) {
                return Err(reject(
                    "precondition: the derivative needs every sign",
                    "a sign is missing",
                ));
            }
            Some(column(d, p, "derivative", budget)?)
        }
    };

    // The plan: contraction test (or the restricted Gram test), residual, margins,
    // derivative.
    let mut plan = Plan::new();
    // The support and `d + γλ₂` (`γH_S = ((d + γλ₂)I − M')_SS`): 1 + γλ₂ (prox) or 1.
    let support: Vec<usize> = (0..p)
        .filter(|&i| c.signs[i].is_some_and(|s| s != 0))
        .collect();
    let shift = match fb.splitting {
        Splitting::Prox => Rational::from(1) + Rational::from(&fb.gamma * &fb.lambda2),
        Splitting::Smooth => Rational::from(1),
    };
    match &rho {
        Some(rho) => {
            let cb = ScalarBits::of(&fb.c);
            let cm = plan.row_scale(
                Size {
                    rows: p,
                    cols: 1,
                    num_bits: cb.num,
                    den_bits: cb.den,
                },
                fb.m_prime.size(),
            );
            let ctc = plan.mul(
                Size {
                    rows: p,
                    cols: p,
                    ..cm
                },
                cm,
            );
            let gap = plan.lin(
                ScalarBits::of(&sq(rho)),
                Mat::identity(p).size(),
                ScalarBits::int(1),
                ctc,
            );
            plan.bareiss(p, gap.num_bits);
        }
        None => {
            let sb = ScalarBits::of(&shift);
            let beta = fb.m_prime.size().entry_bits() + sb.num + sb.den + 2;
            plan.scalar_ops((support.len() * support.len()) as u128, beta);
            plan.bareiss(support.len(), beta);
        }
    }
    let z = plan.mul(fb.m_prime.size(), x.size());
    let z = plan.lin(ScalarBits::int(1), z, ScalarBits::int(1), fb.shift.size());
    let scalar_bits = z.entry_bits()
        + fb.m_prime.size().entry_bits()
        + ScalarBits::of(&radius).num
        + ScalarBits::of(&radius).den
        + ScalarBits::of(&fb.c).num
        + ScalarBits::of(&fb.tau).num
        + ScalarBits::of(&fb.tau).den
        + 64;
    plan.scalar_ops((8 * p + 2 * p * p) as u128, scalar_bits.saturating_mul(2));
    if let Some(j) = &derivative {
        plan.mul(fb.m_prime.size(), j.size());
    }
    plan.charge(budget, "fixed-point certificate")?;

    match &rho {
        // 1. Contraction: ρ²I − (cM')ᵀ(cM') ⪰ 0.
        Some(rho) => {
            let cmat = fb.m_prime.scale(&fb.c);
            let gap = Mat::lin(
                &sq(rho),
                &Mat::identity(p),
                &Rational::from(-1),
                &cmat.transpose().mul(&cmat),
            );
            if !gap.is_positive_semidefinite() {
                return Err(reject(
                    "contraction",
                    "ρ²I − c²M'ᵀM' is not positive semidefinite",
                ));
            }
        }
        // 1'. Uniqueness: γH_S = ((d + γλ₂)I − M')_SS ≻ 0, over integers: with
        // M' = N/δ and d + γλ₂ = u/v, v·δ·γH_S = u·δ·I − v·N (a positive multiple).
        None => {
            let (u, v) = (shift.numer(), shift.denom());
            let den = fb.m_prime.den();
            let k = support.len();
            let mut entries = Vec::with_capacity(k * k);
            for &i in &support {
                for &j in &support {
                    let mut e = Integer::from(v * fb.m_prime.num(i, j));
                    e = -e;
                    if i == j {
                        e += Integer::from(u * den);
                    }
                    entries.push(e);
                }
            }
            if !Mat::from_integers(k, k, entries).is_positive_definite() {
                return Err(reject(
                    "uniqueness",
                    "the restricted Gram matrix A_SᵀA_S + λ₂I is not positive definite",
                ));
            }
        }
    }

    // 2. Ball: ‖F(x̃) − x̃‖² ≤ R²(1 − ρ)² (without ρ: R = 0, so F(x̃) = x̃ exactly).
    let one = Rational::from(1);
    let zm = Mat::lin(&one, &fb.m_prime.mul(&x), &one, &fb.shift);
    let z: Vec<Rational> = (0..p).map(|i| zm.entry(i, 0)).collect();
    let xs: Vec<Rational> = (0..p).map(|i| x.entry(i, 0)).collect();
    let r2 = z.iter().zip(&xs).fold(Rational::new(), |acc, (zi, xi)| {
        acc + sq(&(Rational::from(&fb.c * &soft(zi, &fb.tau)) - xi))
    });
    let allowed = match &rho {
        Some(rho) => sq(&(Rational::from(&radius * &(one.clone() - rho)))),
        None => Rational::new(),
    };
    if r2 > allowed {
        return Err(reject("ball", "‖F(x̃) − x̃‖² exceeds (R(1 − ρ))²"));
    }

    // 3. Signs, each with a strict margin over the ball.
    let r_sq = sq(&radius);
    let tau = &fb.tau;
    for (i, s) in c.signs.iter().enumerate() {
        let Some(s) = s else { continue };
        let margin = match s {
            1 => Rational::from(&z[i] - tau),
            -1 => Rational::from(-&z[i]) - tau,
            _ => Rational::from(tau - &Rational::from(z[i].abs_ref())),
        };
        let row_sq = (0..p).fold(Rational::new(), |acc, j| acc + sq(&fb.m_prime.entry(i, j)));
        if margin.cmp0() != Ordering::Greater || sq(&margin) <= row_sq * &r_sq {
            return Err(reject(
                "signs",
                format!("coordinate {i}: sign {s} is not certain over the ball"),
            ));
        }
    }

    // 4. Derivative: (I − cDM')J = −cγ·D·s.
    if let Some(j) = &derivative {
        let mj = fb.m_prime.mul(j);
        for (i, s) in c.signs.iter().enumerate() {
            let s = s.unwrap_or(0);
            let ji = j.entry(i, 0);
            let (lhs, rhs) = if s != 0 {
                (
                    ji - Rational::from(&fb.c * &mj.entry(i, 0)),
                    -(Rational::from(&fb.c * &fb.gamma) * s),
                )
            } else {
                (ji, Rational::new())
            };
            if lhs != rhs {
                return Err(reject(
                    "derivative",
                    format!("row {i} of (I − A)J = B fails"),
                ));
            }
        }
    }
    Ok(Verdict {
        subject: verdict::Subject::Map(ProblemSummary::of(&problem)),
        claim: verdict::Claim::FixedPoint {
            rho,
            radius,
            signs_proven: c.signs.iter().filter(|s| s.is_some()).count(),
            coordinates: p,
            derivative: derivative.is_some(),
        },
    })
}
