//! Minkowski operations: `X + Y`, `X · Y`, `λX`, `X ∪ Y` and the action
//! `J(X) = {A X + B : [A, B] ∈ J, X ∈ X}` (docs/mathematics.md §3). See the module docs of
//! [`crate::matset`] for the exactness policy.

use super::dispatch::{as_f64_matrix, from_f64_matrices, F64View};
use super::overflow::{keep_extreme, keep_largest, Overflow, SetOptions};
use super::prune::dedup;
use super::{check_pair, check_result, Exactness, MatrixSet, Repr};
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

/// Which operation [`combine`] performs on point lists and on bounding boxes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `X + Y` (Minkowski sum).
    Sum,
    /// `X · Y` (products).
    Product,
    /// `J(X) = {A X + B}` with `A` the first `n` columns of each `[A, B]`.
    Act(usize),
}

impl Op {
    fn points<S: Scalar>(self, xs: &[Matrix<S>], ys: &[Matrix<S>]) -> Result<Vec<Matrix<S>>> {
        if let Op::Act(n) = self {
            return act_points(xs, ys, n);
        }
        let mut out = Vec::with_capacity(xs.len() * ys.len());
        for x in xs {
            for y in ys {
                let r = match self {
                    Op::Sum => x.add(y)?,
                    _ => x.matmul(y)?,
                };
                check_result(r.as_slice(), r.rows(), "MatrixSet::sum/product", out.len())?;
                out.push(r);
            }
        }
        Ok(out)
    }

    /// The interval-matrix enclosure of the operation on two boxes.
    fn boxes<S: Scalar>(
        self,
        (alo, ahi): (&Matrix<S>, &Matrix<S>),
        (blo, bhi): (&Matrix<S>, &Matrix<S>),
    ) -> Result<(Matrix<S>, Matrix<S>)> {
        match self {
            Op::Sum => Ok((alo.add(blo)?, ahi.add(bhi)?)),
            Op::Product => box_matmul((alo, ahi), (blo, bhi)),
            Op::Act(_) => box_act((alo, ahi), (blo, bhi)),
        }
    }
}

/// Whether the pointwise images of two operands form an exact finite set (both
/// finite-like) or a hull, and whether that is exact. `*_finite`: the operand is a
/// finite set or a one-vertex hull; `*_single`: a one-member finite set or one-vertex hull.
fn classify(
    (x_finite, x_single): (bool, bool),
    (y_finite, y_single): (bool, bool),
    bilinear: bool,
) -> (bool, Exactness) {
    if x_finite && y_finite {
        return (true, Exactness::Exact);
    }
    // At least one operand is convex (hull / DiagBox).
    let exact = if bilinear {
        // Affine in the convex operand only when the other is a single point.
        (x_single && !y_finite) || (y_single && !x_finite) || (x_single && y_single)
    } else {
        // Sum: conv V + conv W = conv{Vᵢ + Wⱼ}; finite (≥2) + hull is a union of hulls.
        (!x_finite || x_single) && (!y_finite || y_single)
    };
    let ex = if exact {
        Exactness::Exact
    } else {
        Exactness::Over
    };
    (false, ex)
}

/// `(is finite-like, is a single point)` of an operand whose point list is `pts`.
fn kind_of<S>(set: &MatrixSet<S>, pts: &[Matrix<S>]) -> (bool, bool) {
    let single = pts.len() == 1 && matches!(set.0, Repr::Finite(_) | Repr::Hull(_));
    (single || matches!(set.0, Repr::Finite(_)), single)
}

