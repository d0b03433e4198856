//! Minkowski operations: `X + Y`, `X · Y`, `λX`, `X ∪ Y` and the action
//! `J(X) = {A X + B : [A, B] ∈ J, X ∈ X}` (MATH.md §3). See the module docs of
//! [`crate::matset`] for the exactness policy.

use super::dispatch::{as_f64_matrix, cast};
use super::{check_pair, Exactness, MatrixSet};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::Scalar;

/// Entrywise interval product `[a]·[b]`: min/max over the four endpoint products.
fn iv_mul<S: Scalar>(alo: &S, ahi: &S, blo: &S, bhi: &S) -> (S, S) {
    let p = [alo.mul(blo), alo.mul(bhi), ahi.mul(blo), ahi.mul(bhi)];
    let lo = p[1..].iter().fold(p[0].clone(), |m, x| m.min(x));
    let hi = p[1..].iter().fold(p[0].clone(), |m, x| m.max(x));
    (lo, hi)
}

/// Interval-matrix product `[A]·[B]` by the endpoint formula: entry `(i, j)` is
/// `Σₖ [aᵢₖ]·[bₖⱼ]` with each term's bounds the min/max of its endpoint products.
/// Sound (contains `{AB : A ∈ [A], B ∈ [B]}`), exact per entry over rationals.
pub fn box_matmul<S: Scalar>(
    (alo, ahi): (&Matrix<S>, &Matrix<S>),
    (blo, bhi): (&Matrix<S>, &Matrix<S>),
) -> Result<(Matrix<S>, Matrix<S>)> {
    if alo.cols() != blo.rows() || alo.shape() != ahi.shape() || blo.shape() != bhi.shape() {
        return Err(Error::DimensionMismatch {
            op: "box_matmul",
            left: alo.shape(),
            right: blo.shape(),
        });
    }
    let (n, p, m) = (alo.rows(), alo.cols(), blo.cols());
    let mut lo = Matrix::zeros(n, m);
    let mut hi = Matrix::zeros(n, m);
    for j in 0..m {
        for i in 0..n {
            let (mut l, mut h) = (S::zero(), S::zero());
            for k in 0..p {
                let (a, b) = iv_mul(&alo[(i, k)], &ahi[(i, k)], &blo[(k, j)], &bhi[(k, j)]);
                l = l.add(&a);
                h = h.add(&b);
            }
            lo[(i, j)] = l;
            hi[(i, j)] = h;
        }
    }
    Ok((lo, hi))
}

