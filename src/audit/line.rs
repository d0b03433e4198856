//! Lines: the stratified scan, the kink locator, the probes at shrinking offsets
//! around kinks, and the rule that separates null-set exceptions from violations.
//! One implementation for every kind of target (exact or f64): the probe supplies
//! derivatives, pieces and comparisons.
//!
//! # Locating breakpoints
//! Between two consecutive samples `a < b` of a line, the pieces on the right of `a`
//! and on the left of `b` are compared (recorded `Dual` branches, the polynomial of
//! the exact difference window, or the slope). When they differ:
//! 1. an **exact** candidate is tried: the first crossing `−v/d` of a recorded
//!    comparison (exact for affine switching functions), or the crossing of the two
//!    affine pieces; it is accepted when the piece just left of it is `a`'s piece;
//!    the search then continues from it towards `b` (several kinks per cell);
//! 2. otherwise **bisection**: the midpoint is on `a`'s piece (same branches, value
//!    on `a`'s polynomial, same slope) or on `b`'s, until the bracket is below
//!    `2⁻⁶⁰` (exact) or `10⁻¹³` (f64) of the line; a third piece in between splits the
//!    search in two.
//!
//! Breakpoints of the claim: in a cell where the claimed `A d` differs at the two
//! ends, the single switch is bracketed the same way (midpoint image equal to one
//! end's); when it is not also a breakpoint of the map, it is probed too (a claim that
//! switches at the wrong place).
//!
//! # Probes and confirmation
//! Around each breakpoint `[lo, hi]` the chain rule is tested at `lo − δ_j` and
//! `hi + δ_j`, `δ_j ≈ 10^{-j}` (`j = 1..=12`, f64 `1..=8`), so a wrong derivative on an
//! interval touching a kink is hit however narrow it is (down to the smallest offset).
//! A disagreement at a point `t` is then tested at `t ± δ_j` (smallest first): at two
//! or more further points it is a violation on a set that is not null; if it vanishes
//! at every one it is a null-set exception (allowed by the definition).

use super::check::{
    combined_noise, same_branches, ClaimAt, Outcome, Piece, PointCheck, Probe, Side, Sides,
};
use super::derivative::along;
use super::membership::Image;
use super::report::{Counterexample, ViolationKind, Why};
use rug::Rational;

/// A located breakpoint: `lo = hi` when exact, else a bracket.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Kink {
    pub lo: Rational,
    pub hi: Rational,
}

impl Kink {
    pub(crate) fn exact(&self) -> bool {
        self.lo == self.hi
    }
}

/// A line `t ↦ base + t·dir` with its known breakpoints (sorted).
pub(crate) struct Line {
    pub base: Vec<Rational>,
    pub dir: Vec<Rational>,
    pub kinks: Vec<Kink>,
}

impl Line {
    pub(crate) fn new(base: Vec<Rational>, dir: Vec<Rational>) -> Self {
        Line {
            base,
            dir,
            kinks: Vec::new(),
        }
    }

    pub(crate) fn at(&self, t: &Rational) -> Vec<Rational> {
        along(&self.base, &self.dir, t)
    }

    /// Distances from `t` to the nearest known breakpoint on the right and left.
    pub(crate) fn room(&self, t: &Rational) -> (Option<Rational>, Option<Rational>) {
        let mut right: Option<Rational> = None;
        let mut left: Option<Rational> = None;
        for k in &self.kinks {
            if k.lo > *t {
                let r = Rational::from(&k.lo - t);
                if right.as_ref().map_or(true, |x| r < *x) {
                    right = Some(r);
                }
            }
            if k.hi < *t {
                let l = Rational::from(t - &k.hi);
                if left.as_ref().map_or(true, |x| l < *x) {
                    left = Some(l);
                }
            }
        }
        (right, left)
    }

