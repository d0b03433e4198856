//! Reference primitives and small maps written out by hand over `rug::Rational`
//! (independent of the crate's `selection`/`maps` code), each with its conservative
//! Jacobian derived by hand in the comments, plus deliberately wrong variants
//! ("mutants") and valid-but-different variants.
#![allow(dead_code)]

use piggyback::audit::{AuditTarget, Claim, FnTarget};
use piggyback::{Error, Matrix, MatrixSet, Result};
use rug::Rational;

pub type Q = Rational;

pub fn q(n: i64, d: i64) -> Q {
    Rational::from((n, d))
}

fn qi(n: i64) -> Q {
    Rational::from(n)
}

pub fn relu(x: &Q) -> Q {
    if *x > 0 {
        x.clone()
    } else {
        Q::new()
    }
}

fn sgn(x: &Q) -> i64 {
    match x.cmp0() {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }
}

/// `S_λ(u) = sign(u) max(|u| − λ, 0)`.
fn soft(u: &Q, lam: &Q) -> Q {
    let a = Rational::from(u.abs_ref()) - lam;
    if a > 0 {
        a * sgn(u)
    } else {
        Q::new()
    }
}

fn mat(rows: Vec<Vec<Q>>) -> Matrix<Q> {
    Matrix::from_rows(&rows).expect("rectangular")
}

fn el(rows: Vec<Vec<Q>>) -> Result<Claim> {
    Ok(Claim::Element(mat(rows)))
}

fn hull(ms: Vec<Vec<Vec<Q>>>) -> Result<Claim> {
    Ok(Claim::Set(MatrixSet::hull(
        ms.into_iter().map(mat).collect(),
    )?))
}

fn finite(ms: Vec<Vec<Vec<Q>>>) -> Result<Claim> {
    Ok(Claim::Set(MatrixSet::finite(
        ms.into_iter().map(mat).collect(),
    )?))
}

pub type Target = Box<dyn AuditTarget>;

fn target<F, G>(name: &str, n: usize, nz: usize, f: F, g: G) -> Target
where
    F: Fn(&[Q]) -> Result<Vec<Q>> + 'static,
    G: Fn(&[Q]) -> Result<Claim> + 'static,
{
    Box::new(FnTarget::new(name, n, nz, f, g))
}

fn need_positive(l: &Q) -> Result<()> {
    if *l > 0 {
        Ok(())
    } else {
        Err(Error::InvalidInput("λ must be > 0".into()))
    }
}

/// One audited (function, claim) pair and whether the claim is a valid conservative
/// Jacobian (or a selection of one).
pub struct Case {
    pub name: &'static str,
    pub valid: bool,
    pub target: Target,
}

fn case(name: &'static str, valid: bool, target: Target) -> Case {
    Case {
        name,
        valid,
        target,
    }
}

// ---------------------------------------------------------------- primitives ----

/// relu: `D = {1}` (x>0), `{0}` (x<0), claim at 0 given by `at0`.
fn relu_target(name: &str, at0: fn() -> Result<Claim>, swapped: bool) -> Target {
    target(
        name,
        1,
        1,
        |z| Ok(vec![relu(&z[0])]),
        move |z| {
            let (pos, neg) = if swapped { (0, 1) } else { (1, 0) };
            match sgn(&z[0]) {
                1 => el(vec![vec![qi(pos)]]),
                -1 => el(vec![vec![qi(neg)]]),
                _ => at0(),
            }
        },
    )
}

/// |x| with claim `s·sign(x)` pieces (`neg_slope` for x<0, `pos_slope` for x>0).
fn abs_target(name: &str, pos: Q, neg: Q, at0: fn() -> Result<Claim>) -> Target {
    target(
        name,
        1,
        1,
        |z| Ok(vec![Rational::from(z[0].abs_ref())]),
        move |z| match sgn(&z[0]) {
            1 => el(vec![vec![pos.clone()]]),
            -1 => el(vec![vec![neg.clone()]]),
            _ => at0(),
        },
    )
}

/// Which (wrong or valid) variant of the soft-threshold claim.
#[derive(Clone, Copy, PartialEq)]
enum SoftVariant {
    /// Exact: `[1, −sign u]` (|u|>λ), `[0,0]` (|u|<λ), `{q[1, −sign u] : q∈[0,1]}` at ties.
    Exact,
    /// AD element: `[0, 0]` at ties.
    AdElement,
    /// ∂λ = +sign u on the active piece.
    WrongLambdaSign,
    /// Element `[0, −sign u]` at ties (mixes the pieces).
    MixedTie,
    /// Tie set `q ∈ [0, 1/2]` (misses the active piece's limit).
    HalfTie,
    /// Tie set as an independent box `[0,1] × [−1,0]·sign u` (too large).
    BoxTie,
}

/// Soft-thresholding `S(u, λ) = sign(u) max(|u| − λ, 0)` in both inputs, `λ > 0`.
fn soft_target(name: &str, v: SoftVariant) -> Target {
    target(
        name,
        1,
        2,
        |z| {
            need_positive(&z[1])?;
            Ok(vec![soft(&z[0], &z[1])])
        },
        move |z| {
            need_positive(&z[1])?;
            let s = sgn(&z[0]);
            let a = Rational::from(z[0].abs_ref());
            let lam_sign = if v == SoftVariant::WrongLambdaSign {
                s
            } else {
                -s
            };
            if a > z[1] {
                return el(vec![vec![qi(1), qi(lam_sign)]]);
            }
            if a < z[1] {
                return el(vec![vec![qi(0), qi(0)]]);
            }
            let m = mat(vec![vec![qi(1), qi(-s)]]);
            let zero = Matrix::zeros(1, 2);
            match v {
                SoftVariant::Exact | SoftVariant::WrongLambdaSign => Ok(Claim::Set(
                    MatrixSet::diag_box(vec![qi(0)], vec![qi(1)], m, zero).unwrap(),
                )),
                SoftVariant::HalfTie => Ok(Claim::Set(
                    MatrixSet::diag_box(vec![qi(0)], vec![q(1, 2)], m, zero).unwrap(),
                )),
                SoftVariant::AdElement => el(vec![vec![qi(0), qi(0)]]),
                SoftVariant::MixedTie => el(vec![vec![qi(0), qi(-s)]]),
                SoftVariant::BoxTie => Ok(Claim::Set(
                    MatrixSet::interval_box(
                        mat(vec![vec![qi(0), qi(-s.max(0))]]),
                        mat(vec![vec![qi(1), qi((-s).max(0))]]),
                    )
                    .unwrap(),
                )),
            }
        },
    )
}

