//! Minimum-norm point of a convex hull in Frobenius geometry (Wolfe's algorithm),
//! the core of every point-to-hull distance.
//!
//! `min ‖Σ λᵢ Pᵢ‖_F²` over the simplex `λ ≥ 0, Σ λᵢ = 1`. Everything runs on the Gram
//! matrix `Gᵢⱼ = ⟨Pᵢ, Pⱼ⟩`, so the cost of the dimension is paid once.
//!
//! Wolfe's method keeps a *corral*: an affinely independent set of points whose
//! affine minimiser has positive weights. Each major cycle adds the point most
//! violating the optimality condition `⟨x, Pⱼ⟩ ≥ ‖x‖²`; minor cycles solve the small
//! equality-constrained QP on the corral (the bordered Gram system
//! `[[G_SS, 1], [1ᵀ, 0]]`) and step back to the simplex, dropping a point, while some
//! weight is not positive. In exact arithmetic `‖x‖` strictly decreases between
//! major cycles, so no corral repeats and the method terminates (no cycling); an
//! iteration cap guards the f64 path.
//!
//! Per scalar kind:
//! - exact rationals: all decisions and the result are exact;
//! - `f64`: decisions with a relative tolerance `1e-12`, result an estimate;
//! - intervals: the corral is found in f64 on the midpoints, then the value is
//!   *certified*: an upper bound from the feasible weights, a lower bound from the
//!   dual `‖p‖ ≥ minᵢ ⟨y, Pᵢ⟩ / ‖y‖` (for any `y`), both in interval arithmetic; the
//!   returned interval encloses the minimum for every point of the input intervals.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::dispatch::{as_interval, from_f64_value, from_interval, kind, Kind};
use crate::scalar::{Interval, Scalar};
use std::cmp::Ordering;

/// The minimum-norm point of `conv{P₁, …, P_k}`.
#[derive(Clone, Debug, PartialEq)]
pub struct MinNormPoint<S> {
    /// Convex weights `λ` (nonnegative, summing to one): exact for rationals, an
    /// estimate in f64 and for intervals (where they are only the certificate).
    pub weights: Vec<S>,
    /// `Σ λᵢ Pᵢ` (for intervals: an enclosure of the point for these weights).
    pub point: Matrix<S>,
    /// `min ‖·‖_F²` over the hull: exact for rationals, an enclosure for intervals,
    /// an estimate in f64.
    pub norm_sq: S,
}

/// Frobenius inner product `⟨a, b⟩ = Σ aᵢⱼ bᵢⱼ` (same shapes assumed by callers).
pub(crate) fn inner<S: Scalar>(a: &Matrix<S>, b: &Matrix<S>) -> S {
    let (x, y) = (a.as_slice(), b.as_slice());
    if let (Some(xf), Some(yf)) = (
        crate::matset::dispatch::as_f64_matrix(a),
        crate::matset::dispatch::as_f64_matrix(b),
    ) {
        if let Some(v) = from_f64_value::<S>(inner_f64(xf.as_slice(), yf.as_slice())) {
            return v;
        }
    }
    x.iter()
        .zip(y)
        .fold(S::zero(), |acc, (p, q)| acc.mul_add(p, q))
}

/// f64 inner product with eight independent accumulators (vectorises).
pub(crate) fn inner_f64(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut cx = x.chunks_exact(8);
    let mut cy = y.chunks_exact(8);
    for (a, b) in (&mut cx).zip(&mut cy) {
        for l in 0..8 {
            acc[l] += a[l] * b[l];
        }
    }
    let mut s: f64 = acc.iter().sum();
    for (a, b) in cx.remainder().iter().zip(cy.remainder()) {
        s += a * b;
    }
    s
}

