//! The checker of family, field and map certificates.
//!
//! | claim | preconditions | what is checked, exactly |
//! |---|---|---|
//! | `norm_bound` (`sup_{A∈𝒟} ‖A‖ ≤ ρ`) | `ρ ≥ 0`; weight `P` symmetric, `P ≻ 0` | at every extreme point `A` of `𝒟` (a norm is convex, so its sup over a hull or box is at an extreme point): `ρ²I − AᵀA ⪰ 0` (‖·‖₂), absolute row/column sums `≤ ρ` (‖·‖_∞, ‖·‖₁), `ρ²P − AᵀPA ⪰ 0` (‖·‖_P) |
//! | `refutation` (joint spectral radius `> r`) | `r ≥ 0`; word non-empty, letters in range; one witness point per letter for field/map subjects; `lo ≤ hi` beyond `±r^L`; trace power `k ≥ 1` | the product `Π` of the letters has `ρ(Π) > r^L` by the witness; each point shows its letter is a field element there (weak inequalities) or the map's Jacobian on an open set around it (strict) |
//! | `invertible` (`I − A` invertible on `𝒟`) | Neumann: `0 ≤ ρ < 1`; not for map subjects | Neumann: a norm bound `ρ < 1`; preconditioner: `‖I − R(I − A)‖_∞ < 1` over the entrywise bounding box |
//!
//! Why a refutation proves what it says: for any operator norm, `ρ(Π) ≤ ‖Π‖ ≤ Π‖A_{wₖ}‖`,
//! so `ρ(Π) > r^L` forces some letter to have norm `> r`. For a map, a letter that is the
//! Jacobian on an open set has norm `≤` the map's Lipschitz constant in that norm.
//!
//! Before any of this work, the check replays itself on sizes ([`crate::cost::Plan`])
//! and charges the total to the budget: an input over budget is refused first.

use crate::budget::Budget;
use crate::certificate::{
    column, matrix, num, square, Certificate, Claim, FamilyData, InvertWitness, Letter, NormSpec,
    RadiusWitness, Rows, Subject,
};
use crate::cost::{clog2, Plan, ScalarBits, Size};
use crate::error::{bad_data, reject, Checked};
use crate::matrix::Mat;
use crate::number::format_rational;
use crate::problem::{Family, Problem};
use crate::verdict::{self, Norm, ProblemSummary, Verdict};
use rug::ops::Pow;
use rug::{Integer, Rational};
use std::borrow::Cow;
use std::cmp::Ordering;

/// Longest product word in a refutation (a structural cap; the budget bounds the work).
pub const MAX_WORD: usize = 4_096;
/// Largest power `k` of a trace-power witness (a structural cap, as above).
pub const MAX_TRACE_POWER: u64 = 4_096;

/// Re-verify a certificate within `budget`. `Ok(verdict)`: the claim is proven and the
/// verdict states what it proves about which subject.
pub fn check(c: &Certificate, budget: &mut Budget) -> Checked<Verdict> {
    crate::certificate::check_head(&c.format, u64::from(c.version), crate::certificate::FORMAT)?;
    let (family, problem, subject) = match &c.subject {
        Subject::Family { family } => (
            parse_family(family, budget)?,
            None,
            verdict::Subject::WrittenFamily,
        ),
        Subject::Field { problem } | Subject::Map { problem } => {
            let p = Problem::parse(problem, "subject.problem", budget)?;
            let s = ProblemSummary::of(&p);
            let subject = match &c.subject {
                Subject::Map { .. } => verdict::Subject::Map(s),
                _ => verdict::Subject::Field(s),
            };
            (p.family(), Some(p), subject)
        }
    };
    let n = dim(&family);
    let claim = match &c.claim {
        Claim::NormBound { norm, rho } => {
            let rho = num(rho, "claim.rho")?;
            if rho.cmp0() == Ordering::Less {
                return Err(reject(
                    "precondition: ρ ≥ 0",
                    format!("ρ = {}", format_rational(&rho)),
                ));
            }
            let norm = norm_bound(&family, n, norm, &rho, budget)?;
            verdict::Claim::NormBound { norm, rho }
        }
        Claim::Refutation {
            r,
            word,
            witness,
            points,
        } => {
            let strict = matches!(subject, verdict::Subject::Map(_));
            refutation(
                &family,
                n,
                problem.as_ref(),
                strict,
                r,
                word,
                witness,
                points.as_deref(),
                budget,
            )?
        }
        Claim::Invertible { witness } => {
            if matches!(subject, verdict::Subject::Map(_)) {
                return Err(bad_data(
                    "subject",
                    "invertibility of I − A is a claim about Jacobian elements: use a field or family subject",
                ));
            }
            match witness {
                InvertWitness::Neumann { norm, rho } => {
                    let rho = num(rho, "claim.witness.rho")?;
                    if rho.cmp0() == Ordering::Less || rho >= 1 {
                        return Err(reject(
                            "precondition: 0 ≤ ρ < 1 (Neumann)",
                            format!("ρ = {}", format_rational(&rho)),
                        ));
                    }
                    norm_bound(&family, n, norm, &rho, budget)?;
                }
                InvertWitness::Preconditioner { r } => preconditioner(&family, n, r, budget)?,
            }
            verdict::Claim::Invertible
        }
    };
    Ok(Verdict { subject, claim })
}

