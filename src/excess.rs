//! Excess, gap and Hausdorff distance between sets of matrices (docs/mathematics.md §4).
//!
//! `d(M, Y) = inf_{Y ∈ Y} ‖M − Y‖_F`, `ex(X, Y) = sup_{X ∈ X} d(X, Y)` (the talk's
//! `gap`), `H(X, Y) = max(ex(X, Y), ex(Y, X))`. The norm is Frobenius unless stated
//! ([`excess_spectral_upper`] bounds the spectral-norm excess).
//!
//! Values are returned **squared** (`S`), so that they are exact over the rationals:
//! take [`Scalar::sqrt_upper`] (or [`Excess::upper`]) for the distance itself.
//!
//! | `X` \ `Y` | finite | hull | box | `DiagBox` |
//! |---|---|---|---|---|
//! | finite | exact | exact (min-norm point) | exact (clamp) | exact (clamp `q`) |
//! | hull | upper bound | exact: max over vertices | exact | exact |
//! | box | upper bound | exact over `≤ cap` corners, else upper bound | exact (per entry) | as hull |
//! | `DiagBox` | upper bound | as hull (extreme points) | exact (per row) | as hull |
//!
//! "Exact" is over the rationals; intervals enclose the same value (for every point
//! of the input intervals); f64 estimates it. A convex `X` with a finite `Y` of two
//! or more members is a max–min problem (`d(·, Y)` is not convex), so only an upper
//! bound `min_j sup_{X} ‖X − Yⱼ‖²` is returned, flagged [`Exactness::Over`].
//! Vertices of a convex `X` suffice when `Y` is convex because `d(·, Y)` is then
//! convex and attains its supremum over a polytope at a vertex.
//!
//! ```
//! use piggyback::excess::{dist_sq, excess_sq};
//! use piggyback::scalar::Rational;
//! use piggyback::{Matrix, MatrixSet};
//! # fn main() -> piggyback::Result<()> {
//! let m = |a: i64, b: i64| Matrix::<Rational>::from_ratio_rows(&[vec![(a, 1), (b, 1)]]);
//! // Distance from 0 to the segment conv{(1, 2), (3, −1)}: exactly √(49/13).
//! let seg = MatrixSet::hull(vec![m(1, 2)?, m(3, -1)?])?;
//! assert_eq!(dist_sq(&m(0, 0)?, &seg)?, Rational::from((49, 13)));
//! // d((4,0), seg)²: t = 12/13, residual (−15/13, −10/13), 325/169 = 25/13; so
//! // ex({(0,0), (4,0)}, seg)² = max(49/13, 25/13) = 49/13.
//! let x = MatrixSet::finite(vec![m(0, 0)?, m(4, 0)?])?;
//! let e = excess_sq(&x, &seg)?;
//! assert!(e.is_exact());
//! assert_eq!(e.sq, Rational::from((49, 13)));
//! # Ok(())
//! # }
//! ```

mod minnorm;

pub use crate::matset::Exactness;
pub use minnorm::{min_norm_point, MinNormPoint};

use crate::error::{Error, Result};
use crate::linalg::norms::spectral_norm_upper;
use crate::linalg::Matrix;
use crate::matset::dispatch::{as_f64_matrix, from_f64_value};
use crate::matset::{MatrixSet, MatrixSetView, DEFAULT_CAP};
use crate::scalar::Scalar;
use std::cmp::Ordering;

/// A squared excess (or Hausdorff distance) and whether it is exact or an upper bound.
#[derive(Clone, Debug, PartialEq)]
pub struct Excess<S> {
    /// The squared value `ex(X, Y)²` ([`Exactness::Exact`]) or an upper bound of it
    /// ([`Exactness::Over`]).
    pub sq: S,
    /// Whether `sq` is the value or an upper bound.
    pub exactness: Exactness,
}

impl<S: Scalar> Excess<S> {
    /// An upper bound of the (unsquared) value: `sqrt_upper(sq)`.
    pub fn upper(&self) -> S {
        self.sq.sqrt_upper()
    }
    /// Whether `sq` is the exact squared value.
    pub fn is_exact(&self) -> bool {
        self.exactness == Exactness::Exact
    }
}

