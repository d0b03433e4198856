//! The four checks of the definition (MATH.md §2), each at one point and direction.
//!
//! Why each check cannot raise a false alarm on a valid conservative Jacobian `D`
//! (closed graph, nonempty compact values, locally bounded, chain rule for a.e. `t`):
//!
//! * **Chain rule** (`d/dt F(z + t d) = A d` for every `A ∈ D(z + t d)`): checked
//!   only where `t ↦ F(z + t d)` is differentiable (equal exact one-sided
//!   derivatives), and reported only if it fails at the base point **and** at every
//!   one of `confirmations` further parameters `t` on the same line. A valid `D` may
//!   disagree with the derivative on a null set of `t` (e.g. AD's `1` for
//!   `relu(−x) + x − relu(x)` at 0); the confirmation points are irregular rationals
//!   that avoid such exceptional sets unless the disagreement has positive measure.
//!   Lines lying inside a kink manifold (e.g. `z = λ` for soft-thresholding) are
//!   tested too: the definition quantifies over every curve.
//! * **One-sided derivative** (set claims): for every `z, d`,
//!   `F'(z; d) ∈ conv(D(z))·d`. Proof: `F(z + t d) − F(z) = ∫₀ᵗ A(s) d ds` with
//!   `A(s) ∈ D(z + s d)` a.e.; by closed graph and local boundedness the limit points
//!   of `A(s)` as `s → 0⁺` lie in `D(z)`, so the averages converge into
//!   `conv(D(z))·d`.
//! * **Closed graph** (set claims): for `t_j → 0⁺`, the limit of representative
//!   elements of `D(z + t_j d)` (when they converge, detected by exact polynomial
//!   extrapolation) must lie in `D(z)`.
//! * **Local boundedness**: the norms `max |A_ij|` over `D(z + t_j d)` must not grow
//!   geometrically as `t_j = h 2^{-j} → 0` (ratio `≥ 5/4` at each of the last 8 steps,
//!   i.e. at least like `t^{-0.32}`).
//!
//! Single-element claims (the AD convention) are a *selection*: only the chain rule
//! and local boundedness apply to them (a selection need not have a closed graph; its
//! graph's closure is the conservative Jacobian).

use super::derivative::{along, limit_at_zero, right_derivative, DerivativeConfig};
use super::membership::{contains, image, image_all_equal, image_contains, representatives};
use super::{AuditTarget, Claim, Counterexample, ViolationKind};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::MatrixSet;
use rug::Rational;
use std::cell::Cell;

/// A target with evaluation counters and the audit's numerical settings.
pub(crate) struct Probe<'a> {
    pub target: &'a dyn AuditTarget,
    pub deriv: DerivativeConfig,
    pub confirmations: usize,
    pub evaluations: Cell<usize>,
    pub claims: Cell<usize>,
    pub seed: u64,
}

/// Outcome of one check.
pub(crate) enum Outcome {
    /// The identity held.
    Pass,
    /// Could not decide (kink of `F∘γ` at the point, no polynomial window, an error
    /// from the target, or a non-convergent sequence).
    Inconclusive,
    /// A violation, already confirmed.
    Fail(Box<Counterexample>),
}

/// Offsets (in units of `t`) of the confirmation points: irregular rationals, so a
/// claim's exceptional null set (typically at simple rationals) is not hit.
const CONFIRM: [(i64, i64); 4] = [(577, 9091), (-389, 7103), (1031, 32797), (-1307, 40009)];

