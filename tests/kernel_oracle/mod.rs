//! The soundness oracle: generate small certificates (honest ones from the finders,
//! mutated ones, random ones), run the trusted kernel on each, and re-decide every
//! accepted claim by an independent method that shares no code with the kernel:
//!
//! * norms: 256-bit MPFR (`rug::Float`) Jacobi eigenvalues of `AᵀA` (and of
//!   `L⁻¹AᵀPAL⁻ᵀ`, `P = LLᵀ`, for weighted norms), compared with a relative margin;
//!   1- and ∞-norms by exact sums in the main crate's own matrix type;
//! * spectral radii: the main crate's exact characteristic polynomial, its roots by
//!   Durand–Kerner in 256-bit complex MPFR arithmetic;
//! * maps: exact evaluations of the main crate's maps (`ReluLayer`, `PiecewiseAffine`
//!   over rationals): a contraction claim is tested on random pairs of points, a map
//!   refutation's letters by exact difference quotients at each witness point, a field
//!   refutation's letters by the main crate's conservative Jacobian there;
//! * LASSO / elastic-net fixed points: the exact minimiser by support enumeration.
//!
//! Shared by `tests/kernel_soundness.rs` (proptest), `fuzz/fuzz_targets/kernel_soundness.rs` and
//! `examples/soundness_campaign.rs`.
// Index-heavy numerics (Jacobi rotations, Cholesky) read best with index loops.
#![allow(dead_code, clippy::needless_range_loop, clippy::type_complexity)]

use piggyback::certify::contraction::{find_norm_bound, find_weighted_bound, SearchOptions};
use piggyback::certify::forward_backward::{certify_fixed_point, FbProblem};
use piggyback::certify::invertible::certify_invertible;
use piggyback::certify::refute::find_refutation;
use piggyback::certify::{to_json, Certificate, FixedPointCertificate};
use piggyback::linalg::spectral::char_poly;
use piggyback::maps::{AffinePiece, Penalty, PiecewiseAffine, ReluLayer, Splitting};
use piggyback::scalar::{format_rational, parse_rational, Rational};
use piggyback::MatrixSetView;
use piggyback::{FixedPointMap, Matrix, MatrixSet, Scalar};
use rug::Float;
use serde_json::{json, Value};

// ------------------------------------------------------------------ randomness

/// A stream of pseudo-random numbers: the fuzzer's bytes first, then SplitMix64.
pub struct Source<'a> {
    data: &'a [u8],
    pos: usize,
    state: u64,
}

impl<'a> Source<'a> {
    /// From a seed only.
    pub fn seeded(seed: u64) -> Source<'static> {
        Source {
            data: &[],
            pos: 0,
            state: seed,
        }
    }
    /// From fuzzer bytes.
    pub fn bytes(data: &'a [u8]) -> Source<'a> {
        Source {
            data,
            pos: 0,
            state: 0x9E37_79B9_7F4A_7C15,
        }
    }
    /// The next number.
    pub fn next(&mut self) -> u64 {
        if self.pos < self.data.len() {
            self.state ^= u64::from(self.data[self.pos]) << ((self.pos % 8) * 8);
            self.pos += 1;
        }
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// A small rational `p/q`, `|p| ≤ num`, `1 ≤ q ≤ den`.
    pub fn small(&mut self, num: i64, den: i64) -> Rational {
        let p = self.below((2 * num + 1) as u64) as i64 - num;
        let q = self.below(den as u64) as i64 + 1;
        Rational::from((p, q))
    }
    fn matrix(&mut self, r: usize, c: usize, num: i64, den: i64) -> Matrix<Rational> {
        Matrix::from_fn(r, c, |_, _| self.small(num, den))
    }
}

fn t(q: &Rational) -> String {
    format_rational(q)
}

fn rows(m: &Matrix<Rational>) -> Value {
    json!((0..m.rows())
        .map(|i| (0..m.cols()).map(|j| t(&m[(i, j)])).collect::<Vec<_>>())
        .collect::<Vec<_>>())
}

fn q(v: &Value) -> Rational {
    parse_rational(v.as_str().unwrap_or("x")).unwrap_or_default()
}

fn mat(v: &Value) -> Matrix<Rational> {
    let r: Vec<Vec<Rational>> = v
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|row| {
                    row.as_array()
                        .map(|xs| xs.iter().map(q).collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    if r.is_empty() || r[0].is_empty() {
        return Matrix::zeros(r.len(), 0);
    }
    Matrix::from_rows(&r).unwrap_or_else(|_| Matrix::zeros(0, 0))
}

fn vector(v: &Value) -> Vec<Rational> {
    v.as_array()
        .map(|xs| xs.iter().map(q).collect())
        .unwrap_or_default()
}

// ------------------------------------------------------------------ MPFR tools

const PREC: u32 = 256;

fn fl(x: &Rational) -> Float {
    Float::with_val(PREC, x)
}

/// Eigenvalues of a symmetric matrix given in MPFR, by cyclic Jacobi rotations.
fn jacobi(mut a: Vec<Vec<Float>>) -> Vec<Float> {
    let n = a.len();
    for _sweep in 0..60 {
        let off: Float = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .fold(Float::with_val(PREC, 0), |acc, (i, j)| {
                acc + Float::with_val(PREC, &a[i][j] * &a[i][j])
            });
        let diag: Float = (0..n).fold(Float::with_val(PREC, 0), |acc, i| {
            acc + Float::with_val(PREC, &a[i][i] * &a[i][i])
        });
        if off <= diag * Float::with_val(PREC, Float::i_exp(1, -400)) || off == 0 {
            break;
        }
        for p in 0..n {
            for r in p + 1..n {
                if a[p][r] == 0 {
                    continue;
                }
                // θ = (a_rr − a_pp) / (2 a_pr), t = sign(θ)/(|θ| + √(θ² + 1)).
                let theta = Float::with_val(PREC, &a[r][r] - &a[p][p])
                    / Float::with_val(PREC, &a[p][r] * 2u32);
                let root = (Float::with_val(PREC, &theta * &theta) + 1u32).sqrt();
                let tt = if theta >= 0 {
                    Float::with_val(PREC, 1) / (Float::with_val(PREC, theta.clone().abs()) + &root)
                } else {
                    Float::with_val(PREC, -1) / (Float::with_val(PREC, theta.clone().abs()) + &root)
                };
                let c = Float::with_val(PREC, 1) / (Float::with_val(PREC, &tt * &tt) + 1u32).sqrt();
                let s = Float::with_val(PREC, &tt * &c);
                for k in 0..n {
                    let (akp, akr) = (a[k][p].clone(), a[k][r].clone());
                    a[k][p] = Float::with_val(PREC, &c * &akp) - Float::with_val(PREC, &s * &akr);
                    a[k][r] = Float::with_val(PREC, &s * &akp) + Float::with_val(PREC, &c * &akr);
                }
                for k in 0..n {
                    let (apk, ark) = (a[p][k].clone(), a[r][k].clone());
                    a[p][k] = Float::with_val(PREC, &c * &apk) - Float::with_val(PREC, &s * &ark);
                    a[r][k] = Float::with_val(PREC, &s * &apk) + Float::with_val(PREC, &c * &ark);
                }
            }
        }
    }
    (0..n).map(|i| a[i][i].clone()).collect()
}

fn to_float(m: &Matrix<Rational>) -> Vec<Vec<Float>> {
    (0..m.rows())
        .map(|i| (0..m.cols()).map(|j| fl(&m[(i, j)])).collect())
        .collect()
}

fn max_f(v: &[Float]) -> Float {
    v.iter()
        .fold(Float::with_val(PREC, f64::NEG_INFINITY), |m, x| {
            if *x > m {
                x.clone()
            } else {
                m
            }
        })
}

/// `‖A‖₂²` in MPFR.
fn two_norm_sq(a: &Matrix<Rational>) -> Float {
    let g = a.transpose().matmul(a).expect("square");
    max_f(&jacobi(to_float(&g)))
}

/// Smallest eigenvalue of a symmetric rational matrix, and `max eig(P⁻¹AᵀPA)` (the
/// squared weighted norm) when `P ≻ 0` by a margin.
fn weighted_norm_sq(a: &Matrix<Rational>, p: &Matrix<Rational>) -> Option<Float> {
    let n = p.rows();
    let pmin =
        jacobi(to_float(p))
            .into_iter()
            .fold(Float::with_val(PREC, f64::INFINITY), |m, x| {
                if x < m {
                    x
                } else {
                    m
                }
            });
    if pmin <= Float::with_val(PREC, Float::i_exp(1, -100)) {
        return None;
    }
    // P = LLᵀ in MPFR.
    let pf = to_float(p);
    let mut l = vec![vec![Float::with_val(PREC, 0); n]; n];
    for j in 0..n {
        let mut d = pf[j][j].clone();
        for k in 0..j {
            d -= Float::with_val(PREC, &l[j][k] * &l[j][k]);
        }
        l[j][j] = d.sqrt();
        for i in j + 1..n {
            let mut v = pf[i][j].clone();
            for k in 0..j {
                v -= Float::with_val(PREC, &l[i][k] * &l[j][k]);
            }
            l[i][j] = v / &l[j][j];
        }
    }
    // C = L⁻¹ M L⁻ᵀ with M = AᵀPA: solve L Y = M, then L Cᵀ = Yᵀ.
    let m = to_float(&a.transpose().matmul(&p.matmul(a).ok()?).ok()?);
    let solve_lower = |b: &Vec<Vec<Float>>| -> Vec<Vec<Float>> {
        let mut y = vec![vec![Float::with_val(PREC, 0); n]; n];
        for c in 0..n {
            for i in 0..n {
                let mut v = b[i][c].clone();
                for k in 0..i {
                    v -= Float::with_val(PREC, &l[i][k] * &y[k][c]);
                }
                y[i][c] = v / &l[i][i];
            }
        }
        y
    };
    let y = solve_lower(&m);
    let yt: Vec<Vec<Float>> = (0..n)
        .map(|i| (0..n).map(|j| y[j][i].clone()).collect())
        .collect();
    let ct = solve_lower(&yt);
    let c: Vec<Vec<Float>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| Float::with_val(PREC, &ct[i][j] + &ct[j][i]) / 2u32)
                .collect()
        })
        .collect();
    Some(max_f(&jacobi(c)))
}