fn dim(f: &Family) -> usize {
    match f {
        // invariant: parse_family and Problem::family never give an empty vertex list.
        Family::Vertices(v) => v.first().map_or(0, Mat::rows),
        Family::Box(lohi) => lohi.cols(),
        Family::DiagBox { m, .. } => m.rows(),
    }
}

fn parse_family(d: &FamilyData, budget: &mut Budget) -> Checked<Family> {
    match d {
        FamilyData::Finite { vertices } | FamilyData::Hull { vertices } => {
            if vertices.is_empty() {
                return Err(bad_data("subject.family.vertices", "no vertices"));
            }
            let mut out: Vec<Mat> = Vec::with_capacity(vertices.len().min(1 << 16));
            for (k, v) in vertices.iter().enumerate() {
                let n = out.first().map(Mat::rows);
                out.push(square(
                    v,
                    n,
                    &format!("subject.family.vertices[{k}]"),
                    budget,
                )?);
            }
            Ok(Family::Vertices(out))
        }
        FamilyData::Box { lo, hi } => {
            let n = square(lo, None, "subject.family.lo", budget)?.rows();
            square(hi, Some(n), "subject.family.hi", budget)?;
            let stacked: Rows = lo.iter().chain(hi).cloned().collect();
            let lohi = matrix(&stacked, "subject.family", false, budget)?;
            if let Some((i, j)) = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .find(|&(i, j)| lohi.num(i, j) > lohi.num(n + i, j))
            {
                return Err(bad_data(
                    format!("subject.family.lo[{i}][{j}]"),
                    "lower bound above upper bound",
                ));
            }
            Ok(Family::Box(lohi))
        }
        FamilyData::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => {
            let m = square(m, None, "subject.family.m", budget)?;
            let n = m.rows();
            let c = square(offset, Some(n), "subject.family.offset", budget)?;
            if q_lo.len() != n || q_hi.len() != n {
                return Err(bad_data(
                    "subject.family.q_lo/q_hi",
                    format!("need {n} bounds each"),
                ));
            }
            let both: Vec<String> = q_lo.iter().chain(q_hi).cloned().collect();
            let q = column(&both, 2 * n, "subject.family.q_lo/q_hi", budget)?;
            if let Some(i) = (0..n).find(|&i| q.num(i, 0) > q.num(n + i, 0)) {
                return Err(bad_data(
                    format!("subject.family.q_lo[{i}]"),
                    "lower bound above upper bound",
                ));
            }
            let offset = (!c.is_zero()).then_some(c);
            Ok(Family::DiagBox { q, m, offset })
        }
    }
}

// ------------------------------------------------------------------ extreme points

/// The matrices a norm bound must be checked on, enumerated lazily.
enum Targets<'a> {
    List(&'a [Mat]),
    One(Mat),
    BoxVertices {
        lohi: &'a Mat,
        free: Vec<(usize, usize)>,
    },
    DiagVertices {
        q: &'a Mat,
        m: &'a Mat,
        offset: Option<&'a Mat>,
        free: Vec<usize>,
    },
}

fn pow2(bits: usize) -> u128 {
    if bits >= 127 {
        u128::MAX
    } else {
        1u128 << bits
    }
}

