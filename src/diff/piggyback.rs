//! The set-valued piggyback recursion (Bolte, Pauwels & Vaiter 2022; MATH.md §5):
//! `x_{t+1} = F(x_t, θ)`, `J_{t+1} = D_F(x_t, θ)(J_t) = {A J + B : [A, B] ∈ D_F(x_t, θ), J ∈ J_t}`,
//! and the fixed set `fix(J)` of a compact family with the distance bound
//! `H(X_t, fix J) ≤ ρ^t H(X_0, J(X_0)) / (1 − ρ)`.
//!
//! Representations (Frobenius norm throughout). With [`Overflow::Enclose`] the action
//! is [`MatrixSet::act_with_cap`]; the inner-approximation policies need every
//! element and use the local implementation below, with the same semantics:
//! - finite × finite → finite (exact: every element is kept);
//! - a hull on either side → hull of the pairwise vertex images. Exact for the convex
//!   hull: `(Σλᵢ Aᵢ)(Σμⱼ Xⱼ) + Σλᵢ Bᵢ = Σᵢⱼ λᵢμⱼ (Aᵢ Xⱼ + Bᵢ)`, so
//!   `conv J(conv X) = conv{Aᵢ Xⱼ + Bᵢ}` — an outer approximation of `J(X)` itself;
//! - `DiagBox` is expanded to its `2^k` vertices when small, else enclosed in a box;
//! - a box on either side → interval matrix arithmetic on the endpoints (outer);
//! - above [`SetOptions::cap`] elements: enclose in a box (outer), keep the largest
//!   elements or extreme points in seeded directions (inner: a subset, whose sup-norm
//!   is a lower bound), or fail.

use super::check_len;
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::maps::FixedPointMap;
use crate::matset::MatrixSet;
use crate::scalar::Scalar;
use std::cmp::Ordering;

/// What to do when an exact set would exceed the cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Replace by the entrywise bounding box (a sound outer enclosure).
    Enclose,
    /// Keep the `cap` elements of largest Frobenius norm (an inner approximation:
    /// every kept element is a true element, so its norms are lower bounds).
    KeepLargest,
    /// Keep, for each of `cap` fixed pseudo-random directions `U` (seeded), an element
    /// maximising `⟨U, X⟩`: an inner approximation of the convex hull. Since the action
    /// is affine in `X`, `conv J(X) = conv J(ext conv X)`, so only extreme points matter;
    /// this tracks the growth of the hull (and of any convex function, e.g. a norm, on
    /// it) much better than [`Overflow::KeepLargest`].
    KeepExtreme,
    /// Return [`Error::TooLarge`].
    Fail,
}

/// Size control of the set-valued recursion.
#[derive(Clone, Debug, PartialEq)]
pub struct SetOptions {
    /// Largest number of explicit elements (vertices) kept.
    pub cap: usize,
    /// Policy above the cap.
    pub overflow: Overflow,
    /// Expand a `DiagBox` into its vertices only when it has at most this many.
    pub diagbox_vertex_cap: usize,
}

impl Default for SetOptions {
    fn default() -> Self {
        SetOptions {
            cap: 4096,
            overflow: Overflow::Enclose,
            diagbox_vertex_cap: 1024,
        }
    }
}

/// A set seen either as an explicit list (finite or convex hull of it) or as a box.
enum View<S> {
    Points { pts: Vec<Matrix<S>>, convex: bool },
    Boxed { lo: Matrix<S>, hi: Matrix<S> },
}

fn diagbox_bounds<S: Scalar>(
    q_lo: &[S],
    q_hi: &[S],
    m: &Matrix<S>,
    c: &Matrix<S>,
) -> (Matrix<S>, Matrix<S>) {
    let (r, k) = m.shape();
    let lo = Matrix::from_fn(r, k, |i, j| {
        let a = q_lo[i].mul(&m[(i, j)]);
        let b = q_hi[i].mul(&m[(i, j)]);
        a.min(&b).add(&c[(i, j)])
    });
    let hi = Matrix::from_fn(r, k, |i, j| {
        let a = q_lo[i].mul(&m[(i, j)]);
        let b = q_hi[i].mul(&m[(i, j)]);
        a.max(&b).add(&c[(i, j)])
    });
    (lo, hi)
}