/// Roots of `Σ cₖλᵏ` (low to high, monic) by Durand–Kerner in complex MPFR.
fn roots(c: &[Rational]) -> Vec<(Float, Float)> {
    let n = c.len() - 1;
    if n == 0 {
        return vec![];
    }
    let cf: Vec<Float> = c.iter().map(fl).collect();
    let eval = |re: &Float, im: &Float| {
        let (mut pr, mut pi) = (Float::with_val(PREC, 0), Float::with_val(PREC, 0));
        for k in (0..=n).rev() {
            let nr = Float::with_val(PREC, &pr * re) - Float::with_val(PREC, &pi * im) + &cf[k];
            let ni = Float::with_val(PREC, &pr * im) + Float::with_val(PREC, &pi * re);
            pr = nr;
            pi = ni;
        }
        (pr, pi)
    };
    let bound = cf.iter().fold(Float::with_val(PREC, 1), |m, x| {
        m + Float::with_val(PREC, x.clone().abs())
    });
    let mut z: Vec<(Float, Float)> = (0..n)
        .map(|k| {
            let ang = 0.4 + 2.0 * std::f64::consts::PI * k as f64 / n as f64;
            (
                Float::with_val(PREC, ang.cos()) * &bound / 2u32,
                Float::with_val(PREC, ang.sin()) * &bound / 2u32,
            )
        })
        .collect();
    for _ in 0..3000 {
        let mut delta = Float::with_val(PREC, 0);
        for i in 0..n {
            let (pr, pi) = eval(&z[i].0, &z[i].1);
            let (mut dr, mut di) = (Float::with_val(PREC, 1), Float::with_val(PREC, 0));
            for j in 0..n {
                if j != i {
                    let (ar, ai) = (
                        Float::with_val(PREC, &z[i].0 - &z[j].0),
                        Float::with_val(PREC, &z[i].1 - &z[j].1),
                    );
                    let nr = Float::with_val(PREC, &dr * &ar) - Float::with_val(PREC, &di * &ai);
                    let ni = Float::with_val(PREC, &dr * &ai) + Float::with_val(PREC, &di * &ar);
                    dr = nr;
                    di = ni;
                }
            }
            let den = Float::with_val(PREC, &dr * &dr) + Float::with_val(PREC, &di * &di);
            if den == 0 {
                continue;
            }
            let qr = (Float::with_val(PREC, &pr * &dr) + Float::with_val(PREC, &pi * &di)) / &den;
            let qi = (Float::with_val(PREC, &pi * &dr) - Float::with_val(PREC, &pr * &di)) / &den;
            delta +=
                Float::with_val(PREC, qr.clone().abs()) + Float::with_val(PREC, qi.clone().abs());
            z[i].0 -= qr;
            z[i].1 -= qi;
        }
        if delta < Float::with_val(PREC, Float::i_exp(1, -240)) {
            break;
        }
    }
    z
}

/// The spectral radius of an exact matrix, in MPFR.
fn spectral_radius(m: &Matrix<Rational>) -> Float {
    let p = char_poly(m).expect("square");
    roots(&p)
        .into_iter()
        .map(|(r, i)| (Float::with_val(PREC, &r * &r) + Float::with_val(PREC, &i * &i)).sqrt())
        .fold(Float::with_val(PREC, 0), |m, x| if x > m { x } else { m })
}

// ------------------------------------------------------------------ judgements

