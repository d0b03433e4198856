//! Pruning: remove duplicates, and hull vertices that lie in the hull of the others,
//! so repeated actions do not blow up where it can be avoided.

use super::dispatch::{kind, Kind};
use super::{same, MatrixSet, Repr};
use crate::error::Result;
use crate::linalg::Matrix;
use crate::scalar::Scalar;
use std::collections::HashMap;

/// Hash of the f64 estimates of (up to 64 evenly spaced) entries: certainly-equal
/// matrices have equal exact values, hence equal estimates and equal keys. A
/// collision only costs an exact comparison. Multiply–rotate mixing (as in FxHash):
/// cheap enough for thousands of 50×50 matrices.
fn key<S: Scalar>(m: &Matrix<S>) -> u64 {
    let data = m.as_slice();
    let step = data.len().div_ceil(64).max(1);
    let mut h: u64 = data.len() as u64;
    for x in data.iter().step_by(step) {
        // `+ 0.0` maps −0 to +0 so that equal values hash equally.
        let bits = (x.to_f64() + 0.0).to_bits();
        h = (h.rotate_left(5) ^ bits).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h
}

/// Keep the first of every group of certainly-equal matrices (order preserved).
/// The members are moved, not copied: a set operation's thousands of results are
/// read once here, never duplicated.
pub(super) fn dedup<S: Scalar>(ms: Vec<Matrix<S>>) -> Vec<Matrix<S>> {
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut out: Vec<Matrix<S>> = Vec::with_capacity(ms.len());
    for m in ms {
        let bucket = seen.entry(key(&m)).or_default();
        if bucket.iter().any(|&i| same(&out[i], &m).is_true()) {
            continue;
        }
        bucket.push(out.len());
        out.push(m);
    }
    out
}

impl<S: Scalar> MatrixSet<S> {
    /// The same set with duplicate members (certainly equal matrices) removed; cheap
    /// (hashing), applied by the set operations to their results.
    pub fn pruned(self) -> MatrixSet<S> {
        // `dedup` keeps the first member and only members: the invariants carry over.
        MatrixSet(match self.0 {
            Repr::Finite(ms) => Repr::Finite(dedup(ms)),
            Repr::Hull(ms) => Repr::Hull(dedup(ms)),
            other => other,
        })
    }

    /// Full pruning: duplicates removed, and for a hull every vertex lying in the
    /// hull of the remaining ones removed (the set is unchanged).
    ///
    /// The test is the point-to-hull distance being zero: exact over rationals; in
    /// f64 with the tolerance of [`MatrixSet::contains`] (an estimate); over intervals
    /// only duplicates are removed (an enclosure cannot prove a distance is zero).
    /// Costs one min-norm-point problem per vertex.
    pub fn prune(&self) -> Result<MatrixSet<S>> {
        let set = self.clone().pruned();
        let Repr::Hull(vs) = &set.0 else {
            return Ok(set);
        };
        if kind::<S>() == Kind::Interval || vs.len() < 2 {
            return Ok(set);
        }
        let mut keep: Vec<Matrix<S>> = vs.clone();
        let mut i = 0;
        while i < keep.len() && keep.len() > 1 {
            let others: Vec<Matrix<S>> = keep
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, v)| v.clone())
                .collect();
            if MatrixSet::hull(others)?.contains(&keep[i])?.is_true() {
                keep.remove(i);
            } else {
                i += 1;
            }
        }
        MatrixSet::hull(keep)
    }
}
