//! Certify a problem file: a contraction of its map, or else a refutation of its map or,
//! failing that, of its conservative field; each returned only after the kernel has
//! accepted it (see `docs/verdicts.md` for what each verdict means).
//!
//! 1. The problem is resolved ([`Problem::embed`]) and read by the kernel first: a
//!    piecewise-affine list that is not a continuous, everywhere defined map, or a
//!    problem too large to check, is refused before any search.
//! 2. Norm bounds in the 2-, ∞- and 1-norms, then a weighted norm, over the family
//!    `𝒟 ∋ ∂ₓF` (the same family the kernel re-derives), written as claims about the
//!    **map**.
//! 3. Refutations: products of the family's extreme points with spectral radius `> 1`;
//!    a word is written as a refutation of the **map** when every letter is the map's
//!    Jacobian on an open set (an exact point where its activation pattern holds
//!    strictly, found by the kernel's exact LP), else of the **field** when every letter
//!    is a field element somewhere (the pattern holds with weak inequalities).

use super::contraction::{self, certified_rho, SearchOptions};
use super::refute::{proven_words, scored_words};
use super::{
    accepted_with_verdict, num_text, verdict, Certificate, Claim, Letter, Subject, Verdict,
};
use crate::error::{Error, Result};
use crate::io::problem::Problem;
use crate::io::resolve::Purpose;
use crate::linalg::Matrix;
use crate::matset::{MatrixSet, MatrixSetView};
use crate::scalar::{parse_rational, Rational, Scalar};
use piggyback_kernel::lp::{self, LpOutcome};
use piggyback_kernel::problem::{MapData, ProblemData, Splitting};
use piggyback_kernel::{Budget, CheckFailure};

/// A certificate with the kernel's verdict on it.
#[derive(Clone, Debug)]
pub struct Certified {
    /// The certificate (version 2, bound to its problem).
    pub certificate: Certificate,
    /// What the kernel says it proves.
    pub verdict: Verdict,
}

/// What [`certify_problem`] concluded.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// A checked certificate.
    Certified(Box<Certified>),
    /// Neither a contraction nor a refutation was found (this proves nothing).
    Undecided(String),
}

/// The kernel's refusal of an embedded problem as a crate error.
fn problem_error(f: CheckFailure) -> Error {
    match f {
        CheckFailure::InvalidProblem(s) => {
            Error::malformed("", format!("the problem is not a map: {s}"))
        }
        CheckFailure::TooLarge(o) => Error::TooLarge {
            context: o.to_string(),
        },
        other => Error::malformed("", other.to_string()),
    }
}

/// Certify a problem (see the module documentation).
pub fn certify_problem(problem: &Problem) -> Result<Outcome> {
    certify_problem_with(problem, &|_| {})
}

/// [`certify_problem`], announcing each stage through `step` (for a progress display).
pub fn certify_problem_with(problem: &Problem, step: &dyn Fn(&str)) -> Result<Outcome> {
    step("resolving the problem and validating it in the kernel");
    problem.check_size(Purpose::Certify)?;
    let data = problem.embed()?;
    piggyback_kernel::problem::Problem::parse(&data, "problem", &mut Budget::default())
        .map_err(problem_error)?;
    let map = problem.build_map::<Rational>()?;
    let family = map.state_jacobian_family(&problem.theta::<Rational>()?)?;
    let subject = Subject::Map {
        problem: data.clone(),
    };
    let opts = SearchOptions::default();
    let one = Rational::from(1);
    let mut best: Option<(Rational, Certificate)> = None;
    for (norm, label) in [
        (crate::linalg::norms::Norm::Two, "2"),
        (crate::linalg::norms::Norm::Inf, "∞"),
        (crate::linalg::norms::Norm::One, "1"),
    ] {
        step(&format!(
            "searching for a contraction bound of the map in the {label}-norm"
        ));
        match contraction::find_norm_bound_for(&subject, &family, norm, &opts) {
            Ok(c) => {
                if let Some(r) = certified_rho(&c) {
                    if best.as_ref().map_or(true, |(b, _)| r < *b) {
                        best = Some((r, c));
                    }
                }
            }
            Err(e @ Error::TooLarge { .. }) => return Err(e),
            Err(_) => {}
        }
    }
    if let Some((_, c)) = best.filter(|(r, _)| *r < one) {
        return certified(c);
    }
    step("searching for a weighted-norm contraction bound of the map");
    if let Ok(c) = contraction::find_weighted_bound_for(&subject, &family, &opts) {
        if certified_rho(&c).is_some_and(|r| r < one) {
            return certified(c);
        }
    }
    step("searching for a refutation (products of Jacobian vertices, with witness points)");
    if let Some(c) = refute(&data, &family)? {
        return Ok(Outcome::Certified(Box::new(c)));
    }
    Ok(Outcome::Undecided(
        "no norm bound below 1 and no product with spectral radius > 1 was found".into(),
    ))
}