/// Pairwise images `f(x, y)` with a size cap; `None` when over the cap.
fn pairwise<S: Scalar>(
    xs: &[Matrix<S>],
    ys: &[Matrix<S>],
    cap: usize,
    f: impl Fn(&Matrix<S>, &Matrix<S>) -> Result<Matrix<S>>,
) -> Result<Option<Vec<Matrix<S>>>> {
    if xs.len().saturating_mul(ys.len()) > cap {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(xs.len() * ys.len());
    for x in xs {
        for y in ys {
            out.push(f(x, y)?);
        }
    }
    Ok(Some(out))
}

/// Either the finite/hull list of a set or, for boxes (and `DiagBox` over the cap),
/// `None`: the caller then falls back to box arithmetic.
fn points_of<S: Scalar>(x: &MatrixSet<S>, cap: usize) -> Result<Option<(Vec<Matrix<S>>, bool)>> {
    match x {
        MatrixSet::Finite(ms) => Ok(Some((x.members()?.to_vec(), ms.len() == 1))),
        MatrixSet::Hull(ms) => Ok(Some((x.members()?.to_vec(), ms.len() == 1))),
        MatrixSet::Box { .. } => Ok(None),
        MatrixSet::DiagBox { .. } => match x.vertices(cap) {
            Ok(v) => Ok(Some((v, false))),
            Err(Error::TooLarge { .. }) => Ok(None),
            Err(e) => Err(e),
        },
    }
}

/// Build the result of a pointwise-bilinear operation from the point lists.
/// `x_finite`/`y_finite`: operand is a finite set or a one-vertex hull;
/// `*_single`: a one-member finite set or one-vertex hull.
fn assemble<S: Scalar>(
    out: Vec<Matrix<S>>,
    x_finite: bool,
    y_finite: bool,
    x_single: bool,
    y_single: bool,
    bilinear: bool,
) -> (MatrixSet<S>, Exactness) {
    if x_finite && y_finite {
        return (MatrixSet::Finite(out), Exactness::Exact);
    }
    // At least one operand is convex (hull / DiagBox).
    let exact = if bilinear {
        // Affine in the convex operand only when the other is a single point.
        (x_single && !y_finite) || (y_single && !x_finite) || (x_single && y_single)
    } else {
        // Sum: conv V + conv W = conv{Vᵢ + Wⱼ}; finite (≥2) + hull is a union of hulls.
        (!x_finite || x_single) && (!y_finite || y_single)
    };
    (
        MatrixSet::Hull(out),
        if exact {
            Exactness::Exact
        } else {
            Exactness::Over
        },
    )
}

impl<S: Scalar> MatrixSet<S> {
    /// Minkowski sum `X + Y` with the default cap ([`super::DEFAULT_CAP`]).
    pub fn sum(&self, rhs: &Self) -> Result<(MatrixSet<S>, Exactness)> {
        self.sum_with_cap(rhs, super::DEFAULT_CAP)
    }

    /// Minkowski sum `X + Y`: exact for finite+finite, hull+hull, box+box and
    /// singleton shifts; a hull (or box) containing it otherwise; the bounding box of
    /// the result when more than `cap` matrices would be produced.
    pub fn sum_with_cap(&self, rhs: &Self, cap: usize) -> Result<(MatrixSet<S>, Exactness)> {
        check_pair(self, rhs, "MatrixSet::sum")?;
        match (self, rhs) {
            (MatrixSet::Box { lo: a, hi: b }, MatrixSet::Box { lo: c, hi: d }) => {
                return Ok((
                    MatrixSet::Box {
                        lo: a.add(c)?,
                        hi: b.add(d)?,
                    },
                    Exactness::Exact,
                ))
            }
            (MatrixSet::Box { lo, hi }, MatrixSet::Finite(ms))
            | (MatrixSet::Finite(ms), MatrixSet::Box { lo, hi })
                if ms.len() == 1 =>
            {
                return Ok((
                    MatrixSet::Box {
                        lo: lo.add(&ms[0])?,
                        hi: hi.add(&ms[0])?,
                    },
                    Exactness::Exact,
                ))
            }
            (
                MatrixSet::DiagBox {
                    q_lo,
                    q_hi,
                    m,
                    offset,
                },
                MatrixSet::Finite(ms),
            )
            | (
                MatrixSet::Finite(ms),
                MatrixSet::DiagBox {
                    q_lo,
                    q_hi,
                    m,
                    offset,
                },
            ) if ms.len() == 1 => {
                let set = MatrixSet::DiagBox {
                    q_lo: q_lo.clone(),
                    q_hi: q_hi.clone(),
                    m: m.clone(),
                    offset: offset.add(&ms[0])?,
                };
                return Ok((set, Exactness::Exact));
            }
            _ => {}
        }
        let (px, py) = (points_of(self, cap)?, points_of(rhs, cap)?);
        if let (Some((xs, xsing)), Some((ys, ysing))) = (px, py) {
            if let Some(out) = pairwise(&xs, &ys, cap, |a, b| a.add(b))? {
                let xf = xsing || matches!(self, MatrixSet::Finite(_));
                let yf = ysing || matches!(rhs, MatrixSet::Finite(_));
                let (set, ex) = assemble(out, xf, yf, xsing, ysing, false);
                return Ok((set.pruned(), ex));
            }
        }
        let (a, b) = (self.bounding_box()?, rhs.bounding_box()?);
        Ok((
            MatrixSet::Box {
                lo: a.0.add(&b.0)?,
                hi: a.1.add(&b.1)?,
            },
            Exactness::Over,
        ))
    }

    /// Minkowski product `X · Y = {XY}` with the default cap.
    pub fn product(&self, rhs: &Self) -> Result<(MatrixSet<S>, Exactness)> {
        self.product_with_cap(rhs, super::DEFAULT_CAP)
    }

    /// Minkowski product `X · Y = {XY : X ∈ X, Y ∈ Y}` (`X` is `p×q`, `Y` is `q×r`).
    ///
    /// Finite·finite: all products, exact. With a hull: `conv{Vᵢ Wⱼ}`, exact when the
    /// other operand is a single matrix, otherwise a superset (`XY` with `X = Σλᵢ Vᵢ`,
    /// `Y = Σμⱼ Wⱼ` is `Σ λᵢμⱼ VᵢWⱼ`, a convex combination, but not every point of
    /// that hull is a product). With a box, or over the cap: the interval-matrix
    /// product of the bounding boxes (over).
    pub fn product_with_cap(&self, rhs: &Self, cap: usize) -> Result<(MatrixSet<S>, Exactness)> {
        if self.shape().1 != rhs.shape().0 {
            return Err(Error::DimensionMismatch {
                op: "MatrixSet::product",
                left: self.shape(),
                right: rhs.shape(),
            });
        }
        let (px, py) = (points_of(self, cap)?, points_of(rhs, cap)?);
        if let (Some((xs, xsing)), Some((ys, ysing))) = (px, py) {
            if let Some(out) = pairwise(&xs, &ys, cap, |a, b| a.matmul(b))? {
                let xf = xsing || matches!(self, MatrixSet::Finite(_));
                let yf = ysing || matches!(rhs, MatrixSet::Finite(_));
                let (set, ex) = assemble(out, xf, yf, xsing, ysing, true);
                return Ok((set.pruned(), ex));
            }
        }
        let (a, b) = (self.bounding_box()?, rhs.bounding_box()?);
        let (lo, hi) = box_matmul((&a.0, &a.1), (&b.0, &b.1))?;
        Ok((MatrixSet::Box { lo, hi }, Exactness::Over))
    }

    /// `c·X`, exact for every variant (a box swaps its bounds when `c < 0`; over
    /// intervals the new bounds are the interval min/max of both products).
    pub fn scale(&self, c: &S) -> MatrixSet<S> {
        match self {
            MatrixSet::Finite(ms) => MatrixSet::Finite(ms.iter().map(|m| m.scale(c)).collect()),
            MatrixSet::Hull(ms) => MatrixSet::Hull(ms.iter().map(|m| m.scale(c)).collect()),
            MatrixSet::Box { lo, hi } => {
                let (a, b) = (lo.scale(c), hi.scale(c));
                let lo2 = Matrix::from_fn(a.rows(), a.cols(), |i, j| a[(i, j)].min(&b[(i, j)]));
                let hi2 = Matrix::from_fn(a.rows(), a.cols(), |i, j| a[(i, j)].max(&b[(i, j)]));
                MatrixSet::Box { lo: lo2, hi: hi2 }
            }
            MatrixSet::DiagBox {
                q_lo,
                q_hi,
                m,
                offset,
            } => MatrixSet::DiagBox {
                q_lo: q_lo.clone(),
                q_hi: q_hi.clone(),
                m: m.scale(c),
                offset: offset.scale(c),
            },
        }
    }

    /// `X ∪ Y`: exact for two finite sets (duplicates removed); otherwise the hull of
    /// both point lists (over), or the bounding box of both (over) past the cap.
    pub fn union(&self, rhs: &Self) -> Result<(MatrixSet<S>, Exactness)> {
        check_pair(self, rhs, "MatrixSet::union")?;
        if let (MatrixSet::Finite(a), MatrixSet::Finite(b)) = (self, rhs) {
            let mut all = a.clone();
            all.extend(b.iter().cloned());
            return Ok((MatrixSet::Finite(all).pruned(), Exactness::Exact));
        }
        let cap = super::DEFAULT_CAP;
        if let (Some((mut a, _)), Some((b, _))) = (points_of(self, cap)?, points_of(rhs, cap)?) {
            if a.len() + b.len() <= cap {
                a.extend(b);
                // conv X ∪ conv Y ⊆ conv(X ∪ Y): a superset.
                return Ok((MatrixSet::Hull(a).pruned(), Exactness::Over));
            }
        }
        let ((a0, a1), (b0, b1)) = (self.bounding_box()?, rhs.bounding_box()?);
        let lo = a0.zip_with(&b0, "union", |x, y| x.min(y))?;
        let hi = a1.zip_with(&b1, "union", |x, y| x.max(y))?;
        Ok((MatrixSet::Box { lo, hi }, Exactness::Over))
    }

    /// The action `J(X) = {A X + B : [A, B] ∈ J, X ∈ X}` with the default cap;
    /// `self` is `J` (`n × (n+m)`), `x` is `X` (`n × m`).
    pub fn act(&self, x: &Self) -> Result<(MatrixSet<S>, Exactness)> {
        self.act_with_cap(x, super::DEFAULT_CAP)
    }

    /// The action `J(X)` (MATH.md §3). Finite `J` on finite `X`: every `A X + B`,
    /// exact (`|J|·|X|` matrices). With hulls: `conv{Aᵢ Xⱼ + Bᵢ}`, exact when `J` or
    /// `X` is a single matrix (an affine image of a hull), otherwise a superset. With
    /// boxes, or when more than `cap` matrices would be produced: the interval-matrix
    /// enclosure `[A]·[X] + [B]` of the bounding boxes (over).
    ///
    /// The products `A·[X₁ … X_k]` are done once per `[A, B]` on the horizontally
    /// stacked members of `X` (one large product; in f64 a single nalgebra kernel).
    pub fn act_with_cap(&self, x: &Self, cap: usize) -> Result<(MatrixSet<S>, Exactness)> {
        let (n, nm) = self.shape();
        let (xn, m) = x.shape();
        if xn != n || nm != n + m {
            return Err(Error::DimensionMismatch {
                op: "MatrixSet::act",
                left: self.shape(),
                right: x.shape(),
            });
        }
        let (pj, px) = (points_of(self, cap)?, points_of(x, cap)?);
        if let (Some((js, jsing)), Some((xs, xsing))) = (pj, px) {
            if js.len().saturating_mul(xs.len()) <= cap {
                let out = act_points(&js, &xs, n)?;
                let jf = jsing || matches!(self, MatrixSet::Finite(_));
                let xf = xsing || matches!(x, MatrixSet::Finite(_));
                let (set, ex) = assemble(out, jf, xf, jsing, xsing, true);
                return Ok((set.pruned(), ex));
            }
        }
        let (jlo, jhi) = self.bounding_box()?;
        let (xlo, xhi) = x.bounding_box()?;
        let (alo, blo) = jlo.split_cols(n)?;
        let (ahi, bhi) = jhi.split_cols(n)?;
        let (plo, phi) = box_matmul((&alo, &ahi), (&xlo, &xhi))?;
        Ok((
            MatrixSet::Box {
                lo: plo.add(&blo)?,
                hi: phi.add(&bhi)?,
            },
            Exactness::Over,
        ))
    }
}

/// `{A X + B}` over all pairs, one stacked product per `[A, B]`.
fn act_points<S: Scalar>(js: &[Matrix<S>], xs: &[Matrix<S>], n: usize) -> Result<Vec<Matrix<S>>> {
    let jf: Option<Vec<&Matrix<f64>>> = js.iter().map(as_f64_matrix).collect();
    let xf: Option<Vec<&Matrix<f64>>> = xs.iter().map(as_f64_matrix).collect();
    if let (Some(jf), Some(xf)) = (jf, xf) {
        if let Some(out) = cast::<Vec<Matrix<S>>, _>(act_points_f64(&jf, &xf, n)?) {
            return Ok(out);
        }
    }
    let m = xs[0].cols();
    // Column-major: stacking horizontally is concatenating the data.
    let mut data = Vec::with_capacity(n * m * xs.len());
    for x in xs {
        data.extend_from_slice(x.as_slice());
    }
    let stacked = Matrix::from_col_major(n, m * xs.len(), data)?;
    let mut out = Vec::with_capacity(js.len() * xs.len());
    for j in js {
        let (a, b) = j.split_cols(n)?;
        let prod = a.matmul(&stacked)?;
        let data = prod.as_slice();
        for k in 0..xs.len() {
            let block = &data[k * n * m..(k + 1) * n * m];
            let sum: Vec<S> = block
                .iter()
                .zip(b.as_slice())
                .map(|(p, q)| p.add(q))
                .collect();
            out.push(Matrix::from_col_major(n, m, sum)?);
        }
    }
    Ok(out)
}

/// f64 fast path: `X₁ … X_k` are stacked once into `n × mk`; per `[A, B]` one
/// buffer is filled with `[B … B]` and updated in place by a single nalgebra `gemm`
/// on borrowed views (`A` and the stack are never copied), then cut into the results.
fn act_points_f64(js: &[&Matrix<f64>], xs: &[&Matrix<f64>], n: usize) -> Result<Vec<Matrix<f64>>> {
    use nalgebra::{DMatrixView, DMatrixViewMut};
    let m = xs.first().map_or(0, |x| x.cols());
    if let Some(bad) = js.iter().find(|j| j.shape() != (n, n + m)) {
        return Err(Error::DimensionMismatch {
            op: "MatrixSet::act",
            left: (n, n + m),
            right: bad.shape(),
        });
    }
    if let Some(bad) = xs.iter().find(|x| x.shape() != (n, m)) {
        return Err(Error::DimensionMismatch {
            op: "MatrixSet::act",
            left: (n, m),
            right: bad.shape(),
        });
    }
    let k = xs.len();
    if n * m == 0 {
        return Ok(vec![Matrix::zeros(n, m); js.len() * k]);
    }
    let mut stack = Vec::with_capacity(n * m * k);
    for x in xs {
        stack.extend_from_slice(x.as_slice());
    }
    let stack = DMatrixView::from_slice(&stack, n, m * k);
    let mut out = Vec::with_capacity(js.len() * k);
    let mut buf = Vec::with_capacity(n * m * k);
    for j in js {
        let (a, b) = j.as_slice().split_at(n * n);
        buf.clear();
        for _ in 0..k {
            buf.extend_from_slice(b);
        }
        DMatrixViewMut::from_slice(&mut buf, n, m * k).gemm(
            1.0,
            &DMatrixView::from_slice(a, n, n),
            &stack,
            1.0,
        );
        for block in buf.chunks_exact(n * m) {
            out.push(Matrix::from_col_major(n, m, block.to_vec())?);
        }
    }
    Ok(out)
}