/// `‖A − B‖²_F`: exact over rationals; in f64 a vectorised loop.
pub fn frobenius_dist_sq<S: Scalar>(a: &Matrix<S>, b: &Matrix<S>) -> Result<S> {
    if a.shape() != b.shape() {
        return Err(Error::DimensionMismatch {
            op: "frobenius_dist_sq",
            left: a.shape(),
            right: b.shape(),
        });
    }
    if let (Some(x), Some(y)) = (as_f64_matrix(a), as_f64_matrix(b)) {
        if let Some(v) = from_f64_value::<S>(dist_sq_f64(x.as_slice(), y.as_slice())) {
            return Ok(v);
        }
    }
    Ok(a.as_slice()
        .iter()
        .zip(b.as_slice())
        .fold(S::zero(), |acc, (x, y)| {
            let d = x.sub(y);
            acc.mul_add(&d, &d)
        }))
}

/// `Σ (xᵢ − yᵢ)²` with eight accumulators (vectorises).
fn dist_sq_f64(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut cx = x.chunks_exact(8);
    let mut cy = y.chunks_exact(8);
    for (a, b) in (&mut cx).zip(&mut cy) {
        for l in 0..8 {
            let d = a[l] - b[l];
            acc[l] += d * d;
        }
    }
    let mut s: f64 = acc.iter().sum();
    for (a, b) in cx.remainder().iter().zip(cy.remainder()) {
        s += (a - b) * (a - b);
    }
    s
}

/// Decided `a < b`, falling back to the f64 estimates when undecided (used only to
/// *choose* among candidates; the values returned stay sound).
fn less<S: Scalar>(a: &S, b: &S) -> bool {
    match a.cmp3(b) {
        Some(o) => o == Ordering::Less,
        None => a.to_f64() < b.to_f64(),
    }
}

/// Squared distance of `x` to `[lo, hi]`: `max(lo − x, 0, x − hi)²`.
fn interval_dist_sq<S: Scalar>(x: &S, lo: &S, hi: &S) -> S {
    lo.sub(x).max(&S::zero()).max(&x.sub(hi)).square()
}

/// Row `r` against `{q·row : q ∈ [lo, hi]}`: the minimising `q` (clamped least
/// squares) and the squared distance.
fn diag_row<S: Scalar>(r: &[S], row: &[S], lo: &S, hi: &S) -> Result<(S, S)> {
    let rr = crate::scalar::dot(r, r)?;
    let mm = crate::scalar::dot(row, row)?;
    match mm.sign() {
        Some(Ordering::Equal) => Ok((lo.clone(), rr)),
        Some(_) => {
            let t = crate::scalar::dot(r, row)?
                .div(&mm)
                .ok_or_else(|| Error::DivisionByZero {
                    context: "DiagBox distance".into(),
                })?;
            let q = lo.max(&t.min(hi));
            let d = r.iter().zip(row).fold(S::zero(), |acc, (a, b)| {
                let e = a.sub(&q.mul(b));
                acc.mul_add(&e, &e)
            });
            Ok((q, d))
        }
        None => Err(Error::CouldNotVerify {
            reason: "DiagBox distance: a row of M is possibly zero (interval too wide)".into(),
        }),
    }
}

