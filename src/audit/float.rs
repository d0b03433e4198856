//! The `f64` front end: audit Jacobian code written in floating point (the Python
//! audit calls this), with the same sampler, kink locator, confirmation rule and
//! report as the exact engine.
//!
//! Give `f : R^N → R^n` as a closure on `&[f64]` and the claimed Jacobian either as a
//! row-major `n × N` matrix per point ([`FloatTarget::with_jacobian`]) or as a JVP
//! `(x, v) ↦ J(x) v` ([`FloatTarget::with_jvp`]); closures return `Err(message)` for
//! points outside their domain (counted, never a violation). Then call
//! [`audit`](super::audit). Points are chosen as rationals and rounded to the nearest
//! `f64` before each call; [`Counterexample::point_f64`](super::Counterexample::point_f64)
//! gives the values `f` was called with.
//!
//! # Derivatives and tolerances
//! The derivative of `φ(t) = f(z + t d)` on one side is a one-sided finite
//! difference with Richardson extrapolation, `R(h) = 2 D(h/2) − D(h)` where
//! `D(h) = (φ(h) − φ(0))/h`, from `h = 10⁻⁴` of the line (less near a known kink:
//! a quarter of the distance to it). It is trusted when `R(h)` and `R(h/2)` agree
//! within the tolerance plus a rounding bound `β` (8 ulps of `|f|` through the
//! difference weights, `≈ 160 ε |f| / h`, and the rounding of the evaluation points);
//! otherwise `h` is divided by 8 (five times at most) and the check is reported
//! undecided as "noise". Its error bound is `β + |R(h) − R(h/2)|`.
//!
//! A claimed value `c` (a coordinate of `J d`) **agrees** with the estimate `e` when
//! `|c − e| ≤ abs + rel·max(|c|, |e|) + bound`, with the [`Tolerance`] given
//! (default [`DEFAULT_TOLERANCE`]: `abs = rel = 10⁻⁶`). So the tolerance is what you
//! allow your Jacobian to differ from the true one-sided derivative; the bound is what
//! the estimate itself may be off by, and is never held against you. Jacobians
//! computed in `f32` need about `rel = 10⁻⁴`.
//!
//! # Kinks in f64
//! Between adjacent samples, a stratum is searched when its end slopes differ by more
//! than `max(4 × the median difference over the line, 10 × the tolerance)` (smooth
//! curvature changes the slope a little in every stratum; a kink changes it at once).
//! The search is a bisection on slopes: the midpoint's right slope is compared with
//! the two ends', and the half whose end it is closer to is dropped... until the
//! bracket is `10⁻¹³` of the line; the bracket is kept only if the slopes on its two
//! sides still differ beyond the tolerance. Probes then run at `10^{-j}` of the line,
//! `j = 1..=8` (below, finite differences are mostly rounding). With
//! [`Conventions::Clarke`](super::Conventions::Clarke), the claim is also evaluated
//! *at* the kink: each coordinate of the bracket is moved to the simplest rational in
//! its range when that is short (so kinks at `0` or at a threshold are hit exactly)
//! and `J d` there must lie between the two one-sided derivatives (a ReLU with
//! `relu'(0) = 2` fails).
//!
//! ```
//! use piggyback::audit::float::FloatTarget;
//! use piggyback::audit::{audit, AuditConfig};
//! // |x| claimed with slope 1 everywhere (wrong for x < 0): caught.
//! let t = FloatTarget::with_jacobian(
//!     "abs", 1, 1,
//!     |x: &[f64]| Ok(vec![x[0].abs()]),
//!     |_x: &[f64]| Ok(vec![1.0]),
//! );
//! let report = audit(&t, &AuditConfig::quick(3)).unwrap();
//! assert!(report.failed(), "{report}");
//! let c = &report.violations[0];
//! assert!(c.point_f64()[0] < 0.0);
//! ```

use super::{Arithmetic, AuditTarget, Claim};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::rational_to_f64;
use crate::selection::Tolerance;
use rug::Rational;

/// `x ↦ f(x)` (or a row-major Jacobian), `Err(message)` outside the domain.
pub type FloatFn = Box<dyn Fn(&[f64]) -> std::result::Result<Vec<f64>, String>>;
/// `(x, v) ↦ J(x) v`.
pub type FloatJvp = Box<dyn Fn(&[f64], &[f64]) -> std::result::Result<Vec<f64>, String>>;

/// The default tolerance of f64 audits: `abs = rel = 10⁻⁶`.
pub const DEFAULT_TOLERANCE: Tolerance = Tolerance {
    abs: 1e-6,
    rel: 1e-6,
};

/// How the claimed Jacobian is given.
#[non_exhaustive]
pub enum FloatClaim {
    /// The `n × N` matrix, row-major.
    Jacobian(FloatFn),
    /// The product `J(x) v`.
    Jvp(FloatJvp),
}

/// An `f64` function with a claimed Jacobian (one element per point), as an
/// [`AuditTarget`]. See the module docs.
pub struct FloatTarget {
    name: String,
    n: usize,
    nz: usize,
    f: FloatFn,
    claim: FloatClaim,
    tol: Tolerance,
    hints: Vec<f64>,
}