/// Elastic-net prox `P(u, λ₁) = S_{γλ₁}(u)/(1 + γλ₂)`, `γ = 1/2`, `λ₂ = 1`:
/// active `[2/3, −sign(u)/3]`, inactive 0, hull at `|u| = λ₁/2`.
/// `scale_u`/`scale_l` replace `2/3` and `1/3` (mutants).
fn enet_target(name: &str, scale_u: Q, scale_l: Q) -> Target {
    target(
        name,
        1,
        2,
        |z| {
            need_positive(&z[1])?;
            let t = Rational::from(&z[1] / 2);
            Ok(vec![soft(&z[0], &t) * q(2, 3)])
        },
        move |z| {
            need_positive(&z[1])?;
            let t = Rational::from(&z[1] / 2);
            let s = sgn(&z[0]);
            let a = Rational::from(z[0].abs_ref());
            let act = vec![scale_u.clone(), Rational::from(&scale_l * -s)];
            let off = vec![qi(0), qi(0)];
            match a.cmp(&t) {
                std::cmp::Ordering::Greater => el(vec![act]),
                std::cmp::Ordering::Less => el(vec![off]),
                std::cmp::Ordering::Equal => hull(vec![vec![act], vec![off]]),
            }
        },
    )
}

/// `max(z₁, z₂, z₃)`: `conv{eᵢ : i ∈ argmax}`. `mode`: 0 exact set, 1 AD element
/// (first argmax), 2 argmin (mutant), 3 first argmax only as the set (mutant).
fn max_target(name: &str, mode: u8) -> Target {
    target(
        name,
        1,
        3,
        |z| Ok(vec![z.iter().max().cloned().unwrap_or_default()]),
        move |z| {
            let m = z.iter().max().cloned().unwrap_or_default();
            let e =
                |i: usize| -> Vec<Vec<Q>> { vec![(0..3).map(|j| qi(i64::from(i == j))).collect()] };
            let active: Vec<usize> = (0..3).filter(|&i| z[i] == m).collect();
            match mode {
                0 => hull(active.iter().map(|&i| e(i)).collect()),
                1 => Ok(Claim::Element(mat(e(active[0])))),
                2 => {
                    let mn = z.iter().min().cloned().unwrap_or_default();
                    let i = (0..3).find(|&i| z[i] == mn).unwrap_or(0);
                    Ok(Claim::Element(mat(e(i))))
                }
                _ => finite(vec![e(active[0])]),
            }
        },
    )
}

/// One-input piecewise-linear primitive `f` with slopes `left`/`right` of a kink at
/// `k`, claim `conv{left, right}` at the kink.
fn pl_target(
    name: &str,
    f: fn(&Q) -> Q,
    k: Q,
    left: Q,
    right: Q,
    tie: fn() -> Result<Claim>,
) -> Target {
    target(
        name,
        1,
        1,
        move |z| Ok(vec![f(&z[0])]),
        move |z| match z[0].cmp(&k) {
            std::cmp::Ordering::Less => el(vec![vec![left.clone()]]),
            std::cmp::Ordering::Greater => el(vec![vec![right.clone()]]),
            std::cmp::Ordering::Equal => tie(),
        },
    )
}

/// `clip(x, −1, 1)`: slope `inside` on `(−1, 1)`, `outside` beyond, `conv{0, 1}` at `±1`.
fn clip_target(name: &str, inside: i64, outside: i64) -> Target {
    target(
        name,
        1,
        1,
        |z| Ok(vec![clip(&z[0])]),
        move |z| {
            let a = Rational::from(z[0].abs_ref());
            match a.cmp(&qi(1)) {
                std::cmp::Ordering::Less => el(vec![vec![qi(inside)]]),
                std::cmp::Ordering::Greater => el(vec![vec![qi(outside)]]),
                std::cmp::Ordering::Equal => hull(vec![vec![vec![qi(0)]], vec![vec![qi(1)]]]),
            }
        },
    )
}

fn clip(x: &Q) -> Q {
    x.clone().clamp(&qi(-1), &qi(1))
}
fn hinge(x: &Q) -> Q {
    relu(&(qi(1) - x.clone()))
}
/// Gradient of `f(x) = x²/2 (x ≥ 0), x²/8 (x < 0)`: `x` or `x/4`.
fn pwq_grad(x: &Q) -> Q {
    if *x >= 0 {
        x.clone()
    } else {
        Rational::from(x / 4)
    }
}

/// Clarke's example `F(x, y) = (|x| + y, 2x + |y|)`; `D = [[∂|x|, 1], [2, ∂|y|]]` with
/// `∂|0| = [−w, w]`. `transposed`: the claim's off-diagonal entries swapped (mutant).
fn clarke_target(name: &str, w: i64, transposed: bool) -> Target {
    target(
        name,
        2,
        2,
        |z| {
            Ok(vec![
                Rational::from(z[0].abs_ref()) + &z[1],
                Rational::from(&z[0] * 2) + Rational::from(z[1].abs_ref()),
            ])
        },
        move |z| {
            let iv = |x: &Q| match sgn(x) {
                0 => (qi(-w), qi(w)),
                s => (qi(s), qi(s)),
            };
            let (a_lo, a_hi) = iv(&z[0]);
            let (b_lo, b_hi) = iv(&z[1]);
            let (o1, o2) = if transposed { (2, 1) } else { (1, 2) };
            Ok(Claim::Set(
                MatrixSet::interval_box(
                    mat(vec![vec![a_lo, qi(o1)], vec![qi(o2), b_lo]]),
                    mat(vec![vec![a_hi, qi(o1)], vec![qi(o2), b_hi]]),
                )
                .unwrap(),
            ))
        },
    )
}