/// Minimum-norm point of `conv{points}` (see the module docs for what is exact).
///
/// Errors on an empty list, mismatched shapes, non-finite entries, and (f64 only,
/// practically never) [`Error::NotConverged`].
pub fn min_norm_point<S: Scalar>(points: &[Matrix<S>]) -> Result<MinNormPoint<S>> {
    let first = points.first().ok_or_else(|| Error::Empty {
        what: "the points given to min_norm_point".into(),
    })?;
    if let Some(bad) = points.iter().find(|p| p.shape() != first.shape()) {
        return Err(Error::DimensionMismatch {
            op: "min_norm_point",
            left: first.shape(),
            right: bad.shape(),
        });
    }
    if points.iter().any(|p| !p.is_finite()) {
        return Err(Error::NonFinite {
            context: "min_norm_point".into(),
        });
    }
    match kind::<S>() {
        Kind::Exact => solve_in::<S>(points, &S::zero(), &S::zero()),
        Kind::Float => {
            let g = gram(points);
            let scale = g
                .iter()
                .enumerate()
                .fold(0.0f64, |m, (i, r)| m.max(r[i].to_f64()));
            let eps = S::from_f64(1e-12 * scale.max(f64::MIN_POSITIVE))?;
            let w_eps = S::from_f64(1e-14)?;
            solve_in::<S>(points, &eps, &w_eps)
        }
        Kind::Interval => certify_interval(points),
    }
}

fn gram<S: Scalar>(points: &[Matrix<S>]) -> Vec<Vec<S>> {
    let k = points.len();
    let mut g = vec![vec![S::zero(); k]; k];
    for i in 0..k {
        for j in i..k {
            let v = inner(&points[i], &points[j]);
            g[j][i] = v.clone();
            g[i][j] = v;
        }
    }
    g
}

fn combine<S: Scalar>(points: &[Matrix<S>], w: &[S]) -> Matrix<S> {
    let (r, c) = points[0].shape();
    let mut out: Matrix<S> = Matrix::zeros(r, c);
    for (p, wi) in points.iter().zip(w) {
        if wi.is_zero().is_true() {
            continue;
        }
        for (o, x) in out.as_mut_slice().iter_mut().zip(p.as_slice()) {
            *o = o.mul_add(wi, x);
        }
    }
    out
}

fn solve_in<S: Scalar>(points: &[Matrix<S>], eps: &S, w_eps: &S) -> Result<MinNormPoint<S>> {
    let g = gram(points);
    let weights = wolfe(&g, eps, w_eps)?;
    let point = combine(points, &weights);
    let norm_sq = quad(&g, &weights);
    Ok(MinNormPoint {
        weights,
        point,
        norm_sq,
    })
}

/// `λᵀ G λ`.
fn quad<S: Scalar>(g: &[Vec<S>], w: &[S]) -> S {
    let mut s = S::zero();
    for (i, wi) in w.iter().enumerate() {
        if wi.is_zero().is_true() {
            continue;
        }
        for (j, wj) in w.iter().enumerate() {
            if wj.is_zero().is_true() {
                continue;
            }
            s = s.add(&wi.mul(wj).mul(&g[i][j]));
        }
    }
    s
}

/// Decided `a < b`; an undecided comparison falls back to the f64 estimates (only
/// reachable for scalars whose comparisons can be undecided, never for rationals).
fn less<S: Scalar>(a: &S, b: &S) -> bool {
    match a.cmp3(b) {
        Some(o) => o == Ordering::Less,
        None => a.to_f64() < b.to_f64(),
    }
}

