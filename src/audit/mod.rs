//! Audit: a fuzzing harness for conservative-Jacobian implementations.
//!
//! Give it a function `F : R^N → R^n` and the Jacobian you claim for it — one element
//! per point (what your AD code returns) or a whole set (a [`MatrixSet`]) — as an
//! [`AuditTarget`]; [`audit`] searches for violations of the definition of a
//! conservative Jacobian (closed graph, locally bounded, and the chain rule
//! `d/dt F(γ(t)) = A γ'(t)` for every claimed `A`, for almost every `t`, along every
//! curve) and reports each as a small, shrunk, reproducible [`Counterexample`].
//! Targets are exact (rational arithmetic: [`FnTarget`], [`MapTarget`],
//! [`SelectionTarget`]) or `f64` closures with tolerances ([`float`]); both run
//! through the same sampler, kink locator, confirmation rule and report.
//!
//! # What is searched
//! 1. **Lines.** Chords of the sampling box (default `[−2, 2]^N`,
//!    [`AuditConfig::bounds`]) through generic points in random directions, and
//!    through structured points (simple coordinates, the target's
//!    [`hints`](AuditTarget::hints)) in directions from `{−1, 0, 1}^N`, which lie
//!    inside kink manifolds such as `u = λ`. Each chord `t ∈ [0, 1]` is cut into
//!    [`samples_per_line`](AuditConfig::samples_per_line) equal strata with one random
//!    sample in each; at each sample the chain rule is tested against the derivative
//!    of `t ↦ F(z + t d)`.
//! 2. **Kinks where they are.** Between consecutive samples the pieces are compared
//!    and every breakpoint of the map is located — exactly, in rationals, when the
//!    target evaluates over [`Dual`] numbers (the comparisons it makes are recorded,
//!    and the next crossing of an affine switching function is `−v/d`) or when the
//!    pieces are affine; otherwise by bisection to `2⁻⁶⁰` of the line — and so is
//!    every switch of the claim. Around each, the chain rule is tested at `10^{-j}`
//!    of the line on both sides, `j = 1..=12`. At exactly located kinks set claims also
//!    get the one-sided-derivative, closed-graph and boundedness checks.
//! 3. **Structured points**, each with a few structured directions and the
//!    directions tangent to a kink there: chain rule, and the kink checks.
//!
//! # Positive measure is never forgiven
//! A disagreement at a point `t` is tested again at `t ± δ_j` (`δ_j ≈ 10^{-j}`,
//! smallest first). If it recurs at two or more of those points, it holds on an
//! interval — a set that is not null — and it is a [`ViolationKind::ChainRule`]
//! counterexample, however narrow the interval. Only if it vanishes at *every* offset
//! on both sides is it a null-set exception, which the definition allows (AD's `1` for
//! `relu(−x) + x − relu(x)` at 0; `relu'(0) = 5`), counted in
//! [`AuditReport::forgiven`].
//!
//! # Detection guarantee
//! Let a scanned line meet an interval `I` of relative length `w` (a fraction of the
//! line) on which the claim is wrong and `F` is differentiable. The line has `m`
//! strata of length `1/m`, with one uniform sample in each.
//! * If `w ≥ 2/m`, `I` contains a whole stratum, hence a sample: caught with
//!   probability 1.
//! * Otherwise, when `I` contains no whole stratum, it covers fractions `p`, `q` of at
//!   most two strata, `p + q = wm`, and is missed with probability
//!   `(1 − p)(1 − q) = 1 − wm + pq ≤ (1 − wm/2)²` (largest at `p = q`).
//!
//! So each line misses it with probability at most `(1 − wm/2)²` (0 once `wm ≥ 2`),
//! and `L` lines that each meet it with relative length `≥ w` all miss it with
//! probability at most `(1 − wm/2)^{2L}`. A sample inside `I` is then confirmed: on
//! the longer side of it `I` extends at least `w/2`, which holds every offset
//! `δ_j < w/2`, at least two as soon as `w > 2.3·10⁻¹¹` (exact targets; `w > 2.3·10⁻⁷`
//! for f64 targets, whose offsets stop at `10⁻⁸`). The derivative at the sample must
//! be decidable (an exact derivative, or a polynomial window up to the degree limit;
//! an f64 estimate within its tolerance).
//!
//! **At the default budget** (`m = 200` samples on each of 24 lines): a band of
//! relative width `w ≥ 10⁻²` of a line is caught on every line that crosses it,
//! probability 1 (`≥ 0.99` as required); `w = 5·10⁻³` is caught with probability
//! `≥ 3/4` per line, `1 − 4⁻ᴸ` over `L` lines. For a map of one variable every chord is
//! the whole interval `[−2, 2]`, so a band of width `10⁻²` (relative `2.5·10⁻³`,
//! `wm = 1/2`) is missed by all 24 lines with probability `≤ (9/16)^{24} < 10⁻⁵`.
//! Wrong derivatives on an interval that **touches a located breakpoint** are caught
//! deterministically down to the smallest offset (`≈ 10⁻¹²` of the line). The test
//! `tests/audit_guarantee.rs` measures the rate over many seeds.
//!
//! Limits: a breakpoint is located only if the pieces on the two sides of a stratum
//! boundary differ, so a narrow tent of two kinks inside one stratum is found only
//! with the probability above; derivatives from evaluations are exact when `F` is
//! piecewise polynomial of degree `≤` [`DerivativeConfig::degree_limit`] along lines
//! (otherwise give a [`Dual`] or exact directional derivative, or the checks stay
//! undecided and the report inconclusive).
//!
//! # Three outcomes
//! [`AuditReport::verdict`] is [`Verdict::Fail`] with counterexamples,
//! [`Verdict::Pass`] only when no violation was found **and** at least
//! [`AuditConfig::min_decided`] chain-rule checks were decided (checks that need no
//! derivative, such as boundedness, do not count), else [`Verdict::Inconclusive`]
//! with [`AuditReport::reasons`]: undecided checks are counted by reason ([`Undecided`]:
//! on a kink, degree too high, no exact derivative, outside the domain, claim error,
//! no limit, f64 noise, isolated disagreement). [`AuditReport::passed`] is false
//! unless the verdict is a pass. The polynomial degree of the derivative search
//! starts at 1 and is raised as needed up to the limit; the degree used is reported.
//!
//! # Checks
//! See the `check` module: chain rule, one-sided derivative `F'(z; d) ∈ conv(D(z))·d`
//! (set claims), closed graph (set claims), local boundedness, and with
//! [`Conventions::Clarke`] the Clarke convention at kinks for element claims. A
//! single-element claim is a *selection* (what AD returns): a selection need not have
//! a closed graph, so only the chain rule and boundedness apply by default. Targets
//! may also check their own representations against each other
//! ([`AuditTarget::claim_consistency`]): [`MapTarget`] checks that a linearization's
//! VJP is the transpose of its JVP.
//!
//! # Pieces
//! * [`FnTarget`] (closures, optionally with a [`Dual`] or exact directional
//!   derivative), [`MapTarget`] (any [`FixedPointMap`](crate::FixedPointMap) with
//!   `z = (x, θ)`; [`audit_map`] in one call), [`SelectionTarget`].
//! * [`float`]: `f64` closures `f(x)` and a claimed Jacobian or JVP, with tolerances.
//! * [`builtin::builtin_targets`]: every built-in primitive and map, in both modes.
//! * [`Mutant`]/[`Mutation`]: systematic errors to calibrate a budget.
//! * `strategies` (feature `testing`): proptest strategies and quickcheck
//!   `Arbitrary` impls.
//!
//! # Example
//! ```
//! use piggyback::audit::{audit, AuditConfig, Claim, FnTarget};
//! use piggyback::Matrix;
//! use rug::Rational;
//! // relu with the AD convention relu'(0) = 0, claimed as one element per point.
//! let t = FnTarget::new("relu", 1, 1,
//!     |z: &[Rational]| Ok(vec![if z[0] > 0 { z[0].clone() } else { Rational::new() }]),
//!     |z: &[Rational]| {
//!         let g = if z[0] > 0 { 1 } else { 0 };
//!         Ok(Claim::Element(Matrix::from_ratio_rows(&[vec![(g, 1)]])?))
//!     });
//! let report = audit(&t, &AuditConfig::quick(7)).unwrap();
//! assert!(report.passed(), "{report}");
//! ```

