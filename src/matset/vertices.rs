//! Extreme points, bounding boxes and membership.

use super::{same, MatrixSet};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::{Scalar, Verdict};

/// Rows of a `DiagBox` whose scaling `qᵢ` can actually move the set: `q_lo ≠ q_hi`
/// (not certainly equal) and row `i` of `M` not certainly zero.
pub(super) fn free_rows<S: Scalar>(set: &MatrixSet<S>) -> Vec<usize> {
    match set {
        MatrixSet::DiagBox { q_lo, q_hi, m, .. } => (0..m.rows())
            .filter(|&i| {
                let fixed = q_hi[i].sub(&q_lo[i]).is_zero().is_true();
                let zero_row = (0..m.cols()).all(|j| m[(i, j)].is_zero().is_true());
                !fixed && !zero_row
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn too_large(what: &str, count_log2: usize, cap: usize) -> Error {
    Error::TooLarge {
        context: format!("{what}: 2^{count_log2} extreme points exceed the cap {cap}"),
    }
}

fn fits(k: usize, cap: usize) -> bool {
    k < usize::BITS as usize - 1 && (1usize << k) <= cap
}

impl<S: Scalar> MatrixSet<S> {
    /// The members of a finite set or the vertices of a hull (errors if empty).
    pub fn members(&self) -> Result<&[Matrix<S>]> {
        match self {
            MatrixSet::Finite(ms) | MatrixSet::Hull(ms) if !ms.is_empty() => Ok(ms),
            MatrixSet::Finite(_) | MatrixSet::Hull(_) => {
                Err(Error::InvalidInput("empty matrix set".into()))
            }
            _ => Err(Error::InvalidInput(
                "members: not a finite set or hull".into(),
            )),
        }
    }

    /// A finite list whose convex hull is `conv(self)`: the members of a finite set,
    /// the vertices of a hull, the corners of a box (over its non-degenerate entries)
    /// and the `2^k` extreme points of a `DiagBox` (over its free rows).
    ///
    /// Errors with [`Error::TooLarge`] when more than `cap` points would be listed.
    pub fn vertices(&self, cap: usize) -> Result<Vec<Matrix<S>>> {
        match self {
            MatrixSet::Finite(_) | MatrixSet::Hull(_) => {
                let ms = self.members()?;
                if ms.len() > cap {
                    return Err(Error::TooLarge {
                        context: format!("{} vertices exceed the cap {cap}", ms.len()),
                    });
                }
                Ok(ms.to_vec())
            }
            MatrixSet::Box { lo, hi } => {
                let free: Vec<usize> = (0..lo.as_slice().len())
                    .filter(|&e| !hi.as_slice()[e].sub(&lo.as_slice()[e]).is_zero().is_true())
                    .collect();
                if !fits(free.len(), cap) {
                    return Err(too_large("box corners", free.len(), cap));
                }
                let mut out = Vec::with_capacity(1 << free.len());
                for mask in 0..(1usize << free.len()) {
                    let mut c = lo.clone();
                    for (b, &e) in free.iter().enumerate() {
                        if mask >> b & 1 == 1 {
                            c.as_mut_slice()[e] = hi.as_slice()[e].clone();
                        }
                    }
                    out.push(c);
                }
                Ok(out)
            }
            MatrixSet::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            } => {
                let free = free_rows(self);
                if !fits(free.len(), cap) {
                    return Err(too_large("DiagBox extreme points", free.len(), cap));
                }
                let mut out = Vec::with_capacity(1 << free.len());
                for mask in 0..(1usize << free.len()) {
                    let mut q = q_lo.clone();
                    for (b, &i) in free.iter().enumerate() {
                        if mask >> b & 1 == 1 {
                            q[i] = q_hi[i].clone();
                        }
                    }
                    out.push(m.scale_rows(&q)?.add(offset)?);
                }
                Ok(out)
            }
        }
    }

    /// The convex hull of `self` as a `Hull` (exact for hulls, boxes and `DiagBox`,
    /// which are convex; for a finite set it is `conv X ⊇ X`).
    pub fn to_hull(&self, cap: usize) -> Result<MatrixSet<S>> {
        Ok(MatrixSet::Hull(self.vertices(cap)?))
    }

    /// The entrywise bounding box `{M : lo ≤ M ≤ hi}` of the set. Sound: every member
    /// lies in it (over intervals, between `lo.inf` and `hi.sup`). It is the smallest
    /// such box over rationals.
    pub fn bounding_box(&self) -> Result<(Matrix<S>, Matrix<S>)> {
        match self {
            MatrixSet::Finite(_) | MatrixSet::Hull(_) => {
                let ms = self.members()?;
                let mut lo = ms[0].clone();
                let mut hi = ms[0].clone();
                for m in &ms[1..] {
                    lo = lo.zip_with(m, "bounding_box", |a, b| a.min(b))?;
                    hi = hi.zip_with(m, "bounding_box", |a, b| a.max(b))?;
                }
                Ok((lo, hi))
            }
            MatrixSet::Box { lo, hi } => Ok((lo.clone(), hi.clone())),
            MatrixSet::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            } => {
                let a = m.scale_rows(q_lo)?;
                let b = m.scale_rows(q_hi)?;
                let lo = a
                    .zip_with(&b, "bounding_box", |x, y| x.min(y))?
                    .add(offset)?;
                let hi = a
                    .zip_with(&b, "bounding_box", |x, y| x.max(y))?
                    .add(offset)?;
                Ok((lo, hi))
            }
        }
    }

    /// The bounding box as a `MatrixSet::Box` (see [`MatrixSet::bounding_box`]).
    pub fn to_box(&self) -> Result<MatrixSet<S>> {
        let (lo, hi) = self.bounding_box()?;
        Ok(MatrixSet::Box { lo, hi })
    }

    /// Membership `m ∈ self`, three-valued.
    ///
    /// Exact over rationals for every variant (hulls by the point-to-hull distance
    /// being zero, computed exactly by [`crate::excess::min_norm_point`]). Over
    /// intervals `True`/`False` are certain and `Unknown` means undecided (a hull
    /// member is never certified unless it equals a vertex). In f64 a hull member is
    /// accepted when its squared distance is below `1e-10 · (1 + max vertex norm²)`
    /// (an estimate, like every f64 verdict).
    pub fn contains(&self, m: &Matrix<S>) -> Result<Verdict> {
        if m.shape() != self.shape() {
            return Err(Error::DimensionMismatch {
                op: "MatrixSet::contains",
                left: self.shape(),
                right: m.shape(),
            });
        }
        match self {
            MatrixSet::Finite(ms) => {
                self.members()?;
                Ok(ms.iter().fold(Verdict::False, |v, x| or(v, same(x, m))))
            }
            MatrixSet::Hull(vs) => {
                self.members()?;
                let at_vertex = vs.iter().fold(Verdict::False, |v, x| or(v, same(x, m)));
                if at_vertex.is_true() {
                    return Ok(Verdict::True);
                }
                let d = crate::excess::dist_sq(m, self)?;
                Ok(match super::dispatch::kind::<S>() {
                    super::dispatch::Kind::Exact => d.is_zero(),
                    super::dispatch::Kind::Interval => {
                        if d.sign() == Some(std::cmp::Ordering::Greater) {
                            Verdict::False
                        } else {
                            Verdict::Unknown
                        }
                    }
                    super::dispatch::Kind::Float => {
                        let scale = vs
                            .iter()
                            .fold(1.0f64, |a, v| a.max(1.0 + v.norm_frobenius_sq().to_f64()));
                        if d.to_f64() <= 1e-10 * scale {
                            Verdict::True
                        } else {
                            Verdict::False
                        }
                    }
                })
            }
            MatrixSet::Box { lo, hi } => Ok(m
                .as_slice()
                .iter()
                .zip(lo.as_slice().iter().zip(hi.as_slice()))
                .fold(Verdict::True, |v, (x, (l, h))| v.and(l.le(x)).and(x.le(h)))),
            MatrixSet::DiagBox {
                q_lo,
                q_hi,
                m: base,
                offset,
            } => {
                // Row i must equal qᵢ·baseᵢ + cᵢ for one qᵢ ∈ [q_lo, q_hi].
                let mut verdict = Verdict::True;
                for i in 0..base.rows() {
                    let r: Vec<S> = (0..base.cols())
                        .map(|j| m[(i, j)].sub(&offset[(i, j)]))
                        .collect();
                    let row = base.row(i);
                    verdict = verdict.and(row_member(&r, &row, &q_lo[i], &q_hi[i]));
                    if verdict.is_false() {
                        break;
                    }
                }
                Ok(verdict)
            }
        }
    }
}

/// Three-valued "or".
pub(crate) fn or(a: Verdict, b: Verdict) -> Verdict {
    !((!a).and(!b))
}

/// Whether `r = q·row` for some `q ∈ [lo, hi]`.
fn row_member<S: Scalar>(r: &[S], row: &[S], lo: &S, hi: &S) -> Verdict {
    // A pivot entry of the row that is certainly nonzero fixes q.
    match row.iter().position(|x| x.is_zero().is_false()) {
        Some(p) => {
            let Some(q) = r[p].div(&row[p]) else {
                return Verdict::Unknown;
            };
            let consistent = r
                .iter()
                .zip(row)
                .fold(Verdict::True, |v, (a, b)| v.and(a.sub(&q.mul(b)).is_zero()));
            consistent.and(lo.le(&q)).and(q.le(hi))
        }
        None => {
            let all_zero = row.iter().fold(Verdict::True, |v, x| v.and(x.is_zero()));
            let r_zero = r.iter().fold(Verdict::True, |v, x| v.and(x.is_zero()));
            if all_zero.is_true() {
                r_zero
            } else {
                // Some entry of the row is undecided (intervals): nothing is certain.
                Verdict::Unknown
            }
        }
    }
}
