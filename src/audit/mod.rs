//! Audit: a fuzzing harness for conservative-Jacobian implementations (MATH.md §2).
//!
//! Give it a function `F : R^N → R^n` evaluable in exact rationals and the Jacobian
//! you claim for it — one element per point (what your AD code returns) or a whole
//! set (a [`MatrixSet`]) — as an [`AuditTarget`]; [`audit`] searches for violations of
//! the definition of a conservative Jacobian and reports each as a small, shrunk,
//! reproducible [`Counterexample`].
//!
//! # What is searched
//! 1. **Random polylines** through generic rational points: at a random parameter of
//!    each segment, the chain rule `d/dt F(γ(t)) = A γ'(t)` for every claimed `A`,
//!    with the derivative of `t ↦ F(γ(t))` computed *exactly* (rational forward
//!    differences, see [`derivative`]), and confirmed at further parameters of the
//!    same segment (the definition only asks for almost every `t`).
//! 2. **Points on kinks**: structured points whose coordinates are simple rationals
//!    and the target's [`AuditTarget::hints`] (thresholds), with directions in
//!    `{−1, 0, 1}^N` — so lines *inside* kink manifolds (e.g. `z = λ`) are tested too.
//!    At each: the chain rule along the line, and for set claims the one-sided
//!    derivative `F'(z; d) ∈ conv(D(z))·d`, closed graph (limits of the claims along
//!    `z ± t d`, `t → 0⁺`, lie in `D(z)`), and local boundedness.
//! 3. **Located kinks**: along random lines the exact crossing of two affine pieces is
//!    computed and the kink checks of 2. run there.
//!
//! Why none of these flags a valid conservative Jacobian (e.g. `relu'(0) ∈ {0, 1/2,
//! 1}`, AD's `1` for `relu(−x) + x − relu(x)` at 0, a set larger than Clarke's): a
//! pointwise disagreement is only reported when it persists on the same line at
//! irregular nearby parameters (the definition asks for almost every `t`), and the
//! kink checks are consequences of closed graph plus local boundedness. See
//! [Checks](#checks).
//!
//! # Checks
//! * **Chain rule** — every claimed `A` satisfies `A d = d/dt F(z + t d)` where the
//!   right and left derivatives agree; confirmed at `confirmations` further `t`.
//! * **One-sided derivative** (set claims) — `F'(z; d) ∈ conv(D(z))·d`. If `A(s) ∈
//!   D(z + s d)` then `F(z + t d) − F(z) = ∫₀ᵗ A(s) d ds`, and by closed graph and
//!   local boundedness the limit points of `A(s)` as `s → 0⁺` lie in `D(z)`.
//! * **Closed graph** (set claims) — limits of representative elements of
//!   `D(z + t_j d)`, `t_j → 0⁺`, found by exact polynomial extrapolation, lie in
//!   `D(z)` ([`membership::contains`], exact; it agrees with
//!   `MatrixSet::contains` of `matset`, tested).
//! * **Local boundedness** — `max |A_ij|` over `D(z + t_j d)` does not grow
//!   geometrically as `t_j → 0⁺`.
//!
//! A single-element claim is a *selection* (what AD returns): only the chain rule and
//! boundedness apply — a selection need not have a closed graph; the closure of its
//! graph is the conservative Jacobian. Limits of the method: derivatives from
//! evaluations are exact when `F` is piecewise polynomial of degree `≤ max_degree`
//! along lines (others are counted *inconclusive*, never violations), or exact for
//! any map written over `S: Scalar` through [`Dual`] numbers; kinks are located
//! exactly where the pieces are affine along the line.
//!
//! # Pieces
//! * [`FnTarget`] (closures), [`MapTarget`] (any [`FixedPointMap`](crate::FixedPointMap)
//!   with `z = (x, θ)`), [`SelectionTarget`] (any `selection::Selection`), optionally
//!   with the same object over [`Dual`] for exact directional derivatives.
//! * [`builtin::builtin_targets`]: every built-in primitive and map, in both modes.
//! * [`Mutant`]/[`Mutation`]: systematic errors to calibrate a budget.
//! * `strategies` (feature `testing`): proptest strategies and quickcheck
//!   `Arbitrary` impls for scalars, matrices, matrix sets and random selections.
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
pub mod membership;
pub mod mutate;
mod sample;
mod shrink;
#[cfg(feature = "testing")]
pub mod strategies;