/// Heavy ball `F(x, y) = (x − f'(x) + β(x − y), x)`, `β = 3/4`, `f` the piecewise
/// quadratic: `A = [[1 − f''(x) + β, −β], [1, 0]]`, `f'' = 1` (x>0), `1/4` (x<0):
/// `M₁ = [[3/4, −3/4], [1, 0]]`, `M₂ = [[3/2, −3/4], [1, 0]]`, `conv{M₁, M₂}` at 0.
/// `mode`: 0 exact set, 1 AD element (`M₁` at 0), 2 `+β` (mutant), 3 `{M₁}` at 0 (mutant).
fn heavy_ball_target(name: &str, mode: u8) -> Target {
    target(
        name,
        2,
        2,
        |z| {
            let x = &z[0];
            let f1 = Rational::from(x - &pwq_grad(x)) + Rational::from(x - &z[1]) * q(3, 4);
            Ok(vec![f1, x.clone()])
        },
        move |z| {
            let beta = if mode == 2 { q(3, 4) } else { q(-3, 4) };
            let m1 = vec![vec![q(3, 4), beta.clone()], vec![qi(1), qi(0)]];
            let m2 = vec![vec![q(3, 2), beta], vec![qi(1), qi(0)]];
            match (sgn(&z[0]), mode) {
                (1, _) => el(m1),
                (-1, _) => el(m2),
                (_, 0) => hull(vec![m1, m2]),
                (_, 3) => finite(vec![m1]),
                _ => el(m1),
            }
        },
    )
}

/// Which variant of the LASSO forward–backward claim.
#[derive(Clone, Copy, PartialEq)]
enum LassoVariant {
    Exact,
    AdElement,
    Scaled,
    HalfThreshold,
    WrongBSign,
    TransposedA,
}

/// One forward–backward step of the LASSO, `A = [[1, 1], [0, 1]]`, `b = (1, 1/2)`,
/// `γ = 1/‖A‖_F² = 1/3`: `F(x, λ) = S_{γλ}(u)`, `u = x − γAᵀ(Ax − b)`. With
/// `M = I − γAᵀA = [[2/3, −1/3], [−1/3, 1/3]]`, row `i` of `[A_F, B_F]` is
/// `q_i [M_i, −γ sign(u_i)]`, `q_i = 1` (|u_i| > γλ), `0` (<), `[0, 1]` (=).
fn lasso_target(name: &str, v: LassoVariant) -> Target {
    let u_of = |z: &[Q]| -> Vec<Q> {
        // Aᵀ(Ax − b) with A = [[1,1],[0,1]]: Ax − b = (x1 + x2 − 1, x2 − 1/2).
        let r1: Q = Rational::from(&z[0] + &z[1]) - 1;
        let r2 = &z[1] - q(1, 2);
        let g1 = r1.clone();
        let g2 = r1 + r2;
        vec![
            (&z[0] - Rational::from(&g1 / 3)),
            (&z[1] - Rational::from(&g2 / 3)),
        ]
    };
    let mrows = [[q(2, 3), q(-1, 3)], [q(-1, 3), q(1, 3)]];
    target(
        name,
        2,
        3,
        move |z| {
            need_positive(&z[2])?;
            let t = Rational::from(&z[2] / 3);
            Ok(u_of(z).iter().map(|u| soft(u, &t)).collect())
        },
        move |z| {
            need_positive(&z[2])?;
            let u = u_of(z);
            let mut t = Rational::from(&z[2] / 3);
            if v == LassoVariant::HalfThreshold {
                t /= 2;
            }
            let mut q_lo = Vec::new();
            let mut q_hi = Vec::new();
            for ui in &u {
                let a = Rational::from(ui.abs_ref());
                let (l, h) = match a.cmp(&t) {
                    std::cmp::Ordering::Greater => (1, 1),
                    std::cmp::Ordering::Less => (0, 0),
                    std::cmp::Ordering::Equal => {
                        (0, if v == LassoVariant::AdElement { 0 } else { 1 })
                    }
                };
                q_lo.push(qi(l));
                q_hi.push(qi(h));
            }
            let bsign = if v == LassoVariant::WrongBSign { 1 } else { -1 };
            let eps = if v == LassoVariant::Scaled {
                q(1001, 1000)
            } else {
                qi(1)
            };
            let rows: Vec<Vec<Q>> = (0..2)
                .map(|i| {
                    vec![
                        Rational::from(&mrows[i][0] * &eps),
                        Rational::from(&mrows[i][1] * &eps),
                        q(bsign * sgn(&u[i]), 3),
                    ]
                })
                .collect();
            if v == LassoVariant::TransposedA {
                // (M diag(q)) instead of diag(q) M: columns scaled instead of rows.
                let qq = &q_lo;
                let r: Vec<Vec<Q>> = (0..2)
                    .map(|i| {
                        vec![
                            Rational::from(&rows[i][0] * &qq[0]),
                            Rational::from(&rows[i][1] * &qq[1]),
                            Rational::from(&rows[i][2] * &qq[i]),
                        ]
                    })
                    .collect();
                return el(r);
            }
            let m = mat(rows);
            if v == LassoVariant::AdElement {
                return Ok(Claim::Element(m.scale_rows(&q_lo)?));
            }
            Ok(Claim::Set(
                MatrixSet::diag_box(q_lo, q_hi, m, Matrix::zeros(2, 3)).unwrap(),
            ))
        },
    )
}