impl<'a> Targets<'a> {
    /// Reductions for unweighted norms (`weighted = false`):
    /// * a box: the single matrix `M = max(|lo|, |hi|)`: for `|A| ≤ M` entrywise,
    ///   `‖A‖ ≤ ‖|A|‖ ≤ ‖M‖` for the 1-, 2- and ∞-norms (`|Ax| ≤ |A||x| ≤ M|x|` and these
    ///   vector norms are monotone);
    /// * `{diag(q)M}` with no offset and `|q| ≤ 1`: `M` alone, since
    ///   `‖diag(q)M‖ ≤ ‖diag(q)‖‖M‖ ≤ ‖M‖` for these induced norms.
    ///
    /// Otherwise every extreme point (a superset of the vertices).
    fn of(f: &'a Family, weighted: bool) -> Targets<'a> {
        match f {
            Family::Vertices(v) => Targets::List(v),
            Family::Box(lohi) => {
                let n = lohi.cols();
                if !weighted {
                    let num = (0..n * n)
                        .map(|k| {
                            let (i, j) = (k / n, k % n);
                            lohi.num(i, j)
                                .clone()
                                .abs()
                                .max(lohi.num(n + i, j).clone().abs())
                        })
                        .collect();
                    return Targets::One(Mat::from_parts(n, n, lohi.den().clone(), num));
                }
                let free = (0..n)
                    .flat_map(|i| (0..n).map(move |j| (i, j)))
                    .filter(|&(i, j)| lohi.num(i, j) != lohi.num(n + i, j))
                    .collect();
                Targets::BoxVertices { lohi, free }
            }
            Family::DiagBox { q, m, offset } => {
                let n = m.rows();
                let unit = (0..2 * n).all(|k| Integer::from(q.num(k, 0).abs_ref()) <= *q.den());
                if !weighted && offset.is_none() && unit {
                    return Targets::One(m.clone());
                }
                let free = (0..n).filter(|&i| q.num(i, 0) != q.num(n + i, 0)).collect();
                Targets::DiagVertices {
                    q,
                    m,
                    offset: offset.as_ref(),
                    free,
                }
            }
        }
    }

    fn count(&self) -> u128 {
        match self {
            Targets::List(v) => v.len() as u128,
            Targets::One(_) => 1,
            Targets::BoxVertices { free, .. } => pow2(free.len()),
            Targets::DiagVertices { free, .. } => pow2(free.len()),
        }
    }

    /// An upper bound on the size of every target, and the cost of building one.
    fn size(&self, plan: &mut Plan) -> Size {
        match self {
            Targets::List(v) => v.iter().map(Mat::size).fold(v[0].size(), |a, b| Size {
                num_bits: a.num_bits.max(b.num_bits),
                den_bits: a.den_bits.max(b.den_bits),
                ..a
            }),
            Targets::One(m) => m.size(),
            Targets::BoxVertices { lohi, .. } => Size {
                rows: lohi.cols(),
                ..lohi.size()
            },
            Targets::DiagVertices { q, m, offset, .. } => {
                let s = plan.row_scale(
                    Size {
                        rows: m.rows(),
                        ..q.size()
                    },
                    m.size(),
                );
                match offset {
                    Some(c) => plan.lin(ScalarBits::int(1), s, ScalarBits::int(1), c.size()),
                    None => s,
                }
            }
        }
    }

    /// The `k`-th target (`k < count`).
    fn get(&self, k: u128) -> Mat {
        match self {
            Targets::List(v) => v[k as usize].clone(),
            Targets::One(m) => m.clone(),
            Targets::BoxVertices { lohi, free } => {
                let n = lohi.cols();
                let mut num: Vec<Integer> =
                    (0..n * n).map(|e| lohi.num(e / n, e % n).clone()).collect();
                for (b, &(i, j)) in free.iter().enumerate() {
                    if (k >> b) & 1 == 1 {
                        num[i * n + j] = lohi.num(n + i, j).clone();
                    }
                }
                Mat::from_parts(n, n, lohi.den().clone(), num)
            }
            Targets::DiagVertices { q, m, offset, free } => {
                let mut bits = vec![0u8; m.rows()];
                for (b, &i) in free.iter().enumerate() {
                    bits[i] = ((k >> b) & 1) as u8;
                }
                diag_vertex(q, m, *offset, &bits)
            }
        }
    }
}

/// `diag(q)M + C` with `qᵢ = q_lo,i` (bit 0) or `q_hi,i` (bit 1).
fn diag_vertex(q: &Mat, m: &Mat, offset: Option<&Mat>, bits: &[u8]) -> Mat {
    let n = m.rows();
    let qv = Mat::from_parts(
        n,
        1,
        q.den().clone(),
        (0..n)
            .map(|i| q.num(i + n * usize::from(bits[i]), 0).clone())
            .collect(),
    );
    let s = Mat::row_scale(&qv, m);
    match offset {
        Some(c) => Mat::lin(&Rational::from(1), &s, &Rational::from(1), c),
        None => s,
    }
}

// ------------------------------------------------------------------ norm bounds

fn norm_bound(
    f: &Family,
    n: usize,
    norm: &NormSpec,
    rho: &Rational,
    budget: &mut Budget,
) -> Checked<Norm> {
    let weight = match norm {
        NormSpec::Weighted { p } => {
            let p = square(p, Some(n), "claim.norm.p", budget)?;
            let mut plan = Plan::new();
            plan.bareiss(n, p.size().num_bits);
            plan.charge(budget, "weight P ≻ 0")?;
            if !p.is_symmetric() {
                return Err(reject("precondition: P is symmetric", "Pᵀ ≠ P"));
            }
            if !p.is_positive_definite() {
                return Err(reject(
                    "precondition: P ≻ 0",
                    "a leading principal minor of P is not > 0",
                ));
            }
            Some(p)
        }
        _ => None,
    };
    let targets = Targets::of(f, weight.is_some());
    let rho2 = Rational::from(rho.square_ref());
    let r2 = ScalarBits::of(&rho2);
    let mut one = Plan::new();
    let s = targets.size(&mut one);
    let st = Size {
        rows: s.cols,
        cols: s.rows,
        ..s
    };
    let id = Mat::identity(n).size();
    match (&weight, norm) {
        (Some(p), _) => {
            let pa = one.mul(p.size(), s);
            let apa = one.mul(st, pa);
            let gap = one.lin(r2, p.size(), ScalarBits::int(1), apa);
            one.bareiss(n, gap.num_bits);
        }
        (None, NormSpec::Two {}) => {
            let g = one.mul(st, s);
            let gap = one.lin(r2, id, ScalarBits::int(1), g);
            one.bareiss(n, gap.num_bits);
        }
        _ => one.scalar_ops(
            (n * n) as u128,
            s.num_bits + clog2(n) + ScalarBits::of(rho).num + ScalarBits::of(rho).den,
        ),
    }
    let count = targets.count();
    let mut plan = Plan::new();
    plan.work(one.work.saturating_mul(count));
    plan.peak = one.peak;
    plan.charge(budget, &format!("norm bound over {count} extreme points"))?;

    let minus_one = Rational::from(-1);
    for k in 0..count {
        let a = targets.get(k);
        let ok = match (&weight, norm) {
            (Some(p), _) => Mat::lin(&rho2, p, &minus_one, &a.transpose().mul(&p.mul(&a)))
                .is_positive_semidefinite(),
            (None, NormSpec::Two {}) => {
                Mat::lin(&rho2, &Mat::identity(n), &minus_one, &a.transpose().mul(&a))
                    .is_positive_semidefinite()
            }
            (None, NormSpec::One {}) => a.transpose().inf_norm_at_most(rho),
            (None, _) => a.inf_norm_at_most(rho),
        };
        if !ok {
            let what = match norm {
                NormSpec::Two {} => "ρ²I − AᵀA ⪰ 0",
                NormSpec::One {} => "column sums of |A| ≤ ρ",
                NormSpec::Inf {} => "row sums of |A| ≤ ρ",
                NormSpec::Weighted { .. } => "ρ²P − AᵀPA ⪰ 0",
            };
            return Err(reject(
                format!("norm bound: extreme point {k}: {what}"),
                format!("fails for ρ = {}", format_rational(rho)),
            ));
        }
    }
    Ok(match norm {
        NormSpec::Two {} => Norm::Two,
        NormSpec::One {} => Norm::One,
        NormSpec::Inf {} => Norm::Inf,
        NormSpec::Weighted { .. } => Norm::Weighted,
    })
}

// ------------------------------------------------------------------ refutations

/// Check that a letter names an extreme point of the family, without building it, and
/// return a bound on its size (`sizes` holds the vertices' sizes, or the one bound shared
/// by every extreme point of a `diag(q)M + C` family: computed once, not per letter).
fn letter_size(f: &Family, sizes: &[Size], n: usize, l: &Letter, k: usize) -> Checked<Size> {
    let at = format!("claim.word[{k}]");
    match (f, l) {
        (Family::Vertices(v), Letter::Index(i)) => sizes
            .get(*i)
            .copied()
            .ok_or_else(|| bad_data(at, format!("index {i} out of range (have {})", v.len()))),
        (Family::DiagBox { .. }, Letter::Pattern(bits)) => {
            if bits.len() != n || bits.iter().any(|&b| b > 1) {
                return Err(bad_data(
                    at,
                    format!("a pattern needs {n} bits, each 0 or 1"),
                ));
            }
            Ok(sizes[0])
        }
        (Family::Box(_), _) => Err(bad_data(
            at,
            "refutations over a box family are not supported: write its vertices",
        )),
        _ => Err(bad_data(
            at,
            "letter does not fit the family (index for vertices/pieces, bit pattern for diag(q)M)",
        )),
    }
}

/// The matrix of a letter checked by [`letter_size`] (built only when needed).
fn letter_matrix<'a>(f: &'a Family, l: &Letter) -> Cow<'a, Mat> {
    match (f, l) {
        (Family::Vertices(v), Letter::Index(i)) => Cow::Borrowed(&v[*i]),
        (Family::DiagBox { q, m, offset }, Letter::Pattern(bits)) => {
            Cow::Owned(diag_vertex(q, m, offset.as_ref(), bits))
        }
        // invariant: letter_size accepted the letter, so no other pair reaches here.
        _ => Cow::Owned(Mat::identity(0)),
    }
}