mod adapter;
pub mod builtin;
mod check;
pub mod derivative;
pub mod dual;
pub mod float;
mod line;
pub mod membership;
pub mod mutate;
mod report;
mod sample;
mod shrink;
#[cfg(feature = "testing")]
pub mod strategies;

pub use adapter::{audit_map, ClaimMode, FnTarget, MapTarget, SelectionTarget};
pub use derivative::DerivativeConfig;
pub use dual::Dual;
pub use membership::contains;
pub use mutate::{Mutant, Mutation};
pub use report::{
    format_matrix, AuditReport, Counterexample, Undecided, Verdict, ViolationKind, Why,
};
pub use shrink::simplest_in;

use crate::error::Result;
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use crate::selection::Tolerance;
use check::{check_claim_shape, Outcome, Probe};
use line::{chain_rule_on, claim_switch, locate, same_image, End, Kink, Line, Locate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rug::Rational;

/// What is claimed at a point: one Jacobian element or a set of them.
///
/// Closed on purpose: a claim is one matrix or a set ([`MatrixSet`] itself can grow).
#[derive(Clone, Debug, PartialEq)]
pub enum Claim {
    /// One element `A ∈ D_F(z)` (a *selection*, e.g. what AD returns). Checked by the
    /// chain rule along curves and local boundedness.
    Element(Matrix<Rational>),
    /// The whole set `D_F(z)`. Checked additionally for closed graph and one-sided
    /// derivatives at kinks.
    Set(MatrixSet<Rational>),
}

impl Claim {
    /// Shape `(n, N)` of the claimed matrices.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Claim::Element(a) => a.shape(),
            Claim::Set(s) => s.shape(),
        }
    }
}

