//! Exact membership tests for matrix sets over the rationals, used by the audit's
//! kink checks.
//!
//! The `matset` module will own `MatrixSet::contains`; until it lands this module
//! implements what the audit needs for every variant (`Finite`, `Hull`, `Box`,
//! `DiagBox`), exactly, by a small Phase-I simplex over `rug::Rational` for hulls.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::matset::{MatrixSet, MatrixSetView};
use rug::Rational;
use std::cmp::Ordering;

/// Whether `m ∈ set`, decided exactly.
///
/// `Finite`: equality with a member; `Hull`: a feasible convex combination (exact
/// simplex); `Box`: entrywise bounds; `DiagBox`: a row scaling `q ∈ [q_lo, q_hi]`
/// with `m = diag(q)·M + C`. Errors only on a shape mismatch.
pub fn contains(set: &MatrixSet<Rational>, m: &Matrix<Rational>) -> Result<bool> {
    if set.shape() != m.shape() {
        return Err(Error::DimensionMismatch {
            op: "audit::contains",
            left: set.shape(),
            right: m.shape(),
        });
    }
    Ok(match set.view() {
        MatrixSetView::Finite(ms) => ms.iter().any(|x| x == m),
        MatrixSetView::Hull(vs) => {
            let pts: Vec<Vec<Rational>> = vs.iter().map(|v| v.as_slice().to_vec()).collect();
            in_convex_hull(&pts, m.as_slice())
        }
        MatrixSetView::Box { lo, hi } => lo
            .as_slice()
            .iter()
            .zip(hi.as_slice())
            .zip(m.as_slice())
            .all(|((l, h), x)| l <= x && x <= h),
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m: base,
            offset,
        } => diagbox_contains(q_lo, q_hi, base, offset, m),
    })
}

fn diagbox_contains(
    q_lo: &[Rational],
    q_hi: &[Rational],
    base: &Matrix<Rational>,
    offset: &Matrix<Rational>,
    m: &Matrix<Rational>,
) -> bool {
    let (rows, cols) = m.shape();
    if q_lo.len() != rows || q_hi.len() != rows {
        return false;
    }
    (0..rows).all(|i| {
        // Row i of `m − C` must be `q_i` times row i of `M` for one q_i in the bounds.
        let mut q: Option<Rational> = None;
        for j in 0..cols {
            let r = Rational::from(&m[(i, j)] - &offset[(i, j)]);
            let b = &base[(i, j)];
            if *b == 0 {
                if r != 0 {
                    return false;
                }
                continue;
            }
            let qi = Rational::from(&r / b);
            match &q {
                Some(prev) if *prev != qi => return false,
                Some(_) => {}
                None => q = Some(qi),
            }
        }
        match q {
            // A zero row of M: any q in a nonempty interval works.
            None => q_lo[i] <= q_hi[i],
            Some(q) => q_lo[i] <= q && q <= q_hi[i],
        }
    })
}

/// Representative elements of a set: a fixed list whose length depends only on the
/// variant and its size (so sequences of sets can be paired index by index).
/// `Finite`/`Hull`: all members/vertices; `Box`: `lo`, `hi`; `DiagBox`: the
/// elements at `q = q_lo` and `q = q_hi`.
pub fn representatives(set: &MatrixSet<Rational>) -> Result<Vec<Matrix<Rational>>> {
    Ok(match set.view() {
        MatrixSetView::Finite(ms) | MatrixSetView::Hull(ms) => ms.to_vec(),
        MatrixSetView::Box { lo, hi } => vec![lo.clone(), hi.clone()],
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => vec![
            m.scale_rows(q_lo)?.add(offset)?,
            m.scale_rows(q_hi)?.add(offset)?,
        ],
    })
}

/// The image `{A d : A ∈ set}` of a direction, row by row, as either a finite list of
/// points whose convex hull is `conv(set)·d`, or a product of intervals.
#[derive(Clone, Debug)]
pub(crate) enum Image {
    /// `conv{p₁, …, p_k}`.
    Points(Vec<Vec<Rational>>),
    /// `Π_i [lo_i, hi_i]`.
    Intervals(Vec<(Rational, Rational)>),
}