/// Wolfe's algorithm on a Gram matrix; returns the weights `λ`.
///
/// `eps` is the absolute tolerance of the optimality test and `w_eps` the threshold
/// for a positive weight (both zero in exact arithmetic).
pub(crate) fn wolfe<S: Scalar>(g: &[Vec<S>], eps: &S, w_eps: &S) -> Result<Vec<S>> {
    let k = g.len();
    let mut lam = vec![S::zero(); k];
    // Start at the point of least norm.
    let mut j0 = 0;
    for i in 1..k {
        if less(&g[i][i], &g[j0][j0]) {
            j0 = i;
        }
    }
    lam[j0] = S::one();
    let mut corral = vec![j0];
    let max_major = 100 + 20 * k;
    for _ in 0..max_major {
        // gx_j = ⟨x, P_j⟩, xx = ‖x‖².
        let gx: Vec<S> = (0..k)
            .map(|j| {
                corral
                    .iter()
                    .fold(S::zero(), |acc, &i| acc.mul_add(&g[j][i], &lam[i]))
            })
            .collect();
        let xx = corral
            .iter()
            .fold(S::zero(), |acc, &i| acc.mul_add(&lam[i], &gx[i]));
        let threshold = xx.sub(eps);
        let mut best: Option<usize> = None;
        for j in 0..k {
            if corral.contains(&j) {
                continue;
            }
            if less(&gx[j], &threshold) && best.map_or(true, |b| less(&gx[j], &gx[b])) {
                best = Some(j);
            }
        }
        let Some(j) = best else { return Ok(lam) };
        corral.push(j);
        // Minor cycles: move towards the affine minimiser of the corral.
        loop {
            let Some(mu) = affine_minimizer(g, &corral) else {
                // Affinely dependent corral: impossible in exact arithmetic; in f64 the
                // new point adds nothing measurable, so the current point is optimal.
                corral.retain(|&i| i != j);
                return if kind::<S>() == Kind::Exact {
                    Err(Error::Singular {
                        pivot: corral.len(),
                    })
                } else {
                    Ok(lam)
                };
            };
            if mu.iter().all(|m| less(w_eps, m)) {
                for (&i, m) in corral.iter().zip(mu) {
                    lam[i] = m;
                }
                break;
            }
            // Largest step θ ∈ [0, 1] from λ towards μ that stays in the simplex.
            let mut theta: Option<(S, usize)> = None;
            for (pos, (&i, m)) in corral.iter().zip(&mu).enumerate() {
                if less(w_eps, m) {
                    continue;
                }
                let den = lam[i].sub(m);
                // λᵢ = μᵢ = 0: the point carries no weight and can leave at θ = 0 (the
                // exact value of the step; Wolfe runs over exact scalars and f64 only,
                // intervals go through `certify_interval`).
                let t = lam[i].div(&den).unwrap_or_else(S::zero);
                if theta.as_ref().map_or(true, |(best, _)| less(&t, best)) {
                    theta = Some((t, pos));
                }
            }
            let Some((t, drop_pos)) = theta else {
                return Err(Error::NotConverged {
                    what: "min_norm_point (line search)",
                    iterations: 0,
                    residual: f64::NAN,
                });
            };
            let one_minus = S::one().sub(&t);
            for (&i, m) in corral.iter().zip(&mu) {
                lam[i] = lam[i].mul(&one_minus).add(&m.mul(&t));
            }
            let dropped = corral[drop_pos];
            lam[dropped] = S::zero();
            // Also drop points whose weight vanished (exactly zero for rationals).
            corral.retain(|&i| i != dropped && less(w_eps, &lam[i]));
            for (i, l) in lam.iter_mut().enumerate() {
                if !corral.contains(&i) {
                    *l = S::zero();
                }
            }
            if corral.is_empty() {
                return Err(Error::NotConverged {
                    what: "min_norm_point (empty corral)",
                    iterations: 0,
                    residual: f64::NAN,
                });
            }
            if dropped == j && t.is_zero().is_true() && kind::<S>() != Kind::Exact {
                // f64 stall: the new point cannot enter; accept the current point.
                return Ok(renormalise(lam));
            }
        }
    }
    Err(Error::NotConverged {
        what: "min_norm_point (Wolfe)",
        iterations: max_major,
        residual: f64::NAN,
    })
}

fn renormalise<S: Scalar>(lam: Vec<S>) -> Vec<S> {
    let s = crate::scalar::sum(&lam);
    match lam.iter().map(|l| l.div(&s)).collect::<Option<Vec<S>>>() {
        Some(v) => v,
        None => lam,
    }
}

/// Affine minimiser of the corral: solves `[[G_SS, 1], [1ᵀ, 0]] [μ; t] = [0; 1]`.
/// `None` when the bordered system is singular (affinely dependent corral).
fn affine_minimizer<S: Scalar>(g: &[Vec<S>], corral: &[usize]) -> Option<Vec<S>> {
    let s = corral.len();
    let mut a: Vec<Vec<S>> = Vec::with_capacity(s + 1);
    for &i in corral {
        let mut row: Vec<S> = corral.iter().map(|&j| g[i][j].clone()).collect();
        row.push(S::one());
        a.push(row);
    }
    let mut last = vec![S::one(); s];
    last.push(S::zero());
    a.push(last);
    let mut b = vec![S::zero(); s + 1];
    b[s] = S::one();
    let x = solve_dense(a, b)?;
    Some(x[..s].to_vec())
}