/// How a target computes: exactly, or in `f64` (derivatives estimated by finite
/// differences and compared within a tolerance, see [`float`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Arithmetic {
    /// Exact rationals: equalities are decided exactly.
    Exact,
    /// `f64`: `|a − b| ≤ abs + rel·max(|a|, |b|)` plus the estimate's error bound.
    Float(Tolerance),
}

/// A function `F : R^N → R^n` with a claimed conservative Jacobian, evaluable at
/// rational points.
pub trait AuditTarget {
    /// A name for reports.
    fn name(&self) -> String;
    /// `(n, N)`: output and input dimensions.
    fn dims(&self) -> (usize, usize);
    /// `F(z)`. Errors are treated as "outside the domain" (counted, never a violation).
    fn eval(&self, z: &[Rational]) -> Result<Vec<Rational>>;
    /// The claimed Jacobian at `z` (`n × N` matrices).
    fn claimed(&self, z: &[Rational]) -> Result<Claim>;
    /// Optionally, the claimed element applied to `d` (a JVP) without forming it:
    /// used instead of [`AuditTarget::claimed`] wherever only `A d` is needed.
    fn claimed_product(&self, _z: &[Rational], _d: &[Rational]) -> Option<Result<Vec<Rational>>> {
        None
    }
    /// Optionally, the exact one-sided directional derivative `F'(z; d)` (e.g. from
    /// [`Dual`] numbers); by default it is computed from evaluations.
    fn directional(&self, _z: &[Rational], _d: &[Rational]) -> Option<Result<Vec<Rational>>> {
        None
    }
    /// Whether [`AuditTarget::directional`] evaluates `F` over [`Dual`] numbers, so
    /// that the comparisons it makes can be recorded to locate kinks exactly.
    fn traces_branches(&self) -> bool {
        false
    }
    /// Scalar values where kinks are likely (thresholds such as `λ`, box bounds):
    /// structured points use them as coordinates.
    fn hints(&self) -> Vec<Rational> {
        Vec::new()
    }
    /// Exact (default) or `f64` with a tolerance.
    fn arithmetic(&self) -> Arithmetic {
        Arithmetic::Exact
    }
    /// Optionally, whether the target's own representations of its claim at `z`
    /// agree (e.g. a linearization's VJP is the transpose of its JVP): `Some(Err(why))`
    /// is reported as [`ViolationKind::InconsistentClaim`].
    fn claim_consistency(&self, _z: &[Rational]) -> Option<std::result::Result<(), String>> {
        None
    }
}

/// Which claims count as correct at kinks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conventions {
    /// The definition of a conservative Jacobian: an element claim may take any value
    /// on a null set (e.g. `relu'(0) = 5`, AD's `1` for `relu(−x) + x − relu(x)`).
    Conservative,
    /// Additionally, at every kink a generic line crosses, an element claim must be a
    /// Clarke element: each coordinate of `A d` between the left and right
    /// derivatives (catches AD conventions such as `relu'(0) = 2`).
    Clarke,
}