    /// The chain-rule test at parameter `t`, with the sides and the claim seen.
    pub(crate) fn check(
        &self,
        probe: &Probe<'_>,
        t: &Rational,
    ) -> (PointCheck, Option<Sides>, Option<ClaimAt>) {
        let (r, l) = self.room(t);
        probe.chain_at(&self.at(t), &self.dir, (r.as_ref(), l.as_ref()))
    }
}

/// Confirmation of a disagreement at `t_f` (see the module docs).
pub(crate) fn confirm(
    probe: &Probe<'_>,
    line: &Line,
    t_f: &Rational,
    first: PointCheck,
) -> Outcome {
    let PointCheck::Differs {
        expected,
        claimed,
        element,
    } = first
    else {
        return match first {
            PointCheck::Held => Outcome::Pass,
            PointCheck::Undecided(w) => Outcome::Undecided(w),
            PointCheck::Differs { .. } => Outcome::Pass,
        };
    };
    let mut fails: Vec<Rational> = Vec::new();
    let mut held = 0usize;
    for delta in probe.offsets.iter().rev() {
        for sign in [1i32, -1] {
            let off = if sign > 0 {
                delta.clone()
            } else {
                Rational::from(-delta)
            };
            let t = Rational::from(t_f + &off);
            match line.check(probe, &t).0 {
                PointCheck::Differs { .. } => fails.push(off),
                PointCheck::Held => held += 1,
                PointCheck::Undecided(_) => {}
            }
            if fails.len() >= 2 {
                return violation(probe, line, t_f, fails, expected, claimed, element);
            }
        }
    }
    match fails.len() {
        0 if held > 0 => Outcome::Forgiven,
        0 => Outcome::Undecided(Why::Kink),
        _ => {
            // One further failing point: look between it and t_f.
            let other = fails[0].clone();
            for frac in [(1, 3), (2, 3)] {
                let t = t_f + &other * Rational::from(frac);
                if let PointCheck::Differs { .. } = line.check(probe, &t).0 {
                    fails.push(&other * Rational::from(frac));
                    return violation(probe, line, t_f, fails, expected, claimed, element);
                }
            }
            Outcome::Undecided(Why::Isolated)
        }
    }
}

fn violation(
    probe: &Probe<'_>,
    line: &Line,
    t_f: &Rational,
    fails: Vec<Rational>,
    expected: Vec<Rational>,
    claimed: Vec<Rational>,
    element: Option<crate::linalg::Matrix<Rational>>,
) -> Outcome {
    let mut t = vec![Rational::new()];
    t.extend(fails);
    Outcome::Fail(Box::new(Counterexample {
        kind: ViolationKind::ChainRule,
        seed: probe.seed,
        point: line.at(t_f),
        direction: line.dir.clone(),
        t,
        expected,
        claimed,
        element,
        detail: "d/dt F(z + t d) ≠ A d at t = 0 and at every further t listed (an interval, \
                 not a null set)"
            .into(),
        shrink_steps: 0,
        estimated: probe.is_float(),
    }))
}

/// The chain rule at `t` on `line`, confirmed; with the sides and the claim seen.
pub(crate) fn chain_rule_on(
    probe: &Probe<'_>,
    line: &Line,
    t: &Rational,
) -> (Outcome, Option<Sides>, Option<ClaimAt>) {
    let (c, s, claim) = line.check(probe, t);
    let o = match c {
        PointCheck::Held => Outcome::Pass,
        PointCheck::Undecided(w) => Outcome::Undecided(w),
        d @ PointCheck::Differs { .. } => confirm(probe, line, t, d),
    };
    (o, s, claim)
}

// ------------------------------------------------------------------ pieces ----