/// What the oracle says about one case.
#[derive(Clone, Debug, PartialEq)]
pub enum Judgement {
    /// The kernel refused the certificate.
    Refused,
    /// Accepted, and the claim was confirmed independently.
    Confirmed,
    /// Accepted; the independent method could not decide (within its margin).
    Inconclusive(String),
    /// Accepted although the claim is false: a soundness bug.
    Unsound(String),
}

/// Relative margin of the MPFR comparisons.
fn margin() -> Float {
    Float::with_val(PREC, Float::i_exp(1, -80))
}

/// `value ≤ bound` (confirmed), clearly above (unsound).
fn at_most(value: &Float, bound: &Float, what: &str) -> Judgement {
    let slack = Float::with_val(PREC, bound.clone().abs() * margin()) + margin();
    if *value <= Float::with_val(PREC, bound + &slack) {
        Judgement::Confirmed
    } else {
        Judgement::Unsound(format!("{what}: {value} > {bound}"))
    }
}

/// `value > bound` (confirmed), clearly below (unsound), else inconclusive.
fn above(value: &Float, bound: &Float, what: &str) -> Judgement {
    let slack = Float::with_val(PREC, bound.clone().abs() * margin()) + margin();
    if *value > Float::with_val(PREC, bound + &slack) {
        Judgement::Confirmed
    } else if *value < Float::with_val(PREC, bound - &slack) {
        Judgement::Unsound(format!("{what}: {value} ≤ {bound}"))
    } else {
        Judgement::Inconclusive(format!("{what}: {value} ≈ {bound}"))
    }
}

fn all(js: impl IntoIterator<Item = Judgement>) -> Judgement {
    let mut out = Judgement::Confirmed;
    for j in js {
        match j {
            Judgement::Unsound(_) => return j,
            Judgement::Inconclusive(_) => out = j,
            _ => {}
        }
    }
    out
}

/// Run the kernel on a certificate text and judge an acceptance.
pub fn judge(text: &str) -> Judgement {
    if piggyback_kernel::check_json(text).is_err() {
        return Judgement::Refused;
    }
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Judgement::Unsound(format!("accepted text is not JSON: {e}")),
    };
    if v["format"] == "piggyback-fixed-point-certificate" {
        return judge_fixed_point(&v);
    }
    let claim = &v["claim"];
    match v["subject"]["type"].as_str() {
        Some("family") => {
            let fam = &v["subject"]["family"];
            let (members, hull_pairs) = family_members(fam);
            judge_claim(claim, &members, hull_pairs.as_ref(), None)
        }
        Some(kind @ ("map" | "field")) => judge_problem(kind, &v["subject"]["problem"], claim),
        _ => Judgement::Unsound("accepted with an unknown subject".into()),
    }
}

/// The extreme points of a written family (all of them: small cases only), and the
/// two vertices of a two-vertex hull (for the exact invertibility oracle).
fn family_members(
    fam: &Value,
) -> (
    Vec<Matrix<Rational>>,
    Option<(Matrix<Rational>, Matrix<Rational>)>,
) {
    let set = match fam["type"].as_str() {
        Some("finite") | Some("hull") => {
            let vs: Vec<Matrix<Rational>> = fam["vertices"]
                .as_array()
                .map(|a| a.iter().map(mat).collect())
                .unwrap_or_default();
            let pair =
                (fam["type"] == "hull" && vs.len() == 2).then(|| (vs[0].clone(), vs[1].clone()));
            return (vs, pair);
        }
        Some("box") => MatrixSet::interval_box(mat(&fam["lo"]), mat(&fam["hi"])).unwrap(),
        _ => MatrixSet::diag_box(
            vector(&fam["q_lo"]),
            vector(&fam["q_hi"]),
            mat(&fam["m"]),
            mat(&fam["offset"]),
        )
        .unwrap(),
    };
    (set.vertices(1 << 16).unwrap_or_default(), None)
}

/// [`judge_claim`] on a family given by its members (for the oracle's own tests).
pub fn judge_claim_for_test(claim: &Value, members: &[Matrix<Rational>]) -> Judgement {
    judge_claim(claim, members, None, None)
}