fn view<S: Scalar>(set: &MatrixSet<S>, opts: &SetOptions) -> Result<View<S>> {
    Ok(match set {
        MatrixSet::Finite(v) => View::Points {
            pts: v.clone(),
            convex: false,
        },
        MatrixSet::Hull(v) => View::Points {
            pts: v.clone(),
            convex: true,
        },
        MatrixSet::Box { lo, hi } => View::Boxed {
            lo: lo.clone(),
            hi: hi.clone(),
        },
        MatrixSet::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => {
            if q_lo.len() != m.rows() || q_hi.len() != m.rows() || offset.shape() != m.shape() {
                return Err(Error::DimensionMismatch {
                    op: "DiagBox",
                    left: m.shape(),
                    right: (q_lo.len(), q_hi.len()),
                });
            }
            let free: Vec<usize> = (0..q_lo.len())
                .filter(|&i| q_lo[i].cmp3(&q_hi[i]) != Some(Ordering::Equal))
                .collect();
            if free.len() < usize::BITS as usize
                && (1usize << free.len()) <= opts.diagbox_vertex_cap
            {
                let mut pts = Vec::with_capacity(1 << free.len());
                for mask in 0..(1usize << free.len()) {
                    let mut q = q_lo.clone();
                    for (b, &i) in free.iter().enumerate() {
                        if mask >> b & 1 == 1 {
                            q[i] = q_hi[i].clone();
                        }
                    }
                    pts.push(m.scale_rows(&q)?.add(offset)?);
                }
                View::Points {
                    convex: !free.is_empty(),
                    pts,
                }
            } else {
                let (lo, hi) = diagbox_bounds(q_lo, q_hi, m, offset);
                View::Boxed { lo, hi }
            }
        }
    })
}

fn bounding_box<S: Scalar>(pts: &[Matrix<S>]) -> Result<(Matrix<S>, Matrix<S>)> {
    let first = pts
        .first()
        .ok_or_else(|| Error::InvalidInput("empty matrix set".into()))?;
    let mut lo = first.clone();
    let mut hi = first.clone();
    for p in &pts[1..] {
        lo = lo.zip_with(p, "bounding_box", |a, b| a.min(b))?;
        hi = hi.zip_with(p, "bounding_box", |a, b| a.max(b))?;
    }
    Ok((lo, hi))
}

fn to_box<S: Scalar>(v: View<S>) -> Result<(Matrix<S>, Matrix<S>)> {
    match v {
        View::Points { pts, .. } => bounding_box(&pts),
        View::Boxed { lo, hi } => Ok((lo, hi)),
    }
}

/// Interval product `[a]·[x]` of scalars given by endpoints.
fn iv_mul<S: Scalar>(alo: &S, ahi: &S, xlo: &S, xhi: &S) -> (S, S) {
    let p = [alo.mul(xlo), alo.mul(xhi), ahi.mul(xlo), ahi.mul(xhi)];
    let lo = p[1..].iter().fold(p[0].clone(), |m, v| m.min(v));
    let hi = p[1..].iter().fold(p[0].clone(), |m, v| m.max(v));
    (lo, hi)
}

/// For `cap` seeded directions, the index of an element maximising `⟨U, X⟩`.
fn keep_extreme<S: Scalar>(pts: Vec<Matrix<S>>, cap: usize) -> Vec<Matrix<S>> {
    use rand::{Rng, SeedableRng};
    let dim = pts.first().map_or(0, |p| p.as_slice().len());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed);
    let vals: Vec<Vec<f64>> = pts
        .iter()
        .map(|p| p.as_slice().iter().map(|x| x.to_f64()).collect())
        .collect();
    let mut keep = vec![false; pts.len()];
    for _ in 0..cap.max(1) {
        let u: Vec<f64> = (0..dim).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let mut best = (0usize, f64::NEG_INFINITY);
        for (i, v) in vals.iter().enumerate() {
            let s: f64 = v.iter().zip(&u).map(|(a, b)| a * b).sum();
            if s > best.1 {
                best = (i, s);
            }
        }
        keep[best.0] = true;
    }
    pts.into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| p)
        .collect()
}