/// ReLU layer `F(x, θ) = relu(W x + U θ + c)`, `W = [[1/2, 1/4], [−1/3, 1/2]]`,
/// `U = (1, −1)ᵀ`, `c = (0, 1/4)`: row `i` of `[A, B]` is `q_i [W_i, U_i]`.
/// `mode`: 0 exact set, 1 AD element (`q = 0` at ties), 2 `Wᵀ` (mutant), 3 `B = 0` (mutant).
fn relu_layer_target(name: &str, mode: u8) -> Target {
    let w = [[q(1, 2), q(1, 4)], [q(-1, 3), q(1, 2)]];
    let u = [qi(1), qi(-1)];
    let c = [qi(0), q(1, 4)];
    let pre = std::rc::Rc::new(move |z: &[Q]| -> Vec<Q> {
        (0..2)
            .map(|i| {
                Rational::from(&w[i][0] * &z[0])
                    + Rational::from(&w[i][1] * &z[1])
                    + Rational::from(&u[i] * &z[2])
                    + &c[i]
            })
            .collect()
    });
    let pre2 = pre.clone();
    let w2 = [[q(1, 2), q(1, 4)], [q(-1, 3), q(1, 2)]];
    target(
        name,
        2,
        3,
        move |z| Ok(pre(z).iter().map(relu).collect()),
        move |z| {
            let v = pre2(z);
            let rows: Vec<Vec<Q>> = (0..2)
                .map(|i| {
                    let (a, b) = if mode == 2 {
                        (w2[0][i].clone(), w2[1][i].clone())
                    } else {
                        (w2[i][0].clone(), w2[i][1].clone())
                    };
                    let bb = if mode == 3 {
                        qi(0)
                    } else {
                        qi(if i == 0 { 1 } else { -1 })
                    };
                    vec![a, b, bb]
                })
                .collect();
            let (lo, hi): (Vec<Q>, Vec<Q>) = v
                .iter()
                .map(|x| match sgn(x) {
                    1 => (qi(1), qi(1)),
                    -1 => (qi(0), qi(0)),
                    _ => (qi(0), qi(if mode == 0 { 1 } else { 0 })),
                })
                .unzip();
            let m = mat(rows);
            if mode == 0 {
                return Ok(Claim::Set(
                    MatrixSet::diag_box(lo, hi, m, Matrix::zeros(2, 3)).unwrap(),
                ));
            }
            Ok(Claim::Element(m.scale_rows(&lo)?))
        },
    )
}

/// `relu(−x) + x − relu(x) ≡ 0`. `mode`: 0 AD element (1 at 0, 0 elsewhere),
/// 1 the set `{0}` plus `{0, 1}` at 0, 2 element 1 everywhere (mutant).
fn zero_composite(name: &str, mode: u8) -> Target {
    target(
        name,
        1,
        1,
        |z| {
            let x = &z[0];
            Ok(vec![relu(&Rational::from(-x)) + x.clone() - relu(x)])
        },
        move |z| {
            let at0 = z[0] == 0;
            match mode {
                0 => el(vec![vec![qi(i64::from(at0))]]),
                1 if at0 => finite(vec![vec![vec![qi(0)]], vec![vec![qi(1)]]]),
                1 => el(vec![vec![qi(0)]]).map(|c| match c {
                    Claim::Element(m) => Claim::Set(MatrixSet::singleton(m).unwrap()),
                    s => s,
                }),
                _ => el(vec![vec![qi(1)]]),
            }
        },
    )
}

/// `|x|` claimed as `sign(x)`, except at dyadic rationals `p/2^k ≠ 0` where it
/// claims `sign(x) + 1/|x|`: wrong only on a null set, but not locally bounded.
fn abs_unbounded(name: &str) -> Target {
    target(
        name,
        1,
        1,
        |z| Ok(vec![Rational::from(z[0].abs_ref())]),
        |z| {
            let x = &z[0];
            let dyadic = x.denom().is_power_of_two();
            let mut g = qi(sgn(x));
            if dyadic && *x != 0 {
                g += Rational::from(x.abs_ref()).recip();
            }
            if *x == 0 {
                return hull(vec![vec![vec![qi(-1)]], vec![vec![qi(1)]]]);
            }
            el(vec![vec![g]])
        },
    )
}