pub use adapter::{ClaimMode, FnTarget, MapTarget, SelectionTarget};
pub use dual::Dual;
pub use membership::contains;
pub use mutate::{Mutant, Mutation};

use crate::error::Result;
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use check::{Outcome, Probe};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rug::Rational;
use std::cell::Cell;
use std::fmt;

/// What is claimed at a point: one Jacobian element or a set of them.
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

/// A function `F : R^N → R^n` with a claimed conservative Jacobian, both evaluable in
/// exact rationals.
pub trait AuditTarget {
    /// A name for reports.
    fn name(&self) -> String;
    /// `(n, N)`: output and input dimensions.
    fn dims(&self) -> (usize, usize);
    /// `F(z)`. Errors are treated as "outside the domain": the sample is skipped.
    fn eval(&self, z: &[Rational]) -> Result<Vec<Rational>>;
    /// The claimed Jacobian at `z` (`n × N` matrices).
    fn claimed(&self, z: &[Rational]) -> Result<Claim>;
    /// Optionally, the exact one-sided directional derivative `F'(z; d)` (e.g. from
    /// [`Dual`] numbers); by default it is computed from evaluations.
    fn directional(&self, _z: &[Rational], _d: &[Rational]) -> Option<Result<Vec<Rational>>> {
        None
    }
    /// Scalar values where kinks are likely (thresholds such as `λ`, box bounds):
    /// structured points use them as coordinates.
    fn hints(&self) -> Vec<Rational> {
        Vec::new()
    }
}

/// The search budget and settings. Runs are reproducible from `seed`.
#[derive(Clone, Debug)]
pub struct AuditConfig {
    /// Seed of the random search.
    pub seed: u64,
    /// Number of random polylines (generic points).
    pub polylines: usize,
    /// Segments per polyline.
    pub segments: usize,
    /// Number of structured points (on likely kinks) with a structured direction.
    pub kink_points: usize,
    /// Random structured directions tested through each structured point (besides
    /// the directions tangent to a kink there).
    pub directions_per_point: usize,
    /// Number of random lines scanned for kinks located exactly.
    pub kink_searches: usize,
    /// Confirmation points a chain-rule failure needs on the same line.
    pub confirmations: usize,
    /// Settings of the exact derivative search.
    pub derivative: derivative::DerivativeConfig,
    /// Shrink counterexamples before reporting them.
    pub shrink: bool,
    /// Stop after this many violations.
    pub max_violations: usize,
}

impl Default for AuditConfig {
    /// The default budget: 16 polylines × 3 segments, 64 kink points, 8 kink searches.
    fn default() -> Self {
        AuditConfig {
            seed: 0x5eed,
            polylines: 16,
            segments: 3,
            kink_points: 64,
            directions_per_point: 3,
            kink_searches: 8,
            confirmations: 2,
            derivative: derivative::DerivativeConfig::default(),
            shrink: true,
            max_violations: 1,
        }
    }
}

impl AuditConfig {
    /// A small budget for doctests and quick checks.
    pub fn quick(seed: u64) -> Self {
        AuditConfig {
            seed,
            polylines: 4,
            segments: 2,
            kink_points: 16,
            directions_per_point: 2,
            kink_searches: 2,
            ..Default::default()
        }
    }
}