/// `[A][X] + [B]` for interval matrices given by endpoints (`[A, B]` is `n × (n+m)`).
fn box_action<S: Scalar>(
    dlo: &Matrix<S>,
    dhi: &Matrix<S>,
    xlo: &Matrix<S>,
    xhi: &Matrix<S>,
) -> Result<(Matrix<S>, Matrix<S>)> {
    let n = xlo.rows();
    let m = xlo.cols();
    let mut lo = Matrix::zeros(n, m);
    let mut hi = Matrix::zeros(n, m);
    for i in 0..n {
        for j in 0..m {
            let mut l = dlo[(i, n + j)].clone();
            let mut h = dhi[(i, n + j)].clone();
            for k in 0..n {
                let (pl, ph) = iv_mul(&dlo[(i, k)], &dhi[(i, k)], &xlo[(k, j)], &xhi[(k, j)]);
                l = l.add(&pl);
                h = h.add(&ph);
            }
            lo[(i, j)] = l;
            hi[(i, j)] = h;
        }
    }
    Ok((lo, hi))
}

/// The action `J(X) = {A X + B : [A, B] ∈ J, X ∈ X}` of a set of `n × (n+m)` matrices
/// on a set of `n × m` matrices (see the module table for exactness).
pub fn act<S: Scalar>(
    d: &MatrixSet<S>,
    x: &MatrixSet<S>,
    opts: &SetOptions,
) -> Result<MatrixSet<S>> {
    let (n, nm) = d.shape();
    let (xn, m) = x.shape();
    if xn != n || nm != n + m {
        return Err(Error::DimensionMismatch {
            op: "piggyback::act",
            left: (n, nm),
            right: (xn, m),
        });
    }
    if opts.overflow == Overflow::Enclose {
        // The outer-enclosure policy is exactly `MatrixSet::act_with_cap`.
        return Ok(d.act_with_cap(x, opts.cap)?.0);
    }
    let dv = view(d, opts)?;
    let xv = view(x, opts)?;
    match (dv, xv) {
        (
            View::Points {
                pts: dp,
                convex: dc,
            },
            View::Points {
                pts: xp,
                convex: xc,
            },
        ) => {
            let count = dp.len().saturating_mul(xp.len());
            if count > opts.cap && opts.overflow == Overflow::Fail {
                return Err(Error::TooLarge {
                    context: format!("piggyback action: {count} elements > cap {}", opts.cap),
                });
            }
            let mut out = Vec::with_capacity(count.min(opts.cap.saturating_mul(2)));
            for dm in &dp {
                let (a, b) = dm.split_cols(n)?;
                for xm in &xp {
                    out.push(a.matmul(xm)?.add(&b)?);
                }
            }
            let convex = dc || xc;
            if out.len() > opts.cap {
                match opts.overflow {
                    Overflow::Enclose => {
                        let (lo, hi) = bounding_box(&out)?;
                        return Ok(MatrixSet::Box { lo, hi });
                    }
                    Overflow::KeepLargest => {
                        let mut keyed: Vec<(f64, Matrix<S>)> = out
                            .into_iter()
                            .map(|mm| (mm.norm_frobenius_sq().to_f64(), mm))
                            .collect();
                        keyed.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(Ordering::Equal));
                        keyed.truncate(opts.cap);
                        out = keyed.into_iter().map(|(_, mm)| mm).collect();
                    }
                    Overflow::KeepExtreme => out = keep_extreme(out, opts.cap),
                    Overflow::Fail => {}
                }
            }
            Ok(if convex {
                MatrixSet::Hull(out)
            } else {
                MatrixSet::Finite(out)
            })
        }
        (dv, xv) => {
            let (dlo, dhi) = to_box(dv)?;
            let (xlo, xhi) = to_box(xv)?;
            let (lo, hi) = box_action(&dlo, &dhi, &xlo, &xhi)?;
            Ok(MatrixSet::Box { lo, hi })
        }
    }
}

/// Number of explicit elements (vertices) of a set; `None` for boxes.
pub fn element_count<S>(set: &MatrixSet<S>) -> Option<usize> {
    match set {
        MatrixSet::Finite(v) | MatrixSet::Hull(v) => Some(v.len()),
        _ => None,
    }
}

/// `sup_{X ∈ X} ‖X‖_F` (f64 estimate). Exact at vertices for finite sets and hulls
/// (the norm is convex); for a box, the norm of the entrywise largest magnitudes.
pub fn sup_norm_est<S: Scalar>(set: &MatrixSet<S>) -> f64 {
    let fro = |m: &Matrix<S>| {
        m.as_slice()
            .iter()
            .map(|x| x.to_f64().powi(2))
            .sum::<f64>()
            .sqrt()
    };
    match set {
        MatrixSet::Finite(v) | MatrixSet::Hull(v) => v.iter().map(fro).fold(0.0, f64::max),
        MatrixSet::Box { lo, hi } => lo
            .as_slice()
            .iter()
            .zip(hi.as_slice())
            .map(|(l, h)| l.to_f64().abs().max(h.to_f64().abs()).powi(2))
            .sum::<f64>()
            .sqrt(),
        MatrixSet::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => {
            let (lo, hi) = diagbox_bounds(q_lo, q_hi, m, offset);
            sup_norm_est(&MatrixSet::Box { lo, hi })
        }
    }
}

