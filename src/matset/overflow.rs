//! Size control of the set operations: how many explicit matrices a result may hold,
//! and what to do when an exact result would hold more.

use crate::linalg::Matrix;
use crate::scalar::Scalar;

/// What an operation does when its exact result would have more than
/// [`SetOptions::cap`] explicit matrices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Overflow {
    /// Return the interval-matrix enclosure computed from the operands' bounding
    /// boxes (a sound outer enclosure, [`Exactness::Over`](super::Exactness::Over)).
    Enclose,
    /// Keep the `cap` results of largest Frobenius norm: an inner approximation (every
    /// kept matrix is a true member, so norms over it are lower bounds).
    KeepLargest,
    /// Keep, for each of `cap` seeded pseudo-random directions `U`, a result
    /// maximising `⟨U, X⟩`: an inner approximation of the convex hull. An affine image
    /// of a hull is the hull of the images of its extreme points, so this tracks the
    /// growth of the hull (and of any convex function on it, e.g. a norm) much better
    /// than [`Overflow::KeepLargest`].
    KeepExtreme,
    /// Return [`Error::TooLarge`](crate::Error::TooLarge) before computing anything.
    Fail,
}

/// Size limits of the set operations ([`MatrixSet::sum_with`](super::MatrixSet::sum_with),
/// [`MatrixSet::product_with`](super::MatrixSet::product_with),
/// [`MatrixSet::act_with`](super::MatrixSet::act_with)) and of the set-valued recursions built on them.
#[derive(Clone, Debug, PartialEq)]
pub struct SetOptions {
    /// Largest number of explicit matrices (members or vertices) a result keeps.
    pub cap: usize,
    /// Policy above the cap.
    pub overflow: Overflow,
    /// Expand a `DiagBox` operand into its vertices only when it has at most this many
    /// (otherwise its bounding box is used, an outer enclosure).
    pub diagbox_vertex_cap: usize,
}

impl Default for SetOptions {
    fn default() -> Self {
        SetOptions {
            cap: super::DEFAULT_CAP,
            overflow: Overflow::Enclose,
            diagbox_vertex_cap: 1024,
        }
    }
}

impl SetOptions {
    /// Outer enclosure above `cap` matrices; `DiagBox` operands expanded up to the same
    /// number of vertices (the policy of [`MatrixSet::act_with_cap`](super::MatrixSet::act_with_cap)).
    pub fn enclose(cap: usize) -> Self {
        SetOptions {
            cap,
            overflow: Overflow::Enclose,
            diagbox_vertex_cap: cap,
        }
    }
}

/// The `cap` matrices of largest Frobenius norm (f64 estimates rank them).
pub(super) fn keep_largest<S: Scalar>(ms: Vec<Matrix<S>>, cap: usize) -> Vec<Matrix<S>> {
    let mut keyed: Vec<(f64, Matrix<S>)> = ms
        .into_iter()
        .map(|m| (m.norm_frobenius_sq().to_f64(), m))
        .collect();
    // NaN estimates (never produced from finite inputs) sort last.
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
    keyed.truncate(cap);
    keyed.into_iter().map(|(_, m)| m).collect()
}

/// For `cap` seeded directions `U`, a matrix maximising `⟨U, X⟩` (f64 estimates);
/// each kept matrix once, in the original order.
pub(super) fn keep_extreme<S: Scalar>(ms: Vec<Matrix<S>>, cap: usize) -> Vec<Matrix<S>> {
    use rand::{Rng, SeedableRng};
    let dim = ms.first().map_or(0, |m| m.as_slice().len());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed);
    let vals: Vec<Vec<f64>> = ms
        .iter()
        .map(|m| m.as_slice().iter().map(|x| x.to_f64()).collect())
        .collect();
    let mut keep = vec![false; ms.len()];
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
    ms.into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(m, _)| m)
        .collect()
}