/// The one implementation of the pointwise set operations (sum, product, action):
/// pairwise images of the explicit points when there are at most `opts.cap` of them,
/// the overflow policy otherwise, interval-matrix arithmetic when an operand is a box.
fn combine<S: Scalar>(
    x: &MatrixSet<S>,
    y: &MatrixSet<S>,
    op: Op,
    opts: &SetOptions,
) -> Result<(MatrixSet<S>, Exactness)> {
    let vcap = opts.diagbox_vertex_cap;
    if let (Some(xs), Some(ys)) = (x.points(vcap)?, y.points(vcap)?) {
        let count = xs.len().saturating_mul(ys.len());
        let (finite, mut ex) = classify(kind_of(x, &xs), kind_of(y, &ys), op != Op::Sum);
        let policy = opts.overflow;
        if count <= opts.cap || matches!(policy, Overflow::KeepLargest | Overflow::KeepExtreme) {
            let mut pts = dedup(op.points(&xs, &ys)?);
            if pts.len() > opts.cap {
                pts = if policy == Overflow::KeepLargest {
                    keep_largest(pts, opts.cap)
                } else {
                    keep_extreme(pts, opts.cap)
                };
                ex = ex.and(Exactness::Under);
            }
            return Ok((MatrixSet::finite_or_hull_of_results(pts, finite)?, ex));
        }
        if policy == Overflow::Fail {
            return Err(Error::TooLarge {
                context: format!(
                    "set operation: {count} matrices exceed the cap {}",
                    opts.cap
                ),
            });
        }
    }
    let (a, b) = (x.bounding_box()?, y.bounding_box()?);
    let (lo, hi) = op.boxes((&a.0, &a.1), (&b.0, &b.1))?;
    Ok((MatrixSet::interval_box(lo, hi)?, Exactness::Over))
}

/// `[A]·[X] + [B]` for interval matrices given by endpoints, with `[A, B]` an
/// `n × (n + m)` box split after its first `n` columns and `[X]` an `n × m` box:
/// sound, exact per entry over rationals (see [`box_matmul`]).
pub fn box_act<S: Scalar>(
    (jlo, jhi): (&Matrix<S>, &Matrix<S>),
    (xlo, xhi): (&Matrix<S>, &Matrix<S>),
) -> Result<(Matrix<S>, Matrix<S>)> {
    let n = xlo.rows();
    if jlo.shape() != jhi.shape() || jlo.rows() != n || jlo.cols() != n + xlo.cols() {
        return Err(Error::DimensionMismatch {
            op: "box_act",
            left: jlo.shape(),
            right: xlo.shape(),
        });
    }
    let (alo, blo) = jlo.split_cols(n)?;
    let (ahi, bhi) = jhi.split_cols(n)?;
    let (plo, phi) = box_matmul((&alo, &ahi), (xlo, xhi))?;
    Ok((plo.add(&blo)?, phi.add(&bhi)?))
}

impl<S: Scalar> MatrixSet<S> {
    /// Minkowski sum `X + Y` with the default limits ([`SetOptions::default`]).
    pub fn sum(&self, rhs: &Self) -> Result<(MatrixSet<S>, Exactness)> {
        self.sum_with(rhs, &SetOptions::default())
    }

    /// Minkowski sum with an outer enclosure above `cap` matrices
    /// ([`SetOptions::enclose`]).
    pub fn sum_with_cap(&self, rhs: &Self, cap: usize) -> Result<(MatrixSet<S>, Exactness)> {
        self.sum_with(rhs, &SetOptions::enclose(cap))
    }

    /// Minkowski sum `X + Y`: exact for finite+finite, hull+hull, box+box and
    /// singleton shifts; a hull (or box) containing it otherwise; above `opts.cap`
    /// matrices the overflow policy decides (by default the bounding box of the result).
    pub fn sum_with(&self, rhs: &Self, opts: &SetOptions) -> Result<(MatrixSet<S>, Exactness)> {
        check_pair(self, rhs, "MatrixSet::sum")?;
        match (&self.0, &rhs.0) {
            (Repr::Box { lo: a, hi: b }, Repr::Box { lo: c, hi: d }) => {
                return Ok((
                    MatrixSet::interval_box(a.add(c)?, b.add(d)?)?,
                    Exactness::Exact,
                ))
            }
            (Repr::Box { lo, hi }, Repr::Finite(ms)) | (Repr::Finite(ms), Repr::Box { lo, hi })
                if ms.len() == 1 =>
            {
                return Ok((
                    MatrixSet::interval_box(lo.add(&ms[0])?, hi.add(&ms[0])?)?,
                    Exactness::Exact,
                ))
            }
            (
                Repr::DiagBox {
                    q_lo,
                    q_hi,
                    m,
                    offset,
                },
                Repr::Finite(ms),
            )
            | (
                Repr::Finite(ms),
                Repr::DiagBox {
                    q_lo,
                    q_hi,
                    m,
                    offset,
                },
            ) if ms.len() == 1 => {
                let set = MatrixSet::diag_box(
                    q_lo.clone(),
                    q_hi.clone(),
                    m.clone(),
                    offset.add(&ms[0])?,
                )?;
                return Ok((set, Exactness::Exact));
            }
            _ => {}
        }
        combine(self, rhs, Op::Sum, opts)
    }