/// The search budget and settings. Runs are reproducible from `seed`.
#[derive(Clone, Debug)]
pub struct AuditConfig {
    /// Seed of the random search.
    pub seed: u64,
    /// Chords scanned through generic points, in generic directions.
    pub lines: usize,
    /// Chords scanned through structured points, in directions from `{−1, 0, 1}^N`.
    pub structured_lines: usize,
    /// Strata (one sample each) per chord: bands of relative width `≥ 2/m` are
    /// always sampled (see the detection guarantee).
    pub samples_per_line: usize,
    /// Structured points (on likely kinks) tested with structured directions.
    pub kink_points: usize,
    /// Random structured directions tested through each structured point (besides
    /// the directions tangent to a kink there).
    pub directions_per_point: usize,
    /// Number of offsets `δ_j ≈ 10^{-j}` probed around breakpoints and disagreements
    /// (f64 targets use at most 8: below, finite differences are rounding noise).
    pub offsets: usize,
    /// Breakpoints located per line at most.
    pub max_kinks_per_line: usize,
    /// Settings of the exact derivative search.
    pub derivative: DerivativeConfig,
    /// The sampling box, one `(lo, hi)` per input (default `[−2, 2]` each).
    pub bounds: Option<Vec<(Rational, Rational)>>,
    /// What counts as correct at kinks.
    pub conventions: Conventions,
    /// Decided chain-rule checks needed for a [`Verdict::Pass`] (the other checks need
    /// no derivative and do not count).
    pub min_decided: usize,
    /// Shrink counterexamples before reporting them.
    pub shrink: bool,
    /// Stop after this many violations.
    pub max_violations: usize,
}

impl Default for AuditConfig {
    /// The default budget: 16 generic and 8 structured chords × 200 samples, 64
    /// structured points, offsets down to `10⁻¹²`, at least 200 decided checks.
    fn default() -> Self {
        AuditConfig {
            seed: 0x5eed,
            lines: 16,
            structured_lines: 8,
            samples_per_line: 200,
            kink_points: 64,
            directions_per_point: 3,
            offsets: 12,
            max_kinks_per_line: 16,
            derivative: DerivativeConfig::default(),
            bounds: None,
            conventions: Conventions::Conservative,
            min_decided: 200,
            shrink: true,
            max_violations: 1,
        }
    }
}

impl AuditConfig {
    /// A small budget for doctests and quick checks (at least 40 decided checks).
    pub fn quick(seed: u64) -> Self {
        AuditConfig {
            seed,
            lines: 3,
            structured_lines: 2,
            samples_per_line: 40,
            kink_points: 16,
            directions_per_point: 2,
            max_kinks_per_line: 8,
            min_decided: 40,
            ..Default::default()
        }
    }
}

/// One audit run in progress.
struct Run<'a> {
    probe: Probe<'a>,
    cfg: &'a AuditConfig,
    passed: usize,
    forgiven: usize,
    chain_decided: usize,
    kinks_located: usize,
    kinks_exact: usize,
    violations: Vec<Counterexample>,
}