/// `d(M, Y)²`, exact over rationals for every kind of `Y` (finite: min over members;
/// hull: min-norm point of `{Vᵢ − M}`; box: clamp; `DiagBox`: clamped least squares
/// per row). Intervals enclose it; f64 estimates it.
pub fn dist_sq<S: Scalar>(m: &Matrix<S>, y: &MatrixSet<S>) -> Result<S> {
    if m.shape() != y.shape() {
        return Err(Error::DimensionMismatch {
            op: "dist_sq",
            left: m.shape(),
            right: y.shape(),
        });
    }
    match y.view() {
        MatrixSetView::Finite(_) => {
            let ys = y.members()?;
            let mut best = frobenius_dist_sq(m, &ys[0])?;
            for v in &ys[1..] {
                best = best.min(&frobenius_dist_sq(m, v)?);
            }
            Ok(best)
        }
        MatrixSetView::Hull(_) => {
            let ps: Vec<Matrix<S>> = y
                .members()?
                .iter()
                .map(|v| v.sub(m))
                .collect::<Result<_>>()?;
            Ok(min_norm_point(&ps)?.norm_sq)
        }
        MatrixSetView::Box { lo, hi } => Ok(m
            .as_slice()
            .iter()
            .zip(lo.as_slice().iter().zip(hi.as_slice()))
            .fold(S::zero(), |acc, (x, (l, h))| {
                acc.add(&interval_dist_sq(x, l, h))
            })),
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m: base,
            offset,
        } => {
            let mut total = S::zero();
            for i in 0..base.rows() {
                let r: Vec<S> = (0..base.cols())
                    .map(|j| m[(i, j)].sub(&offset[(i, j)]))
                    .collect();
                total = total.add(&diag_row(&r, &base.row(i), &q_lo[i], &q_hi[i])?.1);
            }
            Ok(total)
        }
    }
}

/// An upper bound of `d(M, Y)`: `sqrt_upper(dist_sq)`.
pub fn dist_upper<S: Scalar>(m: &Matrix<S>, y: &MatrixSet<S>) -> Result<S> {
    Ok(dist_sq(m, y)?.sqrt_upper())
}

/// A Frobenius-nearest point of `Y` to `M` (exact over rationals; over intervals an
/// enclosure of a point of `Y`; for a finite `Y` the first nearest member).
pub fn nearest_point<S: Scalar>(m: &Matrix<S>, y: &MatrixSet<S>) -> Result<Matrix<S>> {
    if m.shape() != y.shape() {
        return Err(Error::DimensionMismatch {
            op: "nearest_point",
            left: m.shape(),
            right: y.shape(),
        });
    }
    match y.view() {
        MatrixSetView::Finite(_) => {
            let ys = y.members()?;
            let mut best = (0, frobenius_dist_sq(m, &ys[0])?);
            for (i, v) in ys.iter().enumerate().skip(1) {
                let d = frobenius_dist_sq(m, v)?;
                if less(&d, &best.1) {
                    best = (i, d);
                }
            }
            Ok(ys[best.0].clone())
        }
        MatrixSetView::Hull(_) => {
            let ps: Vec<Matrix<S>> = y
                .members()?
                .iter()
                .map(|v| v.sub(m))
                .collect::<Result<_>>()?;
            min_norm_point(&ps)?.point.add(m)
        }
        MatrixSetView::Box { lo, hi } => Ok(Matrix::from_fn(m.rows(), m.cols(), |i, j| {
            lo[(i, j)].max(&m[(i, j)].min(&hi[(i, j)]))
        })),
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m: base,
            offset,
        } => {
            let mut q = Vec::with_capacity(base.rows());
            for i in 0..base.rows() {
                let r: Vec<S> = (0..base.cols())
                    .map(|j| m[(i, j)].sub(&offset[(i, j)]))
                    .collect();
                q.push(diag_row(&r, &base.row(i), &q_lo[i], &q_hi[i])?.0);
            }
            base.scale_rows(&q)?.add(offset)
        }
    }
}

fn max_of<S: Scalar>(it: impl Iterator<Item = Result<S>>) -> Result<S> {
    let mut best: Option<S> = None;
    for v in it {
        let v = v?;
        best = Some(match best {
            None => v,
            Some(b) => b.max(&v),
        });
    }
    best.ok_or_else(|| Error::Empty {
        what: "a set given to the excess".into(),
    })
}