fn certified(c: Certificate) -> Result<Outcome> {
    let v = verdict(&c)?;
    Ok(Outcome::Certified(Box::new(Certified {
        certificate: c,
        verdict: v,
    })))
}

/// Largest number of extreme points enumerated for a refutation search.
const MAX_REFUTE_VERTICES: usize = 1 << 6;

/// Extreme points and the letters naming them.
type Lettered = (Vec<Matrix<Rational>>, Vec<Letter>);

/// The family's extreme points with their letters (`None` when there are too many).
fn letters_of(family: &MatrixSet<Rational>) -> Result<Option<Lettered>> {
    Ok(match family.view() {
        MatrixSetView::Finite(v) | MatrixSetView::Hull(v) => {
            Some((v.to_vec(), (0..v.len()).map(Letter::Index).collect()))
        }
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => {
            let n = q_lo.len();
            if n >= usize::BITS as usize || (1usize << n) > MAX_REFUTE_VERTICES {
                return Ok(None);
            }
            let mut vs = Vec::with_capacity(1 << n);
            let mut ls = Vec::with_capacity(1 << n);
            for mask in 0usize..1 << n {
                let bits: Vec<u8> = (0..n).map(|i| ((mask >> i) & 1) as u8).collect();
                let q: Vec<Rational> = (0..n)
                    .map(|i| {
                        if bits[i] == 1 {
                            q_hi[i].clone()
                        } else {
                            q_lo[i].clone()
                        }
                    })
                    .collect();
                vs.push(m.scale_rows(&q)?.add(offset)?);
                ls.push(Letter::Pattern(bits));
            }
            Some((vs, ls))
        }
        MatrixSetView::Box { .. } => None,
    })
}

fn refute(data: &ProblemData, family: &MatrixSet<Rational>) -> Result<Option<Certified>> {
    let Some((vs, letters)) = letters_of(family)? else {
        return Ok(None);
    };
    let one = Rational::from(1);
    // The longest words whose count stays within the scoring cap.
    let max_len = (1..=6)
        .rev()
        .find(|&l| {
            vs.len()
                .checked_pow(l as u32)
                .is_some_and(|c| c * 2 <= super::refute::MAX_WORDS)
        })
        .unwrap_or(1);
    let words = scored_words(&vs, &one, max_len)?;
    let proven = proven_words(&vs, words, &one)?;
    let exact = Exact::read(data)?;
    for strict in [true, false] {
        for (word, witness) in &proven {
            let mut points = Vec::with_capacity(word.len());
            for &i in word {
                match exact.point(&letters[i], strict)? {
                    Some(x) => points.push(x.iter().map(num_text).collect()),
                    None => break,
                }
            }
            if points.len() < word.len() {
                continue;
            }
            let subject = if strict {
                Subject::Map {
                    problem: data.clone(),
                }
            } else {
                Subject::Field {
                    problem: data.clone(),
                }
            };
            let claim = Claim::Refutation {
                r: "1".into(),
                word: word.iter().map(|&i| letters[i].clone()).collect(),
                witness: witness.clone(),
                points: Some(points),
            };
            match accepted_with_verdict(subject, claim) {
                Ok((certificate, verdict)) => {
                    return Ok(Some(Certified {
                        certificate,
                        verdict,
                    }))
                }
                Err(e @ Error::TooLarge { .. }) => return Err(e),
                Err(_) => {}
            }
        }
    }
    Ok(None)
}