/// The corpus: valid claims (must pass) and mutants (must be caught).
pub fn corpus() -> Vec<Case> {
    use LassoVariant as L;
    use SoftVariant as S;
    vec![
        // ---- valid, possibly different from Clarke's or from each other on null sets
        case(
            "relu: AD element relu'(0)=0",
            true,
            relu_target("relu", || el(vec![vec![qi(0)]]), false),
        ),
        case(
            "relu: AD element relu'(0)=1",
            true,
            relu_target("relu", || el(vec![vec![qi(1)]]), false),
        ),
        case(
            "relu: element relu'(0)=5 (isolated kink)",
            true,
            relu_target("relu", || el(vec![vec![qi(5)]]), false),
        ),
        case(
            "relu: Clarke set [0,1] at 0",
            true,
            relu_target(
                "relu",
                || hull(vec![vec![vec![qi(0)]], vec![vec![qi(1)]]]),
                false,
            ),
        ),
        case(
            "relu: finite set {0,1/2,1} at 0",
            true,
            relu_target(
                "relu",
                || {
                    finite(vec![
                        vec![vec![qi(0)]],
                        vec![vec![q(1, 2)]],
                        vec![vec![qi(1)]],
                    ])
                },
                false,
            ),
        ),
        case(
            "abs: Clarke [-1,1] at 0",
            true,
            abs_target("abs", qi(1), qi(-1), || {
                hull(vec![vec![vec![qi(-1)]], vec![vec![qi(1)]]])
            }),
        ),
        case(
            "abs: larger set [-2,2] at 0",
            true,
            abs_target("abs", qi(1), qi(-1), || {
                hull(vec![vec![vec![qi(-2)]], vec![vec![qi(2)]]])
            }),
        ),
        case(
            "relu(-x)+x-relu(x): AD element (1 at 0)",
            true,
            zero_composite("zero", 0),
        ),
        case(
            "relu(-x)+x-relu(x): set {0} u {1 at 0}",
            true,
            zero_composite("zero", 1),
        ),
        case(
            "soft-threshold: exact DiagBox set",
            true,
            soft_target("soft", S::Exact),
        ),
        case(
            "soft-threshold: AD element",
            true,
            soft_target("soft", S::AdElement),
        ),
        case(
            "enet prox: exact",
            true,
            enet_target("enet", q(2, 3), q(1, 3)),
        ),
        case(
            "max3: Clarke hull of active e_i",
            true,
            max_target("max", 0),
        ),
        case(
            "max3: AD element (first argmax)",
            true,
            max_target("max", 1),
        ),
        case("clip: Clarke", true, clip_target("clip", 1, 0)),
        case(
            "hinge: Clarke",
            true,
            pl_target("hinge", hinge, qi(1), qi(-1), qi(0), || {
                hull(vec![vec![vec![qi(-1)]], vec![vec![qi(0)]]])
            }),
        ),
        case(
            "pw-quadratic gradient: Clarke",
            true,
            pl_target("pwq", pwq_grad, qi(0), q(1, 4), qi(1), || {
                hull(vec![vec![vec![q(1, 4)]], vec![vec![qi(1)]]])
            }),
        ),
        case(
            "Clarke example: box",
            true,
            clarke_target("clarke", 1, false),
        ),
        case(
            "Clarke example: larger box [-2,2]",
            true,
            clarke_target("clarke", 2, false),
        ),
        case(
            "heavy ball: conv{M1,M2}",
            true,
            heavy_ball_target("heavy ball", 0),
        ),
        case(
            "heavy ball: AD element",
            true,
            heavy_ball_target("heavy ball", 1),
        ),
        case(
            "LASSO FB: exact DiagBox",
            true,
            lasso_target("lasso fb", L::Exact),
        ),
        case(
            "LASSO FB: AD element",
            true,
            lasso_target("lasso fb", L::AdElement),
        ),
        case(
            "ReLU layer: exact DiagBox",
            true,
            relu_layer_target("relu layer", 0),
        ),
        case(
            "ReLU layer: AD element",
            true,
            relu_layer_target("relu layer", 1),
        ),
        // ---- mutants
        case(
            "relu: swapped pieces",
            false,
            relu_target("relu", || el(vec![vec![qi(0)]]), true),
        ),
        case(
            "relu: set {0} at 0 (missing tie element)",
            false,
            relu_target("relu", || finite(vec![vec![vec![qi(0)]]]), false),
        ),
        case(
            "abs: wrong sign on x<0",
            false,
            abs_target("abs", qi(1), qi(1), || {
                hull(vec![vec![vec![qi(-1)]], vec![vec![qi(1)]]])
            }),
        ),
        case(
            "abs: set [0,1] at 0 (missing -1)",
            false,
            abs_target("abs", qi(1), qi(-1), || {
                hull(vec![vec![vec![qi(0)]], vec![vec![qi(1)]]])
            }),
        ),
        case(
            "abs: scaled by 1+1/1000 on x>0",
            false,
            abs_target("abs", q(1001, 1000), qi(-1), || {
                hull(vec![vec![vec![qi(-1)]], vec![vec![q(1001, 1000)]]])
            }),
        ),
        case("abs: unbounded on dyadics", false, abs_unbounded("abs")),
        case(
            "abs: finite set {-2,2} at 0 (misses the limits ±1)",
            false,
            abs_target("abs", qi(1), qi(-1), || {
                finite(vec![vec![vec![qi(-2)]], vec![vec![qi(2)]]])
            }),
        ),
        case(
            "soft-threshold: wrong sign of d/dλ",
            false,
            soft_target("soft", S::WrongLambdaSign),
        ),
        case(
            "soft-threshold: tie element [0, -sign u] (wrong threshold derivative)",
            false,
            soft_target("soft", S::MixedTie),
        ),
        case(
            "soft-threshold: tie set q in [0,1/2]",
            false,
            soft_target("soft", S::HalfTie),
        ),
        case(
            "soft-threshold: tie set an independent box",
            false,
            soft_target("soft", S::BoxTie),
        ),
        case(
            "enet prox: missing 1/(1+γλ₂)",
            false,
            enet_target("enet", qi(1), q(1, 3)),
        ),
        case(
            "enet prox: d/dλ₁ missing γ",
            false,
            enet_target("enet", q(2, 3), q(2, 3)),
        ),
        case(
            "max3: argmin instead of argmax",
            false,
            max_target("max", 2),
        ),
        case(
            "max3: ties keep only the first index",
            false,
            max_target("max", 3),
        ),
        case("clip: swapped pieces", false, clip_target("clip", 0, 1)),
        case(
            "hinge: wrong sign",
            false,
            pl_target("hinge", hinge, qi(1), qi(1), qi(0), || {
                hull(vec![vec![vec![qi(-1)]], vec![vec![qi(0)]]])
            }),
        ),
        case(
            "pw-quadratic gradient: swapped slopes",
            false,
            pl_target("pwq", pwq_grad, qi(0), qi(1), q(1, 4), || {
                hull(vec![vec![vec![q(1, 4)]], vec![vec![qi(1)]]])
            }),
        ),
        case(
            "Clarke example: transposed",
            false,
            clarke_target("clarke", 1, true),
        ),
        case("heavy ball: +β", false, heavy_ball_target("heavy ball", 2)),
        case(
            "heavy ball: {M1} at 0 (missing M2)",
            false,
            heavy_ball_target("heavy ball", 3),
        ),
        case(
            "LASSO FB: A block scaled by 1+1/1000",
            false,
            lasso_target("lasso fb", L::Scaled),
        ),
        case(
            "LASSO FB: wrong support (threshold γλ/2)",
            false,
            lasso_target("lasso fb", L::HalfThreshold),
        ),
        case(
            "LASSO FB: wrong sign of B",
            false,
            lasso_target("lasso fb", L::WrongBSign),
        ),
        case(
            "LASSO FB: transposed A block",
            false,
            lasso_target("lasso fb", L::TransposedA),
        ),
        case(
            "ReLU layer: W transposed",
            false,
            relu_layer_target("relu layer", 2),
        ),
        case(
            "ReLU layer: missing B block",
            false,
            relu_layer_target("relu layer", 3),
        ),
        case(
            "relu(-x)+x-relu(x): element 1 everywhere",
            false,
            zero_composite("zero", 2),
        ),
    ]
}

