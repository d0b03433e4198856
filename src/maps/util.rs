//! Small helpers shared by the maps: dense matrix–vector products for callers that
//! checked the lengths, and the soft-threshold classification.

use crate::linalg::kernels::{axpy, dot};
use crate::linalg::Matrix;
use crate::scalar::Scalar;
use crate::selection::Tolerance;

/// `out = M v` for a dense matrix (no allocation; `v` has `cols`, `out` `rows` entries).
pub(crate) fn mat_vec_into<S: Scalar>(m: &Matrix<S>, v: &[S], out: &mut [S]) {
    debug_assert_eq!((v.len(), out.len()), (m.cols(), m.rows()));
    out.iter_mut().for_each(|o| *o = S::zero());
    for (j, vj) in v.iter().enumerate() {
        axpy(vj, m.column(j), out);
    }
}

/// `out = Mᵀ w` for a dense matrix (no allocation; `w` has `rows`, `out` `cols` entries).
pub(crate) fn mat_tr_vec_into<S: Scalar>(m: &Matrix<S>, w: &[S], out: &mut [S]) {
    debug_assert_eq!((w.len(), out.len()), (m.rows(), m.cols()));
    for (j, o) in out.iter_mut().enumerate() {
        *o = dot(m.column(j), w);
    }
}

/// One coordinate of the soft-threshold classification of `z` against `τ`: the range
/// `[q_lo, q_hi]` of `∂S_τ(z)`, the AD choice (0 at the threshold; `[0, 1]` when
/// intervals cannot decide), `sign(z)` (`[−1, 1]` over intervals when undecided), and
/// whether the coordinate is tied.
pub(crate) struct ThresholdAt<S> {
    pub(crate) q_lo: S,
    pub(crate) q_hi: S,
    pub(crate) q_ad: S,
    pub(crate) sign: S,
    pub(crate) tie: bool,
}

/// Classify one coordinate `z` against `τ` (see [`ThresholdAt`]).
pub(crate) fn threshold_at<S: Scalar>(z: &S, tau: &S, tol: &Tolerance) -> ThresholdAt<S> {
    use crate::selection::{compare, hull2, unit_hull, Side};
    use std::cmp::Ordering;
    let sign = match z.sign() {
        Some(Ordering::Greater) => S::one(),
        Some(Ordering::Less) => S::one().neg(),
        Some(Ordering::Equal) => S::zero(),
        // Undecided only for intervals (invariant: inputs are finite), where the hull exists.
        None => hull2(&S::one().neg(), &S::one()).unwrap_or_else(S::zero),
    };
    let abs = z.abs();
    let (q_lo, q_hi, tie) = match compare(&abs, tau, tol) {
        Side::Above => (S::one(), S::one(), false),
        Side::Below => (S::zero(), S::zero(), false),
        Side::Tie => (S::zero(), S::one(), true),
    };
    let q_ad = match abs.cmp3(tau) {
        Some(Ordering::Greater) => S::one(),
        Some(_) => S::zero(),
        // As above: only intervals leave this undecided, and they have `[0, 1]`.
        None => unit_hull().unwrap_or_else(S::zero),
    };
    ThresholdAt {
        q_lo,
        q_hi,
        q_ad,
        sign,
        tie,
    }
}

/// The classification of every coordinate of `z` (see [`ThresholdAt`]).
pub(crate) struct Threshold<S> {
    /// Lower ends of `q`.
    pub(crate) q_lo: Vec<S>,
    /// Upper ends of `q`.
    pub(crate) q_hi: Vec<S>,
    /// The AD element's `q`.
    pub(crate) q_ad: Vec<S>,
    /// `sign(z)`.
    pub(crate) sign: Vec<S>,
    /// Whether no coordinate is tied.
    pub(crate) smooth: bool,
}

/// Classify `z` against `τ` (see [`Threshold`]).
pub(crate) fn classify_threshold<S: Scalar>(z: &[S], tau: &S, tol: &Tolerance) -> Threshold<S> {
    let n = z.len();
    let mut t = Threshold {
        q_lo: Vec::with_capacity(n),
        q_hi: Vec::with_capacity(n),
        q_ad: Vec::with_capacity(n),
        sign: Vec::with_capacity(n),
        smooth: true,
    };
    for zi in z {
        let c = threshold_at(zi, tau, tol);
        t.smooth &= !c.tie;
        t.q_lo.push(c.q_lo);
        t.q_hi.push(c.q_hi);
        t.q_ad.push(c.q_ad);
        t.sign.push(c.sign);
    }
    t
}

/// `out = B v` for `B` given by its columns (`out[i] = Σⱼ cols[j][i] vⱼ`).
pub(crate) fn cols_mul_into<S: Scalar>(cols: &[Vec<S>], v: &[S], out: &mut [S]) {
    out.iter_mut().for_each(|o| *o = S::zero());
    for (col, vj) in cols.iter().zip(v) {
        axpy(vj, col, out);
    }
}

/// `out = Bᵀ w` for `B` given by its columns (`out[j] = ⟨cols[j], w⟩`).
pub(crate) fn cols_tr_mul_into<S: Scalar>(cols: &[Vec<S>], w: &[S], out: &mut [S]) {
    for (o, col) in out.iter_mut().zip(cols) {
        *o = dot(col, w);
    }
}
