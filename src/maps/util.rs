//! Small helpers shared by the maps: dense matrix–vector products and the
//! soft-threshold classification.

use crate::linalg::Matrix;
use crate::scalar::Scalar;

/// `out = M v` for a dense matrix (no allocation).
pub fn mat_vec_into<S: Scalar>(m: &Matrix<S>, v: &[S], out: &mut [S]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = (0..m.cols()).fold(S::zero(), |acc, j| acc.mul_add(&m[(i, j)], &v[j]));
    }
}

/// `out = Mᵀ w` for a dense matrix (no allocation).
pub fn mat_tr_vec_into<S: Scalar>(m: &Matrix<S>, w: &[S], out: &mut [S]) {
    for (j, o) in out.iter_mut().enumerate() {
        *o = m
            .column(j)
            .iter()
            .zip(w)
            .fold(S::zero(), |acc, (a, b)| acc.mul_add(a, b));
    }
}

/// Per-coordinate threshold classification shared by the soft-threshold maps: for
/// `|z_i|` against `τ`, the range `[q_lo, q_hi]` of `∂S_τ`, the AD choice (0 at the
/// threshold; `[0, 1]` when intervals cannot decide), and `sign(z_i)` (`[−1, 1]` over
/// intervals when undecided).
pub struct Threshold<S> {
    /// Lower ends of `q`.
    pub q_lo: Vec<S>,
    /// Upper ends of `q`.
    pub q_hi: Vec<S>,
    /// The AD element's `q`.
    pub q_ad: Vec<S>,
    /// `sign(z)`.
    pub sign: Vec<S>,
    /// Whether no coordinate is tied.
    pub smooth: bool,
}

/// Classify `z` against `τ` (see [`Threshold`]).
pub fn classify_threshold<S: Scalar>(
    z: &[S],
    tau: &S,
    tol: &crate::selection::Tolerance,
) -> Threshold<S> {
    use crate::selection::{compare, hull2, unit_hull, Side};
    use std::cmp::Ordering;
    let n = z.len();
    let mut t = Threshold {
        q_lo: Vec::with_capacity(n),
        q_hi: Vec::with_capacity(n),
        q_ad: Vec::with_capacity(n),
        sign: Vec::with_capacity(n),
        smooth: true,
    };
    let pm1 = hull2(&S::one().neg(), &S::one());
    for zi in z {
        let s = match zi.sign() {
            Some(Ordering::Greater) => S::one(),
            Some(Ordering::Less) => S::one().neg(),
            Some(Ordering::Equal) => S::zero(),
            // Undecided only for intervals (invariant: inputs are finite), where the hull exists.
            None => pm1.clone().unwrap_or_else(S::zero),
        };
        let (lo, hi) = match compare(&zi.abs(), tau, tol) {
            Side::Above => (S::one(), S::one()),
            Side::Below => (S::zero(), S::zero()),
            Side::Tie => {
                t.smooth = false;
                (S::zero(), S::one())
            }
        };
        let ad = match zi.abs().cmp3(tau) {
            Some(Ordering::Greater) => S::one(),
            Some(_) => S::zero(),
            // As above: only intervals leave this undecided, and they have `[0, 1]`.
            None => unit_hull().unwrap_or_else(S::zero),
        };
        t.q_lo.push(lo);
        t.q_hi.push(hi);
        t.q_ad.push(ad);
        t.sign.push(s);
    }
    t
}

/// `out = B v` for `B` given by its columns (`out[i] = Σⱼ cols[j][i] vⱼ`).
pub fn cols_mul_into<S: Scalar>(cols: &[Vec<S>], v: &[S], out: &mut [S]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = cols
            .iter()
            .zip(v)
            .fold(S::zero(), |acc, (col, vj)| acc.mul_add(&col[i], vj));
    }
}

/// `out = Bᵀ w` for `B` given by its columns (`out[j] = ⟨cols[j], w⟩`).
pub fn cols_tr_mul_into<S: Scalar>(cols: &[Vec<S>], w: &[S], out: &mut [S]) {
    for (o, col) in out.iter_mut().zip(cols) {
        *o = col
            .iter()
            .zip(w)
            .fold(S::zero(), |acc, (a, b)| acc.mul_add(a, b));
    }
}