impl Run<'_> {
    fn done(&self) -> bool {
        self.violations.len() >= self.cfg.max_violations
    }

    /// Record a chain-rule outcome (these decide whether a pass is earned).
    fn record_chain(&mut self, o: &Outcome) {
        if matches!(o, Outcome::Pass | Outcome::Forgiven) {
            self.chain_decided += 1;
        }
    }

    fn record(&mut self, o: Outcome) {
        match o {
            Outcome::Pass => self.passed += 1,
            Outcome::Forgiven => self.forgiven += 1,
            Outcome::Undecided(w) => self.probe.note(w),
            Outcome::Fail(c) => {
                let c = if self.cfg.shrink {
                    shrink::shrink(&self.probe, *c)
                } else {
                    *c
                };
                self.violations.push(c);
            }
        }
    }

    /// The chain rule along each of `dirs` through `z`, and along the directions
    /// tangent to a kink hyperplane through `z` if there is one.
    fn lines_through(&mut self, z: &[Rational], dirs: &[Vec<Rational>]) {
        let tangents = sample::tangent_directions(&self.probe, z);
        for d in dirs.iter().chain(&tangents) {
            if self.done() {
                return;
            }
            let line = Line::new(z.to_vec(), d.clone());
            let (o, _, _) = chain_rule_on(&self.probe, &line, &Rational::new());
            self.record_chain(&o);
            self.record(o);
        }
    }

    /// The kink checks at `z` along `±d`; `room`: distances to the next known
    /// breakpoints along `d` and `−d`.
    fn kink_checks(
        &mut self,
        z: &[Rational],
        d: &[Rational],
        is_set: bool,
        room: (Option<Rational>, Option<Rational>),
    ) {
        let nd: Vec<Rational> = d.iter().map(|x| Rational::from(-x)).collect();
        for (dir, r) in [(d, room.0), (nd.as_slice(), room.1)] {
            if is_set {
                if self.done() {
                    return;
                }
                let o = self.probe.one_sided_in_set(z, dir);
                self.record(o);
                if self.done() {
                    return;
                }
                let o = self.probe.closed_graph(z, dir, r.as_ref());
                self.record(o);
            }
            if self.done() {
                return;
            }
            let o = self.probe.bounded(z, dir);
            self.record(o);
        }
    }

    /// The target's own consistency check at `z`, if it has one.
    fn consistency(&mut self, z: &[Rational]) {
        if self.done() {
            return;
        }
        let o = match self.probe.target.claim_consistency(z) {
            None => return,
            Some(Ok(())) => Outcome::Pass,
            Some(Err(why)) => Outcome::Fail(Box::new(Counterexample {
                kind: ViolationKind::InconsistentClaim,
                seed: self.cfg.seed,
                point: z.to_vec(),
                direction: vec![Rational::new(); z.len()],
                t: vec![],
                expected: vec![],
                claimed: vec![],
                element: None,
                detail: why,
                shrink_steps: 0,
                estimated: false,
            })),
        };
        self.record(o);
    }

    /// Scan one chord: stratified samples, breakpoints, probes around them.
    fn scan(&mut self, mut line: Line, rng: &mut ChaCha8Rng, generic: bool) {
        let m = self.cfg.samples_per_line.max(2);
        self.consistency(&line.at(&Rational::from((1, 2))));
        let mut samples = Vec::with_capacity(m);
        for t in sample::strata(rng, m) {
            if self.done() {
                return;
            }
            let (o, sides, claim) = chain_rule_on(&self.probe, &line, &t);
            self.record_chain(&o);
            self.record(o);
            samples.push((t, sides, claim.map(|c| c.image)));
        }
        // Breakpoints of the map.
        let float_jump = float_jump(&self.probe, &samples);
        let mut st = Locate {
            budget: 2 * self.cfg.max_kinks_per_line,
            float_jump,
            width: if self.probe.is_float() {
                Rational::from((1, 10_000_000_000_000u64))
            } else {
                Rational::from((1u32, 1u32)) >> 60u32
            },
        };
        let mut kinks: Vec<Kink> = Vec::new();
        for w in samples.windows(2) {
            if kinks.len() >= self.cfg.max_kinks_per_line || self.done() {
                break;
            }
            if let (Some(sa), Some(sb)) = (&w[0].1, &w[1].1) {
                let a = End {
                    t: w[0].0.clone(),
                    side: sa.right.clone(),
                };
                let b = End {
                    t: w[1].0.clone(),
                    side: sb.left.clone(),
                };
                locate(&self.probe, &line, a, b, &mut st, 0, &mut kinks);
            }
        }
        // Switches of the claim that are not breakpoints of the map.
        for w in samples.windows(2) {
            if kinks.len() >= 2 * self.cfg.max_kinks_per_line {
                break;
            }
            let (Some(ia), Some(ib)) = (&w[0].2, &w[1].2) else {
                continue;
            };
            if same_image(&self.probe, ia, ib) {
                continue;
            }
            if let Some(k) = claim_switch(&self.probe, &line, &w[0].0, ia, &w[1].0, ib, &st.width) {
                let near = |x: &Kink| {
                    let gap = Rational::from(&st.width * 4u32);
                    k.lo <= Rational::from(&x.hi + &gap) && x.lo <= Rational::from(&k.hi + &gap)
                };
                if !kinks.iter().any(near) {
                    kinks.push(k);
                }
            }
        }
        kinks.sort_by(|a, b| a.lo.cmp(&b.lo));
        self.kinks_located += kinks.len();
        self.kinks_exact += kinks.iter().filter(|k| k.exact()).count();
        line.kinks = kinks.clone();
        // Probes at shrinking offsets on both sides of each breakpoint.
        for k in &kinks {
            for delta in &self.probe.offsets.clone() {
                for t in [Rational::from(&k.lo - delta), Rational::from(&k.hi + delta)] {
                    if self.done() {
                        return;
                    }
                    let (o, _, _) = chain_rule_on(&self.probe, &line, &t);
                    self.record_chain(&o);
                    self.record(o);
                }
            }
            let at = kink_point(&line, k);
            if k.exact() {
                let is_set = matches!(self.probe.claim(&at), Ok(Claim::Set(_)));
                let room = line.room(&k.lo);
                self.kink_checks(&at, &line.dir, is_set, room);
            }
            if self.cfg.conventions == Conventions::Clarke && generic && !self.done() {
                let o = self.probe.clarke_at(&at, &line.dir);
                self.record(o);
            }
        }
    }
}

