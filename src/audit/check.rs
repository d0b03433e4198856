//! The probe: derivatives of `t ↦ F(z + t d)` for every kind of target, the
//! comparison of claims with them, and the checks of the definition at one point.
//!
//! Why no check raises a false alarm on a valid conservative Jacobian `D` (closed
//! graph, nonempty compact values, locally bounded, chain rule for a.e. `t` along
//! every absolutely continuous curve):
//!
//! * **Chain rule** (`d/dt F(z + t d) = A d` for every `A ∈ D(z + t d)`): checked only
//!   where `t ↦ F(z + t d)` is differentiable (equal one-sided derivatives). A
//!   disagreement at a point is then probed at shrinking offsets on both sides
//!   (see `line::confirm`): reported only when it recurs at two or more further
//!   points around it (a set that is not null), forgiven when it vanishes at every
//!   offset (a null-set exception such as AD's `1` for `relu(−x) + x − relu(x)` at 0).
//!   The offsets are irregular rationals, so the isolated exceptional points of a
//!   valid claim (kinks, typically at simple rationals) are not hit.
//! * **One-sided derivative** (set claims): `F'(z; d) ∈ conv(D(z))·d`. Proof:
//!   `F(z + t d) − F(z) = ∫₀ᵗ A(s) d ds` with `A(s) ∈ D(z + s d)` a.e.; by closed
//!   graph and local boundedness the limit points of `A(s)` as `s → 0⁺` lie in `D(z)`,
//!   so the averages converge into `conv(D(z))·d`.
//! * **Closed graph** (set claims): for `t_j → 0⁺`, the limit of representative
//!   elements of `D(z + t_j d)` (when they converge, detected by exact polynomial
//!   extrapolation) must lie in `D(z)`.
//! * **Local boundedness**: `|A d|` over the claims at `z + t_j d` must not grow
//!   geometrically as `t_j = 2^{-2-j} → 0` (ratio `≥ 5/4` at each of the last 8 steps).
//! * **Clarke convention** (opt-in, element claims): at a kink where a generic line
//!   crosses one switching surface, the Clarke Jacobian is the hull of the two
//!   adjacent pieces' Jacobians, so each coordinate of `A d` lies between the left and
//!   right derivatives. Conservative Jacobians may leave it on a null set, which is
//!   why it is not part of the default check.
//!
//! Single-element claims (the AD convention) are a *selection*: only the chain rule
//! and local boundedness apply to them (a selection need not have a closed graph; its
//! graph's closure is the conservative Jacobian).

use super::derivative::{along, limit_at_zero, right_window, DerivativeConfig, NoWindow, Window};
use super::dual::{record_branches, Branch};
use super::membership::{contains, image, image_all_equal, image_contains, representatives, Image};
use super::report::{Counterexample, Undecided, ViolationKind, Why};
use super::{Arithmetic, AuditTarget, Claim};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::{MatrixSet, MatrixSetView};
use crate::scalar::rational_to_f64;
use crate::selection::{compare, Side as TolSide};
use rug::Rational;
use std::cell::{Cell, RefCell};

/// A decided value, or why not.
pub(crate) type Decided<T> = std::result::Result<T, Why>;

/// After this many derivative searches without a single window, the target is taken
/// to have no exact derivative and the remaining checks are skipped.
const NO_WINDOW_BREAKER: usize = 12;

/// What identifies the smooth piece active on one side of a point.
#[derive(Clone, Debug)]
pub(crate) enum Piece {
    /// The comparisons a [`Dual`](super::Dual) evaluation made (their sides).
    Branches(Vec<Branch>),
    /// The polynomial window found by the exact difference search.
    Poly(Window),
    /// Only the slope is known (an exact directional derivative without a trace, or
    /// an f64 estimate).
    Slope,
}

/// The one-sided behaviour of `t ↦ F(z + t d)` at a point, on one side.
#[derive(Clone, Debug)]
pub(crate) struct Side {
    /// The one-sided derivative *along the line's direction*: `F'(z; d)` on the
    /// right, `−F'(z; −d)` on the left.
    pub slope: Vec<Rational>,
    /// The piece.
    pub piece: Piece,
    /// f64 only: a bound on the estimate's rounding and truncation error (per output).
    pub noise: Option<Vec<f64>>,
}