// ================================================ issue 13: narrow sets, degrees ====
//
// Mutants that are wrong only on narrow sets next to a kink, on narrow bands away from
// kinks, on the wrong branch near ties, and on polynomial pieces of degree 4 and
// rational maps; and valid look-alikes. Each case names its class.

use piggyback::audit::Dual;
use piggyback::Scalar;

/// A case of the issue-13 corpus with its class (for per-class ratios).
pub struct ClassCase {
    pub class: &'static str,
    pub name: String,
    pub valid: bool,
    pub target: Target,
}

fn cc(class: &'static str, name: String, valid: bool, target: Target) -> ClassCase {
    ClassCase {
        class,
        name,
        valid,
        target,
    }
}

/// `10^{-k}`.
fn ten_to_minus(k: u32) -> Q {
    Rational::from((1, 10i64.pow(k)))
}

/// relu whose claimed slope is `wrong` on the open interval `(lo, hi)` and correct
/// elsewhere (`1` for x > 0, `0` for x < 0, `at0` at 0).
fn relu_band(name: &str, lo: Q, hi: Q, wrong: Q, at0: Q) -> Target {
    target(
        name,
        1,
        1,
        |z| Ok(vec![relu(&z[0])]),
        move |z| {
            let x = &z[0];
            let g = if *x > lo && *x < hi {
                wrong.clone()
            } else {
                match sgn(x) {
                    1 => qi(1),
                    -1 => qi(0),
                    _ => at0.clone(),
                }
            };
            el(vec![vec![g]])
        },
    )
}

/// relu whose claim at 0 is the set `conv{lo, hi}`.
fn relu_tie_set(name: &str, lo: Q, hi: Q) -> Target {
    target(
        name,
        1,
        1,
        |z| Ok(vec![relu(&z[0])]),
        move |z| match sgn(&z[0]) {
            1 => el(vec![vec![qi(1)]]),
            -1 => el(vec![vec![qi(0)]]),
            _ => hull(vec![vec![vec![lo.clone()]], vec![vec![hi.clone()]]]),
        },
    )
}

/// Soft-thresholding `S(u, λ)` whose AD element switches pieces at `|u| = λ + shift`
/// instead of `|u| = λ` (a tolerance bug: wrong on a band of width `|shift|` next to the
/// kink, outside it for `shift > 0`, inside for `shift < 0`).
fn soft_shifted(name: &str, shift: Q) -> Target {
    target(
        name,
        1,
        2,
        |z| {
            need_positive(&z[1])?;
            Ok(vec![soft(&z[0], &z[1])])
        },
        move |z| {
            need_positive(&z[1])?;
            let a = Rational::from(z[0].abs_ref());
            let thr = Rational::from(&z[1] + &shift);
            if a > thr {
                el(vec![vec![qi(1), qi(-sgn(&z[0]))]])
            } else {
                el(vec![vec![qi(0), qi(0)]])
            }
        },
    )
}

/// Soft-thresholding with the exact claim, except at ties where the set is
/// `{q·[1, −sign u] : q ∈ [q_lo, q_hi]}` (larger than Clarke's `[0, 1]` when
/// `q_lo < 0` or `q_hi > 1`: still conservative, since `[1, −sign u]` annihilates the
/// directions tangent to the tie manifold).
fn soft_tie_range(name: &str, q_lo: Q, q_hi: Q) -> Target {
    target(
        name,
        1,
        2,
        |z| {
            need_positive(&z[1])?;
            Ok(vec![soft(&z[0], &z[1])])
        },
        move |z| {
            need_positive(&z[1])?;
            let s = sgn(&z[0]);
            let a = Rational::from(z[0].abs_ref());
            match a.cmp(&z[1]) {
                std::cmp::Ordering::Greater => el(vec![vec![qi(1), qi(-s)]]),
                std::cmp::Ordering::Less => el(vec![vec![qi(0), qi(0)]]),
                std::cmp::Ordering::Equal => Ok(Claim::Set(
                    MatrixSet::diag_box(
                        vec![q_lo.clone()],
                        vec![q_hi.clone()],
                        mat(vec![vec![qi(1), qi(-s)]]),
                        Matrix::zeros(1, 2),
                    )
                    .unwrap(),
                )),
            }
        },
    )
}

