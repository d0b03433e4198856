//! Problems embedded in certificates, and what the kernel derives from them.
//!
//! A certificate about a field or a map carries the whole resolved problem: the map's
//! kind and exact inline data (data files already read, the step `γ` written out), and
//! `θ`. From it the kernel re-derives, in exact arithmetic:
//!
//! | kind | map `F(x, θ)` | family `𝒟 ∋ ∂ₓF` at `θ` |
//! |---|---|---|
//! | `lasso`, `elastic_net` (`prox` splitting) | `c·S_τ(M'x + γAᵀb)`, `M' = I − γAᵀA`, `τ = γλ₁`, `c = 1/(1 + γλ₂)` | `{c·diag(q)M' : q ∈ [0, 1]ᵖ}` |
//! | `elastic_net`, `smooth` splitting | `S_τ(M'x + γAᵀb)`, `M' = (1 − γλ₂)I − γAᵀA`, `c = 1` | `{diag(q)M' : q ∈ [0, 1]ᵖ}` |
//! | `relu_layer` | `relu(Wx + Uθ + b)` | `{diag(q)W : q ∈ [0, 1]ⁿ}` |
//! | `piecewise_affine` | `Aᵢx + Bᵢθ + cᵢ` on `{Gᵢ(x, θ) ≤ hᵢ}` | `conv{Aᵢ}` (every piece) |
//!
//! Why the family is right (see `docs/kernel.md`): for forward–backward and ReLU,
//! `F(x) − F(y) = D(x, y)·M·(x − y)` with `D` diagonal in `[0, 1]` (the soft-threshold
//! and `relu` are monotone and 1-Lipschitz coordinatewise), so every difference
//! quotient, every Clarke Jacobian and every chain-rule (conservative) element lies in
//! the family. For piecewise-affine input that holds only when the pieces define a
//! continuous map on all of `(x, θ)` space: [`crate::pwa::validate`] decides it exactly
//! before anything else is read, and a file that fails is not a map.
//!
//! Witness points: a letter of a product word is an element of the conservative field
//! at `x` when the letter's activation pattern holds with weak inequalities at `x`
//! (`|zᵢ| ≥ τ` / `≤ τ`, `sᵢ ≥ 0` / `≤ 0`, `Gᵢz ≤ hᵢ`), and is the map's Jacobian on an
//! open set around `x` when they hold strictly.

use crate::budget::Budget;
use crate::certificate::{column, matrix, num, nums, square, Letter, Rows};
use crate::cost::{Plan, ScalarBits, Size};
use crate::error::{bad_data, reject, CheckFailure, Checked};
use crate::matrix::Mat;
use crate::pwa::{self, Piece};
use rug::{Integer, Rational};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A problem embedded in a certificate: its map and `θ`, exact and inline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemData {
    /// The map.
    pub map: MapData,
    /// The parameter `θ` (`(λ₁)` for the LASSO, `(λ₁, λ₂)` for the elastic net).
    pub theta: Vec<String>,
}

/// The map of an embedded problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MapData {
    /// Forward–backward for `½‖Ax − b‖² + λ₁‖x‖₁`, `θ = (λ₁)`.
    Lasso {
        /// `A` (`n × p`).
        design: Rows,
        /// `b` (`n`).
        response: Vec<String>,
        /// The exact step `γ > 0` the map uses.
        step: String,
    },
    /// Forward–backward for `… + λ₁‖x‖₁ + (λ₂/2)‖x‖²`, `θ = (λ₁, λ₂)`.
    ElasticNet {
        /// `A` (`n × p`).
        design: Rows,
        /// `b` (`n`).
        response: Vec<String>,
        /// The exact step `γ > 0` the map uses.
        step: String,
        /// Where `(λ₂/2)‖x‖²` goes; absent means [`Splitting::Prox`].
        #[serde(default, skip_serializing_if = "Splitting::is_prox")]
        splitting: Splitting,
    },
    /// `relu(Wx + Uθ + b)`.
    ReluLayer {
        /// `W` (`n × n`).
        w: Rows,
        /// `U` (`n × m`); absent means `U = 0`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        u: Option<Rows>,
        /// `b` (`n`).
        b: Vec<String>,
    },
    /// Affine pieces on polyhedral regions of `(x, θ)` space.
    PiecewiseAffine {
        /// The pieces.
        pieces: Vec<PieceData>,
    },
}