/// `conv(set)·d` (for `Box`/`DiagBox` the set is convex with independent rows, so the
/// image is a product of intervals).
pub(crate) fn image(set: &MatrixSet<Rational>, d: &[Rational]) -> Result<Image> {
    Ok(match set.view() {
        MatrixSetView::Finite(ms) | MatrixSetView::Hull(ms) => Image::Points(
            ms.iter()
                .map(|a| a.mul_vec(d))
                .collect::<Result<Vec<_>>>()?,
        ),
        MatrixSetView::Box { lo, hi } => {
            let (rows, cols) = lo.shape();
            if d.len() != cols {
                return Err(Error::DimensionMismatch {
                    op: "audit::image",
                    left: (rows, cols),
                    right: (d.len(), 1),
                });
            }
            Image::Intervals(
                (0..rows)
                    .map(|i| {
                        let mut a = Rational::new();
                        let mut b = Rational::new();
                        for (j, dj) in d.iter().enumerate() {
                            let u = Rational::from(&lo[(i, j)] * dj);
                            let v = Rational::from(&hi[(i, j)] * dj);
                            if u <= v {
                                a += &u;
                                b += &v;
                            } else {
                                a += &v;
                                b += &u;
                            }
                        }
                        (a, b)
                    })
                    .collect(),
            )
        }
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => {
            let md = m.mul_vec(d)?;
            let cd = offset.mul_vec(d)?;
            Image::Intervals(
                md.iter()
                    .zip(&cd)
                    .zip(q_lo.iter().zip(q_hi))
                    .map(|((u, c), (l, h))| {
                        let a = Rational::from(l * u) + c;
                        let b = Rational::from(h * u) + c;
                        if a <= b {
                            (a, b)
                        } else {
                            (b, a)
                        }
                    })
                    .collect(),
            )
        }
    })
}

/// Whether `v ∈ conv(set)·d`.
pub(crate) fn image_contains(img: &Image, v: &[Rational]) -> bool {
    match img {
        Image::Points(ps) => in_convex_hull(ps, v),
        Image::Intervals(iv) => {
            iv.len() == v.len() && iv.iter().zip(v).all(|((a, b), x)| a <= x && x <= b)
        }
    }
}

/// Whether every element of `conv(set)·d` equals `v`; returns the first element
/// (a representative point of the image) that differs.
pub(crate) fn image_all_equal(img: &Image, v: &[Rational]) -> Option<Vec<Rational>> {
    match img {
        Image::Points(ps) => ps.iter().find(|p| p.as_slice() != v).cloned(),
        Image::Intervals(iv) => {
            let bad = iv.iter().zip(v).any(|((a, b), x)| a != x || b != x) || iv.len() != v.len();
            if bad {
                // Report the end of each row's interval farther from the expected value.
                Some(
                    iv.iter()
                        .zip(v)
                        .map(|((a, b), x)| if a != x { a.clone() } else { b.clone() })
                        .collect(),
                )
            } else {
                None
            }
        }
    }
}