/// `max(z₁, z₂, z₃)` with an AD element: the first argmax, except that when the two
/// largest values are within `eps` of each other (and not equal) it returns the index
/// of the second largest (the wrong branch near ties). `eps = 0`: correct; `last`:
/// the last argmax at exact ties (also correct).
fn max_near_tie(name: &str, eps: Q, last: bool) -> Target {
    target(
        name,
        1,
        3,
        |z| Ok(vec![z.iter().max().cloned().unwrap_or_default()]),
        move |z| {
            let mut idx: Vec<usize> = (0..3).collect();
            // Stable sort by value, descending: ties keep index order.
            idx.sort_by(|&i, &j| z[j].cmp(&z[i]));
            let (top, second) = (idx[0], idx[1]);
            let gap = Rational::from(&z[top] - &z[second]);
            let pick = if gap > 0 && gap < eps {
                second
            } else if last {
                *(0..3)
                    .filter(|&i| z[i] == z[top])
                    .collect::<Vec<_>>()
                    .last()
                    .unwrap_or(&top)
            } else {
                top
            };
            el(vec![(0..3).map(|j| qi(i64::from(j == pick))).collect()])
        },
    )
}

/// `F(x, y) = |x| + y/2` whose claimed `∂y` is 0 on the strip `lo < y < hi` (a band of
/// the plane away from the kink `x = 0`).
fn strip_band(name: &str, lo: Q, hi: Q) -> Target {
    target(
        name,
        1,
        2,
        |z| {
            Ok(vec![
                Rational::from(z[0].abs_ref()) + Rational::from(&z[1] / 2),
            ])
        },
        move |z| {
            let gy = if z[1] > lo && z[1] < hi {
                qi(0)
            } else {
                q(1, 2)
            };
            match sgn(&z[0]) {
                0 => Ok(Claim::Set(MatrixSet::hull(vec![
                    mat(vec![vec![qi(-1), gy.clone()]]),
                    mat(vec![vec![qi(1), gy]]),
                ])?)),
                s => el(vec![vec![qi(s), gy]]),
            }
        },
    )
}

fn pow(x: &Q, k: u32) -> Q {
    let mut r = qi(1);
    for _ in 0..k {
        r *= x;
    }
    r
}

/// `F(x) = x⁴ − 2x² + x/2`; claim `4x³ − c·x + 1/2` (`c = 4` is correct).
fn quartic(name: &str, c: i64) -> Target {
    target(
        name,
        1,
        1,
        |z| {
            let x = &z[0];
            Ok(vec![pow(x, 4) - pow(x, 2) * 2 + Rational::from(x / 2)])
        },
        move |z| {
            let x = &z[0];
            el(vec![vec![pow(x, 3) * 4 - Rational::from(x * c) + q(1, 2)]])
        },
    )
}

/// `F(x, y) = x²y² + xy − y⁴/4`: gradient `(2xy² + y, 2x²y + x − y³)`; `bug` drops the
/// `−y³` term.
fn quartic_2d(name: &str, bug: bool) -> Target {
    target(
        name,
        1,
        2,
        |z| {
            let (x, y) = (&z[0], &z[1]);
            Ok(vec![
                pow(x, 2) * pow(y, 2) + Rational::from(x * y) - pow(y, 4) / 4,
            ])
        },
        move |z| {
            let (x, y) = (&z[0], &z[1]);
            let gx = Rational::from(x * 2) * pow(y, 2) + y;
            let mut gy = pow(x, 2) * Rational::from(y * 2) + x;
            if !bug {
                gy -= pow(y, 3);
            }
            el(vec![vec![gx, gy]])
        },
    )
}

/// `F(x) = x⁴` (x ≥ 0), `−x²` (x < 0): claim `c·x³` on x > 0 (`c = 4` correct), `−2x`
/// on x < 0, `0` at 0.
fn pw_quartic(name: &str, c: i64) -> Target {
    target(
        name,
        1,
        1,
        |z| {
            let x = &z[0];
            Ok(vec![if *x >= 0 { pow(x, 4) } else { -pow(x, 2) }])
        },
        move |z| {
            let x = &z[0];
            el(vec![vec![match sgn(x) {
                1 => pow(x, 3) * c,
                -1 => Rational::from(x * -2),
                _ => qi(0),
            }]])
        },
    )
}

/// `x/(1 + x²)`, written once over any scalar.
fn rat_fn<S: Scalar>(x: &S) -> piggyback::Result<S> {
    x.div(&S::one().add(&x.mul(x)))
        .ok_or_else(|| Error::InvalidInput("1 + x² = 0".into()))
}

/// `relu(x)/(1 + x²)`, written once over any scalar.
fn rat_relu_fn<S: Scalar>(x: &S) -> piggyback::Result<S> {
    x.max(&S::zero())
        .div(&S::one().add(&x.mul(x)))
        .ok_or_else(|| Error::InvalidInput("1 + x² = 0".into()))
}

/// relu whose claim is exact except at the single point `x = at` (not a kink), where
/// it is `value`: wrong on a null set only, hence valid.
fn relu_point_exception(name: &str, at: Q, value: Q) -> Target {
    target(
        name,
        1,
        1,
        |z| Ok(vec![relu(&z[0])]),
        move |z| {
            let x = &z[0];
            if *x == at {
                return el(vec![vec![value.clone()]]);
            }
            el(vec![vec![qi(i64::from(*x > 0))]])
        },
    )
}

/// `F(x) = x/(1 + x²)`: `F' = (1 − x²)/(1 + x²)²`; `bug` forgets the square. With the
/// same function over [`Dual`] numbers when `dual` (exact derivatives), else only
/// evaluations (no polynomial window exists: the audit cannot decide).
pub fn rational_map(name: &str, bug: bool, dual: bool) -> Target {
    let t = piggyback::audit::FnTarget::new(
        name,
        1,
        1,
        |z: &[Q]| Ok(vec![rat_fn(&z[0])?]),
        move |z: &[Q]| {
            let x = &z[0];
            let den = qi(1) + pow(x, 2);
            let num = qi(1) - pow(x, 2);
            let g = if bug {
                num / den
            } else {
                num / Rational::from(&den * &den)
            };
            el(vec![vec![g]])
        },
    );
    if dual {
        Box::new(t.with_dual(|z: &[Dual]| Ok(vec![rat_fn(&z[0])?])))
    } else {
        Box::new(t)
    }
}