impl Probe<'_> {
    pub(crate) fn eval_point(&self, z: &[Rational]) -> Result<Vec<Rational>> {
        self.evaluations.set(self.evaluations.get() + 1);
        let (n, nz) = self.target.dims();
        let v = self.target.eval(z)?;
        if v.len() != n || z.len() != nz {
            return Err(Error::DimensionMismatch {
                op: "AuditTarget::eval",
                left: (n, nz),
                right: (v.len(), z.len()),
            });
        }
        Ok(v)
    }

    pub(crate) fn claim(&self, z: &[Rational]) -> Result<Claim> {
        self.claims.set(self.claims.get() + 1);
        let c = self.target.claimed(z)?;
        if let Claim::Set(MatrixSet::Finite(ms) | MatrixSet::Hull(ms)) = &c {
            if ms.is_empty() {
                return Err(Error::InvalidInput(
                    "claimed set is empty (conservative Jacobians have nonempty values)".into(),
                ));
            }
        }
        let (n, nz) = self.target.dims();
        let shape = c.shape();
        if shape != (n, nz) {
            return Err(Error::DimensionMismatch {
                op: "AuditTarget::claimed",
                left: (n, nz),
                right: shape,
            });
        }
        Ok(c)
    }

    /// Exact `F'(z; d)` (right derivative along `d`), `None` if undecided.
    pub(crate) fn one_sided(
        &self,
        z: &[Rational],
        d: &[Rational],
    ) -> Result<Option<Vec<Rational>>> {
        if let Some(r) = self.target.directional(z, d) {
            self.evaluations.set(self.evaluations.get() + 1);
            let v = r?;
            let (n, nz) = self.target.dims();
            if v.len() != n {
                return Err(Error::DimensionMismatch {
                    op: "AuditTarget::directional",
                    left: (n, nz),
                    right: (v.len(), 1),
                });
            }
            return Ok(Some(v));
        }
        let f0 = self.eval_point(z)?;
        let mut ev = |p: &[Rational]| self.eval_point(p);
        right_derivative(&mut ev, z, d, &f0, &self.deriv)
    }

    /// `d/dt F(z + t d)` at `t = 0` if both one-sided derivatives agree.
    fn two_sided(&self, z: &[Rational], d: &[Rational]) -> Result<Option<Vec<Rational>>> {
        let Some(r) = self.one_sided(z, d)? else {
            return Ok(None);
        };
        let nd: Vec<Rational> = d.iter().map(|x| Rational::from(-x)).collect();
        let Some(l) = self.one_sided(z, &nd)? else {
            return Ok(None);
        };
        let l: Vec<Rational> = l.into_iter().map(|x| -x).collect();
        Ok((l == r).then_some(r))
    }

    /// Unconfirmed chain-rule test at `z` along `d`: `Some((expected, claimed A d,
    /// element))` on failure, `Ok(None)` on pass, `Err` when inconclusive.
    #[allow(clippy::type_complexity)]
    fn chain_rule_once(
        &self,
        z: &[Rational],
        d: &[Rational],
    ) -> std::result::Result<Option<(Vec<Rational>, Vec<Rational>, Option<Matrix<Rational>>)>, ()>
    {
        let expected = match self.two_sided(z, d) {
            Ok(Some(e)) => e,
            Ok(None) | Err(_) => return Err(()),
        };
        let claim = self.claim(z).map_err(|_| ())?;
        match claim {
            Claim::Element(a) => {
                let ad = a.mul_vec(d).map_err(|_| ())?;
                Ok((ad != expected).then_some((expected, ad, Some(a))))
            }
            Claim::Set(set) => {
                let img = image(&set, d).map_err(|_| ())?;
                let Some(bad) = image_all_equal(&img, &expected) else {
                    return Ok(None);
                };
                // Name the offending element when the set lists its elements.
                let elem = representatives(&set).ok().and_then(|reps| {
                    reps.into_iter()
                        .find(|a| a.mul_vec(d).map(|v| v == bad).unwrap_or(false))
                });
                Ok(Some((expected, bad, elem)))
            }
        }
    }

    /// Chain rule at `z` along `d`, confirmed at further points of the same line.
    pub(crate) fn chain_rule(&self, z: &[Rational], d: &[Rational]) -> Outcome {
        let (expected, claimed, element) = match self.chain_rule_once(z, d) {
            Err(()) => return Outcome::Inconclusive,
            Ok(None) => return Outcome::Pass,
            Ok(Some(f)) => f,
        };
        let mut ts = vec![Rational::new()];
        for &(p, q) in CONFIRM.iter() {
            if ts.len() > self.confirmations {
                break;
            }
            let t = Rational::from((p, q));
            match self.chain_rule_once(&along(z, d, &t), d) {
                Ok(Some(_)) => ts.push(t),
                // Holds near the base point: the failure may sit on a null set.
                Ok(None) => return Outcome::Pass,
                Err(()) => {}
            }
        }
        if ts.len() <= self.confirmations {
            return Outcome::Inconclusive;
        }
        Outcome::Fail(Box::new(Counterexample {
            kind: ViolationKind::ChainRule,
            seed: self.seed,
            point: z.to_vec(),
            direction: d.to_vec(),
            t: ts,
            expected,
            claimed,
            element,
            detail: "d/dt F(z + t d) ≠ A d at t = 0 and at every confirmation t".into(),
            shrink_steps: 0,
        }))
    }

    /// `F'(z; d) ∈ conv(D(z))·d` (set claims only).
    pub(crate) fn one_sided_in_set(&self, z: &[Rational], d: &[Rational]) -> Outcome {
        let Ok(Claim::Set(set)) = self.claim(z) else {
            return Outcome::Inconclusive;
        };
        let v = match self.one_sided(z, d) {
            Ok(Some(v)) => v,
            _ => return Outcome::Inconclusive,
        };
        let Ok(img) = image(&set, d) else {
            return Outcome::Inconclusive;
        };
        if image_contains(&img, &v) {
            return Outcome::Pass;
        }
        let claimed = match &img {
            super::membership::Image::Points(ps) => ps.first().cloned().unwrap_or_default(),
            super::membership::Image::Intervals(iv) => iv.iter().map(|(a, _)| a.clone()).collect(),
        };
        Outcome::Fail(Box::new(Counterexample {
            kind: ViolationKind::OneSidedDerivative,
            seed: self.seed,
            point: z.to_vec(),
            direction: d.to_vec(),
            t: vec![Rational::new()],
            expected: v,
            claimed,
            element: None,
            detail: format!(
                "the one-sided derivative F'(z; d) is not in conv(D(z))·d; D(z) = {}",
                describe(&set)
            ),
            shrink_steps: 0,
        }))
    }

    /// Claims at `z + t_j d`, `t_j = 2^{-2-j}`, `j = 0..=10`.
    fn approach(&self, z: &[Rational], d: &[Rational]) -> Option<(Vec<Rational>, Vec<Claim>)> {
        let ts: Vec<Rational> = (0..=10).map(|j| Rational::from((1, 4u64 << j))).collect();
        let claims = ts
            .iter()
            .map(|t| self.claim(&along(z, d, t)))
            .collect::<Result<Vec<_>>>()
            .ok()?;
        Some((ts, claims))
    }

    /// Closed graph along `z + t d`, `t → 0⁺` (set claims only).
    pub(crate) fn closed_graph(&self, z: &[Rational], d: &[Rational]) -> Outcome {
        let Ok(Claim::Set(at)) = self.claim(z) else {
            return Outcome::Inconclusive;
        };
        let Some((ts, claims)) = self.approach(z, d) else {
            return Outcome::Inconclusive;
        };
        let reps: Vec<Vec<Matrix<Rational>>> = match claims
            .iter()
            .map(|c| match c {
                Claim::Element(a) => Ok(vec![a.clone()]),
                Claim::Set(s) => representatives(s),
            })
            .collect::<Result<Vec<_>>>()
        {
            Ok(r) => r,
            Err(_) => return Outcome::Inconclusive,
        };
        // invariant: `approach` returns one claim per t_j (11 of them), so reps is nonempty.
        let Some(k) = reps.first().map(Vec::len) else {
            return Outcome::Inconclusive;
        };
        if reps.iter().any(|r| r.len() != k) {
            return Outcome::Inconclusive;
        }
        let (rows, cols) = at.shape();
        for idx in 0..k {
            let mut limit = Matrix::<Rational>::zeros(rows, cols);
            for i in 0..rows {
                for j in 0..cols {
                    let ys: Vec<Rational> = reps.iter().map(|r| r[idx][(i, j)].clone()).collect();
                    match limit_at_zero(&ts, &ys) {
                        Some(v) => limit[(i, j)] = v,
                        None => return Outcome::Inconclusive,
                    }
                }
            }
            match contains(&at, &limit) {
                Ok(true) => {}
                Ok(false) => {
                    return Outcome::Fail(Box::new(Counterexample {
                        kind: ViolationKind::ClosedGraph,
                        seed: self.seed,
                        point: z.to_vec(),
                        direction: d.to_vec(),
                        t: ts,
                        expected: limit.as_slice().to_vec(),
                        claimed: vec![],
                        element: Some(limit),
                        detail: format!(
                            "the limit (t → 0⁺) of the claims at z + t d is not in D(z) = {}",
                            describe(&at)
                        ),
                        shrink_steps: 0,
                    }))
                }
                Err(_) => return Outcome::Inconclusive,
            }
        }
        Outcome::Pass
    }

    /// Local boundedness along `z + t d`, `t → 0⁺`.
    pub(crate) fn bounded(&self, z: &[Rational], d: &[Rational]) -> Outcome {
        let Some((ts, claims)) = self.approach(z, d) else {
            return Outcome::Inconclusive;
        };
        let norms: Vec<Rational> = claims.iter().map(claim_max_abs).collect();
        let growth = Rational::from((5, 4));
        let k = norms.len();
        let steps = 8.min(k - 1);
        let grows = (k - steps..k)
            .all(|j| norms[j - 1] > 0 && norms[j] >= Rational::from(&norms[j - 1] * &growth));
        if !grows {
            return Outcome::Pass;
        }
        Outcome::Fail(Box::new(Counterexample {
            kind: ViolationKind::NotLocallyBounded,
            seed: self.seed,
            point: z.to_vec(),
            direction: d.to_vec(),
            t: ts,
            expected: vec![],
            claimed: norms,
            element: None,
            detail: "max |A_ij| over D(z + t d) grows geometrically as t → 0⁺".into(),
            shrink_steps: 0,
        }))
    }

    /// Re-run the check of `kind` at `(z, d)` (used by shrinking).
    pub(crate) fn recheck(&self, kind: ViolationKind, z: &[Rational], d: &[Rational]) -> Outcome {
        match kind {
            ViolationKind::ChainRule => self.chain_rule(z, d),
            ViolationKind::OneSidedDerivative => self.one_sided_in_set(z, d),
            ViolationKind::ClosedGraph => self.closed_graph(z, d),
            ViolationKind::NotLocallyBounded => self.bounded(z, d),
        }
    }
}