#[allow(clippy::too_many_arguments)]
fn refutation(
    f: &Family,
    n: usize,
    problem: Option<&Problem>,
    strict: bool,
    r: &str,
    word: &[Letter],
    witness: &RadiusWitness,
    points: Option<&[Vec<String>]>,
    budget: &mut Budget,
) -> Checked<verdict::Claim> {
    let r = num(r, "claim.r")?;
    if r.cmp0() == Ordering::Less {
        return Err(reject(
            "precondition: r ≥ 0",
            format!("r = {}", format_rational(&r)),
        ));
    }
    if word.is_empty() {
        return Err(reject(
            "precondition: the word is non-empty",
            "empty product",
        ));
    }
    if word.len() > MAX_WORD {
        return Err(bad_data(
            "claim.word",
            format!("length {} above the cap {MAX_WORD}", word.len()),
        ));
    }
    let mut plan = Plan::new();
    let mut one = Plan::new();
    let family_sizes: Vec<Size> = match f {
        Family::Vertices(v) => v.iter().map(Mat::size).collect(),
        Family::DiagBox { .. } => vec![Targets::of(f, true).size(&mut one)],
        Family::Box(_) => vec![],
    };
    let sizes: Vec<Size> = word
        .iter()
        .enumerate()
        .map(|(k, l)| letter_size(f, &family_sizes, n, l, k))
        .collect::<Checked<_>>()?;
    // Building a pattern letter costs what building one extreme point costs.
    plan.work(one.work.saturating_mul(sizes.len() as u128));
    let xs: Vec<Mat> = match (problem, points) {
        (None, None) => vec![],
        (None, Some(_)) => {
            return Err(bad_data(
                "claim.points",
                "witness points only for field and map subjects",
            ))
        }
        (Some(_), None) => {
            return Err(bad_data(
                "claim.points",
                "field and map refutations need one point per letter",
            ))
        }
        (Some(_), Some(ps)) => {
            if ps.len() != word.len() {
                return Err(bad_data(
                    "claim.points",
                    format!("{} points for {} letters", ps.len(), word.len()),
                ));
            }
            ps.iter()
                .enumerate()
                .map(|(k, x)| column(x, n, &format!("claim.points[{k}]"), budget))
                .collect::<Checked<_>>()?
        }
    };
    let len = word.len() as u64;
    let tb = ScalarBits::of(&r).pow(len);

    // The plan: witness points, the product, the witness.
    if let Some(p) = problem {
        for x in &xs {
            p.plan_point(&mut plan, x.size());
        }
    }
    plan.scalar_ops(
        u128::from(len),
        ScalarBits::of(&r)
            .num
            .saturating_add(ScalarBits::of(&r).den)
            .saturating_mul(len),
    );
    let mut prod = sizes[0];
    for s in &sizes[1..] {
        prod = plan.mul(prod, *s);
    }
    let id = Mat::identity(n).size();
    let endpoints = match witness {
        RadiusWitness::RealRoot { lo, hi } => {
            let (lo, hi) = (num(lo, "claim.witness.lo")?, num(hi, "claim.witness.hi")?);
            for l in [&lo, &hi] {
                let s = plan.lin(ScalarBits::of(l), id, ScalarBits::int(1), prod);
                plan.bareiss(n, s.num_bits);
            }
            Some((lo, hi))
        }
        RadiusWitness::Determinant {} => {
            plan.bareiss(n, prod.num_bits);
            plan.scalar_ops(
                4,
                (tb.num + tb.den + prod.den_bits).saturating_mul(n as u64),
            );
            None
        }
        RadiusWitness::TracePower { k } => {
            if *k == 0 {
                return Err(reject("precondition: trace power k ≥ 1", "k = 0"));
            }
            if *k > MAX_TRACE_POWER {
                return Err(bad_data(
                    "claim.witness.k",
                    format!("above the cap {MAX_TRACE_POWER}"),
                ));
            }
            let mut pk = prod;
            for _ in 1..*k {
                pk = plan.mul(pk, prod);
            }
            plan.scalar_ops(
                4 + n as u128,
                (tb.num + tb.den + prod.den_bits).saturating_mul(*k) + pk.num_bits,
            );
            None
        }
    };
    plan.charge(budget, "refutation")?;

    if let Some(p) = problem {
        for (k, (l, x)) in word.iter().zip(&xs).enumerate() {
            if !p.letter_holds_at(l, x, strict)? {
                let what = if strict {
                    "the letter is the map's Jacobian on an open set around the point (strict inequalities)"
                } else {
                    "the letter is an element of the conservative field at the point"
                };
                return Err(reject(
                    format!("witness point {k}: {what}"),
                    "the activation pattern does not hold there",
                ));
            }
        }
    }
    let t = Rational::from((&r).pow(len as u32));
    let mut pi = letter_matrix(f, &word[0]).into_owned();
    for l in &word[1..] {
        pi = pi.mul(&letter_matrix(f, l));
    }
    let proven = match witness {
        RadiusWitness::RealRoot { .. } => {
            // invariant: `endpoints` is Some for RealRoot (set above).
            let (lo, hi) = endpoints.unwrap_or_default();
            if lo > hi {
                return Err(reject("precondition: lo ≤ hi", "empty interval"));
            }
            if !(lo > t || hi < Rational::from(-&t)) {
                return Err(reject(
                    "precondition: [lo, hi] lies beyond ±r^len",
                    "interval meets [−r^len, r^len]",
                ));
            }
            // p(λ) = det(λI − Π) has the sign of det(λ·den·I − num) (positive scaling).
            let char_at = |l: &Rational| {
                Mat::lin(l, &Mat::identity(n), &Rational::from(-1), &pi)
                    .det_num()
                    .cmp0()
            };
            if lo == hi {
                char_at(&lo) == Ordering::Equal
            } else {
                let (a, b) = (char_at(&lo), char_at(&hi));
                a != Ordering::Equal && b != Ordering::Equal && a != b
            }
        }
        RadiusWitness::Determinant {} => {
            // |det Π| = |det N| / Dⁿ > tⁿ  ⇔  |det N|·t_denⁿ > t_numⁿ·Dⁿ.
            let nn = n as u32;
            let lhs = pi.det_num().abs() * Integer::from(t.denom().pow(nn));
            let rhs = Integer::from(t.numer().pow(nn)) * Integer::from(pi.den().pow(nn));
            lhs > rhs
        }
        RadiusWitness::TracePower { k } => {
            // |tr Πᵏ| ≤ n·ρ(Π)ᵏ, so |tr Πᵏ| > n·tᵏ proves ρ(Π) > t.
            let mut pk = pi.clone();
            for _ in 1..*k {
                pk = pk.mul(&pi);
            }
            let kk = *k as u32;
            let lhs = pk.trace_num().abs() * Integer::from(t.denom().pow(kk));
            let rhs = Integer::from(t.numer().pow(kk)) * pk.den() * Integer::from(n);
            lhs > rhs
        }
    };
    if !proven {
        return Err(reject(
            "refutation: the spectral radius of the product exceeds r^len",
            format!("the {witness:?} witness does not prove it"),
        ));
    }
    Ok(verdict::Claim::Refuted { r, len: word.len() })
}