/// The set-valued recursion along the iterates of a map.
pub struct Piggyback<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> {
    map: &'a F,
    theta: Vec<S>,
    x: Vec<S>,
    set: MatrixSet<S>,
    opts: SetOptions,
    norms: Vec<f64>,
}

impl<'a, S: Scalar, F: FixedPointMap<S> + ?Sized> Piggyback<'a, S, F> {
    /// Start at `x_0` with `J_0 = {0}`.
    pub fn new(map: &'a F, x0: &[S], theta: &[S], opts: SetOptions) -> Result<Self> {
        map.check_input(x0, theta)?;
        let (n, m) = map.dims();
        let set = MatrixSet::singleton(Matrix::zeros(n, m));
        Ok(Piggyback {
            map,
            theta: theta.to_vec(),
            x: x0.to_vec(),
            set,
            opts,
            norms: vec![0.0],
        })
    }
    /// Start from a given set `J_0` of `n × m` matrices.
    pub fn with_initial_set(mut self, j0: MatrixSet<S>) -> Result<Self> {
        let (n, m) = self.map.dims();
        if j0.shape() != (n, m) {
            return Err(Error::DimensionMismatch {
                op: "Piggyback initial set",
                left: (n, m),
                right: j0.shape(),
            });
        }
        self.norms = vec![sup_norm_est(&j0)];
        self.set = j0;
        Ok(self)
    }
    /// One step: `J ← D_F(x_t, θ)(J)`, `x ← F(x_t, θ)`; returns `sup ‖J_{t+1}‖_F`.
    pub fn step(&mut self) -> Result<f64> {
        let d = self.map.conservative_jacobian(&self.x, &self.theta)?;
        self.set = act(&d, &self.set, &self.opts)?;
        let next = self.map.apply(&self.x, &self.theta)?;
        check_len("Piggyback: F(x) length", self.x.len(), next.len())?;
        self.x = next;
        let s = sup_norm_est(&self.set);
        self.norms.push(s);
        Ok(s)
    }
    /// Current iterate.
    pub fn x(&self) -> &[S] {
        &self.x
    }
    /// Current set `J_t`.
    pub fn set(&self) -> &MatrixSet<S> {
        &self.set
    }
    /// `sup ‖J_t‖_F` for `t = 0, 1, …` (f64 estimates).
    pub fn norms(&self) -> &[f64] {
        &self.norms
    }
}

/// An approximation of `fix(J)` after `t` iterations from `X_0 = {X₀}`.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedSetApprox<S> {
    /// `X_t = J^t({X₀})` (or an outer enclosure of it when `exact_iterates` is false).
    pub set: MatrixSet<S>,
    /// `t`.
    pub iterations: usize,
    /// The contraction factor used, `ρ ≥ sup_{[A,B] ∈ J} ‖A‖₂`.
    pub rho: f64,
    /// `H({X₀}, J({X₀})) = max_{vertices} ‖A X₀ + B − X₀‖_F`.
    pub h0: f64,
    /// `ρ^t h0 / (1 − ρ)`: `fix(J)` lies within this Frobenius distance of `set`, and,
    /// when `exact_iterates`, every element of `set` lies within it of `fix(J)`.
    pub bound: f64,
    /// Whether no enclosure (box) was introduced: the set is exactly `J^t({X₀})` (or its
    /// convex hull when `J` is a hull).
    pub exact_iterates: bool,
}

/// Upper estimate of `‖A‖₂`: `min(‖A‖_F, √(‖A‖₁‖A‖_∞))` (f64 estimate).
pub fn op_norm_upper_est<S: Scalar>(a: &Matrix<S>) -> f64 {
    let fro = a.norm_frobenius_sq().to_f64().sqrt();
    let holder = (a.norm_1().to_f64() * a.norm_inf().to_f64()).sqrt();
    fro.min(holder)
}