/// The point of a breakpoint: exact, or (a bracket) the middle with each coordinate
/// moved to the simplest rational in its range when that is short (f64 kinks at
/// simple values such as 0 or a threshold are then hit exactly).
fn kink_point(line: &Line, k: &Kink) -> Vec<Rational> {
    if k.exact() {
        return line.at(&k.lo);
    }
    let (a, b) = (line.at(&k.lo), line.at(&k.hi));
    let mid = line.at(&(Rational::from(&k.lo + &k.hi) / 2u32));
    a.iter()
        .zip(&b)
        .zip(mid)
        .map(|((x, y), m)| {
            let s = simplest_in(x, y);
            if s.denom().significant_bits() <= 16 {
                s
            } else {
                m
            }
        })
        .collect()
}

/// f64 targets: the slope difference between adjacent samples above which a stratum
/// is searched for a kink — 4× the median difference (smooth curvature), at least 10×
/// the tolerance.
fn float_jump(
    probe: &Probe<'_>,
    samples: &[(Rational, Option<check::Sides>, Option<membership::Image>)],
) -> f64 {
    let Arithmetic::Float(tol) = probe.arith else {
        return 0.0;
    };
    let to = crate::scalar::rational_to_f64;
    let mut diffs: Vec<f64> = Vec::new();
    let mut smax: f64 = 0.0;
    for w in samples.windows(2) {
        if let (Some(a), Some(b)) = (&w[0].1, &w[1].1) {
            let d = a
                .right
                .slope
                .iter()
                .zip(&b.left.slope)
                .map(|(x, y)| (to(x) - to(y)).abs())
                .fold(0.0, f64::max);
            smax = a
                .right
                .slope
                .iter()
                .map(|x| to(x).abs())
                .fold(smax, f64::max);
            diffs.push(d);
        }
    }
    diffs.sort_by(|a, b| a.total_cmp(b));
    let median = diffs.get(diffs.len() / 2).copied().unwrap_or(0.0);
    (4.0 * median).max(10.0 * (tol.abs + tol.rel * smax))
}

impl Probe<'_> {
    /// Re-run the check of `kind` at `(z, d)` (used by shrinking).
    pub(crate) fn recheck(&self, kind: ViolationKind, z: &[Rational], d: &[Rational]) -> Outcome {
        match kind {
            ViolationKind::ChainRule => {
                chain_rule_on(self, &Line::new(z.to_vec(), d.to_vec()), &Rational::new()).0
            }
            ViolationKind::OneSidedDerivative => self.one_sided_in_set(z, d),
            ViolationKind::ClosedGraph => self.closed_graph(z, d, None),
            ViolationKind::NotLocallyBounded => self.bounded(z, d),
            ViolationKind::OutsideClarke => self.clarke_at(z, d),
            ViolationKind::InconsistentClaim => match self.target.claim_consistency(z) {
                Some(Err(why)) => Outcome::Fail(Box::new(Counterexample {
                    kind,
                    seed: self.seed,
                    point: z.to_vec(),
                    direction: d.to_vec(),
                    t: vec![],
                    expected: vec![],
                    claimed: vec![],
                    element: None,
                    detail: why,
                    shrink_steps: 0,
                    estimated: false,
                })),
                _ => Outcome::Pass,
            },
        }
    }
}