// ------------------------------------------------------------------ invertibility

/// `‖I − R(I − A)‖_∞ < 1` for every `A` in the entrywise bounding box `[lo, hi]` of the
/// family. `C(A) = (I − R) + R·A` is affine in `A`; with `A = mid + Δ`, `|Δ| ≤ rad`:
/// `|C(A)ᵢⱼ| ≤ |C(mid)ᵢⱼ| + (|R|·rad)ᵢⱼ`, so a row sum bound `< 1` for that matrix
/// gives `‖C(A)‖_∞ < 1`, hence `R(I − A)` and `I − A` are invertible for every `A` in
/// the box, which contains the family.
fn preconditioner(f: &Family, n: usize, r: &Rows, budget: &mut Budget) -> Checked<()> {
    let r = square(r, Some(n), "claim.witness.r", budget)?;
    let lohi = bounding_box(f, n, budget)?;
    let half = Rational::from((1, 2));
    let split = |from: usize| {
        Mat::from_parts(
            n,
            n,
            lohi.den().clone(),
            (0..n * n)
                .map(|k| lohi.num(from + k / n, k % n).clone())
                .collect(),
        )
    };
    let (lo, hi) = (split(0), split(n));
    let s = lo.size();
    let hb = ScalarBits::of(&half);
    let mut plan = Plan::new();
    let mid = plan.lin(hb, s, hb, s);
    let rm = plan.mul(r.size(), mid);
    let ir = plan.lin(ScalarBits::int(1), s, ScalarBits::int(1), r.size());
    let c = plan.lin(ScalarBits::int(1), ir, ScalarBits::int(1), rm);
    let spread = plan.mul(r.size(), mid);
    let t = plan.lin(ScalarBits::int(1), c, ScalarBits::int(1), spread);
    plan.scalar_ops((n * n) as u128, t.num_bits + clog2(n));
    plan.charge(budget, "preconditioner test")?;

    let one = Rational::from(1);
    let mid = Mat::lin(&half, &lo, &half, &hi);
    let rad = Mat::lin(&half, &hi, &Rational::from((-1, 2)), &lo);
    let c = Mat::lin(
        &one,
        &Mat::lin(&one, &Mat::identity(n), &Rational::from(-1), &r),
        &one,
        &r.mul(&mid),
    );
    let t = Mat::lin(&one, &c.abs(), &one, &r.abs().mul(&rad));
    if t.max_abs_row_sum() < *t.den() {
        Ok(())
    } else {
        Err(reject(
            "invertible: ‖I − R(I − A)‖_∞ < 1 over the bounding box",
            "the row-sum bound is ≥ 1",
        ))
    }
}