/// Where forward–backward puts the ridge term `(λ₂/2)‖x‖²` of the elastic net. Both
/// maps have the same fixed points (the minimisers); they differ in their Jacobians,
/// hence in their contraction factors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Splitting {
    /// In the proximal step: `F(x) = S_{γλ₁}(x − γAᵀ(Ax − b))/(1 + γλ₂)`.
    #[default]
    Prox,
    /// In the gradient step: `F(x) = S_{γλ₁}(x − γ(Aᵀ(Ax − b) + λ₂x))`.
    Smooth,
}

impl Splitting {
    /// Whether this is [`Splitting::Prox`] (the default, omitted when writing).
    pub fn is_prox(&self) -> bool {
        *self == Splitting::Prox
    }

    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Splitting::Prox => "prox",
            Splitting::Smooth => "smooth",
        }
    }
}

/// One affine piece `Ax + Bθ + c` on `{z = (x, θ) : Gz ≤ h}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PieceData {
    /// `A` (`n × n`).
    pub a: Rows,
    /// `B` (`n × m`; rows are empty when `m = 0`).
    pub b: Rows,
    /// `c` (`n`).
    pub c: Vec<String>,
    /// `G` (`k × (n + m)`, `k ≥ 0`).
    pub g: Rows,
    /// `h` (`k`).
    pub h: Vec<String>,
}

/// The kinds of embedded problems, named as in problem files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `lasso`.
    Lasso,
    /// `elastic_net`.
    ElasticNet,
    /// `relu_layer`.
    ReluLayer,
    /// `piecewise_affine`.
    PiecewiseAffine,
}

impl Kind {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Lasso => "lasso",
            Kind::ElasticNet => "elastic_net",
            Kind::ReluLayer => "relu_layer",
            Kind::PiecewiseAffine => "piecewise_affine",
        }
    }
}

/// Forward–backward data, derived exactly.
#[derive(Clone, Debug)]
pub struct Fb {
    /// `A` (`rows × p`).
    pub a: Mat,
    /// `b` (`rows × 1`).
    pub b: Mat,
    /// `γ > 0`.
    pub gamma: Rational,
    /// `λ₁ > 0`.
    pub lambda1: Rational,
    /// `λ₂ ≥ 0`.
    pub lambda2: Rational,
    /// Where the ridge term goes.
    pub splitting: Splitting,
    /// `c = 1/(1 + γλ₂)` (prox splitting) or `1` (smooth splitting).
    pub c: Rational,
    /// `τ = γλ₁`.
    pub tau: Rational,
    /// `M' = I − γAᵀA` (prox splitting) or `(1 − γλ₂)I − γAᵀA` (smooth) (`p × p`).
    pub m_prime: Mat,
    /// `γAᵀb` (`p × 1`): `z(x) = M'x + γAᵀb`.
    pub shift: Mat,
}

enum Model {
    Fb(Box<Fb>),
    Relu {
        w: Mat,
        /// `Uθ + b`.
        offset: Mat,
    },
    Pwa {
        pieces: Vec<Piece>,
        a_blocks: Vec<Mat>,
        /// Largest entry size of any region row (for the cost of witness points).
        g_bits: u64,
    },
}

/// An embedded problem, read exactly and validated.
pub struct Problem {
    /// The kind.
    pub kind: Kind,
    /// State dimension `n`.
    pub n: usize,
    /// Parameter dimension `m`.
    pub m: usize,
    /// `θ`.
    pub theta: Vec<Rational>,
    model: Model,
}

/// The family `{diag(q)M + C : q_lo ≤ q ≤ q_hi}` or a list of vertices, as the checks
/// use it.
pub enum Family {
    /// Finite set or hull of these matrices.
    Vertices(Vec<Mat>),
    /// `{A : lo ≤ A ≤ hi}`, stacked as one `2n × n` matrix (`lo` over `hi`) so both
    /// share a denominator.
    Box(Mat),
    /// `{diag(q)M + C}`; the bounds stacked as one `2n × 1` column (`q_lo` over `q_hi`).
    DiagBox {
        /// `q_lo` over `q_hi`.
        q: Mat,
        /// `M`.
        m: Mat,
        /// `C` (`None`: zero).
        offset: Option<Mat>,
    },
}