/// Search for violations of the definition of a conservative Jacobian; see the
/// module docs. Errors when the target's shapes are inconsistent with
/// [`AuditTarget::dims`], its claim at a first generic point is an empty set, or the
/// configuration's bounds do not match the input dimension; evaluation errors at
/// sampled points (outside the domain) are counted as undecided.
pub fn audit(target: &dyn AuditTarget, cfg: &AuditConfig) -> Result<AuditReport> {
    let (n, nz) = target.dims();
    let bounds = match &cfg.bounds {
        Some(b) if b.len() != nz => {
            return Err(crate::Error::DimensionMismatch {
                op: "AuditConfig::bounds",
                left: (nz, 1),
                right: (b.len(), 1),
            })
        }
        Some(b) if b.iter().any(|(lo, hi)| lo >= hi) => {
            return Err(crate::Error::BoundsOutOfOrder {
                what: "AuditConfig::bounds (each lo must be below its hi)".into(),
                entry: (b.iter().position(|(lo, hi)| lo >= hi).unwrap_or(0), 0),
            })
        }
        Some(b) => b.clone(),
        None => sample::default_bounds(nz),
    };
    let mut probe = Probe::new(target, cfg.derivative.clone(), cfg.seed);
    let n_offsets = if probe.is_float() {
        cfg.offsets.min(8)
    } else {
        cfg.offsets
    };
    probe.offsets = check::offsets(n_offsets);
    let mut run = Run {
        probe,
        cfg,
        passed: 0,
        forgiven: 0,
        chain_decided: 0,
        kinks_located: 0,
        kinks_exact: 0,
        violations: Vec::new(),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let hints = target.hints();
    // Shape errors are the caller's bug: surface them instead of counting them.
    let z0 = sample::generic_point_in(&mut rng, &bounds);
    if let Ok(c) = target.claimed(&z0) {
        check_claim_shape(target, &c)?;
    }
    if let Ok(v) = target.eval(&z0) {
        if v.len() != n {
            return Err(crate::Error::DimensionMismatch {
                op: "AuditTarget::eval",
                left: (n, nz),
                right: (v.len(), 1),
            });
        }
    }

    // 1–2. Chords with stratified samples, breakpoints and probes.
    for k in 0..cfg.lines + cfg.structured_lines {
        if run.done() {
            break;
        }
        let generic = k < cfg.lines;
        let (p, d) = if generic {
            (
                sample::generic_point_in(&mut rng, &bounds),
                sample::generic_direction(&mut rng, nz),
            )
        } else {
            (
                sample::structured_point(&mut rng, &bounds, &hints),
                sample::structured_direction(&mut rng, nz),
            )
        };
        if let Some((a, dir)) = sample::chord(&p, &d, &bounds) {
            run.scan(Line::new(a, dir), &mut rng, generic);
        }
    }

    // 3. Structured points (likely on kinks) and lines inside kink manifolds.
    for _ in 0..cfg.kink_points {
        if run.done() {
            break;
        }
        let z = sample::structured_point(&mut rng, &bounds, &hints);
        let dirs: Vec<Vec<Rational>> = (0..cfg.directions_per_point.max(1))
            .map(|_| sample::structured_direction(&mut rng, nz))
            .collect();
        run.lines_through(&z, &dirs);
        run.consistency(&z);
        let is_set = matches!(run.probe.claim(&z), Ok(Claim::Set(_)));
        for d in dirs.iter().take(2) {
            run.kink_checks(&z, d, is_set, (None, None));
        }
        // Keep the generator's stream independent of how many checks ran.
        let _ = rng.gen::<u32>();
    }

    let undecided = *run.probe.undecided.borrow();
    Ok(AuditReport {
        target: target.name(),
        seed: cfg.seed,
        passed_checks: run.passed,
        forgiven: run.forgiven,
        chain_rule_decided: run.chain_decided,
        undecided,
        kinks_located: run.kinks_located,
        kinks_exact: run.kinks_exact,
        evaluations: run.probe.evaluations.get(),
        claims: run.probe.claims.get(),
        degree_used: run.probe.degree.get(),
        min_decided: cfg.min_decided,
        violations: run.violations,
    })
}