/// Whether `target ∈ conv{points}`, decided exactly by Phase I of the simplex method
/// (Bland's rule, so it terminates) on `Σ λ_k p_k = target, Σ λ_k = 1, λ ≥ 0`.
pub fn in_convex_hull(points: &[Vec<Rational>], target: &[Rational]) -> bool {
    if points.is_empty() || points.iter().any(|p| p.len() != target.len()) {
        return false;
    }
    if points.iter().any(|p| p.as_slice() == target) {
        return true;
    }
    let k = points.len();
    let rows = target.len() + 1;
    // Tableau: rows × (k structural + rows artificial + 1 rhs); rhs made ≥ 0.
    let width = k + rows + 1;
    let mut t: Vec<Vec<Rational>> = Vec::with_capacity(rows);
    for r in 0..rows {
        let mut row = vec![Rational::new(); width];
        for (c, p) in points.iter().enumerate() {
            row[c] = if r < target.len() {
                p[r].clone()
            } else {
                Rational::from(1)
            };
        }
        row[k + r] = Rational::from(1);
        row[width - 1] = if r < target.len() {
            target[r].clone()
        } else {
            Rational::from(1)
        };
        if row[width - 1] < 0 {
            for (c, x) in row.iter_mut().enumerate() {
                if c != k + r {
                    *x = Rational::from(-&*x);
                }
            }
        }
        t.push(row);
    }
    let mut basis: Vec<usize> = (k..k + rows).collect();
    // Objective: minimise the sum of artificials; reduced costs of column c are
    // −Σ_r t[r][c] over rows with an artificial basis variable (all, initially).
    loop {
        let cost = |c: usize, t: &Vec<Vec<Rational>>, basis: &Vec<usize>| -> Rational {
            let mut s = if c >= k && c < k + rows {
                Rational::from(1)
            } else {
                Rational::new()
            };
            for (r, &b) in basis.iter().enumerate() {
                if b >= k && b < k + rows {
                    s -= &t[r][c];
                }
            }
            s
        };
        // Bland: lowest-index column with negative reduced cost.
        let entering = (0..k + rows).find(|&c| !basis.contains(&c) && cost(c, &t, &basis) < 0);
        let Some(e) = entering else { break };
        // Ratio test, ties by lowest basis index.
        let mut leave: Option<(usize, Rational)> = None;
        for r in 0..rows {
            if t[r][e] > 0 {
                let ratio = Rational::from(&t[r][width - 1] / &t[r][e]);
                let better = match &leave {
                    None => true,
                    Some((lr, lratio)) => match ratio.cmp(lratio) {
                        Ordering::Less => true,
                        Ordering::Equal => basis[r] < basis[*lr],
                        Ordering::Greater => false,
                    },
                };
                if better {
                    leave = Some((r, ratio));
                }
            }
        }
        // Phase I objective is bounded below by 0, so a leaving row exists.
        let Some((l, _)) = leave else { break };
        let piv = t[l][e].clone();
        for x in t[l].iter_mut() {
            *x /= &piv;
        }
        let pivot_row = t[l].clone();
        for (r, row) in t.iter_mut().enumerate() {
            if r != l && row[e] != 0 {
                let f = row[e].clone();
                for (x, p) in row.iter_mut().zip(&pivot_row) {
                    *x -= Rational::from(&f * p);
                }
            }
        }
        basis[l] = e;
    }
    // Feasible iff every artificial left in the basis is at value zero.
    basis
        .iter()
        .enumerate()
        .all(|(r, &b)| !(b >= k && b < k + rows) || t[r][width - 1] == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Rational {
        Rational::from((n, d))
    }

    #[test]
    fn hull_membership_exact() {
        // conv{(0,0), (1,0), (0,1)}: (1/3,1/3) inside, (1/2,1/2) on the edge, (1,1) out.
        let pts = vec![
            vec![q(0, 1), q(0, 1)],
            vec![q(1, 1), q(0, 1)],
            vec![q(0, 1), q(1, 1)],
        ];
        assert!(in_convex_hull(&pts, &[q(1, 3), q(1, 3)]));
        assert!(in_convex_hull(&pts, &[q(1, 2), q(1, 2)]));
        assert!(!in_convex_hull(&pts, &[q(1, 1), q(1, 1)]));
        assert!(!in_convex_hull(&pts, &[q(-1, 100), q(1, 2)]));
        // Segment in 3-D: only points on it.
        let seg = vec![
            vec![q(1, 1), q(2, 1), q(3, 1)],
            vec![q(-1, 1), q(0, 1), q(1, 1)],
        ];
        assert!(in_convex_hull(&seg, &[q(0, 1), q(1, 1), q(2, 1)]));
        assert!(!in_convex_hull(&seg, &[q(0, 1), q(1, 1), q(3, 1)]));
    }

    #[test]
    fn diagbox_membership() {
        let m = Matrix::from_ratio_rows(&[vec![(1, 1), (2, 1)], vec![(0, 1), (0, 1)]]).unwrap();
        let c = Matrix::zeros(2, 2);
        let set =
            MatrixSet::diag_box(vec![q(0, 1), q(1, 1)], vec![q(1, 1), q(1, 1)], m, c).unwrap();
        let inside =
            Matrix::from_ratio_rows(&[vec![(1, 2), (1, 1)], vec![(0, 1), (0, 1)]]).unwrap();
        let outside =
            Matrix::from_ratio_rows(&[vec![(1, 2), (1, 2)], vec![(0, 1), (0, 1)]]).unwrap();
        let too_big =
            Matrix::from_ratio_rows(&[vec![(2, 1), (4, 1)], vec![(0, 1), (0, 1)]]).unwrap();
        assert!(contains(&set, &inside).unwrap());
        assert!(!contains(&set, &outside).unwrap());
        assert!(!contains(&set, &too_big).unwrap());
    }
}