/// Both sides at a point, and the derivative when they agree.
#[derive(Clone, Debug)]
pub(crate) struct Sides {
    pub right: Side,
    pub left: Side,
    /// `d/dt F(z + t d)` at 0 when left and right agree.
    pub derivative: Option<Vec<Rational>>,
}

/// The claim at a point, seen through a direction.
#[derive(Clone, Debug)]
pub(crate) struct ClaimAt {
    /// `conv(D(z))·d`.
    pub image: Image,
    /// The element, for element claims given as a matrix.
    pub element: Option<Matrix<Rational>>,
    /// The whole claim when it is a set.
    pub set: Option<MatrixSet<Rational>>,
}

/// Outcome of one chain-rule test at one point (before confirmation).
#[derive(Clone, Debug)]
pub(crate) enum PointCheck {
    /// Every claimed element agrees with the derivative.
    Held,
    /// Some element disagrees.
    Differs {
        expected: Vec<Rational>,
        claimed: Vec<Rational>,
        element: Option<Matrix<Rational>>,
    },
    /// Could not decide.
    Undecided(Why),
}

/// Outcome of one check.
pub(crate) enum Outcome {
    /// The identity held.
    Pass,
    /// A disagreement at a point that vanished at every offset: a null-set exception.
    Forgiven,
    /// Could not decide.
    Undecided(Why),
    /// A violation, already confirmed.
    Fail(Box<Counterexample>),
}

/// A target with evaluation counters and the audit's numerical settings.
pub(crate) struct Probe<'a> {
    pub target: &'a dyn AuditTarget,
    pub arith: Arithmetic,
    /// The target's `directional` evaluates `F` over `Dual` numbers (its comparisons
    /// can be recorded).
    pub traced: bool,
    pub deriv: DerivativeConfig,
    /// The polynomial degree the window search currently starts from.
    pub degree: Cell<usize>,
    /// Windows found / searches that found none (for the breaker).
    windows_found: Cell<usize>,
    windows_missed: Cell<usize>,
    /// Whether the target answers `directional` (unknown until first asked).
    has_directional: Cell<Option<bool>>,
    pub evaluations: Cell<usize>,
    pub claims: Cell<usize>,
    pub seed: u64,
    /// Offsets `δ_j` (in units of the line parameter), largest first.
    pub offsets: Vec<Rational>,
    /// Undecided checks by reason (filled by the callers through `note`).
    pub undecided: RefCell<Undecided>,
}

/// Offsets `δ_j = 10^{-j}·(1 + c_j)` with irregular rationals `c_j`, so that
/// `t ± δ_j` never lands on simple rationals (where claims' exceptional points sit).
pub(crate) fn offsets(count: usize) -> Vec<Rational> {
    const C: [(i64, i64); 4] = [(577, 9091), (389, 7103), (1031, 32797), (1307, 40009)];
    (1..=count)
        .map(|j| {
            let (p, q) = C[j % C.len()];
            let ten = rug::Integer::from(rug::Integer::u_pow_u(10, j as u32));
            Rational::from((p + q, q)) / Rational::from(ten)
        })
        .collect()
}

impl<'a> Probe<'a> {
    pub(crate) fn new(target: &'a dyn AuditTarget, deriv: DerivativeConfig, seed: u64) -> Self {
        let arith = target.arithmetic();
        Probe {
            target,
            arith,
            traced: target.traces_branches(),
            degree: Cell::new(deriv.degree.max(1)),
            deriv,
            windows_found: Cell::new(0),
            windows_missed: Cell::new(0),
            has_directional: Cell::new(None),
            evaluations: Cell::new(0),
            claims: Cell::new(0),
            seed,
            offsets: Vec::new(),
            undecided: RefCell::new(Undecided::default()),
        }
    }

    pub(crate) fn note(&self, why: Why) {
        self.undecided.borrow_mut().add(why);
    }