/// `sup_{X ∈ X} ‖X − Y₀‖²` for one matrix `Y₀`: over the vertices when at most
/// `cap`, else over the bounding box (closed form, an upper bound).
fn farthest_sq<S: Scalar>(x: &MatrixSet<S>, y0: &Matrix<S>, cap: usize) -> Result<S> {
    match x.vertices(cap) {
        Ok(vs) => max_of(vs.iter().map(|v| frobenius_dist_sq(v, y0))),
        Err(Error::TooLarge { .. }) => {
            let (lo, hi) = x.bounding_box()?;
            Ok((0..lo.as_slice().len()).fold(S::zero(), |acc, e| {
                let a = lo.as_slice()[e].sub(&y0.as_slice()[e]).square();
                let b = hi.as_slice()[e].sub(&y0.as_slice()[e]).square();
                acc.add(&a.max(&b))
            }))
        }
        Err(e) => Err(e),
    }
}

/// Box over box, per entry: `Σ max(d(xlo, [ylo, yhi])², d(xhi, [ylo, yhi])²)` (the
/// squared distance separates over entries and each term is convex).
fn box_box_sq<S: Scalar>(xlo: &Matrix<S>, xhi: &Matrix<S>, ylo: &Matrix<S>, yhi: &Matrix<S>) -> S {
    (0..xlo.as_slice().len()).fold(S::zero(), |acc, e| {
        let (l, h) = (&ylo.as_slice()[e], &yhi.as_slice()[e]);
        let a = interval_dist_sq(&xlo.as_slice()[e], l, h);
        let b = interval_dist_sq(&xhi.as_slice()[e], l, h);
        acc.add(&a.max(&b))
    })
}

/// `ex(X, Y)²` with the default cap ([`DEFAULT_CAP`]); see the module table.
pub fn excess_sq<S: Scalar>(x: &MatrixSet<S>, y: &MatrixSet<S>) -> Result<Excess<S>> {
    excess_sq_with_cap(x, y, DEFAULT_CAP)
}

/// `gap(X, Y)²`, the talk's name for the excess (an alias of [`excess_sq`]).
pub fn gap_sq<S: Scalar>(x: &MatrixSet<S>, y: &MatrixSet<S>) -> Result<Excess<S>> {
    excess_sq(x, y)
}

/// `ex(X, Y)²`: `cap` bounds the number of extreme points of `X` enumerated.
pub fn excess_sq_with_cap<S: Scalar>(
    x: &MatrixSet<S>,
    y: &MatrixSet<S>,
    cap: usize,
) -> Result<Excess<S>> {
    if x.shape() != y.shape() {
        return Err(Error::DimensionMismatch {
            op: "excess",
            left: x.shape(),
            right: y.shape(),
        });
    }
    let exact = |sq: S| {
        Ok(Excess {
            sq,
            exactness: Exactness::Exact,
        })
    };
    let over = |sq: S| {
        Ok(Excess {
            sq,
            exactness: Exactness::Over,
        })
    };
    match (x.view(), y.view()) {
        (MatrixSetView::Box { lo: xlo, hi: xhi }, MatrixSetView::Box { lo: ylo, hi: yhi }) => {
            return exact(box_box_sq(xlo, xhi, ylo, yhi))
        }
        (
            MatrixSetView::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            },
            MatrixSetView::Box { lo, hi },
        ) => {
            // Rows separate; each row's squared distance is convex in qᵢ.
            let mut total = S::zero();
            for i in 0..m.rows() {
                let row_at = |q: &S| {
                    (0..m.cols()).fold(S::zero(), |acc, j| {
                        let v = q.mul(&m[(i, j)]).add(&offset[(i, j)]);
                        acc.add(&interval_dist_sq(&v, &lo[(i, j)], &hi[(i, j)]))
                    })
                };
                total = total.add(&row_at(&q_lo[i]).max(&row_at(&q_hi[i])));
            }
            return exact(total);
        }
        (MatrixSetView::Finite(_), _) => {
            return exact(max_of(x.members()?.iter().map(|v| dist_sq(v, y)))?);
        }
        _ => {}
    }
    if y.is_convex() {
        match x.vertices(cap) {
            Ok(vs) => exact(max_of(vs.iter().map(|v| dist_sq(v, y)))?),
            Err(Error::TooLarge { .. }) => {
                // ex(X, Y) ≤ ex(bbox X, Y); against a box it is closed form, else use
                // one point Y₀ ∈ Y: ex(B, Y) ≤ sup_B ‖· − Y₀‖.
                let (lo, hi) = x.bounding_box()?;
                if let MatrixSetView::Box { lo: ylo, hi: yhi } = y.view() {
                    return over(box_box_sq(&lo, &hi, ylo, yhi));
                }
                let two = S::from_i64(2);
                // Y₀ may be any point of Y (the bound holds for each), so the centre is
                // only a heuristic start: the fallback (never taken, 2 ≠ 0) stays sound.
                let centre = lo
                    .add(&hi)?
                    .map(|v| v.div(&two).unwrap_or_else(|| v.clone()));
                let y0 = nearest_point(&centre, y)?;
                over(farthest_sq(&MatrixSet::interval_box(lo, hi)?, &y0, 0)?)
            }
            Err(e) => Err(e),
        }
    } else {
        // Convex X, finite Y with ≥ 2 members: min over Yⱼ of sup_X ‖X − Yⱼ‖².
        let ys = y.members()?;
        let mut best = farthest_sq(x, &ys[0], cap)?;
        for v in &ys[1..] {
            best = best.min(&farthest_sq(x, v, cap)?);
        }
        over(best)
    }
}