fn claim_max_abs(c: &Claim) -> Rational {
    let reps = match c {
        Claim::Element(a) => vec![a.clone()],
        Claim::Set(s) => representatives(s).unwrap_or_default(),
    };
    reps.iter()
        .flat_map(|m| m.as_slice().iter())
        .map(|x| Rational::from(x.abs_ref()))
        .max()
        .unwrap_or_default()
}

/// A short text form of a set for reports.
pub(crate) fn describe(set: &MatrixSet<Rational>) -> String {
    let fmt = |m: &Matrix<Rational>| super::format_matrix(m);
    match set {
        MatrixSet::Finite(ms) => {
            format!("{{{}}}", ms.iter().map(fmt).collect::<Vec<_>>().join(", "))
        }
        MatrixSet::Hull(ms) => format!(
            "conv{{{}}}",
            ms.iter().map(fmt).collect::<Vec<_>>().join(", ")
        ),
        MatrixSet::Box { lo, hi } => format!("box[{} .. {}]", fmt(lo), fmt(hi)),
        MatrixSet::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => format!(
            "{{diag(q)·{} + {} : q ∈ [{:?}, {:?}]}}",
            fmt(m),
            fmt(offset),
            q_lo.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
            q_hi.iter().map(|x| x.to_string()).collect::<Vec<_>>()
        ),
    }
}