    pub(crate) fn is_float(&self) -> bool {
        matches!(self.arith, Arithmetic::Float(_))
    }

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
        check_claim_shape(self.target, &c)?;
        Ok(c)
    }

    /// The claim at `z` through `d`: `conv(D(z))·d`, with the element or set.
    pub(crate) fn claim_at(&self, z: &[Rational], d: &[Rational]) -> Decided<ClaimAt> {
        if let Some(r) = self.target.claimed_product(z, d) {
            self.claims.set(self.claims.get() + 1);
            let v = r.map_err(|_| Why::Claim)?;
            if v.len() != self.target.dims().0 {
                return Err(Why::Claim);
            }
            return Ok(ClaimAt {
                image: Image::Points(vec![v]),
                element: None,
                set: None,
            });
        }
        match self.claim(z).map_err(|_| Why::Claim)? {
            Claim::Element(a) => {
                let ad = a.mul_vec(d).map_err(|_| Why::Claim)?;
                Ok(ClaimAt {
                    image: Image::Points(vec![ad]),
                    element: Some(a),
                    set: None,
                })
            }
            Claim::Set(s) => Ok(ClaimAt {
                image: image(&s, d).map_err(|_| Why::Claim)?,
                element: None,
                set: Some(s),
            }),
        }
    }

    /// Whether `x` and `y` agree: exactly, or (f64) within the tolerance plus the
    /// estimate's error bound `noise`.
    pub(crate) fn agree(&self, x: &[Rational], y: &[Rational], noise: Option<&[f64]>) -> bool {
        if x.len() != y.len() {
            return false;
        }
        match self.arith {
            Arithmetic::Exact => x == y,
            Arithmetic::Float(tol) => x.iter().zip(y).enumerate().all(|(i, (a, b))| {
                let (a, b) = (rational_to_f64(a), rational_to_f64(b));
                let extra = noise.and_then(|n| n.get(i)).copied().unwrap_or(0.0);
                let widened = crate::selection::Tolerance {
                    abs: tol.abs + extra,
                    rel: tol.rel,
                };
                compare(&a, &b, &widened) == TolSide::Tie
            }),
        }
    }

    /// One-sided behaviour of `t ↦ F(z + t d)` at 0 along `d` (`sign = 1`) or `−d`
    /// (`sign = −1`, slope reported along `d`). `room`: known distance in `t` to the
    /// nearest breakpoint on that side.
    pub(crate) fn side(
        &self,
        z: &[Rational],
        d: &[Rational],
        sign: i32,
        room: Option<&Rational>,
    ) -> Decided<Side> {
        let dir: Vec<Rational> = if sign < 0 {
            d.iter().map(|x| Rational::from(-x)).collect()
        } else {
            d.to_vec()
        };
        let flip = |v: Vec<Rational>| -> Vec<Rational> {
            if sign < 0 {
                v.into_iter().map(|x| -x).collect()
            } else {
                v
            }
        };
        if let Arithmetic::Float(tol) = self.arith {
            let (slope, noise) = self.fd_slope(z, &dir, room, &tol)?;
            return Ok(Side {
                slope: flip(slope),
                piece: Piece::Slope,
                noise: Some(noise),
            });
        }
        if self.has_directional.get() != Some(false) {
            let (r, log) = if self.traced {
                record_branches(|| self.target.directional(z, &dir))
            } else {
                (self.target.directional(z, &dir), Vec::new())
            };
            match r {
                None => self.has_directional.set(Some(false)),
                Some(r) => {
                    self.has_directional.set(Some(true));
                    self.evaluations.set(self.evaluations.get() + 1);
                    let v = r.map_err(|_| Why::Domain)?;
                    if v.len() != self.target.dims().0 {
                        return Err(Why::Domain);
                    }
                    let piece = if self.traced {
                        Piece::Branches(log)
                    } else {
                        Piece::Slope
                    };
                    return Ok(Side {
                        slope: flip(v),
                        piece,
                        noise: None,
                    });
                }
            }
        }
        // Exact differences of evaluations.
        if self.windows_found.get() == 0 && self.windows_missed.get() >= NO_WINDOW_BREAKER {
            return Err(Why::NoExactDerivative);
        }
        let f0 = self.eval_point(z).map_err(|_| Why::Domain)?;
        let mut ev = |p: &[Rational]| self.eval_point(p);
        let mut degree = self.degree.get();
        match right_window(&mut ev, z, &dir, &f0, &self.deriv, &mut degree, room) {
            Ok(w) => {
                self.windows_found.set(self.windows_found.get() + 1);
                if degree > self.degree.get() {
                    self.degree.set(degree);
                }
                Ok(Side {
                    slope: flip(w.slope.clone()),
                    piece: Piece::Poly(w),
                    noise: None,
                })
            }
            Err(NoWindow::Domain) => Err(Why::Domain),
            Err(NoWindow::DegreeTooHigh) => {
                self.windows_missed.set(self.windows_missed.get() + 1);
                self.degree
                    .set(self.deriv.degree_limit.max(self.degree.get()));
                Err(Why::DegreeTooHigh)
            }
        }
    }

    /// Both sides at `z` along `d`; `room = (right, left)`.
    pub(crate) fn sides(
        &self,
        z: &[Rational],
        d: &[Rational],
        room: (Option<&Rational>, Option<&Rational>),
    ) -> Decided<Sides> {
        let right = self.side(z, d, 1, room.0)?;
        let left = self.side(z, d, -1, room.1)?;
        let noise = combined_noise(&right, &left);
        let derivative = self
            .agree(&right.slope, &left.slope, noise.as_deref())
            .then(|| right.slope.clone());
        Ok(Sides {
            right,
            left,
            derivative,
        })
    }

    /// The chain-rule test at `z` along `d` (unconfirmed), with the sides and the
    /// claim seen (for kink location).
    pub(crate) fn chain_at(
        &self,
        z: &[Rational],
        d: &[Rational],
        room: (Option<&Rational>, Option<&Rational>),
    ) -> (PointCheck, Option<Sides>, Option<ClaimAt>) {
        let sides = match self.sides(z, d, room) {
            Ok(s) => s,
            Err(w) => return (PointCheck::Undecided(w), None, None),
        };
        let Some(expected) = sides.derivative.clone() else {
            return (PointCheck::Undecided(Why::Kink), Some(sides), None);
        };
        let claim = match self.claim_at(z, d) {
            Ok(c) => c,
            Err(w) => return (PointCheck::Undecided(w), Some(sides), None),
        };
        let noise = combined_noise(&sides.right, &sides.left);
        let bad = match &claim.image {
            Image::Points(ps) => ps
                .iter()
                .find(|p| !self.agree(p, &expected, noise.as_deref()))
                .cloned(),
            iv @ Image::Intervals(_) => match self.arith {
                Arithmetic::Exact => image_all_equal(iv, &expected),
                // Sets are exact claims; an f64 target never returns one.
                Arithmetic::Float(_) => image_all_equal(iv, &expected),
            },
        };
        let check = match bad {
            None => PointCheck::Held,
            Some(b) => {
                // Name the offending element when the set lists its elements.
                let element = claim.element.clone().or_else(|| {
                    claim.set.as_ref().and_then(|s| {
                        representatives(s).ok().and_then(|reps| {
                            reps.into_iter()
                                .find(|a| a.mul_vec(d).map(|v| v == b).unwrap_or(false))
                        })
                    })
                });
                PointCheck::Differs {
                    expected,
                    claimed: b,
                    element,
                }
            }
        };
        (check, Some(sides), Some(claim))
    }

    /// Finite-difference one-sided derivative for f64 targets (see `audit::float`):
    /// Richardson extrapolation from steps `h, h/2, h/4`, accepted when two
    /// extrapolations agree within the tolerance plus the rounding bound; else `h` is
    /// divided by 8 (at most 5 times). Returns the slope and its error bound.
    fn fd_slope(
        &self,
        z: &[Rational],
        d: &[Rational],
        room: Option<&Rational>,
        tol: &crate::selection::Tolerance,
    ) -> Decided<(Vec<Rational>, Vec<f64>)> {
        let f0 = self.eval_point(z).map_err(|_| Why::Domain)?;
        let f0f: Vec<f64> = f0.iter().map(rational_to_f64).collect();
        let mut h = Rational::from((1, 10_000));
        if let Some(r) = room {
            let fit = Rational::from(r / 4u32);
            if fit > 0 && fit < h {
                h = fit;
            }
        }
        let zmax = z
            .iter()
            .chain(d)
            .map(|x| rational_to_f64(x).abs())
            .fold(0.0, f64::max);
        let dmax = d
            .iter()
            .map(|x| rational_to_f64(x).abs())
            .fold(0.0, f64::max);
        for _ in 0..5 {
            let hs: Vec<Rational> = [1u32, 2, 4]
                .iter()
                .map(|k| Rational::from(&h / *k))
                .collect();
            let mut vals = Vec::with_capacity(3);
            for hk in &hs {
                let v = self.eval_point(&along(z, d, hk)).map_err(|_| Why::Domain)?;
                vals.push(v.iter().map(rational_to_f64).collect::<Vec<f64>>());
            }
            let hf = rational_to_f64(&h);
            let n = f0f.len();
            let mut slope = Vec::with_capacity(n);
            let mut noise = Vec::with_capacity(n);
            let mut ok = true;
            for i in 0..n {
                let dq = |k: usize, hk: f64| (vals[k][i] - f0f[i]) / hk;
                let (d1, d2, d4) = (dq(0, hf), dq(1, hf / 2.0), dq(2, hf / 4.0));
                let r1 = 2.0 * d2 - d1;
                let r2 = 2.0 * d4 - d2;
                let mag = vals.iter().map(|v| v[i].abs()).fold(f0f[i].abs(), f64::max);
                // Rounding of F (taken as 8 ulps) through the weights of r2
                // (≤ 20·M/h), and of the evaluation points (ε|z| per coordinate, times
                // the slope, relative to the step).
                let eps = f64::EPSILON;
                let round = 8.0 * eps * 20.0 * mag / hf
                    + 4.0 * eps * zmax * r2.abs() / (hf * dmax.max(f64::MIN_POSITIVE));
                let bound = round + (r1 - r2).abs();
                let agree = compare(
                    &r1,
                    &r2,
                    &crate::selection::Tolerance {
                        abs: tol.abs + round,
                        rel: tol.rel,
                    },
                ) == TolSide::Tie;
                if !agree || !r2.is_finite() {
                    ok = false;
                    break;
                }
                slope.push(r2);
                noise.push(bound);
            }
            if ok {
                let slope = slope
                    .iter()
                    .map(|x| Rational::from_f64(*x).ok_or(Why::Noise))
                    .collect::<Decided<Vec<_>>>()?;
                return Ok((slope, noise));
            }
            h /= 8;
        }
        Err(Why::Noise)
    }

    /// `F'(z; d) ∈ conv(D(z))·d` (set claims only).
    pub(crate) fn one_sided_in_set(&self, z: &[Rational], d: &[Rational]) -> Outcome {
        let set = match self.claim(z) {
            Ok(Claim::Set(s)) => s,
            Ok(Claim::Element(_)) => return Outcome::Pass,
            Err(_) => return Outcome::Undecided(Why::Claim),
        };
        let v = match self.side(z, d, 1, None) {
            Ok(s) => s.slope,
            Err(w) => return Outcome::Undecided(w),
        };
        let Ok(img) = image(&set, d) else {
            return Outcome::Undecided(Why::Claim);
        };
        if image_contains(&img, &v) {
            return Outcome::Pass;
        }
        let claimed = match &img {
            Image::Points(ps) => ps.first().cloned().unwrap_or_default(),
            Image::Intervals(iv) => iv.iter().map(|(a, _)| a.clone()).collect(),
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
            estimated: self.is_float(),
        }))
    }

    /// How far along `d` from `z` the piece active just after `z` is known to extend:
    /// the first crossing of a recorded comparison (half of it: exact for affine
    /// switching, a Newton estimate otherwise), or the span of the polynomial window.
    /// `None` when the piece's extent is unknown.
    pub(crate) fn extent(&self, z: &[Rational], d: &[Rational]) -> Option<Rational> {
        let side = self.side(z, d, 1, None).ok()?;
        match &side.piece {
            Piece::Branches(log) => Some(
                log.iter()
                    .filter_map(|b| b.crossing())
                    .min()
                    .map_or_else(|| Rational::from(1), |s| s / 2u32),
            ),
            Piece::Poly(w) => Some(Rational::from(&w.h * (w.degree() as u64 + 2))),
            Piece::Slope => None,
        }
    }

    /// Claims at `z + t_j d`, `t_j = t₀·2^{-j}`, `j = 0..=10`, with `t₀ = 1/4` or less:
    /// inside the piece adjacent to `z` when its extent (or the `room` to the next
    /// known breakpoint) is known, so that no other kink lies between the `t_j` and 0.
    fn approach(
        &self,
        z: &[Rational],
        d: &[Rational],
        room: Option<&Rational>,
    ) -> Option<(Vec<Rational>, Vec<Claim>)> {
        let mut t0 = Rational::from((1, 4));
        for r in self.extent(z, d).iter().chain(room) {
            if *r > 0 && *r < t0 {
                t0 = Rational::from(r / 2u32);
            }
        }
        let ts: Vec<Rational> = (0..=10).map(|j| Rational::from(&t0 >> j as u32)).collect();
        let claims = ts
            .iter()
            .map(|t| self.claim(&along(z, d, t)))
            .collect::<Result<Vec<_>>>()
            .ok()?;
        Some((ts, claims))
    }

    /// Closed graph along `z + t d`, `t → 0⁺` (set claims only); `room`: distance to
    /// the next known breakpoint along `d`, if any.
    pub(crate) fn closed_graph(
        &self,
        z: &[Rational],
        d: &[Rational],
        room: Option<&Rational>,
    ) -> Outcome {
        let at = match self.claim(z) {
            Ok(Claim::Set(s)) => s,
            Ok(Claim::Element(_)) => return Outcome::Pass,
            Err(_) => return Outcome::Undecided(Why::Claim),
        };
        let Some((ts, claims)) = self.approach(z, d, room) else {
            return Outcome::Undecided(Why::Claim);
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
            Err(_) => return Outcome::Undecided(Why::Claim),
        };
        // `approach` returns one claim per t_j (11 of them), so reps is nonempty.
        let Some(k) = reps.first().map(Vec::len) else {
            return Outcome::Undecided(Why::Claim);
        };
        if reps.iter().any(|r| r.len() != k) {
            return Outcome::Undecided(Why::NoLimit);
        }
        let (rows, cols) = at.shape();
        for idx in 0..k {
            let mut limit = Matrix::<Rational>::zeros(rows, cols);
            for i in 0..rows {
                for j in 0..cols {
                    let ys: Vec<Rational> = reps.iter().map(|r| r[idx][(i, j)].clone()).collect();
                    match limit_at_zero(&ts, &ys) {
                        Some(v) => limit[(i, j)] = v,
                        None => return Outcome::Undecided(Why::NoLimit),
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
                        estimated: self.is_float(),
                    }))
                }
                Err(_) => return Outcome::Undecided(Why::Claim),
            }
        }
        Outcome::Pass
    }

    /// Local boundedness along `z + t d`, `t → 0⁺`: the largest `|(A d)_i|` over the
    /// claims at `z + t_j d` must not grow geometrically.
    /// Points where `F` is undefined are outside the domain, where nothing is claimed.
    pub(crate) fn bounded(&self, z: &[Rational], d: &[Rational]) -> Outcome {
        let ts: Vec<Rational> = (0..=10).map(|j| Rational::from((1, 4u64 << j))).collect();
        if self.eval_point(z).is_err() {
            return Outcome::Undecided(Why::Domain);
        }
        let mut norms = Vec::with_capacity(ts.len());
        for t in &ts {
            let p = along(z, d, t);
            if self.eval_point(&p).is_err() {
                return Outcome::Undecided(Why::Domain);
            }
            match self.claim_at(&p, d) {
                Ok(c) => norms.push(image_max_abs(&c.image)),
                Err(w) => return Outcome::Undecided(w),
            }
        }
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
            detail: "max |(A d)_i| over the claims at z + t d grows geometrically as t → 0⁺".into(),
            shrink_steps: 0,
            estimated: self.is_float(),
        }))
    }

    /// Clarke convention at a kink `z` crossed along `d` (element claims only): each
    /// coordinate of `A d` lies between the left and right derivatives.
    pub(crate) fn clarke_at(&self, z: &[Rational], d: &[Rational]) -> Outcome {
        let sides = match self.sides(z, d, (None, None)) {
            Ok(s) => s,
            Err(w) => return Outcome::Undecided(w),
        };
        if sides.derivative.is_some() {
            // Not a kink along d (or not resolvable): nothing to check here.
            return Outcome::Pass;
        }
        let claim = match self.claim_at(z, d) {
            Ok(c) => c,
            Err(w) => return Outcome::Undecided(w),
        };
        let Image::Points(ps) = &claim.image else {
            return Outcome::Pass;
        };
        if ps.len() != 1 || claim.set.is_some() {
            return Outcome::Pass;
        }
        let ad = &ps[0];
        let (r, l) = (&sides.right.slope, &sides.left.slope);
        let noise = combined_noise(&sides.right, &sides.left);
        let inside = (0..ad.len()).all(|i| {
            let (lo, hi) = if r[i] <= l[i] {
                (&r[i], &l[i])
            } else {
                (&l[i], &r[i])
            };
            let ni = noise.as_ref().map(|n| &n[i..=i]);
            (*lo <= ad[i] && ad[i] <= *hi)
                || self.agree(&ad[i..=i], std::slice::from_ref(lo), ni)
                || self.agree(&ad[i..=i], std::slice::from_ref(hi), ni)
        });
        if inside {
            return Outcome::Pass;
        }
        Outcome::Fail(Box::new(Counterexample {
            kind: ViolationKind::OutsideClarke,
            seed: self.seed,
            point: z.to_vec(),
            direction: d.to_vec(),
            t: vec![Rational::new()],
            expected: r.iter().chain(l.iter()).cloned().collect(),
            claimed: ad.clone(),
            element: claim.element,
            detail: "at this kink A d is not between the right derivative F'(z; d) and the \
                     left derivative −F'(z; −d) (the Clarke Jacobian is their hull)"
                .into(),
            shrink_steps: 0,
            estimated: self.is_float(),
        }))
    }
}