fn judge_claim(
    claim: &Value,
    members: &[Matrix<Rational>],
    pair: Option<&(Matrix<Rational>, Matrix<Rational>)>,
    letters: Option<&[Matrix<Rational>]>,
) -> Judgement {
    match claim["kind"].as_str() {
        Some("norm_bound") => judge_norm(&claim["norm"], &q(&claim["rho"]), members),
        Some("refutation") => {
            let r = q(&claim["r"]);
            let word: Vec<Matrix<Rational>> = match letters {
                Some(ls) => ls.to_vec(),
                None => claim["word"]
                    .as_array()
                    .map(|w| {
                        w.iter()
                            .filter_map(|l| {
                                l.as_u64().and_then(|i| members.get(i as usize).cloned())
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            let Some(first) = word.first() else {
                return Judgement::Unsound("accepted an empty word".into());
            };
            let mut p = first.clone();
            for l in &word[1..] {
                p = p.matmul(l).expect("square");
            }
            let tl = (0..word.len()).fold(Rational::from(1), |acc, _| acc * &r);
            above(&spectral_radius(&p), &fl(&tl), "ρ(product) > r^L")
        }
        Some("invertible") => {
            let w = &claim["witness"];
            if w["type"] == "neumann" {
                let rho = q(&w["rho"]);
                if !(0..1).contains(&rho) {
                    return Judgement::Unsound("Neumann with ρ ∉ [0, 1)".into());
                }
                return judge_norm(&w["norm"], &rho, members);
            }
            match pair {
                Some((a, b)) if a.rows() <= 3 => judge_edge_invertible(a, b),
                // Only the vertex determinants can be checked: necessary, not sufficient.
                _ => all(members.iter().map(|a| {
                    let id: Matrix<Rational> = Matrix::identity(a.rows());
                    if piggyback::linalg::lu::determinant(&id.sub(a).expect("shape"))
                        .map_or(true, |d| d == 0)
                    {
                        Judgement::Unsound("I − A singular at a vertex".into())
                    } else {
                        Judgement::Inconclusive("preconditioner over a box: vertices only".into())
                    }
                })),
            }
        }
        _ => Judgement::Unsound("accepted an unknown claim".into()),
    }
}

fn judge_norm(norm: &Value, rho: &Rational, members: &[Matrix<Rational>]) -> Judgement {
    if *rho < 0 {
        return Judgement::Unsound("negative norm bound accepted".into());
    }
    let rho2 = fl(&Rational::from(rho * rho));
    all(members.iter().map(|a| match norm["type"].as_str() {
        Some("one") => {
            if a.norm_1() <= *rho {
                Judgement::Confirmed
            } else {
                Judgement::Unsound("‖A‖₁ > ρ".into())
            }
        }
        Some("inf") => {
            if a.norm_inf() <= *rho {
                Judgement::Confirmed
            } else {
                Judgement::Unsound("‖A‖_∞ > ρ".into())
            }
        }
        Some("weighted") => match weighted_norm_sq(a, &mat(&norm["p"])) {
            Some(w) => at_most(&w, &rho2, "‖A‖_P² ≤ ρ²"),
            None => Judgement::Inconclusive("P not clearly positive definite".into()),
        },
        _ => at_most(&two_norm_sq(a), &rho2, "‖A‖₂² ≤ ρ²"),
    }))
}

/// `det(I − ((1−t)a + t b)) ≠ 0` for `t ∈ [0, 1]`: the polynomial in `t` (degree ≤ 3)
/// interpolated exactly at 4 points, its roots in MPFR.
fn judge_edge_invertible(a: &Matrix<Rational>, b: &Matrix<Rational>) -> Judgement {
    let n = a.rows();
    let id: Matrix<Rational> = Matrix::identity(n);
    let d = |tt: &Rational| {
        let m = a
            .scale(&(Rational::from(1) - tt))
            .add(&b.scale(tt))
            .expect("shape");
        piggyback::linalg::lu::determinant(&id.sub(&m).expect("shape")).expect("square")
    };
    let ts: Vec<Rational> = (0..=n).map(|k| Rational::from(k as i64)).collect();
    let ys: Vec<Rational> = ts.iter().map(d).collect();
    // Newton interpolation → monomial coefficients.
    let mut coef = ys.clone();
    for j in 1..=n {
        for i in (j..=n).rev() {
            coef[i] =
                Rational::from(&coef[i] - &coef[i - 1]) / Rational::from((i - (i - j)) as i64);
        }
    }
    let mut poly = vec![Rational::new(); n + 1];
    for i in (0..=n).rev() {
        // poly = poly·(t − tᵢ) + coefᵢ
        let mut next = vec![Rational::new(); n + 1];
        for k in 0..n {
            next[k + 1] += &poly[k];
            next[k] -= Rational::from(&poly[k] * &ts[i]);
        }
        next[0] += &coef[i];
        poly = next;
    }
    while poly.len() > 1 && *poly.last().expect("nonempty") == 0 {
        poly.pop();
    }
    if poly.len() == 1 {
        return if poly[0] == 0 {
            Judgement::Unsound("det(I − A) ≡ 0 on the edge".into())
        } else {
            Judgement::Confirmed
        };
    }
    let lead = poly.last().expect("nonempty").clone();
    let monic: Vec<Rational> = poly.iter().map(|c| Rational::from(c / &lead)).collect();
    let eps = Float::with_val(PREC, Float::i_exp(1, -60));
    all(roots(&monic).into_iter().map(|(re, im)| {
        if Float::with_val(PREC, im.clone().abs()) > eps {
            Judgement::Confirmed
        } else if re > eps && re < Float::with_val(PREC, 1 - &eps) {
            Judgement::Unsound(format!("det(I − A) vanishes at t ≈ {re}"))
        } else if re < Float::with_val(PREC, -&eps) || re > Float::with_val(PREC, 1 + &eps) {
            Judgement::Confirmed
        } else {
            Judgement::Inconclusive("a root near an end of the edge".into())
        }
    }))
}

// ------------------------------------------------------------------ problems

/// The main crate's own map for an embedded `relu_layer` or `piecewise_affine` problem.
fn main_crate_map(problem: &Value) -> Option<(Box<dyn FixedPointMap<Rational>>, Vec<Rational>)> {
    let theta = vector(&problem["theta"]);
    let m = theta.len();
    let map = &problem["map"];
    match map["kind"].as_str()? {
        "relu_layer" => {
            let w = mat(&map["w"]);
            let n = w.rows();
            let u = if map["u"].is_null() {
                Matrix::zeros(n, m)
            } else {
                mat(&map["u"])
            };
            Some((
                Box::new(ReluLayer::new(w, u, vector(&map["b"])).ok()?),
                theta,
            ))
        }
        "piecewise_affine" => {
            let pieces = map["pieces"]
                .as_array()?
                .iter()
                .map(|p| {
                    let a = mat(&p["a"]);
                    let n = a.rows();
                    let b = if m == 0 {
                        Matrix::zeros(n, 0)
                    } else {
                        mat(&p["b"])
                    };
                    let g = if p["g"].as_array().is_some_and(|g| g.is_empty()) {
                        Matrix::zeros(0, n + m)
                    } else {
                        mat(&p["g"])
                    };
                    AffinePiece {
                        a,
                        b,
                        c: vector(&p["c"]),
                        g,
                        h: vector(&p["h"]),
                    }
                })
                .collect();
            Some((Box::new(PiecewiseAffine::new(pieces).ok()?), theta))
        }
        _ => None,
    }
}

/// The family's members a problem claim is about (the same derivation, written again
/// from the problem's data), and the letter matrices of a word.
fn problem_family(problem: &Value) -> Vec<Matrix<Rational>> {
    let map = &problem["map"];
    match map["kind"].as_str() {
        Some("relu_layer") => vec![mat(&map["w"])],
        Some("piecewise_affine") => map["pieces"]
            .as_array()
            .map(|ps| ps.iter().map(|p| mat(&p["a"])).collect())
            .unwrap_or_default(),
        _ => vec![],
    }
}

fn letter_matrix(problem: &Value, letter: &Value) -> Option<Matrix<Rational>> {
    let map = &problem["map"];
    match (map["kind"].as_str()?, letter) {
        ("relu_layer", Value::Array(bits)) => {
            let d: Vec<Rational> = bits
                .iter()
                .map(|b| Rational::from(b.as_u64().unwrap_or(9) as i64))
                .collect();
            mat(&map["w"]).scale_rows(&d).ok()
        }
        ("piecewise_affine", Value::Number(i)) => {
            Some(mat(&map["pieces"][i.as_u64()? as usize]["a"]))
        }
        _ => None,
    }
}

fn judge_problem(kind: &str, problem: &Value, claim: &Value) -> Judgement {
    let Some((map, theta)) = main_crate_map(problem) else {
        return Judgement::Inconclusive("no oracle for this problem kind".into());
    };
    let n = map.dims().0;
    match claim["kind"].as_str() {
        Some("norm_bound") => {
            let rho = q(&claim["rho"]);
            let family = judge_norm(&claim["norm"], &rho, &problem_family(problem));
            if kind != "map" {
                return family;
            }
            // The map itself, on pairs of points: ‖F(x) − F(y)‖ ≤ ρ‖x − y‖ (2-norm exactly,
            // other norms only through the family bound above).
            let mut src = Source::seeded(n as u64 + 17);
            let pairs = (0..12).map(|_| {
                let x: Vec<Rational> = (0..n).map(|_| src.small(20, 3)).collect();
                let y: Vec<Rational> = (0..n).map(|_| src.small(20, 3)).collect();
                let (fx, fy) = (map.apply(&x, &theta), map.apply(&y, &theta));
                let (Ok(fx), Ok(fy)) = (fx, fy) else {
                    return Judgement::Inconclusive("map not evaluable".into());
                };
                if claim["norm"]["type"] != "two" {
                    return Judgement::Confirmed;
                }
                let d2 = |u: &[Rational], v: &[Rational]| {
                    u.iter().zip(v).fold(Rational::new(), |acc, (a, b)| {
                        acc + Rational::from(a - b).square()
                    })
                };
                if d2(&fx, &fy) <= Rational::from(&rho * &rho) * d2(&x, &y) {
                    Judgement::Confirmed
                } else {
                    Judgement::Unsound("‖F(x) − F(y)‖ > ρ‖x − y‖ at sample points".into())
                }
            });
            all(std::iter::once(family).chain(pairs))
        }
        Some("refutation") => {
            let word = claim["word"].as_array().cloned().unwrap_or_default();
            let points: Vec<Vec<Rational>> = claim["points"]
                .as_array()
                .map(|ps| ps.iter().map(vector).collect())
                .unwrap_or_default();
            let letters: Option<Vec<Matrix<Rational>>> =
                word.iter().map(|l| letter_matrix(problem, l)).collect();
            let Some(letters) = letters else {
                return Judgement::Unsound("accepted a letter outside the family".into());
            };
            if points.len() != word.len() {
                return Judgement::Unsound("accepted without one point per letter".into());
            }
            let witnesses = letters.iter().zip(&points).map(|(l, x)| {
                if kind == "map" {
                    letter_is_local_jacobian(map.as_ref(), x, &theta, l)
                } else {
                    letter_in_field(map.as_ref(), x, &theta, l)
                }
            });
            let radius = judge_claim(claim, &[], None, Some(&letters));
            all(witnesses.chain(std::iter::once(radius)))
        }
        Some("invertible") => judge_claim(claim, &problem_family(problem), None, None),
        _ => Judgement::Unsound("accepted an unknown claim".into()),
    }
}

/// The exact difference quotients of the map at `x` (step 10⁻³⁰ along each axis, both
/// directions) equal the letter's columns: on an open set around `x` the map is affine
/// with that Jacobian.
fn letter_is_local_jacobian(
    map: &dyn FixedPointMap<Rational>,
    x: &[Rational],
    theta: &[Rational],
    l: &Matrix<Rational>,
) -> Judgement {
    let Ok(fx) = map.apply(x, theta) else {
        return Judgement::Inconclusive("map not evaluable".into());
    };
    let eps = Rational::from((1, rug::Integer::from(rug::Integer::u_pow_u(10, 30))));
    for j in 0..x.len() {
        for sign in [1, -1] {
            let mut y = x.to_vec();
            y[j] += Rational::from(&eps * sign);
            let Ok(fy) = map.apply(&y, theta) else {
                return Judgement::Inconclusive("map not evaluable".into());
            };
            for i in 0..x.len() {
                let dq = Rational::from(&fy[i] - &fx[i]) / Rational::from(&eps * sign);
                if dq != l[(i, j)] {
                    return Judgement::Unsound(format!(
                        "difference quotient ({i}, {j}) is {dq}, the letter says {}",
                        l[(i, j)]
                    ));
                }
            }
        }
    }
    Judgement::Confirmed
}

/// The letter is an element of the main crate's conservative Jacobian at `x`.
fn letter_in_field(
    map: &dyn FixedPointMap<Rational>,
    x: &[Rational],
    theta: &[Rational],
    l: &Matrix<Rational>,
) -> Judgement {
    let n = x.len();
    let Ok(j) = map.conservative_jacobian(x, theta) else {
        return Judgement::Inconclusive("no conservative Jacobian".into());
    };
    let ok = match j.view() {
        MatrixSetView::DiagBox { q_lo, q_hi, m, .. } => {
            // l = diag(q)·W for some q with q_lo ≤ q ≤ q_hi: read q off a nonzero entry per row.
            (0..n).all(|i| {
                let row: Vec<(Rational, Rational)> = (0..n)
                    .map(|k| (l[(i, k)].clone(), m[(i, k)].clone()))
                    .collect();
                match row.iter().find(|(_, w)| *w != 0) {
                    None => row.iter().all(|(a, _)| *a == 0),
                    Some((a, w)) => {
                        let qi = Rational::from(a / w);
                        qi >= q_lo[i]
                            && qi <= q_hi[i]
                            && row.iter().all(|(a2, w2)| *a2 == Rational::from(&qi * w2))
                    }
                }
            })
        }
        MatrixSetView::Hull(vs) | MatrixSetView::Finite(vs) => vs
            .iter()
            .any(|v| (0..n).all(|i| (0..n).all(|k| v[(i, k)] == l[(i, k)]))),
        _ => false,
    };
    if ok {
        Judgement::Confirmed
    } else {
        Judgement::Unsound("the letter is not in the conservative Jacobian at its point".into())
    }
}

// ------------------------------------------------------------------ fixed points

/// The exact minimiser of `½‖Ax − b‖² + λ₁‖x‖₁ + (λ₂/2)‖x‖²` by enumerating supports and
/// signs (small `p`): every `x` satisfying the optimality conditions.
fn lasso_minimisers(
    a: &Matrix<Rational>,
    b: &[Rational],
    l1: &Rational,
    l2: &Rational,
) -> Vec<Vec<Rational>> {
    let p = a.cols();
    let mut out = Vec::new();
    for code in 0..3usize.pow(p as u32) {
        let s: Vec<i64> = (0..p)
            .map(|j| (code / 3usize.pow(j as u32) % 3) as i64 - 1)
            .collect();
        let sup: Vec<usize> = (0..p).filter(|&j| s[j] != 0).collect();
        let mut x = vec![Rational::new(); p];
        if !sup.is_empty() {
            let rows: Vec<usize> = (0..a.rows()).collect();
            let a_s = a.select(&rows, &sup).expect("shape");
            let g = a_s
                .transpose()
                .matmul(&a_s)
                .expect("shape")
                .add(&Matrix::identity(sup.len()).scale(l2))
                .expect("shape");
            let rhs: Vec<Rational> = a_s
                .tr_mul_vec(b)
                .expect("shape")
                .iter()
                .zip(&sup)
                .map(|(v, &j)| Rational::from(v - &Rational::from(l1 * s[j])))
                .collect();
            let Ok(xs) = piggyback::linalg::lu::solve_vec(&g, &rhs) else {
                continue;
            };
            if sup
                .iter()
                .zip(&xs)
                .any(|(&j, v)| v.cmp0() != (s[j]).cmp(&0))
            {
                continue;
            }
            for (&j, v) in sup.iter().zip(xs) {
                x[j] = v;
            }
        }
        let r: Vec<Rational> = a
            .mul_vec(&x)
            .expect("shape")
            .iter()
            .zip(b)
            .map(|(u, v)| Rational::from(v - u))
            .collect();
        let corr = a.tr_mul_vec(&r).expect("shape");
        if (0..p).all(|j| s[j] != 0 || Rational::from(corr[j].abs_ref()) <= *l1) {
            out.push(x);
        }
    }
    out
}

fn judge_fixed_point(v: &Value) -> Judgement {
    let map = &v["problem"]["map"];
    let theta = vector(&v["problem"]["theta"]);
    let (a, b, gamma) = (
        mat(&map["design"]),
        vector(&map["response"]),
        q(&map["step"]),
    );
    let (l1, l2) = (theta[0].clone(), theta.get(1).cloned().unwrap_or_default());
    let p = a.cols();
    // Contraction: c‖dI − γAᵀA‖₂ ≤ ρ; prox splitting d = 1, c = 1/(1 + γλ₂), smooth
    // splitting d = 1 − γλ₂, c = 1.
    let ridge = Rational::from(&gamma * &l2);
    let (d, c) = if map["splitting"].as_str() == Some("smooth") {
        (Rational::from(1) - ridge, Rational::from(1))
    } else {
        (
            Rational::from(1),
            Rational::from(1) / (Rational::from(1) + ridge),
        )
    };
    let mp = Matrix::identity(p)
        .scale(&d)
        .sub(&a.transpose().matmul(&a).expect("shape").scale(&gamma))
        .expect("shape")
        .scale(&c);
    // Without ρ the claim is uniqueness (checked below by enumeration) and an exact
    // centre (radius 0, checked by the ball).
    let contraction = match v.get("rho").filter(|r| !r.is_null()) {
        Some(rho) => {
            let rho = q(rho);
            at_most(
                &two_norm_sq(&mp),
                &fl(&Rational::from(&rho * &rho)),
                "c‖M'‖₂² ≤ ρ²",
            )
        }
        None => Judgement::Confirmed,
    };
    let mins = lasso_minimisers(&a, &b, &l1, &l2);
    if mins.len() != 1 {
        return Judgement::Unsound(format!(
            "accepted a unique fixed point; support enumeration finds {}",
            mins.len()
        ));
    }
    let x = &mins[0];
    let centre = vector(&v["center"]);
    let radius = q(&v["radius"]);
    let d2 = x.iter().zip(&centre).fold(Rational::new(), |acc, (u, w)| {
        acc + Rational::from(u - w).square()
    });
    let ball = if d2 <= Rational::from(&radius * &radius) {
        Judgement::Confirmed
    } else {
        Judgement::Unsound("x̄ outside the ball".into())
    };
    let signs: Vec<Option<i64>> = v["signs"]
        .as_array()
        .map(|s| s.iter().map(Value::as_i64).collect())
        .unwrap_or_default();
    let sign_ok = signs
        .iter()
        .zip(x)
        .all(|(s, xi)| s.map_or(true, |s| xi.cmp0() == s.cmp(&0)));
    let sign = if sign_ok {
        Judgement::Confirmed
    } else {
        Judgement::Unsound("a claimed sign is false".into())
    };
    let derivative = match v["derivative"].as_array() {
        None => Judgement::Confirmed,
        Some(d) => {
            let sup: Vec<usize> = (0..p).filter(|&j| x[j] != 0).collect();
            let rows: Vec<usize> = (0..a.rows()).collect();
            let a_s = a.select(&rows, &sup).expect("shape");
            let g = a_s
                .transpose()
                .matmul(&a_s)
                .expect("shape")
                .add(&Matrix::identity(sup.len()).scale(&l2))
                .expect("shape");
            let rhs: Vec<Rational> = sup
                .iter()
                .map(|&j| Rational::from(-(x[j].cmp0() as i64)))
                .collect();
            let ds = if sup.is_empty() {
                vec![]
            } else {
                piggyback::linalg::lu::solve_vec(&g, &rhs).expect("invertible")
            };
            let ok = (0..p).all(|j| {
                let want = sup
                    .iter()
                    .position(|&k| k == j)
                    .map_or(Rational::new(), |k| ds[k].clone());
                q(&d[j]) == want
            });
            if ok {
                Judgement::Confirmed
            } else {
                Judgement::Unsound("the derivative is not ∂x̄/∂λ₁".into())
            }
        }
    };
    all([contraction, ball, sign, derivative])
}

// ------------------------------------------------------------------ generators

fn family_json(src: &mut Source, n: usize) -> (Value, MatrixSet<Rational>) {
    match src.below(4) {
        0 | 1 => {
            let k = 1 + src.below(3) as usize;
            let vs: Vec<Matrix<Rational>> = (0..k).map(|_| src.matrix(n, n, 6, 4)).collect();
            let ty = if src.below(2) == 0 { "hull" } else { "finite" };
            let set = if ty == "hull" {
                MatrixSet::hull(vs.clone()).unwrap()
            } else {
                MatrixSet::finite(vs.clone()).unwrap()
            };
            (
                json!({"type": ty, "vertices": vs.iter().map(rows).collect::<Vec<_>>()}),
                set,
            )
        }
        2 => {
            let lo = src.matrix(n, n, 4, 3);
            let hi = Matrix::from_fn(n, n, |i, j| {
                let w = if src.below(3) == 0 {
                    Rational::new()
                } else {
                    src.small(2, 3).abs()
                };
                Rational::from(&lo[(i, j)] + &w)
            });
            (
                json!({"type": "box", "lo": rows(&lo), "hi": rows(&hi)}),
                MatrixSet::interval_box(lo, hi).unwrap(),
            )
        }
        _ => {
            let q_lo: Vec<Rational> = (0..n)
                .map(|_| {
                    if src.below(2) == 0 {
                        Rational::new()
                    } else {
                        src.small(1, 2)
                    }
                })
                .collect();
            let q_hi: Vec<Rational> = q_lo
                .iter()
                .map(|l| Rational::from(l + &src.small(2, 2).abs()))
                .collect();
            let m = src.matrix(n, n, 5, 4);
            let offset = if src.below(2) == 0 {
                Matrix::zeros(n, n)
            } else {
                src.matrix(n, n, 1, 4)
            };
            let v = json!({"type": "diag_box", "q_lo": q_lo.iter().map(t).collect::<Vec<_>>(), "q_hi": q_hi.iter().map(t).collect::<Vec<_>>(), "m": rows(&m), "offset": rows(&offset)});
            (v, MatrixSet::diag_box(q_lo, q_hi, m, offset).unwrap())
        }
    }
}

fn certificate_value(c: &Certificate) -> Value {
    serde_json::from_str(&to_json(c)).unwrap_or(Value::Null)
}

/// Mutate one number of a certificate (or change one word letter, or a witness).
fn mutate(src: &mut Source, v: &mut Value) {
    let mut slots: Vec<String> = Vec::new();
    collect_numbers(v, String::new(), &mut slots);
    if slots.is_empty() {
        return;
    }
    let path = &slots[src.below(slots.len() as u64) as usize];
    let Some(slot) = v.pointer_mut(path) else {
        return;
    };
    match slot {
        Value::String(s) => {
            let old = parse_rational(s).unwrap_or_default();
            let new = match src.below(6) {
                0 => Rational::from(&old * &src.small(3, 3)),
                1 => Rational::from(&old + &src.small(1, 1000)),
                2 => -old,
                3 => Rational::from(&old * &Rational::from((999, 1000))),
                4 => src.small(3, 2),
                _ => Rational::from(&old + &Rational::from((1, 1_000_000_000))),
            };
            *s = t(&new);
        }
        Value::Number(_) => *slot = json!(src.below(3)),
        _ => {}
    }
}

fn collect_numbers(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::String(s) if parse_rational(s).is_ok() => out.push(path),
        Value::Number(_) => out.push(path),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| collect_numbers(x, format!("{path}/{i}"), out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| collect_numbers(x, format!("{path}/{k}"), out)),
        _ => {}
    }
}

fn cert(subject: Value, claim: Value) -> Value {
    json!({"format": "piggyback-certificate", "version": 2, "subject": subject, "claim": claim})
}

/// One generated case: the text of a certificate, honest or forged.
pub fn generate(src: &mut Source) -> String {
    let honest = src.below(3) != 0;
    let mut v = match src.below(9) {
        0..=2 => gen_family_norm(src),
        3 => gen_family_refutation(src),
        4 => gen_invertible(src),
        5 | 6 => gen_relu(src),
        7 => gen_pwa(src),
        _ => gen_fixed_point(src),
    };
    if !honest || v.is_null() {
        let times = 1 + src.below(2);
        for _ in 0..times {
            mutate(src, &mut v);
        }
    }
    v.to_string()
}

fn gen_family_norm(src: &mut Source) -> Value {
    let n = 1 + src.below(3) as usize;
    let (fam, set) = family_json(src, n);
    let opts = SearchOptions {
        max_digits: 4,
        bisection_steps: 4,
        max_iter: 300,
    };
    let finder = match src.below(5) {
        0 => find_norm_bound(&set, piggyback::linalg::norms::Norm::Two, &opts).ok(),
        1 => find_norm_bound(&set, piggyback::linalg::norms::Norm::One, &opts).ok(),
        2 => find_norm_bound(&set, piggyback::linalg::norms::Norm::Inf, &opts).ok(),
        3 if n <= 2 => find_weighted_bound(&set, &opts).ok(),
        _ => None,
    };
    match finder {
        Some(c) => certificate_value(&c),
        None => {
            let norm = match src.below(4) {
                0 => json!({"type": "two"}),
                1 => json!({"type": "one"}),
                2 => json!({"type": "inf"}),
                _ => {
                    let l = src.matrix(n, n, 3, 2);
                    let p = l
                        .matmul(&l.transpose())
                        .expect("square")
                        .add(&Matrix::identity(n).scale(&src.small(1, 4).abs()))
                        .expect("shape");
                    json!({"type": "weighted", "p": rows(&p)})
                }
            };
            cert(
                json!({"type": "family", "family": fam}),
                json!({"kind": "norm_bound", "norm": norm, "rho": t(&src.small(12, 4).abs())}),
            )
        }
    }
}

fn gen_family_refutation(src: &mut Source) -> Value {
    let n = 1 + src.below(3) as usize;
    let k = 1 + src.below(3) as usize;
    let vs: Vec<Matrix<Rational>> = (0..k).map(|_| src.matrix(n, n, 5, 3)).collect();
    let set = MatrixSet::hull(vs.clone()).unwrap();
    let r = if src.below(3) == 0 {
        src.small(3, 2).abs()
    } else {
        Rational::from(1)
    };
    if src.below(2) == 0 {
        if let Ok(Some(c)) = find_refutation(&set, &r, 3) {
            return certificate_value(&c);
        }
    }
    let len = 1 + src.below(4) as usize;
    let word: Vec<u64> = (0..len).map(|_| src.below(k as u64)).collect();
    let witness = match src.below(3) {
        0 => json!({"type": "determinant"}),
        1 => json!({"type": "trace_power", "k": 1 + src.below(6)}),
        _ => {
            let lo = src.small(20, 4);
            json!({"type": "real_root", "lo": t(&lo), "hi": t(&Rational::from(&lo + &src.small(3, 4).abs()))})
        }
    };
    cert(
        json!({"type": "family", "family": {"type": "hull", "vertices": vs.iter().map(rows).collect::<Vec<_>>()}}),
        json!({"kind": "refutation", "r": t(&r), "word": word, "witness": witness}),
    )
}

fn gen_invertible(src: &mut Source) -> Value {
    let n = 1 + src.below(3) as usize;
    let vs: Vec<Matrix<Rational>> = (0..2).map(|_| src.matrix(n, n, 4, 3)).collect();
    let set = MatrixSet::hull(vs.clone()).unwrap();
    if src.below(2) == 0 {
        if let Ok(c) = certify_invertible(
            &set,
            &SearchOptions {
                max_digits: 4,
                bisection_steps: 4,
                max_iter: 300,
            },
        ) {
            return certificate_value(&c);
        }
    }
    let r = src.matrix(n, n, 4, 3);
    cert(
        json!({"type": "family", "family": {"type": "hull", "vertices": vs.iter().map(rows).collect::<Vec<_>>()}}),
        json!({"kind": "invertible", "witness": {"type": "preconditioner", "r": rows(&r)}}),
    )
}

/// A ReLU layer problem through the main crate's problem finder (map or field
/// refutations, contractions), or a random claim about it.
fn gen_relu(src: &mut Source) -> Value {
    let n = 1 + src.below(2) as usize;
    let w = if src.below(3) == 0 {
        // Equal rows: the rank-one situation of the trust issue.
        let row: Vec<Rational> = (0..n).map(|_| src.small(4, 2)).collect();
        Matrix::from_fn(n, n, |_, j| row[j].clone())
    } else {
        src.matrix(n, n, 4, 3)
    };
    let b: Vec<Rational> = (0..n).map(|_| src.small(3, 2)).collect();
    let problem = json!({"map": {"kind": "relu_layer", "w": rows(&w), "b": b.iter().map(t).collect::<Vec<_>>()}, "theta": []});
    problem_claim(src, problem, n, true)
}

/// A continuous two-piece map: A on {gᵀx ≤ 0}, A + u gᵀ on {gᵀx ≥ 0} (they agree on
/// the common boundary), or a discontinuous variant.
fn gen_pwa(src: &mut Source) -> Value {
    let n = 1 + src.below(2) as usize;
    let a = src.matrix(n, n, 4, 3);
    let g: Vec<Rational> = (0..n).map(|_| src.small(2, 1)).collect();
    let g = if g.iter().all(|x| *x == 0) {
        vec![Rational::from(1); n]
    } else {
        g
    };
    let u: Vec<Rational> = (0..n).map(|_| src.small(3, 2)).collect();
    let a2 = Matrix::from_fn(n, n, |i, j| {
        Rational::from(&a[(i, j)] + &Rational::from(&u[i] * &g[j]))
    });
    let c2 = if src.below(4) == 0 {
        src.small(2, 1)
    } else {
        Rational::new()
    };
    let gneg: Vec<String> = g.iter().map(|x| t(&-x.clone())).collect();
    let piece = |a: &Matrix<Rational>, c0: &Rational, row: Vec<String>| {
        let mut c = vec!["0".to_string(); n];
        c[0] = t(c0);
        json!({"a": rows(a), "b": vec![Vec::<String>::new(); n], "c": c, "g": [row], "h": ["0"]})
    };
    let problem = json!({"map": {"kind": "piecewise_affine", "pieces": [
        piece(&a, &Rational::new(), g.iter().map(t).collect()), piece(&a2, &c2, gneg)]}, "theta": []});
    problem_claim(src, problem, n, false)
}

fn problem_claim(src: &mut Source, problem: Value, n: usize, relu: bool) -> Value {
    if src.below(2) == 0 {
        // The main crate's finder on the same problem, written as a problem file.
        let mut map = problem["map"].clone();
        if let Some(pieces) = map["pieces"].as_array_mut() {
            for piece in pieces {
                piece.as_object_mut().map(|o| o.remove("b"));
            }
        }
        let file = json!({"piggyback_problem": 1, "map": map, "theta": problem["theta"]});
        if let Ok(p) =
            piggyback::io::problem::Problem::parse(&file.to_string(), std::path::Path::new("."))
        {
            if let Ok(piggyback::certify::problem::Outcome::Certified(c)) =
                piggyback::certify::problem::certify_problem(&p)
            {
                return certificate_value(&c.certificate);
            }
        }
    }
    let kind = if src.below(2) == 0 { "map" } else { "field" };
    let claim = if src.below(2) == 0 {
        json!({"kind": "norm_bound", "norm": {"type": "two"}, "rho": t(&src.small(10, 4).abs())})
    } else {
        let len = 1 + src.below(3) as usize;
        let word: Vec<Value> = (0..len)
            .map(|_| {
                if relu {
                    json!((0..n).map(|_| src.below(2)).collect::<Vec<_>>())
                } else {
                    json!(src.below(2))
                }
            })
            .collect();
        let points: Vec<Vec<String>> = (0..len)
            .map(|_| (0..n).map(|_| t(&src.small(3, 2))).collect())
            .collect();
        json!({"kind": "refutation", "r": "1", "word": word, "witness": {"type": "trace_power", "k": 1 + src.below(4)}, "points": points})
    };
    cert(json!({"type": kind, "problem": problem}), claim)
}

fn gen_fixed_point(src: &mut Source) -> Value {
    let p = 1 + src.below(3) as usize;
    let rows_n = p + src.below(2) as usize;
    let a = src.matrix(rows_n, p, 4, 2);
    if a.as_slice().iter().all(|x| *x == 0) {
        return Value::Null;
    }
    let b: Vec<Rational> = (0..rows_n).map(|_| src.small(4, 2)).collect();
    let l1 = Rational::from((1 + src.below(8) as i64, 4));
    let l2 = if src.below(2) == 0 {
        Rational::new()
    } else {
        Rational::from((src.below(4) as i64, 4))
    };
    let gamma = Rational::from(1) / a.norm_frobenius_sq();
    let penalty = if l2 == 0 && src.below(2) == 0 {
        Penalty::Lasso
    } else {
        Penalty::ElasticNet
    };
    let problem = FbProblem {
        a: a.clone(),
        b: b.clone(),
        gamma,
        lambda1: l1,
        lambda2: l2,
        penalty,
        splitting: if penalty == Penalty::ElasticNet && src.below(2) == 0 {
            Splitting::Smooth
        } else {
            Splitting::Prox
        },
    };
    // The f64 solve the finder starts from.
    let fb = piggyback::maps::ForwardBackward::with_splitting(
        piggyback::maps::Design::Dense(a.to_f64()),
        b.iter().map(Scalar::to_f64).collect(),
        penalty,
        piggyback::maps::StepRule::Given(problem.gamma.to_f64()),
        problem.splitting,
        &0.0,
    );
    let theta: Vec<f64> = match penalty {
        Penalty::Lasso => vec![problem.lambda1.to_f64()],
        Penalty::ElasticNet => vec![problem.lambda1.to_f64(), problem.lambda2.to_f64()],
        other => panic!("no θ for {other:?}"),
    };
    let x = fb
        .ok()
        .and_then(|fb| {
            let opts = piggyback::diff::IterOptions {
                max_iter: 100_000,
                tol: 1e-15,
                ..Default::default()
            };
            piggyback::diff::fixed_point::solve_fixed_point(
                &fb,
                &vec![0.0; p],
                &theta,
                &opts,
                piggyback::linalg::norms::Norm::Inf,
            )
            .ok()
        })
        .map(|s| s.x);
    match x.and_then(|x| certify_fixed_point(&problem, &x).ok()) {
        Some(c) => fixed_point_value(&c),
        None => {
            // A random claim about the same problem.
            let pd = problem.problem_data();
            json!({"format": "piggyback-fixed-point-certificate", "version": 2, "problem": pd,
                   "rho": t(&src.small(9, 10).abs()), "center": (0..p).map(|_| t(&src.small(3, 2))).collect::<Vec<_>>(),
                   "radius": t(&src.small(3, 4).abs()), "signs": (0..p).map(|_| json!(src.below(3) as i64 - 1)).collect::<Vec<_>>()})
        }
    }
}

fn fixed_point_value(c: &FixedPointCertificate) -> Value {
    serde_json::from_str(&to_json(c)).unwrap_or(Value::Null)
}

// ------------------------------------------------------------------ a campaign

/// Counts of a campaign.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Cases run.
    pub cases: u64,
    /// Accepted by the kernel.
    pub accepted: u64,
    /// Accepted and confirmed by the oracle.
    pub confirmed: u64,
    /// Accepted; the oracle could not decide within its margin.
    pub inconclusive: u64,
    /// Accepted although false (must stay 0), with the first few texts.
    pub unsound: Vec<(String, String)>,
    /// Per claim kind (`subject/claim`): cases, accepted, confirmed.
    pub by_kind: std::collections::BTreeMap<String, [u64; 3]>,
}

impl Stats {
    /// Run one case and count it.
    pub fn run(&mut self, text: &str) -> Judgement {
        self.cases += 1;
        let j = judge(text);
        let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let kind = format!(
            "{}/{}",
            v["subject"]["type"].as_str().unwrap_or("fixed_point"),
            v["claim"]["kind"].as_str().unwrap_or("fixed_point")
        );
        let slot = self.by_kind.entry(kind).or_default();
        slot[0] += 1;
        if !matches!(j, Judgement::Refused) {
            slot[1] += 1;
        }
        if matches!(j, Judgement::Confirmed) {
            slot[2] += 1;
        }
        match &j {
            Judgement::Refused => {}
            Judgement::Confirmed => {
                self.accepted += 1;
                self.confirmed += 1;
            }
            Judgement::Inconclusive(_) => {
                self.accepted += 1;
                self.inconclusive += 1;
            }
            Judgement::Unsound(why) => {
                self.accepted += 1;
                if self.unsound.len() < 10 {
                    self.unsound.push((why.clone(), text.to_string()));
                }
            }
        }
        j
    }
}