/// Which part of the definition a counterexample violates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViolationKind {
    /// `d/dt F(z + t d) ≠ A d` on a set of `t` that is not null (base point and all
    /// confirmation points).
    ChainRule,
    /// The one-sided derivative `F'(z; d)` is not in `conv(D(z))·d`.
    OneSidedDerivative,
    /// A limit of claimed elements at `z + t d`, `t → 0⁺`, is not in `D(z)`.
    ClosedGraph,
    /// The claims grow geometrically as `z + t d → z`.
    NotLocallyBounded,
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
    /// The parameters `t` used: for the chain rule, the base 0 and the confirmation
    /// points; for limits, the sequence `t_j → 0⁺`.
    pub t: Vec<Rational>,
    /// The exact value: `d/dt F(z + t d)` at `t = 0` (chain rule), `F'(z; d)`
    /// (one-sided), the limit element's entries (closed graph, column-major).
    pub expected: Vec<Rational>,
    /// What the claim gives: `A d` for the offending element (chain rule), one point of
    /// `conv(D(z))·d` (one-sided), the norms along the sequence (boundedness).
    pub claimed: Vec<Rational>,
    /// The offending element when known.
    pub element: Option<Matrix<Rational>>,
    /// A sentence saying what failed.
    pub detail: String,
    /// How many shrinking steps were applied.
    pub shrink_steps: usize,
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
        writeln!(f, "  expected    = {}", fmt_vec(&self.expected))?;
        writeln!(f, "  claimed     = {}", fmt_vec(&self.claimed))?;
        if let Some(a) = &self.element {
            writeln!(f, "  element     = {}", format_matrix(a))?;
        }
        write!(f, "  (shrunk in {} steps)", self.shrink_steps)
    }
}

/// The result of an audit run.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// The target's name.
    pub target: String,
    /// The seed.
    pub seed: u64,
    /// Checks that passed.
    pub passed_checks: usize,
    /// Checks that could not decide (kinks of `F∘γ`, no polynomial window, errors).
    pub inconclusive: usize,
    /// Evaluations of `F`.
    pub evaluations: usize,
    /// Evaluations of the claim.
    pub claims: usize,
    /// Violations found (shrunk), at most `max_violations`.
    pub violations: Vec<Counterexample>,
}

impl AuditReport {
    /// No violation found.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "audit of {} (seed {}): {} checks passed, {} inconclusive, {} evaluations of F, {} of the claim: ",
            self.target, self.seed, self.passed_checks, self.inconclusive, self.evaluations, self.claims
        )?;
        if self.violations.is_empty() {
            write!(f, "no violation found")
        } else {
            writeln!(f, "{} violation(s)", self.violations.len())?;
            for v in &self.violations {
                writeln!(f, "{v}")?;
            }
            Ok(())
        }
    }
}

struct Run<'a> {
    probe: Probe<'a>,
    cfg: &'a AuditConfig,
    passed: usize,
    inconclusive: usize,
    violations: Vec<Counterexample>,
}

impl Run<'_> {
    fn done(&self) -> bool {
        self.violations.len() >= self.cfg.max_violations
    }

    fn record(&mut self, o: Outcome) {
        match o {
            Outcome::Pass => self.passed += 1,
            Outcome::Inconclusive => self.inconclusive += 1,
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
            let o = self.probe.chain_rule(z, d);
            self.record(o);
        }
    }

    /// The kink checks at `z` along `±d`.
    fn kink_checks(&mut self, z: &[Rational], d: &[Rational], is_set: bool) {
        let nd: Vec<Rational> = d.iter().map(|x| Rational::from(-x)).collect();
        for dir in [d, nd.as_slice()] {
            if is_set {
                if self.done() {
                    return;
                }
                let o = self.probe.one_sided_in_set(z, dir);
                self.record(o);
                if self.done() {
                    return;
                }
                let o = self.probe.closed_graph(z, dir);
                self.record(o);
            }
            if self.done() {
                return;
            }
            let o = self.probe.bounded(z, dir);
            self.record(o);
        }
    }
}

