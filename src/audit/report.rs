//! What an audit returns: a [`Verdict`] (pass, fail, inconclusive), the counts of
//! checks by outcome and of undecided checks by reason, and shrunk counterexamples.
//! Every field is owned plain data (no lifetimes), so the report crosses language
//! bindings as it is.

use crate::linalg::Matrix;
use crate::scalar::rational_to_f64;
use rug::Rational;
use std::fmt;

/// Which part of the definition a counterexample violates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// `d/dt F(z + t d) ≠ A d` on a set of `t` that is not null: at the reported
    /// point and at two or more further points of an interval around it.
    ChainRule,
    /// The one-sided derivative `F'(z; d)` is not in `conv(D(z))·d`.
    OneSidedDerivative,
    /// A limit of claimed elements at `z + t d`, `t → 0⁺`, is not in `D(z)`.
    ClosedGraph,
    /// The claims grow geometrically as `z + t d → z`.
    NotLocallyBounded,
    /// (Only with [`Conventions::Clarke`](super::Conventions::Clarke).) At a kink
    /// crossed by the line, the claimed element's `A d` is not between the two
    /// one-sided derivatives: not a Clarke element there.
    OutsideClarke,
    /// The target's own representations of its claim disagree at a point (e.g. the
    /// VJP of a linearization is not the transpose of its JVP), see
    /// [`AuditTarget::claim_consistency`](super::AuditTarget::claim_consistency).
    InconsistentClaim,
}

/// A reproducible violation.
#[derive(Clone, Debug, PartialEq)]
pub struct Counterexample {
    /// The violated condition.
    pub kind: ViolationKind,
    /// Seed of the audit run that found it.
    pub seed: u64,
    /// The point `z`.
    pub point: Vec<Rational>,
    /// The direction `d` (the curve is `z + t d`).
    pub direction: Vec<Rational>,
    /// The parameters `t` used: for the chain rule, 0 and the further points where the
    /// disagreement was confirmed; for limits, the sequence `t_j → 0⁺`.
    pub t: Vec<Rational>,
    /// The exact (or, for f64 targets, estimated) value: `d/dt F(z + t d)` at `t = 0`
    /// (chain rule), `F'(z; d)` (one-sided), the limit element's entries (closed
    /// graph, column-major), the one-sided derivatives `F'(z; d)` then `−F'(z; −d)`
    /// (outside Clarke).
    pub expected: Vec<Rational>,
    /// What the claim gives: `A d` for the offending element (chain rule, outside
    /// Clarke), one point of `conv(D(z))·d` (one-sided), the norms along the sequence
    /// (boundedness).
    pub claimed: Vec<Rational>,
    /// The offending element when known.
    pub element: Option<Matrix<Rational>>,
    /// A sentence saying what failed.
    pub detail: String,
    /// How many shrinking steps were applied.
    pub shrink_steps: usize,
    /// `expected` is an f64 estimate (finite differences), not an exact value.
    pub estimated: bool,
}

impl Counterexample {
    /// The point as `f64` (nearest; what an f64 target was evaluated at).
    pub fn point_f64(&self) -> Vec<f64> {
        self.point.iter().map(rational_to_f64).collect()
    }
    /// The direction as `f64`.
    pub fn direction_f64(&self) -> Vec<f64> {
        self.direction.iter().map(rational_to_f64).collect()
    }
    /// `expected` as `f64`.
    pub fn expected_f64(&self) -> Vec<f64> {
        self.expected.iter().map(rational_to_f64).collect()
    }
    /// `claimed` as `f64`.
    pub fn claimed_f64(&self) -> Vec<f64> {
        self.claimed.iter().map(rational_to_f64).collect()
    }
}

/// Why a check could not be decided. Each reason is counted separately in
/// [`Undecided`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Why {
    /// The point is on a kink of `t ↦ F(z + t d)` (left and right derivatives differ):
    /// expected at a few points, never a problem.
    Kink,
    /// No polynomial window up to the degree limit: the pieces along the line have a
    /// higher degree or are not polynomial, and the target gives no exact derivative.
    DegreeTooHigh,
    /// The target has never produced an exact derivative in this run (no window at
    /// any point, no directional derivative): further checks were skipped.
    NoExactDerivative,
    /// `F` returned an error (outside its domain, non-finite output).
    Domain,
    /// The claim returned an error or had the wrong shape.
    Claim,
    /// A limit along `t → 0⁺` did not settle (closed-graph check).
    NoLimit,
    /// f64 only: finite-difference estimates at two step sizes disagree beyond the
    /// tolerance and the rounding bound (noisy or too curved at the scale probed).
    Noise,
    /// A disagreement at a point was seen at exactly one further point: neither a
    /// confirmed interval nor a null-set exception.
    Isolated,
}