/// Error bound of comparing two f64 estimates (sum of their bounds), if any.
pub(crate) fn combined_noise(a: &Side, b: &Side) -> Option<Vec<f64>> {
    match (&a.noise, &b.noise) {
        (Some(x), Some(y)) => Some(x.iter().zip(y).map(|(p, q)| p + q).collect()),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    }
}

/// Errors unless a claim has the target's shape (a claimed set is nonempty by
/// construction: [`MatrixSet`]'s constructors refuse empty lists).
pub(crate) fn check_claim_shape(target: &dyn AuditTarget, c: &Claim) -> Result<()> {
    let (n, nz) = target.dims();
    if c.shape() != (n, nz) {
        return Err(Error::DimensionMismatch {
            op: "AuditTarget::claimed",
            left: (n, nz),
            right: c.shape(),
        });
    }
    Ok(())
}

fn image_max_abs(img: &Image) -> Rational {
    let abs = |x: &Rational| Rational::from(x.abs_ref());
    match img {
        Image::Points(ps) => ps.iter().flatten().map(abs).max().unwrap_or_default(),
        Image::Intervals(iv) => iv
            .iter()
            .flat_map(|(a, b)| [abs(a), abs(b)])
            .max()
            .unwrap_or_default(),
    }
}

/// Whether two pieces are the same (for kink location): equal branch sides, equal
/// polynomials, or equal slopes.
pub(crate) fn same_branches(a: &[Branch], b: &[Branch]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.side() == y.side())
}

/// A short text form of a set for reports.
pub(crate) fn describe(set: &MatrixSet<Rational>) -> String {
    let fmt = |m: &Matrix<Rational>| super::report::format_matrix(m);
    match set.view() {
        MatrixSetView::Finite(ms) => {
            format!("{{{}}}", ms.iter().map(fmt).collect::<Vec<_>>().join(", "))
        }
        MatrixSetView::Hull(ms) => format!(
            "conv{{{}}}",
            ms.iter().map(fmt).collect::<Vec<_>>().join(", ")
        ),
        MatrixSetView::Box { lo, hi } => format!("box[{} .. {}]", fmt(lo), fmt(hi)),
        MatrixSetView::DiagBox {
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
