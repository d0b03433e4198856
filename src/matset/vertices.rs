//! Extreme points, bounding boxes and membership.

use super::{same, MatrixSet, Repr};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::{Scalar, Verdict};

/// Rows of a `DiagBox` whose scaling `qᵢ` can actually move the set: `q_lo ≠ q_hi`
/// (not certainly equal) and row `i` of `M` not certainly zero.
pub(super) fn free_rows<S: Scalar>(set: &MatrixSet<S>) -> Vec<usize> {
    match &set.0 {
        Repr::DiagBox { q_lo, q_hi, m, .. } => (0..m.rows())
            .filter(|&i| {
                let fixed = q_hi[i].sub(&q_lo[i]).is_zero().is_true();
                let zero_row = (0..m.cols()).all(|j| m[(i, j)].is_zero().is_true());
                !fixed && !zero_row
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Coordinates of `[lo, hi]` that are not certainly degenerate (`hi − lo` not
/// certainly zero): the ones a corner enumeration must branch on.
fn free_coordinates<S: Scalar>(lo: &[S], hi: &[S]) -> Vec<usize> {
    (0..lo.len().min(hi.len()))
        .filter(|&i| !hi[i].sub(&lo[i]).is_zero().is_true())
        .collect()
}

/// Call `f` on every corner of the box `[lo, hi]` over the coordinates `free`: the
/// vectors equal to `lo` except that each free coordinate takes `lo_i` or `hi_i`
/// (`2^|free|` corners, in binary order of the choices). Errors with
/// [`Error::TooLarge`] before calling `f` when there are more than `cap` corners.
///
/// This is the one corner enumeration of the crate (box corners, `DiagBox` extreme
/// points, the hulls maps build over their tie patterns).
pub fn for_each_corner<S: Scalar>(
    lo: &[S],
    hi: &[S],
    free: &[usize],
    cap: usize,
    mut f: impl FnMut(&[S]) -> Result<()>,
) -> Result<()> {
    let k = free.len();
    if lo.len() != hi.len() || free.iter().any(|&i| i >= lo.len()) {
        return Err(Error::DimensionMismatch {
            op: "for_each_corner",
            left: (lo.len(), 1),
            right: (hi.len(), free.len()),
        });
    }
    if !(k < usize::BITS as usize - 1 && (1usize << k) <= cap) {
        return Err(Error::TooLarge {
            context: format!("2^{k} corners exceed the cap {cap}"),
        });
    }
    let mut corner = lo.to_vec();
    for mask in 0..(1usize << k) {
        for (bit, &i) in free.iter().enumerate() {
            corner[i] = if mask >> bit & 1 == 1 {
                hi[i].clone()
            } else {
                lo[i].clone()
            };
        }
        f(&corner)?;
    }
    Ok(())
}

/// The hull of `build(q)` over the corners of the box `[q_lo, q_hi]` (coordinates with
/// `q_lo = q_hi` certainly are fixed): the conservative Jacobian of a map whose
/// elements are affine in a vector `q` of selection derivatives that the `DiagBox`
/// form cannot express (one `qᵢ` scaling several rows). A singleton finite set when no
/// coordinate is free; [`Error::TooLarge`] beyond `cap` corners.
pub fn hull_over_box<S: Scalar>(
    q_lo: &[S],
    q_hi: &[S],
    cap: usize,
    mut build: impl FnMut(&[S]) -> Result<Matrix<S>>,
) -> Result<MatrixSet<S>> {
    let free = free_coordinates(q_lo, q_hi);
    let mut vs = Vec::new();
    for_each_corner(q_lo, q_hi, &free, cap, |q| {
        vs.push(build(q)?);
        Ok(())
    })?;
    let single = vs.len() == 1;
    MatrixSet::finite_or_hull(vs, single)
}

impl<S: Scalar> MatrixSet<S> {
    /// The members of a finite set or the vertices of a hull (errors if empty).
    pub fn members(&self) -> Result<&[Matrix<S>]> {
        match &self.0 {
            Repr::Finite(ms) | Repr::Hull(ms) => Ok(ms),
            _ => Err(Error::Unsupported {
                what: "members of a box or DiagBox (only finite sets and hulls list them)".into(),
            }),
        }
    }

    /// A finite list whose convex hull is `conv(self)`: the members of a finite set,
    /// the vertices of a hull, the corners of a box (over its non-degenerate entries)
    /// and the `2^k` extreme points of a `DiagBox` (over its free rows).
    ///
    /// Errors with [`Error::TooLarge`] when more than `cap` points would be listed.
    pub fn vertices(&self, cap: usize) -> Result<Vec<Matrix<S>>> {
        match &self.0 {
            Repr::Finite(_) | Repr::Hull(_) => {
                let ms = self.members()?;
                if ms.len() > cap {
                    return Err(Error::TooLarge {
                        context: format!("{} vertices exceed the cap {cap}", ms.len()),
                    });
                }
                Ok(ms.to_vec())
            }
            Repr::Box { lo, hi } => {
                let (l, h) = (lo.as_slice(), hi.as_slice());
                let mut out = Vec::new();
                for_each_corner(l, h, &free_coordinates(l, h), cap, |c| {
                    out.push(Matrix::from_col_major(lo.rows(), lo.cols(), c.to_vec())?);
                    Ok(())
                })?;
                Ok(out)
            }
            Repr::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            } => {
                let mut out = Vec::new();
                for_each_corner(q_lo, q_hi, &free_rows(self), cap, |q| {
                    out.push(m.scale_rows(q)?.add(offset)?);
                    Ok(())
                })?;
                Ok(out)
            }
        }
    }

    /// The explicit points whose convex hull is `conv(self)`, when they are cheap: the
    /// members of a finite set or hull, the extreme points of a `DiagBox` with at most
    /// `diagbox_cap` of them. `None` for boxes and larger `DiagBox`es (callers then
    /// work with the bounding box).
    pub fn points(&self, diagbox_cap: usize) -> Result<Option<Vec<Matrix<S>>>> {
        match &self.0 {
            Repr::Finite(_) | Repr::Hull(_) => Ok(Some(self.members()?.to_vec())),
            Repr::Box { .. } => Ok(None),
            Repr::DiagBox { .. } => match self.vertices(diagbox_cap) {
                Ok(v) => Ok(Some(v)),
                Err(Error::TooLarge { .. }) => Ok(None),
                Err(e) => Err(e),
            },
        }
    }

    /// Number of explicit members (finite set) or vertices (hull); `None` for boxes and
    /// `DiagBox`es.
    pub fn member_count(&self) -> Option<usize> {
        match &self.0 {
            Repr::Finite(v) | Repr::Hull(v) => Some(v.len()),
            _ => None,
        }
    }

    /// The same set with every member cut to its first `k` columns (e.g. the `A`-blocks
    /// of a set of Jacobians `[A, B]`), in the same representation: taking columns is
    /// linear, so it commutes with hulls, boxes and row scalings.
    pub fn leading_cols(&self, k: usize) -> Result<MatrixSet<S>> {
        self.map_matrices(|m| m.split_cols(k).map(|(a, _)| a))
    }

    /// The convex hull of `self` as a `Hull` (exact for hulls, boxes and `DiagBox`,
    /// which are convex; for a finite set it is `conv X ⊇ X`).
    pub fn to_hull(&self, cap: usize) -> Result<MatrixSet<S>> {
        MatrixSet::hull(self.vertices(cap)?)
    }

    /// The entrywise bounding box `{M : lo ≤ M ≤ hi}` of the set. Sound: every member
    /// lies in it (over intervals, between `lo.inf` and `hi.sup`). It is the smallest
    /// such box over rationals.
    pub fn bounding_box(&self) -> Result<(Matrix<S>, Matrix<S>)> {
        match &self.0 {
            Repr::Finite(_) | Repr::Hull(_) => {
                let ms = self.members()?;
                let mut lo = ms[0].clone();
                let mut hi = ms[0].clone();
                for m in &ms[1..] {
                    lo = lo.zip_with(m, "bounding_box", |a, b| a.min(b))?;
                    hi = hi.zip_with(m, "bounding_box", |a, b| a.max(b))?;
                }
                Ok((lo, hi))
            }
            Repr::Box { lo, hi } => Ok((lo.clone(), hi.clone())),
            Repr::DiagBox {
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

    /// The bounding box as a box set ([`MatrixSetView::Box`](super::MatrixSetView::Box)) (see [`MatrixSet::bounding_box`]).
    pub fn to_box(&self) -> Result<MatrixSet<S>> {
        let (lo, hi) = self.bounding_box()?;
        MatrixSet::interval_box(lo, hi)
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
        match &self.0 {
            Repr::Finite(ms) => {
                self.members()?;
                Ok(ms.iter().fold(Verdict::False, |v, x| or(v, same(x, m))))
            }
            Repr::Hull(vs) => {
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
            Repr::Box { lo, hi } => Ok(m
                .as_slice()
                .iter()
                .zip(lo.as_slice().iter().zip(hi.as_slice()))
                .fold(Verdict::True, |v, (x, (l, h))| v.and(l.le(x)).and(x.le(h)))),
            Repr::DiagBox {
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