/// The pieces `a_side` (right of `a`) and `b_side` (left of `b`) are the same
/// (`float_jump`: the slope difference tolerated for f64 targets).
fn same_piece(
    probe: &Probe<'_>,
    a: &Rational,
    a_side: &Side,
    b: &Rational,
    b_side: &Side,
    float_jump: f64,
) -> bool {
    if probe.is_float() {
        return a_side.slope.iter().zip(&b_side.slope).all(|(x, y)| {
            (crate::scalar::rational_to_f64(x) - crate::scalar::rational_to_f64(y)).abs()
                <= float_jump
        });
    }
    match (&a_side.piece, &b_side.piece) {
        (Piece::Branches(x), Piece::Branches(y)) => same_branches(x, y),
        (Piece::Poly(wa), Piece::Poly(wb)) => {
            // Two polynomials of degree ≤ D agree iff they agree at D + 1 points.
            let deg = wa.degree().max(wb.degree()).max(1);
            let width = Rational::from(b - a);
            (0..=deg).all(|k| {
                let t = a + &width * Rational::from((k as i64, deg as i64));
                poly_value(wa, a, 1, &t) == poly_value(wb, b, -1, &t)
            })
        }
        _ => a_side.slope == b_side.slope,
    }
}

/// Value at line parameter `t` of a window based at `base` along `sign·dir`.
fn poly_value(
    w: &super::derivative::Window,
    base: &Rational,
    sign: i32,
    t: &Rational,
) -> Vec<Rational> {
    let s = Rational::from(t - base);
    let s = if sign < 0 { -s } else { s };
    w.value_at(&s)
}

/// Which piece the point `m ∈ (a, b)` is on.
enum Which {
    A,
    B,
    /// Neither: a third piece (its sides at `m`).
    Other(Box<Sides>),
    Undecided,
}

fn which(
    probe: &Probe<'_>,
    line: &Line,
    m: &Rational,
    a: &Rational,
    a_side: &Side,
    b: &Rational,
    b_side: &Side,
) -> Which {
    let z = line.at(m);
    // Value tests for polynomial windows: one evaluation.
    if let (Piece::Poly(wa), Piece::Poly(wb)) = (&a_side.piece, &b_side.piece) {
        let Ok(v) = probe.eval_point(&z) else {
            return Which::Undecided;
        };
        if v == poly_value(wa, a, 1, m) {
            return Which::A;
        }
        if v == poly_value(wb, b, -1, m) {
            return Which::B;
        }
    } else {
        let Ok(s) = probe.side(&z, &line.dir, 1, None) else {
            return Which::Undecided;
        };
        let same = |x: &Side| match (&s.piece, &x.piece) {
            (Piece::Branches(p), Piece::Branches(q)) => same_branches(p, q),
            _ => s.slope == x.slope,
        };
        if same(a_side) {
            return Which::A;
        }
        if same(b_side) {
            return Which::B;
        }
    }
    match probe.sides(&z, &line.dir, (None, None)) {
        Ok(s) => Which::Other(Box::new(s)),
        Err(_) => Which::Undecided,
    }
}

/// An exact candidate for the first breakpoint after `a`.
fn candidate(
    probe: &Probe<'_>,
    line: &Line,
    a: &Rational,
    a_side: &Side,
    b: &Rational,
    b_side: &Side,
) -> Option<Rational> {
    if probe.is_float() {
        return None;
    }
    let c = match (&a_side.piece, &b_side.piece) {
        (Piece::Branches(log), _) => {
            let s = log.iter().filter_map(|br| br.crossing()).min()?;
            a + s
        }
        _ => {
            // Crossing of the two affine pieces (values from the windows or evaluations).
            let affine = |s: &Side| match &s.piece {
                Piece::Poly(w) => w.degree() <= 1,
                _ => true,
            };
            if !affine(a_side) || !affine(b_side) {
                return None;
            }
            let va = match &a_side.piece {
                Piece::Poly(w) => w.diffs.iter().map(|c| c[0].clone()).collect(),
                _ => probe.eval_point(&line.at(a)).ok()?,
            };
            let vb = match &b_side.piece {
                Piece::Poly(w) => w.diffs.iter().map(|c| c[0].clone()).collect(),
                _ => probe.eval_point(&line.at(b)).ok()?,
            };
            let i = (0..va.len()).find(|&i| a_side.slope[i] != b_side.slope[i])?;
            let (sa, sb) = (&a_side.slope[i], &b_side.slope[i]);
            // va + sa (t − a) = vb + sb (t − b).
            let num =
                Rational::from(&vb[i] - &va[i]) + Rational::from(sa * a) - Rational::from(sb * b);
            num / Rational::from(sa - sb)
        }
    };
    (c > *a && c < *b).then_some(c)
}