fn pos(q: &Rational) -> bool {
    q.cmp0() == Ordering::Greater
}

impl Problem {
    /// Read and validate an embedded problem (`at` names it in errors). Preconditions:
    /// `γ > 0`, `λ₁ > 0`, `λ₂ ≥ 0`, `θ` of the kind's length, every shape consistent,
    /// and for `piecewise_affine` a continuous, everywhere defined map whose regions
    /// all have interior.
    pub fn parse(data: &ProblemData, at: &str, budget: &mut Budget) -> Checked<Problem> {
        let theta = nums(&data.theta, &format!("{at}.theta"))?;
        let m = theta.len();
        match &data.map {
            MapData::Lasso {
                design,
                response,
                step,
            }
            | MapData::ElasticNet {
                design,
                response,
                step,
                ..
            } => {
                let splitting = match data.map {
                    MapData::ElasticNet { splitting, .. } => splitting,
                    _ => Splitting::Prox,
                };
                let elastic = matches!(data.map, MapData::ElasticNet { .. });
                let want = if elastic { 2 } else { 1 };
                if m != want {
                    return Err(bad_data(
                        format!("{at}.theta"),
                        format!(
                            "needs {want} entries (λ₁{})",
                            if elastic { ", λ₂" } else { "" }
                        ),
                    ));
                }
                let a = matrix(design, &format!("{at}.map.design"), false, budget)?;
                let b = column(response, a.rows(), &format!("{at}.map.response"), budget)?;
                let gamma = num(step, &format!("{at}.map.step"))?;
                let (lambda1, lambda2) =
                    (theta[0].clone(), theta.get(1).cloned().unwrap_or_default());
                if !pos(&gamma) {
                    return Err(reject("precondition: step γ > 0", format!("γ = {gamma}")));
                }
                if !pos(&lambda1) {
                    return Err(reject("precondition: λ₁ > 0", format!("λ₁ = {lambda1}")));
                }
                if lambda2.cmp0() == Ordering::Less {
                    return Err(reject("precondition: λ₂ ≥ 0", format!("λ₂ = {lambda2}")));
                }
                let fb = derive_fb(a, b, gamma, (lambda1, lambda2), splitting, budget)?;
                Ok(Problem {
                    kind: if elastic {
                        Kind::ElasticNet
                    } else {
                        Kind::Lasso
                    },
                    n: fb.m_prime.rows(),
                    m,
                    theta,
                    model: Model::Fb(Box::new(fb)),
                })
            }
            MapData::ReluLayer { w, u, b } => {
                let w = square(w, None, &format!("{at}.map.w"), budget)?;
                let n = w.rows();
                let b = column(b, n, &format!("{at}.map.b"), budget)?;
                let offset = match u {
                    None => b,
                    Some(u) => {
                        let u = matrix(u, &format!("{at}.map.u"), true, budget)?;
                        if u.rows() != n || u.cols() != m {
                            return Err(bad_data(
                                format!("{at}.map.u"),
                                format!("{}x{} where {n}x{m} is needed", u.rows(), u.cols()),
                            ));
                        }
                        let t = Mat::from_rationals(m, 1, &theta, budget)?;
                        let mut plan = Plan::new();
                        let ut = plan.mul(u.size(), t.size());
                        plan.lin(ScalarBits::int(1), ut, ScalarBits::int(1), b.size());
                        plan.charge(budget, "relu_layer: Uθ + b")?;
                        let one = Rational::from(1);
                        Mat::lin(&one, &u.mul(&t), &one, &b)
                    }
                };
                Ok(Problem {
                    kind: Kind::ReluLayer,
                    n,
                    m,
                    theta,
                    model: Model::Relu { w, offset },
                })
            }
            MapData::PiecewiseAffine { pieces } => parse_pwa(pieces, theta, at, budget),
        }
    }

    /// The forward–backward data (`None` for other kinds).
    pub fn forward_backward(&self) -> Option<&Fb> {
        match &self.model {
            Model::Fb(fb) => Some(fb),
            _ => None,
        }
    }