impl FloatTarget {
    /// `f : R^nz → R^n` with its Jacobian as a row-major `n × nz` matrix.
    pub fn with_jacobian(
        name: &str,
        n: usize,
        nz: usize,
        f: impl Fn(&[f64]) -> std::result::Result<Vec<f64>, String> + 'static,
        jacobian: impl Fn(&[f64]) -> std::result::Result<Vec<f64>, String> + 'static,
    ) -> Self {
        FloatTarget {
            name: name.to_string(),
            n,
            nz,
            f: Box::new(f),
            claim: FloatClaim::Jacobian(Box::new(jacobian)),
            tol: DEFAULT_TOLERANCE,
            hints: Vec::new(),
        }
    }

    /// `f : R^nz → R^n` with its Jacobian as a JVP `(x, v) ↦ J(x) v`.
    pub fn with_jvp(
        name: &str,
        n: usize,
        nz: usize,
        f: impl Fn(&[f64]) -> std::result::Result<Vec<f64>, String> + 'static,
        jvp: impl Fn(&[f64], &[f64]) -> std::result::Result<Vec<f64>, String> + 'static,
    ) -> Self {
        FloatTarget {
            name: name.to_string(),
            n,
            nz,
            f: Box::new(f),
            claim: FloatClaim::Jvp(Box::new(jvp)),
            tol: DEFAULT_TOLERANCE,
            hints: Vec::new(),
        }
    }

    /// The tolerance of the derivative comparison (see the module docs). Negative or
    /// non-finite values are an error.
    pub fn tolerance(mut self, tol: Tolerance) -> Result<Self> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !ok(tol.abs) || !ok(tol.rel) {
            return Err(Error::parameter(
                "audit tolerance (abs, rel)",
                format!("({}, {})", tol.abs, tol.rel),
                "both finite and ≥ 0",
            ));
        }
        self.tol = tol;
        Ok(self)
    }

    /// Values where kinks are likely (thresholds), used as coordinates of structured
    /// points. Non-finite values are ignored.
    pub fn hints(mut self, hints: Vec<f64>) -> Self {
        self.hints = hints.into_iter().filter(|x| x.is_finite()).collect();
        self
    }

    fn call(
        &self,
        what: &str,
        r: std::result::Result<Vec<f64>, String>,
        len: usize,
    ) -> Result<Vec<f64>> {
        let v = r.map_err(|m| Error::OutsideDomain {
            context: format!("{}: {what}: {m}", self.name),
        })?;
        if v.len() != len {
            return Err(Error::DimensionMismatch {
                op: "audit::float: output length",
                left: (len, 1),
                right: (v.len(), 1),
            });
        }
        if let Some(x) = v.iter().find(|x| !x.is_finite()) {
            return Err(Error::NonFinite {
                context: format!("{}: {what} returned {x}", self.name),
            });
        }
        Ok(v)
    }
}

fn to_f64(z: &[Rational]) -> Vec<f64> {
    z.iter().map(rational_to_f64).collect()
}

fn to_rational(v: &[f64]) -> Result<Vec<Rational>> {
    v.iter()
        .map(|x| {
            Rational::from_f64(*x).ok_or_else(|| Error::NonFinite {
                context: "audit::float value".into(),
            })
        })
        .collect()
}

impl AuditTarget for FloatTarget {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn dims(&self) -> (usize, usize) {
        (self.n, self.nz)
    }
    fn eval(&self, z: &[Rational]) -> Result<Vec<Rational>> {
        let x = to_f64(z);
        to_rational(&self.call("f", (self.f)(&x), self.n)?)
    }
    fn claimed(&self, z: &[Rational]) -> Result<Claim> {
        let x = to_f64(z);
        let rows = match &self.claim {
            FloatClaim::Jacobian(j) => self.call("jacobian", j(&x), self.n * self.nz)?,
            FloatClaim::Jvp(jvp) => {
                // Column by column: J e_k.
                let mut cols = Vec::with_capacity(self.nz);
                for k in 0..self.nz {
                    let mut e = vec![0.0; self.nz];
                    e[k] = 1.0;
                    cols.push(self.call("jvp", jvp(&x, &e), self.n)?);
                }
                (0..self.n)
                    .flat_map(|i| cols.iter().map(move |c| c[i]))
                    .collect()
            }
        };
        let q = to_rational(&rows)?;
        Ok(Claim::Element(Matrix::from_fn(self.n, self.nz, |i, j| {
            q[i * self.nz + j].clone()
        })))
    }
    fn claimed_product(&self, z: &[Rational], d: &[Rational]) -> Option<Result<Vec<Rational>>> {
        let FloatClaim::Jvp(jvp) = &self.claim else {
            return None;
        };
        let (x, v) = (to_f64(z), to_f64(d));
        Some(
            self.call("jvp", jvp(&x, &v), self.n)
                .and_then(|r| to_rational(&r)),
        )
    }
    fn hints(&self) -> Vec<Rational> {
        self.hints
            .iter()
            .filter_map(|x| Rational::from_f64(*x))
            .collect()
    }
    fn arithmetic(&self) -> Arithmetic {
        Arithmetic::Float(self.tol)
    }
}