/// Settings of one location run.
pub(crate) struct Locate {
    /// Candidates/bisections left (shared by the whole line).
    pub budget: usize,
    /// f64: slope difference below which two sides are the same piece.
    pub float_jump: f64,
    /// Bisection stops at this bracket width.
    pub width: Rational,
}

/// One end of a stretch of a line: its parameter and the side facing the stretch
/// (the right side at the left end, the left side at the right end).
pub(crate) struct End {
    pub t: Rational,
    pub side: Side,
}

/// Breakpoints of the map in `(a, b)` given the sides at the ends.
pub(crate) fn locate(
    probe: &Probe<'_>,
    line: &Line,
    a_end: End,
    b_end: End,
    st: &mut Locate,
    depth: usize,
    out: &mut Vec<Kink>,
) {
    let End { t: a, side: a_side } = a_end;
    let End { t: b, side: b_side } = b_end;
    if st.budget == 0 || same_piece(probe, &a, &a_side, &b, &b_side, st.float_jump) {
        return;
    }
    st.budget -= 1;
    if probe.is_float() {
        if let Some(k) = locate_float(probe, line, &a, &a_side, &b, &b_side, &st.width) {
            out.push(k);
        }
        return;
    }
    if let Some(c) = candidate(probe, line, &a, &a_side, &b, &b_side) {
        if let Ok(sc) = probe.sides(&line.at(&c), &line.dir, (None, None)) {
            if same_piece(probe, &a, &a_side, &c, &sc.left, st.float_jump) {
                let kink_here = !same_piece(probe, &c, &sc.right, &c, &sc.left, st.float_jump)
                    || sc.derivative.is_none();
                if kink_here {
                    out.push(Kink {
                        lo: c.clone(),
                        hi: c.clone(),
                    });
                }
                let (a_end, b_end) = (
                    End {
                        t: c,
                        side: sc.right,
                    },
                    End { t: b, side: b_side },
                );
                locate(probe, line, a_end, b_end, st, depth, out);
                return;
            }
        }
    }
    let (mut lo, mut hi) = (a.clone(), b.clone());
    let mut steps = 0;
    while Rational::from(&hi - &lo) > st.width && steps < 200 {
        steps += 1;
        let m = Rational::from(&lo + &hi) / 2u32;
        match which(probe, line, &m, &a, &a_side, &b, &b_side) {
            Which::A => lo = m,
            Which::B => hi = m,
            Which::Undecided => return,
            Which::Other(sm) => {
                if depth >= 3 {
                    return;
                }
                let sm = *sm;
                let (a1, b1) = (
                    End {
                        t: lo,
                        side: a_side,
                    },
                    End {
                        t: m.clone(),
                        side: sm.left,
                    },
                );
                locate(probe, line, a1, b1, st, depth + 1, out);
                let (a2, b2) = (
                    End {
                        t: m,
                        side: sm.right,
                    },
                    End {
                        t: hi,
                        side: b_side,
                    },
                );
                locate(probe, line, a2, b2, st, depth + 1, out);
                return;
            }
        }
    }
    out.push(Kink { lo, hi });
}