    /// The family containing `∂ₓF` (every Clarke Jacobian and every conservative-field
    /// element of `x ↦ F(x, θ)`, at every `x`; see the module documentation).
    pub fn family(&self) -> Family {
        let unit_box = || {
            let n = self.n;
            Mat::from_integers(
                2 * n,
                1,
                (0..2 * n)
                    .map(|k| Integer::from(u8::from(k >= n)))
                    .collect(),
            )
        };
        match &self.model {
            Model::Fb(fb) => Family::DiagBox {
                q: unit_box(),
                m: fb.m_prime.scale(&fb.c),
                offset: None,
            },
            Model::Relu { w, .. } => Family::DiagBox {
                q: unit_box(),
                m: w.clone(),
                offset: None,
            },
            Model::Pwa { a_blocks, .. } => Family::Vertices(a_blocks.clone()),
        }
    }

    /// Add to `plan` the cost of checking one witness point of `x` size.
    pub fn plan_point(&self, plan: &mut Plan, x: Size) {
        match &self.model {
            Model::Fb(fb) => {
                let z = plan.mul(fb.m_prime.size(), x);
                let z = plan.lin(ScalarBits::int(1), z, ScalarBits::int(1), fb.shift.size());
                plan.scalar_ops(2 * self.n as u128, z.entry_bits() + 64);
            }
            Model::Relu { w, offset } => {
                let s = plan.mul(w.size(), x);
                plan.lin(ScalarBits::int(1), s, ScalarBits::int(1), offset.size());
            }
            Model::Pwa { pieces, g_bits, .. } => {
                let rows = pieces.iter().map(|p| p.g.len()).max().unwrap_or(0) as u128;
                let theta_bits = self
                    .theta
                    .iter()
                    .map(|t| ScalarBits::of(t).num + ScalarBits::of(t).den)
                    .max()
                    .unwrap_or(0);
                let z_bits = x.entry_bits().max(theta_bits);
                plan.scalar_ops(
                    2 * rows * (self.n + self.m) as u128,
                    (g_bits + z_bits).saturating_mul(2),
                );
            }
        }
    }

    /// Whether `letter`'s matrix is an element of the conservative field at `x`
    /// (`strict = false`) or the map's Jacobian on an open set around `x`
    /// (`strict = true`); `x` is an `n × 1` column. Budgeted by [`Problem::plan_point`].
    pub fn letter_holds_at(&self, letter: &Letter, x: &Mat, strict: bool) -> Checked<bool> {
        match (&self.model, letter) {
            (Model::Fb(fb), Letter::Pattern(q)) => {
                let z = Mat::lin(
                    &Rational::from(1),
                    &fb.m_prime.mul(x),
                    &Rational::from(1),
                    &fb.shift,
                );
                // |zᵢ| vs τ: |num_i|·τ_den vs τ_num·den.
                let tau_scaled = Integer::from(fb.tau.numer() * z.den());
                Ok((0..self.n).all(|i| {
                    let lhs = Integer::from(z.num(i, 0).abs_ref()) * fb.tau.denom();
                    let o = lhs.cmp(&tau_scaled);
                    pattern_holds(q[i], o, strict)
                }))
            }
            (Model::Relu { w, offset }, Letter::Pattern(q)) => {
                let s = Mat::lin(&Rational::from(1), &w.mul(x), &Rational::from(1), offset);
                Ok((0..self.n).all(|i| pattern_holds(q[i], s.num(i, 0).cmp0(), strict)))
            }
            (Model::Pwa { pieces, .. }, Letter::Index(i)) => {
                let z: Vec<Rational> = (0..self.n)
                    .map(|k| x.entry(k, 0))
                    .chain(self.theta.iter().cloned())
                    .collect();
                let p = &pieces[*i];
                Ok(if strict {
                    pwa::strictly_inside(p, &z)
                } else {
                    p.g.iter().zip(&p.h).all(|(row, h)| {
                        let gz = row
                            .iter()
                            .zip(&z)
                            .fold(Rational::new(), |acc, (a, b)| acc + Rational::from(a * b));
                        gz <= *h
                    })
                })
            }
            _ => Err(bad_data(
                "claim.word",
                "letter does not fit the problem's family",
            )),
        }
    }
}

/// Bit `1` (q = 1, the active side) needs `value > threshold` (strict) or `≥`; bit `0`
/// needs `<` or `≤`. `o` is `value` compared with the threshold.
fn pattern_holds(bit: u8, o: Ordering, strict: bool) -> bool {
    matches!(
        (bit, o, strict),
        (1, Ordering::Greater, _) | (0, Ordering::Less, _) | (_, Ordering::Equal, false)
    )
}