/// Approximate `fix(J)` from `X_0 = {x0}` with `t` applications of `J`.
///
/// `rho` must bound `sup ‖A‖₂` over the family (pass a certified one when available);
/// when `None`, [`op_norm_upper_est`] at the vertices (or of the box's magnitude) is
/// used. Errors with [`Error::NotContractive`] when `ρ ≥ 1`, where the bound says
/// nothing (the recursion itself is still available through [`act`]).
pub fn fixed_set<S: Scalar>(
    d: &MatrixSet<S>,
    x0: &Matrix<S>,
    t: usize,
    rho: Option<f64>,
    opts: &SetOptions,
) -> Result<FixedSetApprox<S>> {
    if matches!(opts.overflow, Overflow::KeepLargest | Overflow::KeepExtreme) {
        return Err(Error::InvalidInput(
            "fixed_set needs an outer or exact policy (Enclose or Fail)".into(),
        ));
    }
    let (n, nm) = d.shape();
    if x0.rows() != n || nm != n + x0.cols() {
        return Err(Error::DimensionMismatch {
            op: "fixed_set",
            left: (n, nm),
            right: x0.shape(),
        });
    }
    let (verts, boxed) = match view(d, opts)? {
        View::Points { pts, .. } => (pts, None),
        View::Boxed { lo, hi } => (vec![], Some((lo, hi))),
    };
    let rho = match rho {
        Some(r) => r,
        None => match &boxed {
            None => verts
                .iter()
                .map(|v| v.split_cols(n).map(|(a, _)| op_norm_upper_est(&a)))
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .fold(0.0, f64::max),
            Some((lo, hi)) => {
                let mag = lo.zip_with(hi, "fixed_set", |l, h| l.abs().max(&h.abs()))?;
                op_norm_upper_est(&mag.split_cols(n)?.0)
            }
        },
    };
    if !(rho < 1.0) || rho < 0.0 {
        return Err(Error::NotContractive {
            rho,
            context: "fixed_set: sup ‖A‖₂ bound".into(),
        });
    }
    let h0 = match &boxed {
        None => verts
            .iter()
            .map(|v| {
                let (a, b) = v.split_cols(n)?;
                let diff = a.matmul(x0)?.add(&b)?.sub(x0)?;
                Ok(diff.norm_frobenius_sq().to_f64().sqrt())
            })
            .collect::<Result<Vec<f64>>>()?
            .into_iter()
            .fold(0.0, f64::max),
        Some((lo, hi)) => {
            let (ylo, yhi) = box_action(lo, hi, x0, x0)?;
            let far = ylo
                .sub(x0)?
                .zip_with(&yhi.sub(x0)?, "fixed_set", |l, h| l.abs().max(&h.abs()))?;
            far.norm_frobenius_sq().to_f64().sqrt()
        }
    };
    let mut set = MatrixSet::singleton(x0.clone());
    let mut exact = boxed.is_none();
    for _ in 0..t {
        set = act(d, &set, opts)?;
        if matches!(set, MatrixSet::Box { .. }) {
            exact = false;
        }
    }
    let bound = rho.powi(t.min(i32::MAX as usize) as i32) * h0 / (1.0 - rho);
    Ok(FixedSetApprox {
        set,
        iterations: t,
        rho,
        h0,
        bound,
        exact_iterates: exact,
    })
}

/// Frobenius distance (f64 estimate) from a matrix to an explicit finite set, or to a
/// box (distance to the nearest point of the box). For a hull this is the distance to
/// its vertex set, an upper bound of the distance to the hull.
pub fn dist_to_set_est<S: Scalar>(p: &Matrix<S>, set: &MatrixSet<S>) -> f64 {
    let d = |m: &Matrix<S>| {
        p.as_slice()
            .iter()
            .zip(m.as_slice())
            .map(|(a, b)| (a.to_f64() - b.to_f64()).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    match set {
        MatrixSet::Finite(v) | MatrixSet::Hull(v) => v.iter().map(d).fold(f64::INFINITY, f64::min),
        MatrixSet::Box { lo, hi } => p
            .as_slice()
            .iter()
            .zip(lo.as_slice().iter().zip(hi.as_slice()))
            .map(|(x, (l, h))| {
                let (x, l, h) = (x.to_f64(), l.to_f64(), h.to_f64());
                (l - x).max(x - h).max(0.0).powi(2)
            })
            .sum::<f64>()
            .sqrt(),
        MatrixSet::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => {
            let (lo, hi) = diagbox_bounds(q_lo, q_hi, m, offset);
            dist_to_set_est(p, &MatrixSet::Box { lo, hi })
        }
    }
}