/// Gaussian elimination with partial pivoting (largest estimated magnitude among
/// entries that are certainly nonzero). `None` if singular (or undecided).
pub(crate) fn solve_dense<S: Scalar>(mut a: Vec<Vec<S>>, mut b: Vec<S>) -> Option<Vec<S>> {
    let n = b.len();
    for col in 0..n {
        let mut piv: Option<(usize, f64)> = None;
        for (r, row) in a.iter().enumerate().skip(col) {
            if row[col].is_zero().is_false() {
                let mag = row[col].abs().to_f64();
                if piv.map_or(true, |(_, m)| mag > m) {
                    piv = Some((r, mag));
                }
            }
        }
        let (p, _) = piv?;
        a.swap(col, p);
        b.swap(col, p);
        for r in col + 1..n {
            if a[r][col].is_zero().is_true() {
                continue;
            }
            let f = a[r][col].div(&a[col][col])?;
            let (top, bottom) = a.split_at_mut(r);
            let (pivot_row, row) = (&top[col], &mut bottom[0]);
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x = x.sub(&p.mul(&f));
            }
            let v = b[col].mul(&f);
            b[r] = b[r].sub(&v);
        }
    }
    let mut x = vec![S::zero(); n];
    for r in (0..n).rev() {
        let mut s = b[r].clone();
        for c in r + 1..n {
            s = s.sub(&a[r][c].mul(&x[c]));
        }
        x[r] = s.div(&a[r][r])?;
    }
    Some(x)
}

/// Interval path: corral in f64 on the midpoints, value certified in intervals.
fn certify_interval<S: Scalar>(points: &[Matrix<S>]) -> Result<MinNormPoint<S>> {
    let pf: Vec<Matrix<f64>> = points.iter().map(|p| p.to_f64()).collect();
    let k = points.len();
    // The f64 solve only proposes weights; if it fails, fall back to the best vertex.
    let lam_f: Vec<f64> = match min_norm_point::<f64>(&pf) {
        Ok(r) => r.weights.iter().map(|w| f64::max(*w, 0.0)).collect(),
        Err(_) => {
            let mut best = 0;
            for i in 1..k {
                if pf[i].norm_frobenius_sq() < pf[best].norm_frobenius_sq() {
                    best = i;
                }
            }
            (0..k).map(|i| if i == best { 1.0 } else { 0.0 }).collect()
        }
    };
    let lam: Vec<S> = lam_f
        .iter()
        .map(|&w| S::from_f64(w))
        .collect::<Result<_>>()?;
    let total = crate::scalar::sum(&lam);
    let weights: Vec<S> = lam
        .iter()
        .map(|w| w.div(&total))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::DivisionByZero {
            context: "min_norm_point weights".into(),
        })?;
    // Upper bound: any feasible point of the hull.
    let point = combine(points, &weights);
    let upper = point.norm_frobenius_sq();
    // Lower bound: for any y ≠ 0, min over the hull of ‖p‖ ≥ minᵢ ⟨y, Pᵢ⟩ / ‖y‖.
    let mut yf = Matrix::<f64>::zeros(pf[0].rows(), pf[0].cols());
    for (p, w) in pf.iter().zip(&lam_f) {
        for (o, x) in yf.as_mut_slice().iter_mut().zip(p.as_slice()) {
            *o += w * x;
        }
    }
    let y: Matrix<S> = Matrix::from_f64_matrix(&yf)?;
    let yy = y.norm_frobenius_sq();
    let mut c: Option<S> = None;
    for p in points {
        let v = inner(&y, p);
        c = Some(match c {
            None => v,
            Some(m) => m.min(&v),
        });
    }
    // An undecided sign or divisor gives the lower bound 0: still sound, as ‖·‖² ≥ 0.
    let lower = match c {
        Some(c) if c.sign() == Some(Ordering::Greater) => {
            c.square().div(&yy).unwrap_or_else(S::zero)
        }
        _ => S::zero(),
    };
    // `upper` alone encloses one feasible point's norm, not the minimum: without the
    // interval hull [lower, upper] there is no enclosure to return.
    let no_hull = || Error::CouldNotVerify {
        reason: format!("min_norm_point: {} is not the interval type", S::NAME),
    };
    let (lo, hi) = (
        as_interval(&lower).ok_or_else(no_hull)?,
        as_interval(&upper).ok_or_else(no_hull)?,
    );
    let (lo_b, hi_b) = (lo.inf().max(0.0), hi.sup());
    let iv = Interval::try_from((lo_b.min(hi_b), hi_b)).map_err(|_| Error::NonFinite {
        context: "min_norm_point enclosure".into(),
    })?;
    let norm_sq = from_interval::<S>(iv).ok_or_else(no_hull)?;
    Ok(MinNormPoint {
        weights,
        point,
        norm_sq,
    })
}