fn derive_fb(
    a: Mat,
    b: Mat,
    gamma: Rational,
    (lambda1, lambda2): (Rational, Rational),
    splitting: Splitting,
    budget: &mut Budget,
) -> Checked<Fb> {
    let p = a.cols();
    let at = a.transpose();
    let one = Rational::from(1);
    let ridge = Rational::from(&gamma * &lambda2);
    // Prox: c·S_τ((I − γAᵀA)x + γAᵀb), c = 1/(1 + γλ₂). Smooth: the ridge gradient
    // joins the forward step, M' = (1 − γλ₂)I − γAᵀA, c = 1.
    let (diag, c) = match splitting {
        Splitting::Prox => (one.clone(), Rational::from(1) / (one + ridge)),
        Splitting::Smooth => (one.clone() - ridge, one),
    };
    let mut plan = Plan::new();
    let g = plan.mul(at.size(), a.size());
    let id = Mat::identity(p);
    let gb = ScalarBits::of(&gamma);
    plan.lin(ScalarBits::of(&diag), id.size(), gb, g);
    let atb = plan.mul(at.size(), b.size());
    plan.row_scale(
        Size {
            rows: p,
            cols: 1,
            num_bits: gb.num,
            den_bits: gb.den,
        },
        atb,
    );
    plan.charge(budget, "forward–backward: M' = dI − γAᵀA and γAᵀb")?;
    let m_prime = Mat::lin(&diag, &id, &Rational::from(-&gamma), &at.mul(&a));
    let shift = at.mul(&b).scale(&gamma);
    let tau = Rational::from(&gamma * &lambda1);
    Ok(Fb {
        a,
        b,
        gamma,
        lambda1,
        lambda2,
        splitting,
        c,
        tau,
        m_prime,
        shift,
    })
}

fn parse_pwa(
    data: &[PieceData],
    theta: Vec<Rational>,
    at: &str,
    budget: &mut Budget,
) -> Checked<Problem> {
    let m = theta.len();
    let first = data
        .first()
        .ok_or_else(|| bad_data(format!("{at}.map.pieces"), "no pieces"))?;
    let n = first.a.len();
    let mut pieces = Vec::with_capacity(data.len());
    let mut a_blocks = Vec::with_capacity(data.len());
    let mut g_bits = 0;
    for (k, p) in data.iter().enumerate() {
        let here = format!("{at}.map.pieces[{k}]");
        let a = square(&p.a, Some(n), &format!("{here}.a"), budget)?;
        let b = matrix(&p.b, &format!("{here}.b"), true, budget)?;
        if b.rows() != n || b.cols() != m {
            return Err(bad_data(
                format!("{here}.b"),
                format!(
                    "{}x{} where {n}x{m} is needed (m = length of θ)",
                    b.rows(),
                    b.cols()
                ),
            ));
        }
        let c = nums(&p.c, &format!("{here}.c"))?;
        let h = nums(&p.h, &format!("{here}.h"))?;
        if c.len() != n || p.g.len() != h.len() || p.g.iter().any(|r| r.len() != n + m) {
            return Err(bad_data(
                here,
                format!(
                    "c needs {n} entries, g rows of {} entries, h one per row of g",
                    n + m
                ),
            ));
        }
        let mut g = Vec::with_capacity(p.g.len());
        for (r, row) in p.g.iter().enumerate() {
            let row = nums(row, &format!("{here}.g[{r}]"))?;
            g_bits = row
                .iter()
                .map(|x| ScalarBits::of(x).num + ScalarBits::of(x).den)
                .fold(g_bits, u64::max);
            g.push(row);
        }
        let ab = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| a.entry(i, j))
                    .chain((0..m).map(|j| b.entry(i, j)))
                    .collect()
            })
            .collect();
        pieces.push(Piece { a: ab, c, g, h });
        a_blocks.push(a);
    }
    match pwa::validate(&pieces, n, m, budget)? {
        None => {}
        Some(defect) => return Err(CheckFailure::InvalidProblem(defect.to_string())),
    }
    Ok(Problem {
        kind: Kind::PiecewiseAffine,
        n,
        m,
        theta,
        model: Model::Pwa {
            pieces,
            a_blocks,
            g_bits,
        },
    })
}