/// `H(X, Y)² = max(ex(X, Y)², ex(Y, X)²)`; exact when both excesses are.
pub fn hausdorff_sq<S: Scalar>(x: &MatrixSet<S>, y: &MatrixSet<S>) -> Result<Excess<S>> {
    let a = excess_sq(x, y)?;
    let b = excess_sq(y, x)?;
    Ok(Excess {
        sq: a.sq.max(&b.sq),
        exactness: a.exactness.and(b.exactness),
    })
}

/// An upper bound of the **spectral-norm** excess `sup_{X ∈ X} inf_{Y ∈ Y} ‖X − Y‖₂`.
///
/// Each `‖D‖₂` is bounded by `min(√(‖D‖₁‖D‖∞), ‖D‖_F)` (rounded up). Finite `X`:
/// `maxₓ min_y` of that bound (the inner min over a finite `Y`; for a convex `Y`, the
/// bound at the Frobenius-nearest point, which lies in `Y`). Convex `X` and convex
/// `Y`: the same at the extreme points of `X` (`d₂(·, Y)` is convex). Convex `X`
/// with a finite `Y`: `min_y max_v`. Errors with [`Error::TooLarge`] if `X` has more
/// than `cap` extreme points.
pub fn excess_spectral_upper<S: Scalar>(
    x: &MatrixSet<S>,
    y: &MatrixSet<S>,
    cap: usize,
) -> Result<S> {
    if x.shape() != y.shape() {
        return Err(Error::DimensionMismatch {
            op: "excess_spectral_upper",
            left: x.shape(),
            right: y.shape(),
        });
    }
    let vs = x.vertices(cap)?;
    let point_bound = |v: &Matrix<S>| -> Result<S> {
        match y.view() {
            MatrixSetView::Finite(_) => {
                let ys = y.members()?;
                let mut best = spectral_norm_upper(&v.sub(&ys[0])?);
                for w in &ys[1..] {
                    best = best.min(&spectral_norm_upper(&v.sub(w)?));
                }
                Ok(best)
            }
            _ => Ok(spectral_norm_upper(&v.sub(&nearest_point(v, y)?)?)),
        }
    };
    if matches!(x.view(), MatrixSetView::Finite(_)) || y.is_convex() {
        max_of(vs.iter().map(point_bound))
    } else {
        let ys = y.members()?;
        let mut best: Option<S> = None;
        for w in ys {
            let b = max_of(vs.iter().map(|v| Ok(spectral_norm_upper(&v.sub(w)?))))?;
            best = Some(match best {
                None => b,
                Some(c) => c.min(&b),
            });
        }
        best.ok_or_else(|| Error::Empty {
            what: "a set given to excess_spectral_upper".into(),
        })
    }
}