/// Undecided checks by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Undecided {
    /// Points on kinks of the map along the line.
    pub kink: usize,
    /// No polynomial window up to the degree limit.
    pub degree_too_high: usize,
    /// Skipped: the target never produced an exact derivative.
    pub no_exact_derivative: usize,
    /// `F` returned an error (domain).
    pub domain: usize,
    /// The claim returned an error.
    pub claim: usize,
    /// A limit did not settle.
    pub no_limit: usize,
    /// f64 finite differences too noisy.
    pub noise: usize,
    /// Disagreements seen at only two points.
    pub isolated: usize,
}

impl Undecided {
    pub(crate) fn add(&mut self, why: Why) {
        *match why {
            Why::Kink => &mut self.kink,
            Why::DegreeTooHigh => &mut self.degree_too_high,
            Why::NoExactDerivative => &mut self.no_exact_derivative,
            Why::Domain => &mut self.domain,
            Why::Claim => &mut self.claim,
            Why::NoLimit => &mut self.no_limit,
            Why::Noise => &mut self.noise,
            Why::Isolated => &mut self.isolated,
        } += 1;
    }
    /// All undecided checks.
    pub fn total(&self) -> usize {
        self.kink
            + self.degree_too_high
            + self.no_exact_derivative
            + self.domain
            + self.claim
            + self.no_limit
            + self.noise
            + self.isolated
    }
}

/// The outcome of an audit.
///
/// Closed on purpose: an audit passes, fails or is inconclusive; there is no fourth outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No violation, and at least the configured minimum of chain-rule checks were
    /// decided.
    Pass,
    /// At least one violation (see the counterexamples).
    Fail,
    /// No violation, but too few checks were decided to say anything (see
    /// [`AuditReport::reasons`]).
    Inconclusive,
}

/// The result of an audit run.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// The target's name.
    pub target: String,
    /// The seed.
    pub seed: u64,
    /// Checks that held.
    pub passed_checks: usize,
    /// Disagreements at a point that vanished at every probed offset on both sides:
    /// null-set exceptions (allowed by the definition), counted as decided.
    pub forgiven: usize,
    /// Chain-rule checks decided without a violation (held or forgiven): the count
    /// [`AuditReport::verdict`] compares with `min_decided`.
    pub chain_rule_decided: usize,
    /// Checks that could not decide, by reason.
    pub undecided: Undecided,
    /// Kinks located along the scanned lines (map and claim breakpoints).
    pub kinks_located: usize,
    /// Of those, located exactly (a rational point, not a bracket).
    pub kinks_exact: usize,
    /// Evaluations of `F` (including directional derivatives).
    pub evaluations: usize,
    /// Evaluations of the claim.
    pub claims: usize,
    /// The largest polynomial degree the derivative search needed.
    pub degree_used: usize,
    /// The minimum number of decided chain-rule checks for a pass.
    pub min_decided: usize,
    /// Violations found (shrunk), at most `max_violations`.
    pub violations: Vec<Counterexample>,
}

impl AuditReport {
    /// Checks with an answer: held, forgiven as null-set exceptions, or violated.
    pub fn decided(&self) -> usize {
        self.passed_checks + self.forgiven + self.violations.len()
    }

    /// Pass, fail or inconclusive (see [`Verdict`]).
    pub fn verdict(&self) -> Verdict {
        if !self.violations.is_empty() {
            Verdict::Fail
        } else if self.chain_rule_decided >= self.min_decided {
            Verdict::Pass
        } else {
            Verdict::Inconclusive
        }
    }

    /// Whether the verdict is [`Verdict::Pass`] (false when inconclusive).
    pub fn passed(&self) -> bool {
        self.verdict() == Verdict::Pass
    }