// ------------------------------------------------------------------ witness points

/// The exact data a witness point search needs, read from the embedded problem (what
/// the kernel reads).
enum Exact {
    /// `z(x) = M'x + s`, threshold `τ`.
    Fb {
        mp: Matrix<Rational>,
        s: Vec<Rational>,
        tau: Rational,
    },
    /// `s(x) = Wx + o`.
    Relu {
        w: Matrix<Rational>,
        o: Vec<Rational>,
    },
    /// Regions sliced at `θ`: `G_x x ≤ h − G_θ θ`, plus whether the `x`-free rows hold
    /// (weakly, strictly).
    Pwa { n: usize, regions: Vec<Slice> },
}

struct Slice {
    g: Vec<Vec<Rational>>,
    h: Vec<Rational>,
    fixed_weak: bool,
    fixed_strict: bool,
}

fn q(t: &str) -> Result<Rational> {
    parse_rational(t)
}
fn qs(ts: &[String]) -> Result<Vec<Rational>> {
    ts.iter().map(|t| q(t)).collect()
}
fn mat(rows: &[Vec<String>]) -> Result<Matrix<Rational>> {
    let rows: Vec<Vec<Rational>> = rows.iter().map(|r| qs(r)).collect::<Result<_>>()?;
    Matrix::from_rows(&rows)
}