    /// Minkowski product `X · Y = {XY}` with the default limits.
    pub fn product(&self, rhs: &Self) -> Result<(MatrixSet<S>, Exactness)> {
        self.product_with(rhs, &SetOptions::default())
    }

    /// Minkowski product with an outer enclosure above `cap` matrices.
    pub fn product_with_cap(&self, rhs: &Self, cap: usize) -> Result<(MatrixSet<S>, Exactness)> {
        self.product_with(rhs, &SetOptions::enclose(cap))
    }

    /// Minkowski product `X · Y = {XY : X ∈ X, Y ∈ Y}` (`X` is `p×q`, `Y` is `q×r`).
    ///
    /// Finite·finite: all products, exact. With a hull: `conv{Vᵢ Wⱼ}`, exact when the
    /// other operand is a single matrix, otherwise a superset (`XY` with `X = Σλᵢ Vᵢ`,
    /// `Y = Σμⱼ Wⱼ` is `Σ λᵢμⱼ VᵢWⱼ`, a convex combination, but not every point of
    /// that hull is a product). With a box: the interval-matrix product of the
    /// bounding boxes (over). Above `opts.cap` products: the overflow policy.
    pub fn product_with(&self, rhs: &Self, opts: &SetOptions) -> Result<(MatrixSet<S>, Exactness)> {
        if self.shape().1 != rhs.shape().0 {
            return Err(Error::DimensionMismatch {
                op: "MatrixSet::product",
                left: self.shape(),
                right: rhs.shape(),
            });
        }
        combine(self, rhs, Op::Product, opts)
    }

    /// `c·X`, exact for every variant (a box swaps its bounds when `c < 0`; over
    /// intervals the new bounds are the interval min/max of both products). Errors
    /// with [`Error::NonFinite`] when `c` (or a product, in f64) is not finite.
    pub fn scale(&self, c: &S) -> Result<MatrixSet<S>> {
        match &self.0 {
            Repr::Box { lo, hi } => {
                let (a, b) = (lo.scale(c), hi.scale(c));
                let lo2 = Matrix::from_fn(a.rows(), a.cols(), |i, j| a[(i, j)].min(&b[(i, j)]));
                let hi2 = Matrix::from_fn(a.rows(), a.cols(), |i, j| a[(i, j)].max(&b[(i, j)]));
                MatrixSet::interval_box(lo2, hi2)
            }
            _ => self.map_matrices(|m| Ok(m.scale(c))),
        }
    }

    /// `X ∪ Y`: exact for two finite sets (duplicates removed); otherwise the hull of
    /// both point lists (over), or the bounding box of both (over) past the cap.
    pub fn union(&self, rhs: &Self) -> Result<(MatrixSet<S>, Exactness)> {
        check_pair(self, rhs, "MatrixSet::union")?;
        if let (Repr::Finite(a), Repr::Finite(b)) = (&self.0, &rhs.0) {
            let mut all = a.clone();
            all.extend(b.iter().cloned());
            return Ok((MatrixSet::finite(all)?.pruned(), Exactness::Exact));
        }
        let cap = super::DEFAULT_CAP;
        if let (Some(mut a), Some(b)) = (self.points(cap)?, rhs.points(cap)?) {
            if a.len() + b.len() <= cap {
                a.extend(b);
                // conv X ∪ conv Y ⊆ conv(X ∪ Y): a superset.
                return Ok((MatrixSet::hull(a)?.pruned(), Exactness::Over));
            }
        }
        let ((a0, a1), (b0, b1)) = (self.bounding_box()?, rhs.bounding_box()?);
        let lo = a0.zip_with(&b0, "union", |x, y| x.min(y))?;
        let hi = a1.zip_with(&b1, "union", |x, y| x.max(y))?;
        Ok((MatrixSet::interval_box(lo, hi)?, Exactness::Over))
    }