/// Search for violations of the definition of a conservative Jacobian; see the
/// module docs. Errors when the target's shapes are inconsistent with
/// [`AuditTarget::dims`] or its claim at a first generic point is an empty set;
/// evaluation errors at sampled points (e.g. outside the domain) count as
/// inconclusive.
pub fn audit(target: &dyn AuditTarget, cfg: &AuditConfig) -> Result<AuditReport> {
    let (n, nz) = target.dims();
    let probe = Probe {
        target,
        deriv: cfg.derivative.clone(),
        confirmations: cfg.confirmations,
        evaluations: Cell::new(0),
        claims: Cell::new(0),
        seed: cfg.seed,
    };
    let mut run = Run {
        probe,
        cfg,
        passed: 0,
        inconclusive: 0,
        violations: Vec::new(),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let hints = target.hints();
    // Shape errors are the caller's bug: surface them instead of counting them.
    let z0 = sample::generic_point(&mut rng, nz);
    if let Ok(c) = target.claimed(&z0) {
        if let Claim::Set(MatrixSet::Finite(ms) | MatrixSet::Hull(ms)) = &c {
            if ms.is_empty() {
                return Err(crate::Error::InvalidInput(format!(
                    "{}: claimed set is empty (conservative Jacobians have nonempty values)",
                    target.name()
                )));
            }
        }
        if c.shape() != (n, nz) {
            return Err(crate::Error::DimensionMismatch {
                op: "AuditTarget::claimed",
                left: (n, nz),
                right: c.shape(),
            });
        }
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

    // 1. Random polylines through generic points.
    for _ in 0..cfg.polylines {
        let mut corner = sample::generic_point(&mut rng, nz);
        for _ in 0..cfg.segments {
            if run.done() {
                break;
            }
            let next = sample::generic_point(&mut rng, nz);
            let d: Vec<Rational> = next
                .iter()
                .zip(&corner)
                .map(|(a, b)| Rational::from(a - b))
                .collect();
            let t = sample::generic_fraction(&mut rng);
            let z = derivative::along(&corner, &d, &t);
            let o = run.probe.chain_rule(&z, &d);
            run.record(o);
            corner = next;
        }
    }

    // 2. Structured points (likely on kinks) and lines inside kink manifolds.
    for _ in 0..cfg.kink_points {
        if run.done() {
            break;
        }
        let z = sample::structured_point(&mut rng, nz, &hints);
        let dirs: Vec<Vec<Rational>> = (0..cfg.directions_per_point.max(1))
            .map(|_| sample::structured_direction(&mut rng, nz))
            .collect();
        run.lines_through(&z, &dirs);
        let is_set = matches!(run.probe.claim(&z), Ok(Claim::Set(_)));
        for d in dirs.iter().take(2) {
            run.kink_checks(&z, d, is_set);
        }
    }

    // 3. Kinks located exactly along random lines.
    for _ in 0..cfg.kink_searches {
        if run.done() {
            break;
        }
        let z = if rng.gen_bool(0.5) {
            sample::structured_point(&mut rng, nz, &hints)
        } else {
            sample::generic_point(&mut rng, nz)
        };
        let d = sample::structured_direction(&mut rng, nz);
        for kink in sample::locate_kinks(&run.probe, &z, &d) {
            if run.done() {
                break;
            }
            let is_set = matches!(run.probe.claim(&kink), Ok(Claim::Set(_)));
            run.kink_checks(&kink, &d, is_set);
            // Lines through the kink, inside its manifold and across it.
            let d2 = sample::structured_direction(&mut rng, nz);
            run.lines_through(&kink, &[d2]);
        }
    }

    Ok(AuditReport {
        target: target.name(),
        seed: cfg.seed,
        passed_checks: run.passed,
        inconclusive: run.inconclusive,
        evaluations: run.probe.evaluations.get(),
        claims: run.probe.claims.get(),
        violations: run.violations,
    })
}