/// f64: bisection on values. With the end slopes `s_a`, `s_b`, the midpoint `m` is on
/// `a`'s piece when `F(m)` is closer to `F(lo) + s_a (m − lo)` than to
/// `F(hi) − s_b (hi − m)` (the models are anchored at the moving bracket ends, so a
/// smooth piece's curvature only enters through the slope change across one stratum,
/// which is below the jump for a flagged stratum). One evaluation per step; stops when
/// both predictions are within rounding of `F(m)` or at `width`. The bracket is kept
/// only if the one-sided slopes just outside it still differ beyond the tolerance.
fn locate_float(
    probe: &Probe<'_>,
    line: &Line,
    a: &Rational,
    a_side: &Side,
    b: &Rational,
    b_side: &Side,
    width: &Rational,
) -> Option<Kink> {
    let to = crate::scalar::rational_to_f64;
    let val = |t: &Rational| -> Option<Vec<f64>> {
        probe
            .eval_point(&line.at(t))
            .ok()
            .map(|v| v.iter().map(to).collect())
    };
    let sa: Vec<f64> = a_side.slope.iter().map(to).collect();
    let sb: Vec<f64> = b_side.slope.iter().map(to).collect();
    let (mut lo, mut hi) = (a.clone(), b.clone());
    let (mut flo, mut fhi) = (val(&lo)?, val(&hi)?);
    let mut steps = 0;
    while Rational::from(&hi - &lo) > *width && steps < 200 {
        steps += 1;
        let m = Rational::from(&lo + &hi) / 2u32;
        let fm = val(&m)?;
        let (dl, dr) = (to(&Rational::from(&m - &lo)), to(&Rational::from(&hi - &m)));
        let mut el: f64 = 0.0;
        let mut er: f64 = 0.0;
        let mut mag: f64 = 0.0;
        for i in 0..fm.len() {
            el = el.max((fm[i] - (flo[i] + sa[i] * dl)).abs());
            er = er.max((fm[i] - (fhi[i] - sb[i] * dr)).abs());
            mag = mag.max(fm[i].abs()).max(flo[i].abs()).max(fhi[i].abs());
        }
        let round = 16.0 * f64::EPSILON * mag.max(f64::MIN_POSITIVE);
        if el <= round && er <= round {
            break;
        }
        if el < er {
            lo = m;
            flo = fm;
        } else {
            hi = m;
            fhi = fm;
        }
    }
    let r = probe.side(&line.at(&hi), &line.dir, 1, None).ok()?;
    let l = probe.side(&line.at(&lo), &line.dir, -1, None).ok()?;
    let noise = combined_noise(&r, &l);
    (!probe.agree(&r.slope, &l.slope, noise.as_deref())).then_some(Kink { lo, hi })
}

/// The single switch of the claim's image in `(a, b)`, bracketed by bisection on
/// "same image as at `a`" / "as at `b`"; `None` if a midpoint matches neither end
/// (smooth variation, or several switches).
pub(crate) fn claim_switch(
    probe: &Probe<'_>,
    line: &Line,
    a: &Rational,
    ia: &Image,
    b: &Rational,
    ib: &Image,
    width: &Rational,
) -> Option<Kink> {
    let (mut lo, mut hi) = (a.clone(), b.clone());
    let mut steps = 0;
    while Rational::from(&hi - &lo) > *width && steps < 200 {
        steps += 1;
        let m = Rational::from(&lo + &hi) / 2u32;
        let im = probe.claim_at(&line.at(&m), &line.dir).ok()?.image;
        if same_image(probe, &im, ia) {
            lo = m;
        } else if same_image(probe, &im, ib) {
            hi = m;
        } else {
            return None;
        }
    }
    Some(Kink { lo, hi })
}

/// Whether two images of claims are the same.
pub(crate) fn same_image(probe: &Probe<'_>, x: &Image, y: &Image) -> bool {
    match (x, y) {
        (Image::Points(p), Image::Points(q)) => {
            p.len() == q.len() && p.iter().zip(q).all(|(u, v)| probe.agree(u, v, None))
        }
        (Image::Intervals(p), Image::Intervals(q)) => p == q,
        _ => false,
    }
}