    /// The action `J(X) = {A X + B : [A, B] ∈ J, X ∈ X}` with the default limits;
    /// `self` is `J` (`n × (n+m)`), `x` is `X` (`n × m`).
    pub fn act(&self, x: &Self) -> Result<(MatrixSet<S>, Exactness)> {
        self.act_with(x, &SetOptions::default())
    }

    /// The action with an outer enclosure above `cap` matrices ([`SetOptions::enclose`]).
    pub fn act_with_cap(&self, x: &Self, cap: usize) -> Result<(MatrixSet<S>, Exactness)> {
        self.act_with(x, &SetOptions::enclose(cap))
    }

    /// The action `J(X)` (docs/mathematics.md §3). Finite `J` on finite `X`: every `A X + B`,
    /// exact (`|J|·|X|` matrices). With hulls: `conv{Aᵢ Xⱼ + Bᵢ}`, exact when `J` or
    /// `X` is a single matrix (an affine image of a hull), otherwise a superset. With
    /// boxes: the interval-matrix enclosure `[A]·[X] + [B]` of the bounding boxes
    /// (over). When more than `opts.cap` matrices would be produced, `opts.overflow`
    /// decides: the box enclosure (over), an inner approximation keeping `cap` of them
    /// ([`Exactness::Under`], or [`Exactness::Approximate`] when the kept hull was
    /// itself a superset), or [`Error::TooLarge`].
    ///
    /// The products `A·[X₁ … X_k]` are done once per `[A, B]` on the horizontally
    /// stacked members of `X` (one large product; in f64 a single nalgebra kernel).
    pub fn act_with(&self, x: &Self, opts: &SetOptions) -> Result<(MatrixSet<S>, Exactness)> {
        let (n, nm) = self.shape();
        let (xn, m) = x.shape();
        if xn != n || nm != n + m {
            return Err(Error::DimensionMismatch {
                op: "MatrixSet::act",
                left: self.shape(),
                right: x.shape(),
            });
        }
        combine(self, x, Op::Act(n), opts)
    }
}

/// `{A X + B}` over all pairs, one stacked product per `[A, B]`.
fn act_points<S: Scalar>(js: &[Matrix<S>], xs: &[Matrix<S>], n: usize) -> Result<Vec<Matrix<S>>> {
    let jf: Option<Vec<F64View>> = js.iter().map(as_f64_matrix).collect();
    let xf: Option<Vec<F64View>> = xs.iter().map(as_f64_matrix).collect();
    if let (Some(jf), Some(xf)) = (jf, xf) {
        if let Some(out) = from_f64_matrices::<S>(act_points_f64(&jf, &xf, n)?)? {
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
            check_result(&sum, n, "MatrixSet::act", out.len())?;
            out.push(Matrix::from_col_major(n, m, sum)?);
        }
    }
    Ok(out)
}

/// f64 fast path: `X₁ … X_k` are stacked once into `n × mk`; per `[A, B]` one
/// buffer is filled with `[B … B]` and updated in place by a single nalgebra `gemm`
/// on borrowed views (`A` and the stack are never copied), then cut into the results.
fn act_points_f64(js: &[F64View], xs: &[F64View], n: usize) -> Result<Vec<Matrix<f64>>> {
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
            check_result(block, n, "MatrixSet::act", out.len())?;
            out.push(Matrix::from_col_major(n, m, block.to_vec())?);
        }
    }
    Ok(out)
}