/// `F(x) = relu(x)/(1 + x²)` with Dual derivatives; `bug` flips the sign of the
/// derivative on x > 0.
fn rational_relu(name: &str, bug: bool) -> Target {
    let t = piggyback::audit::FnTarget::new(
        name,
        1,
        1,
        |z: &[Q]| Ok(vec![rat_relu_fn(&z[0])?]),
        move |z: &[Q]| {
            let x = &z[0];
            if *x <= 0 {
                return el(vec![vec![qi(0)]]);
            }
            let den = qi(1) + pow(x, 2);
            let g = (qi(1) - pow(x, 2)) / Rational::from(&den * &den);
            el(vec![vec![if bug { -g } else { g }]])
        },
    )
    .with_dual(|z: &[Dual]| Ok(vec![rat_relu_fn(&z[0])?]));
    Box::new(t)
}

/// The issue-13 corpus.
pub fn corpus_issue13() -> Vec<ClassCase> {
    let mut v = Vec::new();
    let near = "near-kink band";
    for k in 1..=6u32 {
        let w = ten_to_minus(k);
        v.push(cc(
            near,
            format!("relu: slope 2 on (0, 1e-{k})"),
            false,
            relu_band("relu", qi(0), w.clone(), qi(2), qi(0)),
        ));
        v.push(cc(
            near,
            format!("relu: slope 1 on (-1e-{k}, 0)"),
            false,
            relu_band("relu", -w.clone(), qi(0), qi(1), qi(0)),
        ));
    }
    for k in [3u32, 6] {
        v.push(cc(
            near,
            format!("soft-threshold: active only beyond λ + 1e-{k}"),
            false,
            soft_shifted("soft", ten_to_minus(k)),
        ));
        v.push(cc(
            near,
            format!("soft-threshold: active already beyond λ − 1e-{k}"),
            false,
            soft_shifted("soft", -ten_to_minus(k)),
        ));
    }
    let away = "band away from kinks";
    let c = q(618, 1000);
    for (num, den) in [(1, 100), (2, 100), (5, 100), (1, 10)] {
        let w = q(num, den);
        v.push(cc(
            away,
            format!("relu: slope 3/2 on (0.618, 0.618 + {num}/{den})"),
            false,
            relu_band("relu", c.clone(), Rational::from(&c + &w), q(3, 2), qi(0)),
        ));
        v.push(cc(
            away,
            format!("relu: slope 1/4 on (-0.618 - {num}/{den}, -0.618)"),
            false,
            relu_band("relu", -Rational::from(&c + &w), -c.clone(), q(1, 4), qi(0)),
        ));
    }
    for (num, den) in [(1, 100), (1, 10)] {
        v.push(cc(
            away,
            format!("|x| + y/2: ∂y = 0 on the strip 0.3 < y < 0.3 + {num}/{den}"),
            false,
            strip_band("strip", q(3, 10), q(3, 10) + q(num, den)),
        ));
    }
    let ties = "near-tie branch";
    for k in [1u32, 3, 6] {
        v.push(cc(
            ties,
            format!("max3: second largest when within 1e-{k}"),
            false,
            max_near_tie("max", ten_to_minus(k), false),
        ));
    }
    let deg = "degree-4 / rational";
    v.push(cc(
        deg,
        "x⁴ − 2x² + x/2: claim 4x³ − 2x + 1/2".into(),
        false,
        quartic("quartic", 2),
    ));
    v.push(cc(
        deg,
        "x²y² + xy − y⁴/4: ∂y misses −y³".into(),
        false,
        quartic_2d("quartic 2d", true),
    ));
    v.push(cc(
        deg,
        "x⁴ | −x²: claim 3x³ on x > 0".into(),
        false,
        pw_quartic("pw quartic", 3),
    ));
    v.push(cc(
        deg,
        "x/(1+x²) (Dual): claim (1−x²)/(1+x²)".into(),
        false,
        rational_map("rational", true, true),
    ));
    v.push(cc(
        deg,
        "relu(x)/(1+x²) (Dual): wrong sign on x > 0".into(),
        false,
        rational_relu("rational relu", true),
    ));
    // ---- valid look-alikes
    let look = "valid look-alike";
    v.push(cc(
        look,
        "relu: element 1/3 at 0 (in Clarke)".into(),
        true,
        relu_band("relu", qi(0), qi(0), qi(0), q(1, 3)),
    ));
    v.push(cc(
        look,
        "relu: element 7 at x = 1/2 only (null set off the kink)".into(),
        true,
        relu_point_exception("relu", q(1, 2), qi(7)),
    ));
    v.push(cc(
        look,
        "relu: set [-1, 2] at 0 (larger than Clarke)".into(),
        true,
        relu_tie_set("relu", qi(-1), qi(2)),
    ));
    v.push(cc(
        look,
        "soft-threshold: tie set q in [-1, 2] (larger than Clarke)".into(),
        true,
        soft_tie_range("soft", qi(-1), qi(2)),
    ));
    v.push(cc(
        look,
        "max3: last argmax at exact ties".into(),
        true,
        max_near_tie("max", qi(0), true),
    ));
    v.push(cc(
        look,
        "x⁴ − 2x² + x/2: exact".into(),
        true,
        quartic("quartic", 4),
    ));
    v.push(cc(
        look,
        "x²y² + xy − y⁴/4: exact".into(),
        true,
        quartic_2d("quartic 2d", false),
    ));
    v.push(cc(
        look,
        "x⁴ | −x²: exact".into(),
        true,
        pw_quartic("pw quartic", 4),
    ));
    v.push(cc(
        look,
        "x/(1+x²) (Dual): exact".into(),
        true,
        rational_map("rational", false, true),
    ));
    v.push(cc(
        look,
        "relu(x)/(1+x²) (Dual): exact".into(),
        true,
        rational_relu("rational relu", false),
    ));
    v
}