impl Exact {
    fn read(d: &ProblemData) -> Result<Exact> {
        let theta = qs(&d.theta)?;
        Ok(match &d.map {
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
                let a = mat(design)?;
                let b = qs(response)?;
                let gamma = q(step)?;
                let p = a.cols();
                let gram = a.transpose().matmul(&a)?;
                // z = M'x + γAᵀb with M' = dI − γAᵀA: d = 1 − γλ₂ under the smooth
                // splitting, else 1 (the prox factor c > 0 does not move |z| vs τ).
                let diag = match &d.map {
                    MapData::ElasticNet {
                        splitting: Splitting::Smooth,
                        ..
                    } => Rational::from(1).sub(&gamma.mul(theta.get(1).ok_or_else(|| {
                        Error::IndexOutOfRange {
                            what: "θ = (λ₁, λ₂)".into(),
                            index: 1,
                            len: theta.len(),
                        }
                    })?)),
                    _ => Rational::from(1),
                };
                let mp = Matrix::identity(p).scale(&diag).sub(&gram.scale(&gamma))?;
                let s = a.tr_mul_vec(&b)?.iter().map(|v| v.mul(&gamma)).collect();
                let tau = gamma.mul(
                    theta
                        .first()
                        .ok_or_else(|| Error::Empty { what: "θ".into() })?,
                );
                Exact::Fb { mp, s, tau }
            }
            MapData::ReluLayer { w, u, b } => {
                let w = mat(w)?;
                let mut o = qs(b)?;
                if let Some(u) = u {
                    let ut = mat(u)?.mul_vec(&theta)?;
                    o = o.iter().zip(&ut).map(|(x, y)| x.add(y)).collect();
                }
                Exact::Relu { w, o }
            }
            MapData::PiecewiseAffine { pieces } => {
                let n = pieces.first().map_or(0, |p| p.a.len());
                let mut regions = Vec::with_capacity(pieces.len());
                for p in pieces {
                    let (mut g, mut h) = (Vec::new(), Vec::new());
                    let (mut fixed_weak, mut fixed_strict) = (true, true);
                    for (row, hr) in p.g.iter().zip(&p.h) {
                        let row = qs(row)?;
                        let rhs = row[n..]
                            .iter()
                            .zip(&theta)
                            .fold(q(hr)?, |acc, (gi, ti)| acc.sub(&gi.mul(ti)));
                        if row[..n].iter().all(|v| *v == 0) {
                            // A row without x: holds or not, whatever x is. The kernel
                            // accepts a row that is zero in (x, θ) with 0 ≤ h.
                            let all_zero = row.iter().all(|v| *v == 0);
                            fixed_weak &= rhs >= 0;
                            fixed_strict &= if all_zero { rhs >= 0 } else { rhs > 0 };
                        } else {
                            g.push(row[..n].to_vec());
                            h.push(rhs);
                        }
                    }
                    regions.push(Slice {
                        g,
                        h,
                        fixed_weak,
                        fixed_strict,
                    });
                }
                Exact::Pwa { n, regions }
            }
        })
    }

    /// An exact point where `letter` holds (strictly or weakly), if one is found.
    fn point(&self, letter: &Letter, strict: bool) -> Result<Option<Vec<Rational>>> {
        let neg = |v: &[Rational]| v.iter().map(|x| x.neg()).collect::<Vec<_>>();
        match (self, letter) {
            (Exact::Relu { w, o }, Letter::Pattern(bits)) => {
                // q = 1: −Wᵢx < oᵢ; q = 0: Wᵢx < −oᵢ.
                let (mut g, mut h) = (Vec::new(), Vec::new());
                for (i, &b) in bits.iter().enumerate() {
                    if b == 1 {
                        g.push(neg(&w.row(i)));
                        h.push(o[i].clone());
                    } else {
                        g.push(w.row(i));
                        h.push(o[i].neg());
                    }
                }
                solve(w.rows(), &g, &h, strict)
            }
            (Exact::Fb { mp, s, tau }, Letter::Pattern(bits)) => {
                let n = mp.rows();
                let active: Vec<usize> = (0..n).filter(|&i| bits[i] == 1).collect();
                // Sign choices for the active coordinates: all +, all −, a few mixed.
                let tries = 2 + active.len().min(6);
                for t in 0..tries {
                    let (mut g, mut h) = (Vec::new(), Vec::new());
                    for i in 0..n {
                        let row = mp.row(i);
                        if bits[i] == 1 {
                            let k = active.iter().position(|&a| a == i).unwrap_or(0);
                            let plus = match t {
                                0 => true,
                                1 => false,
                                t => (k + t) % 2 == 0,
                            };
                            if plus {
                                // zᵢ > τ: −M'ᵢx < sᵢ − τ.
                                g.push(neg(&row));
                                h.push(s[i].sub(tau));
                            } else {
                                // zᵢ < −τ: M'ᵢx < −τ − sᵢ.
                                g.push(row);
                                h.push(tau.neg().sub(&s[i]));
                            }
                        } else {
                            // |zᵢ| < τ.
                            g.push(row.clone());
                            h.push(tau.sub(&s[i]));
                            g.push(neg(&row));
                            h.push(tau.add(&s[i]));
                        }
                    }
                    if let Some(x) = solve(n, &g, &h, strict)? {
                        return Ok(Some(x));
                    }
                }
                Ok(None)
            }
            (Exact::Pwa { n, regions }, Letter::Index(i)) => {
                let Some(r) = regions.get(*i) else {
                    return Ok(None);
                };
                if !(if strict { r.fixed_strict } else { r.fixed_weak }) {
                    return Ok(None);
                }
                solve(*n, &r.g, &r.h, strict)
            }
            _ => Ok(None),
        }
    }
}

/// A point with `g x < h` (strict) or `g x ≤ h`, by the kernel's exact LP.
fn solve(
    n: usize,
    g: &[Vec<Rational>],
    h: &[Rational],
    strict: bool,
) -> Result<Option<Vec<Rational>>> {
    let mut budget = Budget::default();
    let over = |o: piggyback_kernel::OverBudget| Error::TooLarge {
        context: o.to_string(),
    };
    if strict {
        return Ok(
            match lp::interior_point_or_certificate(n, g, h, &mut budget).map_err(over)? {
                lp::Interior::Point(z) => Some(z),
                lp::Interior::Empty(_) => None,
            },
        );
    }
    Ok(
        match lp::maximize(&vec![Rational::new(); n], g, h, &mut budget).map_err(over)? {
            LpOutcome::Optimal { point, .. } | LpOutcome::Unbounded { point, .. } => Some(point),
            LpOutcome::Infeasible => None,
        },
    )
}