/// The entrywise bounding box of a family, stacked `lo` over `hi` (`2n × n`).
fn bounding_box(f: &Family, n: usize, budget: &mut Budget) -> Checked<Mat> {
    let ends: Vec<Mat> = match f {
        Family::Box(lohi) => return Ok(lohi.clone()),
        Family::Vertices(v) => v.clone(),
        // diag(q)M + C is affine in each qᵢ, so each entry's range has its ends at the
        // ends of the q interval: two extreme points carry the whole box.
        Family::DiagBox { q, m, offset } => vec![
            diag_vertex(q, m, offset.as_ref(), &vec![0; n]),
            diag_vertex(q, m, offset.as_ref(), &vec![1; n]),
        ],
    };
    let bits = ends
        .iter()
        .map(|e| e.size().entry_bits())
        .max()
        .unwrap_or(0);
    let mut plan = Plan::new();
    plan.scalar_ops((ends.len() * n * n) as u128, bits);
    plan.charge(budget, "bounding box")?;
    let mut lo: Vec<Rational> = (0..n * n).map(|k| ends[0].entry(k / n, k % n)).collect();
    let mut hi = lo.clone();
    for e in &ends[1..] {
        for k in 0..n * n {
            let x = e.entry(k / n, k % n);
            if x < lo[k] {
                lo[k] = x.clone();
            }
            if x > hi[k] {
                hi[k] = x;
            }
        }
    }
    lo.extend(hi);
    Ok(Mat::from_rationals(2 * n, n, &lo, budget)?)
}