    /// Whether a violation was found.
    pub fn failed(&self) -> bool {
        self.verdict() == Verdict::Fail
    }

    /// Sentences saying why checks were undecided (and, when inconclusive, why that
    /// matters), most important first. Empty when everything was decided.
    pub fn reasons(&self) -> Vec<String> {
        let u = &self.undecided;
        let mut out = Vec::new();
        if self.verdict() == Verdict::Inconclusive {
            out.push(format!(
                "only {} chain-rule checks decided, fewer than the minimum {} for a pass",
                self.chain_rule_decided, self.min_decided
            ));
        }
        if u.no_exact_derivative > 0 {
            out.push(format!(
                "{} checks skipped: no exact derivative (t ↦ F(z + t d) is not piecewise \
                 polynomial of degree ≤ the limit at any point tried, and the target gives no \
                 directional derivative: use FnTarget::with_dual or with_directional)",
                u.no_exact_derivative
            ));
        }
        if u.degree_too_high > 0 {
            out.push(format!(
                "{} derivatives not found: no polynomial window up to degree {} (degree too \
                 high or not polynomial; raise derivative.degree_limit or give an exact \
                 directional derivative)",
                u.degree_too_high, self.degree_used
            ));
        }
        if u.domain > 0 {
            out.push(format!(
                "{} points outside the domain (F returned an error): sample inside the domain \
                 with AuditConfig::bounds",
                u.domain
            ));
        }
        if u.claim > 0 {
            out.push(format!("{} claims returned an error", u.claim));
        }
        if u.noise > 0 {
            out.push(format!(
                "{} finite-difference estimates disagreed between step sizes beyond the \
                 tolerance (noise or curvature at the probed scale)",
                u.noise
            ));
        }
        if u.isolated > 0 {
            out.push(format!(
                "{} disagreements seen at exactly two points (neither an interval nor a \
                 null-set exception)",
                u.isolated
            ));
        }
        if u.no_limit > 0 {
            out.push(format!("{} limits t → 0⁺ did not settle", u.no_limit));
        }
        if u.kink > 0 {
            out.push(format!(
                "{} points on kinks of F along the line (expected)",
                u.kink
            ));
        }
        out
    }
}

fn fmt_vec(v: &[Rational]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A matrix as `[[a, b], [c, d]]` (rows).
pub fn format_matrix(m: &Matrix<Rational>) -> String {
    format!(
        "[{}]",
        (0..m.rows())
            .map(|i| fmt_vec(&m.row(i)))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:?} violation (seed {}): {}",
            self.kind, self.seed, self.detail
        )?;
        writeln!(f, "  point z     = {}", fmt_vec(&self.point))?;
        writeln!(f, "  direction d = {}", fmt_vec(&self.direction))?;
        writeln!(f, "  t           = {}", fmt_vec(&self.t))?;
        if self.estimated {
            let dec = |v: &[Rational]| {
                format!(
                    "[{}]",
                    v.iter()
                        .map(|x| format!("{:.9e}", rational_to_f64(x)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            writeln!(f, "  expected    ≈ {} (f64 estimate)", dec(&self.expected))?;
            writeln!(f, "  claimed     = {}", dec(&self.claimed))?;
        } else {
            writeln!(f, "  expected    = {}", fmt_vec(&self.expected))?;
            writeln!(f, "  claimed     = {}", fmt_vec(&self.claimed))?;
        }
        if let Some(a) = &self.element {
            writeln!(f, "  element     = {}", format_matrix(a))?;
        }
        write!(f, "  (shrunk in {} steps)", self.shrink_steps)
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.verdict() {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "INCONCLUSIVE",
        };
        write!(
            f,
            "audit of {} (seed {}): {verdict}: {} checks decided ({} held, {} null-set \
             exceptions), {} undecided, {} kinks located ({} exactly), {} evaluations of F, {} \
             of the claim",
            self.target,
            self.seed,
            self.decided(),
            self.passed_checks,
            self.forgiven,
            self.undecided.total(),
            self.kinks_located,
            self.kinks_exact,
            self.evaluations,
            self.claims
        )?;
        for r in self.reasons() {
            write!(f, "\n  - {r}")?;
        }
        for v in &self.violations {
            write!(f, "\n{v}")?;
        }
        Ok(())
    }
}
